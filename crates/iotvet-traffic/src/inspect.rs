//! What a flow is, by its content on any port, and what it says: the protocol (TLS, DTLS, QUIC,
//! SSH, HTTP, DNS, mDNS, SSDP, MQTT, CoAP, NTP, DHCP, telnet, FTP, SMTP, IMAP, POP3, RTSP, SNMP,
//! TFTP), whether it is encrypted, and its metadata — with the wire parsers the live probes use
//! (`iotvet_wire`), read from the other side. An unknown payload gets an entropy estimate:
//! at least 7.2 bits per byte over at least 128 bytes is "probably encrypted" (random data is
//! near 8, text and most binary protocols well under 6); under 6 with mostly printable bytes is
//! plaintext; in between, or with less data, it cannot be told.

use iotvet_core::traffic::{FlowSeen, FlowTls, HttpExchange, MqttSeen};
use iotvet_wire::client_hello::{self, ClientHello};
use iotvet_wire::fingerprint::{self, Transport as Fp};
use iotvet_wire::{dns, greeting, http, mqtt, snmp, tls};

use crate::flows::{Flow, Side};

/// A secret or personal datum found in a flow (before masking).
pub struct Found {
    pub kind: &'static str,
    pub value: String,
    pub packet: u64,
    pub how: String,
}

