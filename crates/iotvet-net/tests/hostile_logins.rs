//! Login services that misbehave: a server that never prompts, one that prompts forever, one
//! that sends megabytes of banner, one that drops the connection mid-login. Each yields an
//! inconclusive test within its budget, never a hang, a panic or a false "credential found".

use std::time::{Duration, Instant};

use iotvet_core::case::{Endpoint, NetworkSection, Protocol, Provenance, ServiceObservation, Transport};
use iotvet_core::logins::LoginOutcome;
use iotvet_net::{creds, test_logins, CredentialSet, LoginOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LOCAL: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

async fn device<F, Fut>(behaviour: F) -> u16
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(behaviour(s));
        }
    });
    port
}

fn net(port: u16, protocol: Protocol) -> NetworkSection {
    let provenance =
        Provenance { collector: "t".into(), tool_version: "0".into(), started_at: "x".into(), finished_at: "x".into() };
    let endpoint = Endpoint { address: "127.0.0.1".into(), port, transport: Transport::Tcp };
    NetworkSection::new(provenance, port.to_string(), 1, vec![ServiceObservation::new(endpoint, protocol, "test")])
}

fn options() -> LoginOptions {
    LoginOptions { attempt_timeout: Duration::from_millis(800), attempts_per_second: 1000.0, ..LoginOptions::default() }
}

async fn outcome(port: u16, protocol: Protocol) -> (LoginOutcome, u32, Duration) {
    let list = creds::builtin(CredentialSet::Minimal);
    let started = Instant::now();
    let s = test_logins(&net(port, protocol), LOCAL, "127.0.0.1", &list, "minimal", &options()).await;
    let t = &s.tests[0];
    assert!(t.accepted.is_empty(), "a false credential found: {t:?}");
    (t.outcome, t.attempts, started.elapsed())
}

