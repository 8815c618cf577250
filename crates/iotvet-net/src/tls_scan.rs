//! The TLS assessment of one endpoint. For each version (SSLv3 to TLS 1.3), offer every suite
//! iotvet knows and record the one the server picks; take it out and offer the rest again,
//! until the server refuses (the way sslyze and testssl.sh enumerate). Then, concurrently: the
//! named groups it accepts (TLS 1.3 by HelloRetryRequest, TLS 1.2 by the curve in its
//! ServerKeyExchange), the size of its DHE prime, compression, secure renegotiation, extended
//! master secret, and the certificate chain as sent in clear up to TLS 1.2. Hand-built hellos
//! (`iotvet_wire::tls`), so suites and versions that no TLS library would negotiate are still seen;
//! through STARTTLS when the service needs it. Suite names are IANA's, from rustls's registry
//! of them (TLS 1.3's `TLS13_` prefix mapped back to `TLS_`). Whatever a server does wrong
//! (garbage, records cut short, silence, endless flights) ends up in `anomalies`, bounded by
//! the timeout and FLIGHT_CAP.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iotvet_core::case::{Protocol, ServiceObservation, TlsScan, TlsSession, TlsVersionSupport};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::bytes::escape_excerpt;
use crate::starttls::StartTls;
use iotvet_wire::tls::{
    group_name, read_flight, read_key_exchange, version_name, Flight, Hello, KeyExchange, ALL_GROUPS, MORE_GROUPS,
};

const TLS13_SUITES: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];
const VERSIONS: [u16; 5] = [0x0300, 0x0301, 0x0302, 0x0303, 0x0304];
/// The most of a server's first flight that is read (a certificate chain fits in far less).
const FLIGHT_CAP: usize = 256 * 1024;
/// At most this many distinct anomalies are kept.
const ANOMALY_CAP: usize = 16;

pub use iotvet_wire::tls::suite_name;

/// Every named suite for SSLv3 to TLS 1.2 (signalling values left out), found once: naming
/// them means 65,536 registry look-ups.
fn legacy_suites() -> &'static [u16] {
    static SUITES: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    SUITES.get_or_init(|| {
        (0u16..=0xffff)
            .filter(|c| !TLS13_SUITES.contains(c) && *c != 0x00ff && *c != 0x5600 && (*c >> 8) != 0x13)
            .filter(|c| suite_name(*c).is_some())
            .collect()
    })
}

/// One TLS endpoint to assess.
#[derive(Debug, Clone)]
pub struct TlsTarget {
    pub addr: SocketAddr,
    /// The name the user gave: sent as SNI when it is a DNS name, and checked against the certificate.
    pub host: String,
    /// The in-band upgrade to do on every connection first, for FTP, SMTP, IMAP, POP3.
    pub starttls: Option<StartTls>,
    /// For each handshake, from connect to the end of the server's first flight.
    pub timeout: Duration,
}

/// What the scan found, and the session it saw in clear (TLS 1.2 and older), which stands in
/// when no library handshake was possible (STARTTLS, or a stack rustls will not talk to).
pub struct TlsAssessment {
    pub scan: TlsScan,
    pub session: Option<TlsSession>,
}

struct Scanner {
    target: TlsTarget,
    handshakes: AtomicU32,
    anomalies: Mutex<BTreeSet<String>>,
    /// The alert descriptions the server refused hellos with.
    alerts: Mutex<BTreeSet<u8>>,
}

impl Scanner {
    fn note(&self, what: String) {
        if let Ok(mut a) = self.anomalies.lock() {
            if a.len() < ANOMALY_CAP {
                a.insert(what);
            }
        }
    }

