//! MS-4, vulnerability management, from the vendor's security.txt (RFC 9116) and, failing
//! that, a disclosure policy the vendor declares. No security.txt and no disclosure policy
//! fails; a file that exists is judged for expiry, a contact, and conformance.

use crate::{
    case::CaseFile,
    catalog::ids,
    documents::{Level, SecurityTxtObservation},
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let target = &case.target.address;
    let declared_policy = case.declaration.as_ref().and_then(|d| d.security.vulnerability_disclosure_url.clone());
    let Some(obs) = case.documents.as_ref().and_then(|d| d.security_txt.as_ref()) else {
        return vec![match declared_policy {
            Some(url) => Finding::pass(ids::NO_SECURITY_TXT, Location::device(target))
                .declared()
                .evidence(format!("the vendor declares a vulnerability disclosure policy at {url}"))
                .evidence("no security.txt was read"),
            None => Finding::unknown(ids::NO_SECURITY_TXT, Location::device(target)),
        }];
    };
    let Some(file) = &obs.file else { return vec![missing(target, obs, declared_policy)] };
    let source =
        obs.attempts.last().and_then(|a| a.urls.last().cloned().or_else(|| Some(a.source.clone()))).unwrap_or_default();
    let loc = Location::document(target, "security.txt", &source);
    let mut out = Vec::new();
    let mut found =
        Finding::pass(ids::NO_SECURITY_TXT, loc.clone()).evidence(format!("security.txt read from {source}"));
    for c in file.values("contact") {
        found = found.evidence(format!("Contact: {c}"));
    }
    for p in file.problems.iter().filter(|p| p.level == Level::Recommendation) {
        found = found.evidence(format!("recommendation ({}): {}", p.code, p.message));
    }
    out.push(found);
    if file.has("no_contact") {
        out.push(Finding::fail(ids::NO_SECURITY_CONTACT, loc.clone()).evidence("the file has no Contact field"));
    }
    // Judged here, at the case's time, from the recorded expiry: a rejudge decides again.
    let assessed = crate::dates::rfc3339_unix(&case.created_at);
    let expired = match (file.expires_unix, assessed) {
        (Some(expires), Some(now)) => expires < now,
        _ => file.has("expired"),
    };
    if expired {
        let expires: Vec<&str> = file.values("expires").collect();
        out.push(Finding::fail(ids::SECURITY_TXT_EXPIRED, loc.clone()).evidence(format!(
            "Expires: {} is before the time of the assessment ({})",
            expires.join(", "),
            case.created_at
        )));
    }
    let errors: Vec<String> = file
        .errors()
        .filter(|p| p.code != "expired" && p.code != "no_contact")
        .map(|p| match p.line {
            Some(l) => format!("line {l}: {} ({})", p.message, p.code),
            None => format!("{} ({})", p.message, p.code),
        })
        .collect();
    if !errors.is_empty() {
        let mut f = Finding::fail(ids::SECURITY_TXT_INVALID, loc);
        for e in errors {
            f = f.evidence(e);
        }
        out.push(f);
    }
    out
}

fn missing(target: &str, obs: &SecurityTxtObservation, declared_policy: Option<String>) -> Finding {
    let source = obs.attempts.first().map(|a| a.source.clone()).unwrap_or_default();
    let mut f = match &declared_policy {
        Some(url) => Finding::pass(ids::NO_SECURITY_TXT, Location::document(target, "security.txt", &source))
            .declared()
            .evidence(format!("the vendor declares a vulnerability disclosure policy at {url}")),
        None => Finding::fail(ids::NO_SECURITY_TXT, Location::document(target, "security.txt", &source)),
    };
    for a in &obs.attempts {
        f = f.evidence(format!("no security.txt at {}: {}", a.source, a.error.as_deref().unwrap_or("not found")));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        documents::{DocumentsSection, Problem, Retrieval, SecurityTxt},
        finding::Status,
        rules::fixtures::{case, provenance},
    };

    fn with_security_txt(file: Option<SecurityTxt>, error: Option<&str>) -> CaseFile {
        let mut c = case(vec![]);
        let retrieval = Retrieval {
            source: "https://vendor.test/.well-known/security.txt".into(),
            urls: vec!["https://vendor.test/.well-known/security.txt".into()],
            status: Some(if error.is_some() { 404 } else { 200 }),
            content_type: None,
            bytes: 10,
            truncated: false,
            error: error.map(str::to_owned),
        };
        c.documents = Some(DocumentsSection {
            provenance: provenance(),
            security_txt: Some(SecurityTxtObservation { attempts: vec![retrieval], file }),
            policies: vec![],
        });
        c
    }

    fn file(codes: &[&str]) -> SecurityTxt {
        SecurityTxt {
            fields: vec![crate::documents::Field {
                name: "contact".into(),
                value: "mailto:s@vendor.test".into(),
                line: 1,
            }],
            problems: codes
                .iter()
                .map(|c| Problem {
                    level: Level::Error,
                    code: (*c).into(),
                    message: format!("{c} message"),
                    line: Some(2),
                })
                .collect(),
            signed: false,
            signature_verified: None,
            expires_unix: None,
            line_endings: "lf".into(),
        }
    }

    fn statuses(f: &[Finding]) -> Vec<(&str, Status)> {
        f.iter().map(|f| (f.check.as_str(), f.status)).collect()
    }

    #[test]
    fn nothing_read_is_unknown() {
        assert_eq!(statuses(&findings(&case(vec![]))), vec![(ids::NO_SECURITY_TXT, Status::Unknown)]);
    }

    #[test]
    fn no_file_fails_with_what_was_tried() {
        let f = findings(&with_security_txt(None, Some("HTTP 404")));
        assert_eq!(statuses(&f), vec![(ids::NO_SECURITY_TXT, Status::Fail)]);
        assert!(f[0].evidence[0].contains("HTTP 404"));
    }

    #[test]
    fn a_good_file_passes_and_a_bad_one_fails_each_way() {
        assert_eq!(
            statuses(&findings(&with_security_txt(Some(file(&[])), None))),
            vec![(ids::NO_SECURITY_TXT, Status::Pass)]
        );
        let f = findings(&with_security_txt(Some(file(&["expired", "no_contact", "no_uri"])), None));
        assert_eq!(
            statuses(&f),
            vec![
                (ids::NO_SECURITY_TXT, Status::Pass),
                (ids::NO_SECURITY_CONTACT, Status::Fail),
                (ids::SECURITY_TXT_EXPIRED, Status::Fail),
                (ids::SECURITY_TXT_INVALID, Status::Fail)
            ]
        );
        assert!(f[3].evidence[0].contains("line 2: no_uri message (no_uri)"));
    }

    #[test]
    fn expiry_is_judged_at_the_time_of_the_case_not_of_collection() {
        // Expires 2026-06-01; the fixture case is of 2026-01-01: valid then, whatever was recorded.
        let mut valid = file(&[]);
        valid.expires_unix = crate::dates::rfc3339_unix("2026-06-01T00:00:00Z");
        let mut c = with_security_txt(Some(valid), None);
        assert!(!findings(&c).iter().any(|f| f.check == ids::SECURITY_TXT_EXPIRED));
        c.created_at = "2026-07-01T00:00:00Z".into();
        assert!(findings(&c).iter().any(|f| f.check == ids::SECURITY_TXT_EXPIRED && f.status == Status::Fail));
    }
}
