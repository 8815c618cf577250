//! Credentials and personal data a device sends in clear. Each is found by a documented pattern
//! in a flow's kept bytes, with the packet that carried it:
//! - HTTP `Authorization: Basic` (decoded) and `Digest` (its username); `password=`, `passwd=`,
//!   `pwd=` in a URL or a form body; API keys and tokens in URLs or headers (`api_key=`,
//!   `apikey=`, `token=`, `access_token=`, `Authorization: Bearer`, `X-Api-Key:`);
//! - FTP and POP3 `USER`/`PASS`, IMAP `LOGIN`, SMTP `AUTH PLAIN`/`AUTH LOGIN`, telnet text typed
//!   after a password prompt;
//! - personal data in a plaintext body or URL: e-mail addresses, coordinates (`lat`/`lon`
//!   pairs), Wi-Fi settings (`ssid`, `psk`, `passphrase`), serial numbers (`serial`,
//!   `serialNumber`, `sn`), MAC addresses (six hex octets).

use base64::Engine as _;

use crate::flows::{Flow, Side};
use crate::inspect::Found;

fn push(found: &mut Vec<Found>, kind: &'static str, value: String, packet: u64, how: impl Into<String>) {
    if found.len() < 64 && !found.iter().any(|f| f.kind == kind && f.value == value) {
        found.push(Found { kind, value, packet, how: how.into() });
    }
}

