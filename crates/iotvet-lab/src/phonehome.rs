//! The lab's doorbell, a device that phones home, and the lab cloud it talks to — all on
//! loopback, from the doorbell's own address:
//! - it resolves its cloud's names through the lab DNS server (UDP 5300 on the cloud address);
//! - it checks for firmware and downloads it over plain HTTP (MS-2 fails on that);
//! - it posts telemetry (its MAC and serial) to its cloud API over TLS (lab CA, SNI);
//! - it posts its serial and its owner's e-mail in clear to a tracker's collector.
//!
//! The cloud answers each of these; `scripts/record-lab-capture` records the doorbell's traffic
//! with tcpdump into `data/doorbell.pcap`, which the demo reads.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

/// The names the lab DNS answers, each to a host octet of the lab /24 (70: the cloud, 71: the
/// tracker). `app-measurement.com` is on the bundled tracker lists.
pub const NAMES: [(&str, u8); 3] =
    [("fw.doorbell-vendor.example", 70), ("api.doorbell-vendor.example", 70), ("app-measurement.com", 71)];

/// The lab DNS server's port (unprivileged).
pub const DNS_PORT: u16 = 5300;

/// Answers A queries for `NAMES` (RFC 1035), NXDOMAIN otherwise.
pub async fn dns(socket: UdpSocket, net: [u8; 3]) {
    let mut buf = vec![0u8; 1500];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else { continue };
        if let Some(reply) = dns_answer(buf.get(..n).unwrap_or_default(), net) {
            let _ = socket.send_to(&reply, from).await;
        }
    }
}

fn dns_answer(q: &[u8], net: [u8; 3]) -> Option<Vec<u8>> {
    let id = q.get(..2)?;
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*q.get(at)?);
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(at + 1..at + 1 + len)?).into_owned());
        at += 1 + len;
    }
    let name = labels.join(".");
    let question = q.get(12..at + 5)?;
    let mut r = id.to_vec();
    match NAMES.iter().find(|(n, _)| *n == name) {
        Some((_, octet)) => {
            r.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
            r.extend_from_slice(question);
            r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, net[0], net[1], net[2], *octet]);
        }
        None => {
            r.extend_from_slice(&[0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0]);
            r.extend_from_slice(question);
        }
    }
    Some(r)
}

fn query(id: u16, name: &str) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    m
}

/// The firmware image the cloud serves: 300 KiB of bytes that look like an image.
fn firmware() -> Vec<u8> {
    let mut f = b"\x27\x05\x19\x56DB-1 firmware 1.0.4".to_vec();
    f.extend((0..300 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    f
}

/// The cloud's plain-HTTP side: the firmware check and download, and the tracker's collector.
pub async fn cloud_http<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(s: &mut S) -> std::io::Result<()> {
    let head = read_request(s).await?;
    let first = head.lines().next().unwrap_or_default().to_owned();
    let body: Vec<u8> = if first.starts_with("GET /firmware/check") {
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 77\r\nConnection: close\r\n\r\n{\"latest\":\"1.0.4\",\"url\":\"/firmware/db1-1.0.4.bin\",\"sha256\":\"not-verified\"}".to_vec()
    } else if first.starts_with("GET /firmware/") {
        let image = firmware();
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            image.len()
        )
        .into_bytes();
        r.extend_from_slice(&image);
        r
    } else {
        b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_vec()
    };
    s.write_all(&body).await?;
    s.shutdown().await
}

/// The cloud API over TLS: takes the telemetry.
pub async fn cloud_api<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(s: &mut S) -> std::io::Result<()> {
    read_request(s).await?;
    s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await?;
    s.shutdown().await
}

/// Reads a request head and, when it says so, its body (at most 64 KiB in all).
async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned();
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length.min(60_000) {
                return Ok(head);
            }
        }
        if buf.len() > 64 * 1024 {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A TCP connection from the doorbell's own address.
async fn connect(from: IpAddr, to: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = if from.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.bind(SocketAddr::new(from, 0))?;
    tokio::time::timeout(Duration::from_secs(3), socket.connect(to))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
}

async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    s: &mut S,
    request: &[u8],
) -> std::io::Result<Vec<u8>> {
    s.write_all(request).await?;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer)).await;
    Ok(answer)
}

