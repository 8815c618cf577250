//! Devices that misbehave: each costs at most its time budget and byte cap, and yields an
//! `unknown` service with its first bytes as evidence; never a hang, a panic or a wrong protocol.

use std::time::{Duration, Instant};

use iotvet_core::case::Protocol;
use iotvet_net::{identify, ProbeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn budget() -> ProbeOptions {
    ProbeOptions {
        connect_timeout: Duration::from_millis(500),
        banner_wait: Duration::from_millis(300),
        read_timeout: Duration::from_millis(500),
        idle_gap: Duration::from_millis(100),
        byte_cap: 8 * 1024,
        host: "127.0.0.1".into(),
    }
}

/// Worst case for one service: every probe concurrently, then every probe alone, in budget.
fn worst_case(o: &ProbeOptions) -> Duration {
    let per_probe = o.connect_timeout + o.read_timeout.max(o.banner_wait);
    per_probe * 6 + Duration::from_secs(1)
}

/// Serves every connection with `behaviour` until the test ends.
async fn device<F, Fut>(behaviour: F) -> std::net::SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(behaviour(s));
        }
    });
    addr
}

/// Identifies the service at `addr` under the test budget: it must come back `Unknown`, in time.
async fn unknown_within_budget(addr: std::net::SocketAddr) -> iotvet_core::case::ServiceObservation {
    let o = budget();
    let start = Instant::now();
    let s = identify(addr, &o).await;
    assert!(start.elapsed() < worst_case(&o), "took {:?}", start.elapsed());
    assert_eq!(s.protocol, Protocol::Unknown);
    s
}

#[tokio::test]
async fn endless_garbage_is_unknown_within_budget_and_cap() {
    let addr = device(|mut s| async move {
        let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 0x80).collect();
        while s.write_all(&junk).await.is_ok() {}
    })
    .await;
    let s = unknown_within_budget(addr).await;
    let banner = s.banner.expect("first bytes kept as evidence");
    assert!(banner.len() < 4 * 160 + 8, "excerpt is capped");
}

#[tokio::test]
async fn a_silent_service_is_unknown_within_budget() {
    let addr = device(|mut s| async move {
        let mut sink = [0u8; 1024];
        while let Ok(n) = s.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    let s = unknown_within_budget(addr).await;
    assert_eq!(s.banner, None);
}

#[tokio::test]
async fn a_service_that_closes_at_once_is_unknown() {
    let addr = device(|s| async move { drop(s) }).await;
    let s = identify(addr, &budget()).await;
    assert_eq!(s.protocol, Protocol::Unknown);
}

#[tokio::test]
async fn megabytes_of_printable_banner_are_cut_at_the_cap() {
    let addr = device(|mut s| async move {
        let line = b"Welcome to the device. ".repeat(1000);
        for _ in 0..200 {
            if s.write_all(&line).await.is_err() {
                break;
            }
        }
    })
    .await;
    let s = unknown_within_budget(addr).await;
    assert!(s.banner.unwrap().ends_with('…'));
}

#[tokio::test]
async fn a_truncated_tls_record_is_not_mistaken_for_tls() {
    // Sends the first three bytes of a TLS record header and stops.
    let addr = device(|mut s| async move {
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(&[0x16, 0x03]).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let s = identify(addr, &budget()).await;
    assert_eq!(s.protocol, Protocol::Unknown);
}

#[tokio::test]
async fn a_fake_http_status_line_without_a_number_is_not_http() {
    let addr = device(|mut s| async move {
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(b"HTTP/1.1 OK-ish\r\n\r\n").await;
    })
    .await;
    let s = identify(addr, &budget()).await;
    assert_eq!(s.protocol, Protocol::Unknown);
}
