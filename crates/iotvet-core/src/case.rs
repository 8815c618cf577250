//! The case file: everything iotvet observed about one product, as plain facts with provenance.
//! Collectors fill it; rules read it. It is serialisable, so a saved case can be judged again.
//! One optional section per evidence source: a missing section means "not examined", and the
//! rules then say Unknown, never Pass.

use serde::{Deserialize, Serialize};

use crate::{declaration::Declaration, documents::DocumentsSection, logins::LoginSection};

/// Who observed something, with what, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The collector, e.g. `iotvet-net/tcp-connect`.
    pub collector: String,
    pub tool_version: String,
    /// RFC 3339 UTC timestamps.
    pub started_at: String,
    pub finished_at: String,
}

/// The product under assessment, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// What the user typed: an address or a host name.
    pub name: String,
    /// The address that was probed.
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    pub target: Target,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Live probing of the device. Absent when the device was not probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSection>,
    /// Credential tests against the device's login services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logins: Option<LoginSection>,
    /// The vendor's documents: security.txt, privacy policy, terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<DocumentsSection>,
    /// What the vendor declared (every fact in it is declared, not verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<Declaration>,
    /// Where the declaration was read from, with the line of each key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration_source: Option<crate::declaration::DeclarationSource>,
    /// What a capture of the device's own traffic showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<crate::traffic::TrafficSection>,
    /// What a firmware image of the product showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<crate::firmware::FirmwareSection>,
    /// Known vulnerabilities in the components it ships (firmware image or SBOM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<crate::vulns::VulnSection>,
}

impl CaseFile {
    pub fn new(target: Target, created_at: String) -> Self {
        Self {
            target,
            created_at,
            network: None,
            logins: None,
            documents: None,
            declaration: None,
            declaration_source: None,
            traffic: None,
            firmware: None,
            vulnerabilities: None,
        }
    }

    /// The place of a declared fact: the declaration (its file when known) and the key.
    pub fn declared_at(&self, key: &str) -> crate::finding::Location {
        crate::finding::Location {
            service: Some("declaration".into()),
            document: self.declaration_source.as_ref().map(|s| s.path.clone()),
            field: Some(key.to_owned()),
            ..crate::finding::Location::device(&self.target.address)
        }
    }
}

/// What live probing of the device found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSection {
    pub provenance: Provenance,
    /// The TCP ports that were asked for, as the user wrote them (e.g. `1-65535`).
    pub port_spec: String,
    pub ports_scanned: u32,
    /// Every TCP port that accepted a connection, ascending.
    pub open_ports: Vec<u16>,
    /// One entry per open port, in port order.
    pub services: Vec<ServiceObservation>,
    /// UDP services that answered iotvet's protocol probes (silence is not recorded: a UDP
    /// port that does not answer may be closed, filtered, or waiting for another request).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub udp_services: Vec<UdpServiceObservation>,
    /// Open ports left out of the assessment, each with the reason (e.g. a listener of the
    /// machine running the lab rather than of the device).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_ports: Vec<ExcludedPort>,
    pub scan_duration_ms: u64,
    /// Every step of the probe and how it ended: the rules turn a step that did not complete
    /// into Unknown for the guidelines it feeds, never into a pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<CollectorStep>,
}

/// One step a collector took and how it ended, in the spirit of sslyze's scan-command
/// attempts: completed, or an error with the reason (a task that panicked, timed out, could not
/// connect, or reached nothing). A result that was not got is never reported as a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectorStep {
    pub step: StepKind,
    /// The endpoint the step was about; None for the device as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    #[serde(flatten)]
    pub outcome: StepOutcome,
    /// What the step did, in words (e.g. how long UDP answers were waited for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl CollectorStep {
    pub fn completed(step: StepKind, endpoint: Option<Endpoint>) -> Self {
        Self { step, endpoint, outcome: StepOutcome::Completed, detail: None }
    }

    pub fn error(step: StepKind, endpoint: Option<Endpoint>, reason: impl Into<String>) -> Self {
        Self { step, endpoint, outcome: StepOutcome::Error { reason: reason.into() }, detail: None }
    }

    pub fn detail(mut self, text: impl Into<String>) -> Self {
        self.detail = Some(text.into());
        self
    }

    /// The reason the step failed, or None when it completed.
    pub fn failure(&self) -> Option<&str> {
        match &self.outcome {
            StepOutcome::Completed => None,
            StepOutcome::Error { reason } => Some(reason),
        }
    }
}

/// What a collector step was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// The TCP connect scan of the device.
    TcpScan,
    /// Identification of one open port.
    Identify,
    /// The TLS assessment of one endpoint.
    TlsScan,
    /// The UDP protocol probes.
    UdpProbe,
    /// The credential test of one service.
    LoginTest,
}

impl StepKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::TcpScan => "TCP scan",
            Self::Identify => "service identification",
            Self::TlsScan => "TLS assessment",
            Self::UdpProbe => "UDP probes",
            Self::LoginTest => "credential test",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum StepOutcome {
    Completed,
    Error { reason: String },
}

