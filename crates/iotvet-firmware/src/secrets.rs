//! Keys and certificates built into the image. Every device of the model ships the same image,
//! so a private key in it is shared by all of them (anyone with the image has every device's
//! key): PEM private keys (PKCS#1 RSA, SEC1 EC, DSA, PKCS#8, OpenSSH, encrypted PKCS#8) and
//! dropbear host keys, each named by a fingerprint (the first 16 hex digits of the SHA-256 of
//! its bytes), never by its value; certificates described as the live TLS assessment describes
//! them (subject, expiry). Files over 1 MiB are not read.
//!
//! Tokens and passwords written into text files (configuration, scripts, web pages; up to
//! 256 KiB each, binaries skipped) by documented patterns:
//! - cloud API keys and tokens by their published formats: AWS access key ids (`AKIA` and 16
//!   upper-case letters or digits), Google API keys (`AIza` and 35), Slack tokens (`xox[abprs]-`),
//!   GitHub tokens (`ghp_`, `gho_`, `ghs_`, `ghu_` and 36), Stripe live secret keys (`sk_live_`);
//! - URLs with a password in them (`scheme://user:password@host`);
//! - assignments of a literal to a password-like name (`password`, `passwd`, `pwd`, `pass`,
//!   `passphrase`, `psk`, `secret`, `api_key`, `apikey`, `token`, `auth_token`,
//!   `access_token`, `client_secret`) as `name=value`, `name: "value"`, `"name": "value"` or
//!   `<name>value</name>` in configuration files and scripts (not in web pages, whose form
//!   fields and translated labels look the same; in program source such as Python or Lua, only
//!   quoted string literals), where the value is not a variable
//!   (`$X`, `${X}`, `%s`), code or a placeholder (brackets, `=`, `:`, `xxxx`, `****`) or a
//!   word for nothing (`none`, `null`, `true`…);
//! - OpenWrt UCI options (`option key '…'`, `option password '…'`) in `/etc/config/`.
//!
//! Each is named by what it is, where, and a fingerprint of its value; the value is masked.

use base64::Engine as _;
use iotvet_core::firmware::SecretFound;
use sha2::Digest as _;

use crate::tree::{Fs, Node};

/// Cloud keys and tokens by their published formats: (what, pattern). Word boundaries are
/// ASCII ones (`(?-u:\b)`): a Unicode boundary makes the regex engine leave its DFA on any
/// non-ASCII text, several times slower.
const TOKEN_FORMATS: [(&str, &str); 6] = [
    ("AWS access key id", r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)"),
    ("Google API key", r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}"),
    ("Slack token", r"(?-u:\b)xox[abprs]-[0-9A-Za-z\-]{10,72}"),
    ("GitHub token", r"(?-u:\b)gh[posu]_[0-9A-Za-z]{36}(?-u:\b)"),
    ("Stripe live secret key", r"(?-u:\b)sk_live_[0-9A-Za-z]{24,99}"),
    (
        "URL with a password",
        r"(?-u:\b)[a-z][a-z0-9+.\-]{1,15}://[^\s:/@'\x22]{1,64}:([^\s:/@'\x22$]{1,64})@[0-9A-Za-z.\-]{1,253}",
    ),
];

/// A password-like name, then `=value`, `="value"`, `: "value"` (a colon only before a quoted
/// value, so `passwd: files` in nsswitch.conf is not one) or `>value`. The pattern starts with
/// the names so the regex engine's literal prefilter skips text without them; the rest of the
/// name (`wls_psk`, `t_passwd`) and the boundary before it are checked by `assignment_name`.
const ASSIGNMENT: &str = r#"(?i)(?:password|passwd|pwd|pass|passphrase|psk|secret|api[_\-]?key|token|auth_token|access_token|client_secret)["']?\s*(?:=\s*["']?|:\s*["']|>)([^\s"'<>;,&]{4,128})"#;

/// OpenWrt's UCI configuration (`/etc/config/*`): `option key 'value'` for Wi-Fi keys, and
/// the password options.
const UCI: &str = r#"(?m)^[ \t]*option[ \t]+(key|password|passwd|psk|passphrase|auth_secret|priv_key_pwd)[ \t]+["']([^"'\s]{4,128})["']"#;

/// Where the whole name a match of `ASSIGNMENT` at `start` begins: the word with the letters,
/// digits, `_`, `.` or `-` before it. None when the word is the end of another word
/// (`bypass`) or the name is not at a boundary (start, space, `;,{?&"'<`).
fn assignment_name(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = start;
    while from > 0 && bytes.get(from - 1).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
    {
        from -= 1;
    }
    let before_word = bytes.get(start.checked_sub(1)?);
    if from < start && !matches!(before_word, Some(b'_' | b'.' | b'-')) {
        return None;
    }
    let boundary =
        from == 0 || bytes.get(from - 1).is_some_and(|c| c.is_ascii_whitespace() || b";,{?&\"'<".contains(c));
    boundary.then_some(from)
}

