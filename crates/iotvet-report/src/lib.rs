//! iotvet's reports. The JSON report is the saved case: it carries the case file with the
//! findings and verdicts, so it can be re-rendered into every other format, or judged again.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use iotvet_core::{case::Target, Assessment, CaseFile, Finding, Guideline, Overall, Verdict};
use serde::{Deserialize, Serialize};

pub mod cyclonedx;
pub mod diff;
pub mod exit;
mod html;
mod markdown;
mod sarif;
mod terminal;
pub mod text;
mod view;

/// The version of the JSON report layout. Bumped on any change scripts could notice.
pub const SCHEMA_VERSION: u32 = 1;

/// The version of the other JSON outputs' layouts (`scan`, `tls`, `docs`, `checks`; schemas in
/// `schemas/iotvet-<command>.schema.json`).
pub const OUTPUT_SCHEMA_VERSION: u32 = 1;

/// `{"name": "iotvet", "version": …}`, as every JSON output names its producer.
pub fn tool_json() -> serde_json::Value {
    serde_json::json!({ "name": "iotvet", "version": iotvet_core::TOOL_VERSION })
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not an iotvet report: {0}")]
    NotJson(String),
    #[error("report schema version {found} is not supported by this iotvet (it reads version {SCHEMA_VERSION})")]
    SchemaVersion { found: String },
    #[error("malformed iotvet report: {0}")]
    Malformed(String),
    #[error("rendering {format}: {reason}")]
    Render { format: &'static str, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// The whole result of one assessment: what was observed and how it was judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub generated_at: String,
    pub target: Target,
    pub overall: Overall,
    pub verdicts: BTreeMap<Guideline, Verdict>,
    pub findings: Vec<Finding>,
    pub case: CaseFile,
}

impl Report {
    pub fn new(case: CaseFile, generated_at: String) -> Self {
        let Assessment { verdicts, overall, findings } = iotvet_core::judge(&case);
        Self {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo { name: "iotvet".into(), version: iotvet_core::TOOL_VERSION.into() },
            generated_at,
            target: case.target.clone(),
            overall,
            verdicts,
            findings,
            case,
        }
    }

    /// Runs the current rules again on the saved case.
    pub fn rejudge(&mut self, generated_at: String) {
        *self = Self::new(self.case.clone(), generated_at);
    }

    /// Keeps the verdicts and findings of some guidelines only (`--guidelines`).
    pub fn restrict(&mut self, guidelines: &[Guideline]) {
        let mut a = self.assessment();
        a.restrict(guidelines);
        (self.verdicts, self.overall, self.findings) = (a.verdicts, a.overall, a.findings);
    }

    pub fn assessment(&self) -> Assessment {
        Assessment { verdicts: self.verdicts.clone(), overall: self.overall, findings: self.findings.clone() }
    }

    /// Reads a saved JSON report, checking its schema version before anything else.
    /// A saved report (`iotvet assess -f json`, report.json) or a bare case file, from its
    /// JSON text: a case file is judged now (`generated_at`). What `iotvet import` and the
    /// register's upload both read.
    pub fn from_saved(text: &str, generated_at: String) -> Result<Self, ReportError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ReportError::NotJson(e.to_string()))?;
        if value.get("schema_version").is_some() {
            return Self::from_json(text);
        }
        let case: CaseFile = serde_json::from_value(value)
            .map_err(|e| ReportError::Malformed(format!("neither an iotvet report nor a case file: {e}")))?;
        Ok(Self::new(case, generated_at))
    }

    pub fn from_json(text: &str) -> Result<Self, ReportError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ReportError::NotJson(e.to_string()))?;
        match value.get("schema_version") {
            Some(v) if v.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
            Some(v) => return Err(ReportError::SchemaVersion { found: v.to_string() }),
            None => return Err(ReportError::NotJson("no schema_version field".into())),
        }
        serde_json::from_value(value).map_err(|e| ReportError::Malformed(e.to_string()))
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Terminal,
    Json,
    Sarif,
    Markdown,
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [Self::Terminal, Self::Json, Self::Sarif, Self::Markdown, Self::Html];

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "terminal" | "text" | "txt" => Some(Self::Terminal),
            "json" => Some(Self::Json),
            "sarif" => Some(Self::Sarif),
            "md" | "markdown" => Some(Self::Markdown),
            "html" => Some(Self::Html),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Terminal => "terminal",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Markdown => "md",
            Self::Html => "html",
        }
    }

    /// The file this format is written to inside an output folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Terminal => "report.txt",
            Self::Json => "report.json",
            Self::Sarif => "report.sarif",
            Self::Markdown => "report.md",
            Self::Html => "report.html",
        }
    }
}