/// Names learnt from the flow: (ip, name, how).
pub type Names = Vec<(String, String, &'static str)>;

pub struct Inspected {
    pub flow: FlowSeen,
    pub found: Vec<Found>,
    pub names: Names,
    /// FTP data connections this control flow announced: (address, port).
    pub data_channels: Vec<(std::net::IpAddr, u16)>,
}

/// The data connections an FTP control flow announces: `227 … (h1,h2,h3,h4,p1,p2)` (PASV),
/// `229 … (|||port|)` (EPSV, on the server's address), `PORT h1,…,p2`, `EPRT |1|ip|port|`.
fn ftp_data_channels(flow: &Flow) -> Vec<(std::net::IpAddr, u16)> {
    let mut out = Vec::new();
    let six = |t: &str| -> Option<(std::net::IpAddr, u16)> {
        // Six numbers of 0–255 each (anything else is not an address and port).
        let n: Vec<u8> = t.split(',').map(|x| x.trim().parse().ok()).collect::<Option<Vec<u8>>>()?;
        let [a, b, c, d, p1, p2] = n.as_slice() else { return None };
        let ip = std::net::Ipv4Addr::new(*a, *b, *c, *d);
        Some((std::net::IpAddr::V4(ip), u16::from(*p1) * 256 + u16::from(*p2)))
    };
    for line in String::from_utf8_lossy(&flow.to_client.stream).lines() {
        if line.starts_with("227") {
            if let Some(inner) = line.split('(').nth(1).and_then(|r| r.split(')').next()) {
                out.extend(six(inner));
            } else if let Some(last) = line.split_whitespace().last() {
                out.extend(six(last.trim_end_matches('.')));
            }
        } else if line.starts_with("229") {
            if let Some(port) = line.split("|||").nth(1).and_then(|r| r.split('|').next()).and_then(|p| p.parse().ok())
            {
                out.push((flow.server.ip(), port));
            }
        }
    }
    for line in String::from_utf8_lossy(&flow.to_server.stream).lines() {
        let upper = line.to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("PORT ") {
            out.extend(six(rest.trim()));
        } else if upper.starts_with("EPRT ") {
            let parts: Vec<&str> = line.get(5..).unwrap_or_default().trim().split('|').collect();
            if let (Some(ip), Some(port)) =
                (parts.get(2).and_then(|i| i.parse().ok()), parts.get(3).and_then(|p| p.parse().ok()))
            {
                out.push((ip, port));
            }
        }
    }
    out.truncate(256);
    out
}

/// Shannon entropy in bits per byte.
pub fn entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &x in b {
        if let Some(c) = counts.get_mut(usize::from(x)) {
            *c += 1;
        }
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The IANA name of a cipher suite, or its code.
fn suite_name(code: u16) -> String {
    tls::suite_name(code).unwrap_or_else(|| format!("0x{code:04x}"))
}

/// Suites a client should not offer: no encryption, export grade, anonymous, RC4, DES/3DES, MD5.
fn weak_suite(name: &str) -> bool {
    ["_NULL_", "_EXPORT", "_anon_", "_RC4_", "_DES_", "_DES40_", "_3DES_", "_MD5"].iter().any(|w| name.contains(w))
        || name.ends_with("_NULL_SHA")
}

fn version_name(v: u16) -> String {
    match v {
        0x7f00..=0x7fff => format!("TLSv1.3 (draft {})", v & 0xff),
        0xfeff => "DTLSv1.0".into(),
        0xfefd => "DTLSv1.2".into(),
        0xfefc => "DTLSv1.3".into(),
        v => tls::version_name(v),
    }
}

fn tls_of(hello: Option<&ClientHello>, transport: Fp) -> FlowTls {
    let mut t = FlowTls::default();
    if let Some(h) = hello {
        t.sni = h.sni.clone();
        t.client_versions = h.offered_versions().into_iter().map(version_name).collect();
        // Named only when weak (a ClientHello offers dozens; an unknown code is never weak).
        t.weak_client_suites = h
            .cipher_suites
            .iter()
            .filter(|c| tls::suite_str(**c).is_some_and(weak_suite))
            .map(|c| suite_name(*c))
            .collect();
        t.alpn = h.alpn.clone();
        t.ja3 = Some(fingerprint::ja3(h));
        t.ja4 = Some(fingerprint::ja4(h, transport));
    }
    t
}

/// What the server chose, from its ServerHello: version, suite, JA3S.
fn chosen(t: &mut FlowTls, hello: &tls::ServerHello) {
    t.version = Some(version_name(hello.version));
    t.cipher_suite = Some(suite_name(hello.cipher_suite));
    t.ja3s = Some(fingerprint::ja3s(hello.legacy_version, hello.cipher_suite, &hello.extensions));
}

/// Certificates already described, by their DER: a device meets the same server certificate
/// on every connection to its cloud, and describing one (parsing, checking its signature) costs
/// more than reading the rest of the flow. Emptied when it reaches `CERTS_CAP` entries.
#[derive(Default)]
pub struct Certs(std::collections::HashMap<Vec<u8>, iotvet_core::case::CertificateInfo>);

const CERTS_CAP: usize = 4096;

impl Certs {
    fn describe(&mut self, der: &[u8]) -> Option<iotvet_core::case::CertificateInfo> {
        if let Some(info) = self.0.get(der) {
            return Some(info.clone());
        }
        let info = iotvet_wire::cert::describe(der).ok()?;
        if self.0.len() >= CERTS_CAP {
            self.0.clear();
        }
        self.0.insert(der.to_vec(), info.clone());
        Some(info)
    }
}

/// The server's first flight in clear: version, suite, JA3S, certificates (TLS ≤ 1.2).
fn server_flight(t: &mut FlowTls, bytes: &[u8], certs: &mut Certs) {
    let flight = tls::read_flight(bytes);
    let Some(hello) = flight.hello else { return };
    chosen(t, &hello);
    for (kind, body) in &flight.messages {
        if *kind == 11 {
            t.certificates = certificates(body, certs);
        }
    }
}

/// The DER certificates of a TLS 1.2 Certificate message, described as the live assessment does.
fn certificates(body: &[u8], certs: &mut Certs) -> Vec<iotvet_core::case::CertificateInfo> {
    let mut out = Vec::new();
    let Some(list) = body.get(3..) else { return out };
    let mut at = 0;
    while let Some(&[a, b, c]) = list.get(at..at + 3) {
        let len = u32::from_be_bytes([0, a, b, c]) as usize;
        let Some(der) = list.get(at + 3..at + 3 + len) else { break };
        if let Some(info) = certs.describe(der) {
            out.push(info);
        }
        at += 3 + len;
        if out.len() >= 8 {
            break;
        }
    }
    out
}

fn first_datagram(side: &Side) -> &[u8] {
    side.datagrams.first().map(|(_, d)| d.as_slice()).unwrap_or_default()
}

fn first_bytes(flow: &Flow) -> (&[u8], &[u8]) {
    if flow.udp {
        (first_datagram(&flow.to_server), first_datagram(&flow.to_client))
    } else {
        (&flow.to_server.stream, &flow.to_client.stream)
    }
}

/// QUIC long header: form and fixed bits set, a known version (v1, v2, drafts).
fn quic_version(b: &[u8]) -> Option<u32> {
    let (&first, rest) = b.split_first()?;
    if first & 0xc0 != 0xc0 {
        return None;
    }
    let v = u32::from_be_bytes([*rest.first()?, *rest.get(1)?, *rest.get(2)?, *rest.get(3)?]);
    matches!(v, 0x0000_0001 | 0x6b33_43cf | 0xff00_001d..=0xff00_0022 | 0x5130_3433 | 0x5130_3436 | 0x5130_3530)
        .then_some(v)
}

fn is_dhcp(b: &[u8]) -> bool {
    b.get(236..240) == Some(&[0x63, 0x82, 0x53, 0x63]) && matches!(b.first(), Some(1 | 2))
}

/// NTP on port 123: a 48-byte (or longer, with extensions) time packet, or a mode 6/7 control
/// message (at least 8 bytes).
fn is_ntp(b: &[u8], ports: (u16, u16)) -> bool {
    let Some(&first) = b.first() else { return false };
    let (version, mode) = ((first >> 3) & 7, first & 7);
    (ports.0 == 123 || ports.1 == 123)
        && matches!(version, 1..=4)
        && (b.len() >= 48 || (matches!(mode, 6 | 7) && b.len() >= 8))
}

/// FTP commands a client sends (RFC 959 §4.1), to recognise a control flow caught mid-way.
const FTP_COMMANDS: [&str; 16] = [
    "USER", "PASS", "RETR", "STOR", "LIST", "NLST", "PORT", "PASV", "EPSV", "EPRT", "CWD", "TYPE", "SYST", "FEAT",
    "QUIT", "SIZE",
];

fn ftp_mid_flow(c: &[u8], s: &[u8]) -> bool {
    let word: String = c.iter().take(4).map(|b| char::from(*b).to_ascii_uppercase()).collect();
    FTP_COMMANDS.iter().any(|w| word.starts_with(w))
        && greeting::reply_code(s.get(..s.len().min(512)).unwrap_or_default()).is_some()
}

fn is_coap(b: &[u8]) -> bool {
    // Version 1, token length ≤ 8, a request (0.01–0.04) or a response (2.xx–5.xx) or empty.
    match b {
        [first, code, ..] => first >> 6 == 1 && first & 0x0f <= 8 && matches!(code >> 5, 0 | 2 | 4 | 5),
        _ => false,
    }
}

fn is_tftp(b: &[u8], ports: (u16, u16)) -> bool {
    (ports.0 == 69 || ports.1 == 69)
        && matches!(b, [0, 1 | 2, ..])
        && b.iter().skip(2).filter(|c| **c == 0).count() >= 2
}

/// The protocol and how it was told, from the first bytes each way.
fn classify(flow: &Flow, c: &[u8], s: &[u8]) -> (&'static str, Option<bool>, String) {
    let ports = (flow.client.port(), flow.server.port());
    if flow.udp {
        if matches!(c, [0x16, 0xfe, 0xff | 0xfd | 0xfc, ..]) || matches!(s, [0x16 | 0x15, 0xfe, 0xff | 0xfd | 0xfc, ..])
        {
            return ("dtls", Some(true), "DTLS handshake record".into());
        }
        if let Some(v) = quic_version(c) {
            return ("quic", Some(true), format!("QUIC long header, version 0x{v:08x}"));
        }
        if is_dhcp(c) || is_dhcp(s) {
            return ("dhcp", Some(false), "BOOTP with the DHCP magic cookie".into());
        }
        if is_ntp(c, ports) {
            return ("ntp", Some(false), "48-byte NTP packet on port 123".into());
        }
        if (ports.0 == 137 || ports.1 == 137) && netbios_name(c).or_else(|| netbios_name(s)).is_some() {
            return ("netbios-ns", Some(false), "NetBIOS name service message on port 137".into());
        }
        if let Some(m) = dns::parse(c).or_else(|| dns::parse(s)) {
            if ports.1 == 5353 || ports.0 == 5353 {
                return ("mdns", Some(false), "DNS message on port 5353".into());
            }
            if (!m.questions.is_empty() || !m.answers.is_empty())
                && (ports.1 == 53 || ports.0 == 53 || m.questions.len() == 1)
            {
                return ("dns", Some(false), "DNS message with a question".into());
            }
        }
        if c.starts_with(b"M-SEARCH * HTTP/1.1") || c.starts_with(b"NOTIFY * HTTP/1.1") {
            return ("ssdp", Some(false), "SSDP request line".into());
        }
        if let Some((version, _)) = snmp::message_header(c).or_else(|| snmp::message_header(s)) {
            return match version {
                3 => ("snmp", None, "SNMPv3 message (privacy not told apart)".into()),
                v => (
                    "snmp",
                    Some(false),
                    format!("SNMP {} message with a community", if v == 0 { "v1" } else { "v2c" }),
                ),
            };
        }
        if is_tftp(c, ports) {
            return ("tftp", Some(false), "TFTP read/write request on port 69".into());
        }
        if is_coap(c) && (ports.1 == 5683 || ports.0 == 5683 || (is_coap(s) && !s.is_empty())) {
            return ("coap", Some(false), "CoAP message".into());
        }
        if c.starts_with(b"HTTP/1.1 200") && (ports.0 == 1900 || ports.1 == 1900) {
            return ("ssdp", Some(false), "SSDP answer".into());
        }
        return unknown(c, s);
    }
    // TCP
    if matches!(c, [0x16, 3, 0..=4, ..]) {
        let dot = ports.1 == 853;
        return (
            if dot { "dot" } else { "tls" },
            Some(true),
            if dot { "TLS on port 853 (DNS over TLS)" } else { "TLS ClientHello" }.into(),
        );
    }
    if let Some(v) = sslv2_hello(c) {
        return ("tls", Some(true), format!("SSLv2-format ClientHello (version 0x{v:04x})"));
    }
    if c.starts_with(b"SSH-") || s.starts_with(b"SSH-") {
        return ("ssh", Some(true), "SSH identification string".into());
    }
    if let Some(r) = http::parse_request(c) {
        let proto = if r.version.starts_with("RTSP/") { "rtsp" } else { "http" };
        return (proto, Some(false), format!("{} request line", r.method));
    }
    if http::looks_like_request(c) {
        return ("http", Some(false), "HTTP request method".into());
    }
    if mqtt::read_connect(c).is_some() {
        return ("mqtt", Some(false), "MQTT CONNECT".into());
    }
    if let Some(g) = greeting::read(s) {
        use greeting::Greeting::*;
        let starttls = |cmd: &[u8]| iotvet_wire::bytes::find_ci(c, cmd).is_some();
        return match g {
            Telnet(_) | LoginPrompt => {
                ("telnet", Some(false), "server opens with telnet negotiation or a login prompt".into())
            }
            Ssh(_) => ("ssh", Some(true), "SSH identification string".into()),
            Ftp(_) if starttls(b"AUTH TLS") => ("ftp", Some(true), "FTP greeting, then AUTH TLS".into()),
            Ftp(_) => ("ftp", Some(false), "FTP greeting (220)".into()),
            Smtp(_) if starttls(b"STARTTLS") => ("smtp", Some(true), "SMTP greeting, then STARTTLS".into()),
            Smtp(_) => ("smtp", Some(false), "SMTP greeting (220 … SMTP)".into()),
            Imap(_) if starttls(b"STARTTLS") => ("imap", Some(true), "IMAP greeting, then STARTTLS".into()),
            Imap(_) => ("imap", Some(false), "IMAP greeting (* OK)".into()),
            Pop3(_) if starttls(b"STLS") => ("pop3", Some(true), "POP3 greeting, then STLS".into()),
            Pop3(_) => ("pop3", Some(false), "POP3 greeting (+OK)".into()),
        };
    }
    if ftp_mid_flow(c, s) {
        return ("ftp", Some(false), "FTP commands and replies (the greeting is not in the capture)".into());
    }
    if iotvet_wire::telnet::opens_with_negotiation(c) {
        return ("telnet", Some(false), "client opens with telnet negotiation".into());
    }
    if ports.1 == 53 && c.len() > 2 && dns::parse(c.get(2..).unwrap_or_default()).is_some() {
        return ("dns", Some(false), "DNS over TCP".into());
    }
    if s.starts_with(b"HTTP/") || s.starts_with(b"RTSP/") {
        return ("http", Some(false), "HTTP response".into());
    }
    if inline_hello(c).is_some() {
        return ("tls", Some(true), "TLS ClientHello after a plaintext upgrade (STARTTLS or similar)".into());
    }
    if tls_records(c) || tls_records(s) {
        return ("tls", Some(true), "TLS records (the handshake is not in the capture)".into());
    }
    unknown(c, s)
}

fn unknown(c: &[u8], s: &[u8]) -> (&'static str, Option<bool>, String) {
    let sample = if c.len() >= s.len() { c } else { s };
    let sample = sample.get(..sample.len().min(4096)).unwrap_or_default();
    if sample.is_empty() {
        return ("unknown", None, "no payload".into());
    }
    let e = entropy(sample);
    let printable =
        sample.iter().filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()).count() * 100 / sample.len();
    if sample.len() >= 128 && e >= 7.2 {
        (
            "unknown",
            Some(true),
            format!("unrecognised payload with {e:.2} bits/byte over {} bytes: probably encrypted", sample.len()),
        )
    } else if e < 6.0 && printable >= 80 {
        ("unknown", Some(false), format!("unrecognised payload, {printable}% printable text: plaintext"))
    } else {
        (
            "unknown",
            None,
            format!("unrecognised payload ({e:.2} bits/byte over {} bytes): cannot be told", sample.len()),
        )
    }
}

/// The version of an SSLv2-format ClientHello (RFC 6101 Appendix E.1: a 2-byte length with the
/// high bit set, message type 1, then the version), which old clients send to reach SSLv2 and
/// SSLv3/TLS servers alike.
fn sslv2_hello(b: &[u8]) -> Option<u16> {
    match *b {
        [hi, lo, 1, v0, v1, ..] if hi & 0x80 != 0 => {
            let len = usize::from(u16::from_be_bytes([hi & 0x7f, lo]));
            let version = u16::from_be_bytes([v0, v1]);
            (len >= 9 && matches!(version, 0x0002 | 0x0300..=0x0303)).then_some(version)
        }
        _ => None,
    }
}

/// Whether `b` starts with well-formed TLS records (content type 20–23, version 3.0–3.4, a
/// plausible length), at least two of them or one that fills the bytes.
fn tls_records(b: &[u8]) -> bool {
    let mut at = 0;
    let mut records = 0;
    while let Some(&[kind, 3, minor, hi, lo]) = b.get(at..at + 5) {
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if !(20..=23).contains(&kind) || minor > 4 || len == 0 || len > 18_432 {
            return false;
        }
        records += 1;
        at += 5 + len;
        if at >= b.len() {
            return true;
        }
    }
    records >= 2
}

/// A ClientHello that starts a line of a plaintext exchange (after STARTTLS, `<starttls/>`,
/// `AUTH TLS`, …): its offset and the hello.
fn inline_hello(c: &[u8]) -> Option<(usize, ClientHello)> {
    let mut from = 0;
    while let Some(p) = c.get(from..)?.windows(3).position(|w| matches!(w, [0x16, 3, 0..=4])) {
        let at = from + p;
        let after_text = at > 0 && matches!(c.get(at - 1), Some(b'\n') | Some(b'>'));
        if after_text {
            if let Some(h) = client_hello::read_tls(c.get(at..)?) {
                return Some((at, h));
            }
        }
        from = at + 1;
    }
    None
}

/// The server's TLS records after its plaintext reply to the upgrade.
fn inline_flight(s: &[u8]) -> &[u8] {
    let mut from = 0;
    while let Some(p) = s.get(from..).and_then(|r| r.windows(3).position(|w| matches!(w, [0x16, 3, 0..=4]))) {
        let at = from + p;
        if at > 0 && matches!(s.get(at - 1), Some(b'\n') | Some(b'>')) {
            return s.get(at..).unwrap_or_default();
        }
        from = at + 1;
    }
    &[]
}

/// HTTP requests and responses of a flow's kept bytes (at most 8 of each).
fn http_exchanges(flow: &Flow) -> Vec<HttpExchange> {
    let mut out: Vec<HttpExchange> = Vec::new();
    let mut at = 0;
    let c = &flow.to_server;
    while let Some(r) = c.stream.get(at..).and_then(http::parse_request) {
        let packet = c.packet_at(at);
        let auth = r.header("authorization").map(|a| a.split_whitespace().next().unwrap_or("").to_ascii_lowercase());
        out.push(HttpExchange {
            packet,
            method: r.method.clone(),
            host: r.header("host").map(str::to_owned),
            path: r.target.clone(),
            user_agent: r.header("user-agent").map(str::to_owned),
            content_type: r.header("content-type").map(str::to_owned),
            authorization: auth,
            ..HttpExchange::default()
        });
        let body = r.header("content-length").and_then(|l| l.parse::<usize>().ok()).unwrap_or(0);
        at += r.body_offset + body;
        if out.len() >= 8 || r.body_offset == 0 {
            break;
        }
    }
    let s = &flow.to_client;
    let mut at = 0;
    let mut i = 0;
    while let Some(h) = s.stream.get(at..).and_then(http::parse_head) {
        if let Some(x) = out.get_mut(i) {
            x.status = Some(h.status);
            x.response_content_type = h.header("content-type").map(str::to_owned);
            x.response_length = h.header("content-length").and_then(|l| l.parse().ok());
        }
        let body = h.header("content-length").and_then(|l| l.parse::<usize>().ok()).unwrap_or(usize::MAX / 2);
        at = at.saturating_add(h.body_offset).saturating_add(body);
        i += 1;
        if i >= 8 || h.body_offset == 0 {
            break;
        }
    }
    out
}

/// Inspects a flow that has ended (or the capture has).
pub fn inspect(flow: &Flow, certs: &mut Certs) -> Inspected {
    let (c, s) = first_bytes(flow);
    let (protocol, encrypted, identified_by) = classify(flow, c, s);
    let mut seen = FlowSeen {
        client: crate::hosts::addr_text(flow.client),
        server: crate::hosts::addr_text(flow.server),
        transport: if flow.udp { iotvet_core::case::Transport::Udp } else { iotvet_core::case::Transport::Tcp },
        protocol: protocol.to_owned(),
        encrypted,
        identified_by,
        packets: flow.packets,
        bytes: flow.bytes,
        payload_bytes: flow.payload_bytes,
        first_packet: flow.first,
        last_packet: flow.last,
        server_name: None,
        tls: None,
        http: vec![],
        // The recorder thread fills these in (it reads the flow's DNS messages as they come).
        dns: Vec::new(),
        mqtt: None,
        entropy: None,
        update: None,
    };
    let mut found = Vec::new();
    let mut names: Names = Vec::new();
    match protocol {
        "tls" if sslv2_hello(c).is_some() => {
            let v = sslv2_hello(c).unwrap_or(2);
            let mut t = FlowTls { client_versions: vec!["SSLv2".into()], ..FlowTls::default() };
            if v >= 0x0300 {
                t.client_versions.extend((0x0300..=v).map(version_name));
            }
            server_flight(&mut t, s, certs);
            seen.tls = Some(Box::new(t));
        }
        "tls" | "dot" => {
            let (hello, flight) = match client_hello::read_tls(c) {
                Some(h) => (Some(h), s),
                None => match inline_hello(c) {
                    Some((_, h)) => (Some(h), inline_flight(s)),
                    None => (None, s),
                },
            };
            let mut t = tls_of(hello.as_ref(), Fp::Tcp);
            server_flight(&mut t, flight, certs);

            seen.server_name = t.sni.clone();
            seen.tls = Some(Box::new(t));
        }
        "dtls" => {
            let hello = flow.to_server.datagrams.iter().find_map(|(_, d)| client_hello::read_dtls(d));
            let mut t = tls_of(hello.as_ref(), Fp::Dtls);
            if let Some(h) = flow.to_client.datagrams.iter().find_map(|(_, d)| tls::read_dtls_server_hello(d)) {
                chosen(&mut t, &h);
            }
            seen.server_name = t.sni.clone();
            seen.tls = Some(Box::new(t));
        }
        "quic" => {
            let datagrams: Vec<&[u8]> = flow.to_server.datagrams.iter().map(|(_, d)| d.as_slice()).collect();
            let hello = crate::quic::client_hello_of(&datagrams);
            let mut t = tls_of(hello.as_ref(), Fp::Quic);
            let answers: Vec<&[u8]> = flow.to_client.datagrams.iter().map(|(_, d)| d.as_slice()).collect();
            if let Some(h) = crate::quic::server_hello_of(c, &answers) {
                chosen(&mut t, &h);
            }
            seen.server_name = t.sni.clone();
            seen.tls = Some(Box::new(t));
        }
        "http" | "rtsp" | "ssdp" => {
            seen.http = http_exchanges(flow);
            seen.server_name = seen.http.iter().find_map(|h| h.host.clone()).map(|h| host_only(&h));
            crate::secrets::http(flow, &mut found);
            if protocol == "ssdp" {
                for (_, d) in &flow.to_client.datagrams {
                    if let Some(h) = http::parse_head(d) {
                        if let Some(server) = h.header("server") {
                            names.push((crate::hosts::ip_text(flow.server.ip()), server.to_owned(), "ssdp"));
                        }
                    }
                }
            }
        }
        "mqtt" => {
            let connect = mqtt::read_connect(c);
            let m = MqttSeen {
                client_id: connect.as_ref().map(|x| x.client_id.clone()),
                topics: mqtt::topics(c, 16),
                username: connect.as_ref().is_some_and(|x| x.username.is_some()),
                password: connect.as_ref().is_some_and(|x| x.password.is_some()),
            };
            if let Some(mqtt::Connect { username: Some(user), password: Some(password), .. }) = connect {
                found.push(Found {
                    kind: "credential",
                    value: format!("{user}:{password}"),
                    packet: flow.to_server.packet_at(0),
                    how: "MQTT CONNECT with a username and password in clear".into(),
                });
            }
            seen.mqtt = Some(Box::new(m));
            crate::secrets::payload_scan(&flow.to_server.stream, &flow.to_server, "MQTT payload", &mut found);
        }
        "snmp" => {
            for (packet, d) in &flow.to_server.datagrams {
                if let Some((_, Some(community))) = snmp::message_header(d) {
                    found.push(Found {
                        kind: "credential",
                        value: community,
                        packet: *packet,
                        how: "SNMP v1/v2c community in clear".into(),
                    });
                    break;
                }
            }
        }
        "dhcp" => {
            for (_, d) in flow.to_server.datagrams.iter().chain(&flow.to_client.datagrams) {
                if let Some(name) = dhcp_host_name(d) {
                    names.push((mac_of(d), name, "dhcp"));
                }
            }
        }
        "netbios-ns" => {
            // A registration or refresh names its sender.
            for (_, d) in &flow.to_server.datagrams {
                if let Some((name, 5 | 8 | 9)) = netbios_name(d) {
                    names.push((crate::hosts::ip_text(flow.client.ip()), name, "netbios"));
                }
            }
        }
        "mdns" => {
            for (_, d) in flow.to_server.datagrams.iter().chain(&flow.to_client.datagrams) {
                for r in dns::parse(d).map(|m| m.answers).unwrap_or_default() {
                    if let dns::RData::A(ip) = r.data {
                        names.push((crate::hosts::ip_text(ip.into()), r.name.clone(), "mdns"));
                    }
                }
            }
        }
        "ftp" | "pop3" | "imap" | "smtp" | "telnet" => {
            if let Some((_, h)) = inline_hello(c) {
                let mut t = tls_of(Some(&h), Fp::Tcp);
                server_flight(&mut t, inline_flight(s), certs);
                seen.server_name = t.sni.clone();
                seen.tls = Some(Box::new(t));
            }
            crate::secrets::logins(protocol, flow, &mut found)
        }
        "unknown" => {
            let sample = if c.len() >= s.len() { c } else { s };
            if !sample.is_empty() {
                seen.entropy =
                    Some((entropy(sample.get(..sample.len().min(4096)).unwrap_or_default()) * 100.0).round() / 100.0);
            }
            if seen.encrypted == Some(false) {
                crate::secrets::payload_scan(&flow.to_server.stream, &flow.to_server, "plaintext payload", &mut found);
            }
        }
        _ => {}
    }
    seen.update = crate::update::looks_like_update(&seen);
    let data_channels = if protocol == "ftp" { ftp_data_channels(flow) } else { vec![] };
    Inspected { flow: seen, found, names, data_channels }
}

fn host_only(host: &str) -> String {
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h.to_owned(),
        _ => host.trim_matches(['[', ']']).to_owned(),
    }
}

