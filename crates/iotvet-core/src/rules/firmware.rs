//! The rules on a firmware image of the product (the case's `firmware` section): MS-3 accounts
//! whose password is known or empty; MS-1 cleartext daemons started at boot; MS-2 the update
//! mechanism, its channel and its verification key. Without an image
//! these rules say nothing; an image in which no filesystem was opened leaves them unknown.

use crate::{
    case::CaseFile,
    catalog::ids,
    finding::{Finding, Location},
    firmware::FirmwareSection,
};

/// The checks these rules emit.
pub const CHECKS: [&str; 9] = [
    ids::FIRMWARE_KNOWN_PASSWORD,
    ids::FIRMWARE_CLEARTEXT_DAEMON,
    ids::FIRMWARE_EXPOSED_CLEARTEXT,
    ids::FIRMWARE_UPDATE_CHANNEL,
    ids::FIRMWARE_UPDATE_SIGNATURE,
    ids::FIRMWARE_PRIVATE_KEY,
    ids::FIRMWARE_PUBLISHED_KEY,
    ids::FIRMWARE_OUTDATED_COMPONENT,
    ids::FIRMWARE_HARDCODED_SECRET,
];

fn at(case: &CaseFile, path: &str) -> Location {
    Location {
        service: Some("firmware".into()),
        document: Some(path.to_owned()),
        ..Location::device(&case.target.address)
    }
}

fn image_loc(case: &CaseFile, f: &FirmwareSection) -> Location {
    at(case, &f.image.file)
}

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let Some(f) = &case.firmware else { return vec![] };
    let mut out = known_password(case, f);
    out.extend(outdated_components(case, f));
    // The checks that read the filesystem's files say nothing when none was opened.
    if f.files == 0 || !f.image.layers.iter().any(|l| l.opened) {
        let unread = [
            ids::FIRMWARE_CLEARTEXT_DAEMON,
            ids::FIRMWARE_EXPOSED_CLEARTEXT,
            ids::FIRMWARE_UPDATE_CHANNEL,
            ids::FIRMWARE_UPDATE_SIGNATURE,
            ids::FIRMWARE_PRIVATE_KEY,
            ids::FIRMWARE_PUBLISHED_KEY,
            ids::FIRMWARE_HARDCODED_SECRET,
        ];
        out.extend(unread.map(|check| {
            Finding::unknown(check, image_loc(case, f))
                .evidence(format!("no filesystem opened in {}", f.image.file))
                .needs("an image whose root filesystem iotvet can open (see the image's layers)")
        }));
        return out;
    }
    out.extend(cleartext_daemons(case, f));
    out.extend(exposed_cleartext(case, f));
    out.extend(update(case, f));
    out.extend(private_keys(case, f));
    out.extend(published_keys(case, f));
    out.extend(hardcoded_secrets(case, f));
    out
}

fn known_password(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    if f.accounts.is_empty() {
        return vec![Finding::unknown(ids::FIRMWARE_KNOWN_PASSWORD, image_loc(case, f))
            .evidence(format!("no /etc/passwd in a filesystem opened from {}", f.image.file))
            .needs("an image whose root filesystem iotvet can open (see the image's layers)")];
    }
    let mut out = Vec::new();
    for a in f.accounts.iter().filter(|a| a.can_log_in()) {
        let why = match (&a.password, a.hash.as_str()) {
            (Some(p), kind) => format!(
                "{} (uid {}, shell {}): its {kind} hash is the password \"{p}\" from {}",
                a.name,
                a.uid,
                a.shell,
                a.found_in.as_deref().unwrap_or("a known list")
            ),
            (None, "empty") => format!("{} (uid {}, shell {}): no password at all", a.name, a.uid, a.shell),
            _ => continue,
        };
        out.push(Finding::fail(ids::FIRMWARE_KNOWN_PASSWORD, at(case, &a.source)).evidence(why));
    }
    // Accounts that can log in whose hash iotvet could not try: a passwd `x` with no shadow
    // entry (a shadow made at first boot), an unknown scheme, yescrypt.
    let untried: Vec<String> = f
        .accounts
        .iter()
        .filter(|a| a.can_log_in() && matches!(a.hash.as_str(), "unknown" | "yescrypt"))
        .map(|a| format!("{} ({})", a.name, a.hash))
        .collect();
    if out.is_empty() && !untried.is_empty() {
        return vec![Finding::unknown(ids::FIRMWARE_KNOWN_PASSWORD, image_loc(case, f))
            .evidence(format!("accounts that can log in whose password hash iotvet could not try: {}", untried.join(", ")))
            .needs("the accounts' hashes: an /etc/shadow entry for each (a shadow file made at first boot is not in the image)")];
    }
    if out.is_empty() {
        let tried: Vec<String> = f.accounts.iter().map(|a| format!("{} ({})", a.name, a.hash)).collect();
        out.push(
            Finding::pass(ids::FIRMWARE_KNOWN_PASSWORD, image_loc(case, f))
                .evidence(format!("no account that can log in has a known or empty password: {}", tried.join(", "))),
        );
    }
    out
}