    /// Sends one hello and reads the answer: up to the ServerHello, or (`full`) the whole
    /// first flight. None when the server refused without a hello; anomalies are noted.
    async fn exchange(&self, hello: &Hello<'_>, full: bool, what: &str) -> Option<Flight> {
        self.handshakes.fetch_add(1, Ordering::Relaxed);
        let record = hello.record(iotvet_wire::tls::random());
        let t = &self.target;
        let attempt = async {
            let mut s = TcpStream::connect(t.addr).await.map_err(|e| format!("connect: {e}"))?;
            if let Some(st) = t.starttls {
                st.upgrade(&mut s, t.timeout).await?;
            }
            s.write_all(&record).await.map_err(|e| format!("sending the hello: {e}"))?;
            let mut buf = Vec::with_capacity(8192);
            let mut chunk = [0u8; 8192];
            loop {
                let n = match s.read(&mut chunk).await {
                    Ok(n) => n,
                    Err(_) if buf.is_empty() => return Ok(None),
                    Err(e) => return Err(format!("connection failed after {} bytes: {e}", buf.len())),
                };
                if n == 0 {
                    let flight = read_flight(&buf);
                    if buf.is_empty() || flight.hello.is_some() || flight.alert.is_some() {
                        return Ok((!buf.is_empty()).then_some(flight));
                    }
                    return Err(format!("closed mid-record after {} bytes", buf.len()));
                }
                buf.extend_from_slice(&chunk[..n]);
                let flight = read_flight(&buf);
                if flight.not_tls {
                    return Err(format!("answer is not TLS: \"{}\"", escape_excerpt(&buf, 40)));
                }
                if flight.complete || (!full && flight.hello.is_some()) {
                    return Ok(Some(flight));
                }
                if buf.len() >= FLIGHT_CAP {
                    self.note(format!("first flight longer than {} KiB; read no further", FLIGHT_CAP / 1024));
                    return Ok(flight.hello.is_some().then_some(flight));
                }
            }
        };
        match tokio::time::timeout(t.timeout, attempt).await {
            Ok(Ok(flight)) => flight,
            Ok(Err(why)) => {
                self.note(format!("{what}: {why}"));
                None
            }
            Err(_) => {
                self.note(format!("{what}: no complete answer within {} ms", t.timeout.as_millis()));
                None
            }
        }
    }

    fn hello<'a>(&'a self, version: u16, suites: &'a [u16]) -> Hello<'a> {
        Hello::for_version(Some(&self.target.host), version, suites)
    }

    /// What the server does with a hello for `version` offering `suites`.
    async fn answer(&self, version: u16, suites: &[u16]) -> Answer {
        let what = format!("{} hello", version_name(version));
        match self.exchange(&self.hello(version, suites), false, &what).await {
            Some(Flight { hello: Some(h), .. }) if h.version == version && suites.contains(&h.cipher_suite) => {
                Answer::Chose(h.cipher_suite)
            }
            Some(Flight { hello: Some(_), .. }) => Answer::Refused,
            Some(Flight { alert: Some((_, description)), .. }) => {
                if let Ok(mut a) = self.alerts.lock() {
                    a.insert(description);
                }
                Answer::Refused
            }
            _ => Answer::Silent,
        }
    }

    /// The suite the server picks for `version` among `suites`, or None when it refuses.
    async fn chosen(&self, version: u16, suites: &[u16]) -> Option<u16> {
        match self.answer(version, suites).await {
            Answer::Chose(suite) => Some(suite),
            _ => None,
        }
    }

    /// Offers `offer` until the server stops choosing from it; returns how it stopped.
    async fn walk(&self, version: u16, offer: &mut Vec<u16>, accepted: &mut Vec<u16>) -> Answer {
        while !offer.is_empty() && accepted.len() < 128 {
            match self.answer(version, offer).await {
                Answer::Chose(suite) => {
                    accepted.push(suite);
                    offer.retain(|c| *c != suite);
                }
                other => return other,
            }
        }
        Answer::Refused
    }

