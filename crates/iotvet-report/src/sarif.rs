//! SARIF 2.1.0 (OASIS), shaped for GitHub code scanning.
//!
//! - One run per device, `runAutomationDetails.id` `iotvet/<target>/` (GitHub's category), so a
//!   repository can upload several devices and each keeps its own alerts; `demo --out` writes
//!   one file with a run per device.
//! - The catalog's checks are the rules, with `security-severity` (GitHub's scale: critical ≥ 9,
//!   high ≥ 7, medium ≥ 4, low > 0) and the `security` tag, `helpUri` at the first standard the
//!   check gives evidence for, and help in text and Markdown.
//! - Only failing findings are results by default (what code scanning shows as alerts); with
//!   `all` passes (`kind: pass`) and unknowns (`kind: open`) too. A finding accepted by an ignore
//!   file or a baseline carries a SARIF `suppressions` entry with the reason.
//! - `partialFingerprints` hold the finding's stable id, so an alert follows the finding from
//!   run to run whatever its wording.
//! - Locations GitHub can anchor: a declared fact points at the declaration file and the line of
//!   its key; a network finding at a stable relative pseudo-path per device and endpoint,
//!   `iotvet/<target>/tcp-23`, line 1 (the approach Trivy takes for container images); the
//!   endpoint's real URI is kept as a logical location.

use iotvet_core::{catalog, Finding, Severity, Status};
use serde_json::{json, Value};

use crate::{view::reference_text, Report, ReportError};

fn level(status: Status, severity: Severity) -> &'static str {
    match (status, severity) {
        (Status::Fail, Severity::Critical | Severity::High) => "error",
        (Status::Fail, Severity::Medium) => "warning",
        (Status::Fail, _) => "note",
        _ => "none",
    }
}

/// GitHub's `security-severity`: a number in 0.0–10.0 as a string.
pub(crate) fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

pub(crate) fn rules() -> Vec<Value> {
    catalog::catalog()
        .iter()
        .map(|c| {
            let refs: Vec<String> = c.references.iter().map(|r| reference_text(r.standard, &r.clause)).collect();
            let markdown = format!(
                "**{}** ({})\n\n{}\n\n**Remediation:** {}\n\n**Evidence that settles it:** {}\n\n**Standards:** {}",
                c.title,
                c.guideline.id(),
                c.rationale,
                c.remediation,
                c.needs,
                refs.join("; ")
            );
            let mut rule = json!({
                "id": c.id,
                "name": c.id.split(['.', '-']).map(|w| {
                    let mut cs = w.chars();
                    cs.next().map(|f| f.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
                }).collect::<String>(),
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": c.rationale },
                "help": { "text": format!("{} Remediation: {}", c.rationale, c.remediation), "markdown": markdown },
                "defaultConfiguration": { "level": level(Status::Fail, c.severity) },
                "properties": {
                    "guideline": c.guideline.id(),
                    "tags": ["security", "iot", c.guideline.id()],
                    "security-severity": security_severity(c.severity),
                    "precision": "high",
                    "problem.severity": match c.severity {
                        Severity::Critical | Severity::High => "error",
                        Severity::Medium => "warning",
                        _ => "recommendation",
                    },
                    "references": refs,
                }
            });
            if let (Some(r), Some(obj)) = (c.references.first(), rule.as_object_mut()) {
                obj.insert("helpUri".into(), json!(r.standard.url()));
            }
            rule
        })
        .collect()
}

/// A path-like name for a target (addresses and host names as they are; anything else kept
/// out of the path).
pub(crate) fn path_part(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect()
}

/// The physical location GitHub anchors the result at: (path, line).
pub(crate) fn anchor(report: &Report, f: &Finding) -> (String, u32) {
    let device = format!("iotvet/{}", path_part(&f.location.target));
    let l = &f.location;
    if let (Some(port), Some(t)) = (l.port, l.transport) {
        return (format!("{device}/{}-{port}", t.as_str()), 1);
    }
    if let (Some(field), Some(source)) = (&l.field, &report.case.declaration_source) {
        if is_repository_path(&source.path) {
            return (source.path.trim_start_matches("./").to_owned(), source.line_of(field));
        }
    }
    if let Some(doc) = l.document.as_deref().filter(|d| is_repository_path(d)) {
        return (doc.trim_start_matches("./").to_owned(), 1);
    }
    (format!("{device}/{}", path_part(l.service.as_deref().unwrap_or("device"))), 1)
}

/// A relative path inside the checkout (GitHub cannot anchor absolute paths or URLs).
fn is_repository_path(p: &str) -> bool {
    !p.contains("://") && !p.starts_with('/') && !p.split(['/', '\\']).any(|c| c == "..") && !p.is_empty()
}

pub(crate) fn result(report: &Report, f: &Finding) -> Value {
    let index = catalog::catalog().iter().position(|c| c.id == f.check);
    let mut text = format!("{}: {}", f.title, f.location);
    if !f.evidence.is_empty() {
        text.push_str(". Evidence: ");
        text.push_str(&f.evidence.join("; "));
    }
    if let Some(n) = &f.needs {
        text.push_str(&format!(". Needs: {n}"));
    }
    let (uri, line) = anchor(report, f);
    let mut result = json!({
        "ruleId": f.check,
        "kind": match f.status { Status::Fail => "fail", Status::Pass => "pass", Status::Unknown => "open" },
        "level": level(f.status, f.severity),
        "message": { "text": crate::printable(&text) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": { "startLine": line }
            },
            "logicalLocations": [{ "name": f.location.uri(), "fullyQualifiedName": f.location.to_string(), "kind": "resource" }]
        }],
        "partialFingerprints": { "iotvetFindingId/v1": f.id },
        "properties": {
            "id": f.id,
            "guideline": f.guideline.id(),
            "severity": f.severity.as_str(),
            "status": f.status.as_str(),
            "basis": f.basis.as_str(),
            "evidence": f.evidence,
        }
    });
    let Some(obj) = result.as_object_mut() else { return result };
    if let Some(i) = index {
        obj.insert("ruleIndex".into(), json!(i));
    }
    if let Some(s) = &f.suppressed {
        obj.insert(
            "suppressions".into(),
            json!([{ "kind": "external", "status": "accepted", "justification": format!("{}: {}", s.by, s.reason) }]),
        );
    }
    result
}

