//! UDP services: a protocol-correct request per protocol to each UDP port asked for, all at
//! once, each on its own socket, each waiting once for an answer. Unicast to the target only.
//! Silence is not recorded (closed, filtered and "wrong request" look the same over UDP).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use iotvet_core::case::{Endpoint, Transport, UdpServiceObservation};
use tokio::net::UdpSocket;

use crate::bytes::escape_excerpt;

/// The UDP ports probed by default: TFTP, SNMP, SSDP, mDNS, CoAP, CoAP over DTLS. Every
/// protocol is asked on every port, so DTLS is found wherever it listens among them.
pub const DEFAULT_UDP_PORTS: [u16; 6] = [69, 161, 1900, 5353, 5683, 5684];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Coap,
    Ssdp,
    Snmp,
    Mdns,
    Tftp,
    Dtls,
    /// SNMPv3 engine discovery (RFC 3414 §4): answered by a v3 agent whatever its users.
    Snmpv3,
}

const KINDS: [Kind; 7] = [Kind::Coap, Kind::Ssdp, Kind::Snmp, Kind::Snmpv3, Kind::Mdns, Kind::Tftp, Kind::Dtls];

/// Suites a DTLS ClientHello offers: CoAP's mandatory ones (RFC 7252 §9: PSK and ECDHE-ECDSA
/// with AES-CCM-8), the common AEAD and CBC ones, so that almost any DTLS server answers.
const DTLS_SUITES: [u16; 12] =
    [0xc0a8, 0xc0ae, 0xc0ac, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0x00ae];
const COAP_MESSAGE_ID: u16 = 0x5a17;

