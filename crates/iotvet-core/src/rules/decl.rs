//! `decl.contradicted`: a declaration that iotvet's own evidence disproves. Each contradiction
//! is filed under the guideline of the claim, with that check's standards references too.

use crate::{
    case::CaseFile,
    catalog::{self, ids},
    finding::{Finding, Location, Status},
    guideline::Guideline,
    rules::{enc, firmware, pwd, traffic},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let Some(d) = &case.declaration else { return vec![] };
    let mut out = Vec::new();
    // The firmware image's failures: verified evidence, which outranks what is declared.
    let image: Vec<Finding> = firmware::findings(case).into_iter().filter(|f| f.status == Status::Fail).collect();
    let from_image = |checks: &[&str]| -> Vec<String> {
        image
            .iter()
            .filter(|f| checks.contains(&f.check.as_str()))
            .map(|f| format!("in the firmware image ({}): {}", f.location, f.evidence.join("; ")))
            .collect()
    };
    if d.security.all_communications_encrypted == Some(true) {
        let plaintext: Vec<Finding> =
            enc::plaintext_services(case).into_iter().filter(|f| f.status == Status::Fail).collect();
        let sent = traffic::plaintext_flows(case);
        let built_in = from_image(&[
            ids::FIRMWARE_CLEARTEXT_DAEMON,
            ids::FIRMWARE_EXPOSED_CLEARTEXT,
            ids::FIRMWARE_UPDATE_CHANNEL,
        ]);
        if !plaintext.is_empty() || !sent.is_empty() || !built_in.is_empty() {
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
            for b in built_in.iter().take(8) {
                f = f.evidence(format!("observed {b}"));
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
        let built_in = from_image(&[ids::FIRMWARE_KNOWN_PASSWORD]);
        if !open.is_empty() || !built_in.is_empty() {
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
            for b in built_in.iter().take(8) {
                f = f.evidence(format!("observed {b}"));
            }
            out.push(f);
        }
    }
    // An update mechanism declared encrypted, and an update URL over plain HTTP in the image.
    let mechanism = d.updates.mechanism.as_deref().unwrap_or_default().to_ascii_lowercase();
    if ["https", "tls", "encrypt"].iter().any(|w| mechanism.contains(w)) {
        let plain = from_image(&[ids::FIRMWARE_UPDATE_CHANNEL]);
        if !plain.is_empty() {
            let mut f =
                contradiction(case.declared_at("updates.mechanism"), Guideline::Ms2, ids::FIRMWARE_UPDATE_CHANNEL)
                    .evidence(format!(
                        "declared update mechanism: {}",
                        d.updates.mechanism.as_deref().unwrap_or_default()
                    ));
            for p in plain.iter().take(8) {
                f = f.evidence(format!("observed {p}"));
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

    /// A firmware image whose evidence disproves three declarations, with no live probe at all.
    #[test]
    fn the_firmware_image_contradicts_what_is_declared() {
        let mut c = CaseFile::new(
            crate::case::Target { name: "fw".into(), address: "fw".into() },
            "2026-01-01T00:00:00Z".into(),
        );
        let section = serde_json::json!({
            "provenance": {"collector": "t", "tool_version": "0", "started_at": "x", "finished_at": "x"},
            "image": {"file": "fw.bin", "size": 10, "sha256": "00",
                      "layers": [{"format": "cpio", "place": "cpio@0x0", "offset": 0, "size": 10, "opened": true}],
                      "warnings": []},
            "files": 3,
            "accounts": [{"name": "root", "uid": 0, "shell": "/bin/sh", "source": "etc/shadow", "hash": "md5-crypt",
                          "password": "xc3511", "found_in": "the default-credential list"}],
            "boot_services": [{"name": "telnetd", "source": "etc/inittab", "line": "::respawn:/usr/sbin/telnetd",
                               "program": "/usr/sbin/telnetd"}],
            "components": [],
            "update": [{"kind": "url", "detail": "http://fw.example/cam.bin", "source": "usr/bin/ota", "plaintext": true}],
            "secrets": []
        });
        c.firmware = Some(serde_json::from_value(section).unwrap());
        let mut d = Declaration::default();
        d.security.all_communications_encrypted = Some(true);
        d.passwords.default_password_policy = Some("unique-per-device".into());
        d.updates.mechanism = Some("signed images over HTTPS".into());
        c.declaration = Some(d);
        let f = findings(&c);
        let got: Vec<(Guideline, bool)> = f
            .iter()
            .map(|x| (x.guideline, x.evidence.iter().any(|e| e.starts_with("observed in the firmware image"))))
            .collect();
        assert_eq!(got, [(Guideline::Ms1, true), (Guideline::Ms3, true), (Guideline::Ms2, true)], "{f:#?}");
        assert!(f[0].evidence.iter().any(|e| e.contains("telnetd started at boot")), "{:?}", f[0].evidence);
        assert!(f[1].evidence.iter().any(|e| e.contains("\"xc3511\"")), "{:?}", f[1].evidence);
        assert!(f[2].evidence.iter().any(|e| e.contains("http://fw.example/cam.bin")), "{:?}", f[2].evidence);
    }
}
