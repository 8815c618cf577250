//! How the image updates itself, as evidence (with the path inside the image and how it was
//! found):
//! - **agents**: known update programs by path — SWUpdate, RAUC, Mender, fwupd, opkg/ipkg,
//!   OpenWrt `sysupgrade` — and vendor scripts named for it (`*ota*`, `*upgrade*`,
//!   `*fwupdate*`, `*firmware_update*` under a `bin`/`sbin`/`init.d` folder);
//! - **URLs**: `http://` and `https://` addresses in the device's own text files under 1 MiB
//!   (configuration, scripts and programs, web UI: `url_place`; not the libraries it carries)
//!   whose address says firmware, OTA, upgrade, update or a package feed, or — in a script or
//!   configuration — whose line (up to 200 characters) says so (`src/gz` in opkg's feed lists);
//!   each marked plaintext or not;
//! - **keys**: signature-verification keys the agents read — OpenWrt's usign keys
//!   (`etc/opkg/keys/`), RAUC's keyring (`etc/rauc/*.pem|crt`), SWUpdate's and Mender's public
//!   keys, and PEM public keys or certificates under update folders;
//! - **settings**: `auto_update`/`autoupgrade`-style switches set on in configurations.

use iotvet_core::firmware::UpdateSeen;

use crate::tree::{Fs, Node};

/// (path inside the root filesystem, agent)
const AGENTS: [(&str, &str); 12] = [
    ("usr/bin/swupdate", "SWUpdate"),
    ("usr/sbin/swupdate", "SWUpdate"),
    ("usr/bin/rauc", "RAUC"),
    ("usr/bin/mender", "Mender"),
    ("usr/bin/mender-update", "Mender"),
    ("usr/bin/fwupdmgr", "fwupd"),
    ("usr/libexec/fwupd/fwupd", "fwupd"),
    ("bin/opkg", "opkg"),
    ("usr/bin/opkg", "opkg"),
    ("bin/ipkg", "ipkg"),
    ("sbin/sysupgrade", "OpenWrt sysupgrade"),
    ("usr/sbin/sysupgrade", "OpenWrt sysupgrade"),
];

/// Words in a file name that make a vendor program or script an update agent.
const SCRIPT_WORDS: [&str; 5] = ["ota", "upgrade", "fwupdate", "firmware_update", "fw_update"];

/// Words in a URL or its line that make it an update address, as whole words (split at
/// anything not a letter or digit): short ones exactly ("ota", not "rotate"), longer ones as a
/// word's start ("updates", "firmwares").
const URL_WORDS: [&str; 8] = ["firmware", "fw", "ota", "upgrade", "update", "download", "feeds", "releases"];

fn says_update(text: &str) -> bool {
    text.contains("src/gz")
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|token| URL_WORDS.iter().any(|w| token == *w || (w.len() >= 6 && token.starts_with(w))))
}

/// Key files of update agents: (path prefix inside the root, what).
const KEY_PLACES: [(&str, &str); 5] = [
    ("etc/opkg/keys/", "OpenWrt usign key"),
    ("etc/rauc/", "RAUC keyring"),
    ("etc/swupdate", "SWUpdate public key"),
    ("etc/mender/artifact-verify-key", "Mender artifact verification key"),
    ("usr/share/ota/", "OTA public key"),
];

/// The update evidence of the filesystem at `root`.
pub fn update(fs: &Fs) -> Vec<UpdateSeen> {
    let mut out: Vec<UpdateSeen> = Vec::new();
    let mut push = |u: UpdateSeen| {
        if !out.iter().any(|x| x.kind == u.kind && x.detail == u.detail) && out.len() < 200 {
            out.push(u);
        }
    };
    for (inside, path, node) in fs.entries() {
        let file = inside.rsplit('/').next().unwrap_or(inside).to_ascii_lowercase();
        if matches!(node, Node::Dir) {
            continue;
        }
        if let Some((_, agent)) = AGENTS.iter().find(|(p, _)| *p == inside) {
            push(UpdateSeen::new("agent", agent, path));
        } else if is_program_place(inside) && SCRIPT_WORDS.iter().any(|w| file.contains(w)) {
            push(UpdateSeen::new("agent", &format!("vendor update program {file}"), path));
        }
        if let Some((_, what)) = KEY_PLACES.iter().find(|(p, _)| inside.starts_with(p)) {
            if matches!(node, Node::File { .. }) && looks_like_key(inside) {
                push(UpdateSeen::new("key", what, path));
            }
        }
        let Node::File { data, .. } = node else { continue };
        if !reads(inside, data) {
            continue;
        }
        let text = crate::tree::text(data);
        // A line says what its URL is for in a script or a configuration (a file under etc/ or a
        // program folder, or with a #! line); in a library's documentation every word meets
        // every other, so there only the URL itself counts.
        let configures = inside.starts_with("etc/") || is_program_place(inside) || data.starts_with(b"#!");
        for line in text.lines().take(20_000) {
            let t = line.trim();
            if t.starts_with('#') {
                continue;
            }
            for url in urls(t) {
                let lower = url.to_ascii_lowercase();
                // The line says what the URL is for only when it is a line of a script or a
                // configuration, not a minified page where every word meets every other.
                let context = if configures && t.len() <= 200 { t.to_ascii_lowercase() } else { String::new() };
                if says_update(&lower) || says_update(&context) {
                    let mut u = UpdateSeen::new("url", url, path);
                    u.plaintext = lower.starts_with("http://");
                    push(u);
                }
            }
            if auto_update_on(t) {
                push(UpdateSeen::new("setting", t.get(..t.len().min(120)).unwrap_or(t), path));
            }
        }
    }
    out
}