    /// Every suite `version` accepts, in the order the server chose them. A server may pick a
    /// suite it then cannot serve (dovecot without `ssl_dh` picks DHE and hangs up): when it
    /// falls silent instead of sending an alert, the rest of the offer is walked again one
    /// key-exchange family at a time, so the families it can serve are still found.
    async fn suites(&self, version: u16, mut offer: Vec<u16>) -> Vec<u16> {
        let mut accepted = Vec::new();
        if self.walk(version, &mut offer, &mut accepted).await == Answer::Silent && version < 0x0304 {
            for mut family in families(&offer) {
                self.walk(version, &mut family, &mut accepted).await;
            }
        }
        accepted
    }

    /// TLS 1.3 groups: offer them all with no key share; the HelloRetryRequest names the one
    /// the server wants. Take it out, repeat.
    async fn groups13(&self) -> Vec<u16> {
        let mut offer: Vec<u16> = ALL_GROUPS.iter().chain(MORE_GROUPS.iter()).copied().collect();
        let mut found = Vec::new();
        while !offer.is_empty() {
            let hello = Hello { groups: &offer, key_share: false, ..self.hello(0x0304, &TLS13_SUITES) };
            let Some(h) = self.exchange(&hello, false, "TLSv1.3 group hello").await.and_then(|f| f.hello) else {
                break;
            };
            match h.key_share_group.filter(|g| offer.contains(g)) {
                Some(g) => {
                    found.push(g);
                    offer.retain(|c| *c != g);
                }
                None => break,
            }
        }
        found
    }

    /// Groups for ECDHE up to TLS 1.2: the curve named in each ServerKeyExchange.
    async fn groups12(&self, version: u16, ecdhe: &[u16]) -> Vec<u16> {
        let mut offer = ALL_GROUPS.to_vec();
        let mut found = Vec::new();
        while !offer.is_empty() && !ecdhe.is_empty() {
            let hello = Hello { groups: &offer, ..self.hello(version, ecdhe) };
            let Some(flight) = self.exchange(&hello, true, "ECDHE group hello").await else { break };
            match key_exchange(&flight, true) {
                Some(KeyExchange::Ec { group }) if offer.contains(&group) => {
                    found.push(group);
                    offer.retain(|c| *c != group);
                }
                _ => break,
            }
        }
        found
    }

    /// The DHE primes' sizes, from the ServerKeyExchange of each DHE suite apart (a server may
    /// size its prime by the suite's strength: OpenSSL's automatic parameters give 1024 bits to
    /// some suites and 3072 to others), for a client that does not offer RFC 7919 FFDHE groups
    /// (as older clients do not): the server's own primes, not a negotiated group. Distinct
    /// sizes, ascending.
    async fn dh_sizes(&self, version: u16, dhe: &[u16]) -> Vec<u32> {
        let groups: Vec<u16> = ALL_GROUPS.iter().copied().filter(|g| *g >> 8 != 0x01).collect();
        let mut sizes = Vec::new();
        for suite in dhe.iter().take(32) {
            let hello = Hello { groups: &groups, ..self.hello(version, std::slice::from_ref(suite)) };
            let Some(flight) = self.exchange(&hello, true, "DHE hello").await else { continue };
            if let Some(KeyExchange::Dh { prime_bits }) = key_exchange(&flight, false) {
                if !sizes.contains(&prime_bits) {
                    sizes.push(prime_bits);
                }
            }
        }
        sizes.sort_unstable();
        sizes
    }
}

/// How a server answered one hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Chose(u16),
    /// An alert, or a hello for something not offered.
    Refused,
    /// Nothing usable: a close without an alert, a timeout, bytes that are not TLS.
    Silent,
}

/// `suites` split by key exchange (ECDHE, static or anonymous ECDH, DHE and DH, RSA, the
/// rest), each in its original order; empty families left out.
fn families(suites: &[u16]) -> Vec<Vec<u16>> {
    let family = |code: &u16| {
        let name = suite_name(*code).unwrap_or_default();
        ["_ECDHE_", "_ECDH_", "_DH", "TLS_RSA_"].iter().position(|m| name.contains(m)).unwrap_or(4)
    };
    let mut out = vec![Vec::new(); 5];
    for code in suites {
        out[family(code)].push(*code);
    }
    out.retain(|f| !f.is_empty());
    out
}

