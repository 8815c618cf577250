//! Service identification by content, never by port number. Like nmap's NULL probe followed by
//! its probes, but concurrent: each probe runs on its own connection and the first conclusive
//! answer wins, so a client-first service (HTTP, TLS, MQTT, RTSP) costs one round trip instead
//! of the banner wait. A TLS service is then handshaken with rustls and identified again inside
//! the tunnel. Every read has a deadline and a byte cap.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use iotvet_core::case::{Endpoint, MqttConnack, Protocol, ResponseHead, ServiceObservation, TlsSession, Transport};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use crate::bytes::escape_excerpt;
use iotvet_wire::greeting::{self, Greeting};
use iotvet_wire::tls::{self, HelloAnswer};
use iotvet_wire::{adb, mqtt};

/// Budgets for identifying one service.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub connect_timeout: Duration,
    /// How long to wait for a server that speaks first (telnet, SSH, FTP).
    pub banner_wait: Duration,
    /// How long one probe may wait for its answer, in all.
    pub read_timeout: Duration,
    /// After data has arrived, a silence this long ends the read.
    pub idle_gap: Duration,
    /// At most this many bytes are read from one connection.
    pub byte_cap: usize,
    /// The name to put in Host headers and SNI (what the user typed).
    pub host: String,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            banner_wait: Duration::from_secs(2),
            read_timeout: Duration::from_secs(4),
            idle_gap: Duration::from_millis(250),
            byte_cap: 64 * 1024,
            host: String::new(),
        }
    }
}

pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}
pub(crate) type BoxStream = Box<dyn Stream>;