/// Whether a file is read for update addresses and switches: text of at most 1 MiB where a
/// device's own addresses are written (`url_place`).
pub(crate) fn reads(inside: &str, data: &[u8]) -> bool {
    data.len() <= 1 << 20 && is_text(data) && url_place(inside, data)
}

/// Where a device's own update addresses are written: its configuration (`etc/`), its programs
/// and scripts (program folders, `#!` files) and its web UI (a `www*`, `web*`, `htdocs` or
/// `cgi-bin` folder). Not the libraries an image carries (Python's and Perl's documentation is
/// full of download URLs that say nothing of the device).
fn url_place(inside: &str, data: &[u8]) -> bool {
    inside.starts_with("etc/")
        || is_program_place(inside)
        || data.starts_with(b"#!")
        || inside.split('/').any(|d| d.starts_with("www") || d.starts_with("web") || d == "htdocs" || d == "cgi-bin")
}

/// Folders programs and start-up scripts live in.
fn is_program_place(inside: &str) -> bool {
    ["bin/", "sbin/", "usr/bin/", "usr/sbin/", "etc/init.d/", "usr/local/bin/", "usr/local/sbin/"]
        .iter()
        .any(|d| inside.starts_with(d))
}

fn looks_like_key(inside: &str) -> bool {
    let l = inside.to_ascii_lowercase();
    !l.ends_with(".conf") || l.contains("key")
}

/// Mostly printable: a script or configuration, not a program.
fn is_text(data: &[u8]) -> bool {
    let head = data.get(..data.len().min(512)).unwrap_or_default();
    !head.is_empty() && head.iter().all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
}

/// The http(s) URLs on a line.
fn urls(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("http") {
        let tail = rest.get(at..).unwrap_or_default();
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let end = tail
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ';' | ')'))
                .unwrap_or(tail.len());
            let url = tail.get(..end).unwrap_or_default();
            if url.len() > "https://".len() + 2 {
                out.push(url);
            }
            rest = tail.get(end.max(1)..).unwrap_or_default();
        } else {
            rest = tail.get(4..).unwrap_or_default();
        }
    }
    out
}

/// `auto_update=1`, `AUTO_UPGRADE="yes"`, `autoupdate: true` and the like.
fn auto_update_on(line: &str) -> bool {
    // Every such switch's name has "auto" in it: most lines are passed over without a copy.
    if !line.as_bytes().windows(4).any(|w| w.eq_ignore_ascii_case(b"auto")) {
        return false;
    }
    let l = line.to_ascii_lowercase().replace(['"', '\''], "");
    let Some((key, value)) = l.split_once(['=', ':']) else { return false };
    let key: String = key.trim().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    matches!(key.as_str(), "autoupdate" | "autoupgrade" | "autofwupdate" | "autofirmwareupdate" | "otaautoupdate")
        && matches!(value.trim(), "1" | "true" | "yes" | "on" | "enabled")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_switches_are_read_from_lines() {
        assert_eq!(
            urls("wget -q http://fw.example-cam.com/ota/check?v=1 -O /tmp/x"),
            ["http://fw.example-cam.com/ota/check?v=1"]
        );
        assert_eq!(
            urls("src/gz core https://downloads.openwrt.org/releases/22.03/core"),
            ["https://downloads.openwrt.org/releases/22.03/core"]
        );
        assert_eq!(urls("no http here, nor https: alone"), Vec::<&str>::new());
        assert!(says_update("http://fw.example.com/x") && says_update("https://example.com/firmwares/"));
        assert!(!says_update("http://code.google.com/p/jqueryrotate/"));
        assert!(auto_update_on("AUTO_UPDATE=\"yes\""));
        assert!(auto_update_on("autoupgrade: true"));
        assert!(!auto_update_on("auto_update=0"));
        assert!(!auto_update_on("update_url=http://x"));
    }
}