/// Whether the line holding `at` is a comment (`#`, `//`, `;`).
fn in_comment(text: &str, at: usize) -> bool {
    let line_start = text.get(..at).and_then(|t| t.rfind('\n')).map_or(0, |p| p + 1);
    let line = text.get(line_start..).unwrap_or_default().trim_start();
    line.starts_with('#') || line.starts_with("//") || line.starts_with(';')
}

/// Values that stand for nothing or for a value given elsewhere.
fn placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    let words = [
        "none",
        "null",
        "nil",
        "true",
        "false",
        "yes",
        "no",
        "required",
        "optional",
        "disabled",
        "enabled",
        "empty",
        "undefined",
        "string",
        "password",
        "passwd",
        "secret",
        "token",
        "value",
        "your_password",
        "example",
    ];
    words.contains(&l.as_str())
        || v.starts_with(['$', '%', '{', '(', '[', '@', '/', '.'])
        || v.contains("${")
        || v.contains("$(")
        || v.contains(['(', ')', '[', ']', '{', '}', '=', ':', '\\'])
        || v.chars().all(|c| c == v.chars().next().unwrap_or('x'))
        || l.chars().all(|c| c == 'x' || c == '*')
}

/// Whether a file at `path` (inside its filesystem) is read for tokens and passwords: a text
/// file by its name or place, of at most 256 KiB, not a program.
fn text_file(path: &str, data: &[u8]) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let ext = file.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let by_name = matches!(
        ext,
        "conf"
            | "cfg"
            | "ini"
            | "json"
            | "xml"
            | "yaml"
            | "yml"
            | "sh"
            | "lua"
            | "js"
            | "php"
            | "asp"
            | "py"
            | "txt"
            | "env"
            | "properties"
            | "htm"
            | "html"
            | "cgi"
    ) || path.starts_with("etc/")
        || path.contains("/etc/")
        || data.starts_with(b"#!");
    by_name && data.len() <= 256 * 1024 && !data.starts_with(b"\x7fELF") && !data.iter().take(512).any(|c| *c == 0)
}

/// Literals each token format contains (its index in TOKEN_FORMATS): one Aho-Corasick pass
/// over a file finds which formats can be there, and only those regexes run.
const TOKEN_LITERALS: [(&str, usize); 10] = [
    ("AKIA", 0),
    ("ASIA", 0),
    ("AIza", 1),
    ("xox", 2),
    ("ghp_", 3),
    ("gho_", 3),
    ("ghs_", 3),
    ("ghu_", 3),
    ("sk_live_", 4),
    ("://", 5),
];

struct Patterns {
    any_token: aho_corasick::AhoCorasick,
    tokens: Vec<(&'static str, regex::Regex)>,
    assignment: regex::Regex,
    uci: regex::Regex,
}

fn patterns() -> &'static Option<Patterns> {
    static P: std::sync::OnceLock<Option<Patterns>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let tokens = TOKEN_FORMATS
            .iter()
            .map(|(what, re)| regex::Regex::new(re).ok().map(|r| (*what, r)))
            .collect::<Option<Vec<_>>>()?;
        // Leftmost matches let the search skip ahead with SIMD (the standard semantics walk
        // every byte); a literal hidden inside another's match would follow a word character,
        // where its format's leading boundary cannot match anyway.
        let any_token = aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(TOKEN_LITERALS.iter().map(|(l, _)| *l))
            .ok()?;
        Some(Patterns {
            any_token,
            tokens,
            assignment: regex::Regex::new(ASSIGNMENT).ok()?,
            uci: regex::Regex::new(UCI).ok()?,
        })
    })
}

/// Most findings kept from one image's text files.
const MAX_CREDENTIALS: usize = 500;

/// The tokens and passwords written into the text files of the filesystem at `root`, as each
/// file's facts hold them (read as it arrived), in the files' order, named by their place in
/// the image.
pub fn credentials(fs: &Fs) -> Vec<SecretFound> {
    fs.entries()
        .filter_map(|(_, path, node)| match node {
            Node::File { facts, .. } => Some((path, &facts.credentials)),
            _ => None,
        })
        .flat_map(|(path, found)| found.iter().map(move |s| SecretFound { source: path.clone(), ..s.clone() }))
        .take(MAX_CREDENTIALS)
        .collect()
}

/// The tokens and passwords in a file at `inside` (its path inside its filesystem), if it is a
/// text file they are looked for in.
pub fn credentials_of(inside: &str, data: &[u8]) -> Vec<SecretFound> {
    match patterns() {
        Some(p) if text_file(inside, data) => credentials_in(p, inside, data),
        _ => Vec::new(),
    }
}