fn is_cleartext(name: &str) -> bool {
    matches!(name, "telnetd" | "ftpd" | "tftpd")
}

fn cleartext_daemons(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    let cleartext: Vec<Finding> = f
        .boot_services
        .iter()
        .filter(|s| is_cleartext(&s.name) && !s.absent)
        .map(|s| {
            let program = s.program.as_deref().map(|p| format!(" ({p} is in the image)")).unwrap_or_default();
            Finding::fail(ids::FIRMWARE_CLEARTEXT_DAEMON, at(case, &s.source))
                .evidence(format!("{} started at boot{program}: {}", s.name, s.line))
        })
        .collect();
    if !cleartext.is_empty() {
        return cleartext;
    }
    let started: Vec<&str> = f.boot_services.iter().filter(|s| !s.absent).map(|s| s.name.as_str()).collect();
    // A line that would start a cleartext daemon whose program the image does not hold.
    let would: Vec<String> = f
        .boot_services
        .iter()
        .filter(|s| is_cleartext(&s.name) && s.absent)
        .map(|s| format!("{} would start {} but the program is not in the image: {}", s.source, s.name, s.line))
        .collect();
    vec![Finding::pass(ids::FIRMWARE_CLEARTEXT_DAEMON, image_loc(case, f)).evidence(format!(
        "no telnetd, ftpd or tftpd started in inittab, init scripts, inetd.conf or systemd units{}{}",
        if started.is_empty() { String::new() } else { format!(" (started: {})", started.join(", ")) },
        if would.is_empty() { String::new() } else { format!("; {}", would.join("; ")) }
    ))]
}

/// Services speaking a protocol without encryption of its own (telnet, FTP and TFTP are
/// `cleartext_daemons`'; SSH servers encrypt).
fn is_unencrypted(name: &str) -> bool {
    matches!(name, "httpd" | "mqtt broker" | "snmpd" | "upnpd")
}

fn exposed_cleartext(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    let started: Vec<_> = f.boot_services.iter().filter(|s| !s.absent && is_unencrypted(&s.name)).collect();
    let describe = |l: &crate::firmware::Listen| {
        let port = l.port.map(|p| format!(", port {p}")).unwrap_or_default();
        let at = l.address.as_deref().filter(|_| !l.everywhere()).unwrap_or("every interface");
        format!("{at}{port}{} ({})", if l.tls { ", TLS" } else { "" }, l.from)
    };
    let exposed: Vec<Finding> = started
        .iter()
        .flat_map(|s| s.listens.iter().filter(|l| l.everywhere() && !l.tls).map(move |l| (s, l)))
        .map(|(s, l)| {
            Finding::fail(ids::FIRMWARE_EXPOSED_CLEARTEXT, at(case, &s.source)).evidence(format!(
                "{} started at boot listens on {} without TLS: {}",
                s.name,
                describe(l),
                s.line
            ))
        })
        .collect();
    if !exposed.is_empty() {
        return exposed;
    }
    let unread: Vec<String> =
        started.iter().filter(|s| s.listens.is_empty()).map(|s| format!("{} ({})", s.name, s.source)).collect();
    let read: Vec<String> =
        started.iter().flat_map(|s| s.listens.iter().map(move |l| format!("{} on {}", s.name, describe(l)))).collect();
    if !unread.is_empty() {
        return vec![Finding::unknown(ids::FIRMWARE_EXPOSED_CLEARTEXT, image_loc(case, f))
            .evidence(format!("where these services listen is not in the image: {}", unread.join(", ")))
            .needs("their configuration files (made at first boot, or in a part of the image not opened), or a port scan of the device (iotvet scan)")];
    }
    let said = if read.is_empty() {
        "no web server, MQTT broker, SNMP agent or UPnP daemon started at boot".to_owned()
    } else {
        format!(
            "every service without encryption started at boot listens on loopback or one interface, or with TLS: {}",
            read.join("; ")
        )
    };
    vec![Finding::pass(ids::FIRMWARE_EXPOSED_CLEARTEXT, image_loc(case, f)).evidence(said)]
}

/// What was looked for, said when nothing was found.
const LOOKED_FOR: &str = "update agents (SWUpdate, RAUC, Mender, fwupd, opkg, sysupgrade, vendor ota/upgrade programs), update and feed URLs, automatic-update switches";

