//! SARIF 2.1.0 (OASIS). One run; the catalog's checks are the rules; each finding is a result
//! whose `kind` is `fail`, `pass` or `open` (Unknown: more evidence needed), and whose location
//! names the endpoint as a URI (`telnet://127.77.0.10:2323`).

use iotvet_core::{catalog, Severity, Status};
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

pub fn render(report: &Report) -> Result<String, ReportError> {
    let checks = catalog::catalog();
    let rules: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.title,
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": c.rationale },
                "help": { "text": c.remediation },
                "defaultConfiguration": { "level": level(Status::Fail, c.severity) },
                "properties": {
                    "guideline": c.guideline.id(),
                    "tags": [c.guideline.id(), c.guideline.name()],
                    "references": c.references.iter().map(|r| reference_text(r.standard, &r.clause)).collect::<Vec<_>>(),
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = checks.iter().position(|c| c.id == f.check);
            let mut text = format!("{}: {}", f.title, f.location);
            if !f.evidence.is_empty() {
                text.push_str(". Evidence: ");
                text.push_str(&f.evidence.join("; "));
            }
            if let Some(n) = &f.needs {
                text.push_str(&format!(". Needs: {n}"));
            }
            let mut result = json!({
                "ruleId": f.check,
                "kind": match f.status { Status::Fail => "fail", Status::Pass => "pass", Status::Unknown => "open" },
                "level": level(f.status, f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": f.location.uri() } },
                    "logicalLocations": [{ "name": f.location.to_string(), "kind": "endpoint" }]
                }],
                "properties": {
                    "guideline": f.guideline.id(),
                    "severity": f.severity.as_str(),
                    "status": f.status.as_str(),
                    "basis": f.basis.as_str(),
                    "evidence": f.evidence,
                }
            });
            if let (Some(i), Some(obj)) = (index, result.as_object_mut()) {
                obj.insert("ruleIndex".into(), json!(i));
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "iotvet",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": true, "endTimeUtc": report.generated_at }],
            "results": results,
            "properties": {
                "target": report.target,
                "overall": report.overall,
                "verdicts": report.verdicts,
            }
        }]
    });
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| ReportError::Render { format: "sarif", reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        let text = include_str!("../../../schemas/sarif-schema-2.1.0.json");
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn validates_against_the_official_sarif_2_1_0_schema() {
        let doc: Value = serde_json::from_str(&render(&crate::fixtures::report()).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(doc["runs"][0]["results"][0]["ruleId"], "enc.plaintext-service");
        assert_eq!(doc["runs"][0]["results"][0]["kind"], "fail");
        assert_eq!(
            doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "telnet://192.0.2.7:23"
        );
    }

    #[test]
    fn the_schema_rejects_a_broken_document() {
        let validator = jsonschema::validator_for(&schema()).unwrap();
        assert!(!validator.is_valid(&json!({ "version": "2.1.0", "runs": [{ "results": [] }] })));
    }
}
