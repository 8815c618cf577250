//! Helpers shared by the end-to-end and interop tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs iotvet with no vulnerability database of the user's (`XDG_DATA_HOME` pointed at a
/// folder that does not exist), so results never depend on the machine's data.
pub fn iotvet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iotvet"))
        .args(args)
        .env("XDG_DATA_HOME", std::env::temp_dir().join("iotvet-tests-no-user-data"))
        .output()
        .expect("run iotvet")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh empty folder under the system's temp folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "iotvet-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, s: &str) -> PathBuf {
        self.0.join(s)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
}

pub fn schema_errors(schema_file: &str, doc: &serde_json::Value) -> Vec<String> {
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(repo_file(f)).unwrap()).unwrap()
    };
    let schema = read(schema_file);
    // The command outputs' schemas share the report schema's definitions by reference.
    let report = jsonschema::Resource::from_contents(read("schemas/iotvet-report.schema.json")).unwrap();
    let v = jsonschema::options()
        .with_resource("https://iotvet.invalid/schemas/iotvet-report-1.schema.json", report)
        .build(&schema)
        .unwrap();
    v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path)).collect()
}

/// Runs the lab on `net` in a background runtime for the life of the returned guard.
pub struct LabGuard {
    _rt: tokio::runtime::Runtime,
    pub lab: iotvet_lab::Lab,
}

pub fn start_lab(net: &str, only: Option<&str>) -> LabGuard {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let net = iotvet_lab::parse_network(net).unwrap();
    let lab = rt.block_on(iotvet_lab::Lab::start(net, only)).expect("lab starts");
    LabGuard { _rt: rt, lab }
}

/// The checks of a JSON report's (or command output's) failing findings, in order.
pub fn failing_checks(v: &serde_json::Value) -> Vec<String> {
    let findings = v["findings"].as_array().map(Vec::as_slice).unwrap_or_default();
    findings.iter().filter(|f| f["status"] == "fail").filter_map(|f| f["check"].as_str()).map(str::to_owned).collect()
}
