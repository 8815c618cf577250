//! Observations of credential testing: for every service that asks for a login, what was tried
//! and what happened. Filled by `iotvet-net`'s testers; judged by the MS-3 rules.

use serde::{Deserialize, Serialize};

use crate::case::{Endpoint, Provenance};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSection {
    pub provenance: Provenance,
    /// `minimal`, `default`, `full`, or the user's own list.
    pub credential_set: String,
    pub credentials_in_list: u32,
    /// Passwords that worked are kept in clear only when the user asked (`--show-secrets`).
    pub secrets_shown: bool,
    pub tests: Vec<LoginTest>,
    /// Credential-test tasks that did not finish (a panic, a cancelled task), each with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<crate::case::CollectorStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoginOutcome {
    /// Every credential tried was refused.
    Rejected,
    /// At least one listed credential was accepted.
    Accepted,
    /// The service gave access without asking for any credential.
    Open,
    /// iotvet could not tell (no prompt, dropped connections, lockout…); `detail` says why.
    Inconclusive,
    /// A login service iotvet has no tester for yet.
    NotTested,
}

impl LoginOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Accepted => "accepted",
            Self::Open => "open",
            Self::Inconclusive => "inconclusive",
            Self::NotTested => "not-tested",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginTest {
    pub endpoint: Endpoint,
    /// The service as named in the network section (`telnet`, `http`, `rtsp`, `mqtt+tls`…).
    pub service: String,
    /// How logins were tried: `telnet-login`, `ftp`, `http-basic`, `http-digest`, `http-form`,
    /// `rtsp-basic`, `rtsp-digest`, `mqtt-connect`.
    pub method: String,
    pub outcome: LoginOutcome,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<AcceptedCredential>,
    /// How the outcome was decided, in words.
    pub detail: String,
    /// Signs of a lockout or rate limit, and what iotvet did about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedCredential {
    pub username: String,
    /// Masked (`x****1`) unless secrets were shown.
    pub password: String,
    /// Where the pair comes from in the list (its sources and tags).
    pub list_entry: String,
    /// What showed the login worked (e.g. "shell prompt '# ' after login").
    pub evidence: String,
    /// The device let the default in only to demand a new password at once (an expired-password
    /// prompt, a redirect to a set-password page): the default must be reset at setup, as MS-3
    /// asks.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub change_forced: bool,
}

/// The default credentials of consumer devices (sources and licences at the top of the file):
/// tried against live logins (`iotvet-net`) and against password hashes in firmware images.
const DEFAULT_CREDENTIALS: &str = include_str!("../data/default-credentials.tsv");

/// One row of the default-credential list.
pub struct DefaultCredential {
    /// `minimal`, `default` or `full`: the smallest set the pair belongs to.
    pub level: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub tags: &'static str,
    pub sources: &'static str,
}

/// The rows of the default-credential list, most likely pairs first.
pub fn default_credentials() -> impl Iterator<Item = DefaultCredential> {
    DEFAULT_CREDENTIALS.lines().filter(|l| !l.starts_with('#') && !l.starts_with("set\t")).filter_map(|l| {
        let cols: Vec<&str> = l.split('\t').collect();
        let [level, username, password, _services, tags, sources] = cols.as_slice() else { return None };
        Some(DefaultCredential { level, username, password, tags, sources })
    })
}

/// `x****1`: first and last character kept for passwords of four or more characters.
pub fn mask(password: &str) -> String {
    let chars: Vec<char> = password.chars().collect();
    match chars.len() {
        0 => "(empty)".into(),
        1..=3 => "*".repeat(chars.len()),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(super::mask("xc3511"), "x****1");
        assert_eq!(super::mask("abc"), "***");
        assert_eq!(super::mask(""), "(empty)");
    }
}