/// HTTP requests: authorization headers, credentials and tokens in URLs and bodies, personal data.
pub fn http(flow: &Flow, found: &mut Vec<Found>) {
    let side = &flow.to_server;
    let text = String::from_utf8_lossy(&side.stream);
    for (offset, line) in line_offsets(&text) {
        let packet = side.packet_at(offset);
        // Header names compared without a lower-case copy of every line of the stream.
        let field = |name: &str| {
            line.get(..name.len()).filter(|head| head.eq_ignore_ascii_case(name)).and_then(|_| line.get(name.len()..))
        };
        if let Some(raw) = field("authorization:").map(str::trim) {
            let v = raw.get(..6).map(str::to_ascii_lowercase).unwrap_or_default();
            if let Some(b64) = raw.strip_prefix("Basic ").or_else(|| raw.strip_prefix("basic ")) {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map(|d| String::from_utf8_lossy(&d).into_owned())
                    .unwrap_or_else(|_| b64.to_owned());
                push(found, "credential", decoded, packet, "HTTP Basic authorization in clear");
            } else if v.starts_with("digest") {
                let user = raw.split("username=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("?");
                push(
                    found,
                    "credential",
                    format!("{user} (Digest response)"),
                    packet,
                    "HTTP Digest authorization in clear (the username, and a response open to offline guessing)",
                );
            } else if v.starts_with("bearer") {
                push(found, "token", raw.to_owned(), packet, "HTTP Bearer token in clear");
            }
        } else if let Some(v) = field("x-api-key:") {
            push(found, "token", v.trim().to_owned(), packet, "X-Api-Key header in clear");
        }
    }
    scan_text(prefix(&text, SCAN_CAP), side, "HTTP request", found);
}

/// Bytes of a payload the key and address scan reads.
const SCAN_CAP: usize = 16 * 1024;

/// The longest start of `text` within `cap` bytes that ends on a character boundary.
fn prefix(text: &str, cap: usize) -> &str {
    let mut end = text.len().min(cap);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// (offset, line) pairs of a text.
fn line_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split('\n').map(move |l| {
        let o = at;
        at += l.len() + 1;
        (o, l.trim_end_matches('\r'))
    })
}

/// Key-value pairs in a URL or a form/JSON body: `key=value` or `"key":"value"`/`"key":value`
/// (the key as written; callers compare it without case).
fn pairs(text: &str) -> Vec<(usize, &str, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < 256 {
        let is_key = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        if is_key(bytes.get(i).copied().unwrap_or(0)) && (i == 0 || !is_key(bytes.get(i - 1).copied().unwrap_or(0))) {
            let start = i;
            while i < bytes.len() && is_key(bytes.get(i).copied().unwrap_or(0)) {
                i += 1;
            }
            let key = text.get(start..i).unwrap_or_default();
            let mut j = i;
            if bytes.get(j) == Some(&b'"') {
                j += 1;
            }
            while bytes.get(j) == Some(&b' ') {
                j += 1;
            }
            if matches!(bytes.get(j), Some(b'=') | Some(b':')) {
                j += 1;
                while bytes.get(j) == Some(&b' ') {
                    j += 1;
                }
                let quoted = bytes.get(j) == Some(&b'"');
                if quoted {
                    j += 1;
                }
                let vstart = j;
                while let Some(&c) = bytes.get(j) {
                    let end =
                        if quoted { c == b'"' } else { matches!(c, b'&' | b',' | b'}' | b' ' | b'\r' | b'\n' | b'"') };
                    if end {
                        break;
                    }
                    j += 1;
                }
                let value = text.get(vstart..j).unwrap_or_default();
                if !value.is_empty() && value.len() <= 256 {
                    out.push((start, key, value));
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Credentials, tokens and personal data by key name, e-mail addresses and MAC addresses.
pub fn payload_scan(bytes: &[u8], side: &Side, what: &str, found: &mut Vec<Found>) {
    scan_text(&String::from_utf8_lossy(bytes.get(..bytes.len().min(SCAN_CAP)).unwrap_or_default()), side, what, found);
}

/// The same scan over text already decoded.
fn scan_text(text: &str, side: &Side, what: &str, found: &mut Vec<Found>) {
    let mut lat = None;
    for (offset, key, value) in pairs(text) {
        // Every key looked for is short: longer ones are not lower-cased (nor allocated) at all.
        if key.len() > 16 {
            continue;
        }
        let key = key.to_ascii_lowercase();
        let packet = side.packet_at(offset);
        let kind = match key.as_str() {
            "password" | "passwd" | "pwd" | "pass" => Some(("credential", "a password")),
            "api_key" | "apikey" | "api-key" | "token" | "access_token" | "auth_token" | "secret" => {
                Some(("token", "an API key or token"))
            }
            "ssid" | "psk" | "passphrase" | "wifi_password" | "wpa_psk" => Some(("wifi", "Wi-Fi settings")),
            "serial" | "serialnumber" | "serial_number" | "sn" | "device_serial" => {
                Some(("serial-number", "the serial number"))
            }
            "mac" | "macaddress" | "mac_address" => Some(("mac-address", "a MAC address")),
            "email" | "e-mail" | "mail" => Some(("email", "an e-mail address")),
            "lat" | "latitude" => {
                lat = value.parse::<f64>().ok().map(|v| (v, packet));
                None
            }
            "lon" | "lng" | "longitude" => {
                if let (Some((la, p)), Ok(lo)) = (lat, value.parse::<f64>()) {
                    if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) {
                        push(found, "geolocation", format!("{la},{lo}"), p, format!("coordinates in a {what}"));
                    }
                }
                None
            }
            _ => None,
        };
        if let Some((kind, name)) = kind {
            // An e-mail address is the address itself (the word scan below finds it too).
            let shown = if kind == "email" { value.to_owned() } else { format!("{key}={value}") };
            push(found, kind, shown, packet, format!("{name} in a {what}"));
        }
    }
    words_scan(text, side, what, found);
}

/// Whether a byte ends a word for the e-mail and MAC address scan (all ASCII, so a word's ends
/// are always character boundaries).
fn separator(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'(' | b')' | b',' | b';' | b'&' | b'=' | b'?' | b'/')
}

/// E-mail addresses and MAC addresses anywhere in the text, as whole words. Scanned by byte
/// from the few places one can be (an `@`; a `:` or `-` two bytes into a word), not by
/// splitting the whole text into words: most payloads hold neither.
fn words_scan(text: &str, side: &Side, what: &str, found: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(i) = bytes.get(at..).and_then(|rest| rest.iter().position(|b| *b == b'@')).map(|p| p + at) {
        let start = bytes.get(..i).and_then(|b| b.iter().rposition(|c| separator(*c))).map_or(0, |p| p + 1);
        let end = bytes.get(i..).and_then(|b| b.iter().position(|c| separator(*c))).map_or(bytes.len(), |p| p + i);
        let word = text.get(start..end).unwrap_or_default();
        if let Some((user, domain)) = word.split_once('@') {
            if !user.is_empty() && domain.contains('.') && domain.len() > 3 && word.len() < 128 && !domain.contains('@')
            {
                push(found, "email", word.to_owned(), side.packet_at(start), format!("an e-mail address in a {what}"));
            }
        }
        at = end.max(i + 1);
    }
    for (i, b) in bytes.iter().enumerate().skip(2) {
        if !matches!(b, b':' | b'-') {
            continue;
        }
        let start = i - 2;
        let bounded = |at: usize| bytes.get(at).is_none_or(|c| separator(*c));
        if (start == 0 || bounded(start - 1)) && bounded(start + 17) {
            if let Some(word) = text.get(start..start + 17).filter(|w| crate::hosts::parse_mac(w).is_some()) {
                push(
                    found,
                    "mac-address",
                    word.to_owned(),
                    side.packet_at(start),
                    format!("a MAC address in a {what}"),
                );
            }
        }
    }
}

/// Logins of line protocols in clear.
pub fn logins(protocol: &str, flow: &Flow, found: &mut Vec<Found>) {
    let side = &flow.to_server;
    let text = String::from_utf8_lossy(&side.stream);
    let mut user: Option<String> = None;
    for (offset, line) in line_offsets(&text) {
        let packet = side.packet_at(offset);
        let upper = line.to_ascii_uppercase();
        match protocol {
            "ftp" | "pop3" => {
                if let Some(u) = upper.strip_prefix("USER ").map(|_| line.get(5..).unwrap_or_default()) {
                    user = Some(u.to_owned());
                } else if upper.starts_with("PASS ") {
                    let pass = line.get(5..).unwrap_or_default();
                    push(
                        found,
                        "credential",
                        format!("{}:{pass}", user.as_deref().unwrap_or("?")),
                        packet,
                        format!("{} USER/PASS in clear", protocol.to_uppercase()),
                    );
                }
            }
            "imap" => {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let [_, cmd, u, p, ..] = words.as_slice() {
                    if cmd.eq_ignore_ascii_case("LOGIN") {
                        push(
                            found,
                            "credential",
                            format!("{}:{}", u.trim_matches('"'), p.trim_matches('"')),
                            packet,
                            "IMAP LOGIN in clear",
                        );
                    }
                }
            }
            "smtp" => {
                if let Some(b64) = upper.strip_prefix("AUTH PLAIN ").map(|_| line.get(11..).unwrap_or_default()) {
                    let decoded = base64::engine::general_purpose::STANDARD.decode(b64.trim()).unwrap_or_default();
                    let parts: Vec<String> =
                        decoded.split(|b| *b == 0).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
                    let value = parts.iter().skip(1).cloned().collect::<Vec<_>>().join(":");
                    push(found, "credential", value, packet, "SMTP AUTH PLAIN in clear");
                }
            }
            _ => {}
        }
    }
    if protocol == "telnet" {
        // What the client typed after the server's password prompt.
        let server = String::from_utf8_lossy(&flow.to_client.stream).to_ascii_lowercase();
        if server.contains("assword:") {
            let typed = iotvet_wire::telnet::text(&side.stream);
            let lines: Vec<&str> = typed.split(['\r', '\n']).filter(|l| !l.trim().is_empty()).collect();
            if let [user, password, ..] = lines.as_slice() {
                push(
                    found,
                    "credential",
                    format!("{}:{}", user.trim(), password.trim()),
                    side.packet_at(0),
                    "telnet login typed in clear",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_as_whole_words_only() {
        let text = "id 02:00:5e:10:00:01 from owner@home.example, x@y, c@d.ef@g and \
                    x02:00:5e:10:00:02 02-00-5e-10-00-03\nmail=me@my.example";
        let mut found = Vec::new();
        payload_scan(text.as_bytes(), &Side::default(), "test", &mut found);
        let mut got: Vec<(&str, &str)> = found.iter().map(|f| (f.kind, f.value.as_str())).collect();
        got.sort_unstable();
        assert_eq!(
            got,
            [
                ("email", "me@my.example"),
                ("email", "owner@home.example"),
                ("mac-address", "02-00-5e-10-00-03"),
                ("mac-address", "02:00:5e:10:00:01"),
            ]
        );
    }
}