#[derive(Clone)]
enum Layer {
    Plain,
    Tls(TlsConnector, ServerName<'static>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Banner,
    TlsHello,
    Http,
    Rtsp,
    Mqtt,
    Adb,
}

/// What one probe learned. `strength` 0 = nothing, 1 = a hint, 2 = conclusive, 3 = TLS
/// (beats everything: an HTTPS server answers a plain request with a plain 400).
#[derive(Debug, Default, Clone)]
struct Outcome {
    protocol: Option<Protocol>,
    strength: u8,
    how: String,
    bytes: Vec<u8>,
    response: Option<ResponseHead>,
    mqtt: Option<MqttConnack>,
    telnet_options: Vec<String>,
}

/// Identifies the service on `addr`. Never fails: what could not be identified is `Unknown`,
/// with the first bytes kept as evidence.
pub async fn identify(addr: SocketAddr, options: &ProbeOptions) -> ServiceObservation {
    let plain = identify_layer(
        addr,
        Layer::Plain,
        &[Probe::Banner, Probe::TlsHello, Probe::Http, Probe::Rtsp, Probe::Mqtt, Probe::Adb],
        options,
    )
    .await;
    let endpoint = Endpoint { address: addr.ip().to_string(), port: addr.port(), transport: Transport::Tcp };
    if plain.protocol != Some(Protocol::Tls) {
        return observation(endpoint, plain, None);
    }
    let name = server_name(&options.host, addr);
    let connector = TlsConnector::from(tls_client_config());
    match tls_session(addr, &connector, name.clone(), options).await {
        Err(why) => {
            let mut o = plain;
            o.how = format!("{}; rustls could not complete a handshake: {why}", o.how);
            observation(endpoint, o, None)
        }
        Ok(session) => {
            let inner = identify_layer(
                addr,
                Layer::Tls(connector, name),
                &[Probe::Banner, Probe::Http, Probe::Rtsp, Probe::Mqtt],
                options,
            )
            .await;
            let mut o =
                if inner.protocol.is_some() { inner } else { Outcome { protocol: Some(Protocol::Tls), ..inner } };
            o.how = format!(
                "{}; inside TLS: {}",
                plain.how,
                if o.how.is_empty() { "nothing identified".into() } else { o.how.clone() }
            );
            let mut s = observation(endpoint, o, Some(session));
            s.plain_http = plain_http_face(addr, options).await;
            s
        }
    }
}

/// The plain-HTTP face of a TLS port, if it has one: some servers read the first byte and speak
/// TLS or plain HTTP on the same port. A `400` is the usual "plain HTTP sent to an HTTPS port"
/// refusal, not a face.
async fn plain_http_face(addr: SocketAddr, options: &ProbeOptions) -> Option<ResponseHead> {
    let o = run_probe(Probe::Http, addr, Layer::Plain, options).await;
    o.response.filter(|r| o.protocol == Some(Protocol::Http) && r.status != 400)
}

fn observation(endpoint: Endpoint, o: Outcome, tls: Option<TlsSession>) -> ServiceObservation {
    let protocol = o.protocol.unwrap_or(Protocol::Unknown);
    let how = if o.how.is_empty() { "no probe got an answer".to_owned() } else { o.how };
    ServiceObservation {
        tls,
        banner: (!o.bytes.is_empty()).then(|| escape_excerpt(&o.bytes, 160)),
        response: o.response,
        mqtt: o.mqtt,
        telnet_options: o.telnet_options,
        ..ServiceObservation::new(endpoint, protocol, how)
    }
}

/// Identifies the service over `layer`: all probes at once first (one round trip for most
/// services); if that settles nothing, one probe at a time, because many embedded servers (and
/// `openssl s_server`) serve a single connection at a time and starve the concurrent probes.
async fn identify_layer(addr: SocketAddr, layer: Layer, probes: &[Probe], options: &ProbeOptions) -> Outcome {
    let concurrent = identify_concurrently(addr, layer.clone(), probes, options).await;
    if concurrent.strength >= 2 {
        return concurrent;
    }
    for probe in probes {
        let outcome = run_probe(*probe, addr, layer.clone(), options).await;
        if outcome.strength >= 2 {
            return outcome;
        }
    }
    concurrent
}

/// When each probe connects, relative to the first. A server that serves one connection at a
/// time (s_server, many embedded web servers) takes them in that order, so the likeliest
/// answer comes first and the silent banner probe (and MQTT's binary CONNECT, which a web
/// server waits on for a line) come last instead of holding the only slot until they time out.
fn stagger(probe: Probe) -> Duration {
    let order = match probe {
        Probe::TlsHello => 0,
        Probe::Http => 1,
        Probe::Rtsp => 2,
        Probe::Mqtt => 3,
        Probe::Adb => 4,
        Probe::Banner => 5,
    };
    Duration::from_millis(25 * order)
}

/// Runs the probes concurrently; returns the first conclusive outcome, or the best.
async fn identify_concurrently(addr: SocketAddr, layer: Layer, probes: &[Probe], options: &ProbeOptions) -> Outcome {
    let mut tasks = tokio::task::JoinSet::new();
    for (rank, probe) in probes.iter().copied().enumerate() {
        let (layer, options) = (layer.clone(), options.clone());
        tasks.spawn(async move {
            tokio::time::sleep(stagger(probe)).await;
            (rank, run_probe(probe, addr, layer, &options).await)
        });
    }
    let mut done: Vec<(usize, Outcome)> = Vec::new();
    let mut failed = 0;
    while let Some(joined) = tasks.join_next().await {
        let Ok((rank, outcome)) = joined else {
            // A probe that panicked is one answer fewer; it is said below, never silently lost.
            failed += 1;
            continue;
        };
        if outcome.strength >= 2 {
            // Dropping the JoinSet aborts the probes still running.
            let tls_pending =
                probes.contains(&Probe::TlsHello) && !done.iter().any(|(r, _)| probes[*r] == Probe::TlsHello);
            if outcome.strength == 3 || !tls_pending || outcome.response.as_ref().is_none_or(|r| r.status != 400) {
                return outcome;
            }
        }
        done.push((rank, outcome));
    }
    done.sort_by_key(|(rank, o)| (std::cmp::Reverse(o.strength), *rank));
    let banner_bytes =
        done.iter().find(|(r, o)| probes[*r] == Probe::Banner && !o.bytes.is_empty()).map(|(_, o)| o.bytes.clone());
    let mut best = done.into_iter().next().map(|(_, o)| o).unwrap_or_default();
    if best.strength == 0 {
        best.protocol = None;
        if let Some(b) = banner_bytes {
            best.bytes = b;
            best.how = "the service spoke first, in no protocol iotvet recognises".into();
        } else if !best.bytes.is_empty() {
            best.how = "the service answered iotvet's probes in no protocol it recognises".into();
        }
    }
    if failed > 0 {
        let note = format!("{failed} identification probe(s) failed inside iotvet");
        best.how = if best.how.is_empty() { note } else { format!("{}; {note}", best.how) };
    }
    best
}

async fn run_probe(probe: Probe, addr: SocketAddr, layer: Layer, o: &ProbeOptions) -> Outcome {
    let Ok(mut stream) = open(addr, &layer, o).await else {
        return Outcome::default();
    };
    let host = if o.host.is_empty() { addr.ip().to_string() } else { o.host.clone() };
    let request: Vec<u8> = match probe {
        Probe::Banner => Vec::new(),
        Probe::TlsHello => tls::client_hello(Some(&host), tls::random()),
        Probe::Http => format!(
            "GET / HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: iotvet/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            addr.port(),
            iotvet_core::TOOL_VERSION
        )
        .into_bytes(),
        Probe::Rtsp => format!(
            "OPTIONS rtsp://{host}:{}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: iotvet/{}\r\n\r\n",
            addr.port(),
            iotvet_core::TOOL_VERSION
        )
        .into_bytes(),
        Probe::Mqtt => mqtt::connect("iotvet-probe", None).unwrap_or_default(),
        Probe::Adb => adb::connect(),
    };
    if !request.is_empty() && stream.write_all(&request).await.is_err() {
        return Outcome::default();
    }
    let budget = if probe == Probe::Banner { o.banner_wait } else { o.read_timeout };
    let bytes = read_bounded(&mut stream, o.byte_cap, budget, o.idle_gap, |b| match probe {
        Probe::Banner => false,
        Probe::TlsHello => tls::read_answer(b) != HelloAnswer::Truncated,
        Probe::Http | Probe::Rtsp => response_complete(b),
        Probe::Mqtt => b.len() >= 4,
        Probe::Adb => b.len() >= 24,
    })
    .await;
    if probe == Probe::Mqtt {
        let _ = stream.write_all(&[0xe0, 0x00]).await; // DISCONNECT, politely
    }
    let mut out = match probe {
        Probe::Banner => classify_banner(&bytes),
        Probe::TlsHello => classify_tls(&bytes),
        Probe::Http | Probe::Rtsp => classify_response(&bytes, probe == Probe::Rtsp),
        Probe::Mqtt => classify_mqtt(&bytes),
        Probe::Adb => classify_adb(&bytes),
    };
    out.bytes = bytes;
    out
}

/// A connection to `addr`, plain or through TLS (any certificate accepted), for the login testers.
pub(crate) async fn connect(addr: SocketAddr, tls: bool, host: &str, o: &ProbeOptions) -> std::io::Result<BoxStream> {
    let layer =
        if tls { Layer::Tls(TlsConnector::from(tls_client_config()), server_name(host, addr)) } else { Layer::Plain };
    open(addr, &layer, o).await
}

/// A TLS session over the in-band upgrade `st` (STARTTLS, STLS, AUTH TLS), for testers that
/// must talk to a server that refuses logins in clear.
pub(crate) async fn connect_starttls(
    addr: SocketAddr,
    st: crate::starttls::StartTls,
    host: &str,
    o: &ProbeOptions,
) -> std::io::Result<BoxStream> {
    let mut tcp = tcp_connect(addr, o).await?;
    st.upgrade(&mut tcp, o.read_timeout).await.map_err(std::io::Error::other)?;
    let connector = TlsConnector::from(tls_client_config());
    tls_over(tcp, &connector, server_name(host, addr), o).await
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")
}

async fn tcp_connect(addr: SocketAddr, o: &ProbeOptions) -> std::io::Result<TcpStream> {
    tokio::time::timeout(o.connect_timeout, TcpStream::connect(addr)).await.map_err(|_| timed_out())?
}

/// A TLS session (any certificate accepted) over a connection, within the read timeout.
async fn tls_over(
    tcp: TcpStream,
    connector: &TlsConnector,
    name: ServerName<'static>,
    o: &ProbeOptions,
) -> std::io::Result<BoxStream> {
    let tls = tokio::time::timeout(o.read_timeout, connector.connect(name, tcp)).await.map_err(|_| timed_out())??;
    Ok(Box::new(tls))
}

async fn open(addr: SocketAddr, layer: &Layer, o: &ProbeOptions) -> std::io::Result<BoxStream> {
    let tcp = tcp_connect(addr, o).await?;
    let _ = tcp.set_nodelay(true);
    match layer {
        Layer::Plain => Ok(Box::new(tcp)),
        Layer::Tls(connector, name) => tls_over(tcp, connector, name.clone(), o).await,
    }
}

/// Reads until `complete` says so, the peer closes, `cap` bytes, the budget runs out, or the
/// peer falls silent for `idle_gap` after sending something.
pub(crate) async fn read_bounded(
    stream: &mut BoxStream,
    cap: usize,
    budget: Duration,
    idle_gap: Duration,
    complete: impl Fn(&[u8]) -> bool,
) -> Vec<u8> {
    let deadline = Instant::now() + budget;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() < cap {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let wait = if buf.is_empty() { deadline - now } else { (deadline - now).min(idle_gap) };
        match tokio::time::timeout(wait, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                let take = n.min(cap - buf.len());
                buf.extend_from_slice(&chunk[..take]);
                if complete(&buf) {
                    break;
                }
            }
        }
    }
    buf
}