/// How reports are rendered, beyond the format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours (terminal format only).
    pub color: bool,
    /// SARIF: passes and unknowns as results too, not only failing findings.
    pub sarif_all: bool,
}

/// Renders a report. `color` applies to the terminal format only.
pub fn render(report: &Report, format: Format, color: bool) -> Result<String, ReportError> {
    render_with(report, format, RenderOptions { color, ..RenderOptions::default() })
}

/// Renders a report with all options.
pub fn render_with(report: &Report, format: Format, options: RenderOptions) -> Result<String, ReportError> {
    match format {
        Format::Terminal => Ok(terminal::render(report, options.color)),
        Format::Json => serde_json::to_string_pretty(report)
            .map(|s| s + "\n")
            .map_err(|e| ReportError::Render { format: "json", reason: e.to_string() }),
        Format::Sarif => sarif::render(report, options.sarif_all),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}

pub use html::render_index;
pub use sarif::render_runs as render_sarif_runs;
pub use terminal::{scorecard_line, verdict_block};
pub use view::{printable, TlsView};

#[cfg(test)]
pub(crate) mod fixtures {
    use iotvet_core::case::*;

    /// A case with a plaintext telnet service (MS-1 fails) and an HTTPS one.
    pub fn report() -> super::Report {
        let mut case = CaseFile::new(
            Target { name: "cam.test".into(), address: "192.0.2.7".into() },
            "2026-01-01T00:00:00Z".into(),
        );
        let ep = |port| Endpoint { address: "192.0.2.7".into(), port, transport: Transport::Tcp };
        case.network = Some(NetworkSection {
            provenance: Provenance {
                collector: "test".into(),
                tool_version: "0".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                finished_at: "2026-01-01T00:00:01Z".into(),
            },
            port_spec: "1-65535".into(),
            ports_scanned: 65535,
            open_ports: vec![23, 443],
            services: vec![
                ServiceObservation {
                    banner: Some("\\xff\\xfb\\x01<script>login:".into()),
                    telnet_options: vec!["WILL ECHO".into()],
                    ..ServiceObservation::new(
                        ep(23),
                        Protocol::Telnet,
                        "server opened with telnet option negotiation (WILL ECHO)",
                    )
                },
                ServiceObservation {
                    tls: Some(TlsSession {
                        version: "TLSv1.3".into(),
                        cipher_suite: "TLS_AES_128_GCM_SHA256".into(),
                        alpn: None,
                        certificate_chain_bytes: 800,
                        certificates: 2,
                        chain: vec![],
                        chain_verification: None,
                    }),
                    ..ServiceObservation::new(ep(443), Protocol::Http, "ServerHello")
                },
            ],
            excluded_ports: vec![],
            udp_services: vec![],
            scan_duration_ms: 900,
            steps: vec![],
        });
        super::Report::new(case, "2026-01-01T00:00:02Z".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_and_rejudging_is_stable() {
        let r = fixtures::report();
        let text = render(&r, Format::Json, false).unwrap();
        let mut back = Report::from_json(&text).unwrap();
        assert_eq!(back, r);
        back.rejudge(r.generated_at.clone());
        assert_eq!(back, r);
    }

    #[test]
    fn another_schema_version_is_refused_by_name() {
        let mut v = serde_json::to_value(fixtures::report()).unwrap();
        v["schema_version"] = 99.into();
        let e = Report::from_json(&v.to_string()).unwrap_err();
        assert!(matches!(e, ReportError::SchemaVersion { .. }));
        assert!(e.to_string().contains("99"));
        assert!(matches!(Report::from_json("{}"), Err(ReportError::NotJson(_))));
        assert!(matches!(Report::from_json("not json"), Err(ReportError::NotJson(_))));
    }

    #[test]
    fn json_holds_the_contract_scripts_rely_on() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&fixtures::report(), Format::Json, false).unwrap()).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert!(v["tool"]["version"].is_string());
        assert_eq!(v["verdicts"]["MS-1"]["verdict"], "fail");
        assert!(v["verdicts"]["MS-1"]["reason"].as_str().unwrap().contains("192.0.2.7:23/tcp"));
        assert_eq!(v["overall"], "fails");
        let f = &v["findings"][0];
        for key in ["check", "guideline", "status", "severity", "location", "evidence", "references"] {
            assert!(!f[key].is_null(), "finding lacks {key}");
        }
        assert_eq!(f["check"], "enc.plaintext-service");
        assert_eq!(f["location"]["port"], 23);
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    #[test]
    fn json_output_validates_against_the_published_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../schemas/iotvet-report.schema.json")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(&render(&fixtures::report(), Format::Json, false).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let mut broken = doc.clone();
        broken["verdicts"]["MS-1"]["verdict"] = "maybe".into();
        assert!(!validator.is_valid(&broken));
    }
}