fn update(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    let of = |kind: &'static str| f.update.iter().filter(move |u| u.kind == kind);
    let plain: Vec<_> = of("url").filter(|u| u.plaintext).collect();
    let mut out = Vec::new();
    if !plain.is_empty() {
        for u in plain.iter().take(8) {
            out.push(
                Finding::fail(ids::FIRMWARE_UPDATE_CHANNEL, at(case, &u.source))
                    .evidence(format!("update URL over plain HTTP: {}", u.detail)),
            );
        }
    } else if let Some(u) = of("agent").next().or_else(|| of("url").next()) {
        let mut finding = Finding::pass(ids::FIRMWARE_UPDATE_CHANNEL, at(case, &u.source));
        for u in f.update.iter().filter(|u| u.kind != "key").take(8) {
            finding = finding.evidence(format!("{}: {} ({})", u.kind, u.detail, u.source));
        }
        out.push(finding);
    } else {
        out.push(
            Finding::unknown(ids::FIRMWARE_UPDATE_CHANNEL, image_loc(case, f))
                .evidence(format!("no update mechanism found; looked for {LOOKED_FOR}"))
                .needs("the vendor's statement of how the device updates, or a capture of an update check (iotvet traffic)"),
        );
    }
    let keys: Vec<_> = of("key").collect();
    out.push(match keys.first() {
        Some(k) => {
            let mut finding = Finding::pass(ids::FIRMWARE_UPDATE_SIGNATURE, at(case, &k.source));
            for k in keys.iter().take(8) {
                finding = finding.evidence(format!("{}: {}", k.detail, k.source));
            }
            finding
        }
        None => Finding::unknown(ids::FIRMWARE_UPDATE_SIGNATURE, image_loc(case, f))
            .evidence("no update signature-verification key found (OpenWrt usign keys, a RAUC keyring, SWUpdate or Mender public keys)")
            .needs("the vendor's statement of how update images are verified; a key built into a program is not seen"),
    });
    out
}

fn private_keys(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    let keys: Vec<Finding> = f
        .secrets
        .iter()
        .filter(|s| s.kind == "private-key")
        .take(16)
        .map(|s| {
            Finding::fail(ids::FIRMWARE_PRIVATE_KEY, at(case, &s.source)).evidence(format!(
                "{}, fingerprint {}: the same in every device shipped with this image",
                s.detail, s.fingerprint
            ))
        })
        .collect();
    if !keys.is_empty() {
        return keys;
    }
    vec![Finding::pass(ids::FIRMWARE_PRIVATE_KEY, image_loc(case, f))
        .evidence(format!("no private key (PEM, PKCS#8, OpenSSH, dropbear) in the {} files read", f.files))]
}

fn published_keys(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    let keys: Vec<_> = f.secrets.iter().filter(|s| s.kind == "private-key").collect();
    let known: Vec<Finding> = keys
        .iter()
        .filter_map(|s| {
            let what = s.known.as_deref()?;
            Some(
                Finding::fail(ids::FIRMWARE_PUBLISHED_KEY, at(case, &s.source))
                    .evidence(format!("{}, fingerprint {}: {what}", s.detail, s.fingerprint)),
            )
        })
        .take(16)
        .collect();
    if !known.is_empty() {
        return known;
    }
    let evidence = if keys.is_empty() {
        format!("no private key in the {} files read", f.files)
    } else {
        format!(
            "none of the {} private keys found is a published key iotvet knows or one found in the images given with --known-keys",
            keys.len()
        )
    };
    vec![Finding::pass(ids::FIRMWARE_PUBLISHED_KEY, image_loc(case, f)).evidence(evidence)]
}

fn hardcoded_secrets(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    let found: Vec<Finding> = f
        .secrets
        .iter()
        .filter(|s| matches!(s.kind.as_str(), "token" | "password"))
        .take(16)
        .map(|s| {
            Finding::fail(ids::FIRMWARE_HARDCODED_SECRET, at(case, &s.source)).evidence(format!(
                "{}: {} (fingerprint {}), the same in every device shipped with this image",
                s.detail,
                s.value.as_deref().unwrap_or("(value not kept)"),
                s.fingerprint
            ))
        })
        .collect();
    if !found.is_empty() {
        return found;
    }
    vec![Finding::pass(ids::FIRMWARE_HARDCODED_SECRET, image_loc(case, f)).evidence(format!(
        "no cloud API key or token, URL with a password, or literal password assignment in the text files of the {} files read",
        f.files
    ))]
}

/// A component branch older than this many years at the analysis is outdated.
pub const AGE_YEARS: i32 = 5;

#[derive(serde::Deserialize)]
struct SupportTable {
    component: Vec<ComponentSupport>,
}

#[derive(serde::Deserialize)]
struct ComponentSupport {
    name: String,
    source: String,
    branches: Vec<Branch>,
}

#[derive(serde::Deserialize)]
struct Branch {
    branch: String,
    released: String,
    #[serde(default)]
    eol: Option<String>,
}