fn classify_adb(b: &[u8]) -> Outcome {
    let how = match adb::command(b).as_ref() {
        Some(b"CNXN") => {
            let banner = escape_excerpt(adb::payload(b), 80);
            format!("ADB CNXN to iotvet's CNXN, without authentication ({banner})")
        }
        Some(b"AUTH") => "ADB AUTH to iotvet's CNXN: the device asks for key authentication".into(),
        Some(b"STLS") => "ADB STLS to iotvet's CNXN: the device wants TLS".into(),
        _ => return Outcome::default(),
    };
    Outcome { protocol: Some(Protocol::Adb), strength: 2, how, ..Outcome::default() }
}

fn classify_mqtt(b: &[u8]) -> Outcome {
    let Some(c) = mqtt::connack(b) else { return Outcome::default() };
    Outcome {
        protocol: Some(Protocol::Mqtt),
        strength: 2,
        how: format!("CONNACK (return code {}) to an MQTT 3.1.1 CONNECT", c.return_code),
        mqtt: Some(MqttConnack { return_code: c.return_code, session_present: c.session_present }),
        ..Outcome::default()
    }
}

fn classify_tls(b: &[u8]) -> Outcome {
    let (how, strength) = match tls::read_answer(b) {
        HelloAnswer::ServerHello { hello_version, .. } => {
            (format!("ServerHello ({}) to a TLS ClientHello", tls::version_name(hello_version)), 3)
        }
        HelloAnswer::Alert { level, description } => {
            (format!("TLS alert (level {level}, description {description}) to a TLS ClientHello"), 3)
        }
        HelloAnswer::Truncated | HelloAnswer::NotTls => return Outcome::default(),
    };
    Outcome { protocol: Some(Protocol::Tls), strength, how, ..Outcome::default() }
}

