//! Web sites that misbehave, on loopback: a redirect loop, a 50 MB page, a page that never
//! ends, a security.txt of binary junk. Each gives a recorded error or a bounded result.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use iotvet_docs::{policy, security_txt, DocsOptions, FetchOptions};

/// Serves each connection with `reply(path)` on a thread; returns the base URL.
fn site(reply: impl Fn(&str, &mut std::net::TcpStream) + Send + Sync + 'static) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let reply = std::sync::Arc::new(reply);
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let reply = reply.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_owned();
                reply(&path, &mut s);
            });
        }
    });
    base
}

fn options() -> DocsOptions {
    DocsOptions {
        fetch: FetchOptions { timeout: Duration::from_secs(3), max_bytes: 2 * 1024 * 1024, ..FetchOptions::default() },
        ..DocsOptions::default()
    }
}

#[test]
fn a_redirect_loop_is_a_recorded_error() {
    let base = site(|path, s| {
        let next = if path == "/a" { "/b" } else { "/a" };
        let _ = write!(s, "HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    let o = policy("privacy-policy", &format!("{base}/a"), &options());
    let e = o.retrieval.error.expect("an error");
    assert!(e.contains("redirect loop"), "{e}");
    assert_eq!(o.retrieval.urls.len(), 2);
}

#[test]
fn a_50_mb_page_is_cut_at_the_cap_in_bounded_time() {
    let base = site(|_, s| {
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\n"
        );
        let chunk = "We collect your data. We keep it safe. ".repeat(1000);
        let mut sent = 0;
        while sent < 52_428_800 {
            if s.write_all(chunk.as_bytes()).is_err() {
                return;
            }
            sent += chunk.len();
        }
    });
    let start = Instant::now();
    let o = policy("privacy-policy", &format!("{base}/big"), &options());
    assert!(o.retrieval.truncated, "{:?}", o.retrieval);
    assert_eq!(o.retrieval.bytes, 2 * 1024 * 1024);
    assert!(o.text_chars > 1_000_000, "{}", o.text_chars);
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
}

#[test]
fn a_page_that_never_finishes_times_out() {
    let base = site(|_, s| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000\r\n\r\n<p>Slow");
        std::thread::sleep(Duration::from_secs(10));
    });
    let start = Instant::now();
    let o = policy("privacy-policy", &format!("{base}/slow"), &options());
    assert!(o.retrieval.error.is_some(), "{:?}", o.retrieval);
    assert!(start.elapsed() < Duration::from_secs(8), "took {:?}", start.elapsed());
}

#[test]
fn a_security_txt_of_binary_junk_is_errors_and_http_is_not_https() {
    let base = site(|_, s| {
        let junk: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 256) as u8).collect();
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", junk.len());
        let _ = s.write_all(&junk);
    });
    let o = security_txt(&format!("{base}/.well-known/security.txt"), &options());
    let f = o.file.expect("parsed");
    assert!(f.has("utf8") && f.has("no_contact") && f.has("no_expire"), "{:?}", f.problems);
    assert!(f.problems.iter().all(|p| p.message.len() < 300));
    // Served over plain http: RFC 9116 asks for https.
    assert!(f.has("not_https"), "{:?}", f.problems);
}

#[test]
fn a_missing_security_txt_tries_the_legacy_place_then_records_both() {
    let base = site(|_, s| {
        let _ = write!(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    // A bare domain is fetched over https, which this plain server cannot speak: both attempts
    // are recorded with their error.
    let domain = base.trim_start_matches("http://");
    let o = security_txt(domain, &options());
    assert!(o.file.is_none());
    assert_eq!(o.attempts.len(), 2);
    assert!(o.attempts[1].source.ends_with("/security.txt"));
    let o = security_txt(&format!("{base}/.well-known/security.txt"), &options());
    assert!(o.attempts[0].error.as_deref().unwrap().contains("404"));
}