/// The ServerKeyExchange of a flight, read as (EC)DHE.
fn key_exchange(flight: &Flight, ecdhe: bool) -> Option<KeyExchange> {
    let (_, body) = flight.messages.iter().find(|(kind, _)| *kind == 12)?;
    read_key_exchange(ecdhe, body)
}

/// The certificates of a TLS 1.2 Certificate message (RFC 5246 §7.4.2), at most 8.
fn certificates(flight: &Flight) -> Vec<CertificateDer<'static>> {
    let Some((_, body)) = flight.messages.iter().find(|(kind, _)| *kind == 11) else { return vec![] };
    let mut out = Vec::new();
    let mut at = 3;
    while let Some(&[a, b, c]) = body.get(at..at + 3) {
        let len = u32::from_be_bytes([0, a, b, c]) as usize;
        let Some(der) = body.get(at + 3..at + 3 + len) else { break };
        out.push(CertificateDer::from(der.to_vec()));
        at += 3 + len;
        if out.len() == 8 {
            break;
        }
    }
    out
}

fn named(suites: &[u16], mark: impl Fn(&str) -> bool) -> Vec<u16> {
    suites.iter().copied().filter(|c| suite_name(*c).is_some_and(|n| mark(&n))).collect()
}

/// Assesses one TLS endpoint: versions concurrently, suites one handshake each, then groups,
/// DH size, compression, renegotiation and the certificate concurrently.
pub async fn assess_tls(target: TlsTarget) -> TlsAssessment {
    let clock = Instant::now();
    let scanner = Arc::new(Scanner {
        target,
        handshakes: AtomicU32::new(0),
        anomalies: Mutex::new(BTreeSet::new()),
        alerts: Mutex::new(BTreeSet::new()),
    });
    let legacy = legacy_suites();
    let mut tasks = tokio::task::JoinSet::new();
    for version in VERSIONS {
        let offer = if version == 0x0304 { TLS13_SUITES.to_vec() } else { legacy.to_vec() };
        let scanner = scanner.clone();
        tasks.spawn(async move { (version, scanner.suites(version, offer).await) });
    }
    let mut found: Vec<(u16, Vec<u16>)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(r) => found.push(r),
            Err(e) => scanner.note(format!("a version's enumeration did not finish: {e}")),
        }
    }
    found.sort_by_key(|(v, _)| *v);
    let s = &*scanner;
    // The highest version below 1.3 that accepted something: where 1.2-style details are asked.
    let (top_version, top_suites) =
        found.iter().rev().find(|(v, suites)| *v < 0x0304 && !suites.is_empty()).cloned().unwrap_or((0x0303, vec![]));
    let tls13 = found.iter().any(|(v, suites)| *v == 0x0304 && !suites.is_empty());
    let ecdhe = named(&top_suites, |n| n.contains("_ECDHE_"));
    let dhe = named(&top_suites, |n| n.contains("_DHE_") || n.contains("_DH_anon_"));
    let details = async {
        if top_suites.is_empty() {
            return None;
        }
        let hello = Hello { compression: &[1, 0], ..s.hello(top_version, &top_suites) };
        s.exchange(&hello, true, "details hello").await
    };
    let order = async {
        // Server order: offer the first two suites the server chose, in reverse.
        let (a, b) = (*top_suites.first()?, *top_suites.get(1)?);
        s.chosen(top_version, &[b, a]).await.map(|c| c == a)
    };
    let groups13 = async {
        if tls13 {
            s.groups13().await
        } else {
            vec![]
        }
    };
    let (flight, server_order_enforced, g13, g12, dh_prime_sizes) =
        tokio::join!(details, order, groups13, s.groups12(top_version, &ecdhe), s.dh_sizes(top_version, &dhe));
    let mut groups = g13;
    for g in g12 {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let hello = flight.as_ref().and_then(|f| f.hello.as_ref());
    let has = |ext: u16| hello.map(|h| h.extensions.contains(&ext));
    let session = flight.as_ref().and_then(|f| {
        let h = f.hello.as_ref()?;
        let certs = certificates(f);
        let name = ServerName::try_from(s.target.host.clone())
            .unwrap_or_else(|_| ServerName::IpAddress(s.target.addr.ip().into()));
        Some(TlsSession {
            version: version_name(h.version),
            cipher_suite: suite_name(h.cipher_suite).unwrap_or_else(|| format!("0x{:04x}", h.cipher_suite)),
            alpn: None,
            certificate_chain_bytes: certs.iter().map(|c| c.len()).sum(),
            certificates: certs.len(),
            chain: certs.iter().filter_map(|c| crate::cert::describe(c).ok()).collect(),
            chain_verification: (!certs.is_empty()).then(|| crate::cert::verify_chain(&certs, name)),
        })
    });
    if !found.iter().any(|(_, suites)| !suites.is_empty()) {
        let alerts: Vec<u8> = s.alerts.lock().map(|a| a.iter().copied().collect()).unwrap_or_default();
        if !alerts.is_empty() {
            let names: Vec<String> = alerts.iter().map(|d| iotvet_wire::tls::alert_name(*d)).collect();
            let hint = if alerts.contains(&112) {
                " — the server wants a host name it knows: give it with `--sni NAME` or as the target"
            } else if alerts.contains(&116) {
                " — the server wants a client certificate"
            } else {
                ""
            };
            s.note(format!("the server refused every handshake: {}{hint}", names.join(", ")));
        }
    }
    // TLS 1.3 encrypts the certificate: when none was seen in clear, a library handshake gets
    // it, so `iotvet tls` and `assess` report the same chain.
    let accepted_any = found.iter().any(|(_, suites)| !suites.is_empty());
    let session = match session {
        None if accepted_any && s.target.starttls.is_none() => {
            let o = crate::ProbeOptions {
                connect_timeout: s.target.timeout,
                read_timeout: s.target.timeout,
                ..crate::ProbeOptions::default()
            };
            crate::identify::library_session(s.target.addr, &s.target.host, &o).await.ok()
        }
        other => other,
    };
    let scan = TlsScan {
        versions: found
            .into_iter()
            .map(|(v, suites)| TlsVersionSupport {
                version: version_name(v),
                accepted: !suites.is_empty(),
                cipher_suites: suites.into_iter().filter_map(suite_name).collect(),
            })
            .collect(),
        server_order_enforced,
        groups: groups.into_iter().map(group_name).collect(),
        dh_prime_bits: dh_prime_sizes.first().copied(),
        dh_prime_sizes,
        compression: hello.map(|h| h.compression != 0),
        secure_renegotiation: has(0xff01),
        extended_master_secret: has(0x0017),
        starttls: s.target.starttls.map(|st| st.command().to_owned()),
        anomalies: s.anomalies.lock().map(|a| a.iter().cloned().collect()).unwrap_or_default(),
        handshakes: s.handshakes.load(Ordering::Relaxed),
        duration_ms: clock.elapsed().as_millis() as u64,
    };
    TlsAssessment { scan, session }
}

