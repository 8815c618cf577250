//! HTTP and RTSP response heads, read from bytes a device sent: the status line and code, the
//! headers, where the body starts, whether the whole response is in, and from an HTML body its
//! title and whether it holds a login form. Written here rather than with `httparse`: RTSP/1.0
//! shares HTTP's head syntax but `httparse` accepts only `HTTP/1.x` status lines, and iotvet needs
//! both read the same way. Heads are read up to 16 KiB; every read is checked.

use crate::bytes::find_ci;

/// At most this much of a head is read when no blank line ends it.
const HEAD_CAP: usize = 16 * 1024;

/// A response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// e.g. `HTTP/1.1 401 Unauthorized`, trimmed.
    pub status_line: String,
    pub status: u16,
    /// The head as text (status line and headers), lossily decoded.
    pub text: String,
    /// Where the body starts in the bytes (their length when the head is cut short).
    pub body_offset: usize,
}

impl Head {
    /// The value of header `name` (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.text, name)
    }
}

/// Where the head ends (just past its blank line), if it does.
pub fn head_end(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The value of header `name` in a head's text (the first line is the status line).
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// An `HTTP/` or `RTSP/` response head; None for anything else.
pub fn parse_head(b: &[u8]) -> Option<Head> {
    if !(b.starts_with(b"HTTP/") || b.starts_with(b"RTSP/")) {
        return None;
    }
    let end = head_end(b).unwrap_or(b.len().min(HEAD_CAP));
    let text = String::from_utf8_lossy(b.get(..end)?).into_owned();
    let status_line = text.lines().next()?.trim().to_owned();
    let status = status_line.split_whitespace().nth(1)?.parse::<u16>().ok()?;
    Some(Head { status_line, status, text, body_offset: end })
}

/// An HTTP or RTSP request head, as a device sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    /// `HTTP/1.1`, `RTSP/1.0`, …
    pub version: String,
    /// The head as text (request line and headers).
    pub text: String,
    /// Where the body starts (the bytes' length when the head is cut short).
    pub body_offset: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.text, name)
    }
}

/// The request methods a request line may start with (HTTP, WebDAV, RTSP, SSDP).
const METHODS: [&str; 20] = [
    "GET",
    "POST",
    "PUT",
    "HEAD",
    "DELETE",
    "OPTIONS",
    "PATCH",
    "CONNECT",
    "TRACE",
    "PROPFIND",
    "SUBSCRIBE",
    "NOTIFY",
    "M-SEARCH",
    "DESCRIBE",
    "SETUP",
    "PLAY",
    "PAUSE",
    "TEARDOWN",
    "ANNOUNCE",
    "GET_PARAMETER",
];

/// Reads a request head: `METHOD target HTTP/x.y` (or `RTSP/1.0`) and its headers.
pub fn parse_request(b: &[u8]) -> Option<Request> {
    let line_end = b.iter().take(4096).position(|c| *c == b'\n')?;
    let line = std::str::from_utf8(b.get(..line_end)?).ok()?.trim_end();
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if !METHODS.contains(&method) || !(version.starts_with("HTTP/") || version.starts_with("RTSP/")) {
        return None;
    }
    let end = head_end(b).unwrap_or(b.len().min(HEAD_CAP));
    Some(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        text: String::from_utf8_lossy(b.get(..end)?).into_owned(),
        body_offset: end,
    })
}

/// Whether `b` starts like a request line (a known method and a space), before it is whole.
pub fn looks_like_request(b: &[u8]) -> bool {
    METHODS.iter().any(|m| b.starts_with(m.as_bytes()) && b.get(m.len()) == Some(&b' '))
}

/// The response head is in and, if it announced a length, so is the body.
pub fn response_complete(b: &[u8]) -> bool {
    let Some(end) = head_end(b) else { return false };
    let head = String::from_utf8_lossy(b.get(..end).unwrap_or_default());
    match header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => b.len() >= end.saturating_add(len),
        None if header(&head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) => {
            b.ends_with(b"0\r\n\r\n")
        }
        // RTSP responses without a body carry no length.
        None => head.starts_with("RTSP/"),
    }
}

/// The text of an HTML body's `<title>`, whitespace collapsed; None when absent or empty.
pub fn html_title(body: &[u8]) -> Option<String> {
    let rest = body.get(find_ci(body, b"<title")?..)?;
    let inner = rest.get(rest.iter().position(|c| *c == b'>')? + 1..)?;
    let text = inner.get(..find_ci(inner, b"</title")?)?;
    let t = String::from_utf8_lossy(text).split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// The body holds a form with a password field.
pub fn has_login_form(body: &[u8]) -> bool {
    crate::form::login_form(&String::from_utf8_lossy(body)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_titles_and_forms_are_read_and_junk_is_not() {
        let r = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"cam\"\r\nContent-Length: 52\r\n\r\n<title> Cam  login </title><form><input type=password>";
        let h = parse_head(r).unwrap();
        assert_eq!((h.status, h.status_line.as_str()), (401, "HTTP/1.1 401 Unauthorized"));
        assert_eq!(h.header("www-authenticate"), Some("Basic realm=\"cam\""));
        let body = r.get(h.body_offset..).unwrap();
        assert_eq!(html_title(body).as_deref(), Some("Cam login"));
        assert!(has_login_form(body) && response_complete(r));
        assert!(parse_head(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n").is_some_and(|h| h.status == 200));
        assert!(parse_head(b"SSH-2.0-x").is_none() && parse_head(b"HTTP/1.1 abc").is_none());
        let q = parse_request(b"GET /fw/check?v=1 HTTP/1.1\r\nHost: upd.example\r\nUser-Agent: cam/1\r\n\r\n").unwrap();
        assert_eq!(
            (q.method.as_str(), q.target.as_str(), q.header("host")),
            ("GET", "/fw/check?v=1", Some("upd.example"))
        );
        assert!(
            parse_request(b"M-SEARCH * HTTP/1.1\r\n\r\n").is_some() && parse_request(b"GOT / HTTP/1.1\r\n").is_none()
        );
        assert!(looks_like_request(b"POST ") && !looks_like_request(b"POSTER"));
        assert_eq!(html_title(b"<title>unclosed"), None);
        for n in 0..r.len() {
            let cut = r.get(..n).unwrap_or_default();
            let _ = (parse_head(cut), response_complete(cut), html_title(cut), has_login_form(cut));
        }
    }
}