/// A UDP service and what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UdpServiceObservation {
    pub endpoint: Endpoint,
    /// `coap`, `ssdp`, `mdns`, `dns`, `snmp`, `snmpv3`, `tftp`, `dtls`, or `echo` (sends back what it gets).
    pub protocol: String,
    /// What the answer was, in words.
    pub identified_by: String,
    /// What the answer revealed: model, firmware, resources, services, control URLs…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revealed: Vec<String>,
}

impl NetworkSection {
    /// A section of TCP `services`, their open ports derived from them; no UDP answers, no
    /// excluded ports.
    pub fn new(
        provenance: Provenance,
        port_spec: String,
        ports_scanned: u32,
        services: Vec<ServiceObservation>,
    ) -> Self {
        Self {
            provenance,
            port_spec,
            ports_scanned,
            open_ports: services.iter().map(|s| s.endpoint.port).collect(),
            services,
            udp_services: vec![],
            excluded_ports: vec![],
            scan_duration_ms: 0,
            steps: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedPort {
    pub port: u16,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        }
    }
}

/// An address, port and transport.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Endpoint {
    pub address: String,
    pub port: u16,
    pub transport: Transport,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.transport.as_str();
        if self.address.contains(':') {
            write!(f, "[{}]:{}/{t}", self.address, self.port)
        } else {
            write!(f, "{}:{}/{t}", self.address, self.port)
        }
    }
}

/// The application protocol a service speaks, identified from what it sent, never from the
/// port number alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Telnet,
    Ssh,
    Ftp,
    Smtp,
    Imap,
    Pop3,
    Http,
    Rtsp,
    Mqtt,
    /// Android Debug Bridge (usually on 5555).
    Adb,
    /// TLS whose inner protocol could not be identified.
    Tls,
    Unknown,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Self::Telnet => "telnet",
            Self::Ssh => "ssh",
            Self::Ftp => "ftp",
            Self::Smtp => "smtp",
            Self::Imap => "imap",
            Self::Pop3 => "pop3",
            Self::Http => "http",
            Self::Rtsp => "rtsp",
            Self::Mqtt => "mqtt",
            Self::Adb => "adb",
            Self::Tls => "tls",
            Self::Unknown => "unknown",
        }
    }

    /// The protocol encrypts on its own (without an outer TLS layer).
    pub fn is_inherently_encrypted(self) -> bool {
        matches!(self, Self::Ssh | Self::Tls)
    }
}

/// One open port and what it turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceObservation {
    pub endpoint: Endpoint,
    pub protocol: Protocol,
    /// Present when the service spoke TLS; `protocol` is then the protocol inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSession>,
    /// The first bytes the service sent, printable ASCII kept and the rest escaped (`\xNN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// HTTP or RTSP response to iotvet's probe request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseHead>,
    /// MQTT CONNACK to an anonymous CONNECT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<MqttConnack>,
    /// Telnet options the server negotiated (e.g. `WILL ECHO`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telnet_options: Vec<String>,
    /// How the protocol was recognised, in words (e.g. "server sent IAC WILL ECHO").
    pub identified_by: String,
    /// For a TLS service: every protocol version and cipher suite it accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_scan: Option<TlsScan>,
    /// A TLS port that also answered plain HTTP (a server that sniffs the first byte): the
    /// answer to the plain request. Both faces of the port are the device's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plain_http: Option<ResponseHead>,
}

/// What a TLS service accepts, found by offering each version and removing each chosen suite
/// until the server refuses (the way sslyze and testssl.sh enumerate).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsScan {
    /// SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3, in that order.
    pub versions: Vec<TlsVersionSupport>,
    /// The server picks by its own preference order (Some(true)), the client's (Some(false)),
    /// or it could not be told (None: fewer than two suites).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_order_enforced: Option<bool>,
    /// Named groups accepted for (EC)DHE key exchange, TLS 1.3's first, each in the order the
    /// server preferred them (IANA names: `x25519`, `secp256r1`, `ffdhe2048`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Size in bits of the smallest finite-field Diffie-Hellman prime of its DHE suites (TLS 1.2
    /// and older): the one an attacker would pick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_prime_bits: Option<u32>,
    /// Every distinct DHE prime size its DHE suites use, ascending (`dh_prime_bits` is the
    /// smallest): a server may size its prime by the suite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dh_prime_sizes: Vec<u32>,
    /// TLS compression (DEFLATE) accepted when offered; None when only TLS 1.3 is spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<bool>,
    /// RFC 5746 secure renegotiation signalled in the ServerHello; None when only TLS 1.3 is spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_renegotiation: Option<bool>,
    /// RFC 7627 extended master secret; None when only TLS 1.3 is spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_master_secret: Option<bool>,
    /// The in-band upgrade sent before every handshake, e.g. `AUTH TLS`, `STARTTLS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<String>,
    /// What went wrong on the way (answers that are not TLS, records cut short, silence),
    /// each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<String>,
    pub handshakes: u32,
    #[serde(default)]
    pub duration_ms: u64,
}

impl TlsScan {
    /// Whether any version was accepted: a scan that got no handshake at all proves nothing.
    pub fn any_accepted(&self) -> bool {
        self.versions.iter().any(|v| v.accepted)
    }