/// The TLS assessment of an identified service: TLS on connect, or STARTTLS where the
/// protocol has it and the server consents. The session seen in clear fills in for the library
/// handshake when that failed or was not possible.
pub async fn assess_service(
    mut service: ServiceObservation,
    addr: SocketAddr,
    host: &str,
    timeout: Duration,
) -> ServiceObservation {
    let starttls = match service.tls {
        None => StartTls::for_protocol(service.protocol),
        Some(_) => None,
    };
    if let Some(st) = starttls {
        let offered = async {
            let mut s = tokio::time::timeout(timeout, TcpStream::connect(addr)).await.ok()?.ok()?;
            st.upgrade(&mut s, timeout).await.ok()
        };
        if offered.await.is_none() {
            return service;
        }
    } else if service.tls.is_none() && service.protocol != Protocol::Tls {
        return service;
    }
    let a = assess_tls(TlsTarget { addr, host: host.to_owned(), starttls, timeout }).await;
    if service.tls.is_none() {
        service.tls = a.session;
    }
    service.tls_scan = Some(a.scan);
    service
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a misbehaving test server answers every connection.
    #[derive(Clone, Copy)]
    enum Bad {
        Garbage,
        Truncated,
        Endless,
        HugeCertificate,
        /// Picks DHE (0x0033) whenever offered, then hangs up without an alert.
        DheThenHangUp,
        /// Answers every hello with a fatal unrecognized_name alert, as a server that wants SNI.
        WantsSni,
    }

    fn offers(hello: &[u8], suite: [u8; 2]) -> bool {
        let Some(sid) = hello.get(43).map(|b| usize::from(*b)) else { return false };
        let at = 44 + sid;
        let Some(&[hi, lo]) = hello.get(at..at + 2) else { return false };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        hello.get(at + 2..at + 2 + len).is_some_and(|s| s.chunks(2).any(|c| c == suite))
    }

    /// A ServerHello for `version` choosing TLS_RSA_WITH_AES_128_CBC_SHA (0x002f) when the hello
    /// offers it, in one record; None otherwise.
    fn server_hello(hello: &[u8]) -> Option<Vec<u8>> {
        let version = [*hello.get(9)?, *hello.get(10)?];
        let sid = usize::from(*hello.get(43)?);
        let at = 44 + sid;
        let len = usize::from(u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]));
        let suites = hello.get(at + 2..at + 2 + len)?;
        suites.chunks(2).any(|c| c == [0x00, 0x2f]).then_some(())?;
        let mut body = version.to_vec();
        body.extend_from_slice(&[0x42; 32]);
        body.extend_from_slice(&[0, 0x00, 0x2f, 0]);
        let mut msg = vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut record = vec![0x16, 3, version[1], 0, msg.len() as u8];
        record.extend_from_slice(&msg);
        Some(record)
    }

    async fn misbehaving_server(bad: Bad) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut hello = vec![0u8; 16 * 1024];
                    let n = s.read(&mut hello).await.unwrap_or(0);
                    let _ = match bad {
                        Bad::Garbage => s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await,
                        Bad::WantsSni => s.write_all(&[0x15, 3, 3, 0, 2, 2, 112]).await,
                        Bad::Truncated => s.write_all(&[0x16, 3, 3, 0, 80, 2, 0, 0]).await,
                        Bad::Endless => {
                            let _ = s.write_all(&[0x16, 3, 3, 0x40, 0]).await;
                            loop {
                                tokio::time::sleep(Duration::from_millis(20)).await;
                                if s.write_all(&[0x0b]).await.is_err() {
                                    break Ok(());
                                }
                            }
                        }
                        Bad::DheThenHangUp if offers(&hello[..n], [0x00, 0x33]) => Ok(()),
                        Bad::DheThenHangUp => match server_hello(&hello[..n]) {
                            Some(sh) => s.write_all(&sh).await,
                            None => s.write_all(&[0x15, 3, 3, 0, 2, 2, 40]).await,
                        },
                        Bad::HugeCertificate => {
                            let Some(sh) = server_hello(&hello[..n]) else {
                                let _ = s.write_all(&[0x15, 3, 3, 0, 2, 2, 40]).await;
                                return;
                            };
                            let _ = s.write_all(&sh).await;
                            // A Certificate message announcing 10 MB, sent in full-size records.
                            let total = 10 * 1024 * 1024;
                            let mut head = vec![11];
                            head.extend_from_slice(&(total as u32).to_be_bytes()[1..]);
                            let mut sent = 0;
                            let mut first = true;
                            while sent < total {
                                let chunk = 16 * 1024;
                                let mut record = vec![0x16, 3, 3];
                                let mut payload = if first { head.clone() } else { vec![] };
                                first = false;
                                payload.resize(chunk, 0x30);
                                record.extend_from_slice(&(payload.len() as u16).to_be_bytes());
                                record.extend_from_slice(&payload);
                                if s.write_all(&record).await.is_err() {
                                    break;
                                }
                                sent += chunk;
                            }
                            Ok(())
                        }
                    };
                });
            }
        });
        addr
    }

    async fn assess_bad(bad: Bad) -> TlsScan {
        let addr = misbehaving_server(bad).await;
        let target = TlsTarget { addr, host: "bad.test".into(), starttls: None, timeout: Duration::from_millis(400) };
        let started = Instant::now();
        let a = tokio::time::timeout(Duration::from_secs(20), assess_tls(target)).await.expect("the scan ends");
        assert!(started.elapsed() < Duration::from_secs(20));
        a.scan
    }

    #[tokio::test]
    async fn a_server_that_refuses_every_hello_is_said_to_with_the_alert_and_the_hint() {
        let scan = assess_bad(Bad::WantsSni).await;
        assert!(!scan.any_accepted(), "{scan:?}");
        let said = scan.anomalies.iter().find(|a| a.starts_with("the server refused every handshake")).cloned();
        let said = said.unwrap_or_else(|| panic!("no refusal recorded: {:?}", scan.anomalies));
        assert!(said.contains("unrecognized_name") && said.contains("--sni NAME"), "{said}");
    }

    #[tokio::test]
    async fn bad_servers_become_observations() {
        let scan = assess_bad(Bad::Garbage).await;
        assert!(scan.versions.iter().all(|v| !v.accepted), "{scan:?}");
        assert!(scan.anomalies.iter().any(|a| a.contains("answer is not TLS: \"HTTP/1.1 400")), "{:?}", scan.anomalies);

        let scan = assess_bad(Bad::Truncated).await;
        assert!(scan.anomalies.iter().any(|a| a.contains("closed mid-record after 8 bytes")), "{:?}", scan.anomalies);

        let scan = assess_bad(Bad::Endless).await;
        assert!(scan.anomalies.iter().any(|a| a.contains("no complete answer within 400 ms")), "{:?}", scan.anomalies);

        // The first hello of each version is cut off by the DHE choice; walking the key-exchange
        // families apart still finds the RSA suite, and nothing of the DHE family.
        let scan = assess_bad(Bad::DheThenHangUp).await;
        let tls12 = scan.versions.iter().find(|v| v.version == "TLSv1.2").unwrap();
        assert_eq!(tls12.cipher_suites, vec!["TLS_RSA_WITH_AES_128_CBC_SHA"], "{scan:?}");

        let scan = assess_bad(Bad::HugeCertificate).await;
        let accepted: Vec<&str> = scan.versions.iter().filter(|v| v.accepted).map(|v| v.version.as_str()).collect();
        assert_eq!(accepted, vec!["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"], "{scan:?}");
        assert!(scan.anomalies.iter().any(|a| a.contains("longer than 256 KiB")), "{:?}", scan.anomalies);
    }

    #[test]
    fn families_split_by_key_exchange() {
        let f = families(&[0xc02f, 0x0033, 0x002f, 0xc018, 0x009e, 0x00ae, 0x0035]);
        assert_eq!(f, vec![vec![0xc02f], vec![0xc018], vec![0x0033, 0x009e], vec![0x002f, 0x0035], vec![0x00ae]]);
    }

    #[test]
    fn suites_have_their_iana_names() {
        assert_eq!(suite_name(0x000a).as_deref(), Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
        assert_eq!(suite_name(0x1301).as_deref(), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(suite_name(0xc02f).as_deref(), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assert_eq!(suite_name(0x5a5a), None, "GREASE values have no name");
        let legacy = legacy_suites();
        assert!(legacy.len() > 300, "{}", legacy.len());
        assert!(legacy.contains(&0x0005) && !legacy.contains(&0x1301) && !legacy.contains(&0x00ff));
    }
}
