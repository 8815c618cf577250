//! Verdicts: per guideline Pass / Fail / Unknown from the findings, and the overall verdict.
//! A guideline fails if any of its findings fails; otherwise it is Unknown if any finding is
//! Unknown (the reason names the evidence that would settle it); otherwise it passes if a finding
//! passed. No findings at all is Unknown. The product meets the standards only if all five pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    case::CaseFile,
    finding::{Finding, Status},
    guideline::Guideline,
    rules,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    Pass,
    Fail,
    Unknown,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub verdict: VerdictKind,
    /// The verdict in one plain sentence for a shopper or a buyer, from the findings.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    pub reason: String,
    /// For an Unknown: the evidence that would settle it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    Meets,
    Fails,
    #[default]
    Unknown,
}

impl Overall {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Meets => "meets",
            Self::Fails => "fails",
            Self::Unknown => "unknown",
        }
    }
}

/// The judgement of one case: findings, verdicts per guideline, and overall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub verdicts: BTreeMap<Guideline, Verdict>,
    pub overall: Overall,
    pub findings: Vec<Finding>,
}

/// Runs every rule on the case and aggregates the verdicts.
pub fn judge(case: &CaseFile) -> Assessment {
    let mut findings = rules::evaluate(case);
    findings.sort_by(|a, b| {
        (a.guideline, a.status, &a.check, &a.location).cmp(&(b.guideline, b.status, &b.check, &b.location))
    });
    let verdicts: BTreeMap<Guideline, Verdict> =
        Guideline::ALL.into_iter().map(|g| (g, guideline_verdict(&findings, g))).collect();
    let overall = overall(verdicts.values().map(|v| v.verdict));
    Assessment { verdicts, overall, findings }
}

pub fn overall(verdicts: impl IntoIterator<Item = VerdictKind>) -> Overall {
    let kinds: Vec<VerdictKind> = verdicts.into_iter().collect();
    if kinds.contains(&VerdictKind::Fail) {
        Overall::Fails
    } else if kinds.len() == Guideline::ALL.len() && kinds.iter().all(|k| *k == VerdictKind::Pass) {
        Overall::Meets
    } else {
        Overall::Unknown
    }
}

fn guideline_verdict(findings: &[Finding], g: Guideline) -> Verdict {
    let mine: Vec<&Finding> = findings.iter().filter(|f| f.guideline == g).collect();
    let with = |s: Status| mine.iter().copied().filter(move |f| f.status == s);
    let failing: Vec<&Finding> = with(Status::Fail).collect();
    if !failing.is_empty() {
        let places: Vec<String> = failing.iter().map(|f| format!("{} at {}", f.check, f.location)).collect();
        let mut worst: Vec<&Finding> = failing.clone();
        // The worst first; at equal severity what was observed before what contradicts a claim.
        worst.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.check == crate::catalog::ids::CONTRADICTED));
        let plain = |f: &Finding| crate::catalog::check(&f.check).map(|c| c.plain.clone()).unwrap_or(f.title.clone());
        let mut problems: Vec<String> = Vec::new();
        for f in worst {
            let p = plain(f);
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
        let mut summary = problems.first().cloned().unwrap_or_default();
        match problems.len() {
            0 | 1 => {}
            2 => summary.push_str(" And one more problem of this kind."),
            n => summary.push_str(&format!(" And {} more problems of this kind.", n - 1)),
        }
        return Verdict {
            verdict: VerdictKind::Fail,
            summary,
            reason: format!("{} failing finding(s): {}", failing.len(), summarise(&places, 3)),
            needs: vec![],
        };
    }
    let unknown: Vec<&Finding> = with(Status::Unknown).collect();
    if !unknown.is_empty() {
        let mut needs: Vec<String> = Vec::new();
        for f in &unknown {
            let n = f.needs.clone().unwrap_or_else(|| f.title.clone());
            if !needs.contains(&n) {
                needs.push(n);
            }
        }
        let checks: Vec<String> = unknown.iter().map(|f| format!("{} at {}", f.check, f.location)).collect();
        return Verdict {
            verdict: VerdictKind::Unknown,
            summary: format!("We could not tell {}: the evidence to settle it is missing.", g.plain_question()),
            reason: format!("cannot be determined ({}); needs {}", summarise(&checks, 3), needs.join("; ")),
            needs,
        };
    }
    let passing: Vec<&Finding> = with(Status::Pass).collect();
    if passing.is_empty() {
        return Verdict {
            verdict: VerdictKind::Unknown,
            summary: format!("We did not check {}.", g.plain_question()),
            reason: "no check of this guideline was run".into(),
            needs: vec![],
        };
    }
    let checks: Vec<String> = passing.iter().map(|f| f.check.clone()).collect();
    let detail = passing.iter().flat_map(|f| f.evidence.iter().cloned()).collect::<Vec<_>>();
    let declared: Vec<&str> =
        passing.iter().filter(|f| f.basis == crate::finding::Basis::Declared).map(|f| f.check.as_str()).collect();
    let basis = if declared.is_empty() {
        String::new()
    } else {
        format!(" (resting on the vendor's declaration, not verified: {})", declared.join(", "))
    };
    let summary = if declared.len() == passing.len() {
        format!("{} (The maker says so; we could not check it ourselves.)", g.plain_pass())
    } else {
        g.plain_pass().to_owned()
    };
    Verdict {
        verdict: VerdictKind::Pass,
        summary,
        reason: format!("{} passed{basis}: {}", checks.join(", "), summarise(&detail, 4)),
        needs: vec![],
    }
}