fn support_table() -> &'static [ComponentSupport] {
    static TABLE: std::sync::OnceLock<Vec<ComponentSupport>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        // Built in and checked by a test: a broken table is a build mistake, and then no
        // component is judged rather than iotvet stopping.
        toml::from_str::<SupportTable>(include_str!("../../data/component-support.toml"))
            .map(|t| t.component)
            .unwrap_or_default()
    })
}

/// The table's branch for a component version, with the table's source.
fn branch_of(name: &str, version: &str) -> Option<(&'static Branch, &'static str)> {
    let c = support_table().iter().find(|c| c.name == name)?;
    let b = c.branches.iter().find(|b| {
        version.strip_prefix(b.branch.as_str()).is_some_and(|rest| !rest.starts_with(|ch: char| ch.is_ascii_digit()))
    })?;
    Some((b, c.source.as_str()))
}

fn outdated_components(case: &CaseFile, f: &FirmwareSection) -> Vec<Finding> {
    if f.components.is_empty() {
        return vec![Finding::unknown(ids::FIRMWARE_OUTDATED_COMPONENT, image_loc(case, f))
            .evidence(format!("no component identified in {}", f.image.file))
            .needs("an image whose root filesystem iotvet can open, or the vendor's SBOM")];
    }
    let today = f.provenance.started_at.get(..10).unwrap_or("9999-12-31");
    let cutoff = match today.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(y) => format!("{}{}", y - AGE_YEARS, today.get(4..).unwrap_or_default()),
        None => String::new(),
    };
    let mut out = Vec::new();
    let (mut current, mut unjudged) = (Vec::new(), Vec::new());
    for c in &f.components {
        let label = format!("{} {}", c.name, c.version);
        let Some((b, source)) = branch_of(&c.name, &c.version) else {
            unjudged.push(label);
            continue;
        };
        let ended = b.eol.as_deref().filter(|eol| *eol < today);
        let old = b.released.as_str() < cutoff.as_str();
        let why = match (ended, old) {
            (Some(eol), _) => {
                format!("upstream support for the {} branch ended on {eol} (released {})", b.branch, b.released)
            }
            (None, true) => format!(
                "the {} branch was first released on {}, more than {AGE_YEARS} years before this analysis ({today})",
                b.branch, b.released
            ),
            (None, false) => {
                current.push(label);
                continue;
            }
        };
        out.push(
            Finding::fail(ids::FIRMWARE_OUTDATED_COMPONENT, image_loc(case, f))
                .evidence(format!("{label} ({}): {why}; dates from {source}", c.evidence)),
        );
    }
    if !out.is_empty() {
        return out;
    }
    if current.is_empty() {
        return vec![Finding::unknown(ids::FIRMWARE_OUTDATED_COMPONENT, image_loc(case, f))
            .evidence(format!("no identified component is in iotvet's support table: {}", unjudged.join(", ")))
            .needs("release and end-of-support dates for these components (data/component-support.toml)")];
    }
    let mut finding = Finding::pass(ids::FIRMWARE_OUTDATED_COMPONENT, image_loc(case, f))
        .evidence(format!("supported and under {AGE_YEARS} years old: {}", current.join(", ")));
    if !unjudged.is_empty() {
        finding = finding.evidence(format!("not in iotvet's support table, not judged: {}", unjudged.join(", ")));
    }
    vec![finding]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_support_table_parses_and_matches_branches_exactly() {
        assert!(support_table().len() >= 4);
        let branch = |n: &str, v: &str| branch_of(n, v).map(|(b, _)| b.branch.as_str());
        assert_eq!(branch("openssl", "1.0.2k"), Some("1.0.2"));
        assert_eq!(branch("openssl", "3.0.13"), Some("3.0"));
        assert_eq!(branch("linux", "4.4.198"), Some("4.4"));
        assert_eq!(branch("linux", "4.44"), None);
        assert_eq!(branch("linux", "3.10.14"), Some("3.10"));
        assert_eq!(branch("dropbear", "2017.75"), Some("2017"));
        assert_eq!(branch("busybox", "1.24.1"), Some("1.24"));
        assert_eq!(branch("busybox", "1.01"), Some("1.01"));
        assert_eq!(branch("busybox", "1.10.2"), Some("1.10"));
        assert_eq!(branch("busybox", "1.1.3"), Some("1.1"));
        assert_eq!(branch("uclibc", "0.9.30.1"), Some("0.9.30"));
        assert_eq!(branch("curl", "7.1"), None);
        for c in support_table() {
            for b in &c.branches {
                let date = |d: &str| d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-';
                assert!(date(&b.released) && b.eol.as_deref().is_none_or(date), "{} {}", c.name, b.branch);
            }
        }
    }
}