/// Server-first protocols, recognised from their greeting (read by `iotvet_wire::greeting`).
fn classify_banner(b: &[u8]) -> Outcome {
    let hit = |p: Protocol, how: String| Outcome { protocol: Some(p), strength: 2, how, ..Outcome::default() };
    let text = |line: &[u8]| escape_excerpt(line, 100);
    match greeting::read(b) {
        Some(Greeting::Telnet(negotiations)) => {
            let options: Vec<String> = negotiations.iter().map(ToString::to_string).collect();
            let mut o =
                hit(Protocol::Telnet, format!("server opened with telnet option negotiation ({})", options.join(", ")));
            o.telnet_options = options;
            o
        }
        Some(Greeting::Ssh(line)) => {
            hit(Protocol::Ssh, format!("SSH identification string {}", escape_excerpt(line, 80)))
        }
        Some(Greeting::Smtp(line)) => hit(Protocol::Smtp, format!("SMTP greeting \"{}\"", text(line))),
        Some(Greeting::Ftp(line)) => hit(Protocol::Ftp, format!("FTP greeting \"{}\"", text(line))),
        Some(Greeting::Imap(line)) => hit(Protocol::Imap, format!("IMAP greeting \"{}\"", text(line))),
        Some(Greeting::Pop3(line)) => hit(Protocol::Pop3, format!("POP3 greeting \"{}\"", text(line))),
        Some(Greeting::LoginPrompt) => hit(Protocol::Telnet, "login prompt sent without telnet negotiation".into()),
        None => Outcome::default(),
    }
}

