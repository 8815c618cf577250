//! Does a flow look like a firmware check or download? Documented heuristics, each naming what
//! matched:
//! - an HTTP request whose host or path has an update word (`firmware`, `fw`, `ota`, `upgrade`,
//!   `update`, `.bin`, `.img`, `.pkg`, `.trx`, `.fw`, `.swu`);
//! - an HTTP response of a binary type (`application/octet-stream`, `application/x-binary`,
//!   `application/x-firmware`) of 256 KiB or more;
//! - a TLS, DTLS or QUIC server name with an update word (`firmware`, `ota`, `upgrade`,
//!   `update`, `fw`) as a label or part of one.

use iotvet_core::traffic::FlowSeen;

const WORDS: [&str; 5] = ["firmware", "ota", "upgrade", "update", "fw"];
const FILES: [&str; 6] = [".bin", ".img", ".pkg", ".trx", ".fw", ".swu"];

/// Whether a name or path has one of the words as a whole token (`ota.vendor.com`, `/fw/`,
/// `firmware_check`), not inside another word (`photo`, `rotate`).
fn has_word(text: &str) -> Option<&'static str> {
    // Compared in place, case-insensitively: every flow with a name comes through here.
    let tokens = || text.split(|c: char| !c.is_ascii_alphanumeric()).map(str::as_bytes);
    let starts = |t: &[u8], w: &[u8]| t.get(..w.len()).is_some_and(|h| h.eq_ignore_ascii_case(w));
    let ends = |t: &[u8], w: &[u8]| t.len() >= w.len() && t[t.len() - w.len()..].eq_ignore_ascii_case(w);
    WORDS.iter().copied().find(|w| {
        let w_ = w.as_bytes();
        tokens().any(|t| t.eq_ignore_ascii_case(w_) || (w.len() > 3 && (starts(t, w_) || ends(t, w_))))
    })
}

pub fn looks_like_update(f: &FlowSeen) -> Option<String> {
    for h in &f.http {
        let host = h.host.as_deref().unwrap_or("");
        if let Some(w) = has_word(host).or_else(|| has_word(&h.path)) {
            return Some(format!("HTTP {} {}{} (the word \"{w}\")", h.method, host, h.path));
        }
        let path = h.path.split('?').next().unwrap_or("").to_ascii_lowercase();
        if let Some(ext) = FILES.iter().find(|e| path.ends_with(*e)) {
            return Some(format!("HTTP {} {}{} (a {ext} file)", h.method, host, h.path));
        }
        let binary = h.response_content_type.as_deref().is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.starts_with("application/octet-stream") || t.contains("x-binary") || t.contains("firmware")
        });
        if binary && h.response_length.is_some_and(|l| l >= 256 * 1024) {
            return Some(format!(
                "HTTP {} {}{} answered with {} bytes of {}",
                h.method,
                host,
                h.path,
                h.response_length.unwrap_or(0),
                h.response_content_type.as_deref().unwrap_or("")
            ));
        }
    }
    let sni = f.tls.as_ref().and_then(|t| t.sni.as_deref())?;
    has_word(sni).map(|w| format!("{} to {sni} (the word \"{w}\" in the server name)", f.protocol.to_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_whole_tokens() {
        assert_eq!(has_word("ota.vendor.example"), Some("ota"));
        assert_eq!(has_word("/api/fw/check"), Some("fw"));
        assert_eq!(has_word("/firmware_v2.bin"), Some("firmware"));
        assert_eq!(has_word("/photos/rotate"), None);
        assert_eq!(has_word("updates.example"), Some("update"));
        assert_eq!(has_word("Cloud.MyUPDATE.example"), Some("update"));
        assert_eq!(has_word("OTA-eu.example"), Some("ota"));
        assert_eq!(has_word("FWUpdate"), Some("update"));
    }
}