/// The tokens and passwords in one text file.
fn credentials_in(p: &Patterns, path: &str, data: &[u8]) -> Vec<SecretFound> {
    let mut out: Vec<SecretFound> = Vec::new();
    let mut push = |kind: &str, detail: String, source: &str, value: &str| {
        let fp = fingerprint(value.as_bytes());
        if out.len() < MAX_CREDENTIALS && !out.iter().any(|s| s.fingerprint == fp) {
            out.push(SecretFound {
                kind: kind.into(),
                detail,
                source: source.to_owned(),
                fingerprint: fp,
                encrypted: false,
                value: Some(value.to_owned()),
                known: None,
            });
        }
    };
    let text = crate::tree::text(data);
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let web = matches!(ext.as_str(), "js" | "htm" | "html" | "asp" | "php" | "cgi" | "css");
    // In program source an unquoted value is a name or an expression, not a literal.
    let source = matches!(ext.as_str(), "py" | "pl" | "pm" | "lua" | "rb" | "tcl" | "c" | "h");
    let mut formats = [false; TOKEN_FORMATS.len()];
    for m in p.any_token.find_iter(text.as_bytes()) {
        if let Some(slot) = TOKEN_LITERALS.get(m.pattern().as_usize()).and_then(|(_, f)| formats.get_mut(*f)) {
            *slot = true;
        }
        if formats.iter().all(|f| *f) {
            break;
        }
    }
    for (i, _) in formats.iter().enumerate().filter(|(_, on)| **on) {
        let Some((what, re)) = p.tokens.get(i) else { continue };
        for m in re.captures_iter(&text).take(16) {
            let value = m.get(1).or_else(|| m.get(0)).map(|v| v.as_str()).unwrap_or_default();
            if *what == "URL with a password" && placeholder(value) {
                continue;
            }
            push("token", (*what).to_owned(), path, value);
        }
    }
    // Web pages and scripts run in the browser hold form fields and labels, not settings:
    // only tokens are looked for there.
    if web {
        return out;
    }
    if path.contains("etc/config/") {
        for m in p.uci.captures_iter(&text).take(64) {
            let (Some(name), Some(value)) = (m.get(1), m.get(2)) else { continue };
            if !placeholder(value.as_str()) {
                push("password", format!("a literal assigned to \"{}\"", name.as_str()), path, value.as_str());
            }
        }
    }
    for m in p.assignment.captures_iter(&text).take(256) {
        let (Some(whole), Some(value)) = (m.get(0), m.get(1)) else { continue };
        let Some(from) = assignment_name(&text, whole.start()) else { continue };
        let quoted = value
            .start()
            .checked_sub(1)
            .and_then(|q| text.as_bytes().get(q))
            .is_some_and(|q| matches!(q, b'"' | b'\''));
        if placeholder(value.as_str()) || in_comment(&text, whole.start()) || (source && !quoted) {
            continue;
        }
        let word = whole.as_str().find(['"', '\'', ' ', '\t', '=', ':', '>']).unwrap_or(0);
        let name = text.get(from..whole.start() + word).unwrap_or_default();
        push("password", format!("a literal assigned to \"{name}\""), path, value.as_str());
    }
    out
}

const PRIVATE: [&str; 6] = [
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "PRIVATE KEY",
];

/// Private keys published where anyone can download them: (fingerprint, where), one per line,
/// `#` comments. Made by `scripts/make-known-keys.sh` from the files it names.
const PUBLISHED_KEYS: &str = include_str!("../data/published-keys.tsv");

/// Fingerprints of keys known from elsewhere, each with where: the published keys built in,
/// plus lists and other images' reports the user gives (`--known-keys`).
#[derive(Debug, Clone, Default)]
pub struct KnownKeys(std::collections::HashMap<String, Known>);

#[derive(Debug, Clone)]
struct Known {
    what: String,
    /// The image the key was found in, for keys taken from another image's report.
    image_sha256: Option<String>,
}

impl KnownKeys {
    /// The published keys built into iotvet.
    pub fn published() -> Self {
        let mut k = KnownKeys::default();
        k.add_list(PUBLISHED_KEYS, "");
        k
    }