pub(crate) use iotvet_wire::http::{header, response_complete};

fn classify_response(b: &[u8], asked_rtsp: bool) -> Outcome {
    let Some(resp) = parse_response(b) else {
        return Outcome::default();
    };
    let protocol = if resp.status_line.starts_with("RTSP/") { Protocol::Rtsp } else { Protocol::Http };
    // An answer in the other protocol than the one asked is a hint; the other probe settles it.
    let asked = if asked_rtsp { Protocol::Rtsp } else { Protocol::Http };
    let strength = if protocol == asked { 2 } else { 1 };
    let how =
        format!("\"{}\" to an {} request", resp.status_line, if asked_rtsp { "RTSP OPTIONS" } else { "HTTP GET /" });
    Outcome { protocol: Some(protocol), strength, how, response: Some(resp), ..Outcome::default() }
}

/// Parses an HTTP or RTSP response head and, for HTML, the title and whether it has a login form
/// (the reading is `iotvet_wire::http`'s; here the values are cut and escaped for the case file).
pub fn parse_response(b: &[u8]) -> Option<ResponseHead> {
    let head = iotvet_wire::http::parse_head(b)?;
    let cut = |v: &str| escape_excerpt(v.as_bytes(), 200);
    let body = b.get(head.body_offset..).unwrap_or_default();
    Some(ResponseHead {
        status_line: cut(&head.status_line),
        status: head.status,
        server: head.header("server").map(cut),
        location: head.header("location").map(cut),
        www_authenticate: head.header("www-authenticate").map(cut),
        strict_transport_security: head.header("strict-transport-security").map(cut),
        content_type: head.header("content-type").map(cut),
        title: iotvet_wire::http::html_title(body).map(|t| cut(&t)),
        login_form: iotvet_wire::http::has_login_form(body),
    })
}

fn server_name(host: &str, addr: SocketAddr) -> ServerName<'static> {
    ServerName::try_from(host.to_owned()).unwrap_or_else(|_| ServerName::IpAddress(addr.ip().into()))
}

/// A full handshake with rustls to `addr` (SNI `host` when it is a name): the negotiated session
/// and the certificate chain, which in TLS 1.3 cannot be read in clear.
pub async fn library_session(addr: SocketAddr, host: &str, o: &ProbeOptions) -> Result<TlsSession, String> {
    let connector = TlsConnector::from(tls_client_config());
    tls_session(addr, &connector, server_name(host, addr), o).await
}

async fn tls_session(
    addr: SocketAddr,
    connector: &TlsConnector,
    name: ServerName<'static>,
    o: &ProbeOptions,
) -> Result<TlsSession, String> {
    let verify_name = name.clone();
    let tcp = tokio::time::timeout(o.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    let stream = tokio::time::timeout(o.read_timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| "handshake timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    let conn = stream.get_ref().1;
    let version = conn.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
        other => format!("{other:?}"),
    });
    let suite = conn.negotiated_cipher_suite().map(|s| {
        let name = format!("{:?}", s.suite());
        // rustls names TLS 1.3 suites TLS13_*; IANA names them TLS_*.
        name.strip_prefix("TLS13_").map(|rest| format!("TLS_{rest}")).unwrap_or(name)
    });
    let certs = conn.peer_certificates().unwrap_or_default();
    Ok(TlsSession {
        version: version.unwrap_or_else(|| "unknown".into()),
        cipher_suite: suite.unwrap_or_else(|| "unknown".into()),
        alpn: conn.alpn_protocol().map(|a| String::from_utf8_lossy(a).into_owned()),
        certificate_chain_bytes: certs.iter().map(|c| c.len()).sum(),
        certificates: certs.len(),
        chain: certs.iter().take(8).filter_map(|c| crate::cert::describe(c).ok()).collect(),
        chain_verification: Some(crate::cert::verify_chain(
            &certs.iter().take(8).map(|c| c.clone().into_owned()).collect::<Vec<_>>(),
            verify_name,
        )),
    })
}

