//! UDP services: a protocol-correct request per protocol to each UDP port asked for, all at
//! once, each on its own socket, each waiting once for an answer. Unicast to the target only.
//! Silence is not recorded (closed, filtered and "wrong request" look the same over UDP).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use iotvet_core::case::{Endpoint, Transport, UdpServiceObservation};
use tokio::net::UdpSocket;

use crate::bytes::escape_excerpt;
use iotvet_wire::udp::{
    classify, dtls_hello, dtls_name, dtls_random, request, Question as Kind, DTLS_SUITES, QUESTIONS as KINDS,
};

/// Every UDP answer reader over the same bytes (kept at this path for the fuzz target).
pub use iotvet_wire::udp::read_as_every_protocol;

/// The UDP ports probed by default: TFTP, SNMP, SSDP, mDNS, CoAP, CoAP over DTLS. Every
/// protocol is asked on every port, so DTLS is found wherever it listens among them.
pub const DEFAULT_UDP_PORTS: [u16; 6] = [69, 161, 1900, 5353, 5683, 5684];

/// Asks `addr` one protocol's question. Err when the question could not even be sent (a local
/// error, a network unreachable): that is no silence of the device's.
async fn ask(kind: Kind, addr: SocketAddr, timeout: Duration) -> Result<Option<UdpServiceObservation>, String> {
    let bind = SocketAddr::new(if addr.is_ipv4() { [0u8; 4].into() } else { [0u16; 8].into() }, 0);
    let socket = UdpSocket::bind(bind).await.map_err(|e| format!("binding a UDP socket: {e}"))?;
    let sent = request(kind, addr);
    socket.send_to(&sent, addr).await.map_err(|e| format!("sending to {addr}: {e}"))?;
    Ok(answer(kind, &socket, addr, &sent, timeout).await)
}

async fn answer(
    kind: Kind,
    socket: &UdpSocket,
    addr: SocketAddr,
    sent: &[u8],
    timeout: Duration,
) -> Option<UdpServiceObservation> {
    let mut buf = vec![0u8; 8192];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let (n, from) = tokio::time::timeout(left, socket.recv_from(&mut buf)).await.ok()?.ok()?;
        if from.ip() != addr.ip() {
            continue;
        }
        let answer = &buf[..n];
        // A service that sends back whatever it gets is an echo, whatever was asked.
        let (protocol, mut how, mut revealed) = if answer == sent {
            ("echo", "sends back every datagram it is sent (an echo service)".to_owned(), vec![])
        } else {
            classify(kind, answer)?
        };
        if protocol == "dtls" {
            // Past the cookie exchange, on the same socket (many servers, `openssl s_server`
            // among them, serve only the peer that spoke first): the version the server settles
            // on. Then, from another socket, whether it still takes DTLS 1.0 (TLS 1.1's datagram
            // twin) when that is all a client offers; silence there proves nothing.
            // A server without the cookie exchange answers the first hello with its ServerHello.
            let mut chosen = iotvet_wire::tls::dtls_server_hello_version(answer);
            if let Some(cookie) = iotvet_wire::tls::hello_verify_cookie(answer) {
                let again = dtls_hello().dtls_datagram_with_cookie(dtls_random(), &cookie);
                if socket.send_to(&again, addr).await.is_ok() {
                    chosen = recv_from(socket, addr, timeout)
                        .await
                        .and_then(|b| iotvet_wire::tls::dtls_server_hello_version(&b));
                }
            }
            if let (Some(v), false) = (chosen, how.contains("ServerHello")) {
                how = format!("{how}; {} ServerHello after the cookie exchange", dtls_name(v));
            }
            // The one fact the rules read: the server was seen to take DTLS 1.0.
            if chosen == Some(0xfeff) {
                revealed.push("accepts DTLS 1.0 (it chose DTLS 1.0 over 1.2)".into());
            } else if let Some(Ok(0xfeff)) = dtls_handshake(addr, 0xfeff, timeout).await {
                revealed.push("accepts DTLS 1.0 (a ServerHello to a DTLS 1.0-only hello)".into());
            }
        }
        return Some(UdpServiceObservation {
            endpoint: Endpoint { address: addr.ip().to_string(), port: addr.port(), transport: Transport::Udp },
            protocol: protocol.into(),
            identified_by: how,
            revealed,
        });
    }
}

/// A DTLS handshake up to the ServerHello offering at most `version`, through the cookie
/// exchange, on a socket of its own: Ok(the version chosen), Err(what came instead), None
/// for silence.
async fn dtls_handshake(addr: SocketAddr, version: u16, timeout: Duration) -> Option<Result<u16, String>> {
    use iotvet_wire::tls::{dtls_server_hello_version, hello_verify_cookie, random, Hello};
    let bind = SocketAddr::new(if addr.is_ipv4() { [0u8; 4].into() } else { [0u16; 8].into() }, 0);
    let socket = UdpSocket::bind(bind).await.ok()?;
    let hello = Hello::new(None, version, &DTLS_SUITES);
    let random = random();
    socket.send_to(&hello.dtls_datagram(random), addr).await.ok()?;
    let mut answer = recv_from(&socket, addr, timeout).await?;
    if let Some(cookie) = hello_verify_cookie(&answer) {
        socket.send_to(&hello.dtls_datagram_with_cookie(random, &cookie), addr).await.ok()?;
        answer = recv_from(&socket, addr, timeout).await?;
    }
    Some(dtls_server_hello_version(&answer).ok_or_else(|| escape_excerpt(&answer, 24)))
}

/// The next datagram from `addr`'s address within `timeout`.
async fn recv_from(socket: &UdpSocket, addr: SocketAddr, timeout: Duration) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 8192];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let (n, from) = tokio::time::timeout(left, socket.recv_from(&mut buf)).await.ok()?.ok()?;
        if from.ip() == addr.ip() {
            buf.truncate(n);
            return Some(buf);
        }
    }
}

/// Probes every port with every protocol; one observation per port that answered, in port order.
/// What the UDP probes found, and the probes that did not finish (a task that panicked).
pub struct UdpProbeResult {
    pub services: Vec<UdpServiceObservation>,
    pub failures: Vec<String>,
}

pub async fn probe_udp(address: IpAddr, ports: &[u16], timeout: Duration) -> UdpProbeResult {
    let mut tasks = tokio::task::JoinSet::new();
    for port in ports.iter().copied() {
        for (rank, kind) in KINDS.into_iter().enumerate() {
            tasks.spawn(async move { (port, rank, ask(kind, SocketAddr::new(address, port), timeout).await) });
        }
    }
    let mut found: Vec<(u16, usize, UdpServiceObservation)> = Vec::new();
    let mut failures = Vec::new();
    let (mut asked, mut unsent) = (0usize, Vec::new());
    while let Some(done) = tasks.join_next().await {
        asked += 1;
        match done {
            Ok((port, rank, Ok(Some(o)))) => found.push((port, rank, o)),
            Ok((_, _, Ok(None))) => {}
            Ok((_, _, Err(why))) => unsent.push(why),
            Err(e) => failures.push(format!("a UDP probe task failed: {e}")),
        }
    }
    if !unsent.is_empty() {
        failures.push(format!("{} of {asked} UDP requests could not be sent (e.g. {})", unsent.len(), unsent[0]));
    }
    found.sort_by_key(|(port, rank, _)| (*port, *rank));
    found.dedup_by_key(|(port, _, _)| *port);
    tracing::info!(%address, asked, answered = found.len(), unsent = unsent.len(), "UDP probes done");
    UdpProbeResult { services: found.into_iter().map(|(_, _, o)| o).collect(), failures }
}
