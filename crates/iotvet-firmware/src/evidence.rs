//! What the unpacked files say, for each filesystem found: the accounts (`/etc/passwd` with
//! `/etc/shadow`, or inline hashes), each password hash tried against the default-credential
//! list and a short list of common weak passwords (DES, MD5, SHA-256 and SHA-512 crypt and
//! bcrypt, with pwhash; yescrypt is named, not tried); and the network services started at boot
//! (inittab, init scripts, rc.local, inetd.conf, systemd units, OpenWrt procd scripts).

use iotvet_core::firmware::{AccountSeen, BootService};

use crate::tree::{Node, Tree};

/// Common weak passwords beyond the device defaults (the most frequent of public leak lists).
const WEAK: [&str; 24] = [
    "123456",
    "password",
    "12345678",
    "qwerty",
    "123456789",
    "12345",
    "1234",
    "111111",
    "1234567",
    "dragon",
    "123123",
    "abc123",
    "letmein",
    "monkey",
    "000000",
    "passw0rd",
    "admin123",
    "root123",
    "toor",
    "changeme",
    "default",
    "secret",
    "guest",
    "pass",
];

/// The passwords tried: the defaults first (in the list's order), then the weak ones.
pub fn candidates() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in iotvet_core::logins::default_credentials() {
        if seen.insert(c.password.to_owned()) {
            out.push((c.password.to_owned(), "the default-credential list"));
        }
    }
    for w in WEAK {
        if seen.insert(w.to_owned()) {
            out.push((w.to_owned(), "the common weak passwords"));
        }
    }
    out
}

/// The kind of a password field.
pub fn hash_kind(field: &str) -> &'static str {
    let des = field.len() == 13 && field.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/');
    match field {
        "" => "empty",
        f if f.starts_with('!') || f.starts_with('*') => "locked",
        f if f.starts_with("$1$") => "md5-crypt",
        f if f.starts_with("$5$") => "sha256-crypt",
        f if f.starts_with("$6$") => "sha512-crypt",
        f if f.starts_with("$2a$") || f.starts_with("$2b$") || f.starts_with("$2y$") => "bcrypt",
        f if f.starts_with("$y$") => "yescrypt",
        _ if des => "des-crypt",
        _ => "unknown",
    }
}

/// The accounts of the filesystem at `root`.
pub fn accounts(tree: &Tree, root: &str, tries: &[(String, &'static str)]) -> Vec<AccountSeen> {
    let Some(passwd) = tree.read(root, "etc/passwd") else { return vec![] };
    let shadow = tree.read(root, "etc/shadow").map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_default();
    let shadow_of = |name: &str| {
        shadow.lines().find_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some(name)).then(|| f.next().unwrap_or("").to_owned())
        })
    };
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(passwd).lines().take(10_000) {
        let f: Vec<&str> = line.split(':').collect();
        let [name, field, uid, _gid, _gecos, _home, shell] = f.as_slice() else { continue };
        let (field, source) = match (*field, shadow_of(name)) {
            ("x", Some(h)) => (h, format!("{root}/etc/shadow")),
            (inline, _) => (inline.to_owned(), format!("{root}/etc/passwd")),
        };
        let kind = hash_kind(&field);
        let found = match kind {
            "md5-crypt" | "sha256-crypt" | "sha512-crypt" | "bcrypt" | "des-crypt" => {
                tries.iter().find(|(p, _)| pwhash::unix::verify(p, &field))
            }
            _ => None,
        };
        out.push(AccountSeen {
            name: (*name).to_owned(),
            uid: uid.parse().unwrap_or(u32::MAX),
            shell: (*shell).to_owned(),
            source,
            hash: kind.to_owned(),
            password: found.map(|(p, _)| p.clone()),
            found_in: found.map(|(_, list)| (*list).to_owned()),
        });
    }
    out
}

/// Daemons that serve the network, as their names appear in start-up lines.
const DAEMONS: [(&str, &str); 16] = [
    ("utelnetd", "telnetd"),
    ("telnetd", "telnetd"),
    ("vsftpd", "ftpd"),
    ("proftpd", "ftpd"),
    ("tftpd", "tftpd"),
    ("ftpd", "ftpd"),
    ("dropbear", "dropbear"),
    ("sshd", "sshd"),
    ("lighttpd", "httpd"),
    ("uhttpd", "httpd"),
    ("boa", "httpd"),
    ("httpd", "httpd"),
    ("miniupnpd", "upnpd"),
    ("upnpd", "upnpd"),
    ("mosquitto", "mqtt broker"),
    ("snmpd", "snmpd"),
];

/// The network services the filesystem at `root` starts at boot.
pub fn boot_services(tree: &Tree, root: &str) -> Vec<BootService> {
    let prefix = if root.is_empty() { String::new() } else { format!("{root}/") };
    let start_files = |path: &str| {
        let p = path.strip_prefix(&prefix).unwrap_or(path);
        p == "etc/inittab"
            || p == "etc/inetd.conf"
            || p == "etc/rc.local"
            || p.starts_with("etc/init.d/")
            || p.starts_with("etc/rc.d/")
            || (p.starts_with("etc/rc") && p.contains(".d/"))
            || ((p.starts_with("lib/systemd/system/") || p.starts_with("etc/systemd/system/"))
                && p.ends_with(".service"))
    };
    let mut out: Vec<BootService> = Vec::new();
    for (path, node) in tree.iter().filter(|(p, _)| p.starts_with(&prefix) && start_files(p)) {
        let Node::File { data, .. } = node else { continue };
        for line in String::from_utf8_lossy(data).lines() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let words: Vec<&str> =
                line.split(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '"' | '\'' | ';')).collect();
            let Some((_, name)) = DAEMONS.iter().find(|(d, _)| words.iter().any(|w| w.rsplit('/').next() == Some(*d)))
            else {
                continue;
            };
            if out.iter().any(|s| s.name == *name && s.source == *path) {
                continue;
            }
            out.push(BootService {
                name: (*name).to_owned(),
                source: path.clone(),
                line: line.chars().take(200).collect(),
            });
        }
    }
    out
}