/// A rustls client that completes the handshake with any certificate: identification must see
/// inside self-signed device services. Judging the certificate is the TLS assessment's job.
fn tls_client_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = Arc::new(AcceptAnyCertificate(provider.clone()));
            let builder = rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(rustls::ALL_VERSIONS)
                .unwrap_or_else(|_| rustls::ClientConfig::builder_with_protocol_versions(rustls::DEFAULT_VERSIONS));
            Arc::new(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth())
        })
        .clone()
}

#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        // Not checked either: webpki refuses RSA keys under 2048 bits, and a device with a
        // 1024-bit key must still be looked into (the key is reported by the TLS assessment).
        // These connections carry only probes and default credentials.
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verify_tls12_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_are_recognised() {
        let t = classify_banner(b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f");
        assert_eq!(t.protocol, Some(Protocol::Telnet));
        assert_eq!(t.telnet_options, vec!["WILL ECHO", "WILL SUPPRESS-GO-AHEAD", "DO NAWS"]);
        assert_eq!(classify_banner(b"SSH-2.0-dropbear_2022.83\r\n").protocol, Some(Protocol::Ssh));
        assert_eq!(classify_banner(b"220 (vsFTPd 3.0.3)\r\n").protocol, Some(Protocol::Ftp));
        assert_eq!(classify_banner(b"220 mail ESMTP Postfix\r\n").protocol, Some(Protocol::Smtp));
        assert_eq!(classify_banner(b"\r\nCamera login: ").protocol, Some(Protocol::Telnet));
        assert_eq!(classify_banner(b"\x00\x01\x02garbage").protocol, None);
        assert_eq!(classify_banner(b"\xff").protocol, None);
    }

    #[test]
    fn responses_are_parsed_with_title_auth_and_form() {
        let r = parse_response(b"HTTP/1.1 401 Unauthorized\r\nServer: cam\r\nWWW-Authenticate: Basic realm=\"IPCAM\"\r\nContent-Length: 0\r\n\r\n").unwrap();
        assert_eq!((r.status, r.www_authenticate.as_deref()), (401, Some("Basic realm=\"IPCAM\"")));
        let r = parse_response(
            b"HTTP/1.0 200 OK\r\n\r\n<html><TITLE> Hub\n login </title><form><input type=\"password\"></form>",
        )
        .unwrap();
        assert_eq!((r.title.as_deref(), r.login_form), (Some("Hub login"), true));
        assert!(parse_response(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n").is_some());
        assert!(parse_response(b"SSH-2.0-x").is_none());
        assert!(parse_response(b"HTTP/1.1 abc").is_none());
    }

    #[test]
    fn completeness_follows_content_length() {
        assert!(!response_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc"));
        assert!(response_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde"));
        assert!(response_complete(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"));
        assert!(!response_complete(b"HTTP/1.1 200 OK\r\n\r\nbody until close"));
    }

    #[test]
    fn adb_and_mqtt_answers_are_classified() {
        assert_eq!(classify_adb(&adb::connect()).protocol, Some(Protocol::Adb));
        assert_eq!(classify_adb(b"CNXN").protocol, None);
        let o = classify_mqtt(&[0x20, 0x02, 0x00, 0x05]);
        assert_eq!(o.mqtt, Some(MqttConnack { return_code: 5, session_present: false }));
        assert_eq!(classify_mqtt(&[0x20, 0x03]).protocol, None);
    }
}
