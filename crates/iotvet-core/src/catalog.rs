//! The check catalog: every check iotvet can report, with its guideline, rationale, remediation,
//! default severity and the clauses of the formal standards it gives evidence for.
//! The data lives in `data/checks.toml` and is compiled into the binary.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::{finding::Severity, guideline::Guideline};

const CATALOG_TOML: &str = include_str!("../data/checks.toml");

/// What judged a case: iotvet's version and a digest of the check catalog, e.g.
/// `0.1.0+3f2a9c01b7de`. A stored assessment is judged again when this differs from its newest
/// judgement's (rules are code: a release changes the version, a catalog edit the digest).
pub fn rules_version() -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(CATALOG_TOML.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{}+{hex}", crate::TOOL_VERSION)
}

/// A formal standard a check can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Standard {
    #[serde(rename = "etsi-en-303-645")]
    EtsiEn303645,
    #[serde(rename = "uk-psti")]
    UkPsti,
    #[serde(rename = "eu-cra")]
    EuCra,
    #[serde(rename = "owasp-iot-2018")]
    OwaspIot2018,
    #[serde(rename = "nist-ir-8425")]
    NistIr8425,
}

impl Standard {
    pub const ALL: [Standard; 5] =
        [Self::EtsiEn303645, Self::UkPsti, Self::EuCra, Self::OwaspIot2018, Self::NistIr8425];

    /// The short name used in data files, on the command line and in reports.
    pub fn key(self) -> &'static str {
        match self {
            Self::EtsiEn303645 => "etsi-en-303-645",
            Self::UkPsti => "uk-psti",
            Self::EuCra => "eu-cra",
            Self::OwaspIot2018 => "owasp-iot-2018",
            Self::NistIr8425 => "nist-ir-8425",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::EtsiEn303645 => "ETSI EN 303 645 V2.1.1",
            Self::UkPsti => "UK PSTI Regulations 2023",
            Self::EuCra => "EU Cyber Resilience Act",
            Self::OwaspIot2018 => "OWASP IoT Top 10 (2018)",
            Self::NistIr8425 => "NIST IR 8425",
        }
    }

    /// Where the standard is published.
    pub fn url(self) -> &'static str {
        match self {
            Self::EtsiEn303645 => {
                "https://www.etsi.org/deliver/etsi_en/303600_303699/303645/02.01.01_60/en_303645v020101p.pdf"
            }
            Self::UkPsti => "https://www.legislation.gov.uk/uksi/2023/1007/schedule/1",
            Self::EuCra => "https://eur-lex.europa.eu/eli/reg/2024/2847/oj",
            Self::OwaspIot2018 => "https://owasp.org/www-project-internet-of-things/",
            Self::NistIr8425 => "https://doi.org/10.6028/NIST.IR.8425",
        }
    }

    /// Accepts the key or a few common spellings ("etsi", "psti", "cra", "owasp", "nist").
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.to_ascii_lowercase();
        Self::ALL.into_iter().find(|st| {
            st.key() == s
                || matches!(
                    (st, s.as_str()),
                    (Self::EtsiEn303645, "etsi" | "en-303-645" | "etsi-en-303645")
                        | (Self::UkPsti, "psti")
                        | (Self::EuCra, "cra")
                        | (Self::OwaspIot2018, "owasp" | "owasp-iot")
                        | (Self::NistIr8425, "nist" | "nistir-8425")
                )
        })
    }
}

/// One clause of one standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub standard: Standard,
    pub clause: String,
}

/// One entry of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub guideline: Guideline,
    pub title: String,
    /// The problem in one sentence for a shopper or a buyer, without jargon.
    pub plain: String,
    pub severity: Severity,
    pub rationale: String,
    pub remediation: String,
    /// The evidence that settles this check, named when it cannot be judged.
    pub needs: String,
    pub references: Vec<Reference>,
}

#[derive(Deserialize)]
struct CatalogFile {
    check: Vec<Check>,
}

/// The compiled-in catalog, in file order.
pub fn catalog() -> &'static [Check] {
    static CATALOG: OnceLock<Vec<Check>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The file is part of the source tree, not input; `tests::catalog_is_well_formed`
        // proves that it parses, so this cannot fail in a built binary.
        toml::from_str::<CatalogFile>(CATALOG_TOML).map(|f| f.check).unwrap_or_default()
    })
}