    /// Lines `FINGERPRINT<TAB>where` (`#` comments, blank lines skipped); `origin` is said after
    /// each entry's own words when not empty. Returns how many entries were read.
    pub fn add_list(&mut self, text: &str, origin: &str) -> usize {
        let mut n = 0;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (fp, what) = line.split_once('\t').unwrap_or((line, "a key on a known-keys list"));
            let fp = fp.trim().to_ascii_lowercase();
            if fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                let what =
                    if origin.is_empty() { what.trim().to_owned() } else { format!("{} ({origin})", what.trim()) };
                self.0.entry(fp).or_insert(Known { what, image_sha256: None });
                n += 1;
            }
        }
        n
    }

    /// The private keys of another image's firmware report (`iotvet firmware OTHER -f json`, or
    /// a case file with a firmware section). Returns how many keys were read.
    pub fn add_firmware(&mut self, other: &iotvet_core::firmware::FirmwareSection) -> usize {
        let mut n = 0;
        for s in other.secrets.iter().filter(|s| s.kind == "private-key") {
            let what = format!(
                "the same key as {} in the image {} (SHA-256 {:.16}…)",
                s.source, other.image.file, other.image.sha256
            );
            let known = Known { what, image_sha256: Some(other.image.sha256.clone()) };
            self.0.entry(s.fingerprint.clone()).or_insert(known);
            n += 1;
        }
        n
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Marks each private key found whose fingerprint is known (keys of this image itself are
    /// not: an image compared with its own report finds nothing new).
    pub fn mark(&self, found: &mut [SecretFound], own_sha256: &str) {
        for s in found.iter_mut().filter(|s| s.kind == "private-key") {
            if let Some(k) = self.0.get(&s.fingerprint) {
                if k.image_sha256.as_deref() != Some(own_sha256) {
                    s.known = Some(k.what.clone());
                }
            }
        }
    }
}

fn fingerprint(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The PEM blocks of a file: (label, decoded body).
fn pem_blocks(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = data.get(from..).and_then(|d| memchr::memmem::find(d, b"-----BEGIN ")).map(|p| p + from) {
        let rest = data.get(at + 11..).unwrap_or_default();
        let Some(label_end) = memchr::memmem::find(rest, b"-----") else { break };
        let label = String::from_utf8_lossy(rest.get(..label_end).unwrap_or_default()).into_owned();
        let end_marker = format!("-----END {label}-----");
        let body_start = at + 11 + label_end + 5;
        let Some(end) = data.get(body_start..).and_then(|d| memchr::memmem::find(d, end_marker.as_bytes())) else {
            break;
        };
        let body: Vec<u8> = data
            .get(body_start..body_start + end)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
            .collect();
        // Headers of old encrypted PEM (Proc-Type, DEK-Info) hold ':' and ',' — skipped above,
        // so their letters join the body: decode what decodes.
        let decoded = base64::engine::general_purpose::STANDARD.decode(&body).unwrap_or(body);
        if label.len() <= 40 {
            out.push((label, decoded));
        }
        from = body_start + end + end_marker.len();
        if out.len() >= 64 {
            break;
        }
    }
    out
}

/// The keys and certificates of the filesystem at `root`.
pub fn secrets(fs: &Fs) -> Vec<SecretFound> {
    let mut out = Vec::new();
    for (_, path, node) in fs.entries() {
        let Node::File { data, .. } = node else { continue };
        if data.len() > 1 << 20 {
            continue;
        }
        let file = path.rsplit('/').next().unwrap_or(path);
        if file.starts_with("dropbear_") && file.ends_with("_host_key") && !data.is_empty() {
            out.push(SecretFound {
                kind: "private-key".into(),
                detail: format!(
                    "dropbear host key ({})",
                    file.trim_start_matches("dropbear_").trim_end_matches("_host_key")
                ),
                source: path.clone(),
                fingerprint: fingerprint(&iotvet_wire::key::dropbear_identity(data).unwrap_or_else(|| data.clone())),
                encrypted: false,
                value: None,
                known: None,
            });
            continue;
        }
        if memchr::memmem::find(data, b"-----BEGIN ").is_none() {
            continue;
        }
        let text = crate::tree::text(data);
        for (label, body) in pem_blocks(data) {
            if PRIVATE.contains(&label.as_str()) {
                let encrypted = label.starts_with("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED");
                out.push(SecretFound {
                    kind: "private-key".into(),
                    detail: format!("{label} (PEM{})", if encrypted { ", encrypted" } else { "" }),
                    source: path.clone(),
                    fingerprint: fingerprint(&iotvet_wire::key::pem_identity(&label, &body).unwrap_or(body)),
                    encrypted,
                    value: None,
                    known: None,
                });
            } else if label == "CERTIFICATE" {
                let detail = match iotvet_wire::cert::describe(&body) {
                    Ok(c) => {
                        format!("certificate {} (until {}, {} {})", c.subject, c.not_after, c.key_type, c.key_bits)
                    }
                    Err(_) => "certificate (does not parse)".into(),
                };
                out.push(SecretFound {
                    kind: "certificate".into(),
                    detail,
                    source: path.clone(),
                    fingerprint: fingerprint(&body),
                    encrypted: false,
                    value: None,
                    known: None,
                });
            }
            if out.len() >= 500 {
                return out;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_patterns_compile() {
        assert!(super::patterns().is_some());
    }
}