/// One round of the doorbell's phoning home.
pub async fn phone_home(me: IpAddr, net: [u8; 3], roots: Arc<rustls::RootCertStore>) -> std::io::Result<()> {
    let cloud = IpAddr::from([net[0], net[1], net[2], 70]);
    let tracker = IpAddr::from([net[0], net[1], net[2], 71]);
    // DNS through the lab resolver.
    let udp = UdpSocket::bind(SocketAddr::new(me, 0)).await?;
    for (i, (name, _)) in NAMES.iter().enumerate() {
        udp.send_to(&query(0x4400 + i as u16, name), SocketAddr::new(cloud, DNS_PORT)).await?;
        let mut buf = [0u8; 512];
        let _ = tokio::time::timeout(Duration::from_secs(2), udp.recv_from(&mut buf)).await;
    }
    // Firmware check and download, in clear.
    let mut s = connect(me, SocketAddr::new(cloud, 8080)).await?;
    exchange(&mut s, b"GET /firmware/check?model=DB-1&version=1.0.3 HTTP/1.1\r\nHost: fw.doorbell-vendor.example\r\nUser-Agent: doorbell/1.0.3\r\nConnection: close\r\n\r\n").await?;
    let mut s = connect(me, SocketAddr::new(cloud, 8080)).await?;
    exchange(&mut s, b"GET /firmware/db1-1.0.4.bin HTTP/1.1\r\nHost: fw.doorbell-vendor.example\r\nUser-Agent: doorbell/1.0.3\r\nConnection: close\r\n\r\n").await?;
    // Telemetry to the cloud API over TLS.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = connect(me, SocketAddr::new(cloud, 8443)).await?;
    let name = rustls::pki_types::ServerName::try_from("api.doorbell-vendor.example").map_err(std::io::Error::other)?;
    let mut tls = connector.connect(name, tcp).await?;
    let telemetry = r#"{"mac":"02:77:00:00:00:80","serial":"DB1-0042","battery":87}"#;
    let request = format!(
        "POST /v1/telemetry HTTP/1.1\r\nHost: api.doorbell-vendor.example\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{telemetry}",
        telemetry.len()
    );
    exchange(&mut tls, request.as_bytes()).await?;
    // Analytics to a third party, in clear: serial and the owner's e-mail.
    let mut s = connect(me, SocketAddr::new(tracker, 8080)).await?;
    let event = r#"{"event":"ring","serial":"DB1-0042","email":"owner@home.example"}"#;
    let request = format!(
        "POST /collect HTTP/1.1\r\nHost: app-measurement.com\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{event}",
        event.len()
    );
    exchange(&mut s, request.as_bytes()).await?;
    Ok(())
}

/// The doorbell: phones home at start and every `every`, for as long as the lab runs.
pub async fn doorbell(me: IpAddr, net: [u8; 3], roots: Arc<rustls::RootCertStore>, every: Duration) {
    // Let the cloud start listening first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    loop {
        if let Err(e) = phone_home(me, net, roots.clone()).await {
            tracing::debug!(error = %e, "doorbell: phoning home failed");
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_dns_answers_its_names_only() {
        let a = dns_answer(&query(7, "api.doorbell-vendor.example"), [127, 77, 0]).unwrap();
        assert_eq!(a.get(a.len() - 4..), Some(&[127, 77, 0, 70][..]));
        let nx = dns_answer(&query(8, "example.com"), [127, 77, 0]).unwrap();
        assert_eq!(nx.get(3).map(|b| b & 0x0f), Some(3));
        assert!(dns_answer(b"\x00", [127, 77, 0]).is_none());
    }
}