fn summarise(items: &[String], keep: usize) -> String {
    if items.len() <= keep {
        items.join("; ")
    } else {
        format!("{}; and {} more", items[..keep].join("; "), items.len() - keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        case::{MqttConnack, Protocol},
        rules::fixtures::*,
    };

    #[test]
    fn plaintext_telnet_fails_ms1_and_the_product() {
        let a = judge(&case(vec![service(23, Protocol::Telnet)]));
        assert_eq!(a.verdicts[&Guideline::Ms1].verdict, VerdictKind::Fail);
        assert!(a.verdicts[&Guideline::Ms1].reason.contains("enc.plaintext-service at 192.0.2.7:23/tcp (telnet)"));
        assert_eq!(a.overall, Overall::Fails);
    }

    #[test]
    fn all_encrypted_passes_ms1_but_missing_evidence_keeps_overall_unknown() {
        let mut https = service(443, Protocol::Http);
        https.tls = Some(tls());
        let a = judge(&case(vec![https, service(22, Protocol::Ssh)]));
        assert_eq!(a.verdicts[&Guideline::Ms1].verdict, VerdictKind::Pass);
        for g in [Guideline::Ms2, Guideline::Ms3, Guideline::Ms4, Guideline::Ms5] {
            let v = &a.verdicts[&g];
            assert_eq!(v.verdict, VerdictKind::Unknown, "{g}");
            assert!(!v.needs.is_empty(), "{g} unknown must say what would settle it");
        }
        assert_eq!(a.overall, Overall::Unknown);
    }

    #[test]
    fn unidentified_service_makes_ms1_unknown() {
        let a = judge(&case(vec![service(9999, Protocol::Unknown)]));
        let v = &a.verdicts[&Guideline::Ms1];
        assert_eq!(v.verdict, VerdictKind::Unknown);
        assert!(v.reason.contains("enc.unidentified-service at 192.0.2.7:9999/tcp"));
    }

    #[test]
    fn anonymous_mqtt_fails_ms3() {
        let mut mqtt = service(1883, Protocol::Mqtt);
        mqtt.mqtt = Some(MqttConnack { return_code: 0, session_present: false });
        let a = judge(&case(vec![mqtt]));
        assert_eq!(a.verdicts[&Guideline::Ms3].verdict, VerdictKind::Fail);
    }

    #[test]
    fn overall_needs_all_five() {
        use VerdictKind::*;
        assert_eq!(overall([Pass; 5]), Overall::Meets);
        assert_eq!(overall([Pass, Pass, Pass, Pass, Unknown]), Overall::Unknown);
        assert_eq!(overall([Pass, Unknown, Fail, Pass, Pass]), Overall::Fails);
        assert_eq!(overall([Pass; 4]), Overall::Unknown);
    }

    #[test]
    fn verdicts_serialise_keyed_by_guideline_id() {
        let a = judge(&case(vec![]));
        let v = serde_json::to_value(&a).unwrap();
        for id in ["MS-1", "MS-2", "MS-3", "MS-4", "MS-5"] {
            assert!(v["verdicts"][id]["verdict"].is_string(), "{id}");
        }
    }
}
