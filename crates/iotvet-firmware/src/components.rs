//! The components an image ships and their versions, for the SBOM and for known
//! vulnerabilities: from the version strings programs carry (each pattern below names the
//! component, its CPE vendor and product, and what follows the marker), and from package
//! databases (opkg and dpkg status files). Each component says where and how it was found and
//! how sure that is: a package database entry or a version string in the program's own file is
//! `high`, the same string met in another file is `medium`.

use iotvet_core::firmware::Component;

use crate::tree::{Node, Tree};

/// (marker, name, CPE vendor, CPE product)
const MARKERS: [(&[u8], &str, &str, &str); 9] = [
    (b"BusyBox v", "busybox", "busybox", "busybox"),
    (b"OpenSSL ", "openssl", "openssl", "openssl"),
    (b"SSH-2.0-dropbear_", "dropbear", "dropbear_ssh_project", "dropbear_ssh"),
    (b"Dropbear SSH multi-purpose v", "dropbear", "dropbear_ssh_project", "dropbear_ssh"),
    (b"OpenSSH_", "openssh", "openbsd", "openssh"),
    (b"Linux version ", "linux", "linux", "linux_kernel"),
    (b"lighttpd/", "lighttpd", "lighttpd", "lighttpd"),
    (b"dnsmasq-", "dnsmasq", "thekelleys", "dnsmasq"),
    (b"libcurl/", "curl", "haxx", "curl"),
];

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

/// The components of the filesystem at `root`.
pub fn components(tree: &Tree, root: &str) -> Vec<Component> {
    let prefix = if root.is_empty() { String::new() } else { format!("{root}/") };
    let mut out: Vec<Component> = Vec::new();
    let mut add = |c: Component| match out.iter_mut().find(|x| x.name == c.name && x.version == c.version) {
        Some(known) if known.confidence != "high" && c.confidence == "high" => *known = c,
        Some(_) => {}
        None => out.push(c),
    };
    for (path, node) in tree.iter().filter(|(p, _)| p.starts_with(&prefix)) {
        let Node::File { data, .. } = node else { continue };
        let inside = path.strip_prefix(&prefix).unwrap_or(path);
        if inside == "usr/lib/opkg/status" || inside == "var/lib/dpkg/status" || inside == "var/lib/opkg/status" {
            for c in packages(data, path) {
                add(c);
            }
            continue;
        }
        if data.len() > 32 << 20 {
            continue;
        }
        for (marker, name, vendor, product) in MARKERS {
            let mut from = 0;
            while let Some(p) = data.get(from..).and_then(|d| d.windows(marker.len()).position(|w| w == marker)) {
                let at = from + p + marker.len();
                if let Some(v) = version_at(data.get(at..).unwrap_or_default()) {
                    let confidence = if own_file(name, inside) { "high" } else { "medium" };
                    let how = format!("the string \"{}{v}\" in {path}", String::from_utf8_lossy(marker));
                    add(component(name, &v, vendor, product, how, confidence));
                    break;
                }
                from = at;
            }
        }
    }
    out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    out
}

/// Packages of an opkg or dpkg status file (`Package:` and `Version:` lines of each stanza).
fn packages(data: &[u8], path: &str) -> Vec<Component> {
    let text = String::from_utf8_lossy(data);
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