fn run(report: &Report, all: bool) -> Value {
    let results: Vec<Value> =
        report.findings.iter().filter(|f| all || f.status == Status::Fail).map(|f| result(report, f)).collect();
    json!({
        "tool": { "driver": {
            "name": "iotvet",
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "rules": rules(),
        }},
        "automationDetails": { "id": format!("iotvet/{}/", path_part(&report.target.name)) },
        "invocations": [{ "executionSuccessful": true, "endTimeUtc": report.generated_at }],
        "results": results,
        "properties": {
            "target": report.target,
            "overall": report.overall,
            "verdicts": report.verdicts,
        }
    })
}

/// One SARIF log with a run per report.
pub fn render_runs<'a>(reports: impl IntoIterator<Item = &'a Report>, all: bool) -> Result<String, ReportError> {
    log(reports.into_iter().map(|r| run(r, all)).collect())
}

/// A SARIF log of these runs, as text.
pub(crate) fn log(runs: Vec<Value>) -> Result<String, ReportError> {
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    });
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| ReportError::Render { format: "sarif", reason: e.to_string() })
}

pub fn render(report: &Report, all: bool) -> Result<String, ReportError> {
    render_runs([report], all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        let text = include_str!("../../../schemas/sarif-schema-2.1.0.json");
        serde_json::from_str(text).unwrap()
    }

    fn doc(all: bool) -> Value {
        serde_json::from_str(&render(&crate::fixtures::report(), all).unwrap()).unwrap()
    }

    #[test]
    fn validates_against_the_official_sarif_2_1_0_schema() {
        let validator = jsonschema::validator_for(&schema()).unwrap();
        for all in [false, true] {
            let doc = doc(all);
            let errors: Vec<String> =
                validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        let doc = doc(false);
        let first = &doc["runs"][0]["results"][0];
        assert_eq!(first["ruleId"], "enc.plaintext-service");
        assert_eq!(first["kind"], "fail");
        assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "iotvet/192.0.2.7/tcp-23");
        assert_eq!(first["locations"][0]["logicalLocations"][0]["name"], "telnet://192.0.2.7:23");
    }

    #[test]
    fn only_failing_results_unless_all_are_asked() {
        let fails = doc(false)["runs"][0]["results"].as_array().unwrap().len();
        let all = doc(true)["runs"][0]["results"].as_array().unwrap().len();
        let report = crate::fixtures::report();
        assert_eq!(fails, report.findings.iter().filter(|f| f.status == Status::Fail).count());
        assert_eq!(all, report.findings.len());
        assert!(all > fails);
    }

    /// The requirements of GitHub's SARIF ingestion ("SARIF support for code scanning",
    /// docs.github.com): the fields it reads, the ones it needs to track and rank alerts, and
    /// its limits.
    #[test]
    fn meets_github_code_scanning_ingestion_rules() {
        let mut report = crate::fixtures::report();
        report.findings[0].suppressed = Some(iotvet_core::gate::Suppression {
            by: "ignore-file".into(),
            reason: "bench VLAN (line 3)".into(),
            expires: None,
        });
        let doc: Value =
            serde_json::from_str(&render_runs([&report, &crate::fixtures::report()], true).unwrap()).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let runs = doc["runs"].as_array().unwrap();
        assert!(runs.len() <= 20, "GitHub takes at most 20 runs per file");
        let mut categories = std::collections::BTreeSet::new();
        for run in runs {
            let driver = &run["tool"]["driver"];
            assert!(driver["name"].is_string());
            let category = run["automationDetails"]["id"].as_str().unwrap();
            assert!(category.ends_with('/'), "the category is the id up to its last slash");
            categories.insert(category.to_owned());
            let rules = driver["rules"].as_array().unwrap();
            assert!(rules.len() <= 25_000);
            let mut ids = std::collections::BTreeSet::new();
            for rule in rules {
                assert!(ids.insert(rule["id"].as_str().unwrap()), "rule ids are unique");
                let sev: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
                assert!((0.0..=10.0).contains(&sev));
                let tags = rule["properties"]["tags"].as_array().unwrap();
                assert!(tags.iter().any(|t| t == "security") && tags.len() <= 20);
                assert!(rule["shortDescription"]["text"].as_str().is_some_and(|t| t.len() <= 1024));
                assert!(rule["fullDescription"]["text"].is_string() && rule["help"]["text"].is_string());
                assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
            }
            let results = run["results"].as_array().unwrap();
            assert!(results.len() <= 25_000);
            for r in results {
                let rule_id = r["ruleId"].as_str().unwrap();
                assert!(ids.contains(rule_id), "every result names a rule of the run");
                assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"], rule_id);
                assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
                assert!(["none", "note", "warning", "error"].contains(&r["level"].as_str().unwrap()));
                let locations = r["locations"].as_array().unwrap();
                assert!(!locations.is_empty() && locations.len() <= 1000);
                let physical = &locations[0]["physicalLocation"];
                let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
                assert!(!uri.contains("://") && !uri.starts_with('/'), "a relative path GitHub can anchor: {uri}");
                assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
                assert_eq!(r["partialFingerprints"]["iotvetFindingId/v1"].as_str().unwrap().len(), 16);
            }
        }
        assert_eq!(categories.len(), 1, "the same device twice is one category");
        let suppressed = &runs[0]["results"][0]["suppressions"][0];
        assert_eq!(suppressed["kind"], "external");
        assert!(suppressed["justification"].as_str().unwrap().contains("bench VLAN"));
    }

    #[test]
    fn declared_facts_point_at_the_declaration_line() {
        let mut report = crate::fixtures::report();
        let text = "[product]\nname = \"Cam\"\n\n[updates]\nautomatic_updates_default = false\n";
        report.case.declaration = iotvet_core::declaration::Declaration::from_toml(
            "[product]\nname = \"Cam\"\nvendor = \"V\"\nmodel = \"M\"\n[updates]\nautomatic_updates_default = false\n",
        )
        .ok();
        report.case.declaration_source =
            Some(iotvet_core::declaration::DeclarationSource::new("vendor/cam.toml", text));
        report.rejudge("2026-01-01T00:00:03Z".into());
        let doc: Value = serde_json::from_str(&render(&report, false).unwrap()).unwrap();
        let result = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "upd.no-auto-update")
            .expect("the declared fail is a result");
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "vendor/cam.toml");
        assert_eq!(physical["region"]["startLine"], 5);
    }

    #[test]
    fn the_schema_rejects_a_broken_document() {
        let validator = jsonschema::validator_for(&schema()).unwrap();
        assert!(!validator.is_valid(&json!({ "version": "2.1.0", "runs": [{ "results": [] }] })));
    }
}