    /// e.g. `accepts TLSv1.2 (8 suites), TLSv1.3 (3 suites); groups x25519 secp256r1; DH 2048-bit`.
    pub fn summary(&self) -> String {
        let versions: Vec<String> = self
            .versions
            .iter()
            .filter(|v| v.accepted)
            .map(|v| format!("{} ({} suites)", v.version, v.cipher_suites.len()))
            .collect();
        let mut out = if versions.is_empty() {
            "no TLS version accepted".to_owned()
        } else {
            format!("accepts {}", versions.join(", "))
        };
        if !self.groups.is_empty() {
            out.push_str(&format!("; groups {}", self.groups.join(" ")));
        }
        if let Some(bits) = self.dh_prime_bits {
            out.push_str(&format!("; DH {bits}-bit"));
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsVersionSupport {
    /// e.g. `TLSv1.2`.
    pub version: String,
    pub accepted: bool,
    /// IANA names, in the order the server chose them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
}

impl ServiceObservation {
    /// What every service observation has: where, what, and how it was recognised; the
    /// protocol details start empty.
    pub fn new(endpoint: Endpoint, protocol: Protocol, identified_by: impl Into<String>) -> Self {
        Self {
            endpoint,
            protocol,
            tls: None,
            banner: None,
            response: None,
            mqtt: None,
            telnet_options: vec![],
            identified_by: identified_by.into(),
            tls_scan: None,
            plain_http: None,
        }
    }

    /// The service as people name it: `https`, `mqtt`, `telnet`, `mqtt+tls`...
    pub fn service_name(&self) -> String {
        if self.starttls().is_some() {
            return self.protocol.name().into();
        }
        match (self.protocol, &self.tls) {
            (Protocol::Http, Some(_)) => "https".into(),
            (Protocol::Rtsp, Some(_)) => "rtsps".into(),
            (Protocol::Ftp, Some(_)) => "ftps".into(),
            (Protocol::Tls, _) => "tls".into(),
            (p, Some(_)) => format!("{}+tls", p.name()),
            (p, None) => p.name().into(),
        }
    }

    pub fn is_encrypted(&self) -> bool {
        (self.tls.is_some() && self.starttls().is_none()) || self.protocol.is_inherently_encrypted()
    }

    /// The STARTTLS command the service accepts (`AUTH TLS`, `STARTTLS`, `STLS`): TLS is
    /// offered in-band, and a client may as well not ask for it.
    pub fn starttls(&self) -> Option<&str> {
        self.tls_scan.as_ref().and_then(|s| s.starttls.as_deref())
    }

    /// One line for reports and `scan`: the TLS session (or STARTTLS offer), how the service was
    /// identified, and what the TLS assessment found.
    pub fn detail(&self) -> String {
        let mut parts = Vec::new();
        match (&self.tls, self.starttls()) {
            (Some(t), Some(command)) => parts.push(format!("offers {command} ({})", t.version)),
            (Some(t), None) => parts.push(format!("{} {}", t.version, t.cipher_suite)),
            (None, _) => {}
        }
        parts.push(self.identified_by.clone());
        if let Some(scan) = &self.tls_scan {
            parts.push(scan.summary());
        }
        parts.join("; ")
    }

    /// A plain-HTTP response whose only content is a redirect to HTTPS.
    pub fn redirects_to_https(&self) -> bool {
        self.response.as_ref().is_some_and(ResponseHead::redirects_to_https)
    }
}

/// A negotiated TLS session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsSession {
    /// e.g. `TLSv1.3`.
    pub version: String,
    /// IANA name, e.g. `TLS_AES_128_GCM_SHA256`.
    pub cipher_suite: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Size in bytes of the certificate chain the server sent.
    pub certificate_chain_bytes: usize,
    pub certificates: usize,
    /// The chain as sent, leaf first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<CertificateInfo>,
    /// `trusted` when the chain verifies against the bundled Mozilla roots for the name the
    /// user gave, else why not (e.g. `UnknownIssuer`, `Expired`, `NotValidForName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_verification: Option<String>,
}

/// One certificate of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// RFC 3339 UTC.
    pub not_before: String,
    pub not_after: String,
    /// `RSA`, `EC P-256`, `Ed25519`…
    pub key_type: String,
    pub key_bits: u32,
    /// e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    pub self_signed: bool,
}

/// The head of an HTTP or RTSP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseHead {
    /// e.g. `HTTP/1.1 401 Unauthorized`.
    pub status_line: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict_transport_security: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The HTML `<title>`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The body holds a form with a password field.
    #[serde(default)]
    pub login_form: bool,
}

impl ResponseHead {
    /// A redirect (3xx) to an `https://` location.
    pub fn redirects_to_https(&self) -> bool {
        (300..400).contains(&self.status)
            && self.location.as_deref().is_some_and(|l| l.to_ascii_lowercase().starts_with("https://"))
    }
}

/// The broker's answer to an anonymous MQTT 3.1.1 CONNECT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MqttConnack {
    pub return_code: u8,
    pub session_present: bool,
}

impl MqttConnack {
    pub fn accepted(&self) -> bool {
        self.return_code == 0
    }
}
