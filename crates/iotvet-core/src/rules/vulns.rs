//! MS-4 from what the product ships: its components' known vulnerabilities (the case's
//! `vulnerabilities` section). A match in CISA's KEV catalog fails `vul.known-exploited-
//! component`; a CVSS base score at or above the threshold fails `vul.critical-component`;
//! the other matches are warnings with counts by severity on the pass. No components, or no
//! vulnerability data at all, is unknown, never a pass. Data older than the section's
//! `stale_days` is said on every finding. The thresholds (CVSS 9.0 and 30 days by default)
//! travel in the section, so a saved case is judged again the same way.

use crate::{
    case::CaseFile,
    catalog::ids,
    finding::{Finding, Location},
    vulns::VulnSection,
};

pub const CHECKS: [&str; 2] = [ids::KNOWN_EXPLOITED_COMPONENT, ids::CRITICAL_COMPONENT];

fn loc(case: &CaseFile, v: &VulnSection) -> Location {
    Location {
        service: Some("components".into()),
        document: Some(v.inventory.clone()),
        ..Location::device(&case.target.address)
    }
}

/// CVSS v3 severity words for a score.
pub fn severity_of(score: f64) -> &'static str {
    match score {
        s if s >= 9.0 => "critical",
        s if s >= 7.0 => "high",
        s if s >= 4.0 => "medium",
        s if s > 0.0 => "low",
        _ => "none",
    }
}

/// Days from `from` to `to` (both `YYYY-MM-DD…`), when both read.
fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(crate::dates::calendar_date(to.get(..10)?)? - crate::dates::calendar_date(from.get(..10)?)?)
}

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let Some(v) = &case.vulnerabilities else { return vec![] };
    let at = loc(case, v);
    let needs_data = "vulnerability data: iotvet vulndb import NVD, OSV or KEV files";
    if v.database.records() == 0 {
        return CHECKS
            .iter()
            .map(|check| {
                Finding::unknown(check, at.clone())
                    .evidence(format!("the vulnerability database {} holds no records", v.database.path))
                    .needs(needs_data)
            })
            .collect();
    }
    if v.components.is_empty() {
        return CHECKS
            .iter()
            .map(|check| {
                Finding::unknown(check, at.clone())
                    .evidence(format!("no component identified in {}", v.inventory))
                    .needs("the product's components: a firmware image iotvet can open, or the vendor's SBOM")
            })
            .collect();
    }
    let today = v.provenance.started_at.get(..10).unwrap_or_default();
    let newest = v.database.newest();
    let limits = v.thresholds;
    let stale = newest.as_deref().and_then(|n| days_between(n, today)).filter(|d| *d > limits.stale_days);
    let data_note = match (&newest, stale) {
        (Some(n), Some(days)) => format!(
            "warning: the vulnerability data is old — its newest record is from {n}, {days} days before this analysis; newer flaws are not known to it"
        ),
        (Some(n), None) => format!("vulnerability data up to {n} ({} records)", v.database.records()),
        (None, _) => "vulnerability data of unknown date".to_owned(),
    };
    let name = |i: usize| v.components.get(i).map(|c| format!("{} {}", c.name, c.version)).unwrap_or_default();
    let describe = |m: &crate::vulns::VulnMatch| {
        let score = m.cvss.as_ref().map(|c| format!(", CVSS {} {}", c.version, c.score)).unwrap_or_default();
        let fixed = m.fixed.as_ref().map(|f| format!(", fixed in {f}")).unwrap_or_default();
        format!("{}: {}{score}{fixed} — {}", name(m.component), m.id, m.rule)
    };
    let mut out = Vec::new();
    let exploited: Vec<_> = v.matches.iter().filter(|m| m.kev.is_some()).collect();
    if exploited.is_empty() {
        out.push(
            Finding::pass(ids::KNOWN_EXPLOITED_COMPONENT, at.clone())
                .evidence(format!(
                    "none of the {} components has a vulnerability in CISA's KEV catalog ({} entries)",
                    v.components.len(),
                    v.database.kev_entries
                ))
                .evidence(data_note.clone()),
        );
    } else {
        for m in exploited.iter().take(16) {
            let kev = m
                .kev
                .as_ref()
                .map(|k| format!(" (in KEV since {}, due {})", k.date_added, k.due_date))
                .unwrap_or_default();
            out.push(
                Finding::fail(ids::KNOWN_EXPLOITED_COMPONENT, at.clone())
                    .evidence(format!("{}{kev}", describe(m)))
                    .evidence(data_note.clone()),
            );
        }
    }
    let critical: Vec<_> =
        v.matches.iter().filter(|m| m.cvss.as_ref().is_some_and(|c| c.score >= limits.critical_cvss)).collect();
    if critical.is_empty() {
        let mut counts = std::collections::BTreeMap::new();
        for m in &v.matches {
            let s = m.cvss.as_ref().map_or("unscored", |c| severity_of(c.score));
            *counts.entry(s).or_insert(0usize) += 1;
        }
        let mut finding = Finding::pass(ids::CRITICAL_COMPONENT, at.clone());
        finding = if v.matches.is_empty() {
            finding.evidence(format!("no known vulnerability in the {} components", v.components.len()))
        } else {
            let by: Vec<String> = ["high", "medium", "low", "none", "unscored"]
                .iter()
                .filter_map(|s| counts.get(s).map(|n| format!("{n} {s}")))
                .collect();
            finding.evidence(format!(
                "warning: {} known vulnerabilities below CVSS {}: {}",
                v.matches.len(),
                limits.critical_cvss,
                by.join(", ")
            ))
        };
        for m in v.matches.iter().take(8) {
            finding = finding.evidence(format!("warning: {}", describe(m)));
        }
        out.push(finding.evidence(data_note.clone()));
    } else {
        for m in critical.iter().take(16) {
            out.push(
                Finding::fail(ids::CRITICAL_COMPONENT, at.clone()).evidence(describe(m)).evidence(data_note.clone()),
            );
        }
    }
    for u in v.unparseable.iter().take(8) {
        if let Some(first) = out.first_mut() {
            first.evidence.push(format!(
                "unmatched (unparseable version): {} against {}",
                name(u.component),
                u.ids.join(", ")
            ));
        }
    }
    out
}
