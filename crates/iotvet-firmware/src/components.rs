//! The components an image ships and their versions, for the SBOM and for known
//! vulnerabilities: from the version strings programs carry (each pattern below names the
//! component, its CPE vendor and product, and what follows the marker), from the C library's
//! file names (`ld-uClibc-0.9.33.2.so`, `libc-2.31.so`), and from package databases (opkg and
//! dpkg status files). Each component says where and how it was found and
//! how sure that is: a package database entry or a version string in the program's own file is
//! `high`, the same string met in another file is `medium`.

use iotvet_core::firmware::Component;

use crate::tree::{Fs, Node};

/// (marker, name, CPE vendor, CPE product)
const MARKERS: [(&[u8], &str, &str, &str); 18] = [
    (b"BusyBox v", "busybox", "busybox", "busybox"),
    (b"OpenSSL ", "openssl", "openssl", "openssl"),
    (b"LibreSSL ", "libressl", "openbsd", "libressl"),
    (b"mbed TLS ", "mbedtls", "arm", "mbed_tls"),
    (b"hostapd v", "hostapd", "w1.fi", "hostapd"),
    (b"wpa_supplicant v", "wpa_supplicant", "w1.fi", "wpa_supplicant"),
    (b"mosquitto version ", "mosquitto", "eclipse", "mosquitto"),
    (b"miniupnpd/", "miniupnpd", "miniupnp_project", "miniupnpd"),
    (b"nginx/", "nginx", "f5", "nginx"),
    (b"iptables v", "iptables", "netfilter", "iptables"),
    (b"pppd version ", "ppp", "point-to-point_protocol_project", "point-to-point_protocol"),
    (b"SSH-2.0-dropbear_", "dropbear", "dropbear_ssh_project", "dropbear_ssh"),
    (b"Dropbear SSH multi-purpose v", "dropbear", "dropbear_ssh_project", "dropbear_ssh"),
    (b"OpenSSH_", "openssh", "openbsd", "openssh"),
    (b"Linux version ", "linux", "linux", "linux_kernel"),
    (b"lighttpd/", "lighttpd", "lighttpd", "lighttpd"),
    (b"dnsmasq-", "dnsmasq", "thekelleys", "dnsmasq"),
    (b"libcurl/", "curl", "haxx", "curl"),
];

/// C libraries named by their files: (file name prefix, name, CPE vendor, CPE product); the
/// version is what comes between the prefix and `.so`.
const LIBRARY_FILES: [(&str, &str, &str, &str); 3] = [
    ("ld-uClibc-", "uclibc", "uclibc", "uclibc"),
    ("libuClibc-", "uclibc", "uclibc", "uclibc"),
    ("libc-", "glibc", "gnu", "glibc"),
];

/// A component named by its file's name, e.g. `lib/ld-uClibc-0.9.33.2.so`.
fn from_file_name(path: &str) -> Option<Component> {
    let file = path.rsplit('/').next()?;
    LIBRARY_FILES.iter().find_map(|(prefix, name, vendor, product)| {
        let version = file.strip_prefix(prefix)?.strip_suffix(".so")?;
        let ok = version.contains('.') && version.chars().all(|c| c.is_ascii_digit() || c == '.');
        ok.then(|| component(name, version, vendor, product, format!("the file name {path}"), "high"))
    })
}

/// The program files whose own name makes a version string in them `high` confidence.
fn own_file(name: &str, path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.starts_with(name)
        || (name == "openssl" && file.starts_with("libcrypto"))
        || (name == "curl" && file.starts_with("libcurl"))
}

/// A version right after a marker: digits and dots, then letters for OpenSSL's 1.0.2k style.
fn version_at(b: &[u8]) -> Option<String> {
    let v: Vec<u8> = b.iter().take(24).copied().take_while(|c| c.is_ascii_alphanumeric() || *c == b'.').collect();
    let text = String::from_utf8(v).ok()?;
    let text = text.trim_end_matches('.');
    (text.chars().next().is_some_and(|c| c.is_ascii_digit()) && text.contains('.')).then(|| text.to_owned())
}

fn component(name: &str, version: &str, vendor: &str, product: &str, evidence: String, confidence: &str) -> Component {
    Component {
        name: name.to_owned(),
        version: version.to_owned(),
        purl: format!("pkg:generic/{name}@{version}"),
        cpe: Some(format!("cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*")),
        evidence,
        confidence: confidence.to_owned(),
    }
}

