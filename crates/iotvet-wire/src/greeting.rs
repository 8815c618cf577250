//! Server-first protocols, recognised from the greeting a server sends before the client says
//! anything: telnet negotiation, SSH identification, FTP/SMTP `220`, IMAP `* OK`, POP3 `+OK`, and a
//! bare login prompt. Also the reply lines of those protocols once a dialogue is under way.

use crate::bytes::find_ci;
use crate::telnet::{self, Negotiation};

/// What a server's first bytes say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting<'a> {
    /// Telnet option negotiation, with the negotiations read.
    Telnet(Vec<Negotiation>),
    /// `SSH-…` identification line.
    Ssh(&'a [u8]),
    /// `220` greeting naming SMTP.
    Smtp(&'a [u8]),
    /// Any other `220` greeting.
    Ftp(&'a [u8]),
    /// `* OK` or `* PREAUTH`.
    Imap(&'a [u8]),
    /// `+OK`.
    Pop3(&'a [u8]),
    /// Printable text with a login or password prompt and no telnet negotiation.
    LoginPrompt,
}

/// The first line of `b` without its line end.
pub fn first_line(b: &[u8]) -> &[u8] {
    b.split(|c| *c == b'\n').next().unwrap_or(b).trim_ascii_end()
}

/// Reads a greeting; None when the bytes are none of the protocols above.
pub fn read(b: &[u8]) -> Option<Greeting<'_>> {
    if telnet::opens_with_negotiation(b) {
        return Some(Greeting::Telnet(telnet::leading_negotiations(b)));
    }
    // The first line only once a greeting starts as one: finding it in a binary stream with no
    // line break reads the whole stream.
    let line = || first_line(b);
    if b.starts_with(b"SSH-") {
        return Some(Greeting::Ssh(line()));
    }
    if b.starts_with(b"220") {
        let line = line();
        return Some(if find_ci(line, b"SMTP").is_some() { Greeting::Smtp(line) } else { Greeting::Ftp(line) });
    }
    if b.starts_with(b"* OK") || b.starts_with(b"* PREAUTH") {
        return Some(Greeting::Imap(line()));
    }
    if b.starts_with(b"+OK") {
        return Some(Greeting::Pop3(line()));
    }
    let printable = !b.is_empty() && b.iter().take(512).all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace());
    if printable && has_prompt(b) {
        return Some(Greeting::LoginPrompt);
    }
    None
}

/// Whether a login prompt (`login:`, `username:`, `password:`, any case) is in the first 4 KiB
/// (it comes after the banner; a recorded stream can be far longer). One pass over the colons,
/// not one search per word.
fn has_prompt(b: &[u8]) -> bool {
    let head = b.get(..b.len().min(4096)).unwrap_or_default();
    head.iter().enumerate().filter(|(_, c)| **c == b':').any(|(i, _)| {
        let before = head.get(..i).unwrap_or_default();
        [&b"login"[..], b"username", b"password"].iter().any(|w| {
            before.len() >= w.len() && before.get(before.len() - w.len()..).is_some_and(|t| t.eq_ignore_ascii_case(w))
        })
    })
}

/// The code of an FTP or SMTP reply (RFC 959 §4.2, RFC 5321 §4.2): the last complete line of the
/// form `NNN text` or `NNN`, past any `NNN-` continuation lines. None when there is none yet.
pub fn reply_code(b: &[u8]) -> Option<u16> {
    b.split(|c| *c == b'\n').rev().find_map(|l| {
        let l = l.trim_ascii_end();
        let digits = l.get(..3)?;
        if !digits.iter().all(u8::is_ascii_digit) || l.get(3).is_some_and(|c| *c != b' ') {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    })
}

/// Whether `b` holds a whole FTP/SMTP reply: it ends a line and its last line has a code.
pub fn reply_complete(b: &[u8]) -> bool {
    b.ends_with(b"\n") && reply_code(b).is_some()
}

/// Whether `line` ends an FTP or SMTP reply: anything but a `NNN-` continuation.
pub fn is_last_reply_line(line: &str) -> bool {
    let b = line.as_bytes();
    !(b.len() >= 4 && b.iter().take(3).all(u8::is_ascii_digit) && b.get(3) == Some(&b'-'))
}

/// The code of a reply's last line, 0 when it has none.
pub fn line_code(line: &str) -> u16 {
    line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// The SASL mechanisms an SMTP EHLO reply offers (`250-AUTH PLAIN LOGIN`, `250 AUTH=LOGIN`),
/// upper-cased.
pub fn smtp_auth_mechanisms(ehlo: &[String]) -> Vec<String> {
    ehlo.iter()
        .filter_map(|l| l.get(4..))
        .map(str::to_ascii_uppercase)
        .filter(|l| l.starts_with("AUTH"))
        .flat_map(|l| l.split([' ', '=']).skip(1).filter(|m| !m.is_empty()).map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Text that says a server will not take a login on this connection at all (IMAP
/// `[PRIVACYREQUIRED]`, "plaintext authentication disallowed", "must issue a STARTTLS first").
pub fn logins_disallowed(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["privacyrequired", "plaintext", "not allowed", "disabled", "tls required", "must issue a starttls"]
        .iter()
        .any(|w| t.contains(w))
}

/// An IMAP quoted string (RFC 9051 §4.3), backslash and quote escaped; None for text that
/// cannot be quoted (a line break).
pub fn imap_quoted(s: &str) -> Option<String> {
    if s.contains(['\r', '\n']) {
        return None;
    }
    Some(format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_recognised() {
        assert!(matches!(read(b"\xff\xfd\x18\xff\xfb\x01"), Some(Greeting::Telnet(n)) if n.len() == 2));
        assert_eq!(read(b"SSH-2.0-dropbear\r\n"), Some(Greeting::Ssh(b"SSH-2.0-dropbear")));
        assert_eq!(read(b"220 mail ESMTP Postfix\r\n"), Some(Greeting::Smtp(b"220 mail ESMTP Postfix")));
        assert_eq!(read(b"220 (vsFTPd 3.0.3)\r\n"), Some(Greeting::Ftp(b"220 (vsFTPd 3.0.3)")));
        assert!(matches!(read(b"* OK [CAPABILITY IMAP4rev1] ready\r\n"), Some(Greeting::Imap(_))));
        assert!(matches!(read(b"+OK Dovecot ready.\r\n"), Some(Greeting::Pop3(_))));
        assert_eq!(read(b"\r\nIPC login: "), Some(Greeting::LoginPrompt));
        assert_eq!(read(b"\x00\x01login:"), None);
        assert_eq!(read(b""), None);
    }

    #[test]
    fn replies_are_read() {
        assert_eq!(reply_code(b"230-Welcome\r\n230 Login successful.\r\n"), Some(230));
        assert_eq!(reply_code(b"230-Welcome\r\n"), None);
        assert_eq!(reply_code(b"530\r\n"), Some(530));
        assert_eq!(reply_code(b"5x0 no\r\n"), None);
        assert!(reply_complete(b"331 Please specify the password.\r\n"));
        assert!(!reply_complete(b"331 Please"));
        assert!(is_last_reply_line("235 2.7.0 ok") && !is_last_reply_line("250-AUTH PLAIN"));
        assert!(is_last_reply_line("250") && is_last_reply_line("* OK"));
        assert_eq!(line_code("535 5.7.8 bad"), 535);
        assert_eq!(line_code("é"), 0);
        let ehlo = ["250-mail".to_owned(), "250-AUTH PLAIN LOGIN".to_owned(), "250 AUTH=CRAM-MD5".to_owned()];
        assert_eq!(smtp_auth_mechanisms(&ehlo), ["PLAIN", "LOGIN", "CRAM-MD5"]);
    }

    #[test]
    fn imap_strings_and_disallowed_logins() {
        assert_eq!(imap_quoted(r#"a"b\c"#).as_deref(), Some(r#""a\"b\\c""#));
        assert_eq!(imap_quoted("a\r\nb"), None);
        assert!(logins_disallowed(
            "a1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections"
        ));
        assert!(!logins_disallowed("a1 NO [AUTHENTICATIONFAILED] Authentication failed."));
    }
}
