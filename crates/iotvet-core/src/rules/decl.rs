//! `decl.contradicted`: a declaration that iotvet's own evidence disproves. Each contradiction
//! is filed under the guideline of the claim, with that check's standards references too.

use crate::{
    case::CaseFile,
    catalog::{self, ids},
    finding::{Finding, Location, Status},
    guideline::Guideline,
    rules::{enc, pwd, traffic},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let Some(d) = &case.declaration else { return vec![] };
    let mut out = Vec::new();
    if d.security.all_communications_encrypted == Some(true) {
        let plaintext: Vec<Finding> =
            enc::plaintext_services(case).into_iter().filter(|f| f.status == Status::Fail).collect();
        let sent = traffic::plaintext_flows(case);
        if !plaintext.is_empty() || !sent.is_empty() {
            let mut f = contradiction(
                case.declared_at("security.all_communications_encrypted"),
                Guideline::Ms1,
                ids::PLAINTEXT_SERVICE,
            )
            .evidence("declared: all local and network communications are encrypted");
            for p in &plaintext {
                f = f.evidence(format!("observed: {} without encryption", p.location));
            }
            for s in sent.iter().take(8) {
                f = f.evidence(format!("observed in the capture: {s} without encryption"));
            }
            out.push(f);
        }
    }
    let policy = d.passwords.default_password_policy.as_deref();
    if policy.is_some_and(|p| pwd::GOOD_PASSWORD_POLICIES.contains(&p)) {
        let mut open: Vec<Finding> = match &case.logins {
            Some(_) => pwd::findings(case).into_iter().filter(|f| f.status == Status::Fail).collect(),
            None => pwd::anonymous_access(case),
        };
        open.dedup_by(|a, b| a.location == b.location);
        if !open.is_empty() {
            let mut f = contradiction(
                case.declared_at("passwords.default_password_policy"),
                Guideline::Ms3,
                ids::NO_AUTHENTICATION,
            )
            .evidence(format!("declared default-password policy: {}", policy.unwrap_or_default()));
            for o in &open {
                let what = if o.check == ids::NO_AUTHENTICATION {
                    "gives access without any credential"
                } else {
                    "accepts a well-known default credential"
                };
                f = f.evidence(format!("observed: {} {what}", o.location));
            }
            out.push(f);
        }
    }
    if let (Some(url), Some(docs)) = (&d.privacy.privacy_policy_url, &case.documents) {
        let unreachable = docs.policies.iter().find(|p| p.kind == "privacy-policy" && !p.retrieval.ok());
        if let Some(p) = unreachable {
            out.push(
                contradiction(case.declared_at("privacy.privacy_policy_url"), Guideline::Ms5, ids::NO_PRIVACY_POLICY)
                    .evidence(format!("declared: the privacy policy is at {url}"))
                    .evidence(format!("observed: {}", p.retrieval.error.as_deref().unwrap_or("not readable"))),
            );
        }
    }
    out
}

fn contradiction(loc: Location, guideline: Guideline, claim_check: &str) -> Finding {
    let mut f = Finding::fail(ids::CONTRADICTED, loc).under(guideline);
    if let Some(c) = catalog::check(claim_check) {
        f.references.extend(c.references.iter().cloned());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{case::Protocol, declaration::Declaration, rules::fixtures::*};

    #[test]
    fn declared_encryption_with_plain_telnet_is_contradicted_under_ms1() {
        let mut c = case(vec![service(23, Protocol::Telnet)]);
        let mut d = Declaration::default();
        d.security.all_communications_encrypted = Some(true);
        c.declaration = Some(d);
        let f = findings(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].check.as_str(), f[0].guideline, f[0].status),
            (ids::CONTRADICTED, Guideline::Ms1, Status::Fail)
        );
        assert!(f[0].evidence.iter().any(|e| e.contains("192.0.2.7:23/tcp (telnet)")));
        assert!(f[0].references.len() > 2);
    }

    #[test]
    fn a_true_declaration_is_not_a_contradiction() {
        let mut https = service(443, Protocol::Http);
        https.tls = Some(tls());
        let mut c = case(vec![https]);
        let mut d = Declaration::default();
        d.security.all_communications_encrypted = Some(true);
        c.declaration = Some(d);
        assert!(findings(&c).is_empty());
    }
}