/// Looks a check up by id.
pub fn check(id: &str) -> Option<&'static Check> {
    catalog().iter().find(|c| c.id == id)
}

/// Stable ids of the checks the rules emit, so a typo is a compile error, not a missing check.
pub mod ids {
    pub const PLAINTEXT_SERVICE: &str = "enc.plaintext-service";
    pub const UNIDENTIFIED_SERVICE: &str = "enc.unidentified-service";
    pub const NO_AUTO_UPDATE: &str = "upd.no-auto-update";
    pub const DEFAULT_CREDENTIAL: &str = "pwd.default-credential";
    pub const NO_AUTHENTICATION: &str = "pwd.no-authentication";
    pub const NO_SECURITY_TXT: &str = "vul.no-security-txt";
    pub const NO_PRIVACY_POLICY: &str = "priv.no-privacy-policy";
    pub const SECURITY_TXT_INVALID: &str = "vul.security-txt-invalid";
    pub const SECURITY_TXT_EXPIRED: &str = "vul.security-txt-expired";
    pub const NO_SECURITY_CONTACT: &str = "vul.no-security-contact";
    pub const SUPPORT_PERIOD: &str = "upd.support-period";
    pub const NO_TERMS: &str = "priv.no-terms";
    pub const HARD_TO_READ: &str = "priv.policy-hard-to-read";
    pub const TOPICS_MISSING: &str = "priv.policy-topics-missing";
    pub const CONTRADICTED: &str = "decl.contradicted";
    pub const CHILDREN_CHECKLIST: &str = "priv.children-checklist";
    pub const TLS_LEGACY_VERSION: &str = "enc.tls-legacy-version";
    pub const TLS_WEAK_CIPHER: &str = "enc.tls-weak-cipher";
    pub const TLS_NO_FORWARD_SECRECY: &str = "enc.tls-no-forward-secrecy";
    pub const TLS_WEAK_KEY_EXCHANGE: &str = "enc.tls-weak-key-exchange";
    pub const TLS_COMPRESSION: &str = "enc.tls-compression";
    pub const TLS_INSECURE_RENEGOTIATION: &str = "enc.tls-insecure-renegotiation";
    pub const TLS_CERT_EXPIRED: &str = "enc.tls-cert-expired";
    pub const TLS_WEAK_KEY: &str = "enc.tls-weak-key";
    pub const TLS_UNTRUSTED_CERT: &str = "enc.tls-untrusted-cert";
    pub const COAP_WITHOUT_DTLS: &str = "enc.coap-without-dtls";
    pub const SNMP_V1V2C: &str = "enc.snmp-v1v2c";
    pub const TRAFFIC_PLAINTEXT: &str = "enc.traffic-plaintext";
    pub const TRAFFIC_SECRET: &str = "enc.traffic-secret-in-clear";
    pub const TRAFFIC_WEAK_TLS: &str = "enc.traffic-weak-client-tls";
    pub const UPDATE_CHANNEL: &str = "upd.update-channel";
    pub const TRAFFIC_TRACKERS: &str = "priv.traffic-trackers";
    pub const TRAFFIC_PERSONAL_DATA: &str = "priv.traffic-personal-data-in-clear";
    pub const UPNP_PLAIN_HTTP: &str = "enc.upnp-plain-http";
    pub const FIRMWARE_KNOWN_PASSWORD: &str = "pwd.firmware-known-password";
    pub const FIRMWARE_CLEARTEXT_DAEMON: &str = "enc.firmware-cleartext-daemon";
    pub const FIRMWARE_UPDATE_CHANNEL: &str = "upd.firmware-update-channel";
    pub const FIRMWARE_UPDATE_SIGNATURE: &str = "upd.firmware-update-signature";
    pub const FIRMWARE_PRIVATE_KEY: &str = "pwd.firmware-private-key";
    pub const FIRMWARE_PUBLISHED_KEY: &str = "pwd.firmware-published-key";
    pub const FIRMWARE_EXPOSED_CLEARTEXT: &str = "enc.firmware-exposed-cleartext";
    pub const FIRMWARE_OUTDATED_COMPONENT: &str = "upd.firmware-outdated-component";
    pub const FIRMWARE_HARDCODED_SECRET: &str = "pwd.firmware-hardcoded-secret";
    pub const KNOWN_EXPLOITED_COMPONENT: &str = "vul.known-exploited-component";
    pub const CRITICAL_COMPONENT: &str = "vul.critical-component";
    pub const ALL: [&str; 45] = [
        PLAINTEXT_SERVICE,
        UNIDENTIFIED_SERVICE,
        NO_AUTO_UPDATE,
        DEFAULT_CREDENTIAL,
        NO_AUTHENTICATION,
        NO_SECURITY_TXT,
        NO_PRIVACY_POLICY,
        SECURITY_TXT_INVALID,
        SECURITY_TXT_EXPIRED,
        NO_SECURITY_CONTACT,
        SUPPORT_PERIOD,
        NO_TERMS,
        HARD_TO_READ,
        TOPICS_MISSING,
        CONTRADICTED,
        CHILDREN_CHECKLIST,
        TLS_LEGACY_VERSION,
        TLS_WEAK_CIPHER,
        TLS_NO_FORWARD_SECRECY,
        TLS_WEAK_KEY_EXCHANGE,
        TLS_COMPRESSION,
        TLS_INSECURE_RENEGOTIATION,
        TLS_CERT_EXPIRED,
        TLS_WEAK_KEY,
        TLS_UNTRUSTED_CERT,
        COAP_WITHOUT_DTLS,
        SNMP_V1V2C,
        UPNP_PLAIN_HTTP,
        TRAFFIC_PLAINTEXT,
        TRAFFIC_SECRET,
        TRAFFIC_WEAK_TLS,
        UPDATE_CHANNEL,
        TRAFFIC_TRACKERS,
        TRAFFIC_PERSONAL_DATA,
        FIRMWARE_KNOWN_PASSWORD,
        FIRMWARE_CLEARTEXT_DAEMON,
        FIRMWARE_UPDATE_CHANNEL,
        FIRMWARE_UPDATE_SIGNATURE,
        FIRMWARE_PRIVATE_KEY,
        FIRMWARE_PUBLISHED_KEY,
        FIRMWARE_EXPOSED_CLEARTEXT,
        FIRMWARE_OUTDATED_COMPONENT,
        FIRMWARE_HARDCODED_SECRET,
        KNOWN_EXPLOITED_COMPONENT,
        CRITICAL_COMPONENT,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_is_well_formed() {
        let parsed: CatalogFile = toml::from_str(CATALOG_TOML).expect("checks.toml parses");
        assert!(parsed.check.len() >= ids::ALL.len());
        let mut seen = HashSet::new();
        for c in &parsed.check {
            assert!(seen.insert(c.id.clone()), "duplicate check id {}", c.id);
            assert!(!c.references.is_empty(), "{} has no standards reference", c.id);
            assert!(c.references.iter().all(|r| !r.clause.trim().is_empty()), "{} has an empty clause", c.id);
            let prefix = match c.guideline {
                Guideline::Ms1 => "enc.",
                Guideline::Ms2 => "upd.",
                Guideline::Ms3 => "pwd.",
                Guideline::Ms4 => "vul.",
                Guideline::Ms5 => "priv.",
            };
            assert!(
                c.id.starts_with(prefix) || c.id.starts_with("decl."),
                "{} does not carry its guideline's prefix {prefix}",
                c.id
            );
            for text in [&c.title, &c.rationale, &c.remediation, &c.needs] {
                assert!(!text.trim().is_empty(), "{} has an empty text field", c.id);
            }
        }
        assert_eq!(catalog().len(), parsed.check.len());
    }

    #[test]
    fn every_id_the_rules_emit_is_in_the_catalog() {
        for id in ids::ALL {
            assert!(check(id).is_some(), "{id} missing from checks.toml");
        }
    }

    #[test]
    fn every_guideline_has_a_check() {
        for g in Guideline::ALL {
            assert!(catalog().iter().any(|c| c.guideline == g), "{g} has no check");
        }
    }

    #[test]
    fn standards_parse_by_key_and_alias() {
        for s in Standard::ALL {
            assert_eq!(Standard::parse(s.key()), Some(s));
        }
        assert_eq!(Standard::parse("ETSI"), Some(Standard::EtsiEn303645));
        assert_eq!(Standard::parse("nope"), None);
    }
}