/// The name of a NetBIOS name service message (RFC 1002 §4.2): the question's first-level
/// encoded name (32 letters A–P, two per byte), its padding trimmed, and the opcode
/// (5 registration, 8 and 9 refresh, 0 query).
fn netbios_name(b: &[u8]) -> Option<(String, u8)> {
    let opcode = (b.get(2)? >> 3) & 0x0f;
    if b.get(12) != Some(&0x20) {
        return None;
    }
    let encoded = b.get(13..45)?;
    let mut name = Vec::with_capacity(16);
    for pair in encoded.chunks_exact(2) {
        let (hi, lo) = (*pair.first()?, *pair.get(1)?);
        if !(b'A'..=b'P').contains(&hi) || !(b'A'..=b'P').contains(&lo) {
            return None;
        }
        name.push(((hi - b'A') << 4) | (lo - b'A'));
    }
    // Fifteen characters padded with spaces, then the name type.
    let text: String = name.iter().take(15).map(|c| char::from(*c)).collect::<String>().trim_end().to_owned();
    (!text.is_empty() && text.chars().all(|c| c.is_ascii_graphic())).then_some((text, opcode))
}

/// DHCP option 12 (host name).
fn dhcp_host_name(d: &[u8]) -> Option<String> {
    let mut at = 240;
    while let Some(&code) = d.get(at) {
        match code {
            0 => at += 1,
            255 => return None,
            _ => {
                let len = usize::from(*d.get(at + 1)?);
                if code == 12 {
                    return Some(String::from_utf8_lossy(d.get(at + 2..at + 2 + len)?).into_owned());
                }
                at += 2 + len;
            }
        }
    }
    None
}

