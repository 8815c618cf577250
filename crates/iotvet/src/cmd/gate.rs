//! The CI gate of every command that judges (`assess`, `report`, `demo`, `diff`): which
//! guidelines are judged, which findings are accepted (ignore file, baseline) and what the exit
//! code says. The decisions are `iotvet_core::gate`'s; this reads the options and files.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use iotvet_core::gate::{apply_baseline, IgnoreList, Policy};
use iotvet_core::{Finding, Guideline, Severity};
use iotvet_report::Report;

use crate::GateArgs;

/// The ignore file read when `--ignore-file` is not given, if it exists.
pub const DEFAULT_IGNORE_FILE: &str = ".iotvetignore";

/// Saved reports larger than this are refused rather than read into memory.
const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// The gate, with its files read and checked before any probing starts.
pub struct Gate {
    pub policy: Policy,
    pub guidelines: Vec<Guideline>,
    ignore: Option<(PathBuf, IgnoreList)>,
    baseline: Option<(String, Vec<Finding>)>,
}

pub fn parse_severity(s: &str) -> Result<Severity> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        "info" | "any" => Severity::Info,
        other => bail!("unknown severity '{other}' for --fail-on (use critical, high, medium, low)"),
    })
}

pub fn parse_guidelines(list: &str) -> Result<Vec<Guideline>> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let g = Guideline::parse(item)
            .or_else(|| Guideline::parse(&format!("MS-{item}")))
            .with_context(|| format!("unknown guideline '{item}' (use MS-1 … MS-5)"))?;
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.is_empty() {
        bail!("--guidelines names no guideline (use e.g. MS-1,MS-3)");
    }
    Ok(out)
}

/// Reads a saved JSON report (size-capped).
pub fn read_report(path: &Path) -> Result<Report> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_REPORT_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?;
    if text.len() as u64 > MAX_REPORT_BYTES {
        bail!("{} is larger than {} MiB: not an iotvet report", path.display(), MAX_REPORT_BYTES >> 20);
    }
    let mut report = Report::from_json(&text).with_context(|| format!("reading {}", path.display()))?;
    // Reports written before findings had ids get them now, the same way.
    for f in report.findings.iter_mut().filter(|f| f.id.is_empty()) {
        f.id = iotvet_core::gate::finding_id(&f.check, &f.location);
    }
    Ok(report)
}

impl GateArgs {
    pub fn load(&self) -> Result<Gate> {
        let policy = Policy {
            fail_on: self.fail_on.as_deref().map(parse_severity).transpose()?.unwrap_or(Severity::Info),
            unknown_ok: self.unknown_ok,
        };
        let guidelines = self.guidelines.as_deref().map(parse_guidelines).transpose()?.unwrap_or_default();
        let ignore_path = match &self.ignore_file {
            Some(p) => Some(p.clone()),
            None => Some(PathBuf::from(DEFAULT_IGNORE_FILE)).filter(|p| p.is_file()),
        };
        let ignore = match ignore_path {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the ignore file {}", path.display()))?;
                let list = IgnoreList::parse(&text).with_context(|| format!("in {}", path.display()))?;
                Some((path, list))
            }
            None => None,
        };
        let baseline = match &self.baseline {
            Some(path) => Some((path.display().to_string(), read_report(path)?.findings)),
            None => None,
        };
        Ok(Gate { policy, guidelines, ignore, baseline })
    }
}

impl GateArgs {
    /// Whether any option asks for gating (the demo gates only then).
    pub fn asked(&self) -> bool {
        self.fail_on.is_some()
            || self.guidelines.is_some()
            || self.unknown_ok
            || self.ignore_file.is_some()
            || self.baseline.is_some()
    }
}

impl Gate {
    /// Restricts the report to the chosen guidelines, marks accepted findings and returns the
    /// exit code.
    pub fn apply(&self, report: &mut Report) -> u8 {
        report.restrict(&self.guidelines);
        // What is accepted is decided by this run's files, not by the ones of the saved report.
        for f in &mut report.findings {
            f.suppressed = None;
        }
        if let Some((path, list)) = &self.ignore {
            let today = iotvet_core::dates::rfc3339_unix(&iotvet_net::now_rfc3339()).unwrap_or(0).div_euclid(86_400);
            for e in list.apply(&mut report.findings, today) {
                eprintln!(
                    "iotvet: {} line {}: '{}' expired on {}; it no longer applies",
                    path.display(),
                    e.line,
                    e.selector,
                    e.expires.as_deref().unwrap_or("?")
                );
            }
        }
        if let Some((name, findings)) = &self.baseline {
            apply_baseline(&mut report.findings, findings, name);
        }
        crate::exit::of_decision(self.policy.decide(&report.assessment()))
    }
}
