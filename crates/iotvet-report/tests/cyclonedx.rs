//! The firmware SBOM against the official CycloneDX 1.6 JSON schema (../shared/corpora/vulndb/
//! cyclonedx: the schema with the SPDX and JSF schemas it refers to, and the specification's own
//! conformance files, valid and invalid, as the control that the validator tells them apart).

use std::path::PathBuf;

use iotvet_core::case::Provenance;
use iotvet_core::firmware::{Component, FirmwareSection, ImageInfo};
use serde_json::Value;

fn dir() -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "../../../shared/corpora/vulndb/cyclonedx"].iter().collect()
}

fn read(path: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// The 1.6 validator, or None (skipped) when the corpus is absent outside CI.
fn validator() -> Option<jsonschema::Validator> {
    if !dir().exists() {
        assert!(std::env::var_os("CI").is_none(), "{} is absent in CI", dir().display());
        eprintln!("SKIPPED: {} is absent", dir().display());
        return None;
    }
    let schema = read(dir().join("schema/bom-1.6.schema.json"));
    let mut options = jsonschema::options();
    for name in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        let resource = jsonschema::Resource::from_contents(read(dir().join("schema").join(name))).unwrap();
        options.with_resource(format!("http://cyclonedx.org/schema/{name}"), resource);
    }
    Some(options.should_validate_formats(true).build(&schema).unwrap())
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

fn section() -> FirmwareSection {
    let component = |name: &str, version: &str, evidence: &str, confidence: &str| Component {
        name: name.into(),
        version: version.into(),
        purl: format!("pkg:generic/{name}@{version}"),
        cpe: Some(format!("cpe:2.3:a:{name}:{name}:{version}:*:*:*:*:*:*:*")),
        evidence: evidence.into(),
        confidence: confidence.into(),
    };
    FirmwareSection {
        provenance: Provenance {
            collector: "iotvet-firmware".into(),
            tool_version: "0".into(),
            started_at: "2026-11-26T08:00:00Z".into(),
            finished_at: "2026-11-26T08:00:01Z".into(),
        },
        image: ImageInfo {
            file: "/tmp/camera.bin".into(),
            size: 3,
            sha256: "ab".repeat(32),
            layers: vec![],
            warnings: vec![],
        },
        files: 3,
        accounts: vec![],
        boot_services: vec![],
        update: vec![],
        secrets: vec![],
        components: vec![
            component("busybox", "1.22.1", "the string \"BusyBox v1.22.1\" in squashfs@0x0/bin/busybox", "high"),
            component("openssl", "1.0.2k", "the string \"OpenSSL 1.0.2k\" in squashfs@0x0/usr/lib/libssl.so", "medium"),
            component("linux", "3.10.14", "the kernel's version string in uimage@0x0", "high"),
            component("dnsmasq", "2.80", "opkg status in squashfs@0x0/usr/lib/opkg/status", "high"),
            // The same component twice: one entry in the BOM (bom-refs are unique).
            component("busybox", "1.22.1", "the string \"BusyBox v1.22.1\" in squashfs@0x0/bin/sh", "high"),
        ],
    }
}

#[test]
fn the_firmware_sbom_is_valid_cyclonedx_1_6() {
    let Some(v) = validator() else { return };
    let bom = iotvet_report::cyclonedx::bom(&section());
    assert_eq!(errors(&v, &bom), Vec::<String>::new(), "{bom:#}");
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), 4);
    assert_eq!(components[0]["purl"], "pkg:generic/busybox@1.22.1");
    assert_eq!(components[0]["evidence"]["occurrences"][0]["location"], "squashfs@0x0/bin/busybox");
    assert_eq!(components[2]["type"], "operating-system");
    assert_eq!(components[3]["evidence"]["identity"][0]["methods"][0]["technique"], "manifest-analysis");
    assert_eq!(bom["metadata"]["component"]["type"], "firmware");
    assert_eq!(bom["metadata"]["component"]["name"], "camera.bin");
    // The same image gives the same BOM serial number.
    assert_eq!(bom["serialNumber"], iotvet_report::cyclonedx::bom(&section())["serialNumber"]);
}

#[test]
fn the_validator_tells_the_specifications_valid_files_from_its_invalid_ones() {
    let Some(v) = validator() else { return };
    let mut seen = 0;
    for entry in std::fs::read_dir(dir().join("spec-tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("-1.6.json") {
            continue;
        }
        seen += 1;
        let problems = errors(&v, &read(path));
        if name.starts_with("valid-") {
            assert_eq!(problems, Vec::<String>::new(), "{name}");
        } else {
            assert!(!problems.is_empty(), "{name} is invalid and passed");
        }
    }
    assert!(seen >= 10, "{seen} conformance files");
}

#[test]
fn an_sbom_that_breaks_the_schema_is_caught() {
    let Some(v) = validator() else { return };
    let mut bom = iotvet_report::cyclonedx::bom(&section());
    bom["components"][0]["type"] = "firmware-blob".into();
    bom["serialNumber"] = "not-a-uuid".into();
    assert_eq!(errors(&v, &bom).len(), 2, "{:?}", errors(&v, &bom));
}

/// The components' known vulnerabilities as CycloneDX's `vulnerabilities` (VEX): valid 1.6,
/// each affecting its component's bom-ref, rated, with iotvet's rule and KEV dates.
#[test]
fn known_vulnerabilities_are_a_valid_vex_section() {
    use iotvet_core::vulns::*;
    let Some(v) = validator() else { return };
    let s = section();
    let m = |component: usize, id: &str, score: f64, kev: bool| VulnMatch {
        component,
        id: id.into(),
        aliases: vec![],
        source: "nvd".into(),
        cvss: Some(CvssScore {
            score,
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            version: "3.1".into(),
        }),
        kev: kev.then(|| KevEntry { date_added: "2022-05-04".into(), due_date: "2022-05-25".into() }),
        fixed: None,
        rule: format!("{id}: cpe:2.3:a:x:x:*:*:*:*:*:*:*:* up to 9 (excluding)"),
    };
    let vulns = VulnSection {
        provenance: s.provenance.clone(),
        database: DatabaseInfo {
            path: "v.sqlite".into(),
            sources: vec![],
            kev_entries: 0,
            kev_newest: None,
            imported_at: None,
        },
        inventory: "firmware camera.bin".into(),
        components: vec![],
        matches: vec![m(0, "CVE-2016-2148", 9.8, false), m(1, "CVE-2014-0160", 7.5, true)],
        thresholds: Thresholds::default(),
        unparseable: vec![],
    };
    let mut bom = iotvet_report::cyclonedx::bom(&s);
    iotvet_report::cyclonedx::add_vulnerabilities(&mut bom, &s, &vulns);
    assert_eq!(errors(&v, &bom), Vec::<String>::new(), "{bom:#}");
    let list = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["affects"][0]["ref"], "pkg:generic/busybox@1.22.1");
    assert_eq!(list[0]["ratings"][0]["severity"], "critical");
    assert_eq!(list[1]["properties"][1]["value"], "2022-05-04");
    // Broken on purpose: a rating method the schema does not know is caught.
    bom["vulnerabilities"][0]["ratings"][0]["method"] = "CVSS31".into();
    assert!(!errors(&v, &bom).is_empty());
}