/// Where package databases are, inside a filesystem.
pub const PACKAGE_DATABASES: [&str; 3] = ["usr/lib/opkg/status", "var/lib/dpkg/status", "var/lib/opkg/status"];

/// The components of the filesystem at `root`: from the version strings each file's bytes
/// held when they were read (`marks`), its name and the package databases.
pub fn components(fs: &Fs) -> Vec<Component> {
    let mut out: Vec<Component> = Vec::new();
    let mut add = |c: Component| match out.iter_mut().find(|x| x.name == c.name && x.version == c.version) {
        Some(known) if known.confidence != "high" && c.confidence == "high" => *known = c,
        Some(_) => {}
        None => out.push(c),
    };
    for (inside, path, node) in fs.entries() {
        if let Some(c) = from_file_name(path) {
            add(c);
        }
        let Node::File { data, facts, .. } = node else { continue };
        if PACKAGE_DATABASES.contains(&inside) {
            for c in packages(data, path) {
                add(c);
            }
            continue;
        }
        for c in named(&facts.marks, |name| own_file(name, inside), path) {
            add(c);
        }
    }
    out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    out
}

/// Every marker in one automaton, made once.
fn markers() -> Option<&'static aho_corasick::AhoCorasick> {
    static MARKED: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    MARKED
        .get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(MARKERS.iter().map(|(m, ..)| *m))
                .ok()
        })
        .as_ref()
}

/// A version string found in a file's bytes: the marker (its index in `MARKERS`) and the
/// version after it.
pub type Mark = (u8, String);

/// Files over this size are not read for version strings.
const MAX_MARKED: usize = 32 << 20;

/// The version strings of a file (none when it is over 32 MiB).
pub fn marks(data: &[u8]) -> Vec<Mark> {
    if data.len() > MAX_MARKED {
        return vec![];
    }
    marks_in(data)
}

/// The version strings in `data`, each marker's first one followed by a version, in the
/// markers' order (two markers can name one component). One pass finds every marker (a
/// substring search of each file per marker was a fifth of an analysis); no marker's end is
/// the start of another, so the leftmost matches miss none.
fn marks_in(data: &[u8]) -> Vec<Mark> {
    let Some(markers) = markers() else { return vec![] };
    let mut found: [Option<String>; MARKERS.len()] = Default::default();
    let mut left = MARKERS.len();
    for m in markers.find_iter(data) {
        let Some(slot @ None) = found.get_mut(m.pattern().as_usize()) else { continue };
        if let Some(v) = version_at(data.get(m.end()..).unwrap_or_default()) {
            *slot = Some(v);
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    found.into_iter().enumerate().filter_map(|(i, v)| Some((u8::try_from(i).ok()?, v?))).collect()
}

/// The components the version strings of a file at `place` name, `high` confidence where
/// `own` says the bytes are the component's own.
fn named(marks: &[Mark], own: impl Fn(&str) -> bool, place: &str) -> Vec<Component> {
    let mut out = Vec::new();
    for (i, v) in marks {
        let Some((marker, name, vendor, product)) = MARKERS.get(usize::from(*i)) else { continue };
        let confidence = if own(name) { "high" } else { "medium" };
        let how = format!("the string \"{}{v}\" in {place}", String::from_utf8_lossy(marker));
        out.push(component(name, v, vendor, product, how, confidence));
    }
    out
}

/// The components named in a decompressed stream that is not a filesystem — a Linux kernel
/// (its "Linux version" banner is the kernel's own: `high`), an RTOS image — at `place`.
pub fn in_blob(data: &[u8], place: &str) -> Vec<Component> {
    named(&marks_in(data), |name| name == "linux", &format!("{place} (decompressed)"))
}

/// Packages of an opkg or dpkg status file (`Package:` and `Version:` lines of each stanza).
fn packages(data: &[u8], path: &str) -> Vec<Component> {
    let text = crate::tree::text(data);
    let mut out = Vec::new();
    for stanza in text.split("\n\n").take(20_000) {
        let field = |key: &str| stanza.lines().find_map(|l| l.strip_prefix(key)).map(|v| v.trim().to_owned());
        if let (Some(name), Some(version)) = (field("Package:"), field("Version:")) {
            let kind = if path.contains("dpkg") { "deb" } else { "opkg" };
            out.push(Component {
                purl: format!("pkg:{}/{name}@{version}", if kind == "deb" { "deb" } else { "generic" }),
                name: name.to_ascii_lowercase(),
                version,
                cpe: None,
                evidence: format!("{kind} status entry in {path}"),
                confidence: "high".to_owned(),
            });
        }
    }
    out
}