/// The client hardware address of a BOOTP message, as `aa:bb:cc:dd:ee:ff`.
fn mac_of(d: &[u8]) -> String {
    d.get(28..34).map(crate::hosts::mac_text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow_with(server_text: &[u8], client_text: &[u8]) -> Flow {
        let mut table = crate::flows::Table::default();
        let (c, s): (std::net::SocketAddr, std::net::SocketAddr) =
            ("10.0.0.2:40000".parse().unwrap(), "10.0.0.9:21".parse().unwrap());
        let seg = |src, dst, seq, syn, payload: &'static [u8], packet| crate::flows::Segment {
            src,
            dst,
            udp: false,
            src_mac: None,
            seq,
            syn,
            ack: !syn,
            fin: false,
            rst: false,
            payload,
            wire_len: 60,
            packet,
            time: 0.0,
        };
        table.add(&seg(c, s, 1, true, b"", 1));
        let server: &'static [u8] = Box::leak(server_text.to_vec().into_boxed_slice());
        let client: &'static [u8] = Box::leak(client_text.to_vec().into_boxed_slice());
        table.add(&seg(s, c, 100, false, server, 2));
        table.add(&seg(c, s, 2, false, client, 3));
        *table.flows.pop().flatten().unwrap()
    }

    /// Found by the `capture` fuzz target: PASV numbers past 255 overflowed the port.
    #[test]
    fn ftp_data_channels_take_only_real_addresses_and_ports() {
        let f = flow_with(
            b"227 Entering Passive Mode (10,0,0,9,195,80)\r\n227 Oops (1,2,3,4,999,65535)\r\n",
            b"PORT 10,0,0,2,4,1\r\n",
        );
        assert_eq!(ftp_data_channels(&f), [("10.0.0.9".parse().unwrap(), 50000), ("10.0.0.2".parse().unwrap(), 1025)]);
    }
}
