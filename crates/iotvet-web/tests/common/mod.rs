//! What the server tests share: a report to store, and requests written by hand on a socket
//! (the tests see the bytes the server sends, its header names and cookies as they are).
#![allow(dead_code)]

use std::io::{Read, Write};

use iotvet_report::Report;

/// A small report of `target`, judged at `created_at`.
pub fn report(target: &str, created_at: &str) -> Report {
    let case = serde_json::from_value(serde_json::json!({
        "target": {"name": target, "address": "127.0.0.1"},
        "created_at": created_at,
    }))
    .unwrap();
    Report::new(case, created_at.to_owned())
}

/// (status, head as sent, body) of one request on its own connection. A server that answers
/// before the body is all sent (an upload over the cap) may close early: what it said counts.
/// Chunked bodies are read as they are (every answer here is small).
pub fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &[u8],
) -> (u16, String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method != "GET" {
        head.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(body));
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

const FORM: &str = "application/x-www-form-urlencoded";

/// (status, head in lower case, body) of a request with a form body (ignored for GET).
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let (status, head, body) = exchange(port, method, path, headers, FORM, body.as_bytes());
    (status, head.to_ascii_lowercase(), body)
}

/// `request`, its head as sent (cookie values keep their case).
pub fn raw_request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    exchange(port, method, path, headers, FORM, body.as_bytes())
}

/// (status, head in lower case, body) of a GET.
pub fn get(port: u16, path: &str) -> (u16, String, String) {
    request(port, "GET", path, &[], "")
}

/// (status, body) of a POST of `body` as JSON with a bearer token.
pub fn post_json(port: u16, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    let bearer = format!("Bearer {token}");
    let (status, _, body) = exchange(port, "POST", path, &[("Authorization", &bearer)], "application/json", body);
    (status, body)
}