fn request(kind: Kind, addr: SocketAddr) -> Vec<u8> {
    match kind {
        // CON GET /.well-known/core (RFC 7252, RFC 6690).
        Kind::Coap => {
            let mut m = vec![0x40, 0x01];
            m.extend_from_slice(&COAP_MESSAGE_ID.to_be_bytes());
            m.push(0xbb);
            m.extend_from_slice(b".well-known");
            m.push(0x04);
            m.extend_from_slice(b"core");
            m
        }
        Kind::Ssdp => format!(
            "M-SEARCH * HTTP/1.1\r\nHOST: {addr}\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\nUSER-AGENT: iotvet/{}\r\n\r\n",
            iotvet_core::TOOL_VERSION
        )
        .into_bytes(),
        Kind::Snmp => crate::snmp::get_request("public", 0x0155_0001, 1),
        Kind::Snmpv3 => crate::snmp::v3_discovery(0x0155_0003),
        // DNS-SD service enumeration, asking for a unicast answer (RFC 6762 §5.4).
        Kind::Mdns => {
            let mut m = vec![0x17, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
            for label in ["_services", "_dns-sd", "_udp", "local"] {
                m.push(label.len() as u8);
                m.extend_from_slice(label.as_bytes());
            }
            m.extend_from_slice(&[0, 0x00, 0x0c, 0x80, 0x01]);
            m
        }
        // RRQ for a file that does not exist: any TFTP server answers ERROR (or DATA).
        Kind::Tftp => [&[0u8, 1][..], b"iotvet-probe-no-such-file", &[0], b"octet", &[0]].concat(),
        // A DTLS 1.2 ClientHello with an empty cookie: a server answers HelloVerifyRequest.
        Kind::Dtls => dtls_hello().dtls_datagram(dtls_random()),
    }
}

/// What an answer says, if it is the protocol asked: the protocol's name (mDNS asked may turn
/// out plain DNS), how it answered, what it revealed.
fn classify(kind: Kind, b: &[u8]) -> Option<(&'static str, String, Vec<String>)> {
    let (how, revealed) = match kind {
        Kind::Coap => {
            let (&first, rest) = b.split_first()?;
            let code = *rest.first()?;
            let id = u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?]);
            // A CoAP answer is a response to our GET: a 2.xx-5.xx code, or an empty ACK/RST
            // (RFC 7252 §3, §4.2). A request code (0.01 GET, which an echo sends back) is not.
            let message_type = (first >> 4) & 0x3;
            let response = (2..=5).contains(&(code >> 5)) || (code == 0 && message_type >= 2);
            if first >> 6 != 1 || id != COAP_MESSAGE_ID || !response {
                return None;
            }
            let payload = b.iter().position(|x| *x == 0xff).map(|p| &b[p + 1..]).unwrap_or_default();
            let resources: Vec<String> = String::from_utf8_lossy(payload)
                .split(',')
                .filter(|r| r.starts_with('<'))
                .take(20)
                .map(|r| escape_excerpt(r.as_bytes(), 100))
                .collect();
            (format!("CoAP {}.{:02} to GET /.well-known/core, without DTLS", code >> 5, code & 0x1f), resources)
        }
        Kind::Ssdp => {
            let text = String::from_utf8_lossy(b);
            if !text.starts_with("HTTP/1.1 200") {
                return None;
            }
            let header = |name: &str| {
                text.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim().eq_ignore_ascii_case(name).then(|| escape_excerpt(v.trim().as_bytes(), 160))
                })
            };
            let revealed = ["LOCATION", "SERVER", "ST", "USN"]
                .iter()
                .filter_map(|h| header(h).map(|v| format!("{h}: {v}")))
                .collect();
            ("SSDP answer to a unicast M-SEARCH".into(), revealed)
        }
        Kind::Snmp => {
            let r = crate::snmp::parse_response(b)?;
            (
                format!("SNMP v2c GetResponse to community 'public' (error status {})", r.error_status),
                r.value.map(|v| format!("sysDescr: {v}")).into_iter().collect(),
            )
        }
        Kind::Snmpv3 => {
            let engine = crate::snmp::parse_v3_report(b, 0x0155_0003)?;
            return Some((
                "snmpv3",
                "SNMPv3 Report to engine discovery: the agent takes user-based logins".into(),
                vec![format!("engine ID: {engine}")],
            ));
        }
        Kind::Mdns => {
            // A legacy unicast query (our source port is not 5353) gets its ID echoed (RFC 6762 §6.7).
            let &[0x17, 0x17, flags, rcode_byte, _, _, a0, a1, ..] = b else { return None };
            if flags & 0xf8 != 0x80 {
                return None;
            }
            let answers = u16::from_be_bytes([a0, a1]);
            let services: Vec<String> = iotvet_wire::dns::ptr_answers(b)
                .into_iter()
                .map(|s| format!("service: {}", escape_excerpt(s.as_bytes(), 100)))
                .collect();
            // An mDNS responder answers authoritatively with records and offers no recursion; a
            // DNS server (dnsmasq, a router's resolver) offers recursion or refuses the .local name.
            let (authoritative, recursion, rcode) = (flags & 0x04 != 0, rcode_byte & 0x80 != 0, rcode_byte & 0x0f);
            if !(authoritative && !recursion && rcode == 0 && answers > 0) {
                return Some((
                    "dns",
                    format!("DNS answer to a DNS-SD query (rcode {rcode}, {answers} records): a DNS server, not mDNS"),
                    services,
                ));
            }
            (format!("mDNS answer to a unicast DNS-SD query ({answers} records)"), services)
        }
        Kind::Tftp => match b {
            [0, 5, _, _, msg @ ..] => (
                format!(
                    "TFTP ERROR to a read request ({})",
                    escape_excerpt(msg.split(|c| *c == 0).next().unwrap_or_default(), 60)
                ),
                vec![],
            ),
            [0, 3, ..] => ("TFTP DATA to a read request".into(), vec![]),
            _ => return None,
        },
        Kind::Dtls => {
            use iotvet_wire::tls::DtlsAnswer;
            let version = |v: u16| match v {
                0xfeff => "DTLS 1.0",
                0xfefd => "DTLS 1.2",
                _ => "DTLS 1.3",
            };
            let how = match iotvet_wire::tls::read_dtls_answer(b)? {
                DtlsAnswer::Handshake { record_version, message: 3 } => {
                    let _ = record_version; // HelloVerifyRequest is sent as DTLS 1.0 whatever the version (RFC 6347 §4.2.1)
                    "DTLS HelloVerifyRequest (cookie exchange) to a ClientHello".to_owned()
                }
                DtlsAnswer::Handshake { record_version, message: 2 } => {
                    format!("{} ServerHello to a ClientHello", version(record_version))
                }
                // A ClientHello back is our own hello echoed, not a server.
                DtlsAnswer::Handshake { message: 1, .. } => return None,
                DtlsAnswer::Handshake { record_version, message } => {
                    format!("{} handshake message {message} to a ClientHello", version(record_version))
                }
                DtlsAnswer::Alert { level, description } => {
                    format!("DTLS alert (level {level}, description {description}) to a ClientHello")
                }
            };
            (how, vec![])
        }
    };
    Some((name(kind), how, revealed))
}

/// What each protocol's reader makes of one datagram, for every protocol iotvet asks (the
/// fuzz target's entry point: every UDP answer reader over the same bytes).
pub fn read_as_every_protocol(b: &[u8]) -> Vec<(&'static str, String, Vec<String>)> {
    KINDS.into_iter().filter_map(|k| classify(k, b)).collect()
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Coap => "coap",
        Kind::Ssdp => "ssdp",
        Kind::Snmp => "snmp",
        Kind::Mdns => "mdns",
        Kind::Tftp => "tftp",
        Kind::Dtls => "dtls",
        Kind::Snmpv3 => "snmpv3",
    }
}

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
            let mut chosen = None;
            if let Some(cookie) = iotvet_wire::tls::hello_verify_cookie(answer) {
                let again = dtls_hello().dtls_datagram_with_cookie(dtls_random(), &cookie);
                if socket.send_to(&again, addr).await.is_ok() {
                    chosen = recv_from(socket, addr, timeout)
                        .await
                        .and_then(|b| iotvet_wire::tls::dtls_server_hello_version(&b));
                }
            }
            if let Some(v) = chosen {
                how = format!("{how}; {} ServerHello after the cookie exchange", dtls_name(v));
            }
            if chosen != Some(0xfeff) {
                if let Some(Ok(0xfeff)) = dtls_handshake(addr, 0xfeff, timeout).await {
                    revealed.push("accepts DTLS 1.0 (a ServerHello to a DTLS 1.0-only hello)".into());
                }
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

/// The DTLS probe's hello (at most DTLS 1.2).
fn dtls_hello() -> iotvet_wire::tls::Hello<'static> {
    iotvet_wire::tls::Hello::new(None, 0xfefd, &DTLS_SUITES)
}