#[tokio::test]
async fn a_telnet_server_that_never_prompts_is_inconclusive() {
    let port = device(|mut s| async move {
        let mut b = [0u8; 256];
        while let Ok(n) = s.read(&mut b).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    let (o, attempts, took) = outcome(port, Protocol::Telnet).await;
    assert_eq!(o, LoginOutcome::Inconclusive);
    assert!(attempts <= 9 && took < Duration::from_secs(10), "{attempts} attempts in {took:?}");
}

#[tokio::test]
async fn a_server_that_prompts_forever_is_inconclusive_not_found() {
    let port = device(|mut s| async move {
        loop {
            if s.write_all(b"login: ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let (o, _, took) = outcome(port, Protocol::Telnet).await;
    assert_eq!(o, LoginOutcome::Inconclusive, "a prompt that never ends decides nothing");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[tokio::test]
async fn megabytes_of_banner_are_capped() {
    let port = device(|mut s| async move {
        let junk = b"Welcome to the device!\r\n".repeat(4096);
        for _ in 0..100 {
            if s.write_all(&junk).await.is_err() {
                break;
            }
        }
    })
    .await;
    let (o, _, took) = outcome(port, Protocol::Telnet).await;
    assert_eq!(o, LoginOutcome::Inconclusive);
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[tokio::test]
async fn an_ftp_server_that_drops_mid_login_is_inconclusive() {
    let port = device(|mut s| async move {
        let _ = s.write_all(b"220 ready\r\n").await;
        let mut b = [0u8; 256];
        let _ = s.read(&mut b).await;
        let _ = s.write_all(b"331 password please\r\n").await;
        // Hang up before answering PASS.
    })
    .await;
    let (o, attempts, _) = outcome(port, Protocol::Ftp).await;
    assert_eq!(o, LoginOutcome::Inconclusive);
    assert!(attempts >= 1);
}

#[tokio::test]
async fn an_http_server_answering_garbage_is_inconclusive() {
    let port = device(|mut s| async move {
        let mut b = [0u8; 1024];
        let _ = s.read(&mut b).await;
        let _ = s.write_all(b"\x00\x01\x02 not http at all").await;
    })
    .await;
    let mut n = net(port, Protocol::Http);
    n.services[0].response = Some(iotvet_core::case::ResponseHead {
        status_line: "HTTP/1.1 401".into(),
        status: 401,
        server: None,
        location: None,
        www_authenticate: Some("Basic realm=\"x\"".into()),
        strict_transport_security: None,
        content_type: None,
        title: None,
        login_form: false,
    });
    let s = test_logins(&n, LOCAL, "127.0.0.1", &creds::builtin(CredentialSet::Minimal), "minimal", &options()).await;
    assert_eq!(s.tests[0].outcome, LoginOutcome::Inconclusive, "{:?}", s.tests[0]);
    assert!(s.tests[0].accepted.is_empty());
}

#[tokio::test]
async fn a_lockout_is_detected_and_testing_stops() {
    // Refuses every login with a "locked" message after the first.
    let port = device(|mut s| async move {
        let _ = s.write_all(b"login: ").await;
        let mut b = [0u8; 256];
        let _ = s.read(&mut b).await;
        let _ = s.write_all(b"Password: ").await;
        let _ = s.read(&mut b).await;
        let _ = s.write_all(b"\r\nAccount locked: too many failures\r\nlogin: ").await;
    })
    .await;
    let list = creds::builtin(CredentialSet::Default);
    let s = test_logins(&net(port, Protocol::Telnet), LOCAL, "127.0.0.1", &list, "default", &options()).await;
    let t = &s.tests[0];
    assert_eq!(t.outcome, LoginOutcome::Inconclusive, "{t:?}");
    assert!(t.lockout.is_some(), "{t:?}");
    assert!((t.attempts as usize) < list.len(), "testing should stop at a lockout: {} attempts", t.attempts);
}

#[tokio::test]
async fn an_open_adb_port_is_identified_and_gives_access_without_credentials() {
    // An Android device answering CNXN with its banner, as `adbd` does with auth off.
    let port = device(|mut s| async move {
        let mut b = [0u8; 64];
        let _ = s.read(&mut b).await;
        let payload = b"device::ro.product.name=tvbox;\0";
        let cmd = u32::from_le_bytes(*b"CNXN");
        let mut m = Vec::new();
        for w in [cmd, 0x0100_0001, 4096, payload.len() as u32, 0, cmd ^ 0xffff_ffff] {
            m.extend_from_slice(&w.to_le_bytes());
        }
        m.extend_from_slice(payload);
        let _ = s.write_all(&m).await;
    })
    .await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let o = iotvet_net::ProbeOptions { banner_wait: Duration::from_millis(300), ..Default::default() };
    let s = iotvet_net::identify(addr, &o).await;
    assert_eq!(s.protocol, Protocol::Adb, "{s:?}");
    assert!(s.identified_by.contains("tvbox"), "{}", s.identified_by);
    let (outcome, _, _) = outcome(port, Protocol::Adb).await;
    assert_eq!(outcome, LoginOutcome::Open);
}

/// An HTTP device that answers every request with `answer`, whatever its credentials.
async fn http_device(answer: &'static str) -> u16 {
    device(move |mut s| async move {
        let mut b = [0u8; 4096];
        let _ = s.read(&mut b).await;
        let _ = s.write_all(answer.as_bytes()).await;
    })
    .await
}

/// The login section for one HTTP service that identification saw asking for Basic or a form.
async fn http_test(port: u16, basic: bool) -> iotvet_core::logins::LoginTest {
    let mut n = net(port, Protocol::Http);
    n.services[0].response = Some(iotvet_core::case::ResponseHead {
        status_line: "HTTP/1.1 401".into(),
        status: if basic { 401 } else { 200 },
        server: None,
        location: None,
        www_authenticate: basic.then(|| "Basic realm=\"cam\"".into()),
        strict_transport_security: None,
        content_type: None,
        title: None,
        login_form: !basic,
    });
    let s = test_logins(&n, LOCAL, "127.0.0.1", &creds::builtin(CredentialSet::Minimal), "minimal", &options()).await;
    s.tests[0].clone()
}

#[tokio::test]
async fn http_answers_that_do_not_tell_good_from_bad_are_never_a_credential_found() {
    // hydra's http-get module takes some of these for a login.
    for answer in [
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 302 Found\r\nLocation: /index.html\r\nContent-Length: 0\r\n\r\n",
    ] {
        let t = http_test(http_device(answer).await, true).await;
        assert!(t.accepted.is_empty(), "{answer:?}: {t:?}");
        assert_ne!(t.outcome, LoginOutcome::Accepted, "{answer:?}: {t:?}");
    }
    // A 200 to every request, a random pair included: anyone gets in, not "admin/admin found".
    let t = http_test(http_device("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await, true).await;
    assert_eq!(t.outcome, LoginOutcome::Open, "{t:?}");
    assert!(t.detail.contains("accepts any credential"), "{t:?}");
    assert!(t.accepted.is_empty());
}

#[tokio::test]
async fn a_login_form_that_answers_login_failed_with_200_is_refused() {
    let page = "HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nContent-Length: 80\r\n\r\n<html><p>Login failed</p><form action=/login><input type=password name=pw></form>";
    let t = http_test(http_device(page).await, false).await;
    assert!(t.accepted.is_empty(), "{t:?}");
    assert_eq!(t.outcome, LoginOutcome::Rejected, "{t:?}");
}

#[tokio::test]
async fn a_telnet_server_silent_after_the_password_is_given_up_quickly() {
    // Prompts, then never answers the password: each attempt would wait out its deadline.
    let port = device(|mut s| async move {
        let mut b = [0u8; 256];
        let _ = s.write_all(b"login: ").await;
        let _ = s.read(&mut b).await;
        let _ = s.write_all(b"Password: ").await;
        let _ = s.read(&mut b).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let list = creds::builtin(CredentialSet::Default);
    let started = Instant::now();
    let s = test_logins(&net(port, Protocol::Telnet), LOCAL, "127.0.0.1", &list, "default", &options()).await;
    let t = &s.tests[0];
    assert_eq!(t.outcome, LoginOutcome::Inconclusive, "{t:?}");
    assert!(t.detail.contains("undecided attempts in a row"), "{t:?}");
    assert!((t.attempts as usize) < 16, "{} attempts", t.attempts);
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_default_that_must_be_changed_at_once_is_recorded_as_change_forced() {
    // Takes root / xc3511 (first in the list) only to demand a new password, as PAM does for
    // an expired password; refuses anything else.
    let port = device(|mut s| async move {
        let mut b = [0u8; 256];
        let _ = s.write_all(b"login: ").await;
        let n = s.read(&mut b).await.unwrap_or(0);
        let user = String::from_utf8_lossy(&b[..n]).trim().to_owned();
        let _ = s.write_all(b"Password: ").await;
        let n = s.read(&mut b).await.unwrap_or(0);
        let password = String::from_utf8_lossy(&b[..n]).trim().to_owned();
        let answer: &[u8] = if (user.as_str(), password.as_str()) == ("root", "xc3511") {
            b"\r\nYou are required to change your password immediately (administrator enforced)\r\nNew password: "
        } else {
            b"\r\nLogin incorrect\r\nlogin: "
        };
        let _ = s.write_all(answer).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    let list = creds::builtin(CredentialSet::Minimal);
    let s = test_logins(&net(port, Protocol::Telnet), LOCAL, "127.0.0.1", &list, "minimal", &options()).await;
    let t = &s.tests[0];
    assert_eq!(t.outcome, LoginOutcome::Accepted, "{t:?}");
    assert_eq!(t.accepted.len(), 1, "{t:?}");
    assert!(t.accepted[0].change_forced && t.accepted[0].username == "root", "{t:?}");
}

#[tokio::test]
async fn an_smtp_server_without_auth_takes_no_password() {
    // Greets and answers EHLO with no AUTH line, as a relay that takes no logins.
    let port = device(|mut s| async move {
        let _ = s.write_all(b"220 relay ESMTP\r\n").await;
        let mut b = [0u8; 256];
        while let Ok(n) = s.read(&mut b).await {
            if n == 0 {
                break;
            }
            let reply: &[u8] =
                if b[..n].starts_with(b"EHLO") { b"250-relay\r\n250 SIZE 1000\r\n" } else { b"221 bye\r\n" };
            if s.write_all(reply).await.is_err() {
                break;
            }
        }
    })
    .await;
    let (o, attempts, _) = outcome(port, Protocol::Smtp).await;
    assert_eq!((o, attempts), (LoginOutcome::Rejected, 0), "no AUTH: nothing to try");
}

#[tokio::test]
async fn an_imap_server_that_slows_logins_after_failures_still_gives_its_default_away() {
    // As dovecot's auth penalty: once a login from the address failed, every answer comes after
    // 1.5 s, past the 800 ms deadline (the control's failure starts it). admin/admin is let in.
    let failures = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let port = device(move |mut s| {
        let failures = failures.clone();
        async move {
            let _ = s.write_all(b"* OK IMAP ready\r\n").await;
            let mut b = [0u8; 512];
            let Ok(n) = s.read(&mut b).await else { return };
            let line = String::from_utf8_lossy(&b[..n]).into_owned();
            let good = line.starts_with("a1 LOGIN \"admin\" \"admin\"");
            let penalty = failures.load(std::sync::atomic::Ordering::Relaxed) > 0;
            tokio::time::sleep(Duration::from_millis(if penalty { 1500 } else { 50 })).await;
            let reply: &[u8] = if good {
                b"a1 OK Logged in\r\n"
            } else {
                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
            };
            let _ = s.write_all(reply).await;
            let _ = s.read(&mut b).await;
        }
    })
    .await;
    let list = creds::builtin(CredentialSet::Minimal);
    let s = test_logins(&net(port, Protocol::Imap), LOCAL, "127.0.0.1", &list, "minimal", &options()).await;
    let t = &s.tests[0];
    assert_eq!(t.outcome, LoginOutcome::Accepted, "{t:?}");
    assert_eq!(t.accepted[0].username, "admin", "{t:?}");
}
