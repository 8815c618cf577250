//! What a capture of the device's own traffic showed: the case file's `traffic` section, filled
//! by `iotvet-traffic` and judged by `rules/traffic.rs`. Every value is an observation with the
//! packet numbers behind it; secrets are stored masked unless the user asked to see them.

use serde::{Deserialize, Serialize};

use crate::case::{CertificateInfo, Provenance, Transport};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficSection {
    pub provenance: Provenance,
    pub capture: CaptureInfo,
    /// Every host seen, with what names it gave itself.
    pub devices: Vec<HostSeen>,
    /// The device the judgement is about (`--device`), as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The flows: all of them without a device, the device's with one.
    pub flows: Vec<FlowSeen>,
    /// The remote parties the device talked to (with a device only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Destination>,
    /// Credentials and personal data seen in clear (with a device only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretSeen>,
    /// The vendor's domains (first party), from `--vendor-domain` or the declaration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendor_domains: Vec<String>,
    /// The tracker list used: its name and how many domains it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker_list: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureInfo {
    pub file: String,
    /// `pcap` or `pcapng`.
    pub format: String,
    /// Link types met, by name (`ethernet`, `linux-sll`, `linux-sll2`, `raw`, `null`, …).
    pub link_types: Vec<String>,
    pub packets: u64,
    pub bytes: u64,
    /// Packets not analysed, by reason, with the first packet number of each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Seconds from the first to the last packet.
    pub duration_s: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub reason: String,
    pub count: u64,
    pub first_packet: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSeen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    pub ips: Vec<String>,
    /// Names from DHCP (host name option), mDNS and SSDP answers, NetBIOS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
}

/// One flow: a TCP connection or a UDP conversation, the client being the side that spoke first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowSeen {
    /// `ip:port` (IPv6 as `[ip]:port`).
    pub client: String,
    pub server: String,
    pub transport: Transport,
    /// Lower-case: `tls`, `dtls`, `quic`, `ssh`, `http`, `dns`, `mdns`, `ssdp`, `mqtt`, `coap`,
    /// `ntp`, `dhcp`, `telnet`, `ftp`, `rtsp`, `snmp`, `tftp`, `smtp`, `imap`, `pop3`, `unknown`.
    pub protocol: String,
    /// True or false when the content says so; None when it cannot be told.
    pub encrypted: Option<bool>,
    /// How the protocol was recognised (or why it is unknown).
    pub identified_by: String,
    pub packets: u64,
    pub bytes: u64,
    /// Application bytes (TCP/UDP payload), both directions.
    pub payload_bytes: u64,
    pub first_packet: u64,
    pub last_packet: u64,
    /// The name the server goes by: SNI, HTTP Host, or the DNS answer that gave its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// Boxed, like `mqtt`: most flows have neither, and a capture can hold a million flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Box<FlowTls>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpExchange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<DnsSeen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<Box<MqttSeen>>,
    /// Shannon entropy (bits per byte) of the first payload bytes of an unknown flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f64>,
    /// Why this flow looks like a firmware check or download (documented heuristics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowTls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The versions the client offered, e.g. `TLSv1.2`, `TLSv1.3`.
    pub client_versions: Vec<String>,
    /// Suites the client offered that are weak (NULL, export, anonymous, RC4, DES, 3DES, MD5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weak_client_suites: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    /// The version and suite the server chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja3: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja3s: Option<String>,
    /// Certificates sent in clear (TLS 1.2 and older), leaf first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpExchange {
    pub packet: u64,
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `basic`, `digest`, `bearer`, … when the request carried credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_length: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSeen {
    pub packet: u64,
    pub name: String,
    /// `A`, `AAAA`, `PTR`, …
    pub kind: String,
    /// Addresses (and CNAME targets) answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MqttSeen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    pub username: bool,
    pub password: bool,
}

/// A remote party the device talked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub ip: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    pub flows: u64,
    pub bytes: u64,
    pub encrypted_bytes: u64,
    /// `first` (the vendor's), `third`, `local` (the device's own network), or `unknown`.
    pub party: String,
    /// The tracker-list entry it matched, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<String>,
}

/// A credential or a piece of personal data seen in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretSeen {
    /// `credential`, `mac-address`, `serial-number`, `email`, `geolocation`, `token`, `wifi`.
    pub kind: String,
    /// Where: protocol and flow, e.g. `http 10.0.0.5:40122 → 93.184.216.34:80`.
    pub place: String,
    pub packet: u64,
    /// Masked unless the user asked to see secrets.
    pub value: String,
    pub how: String,
}

impl TrafficSection {
    /// The share of the flows and payload bytes that were encrypted, among flows whose
    /// encryption could be told.
    pub fn encrypted_share(&self) -> (usize, usize, u64, u64) {
        let told: Vec<&FlowSeen> = self.flows.iter().filter(|f| f.encrypted.is_some()).collect();
        let enc = told.iter().filter(|f| f.encrypted == Some(true));
        let (n_enc, b_enc) = enc.fold((0usize, 0u64), |(n, b), f| (n + 1, b + f.payload_bytes));
        (n_enc, told.len(), b_enc, told.iter().map(|f| f.payload_bytes).sum())
    }
}