/// The DTLS probe's client random: one per run, so the hello sent again with the cookie is the
/// same hello (RFC 6347 §4.2.1).
fn dtls_random() -> [u8; 32] {
    static RANDOM: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    *RANDOM.get_or_init(iotvet_wire::tls::random)
}

fn dtls_name(version: u16) -> &'static str {
    match version {
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        _ => "DTLS 1.3",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_and_others_are_not() {
        let coap =
            [0x60, 0x45, 0x5a, 0x17, 0xc1, 0x28, 0xff, b'<', b'/', b't', b'>', b',', b'<', b'/', b'f', b'w', b'>'];
        let (_, how, res) = classify(Kind::Coap, &coap).unwrap();
        assert!(how.contains("2.05"), "{how}");
        assert_eq!(res, vec!["</t>", "</fw>"]);
        assert!(classify(Kind::Coap, &[0x60, 0x45, 0, 1]).is_none(), "another message id");
        // Our own request sent back (an echo service) is no CoAP server, nor any other protocol.
        let addr: SocketAddr = "127.0.0.1:7".parse().unwrap();
        for kind in KINDS {
            assert!(classify(kind, &request(kind, addr)).is_none(), "{kind:?} took its own request for an answer");
        }
        let ssdp = b"HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.2:49152/desc.xml\r\nSERVER: Linux UPnP/1.0\r\n\r\n";
        let (_, _, res) = classify(Kind::Ssdp, ssdp).unwrap();
        assert_eq!(res[0], "LOCATION: http://10.0.0.2:49152/desc.xml");
        assert!(classify(Kind::Tftp, b"\x00\x05\x00\x01File not found\x00").unwrap().1.contains("File not found"));
        assert!(classify(Kind::Mdns, &[0; 12]).is_none());
        // A DNS-SD answer: the question, then two PTR records, the second compressed.
        let mut m = vec![0x17, 0x17, 0x84, 0, 0, 1, 0, 2, 0, 0, 0, 0];
        let question = 12;
        for label in ["_services", "_dns-sd", "_udp", "local"] {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 12, 0, 1]);
        let mut rdata = vec![5];
        rdata.extend_from_slice(b"_http");
        rdata.extend_from_slice(&[4]);
        rdata.extend_from_slice(b"_tcp");
        rdata.extend_from_slice(&[0xc0, (question + 23) as u8]); // -> "local", 23 bytes into the question
        m.extend_from_slice(&[0xc0, question as u8, 0, 12, 0, 1, 0, 0, 0, 10, 0, rdata.len() as u8]);
        m.extend_from_slice(&rdata);
        let mut rdata2 = vec![4];
        rdata2.extend_from_slice(b"_hap");
        rdata2.extend_from_slice(&[4]);
        rdata2.extend_from_slice(b"_tcp");
        rdata2.extend_from_slice(&[0xc0, (question + 23) as u8]);
        m.extend_from_slice(&[0xc0, question as u8, 0, 12, 0, 1, 0, 0, 0, 10, 0, rdata2.len() as u8]);
        m.extend_from_slice(&rdata2);
        let (protocol, how, revealed) = classify(Kind::Mdns, &m).unwrap();
        assert!(how.contains("2 records") && protocol == "mdns", "{how}");
        assert_eq!(revealed, vec!["service: _http._tcp.local", "service: _hap._tcp.local"]);
        // The same answer from a recursive resolver, or a refusal, is DNS, not mDNS.
        let mut dns = m.clone();
        dns[3] = 0x80;
        assert_eq!(classify(Kind::Mdns, &dns).unwrap().0, "dns");
        let refused = [0x17, 0x17, 0x81, 0x85, 0, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(classify(Kind::Mdns, &refused).unwrap().0, "dns");
        // A pointer loop ends the reading instead of spinning.
        let mut looped = m[..12].to_vec();
        looped[5] = 0;
        looped.extend_from_slice(&[0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 10, 0, 2, 0xc0, 24]);
        assert_eq!(iotvet_wire::dns::ptr_answers(&looped), Vec::<String>::new());
        for kind in KINDS {
            assert!(classify(kind, b"").is_none());
            assert!(classify(kind, b"\xff\xff\xff\xff garbage").is_none(), "{kind:?}");
        }
    }
}
