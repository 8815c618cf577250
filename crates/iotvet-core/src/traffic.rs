//! What a capture of the device's own traffic showed: the case file's `traffic` section, filled
//! by `iotvet-traffic` and judged by `rules/traffic.rs`. Every value is an observation with the
//! packet numbers behind it; secrets are stored masked unless the user asked to see them.

use std::collections::BTreeMap;

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
    /// The flows: all of them without a device, the device's with one, in the order they ended
    /// (as Zeek's conn.log has them), kept compressed.
    pub flows: Flows,
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
        let (mut n_enc, mut n_told, mut b_enc, mut b_told) = (0, 0, 0, 0);
        for f in self.flows.iter().filter(|f| f.encrypted.is_some()) {
            n_told += 1;
            b_told += f.payload_bytes;
            if f.encrypted == Some(true) {
                n_enc += 1;
                b_enc += f.payload_bytes;
            }
        }
        (n_enc, n_told, b_enc, b_told)
    }
}

/// Encoded flows gathered before a block is compressed.
const BLOCK: usize = 256 * 1024;

/// The flows of a capture, kept as compressed blocks of encoded flows: a capture can hold
/// millions of flows, and a flow's summary (addresses, names, fingerprints, certificates) is a
/// few hundred bytes as a struct but compresses to under a hundred, since flows repeat each
/// other. `iter` decodes them one at a time; clones share the blocks. In JSON it is a plain
/// array of flows.
///
/// Each flow is MessagePack with named fields (rmp-serde), after its length (u32, little
/// endian): the flow's optional fields are left out when empty, which a format without names
/// cannot decode. It took half the time of the JSON lines kept before (no escaping, numbers in
/// binary), and the analysis of a large capture encodes every flow.
#[derive(Clone, Default)]
pub struct Flows {
    /// (LZ4 block, flows in it)
    blocks: Vec<(std::sync::Arc<[u8]>, usize)>,
    /// Flows in `blocks` (counted once, not summed at each `len`).
    sealed: usize,
    /// Flows encoded but not compressed yet, and how many.
    tail: Vec<u8>,
    tail_len: usize,
    /// Servers named after their flow was kept (a DNS answer later in the capture), by index:
    /// given to the flow as it is decoded, so naming a flow costs no re-encoding.
    names: BTreeMap<usize, String>,
}

impl Flows {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, flow: &FlowSeen) {
        let start = self.tail.len();
        self.tail.extend_from_slice(&[0; 4]);
        // A struct of strings and numbers always encodes; should it ever not, the flow is left
        // out rather than the analysis stopped.
        match rmp_serde::encode::write_named(&mut self.tail, flow) {
            Ok(()) => {
                let len = u32::try_from(self.tail.len() - start - 4).unwrap_or(u32::MAX);
                self.tail[start..start + 4].copy_from_slice(&len.to_le_bytes());
                self.tail_len += 1;
            }
            Err(_) => self.tail.truncate(start),
        }
        if self.tail.len() >= BLOCK {
            self.seal();
        }
    }

    /// Adds a flow as another `Flows` kept it (its encoding, without the length).
    fn push_encoded(&mut self, record: &[u8]) {
        let len = u32::try_from(record.len()).unwrap_or(u32::MAX);
        self.tail.extend_from_slice(&len.to_le_bytes());
        self.tail.extend_from_slice(record);
        self.tail_len += 1;
        if self.tail.len() >= BLOCK {
            self.seal();
        }
    }

    /// Compresses the flows gathered so far into a block.
    fn seal(&mut self) {
        if !self.tail.is_empty() {
            self.blocks.push((lz4_flex::block::compress_prepend_size(&self.tail).into(), self.tail_len));
            self.sealed += self.tail_len;
            self.tail.clear();
            self.tail_len = 0;
        }
    }

    pub fn len(&self) -> usize {
        self.sealed + self.tail_len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Names the server of the flow at `index` (one kept without a name).
    pub fn name_server(&mut self, index: usize, name: String) {
        if index < self.len() {
            self.names.insert(index, name);
        }
    }

    fn named(&self, index: usize, mut flow: FlowSeen) -> FlowSeen {
        if flow.server_name.is_none() {
            flow.server_name = self.names.get(&index).cloned();
        }
        flow
    }

    /// The flows in order, decoded as they are reached (one block decompressed at a time).
    pub fn iter(&self) -> impl Iterator<Item = FlowSeen> + '_ {
        let blocks = self.blocks.iter().map(|(b, _)| decompress(b)).chain(std::iter::once_with(|| self.tail.clone()));
        blocks.flat_map(|raw| decode_all(&raw)).enumerate().map(|(i, f)| self.named(i, f))
    }

    /// The same flows, those at the indices in `changed` (ascending) passed through `f` in
    /// order; a block holding none of them is kept as it is, without being decoded.
    pub fn rewrite(self, changed: &[usize], mut f: impl FnMut(FlowSeen) -> FlowSeen) -> Flows {
        let mut out = Flows { names: self.names.clone(), ..Flows::new() };
        let Flows { blocks, tail, tail_len, .. } = self;
        let mut start = 0usize;
        let mut next = changed.iter().copied().peekable();
        let mut tail = Some(tail);
        let all = blocks.into_iter().map(|(b, n)| (Some(b), n)).chain(std::iter::once((None, tail_len)));
        for (block, n) in all {
            while next.next_if(|i| *i < start).is_some() {}
            let touched = next.peek().is_some_and(|i| *i < start + n);
            let raw = match block {
                Some(b) if !touched => {
                    // Kept as it is; what `out` gathered before it goes first, to keep the order.
                    out.seal();
                    out.blocks.push((b, n));
                    out.sealed += n;
                    start += n;
                    continue;
                }
                Some(b) => decompress(&b),
                None => tail.take().unwrap_or_default(),
            };
            for (i, record) in records(&raw).enumerate() {
                let index = start + i;
                if next.next_if_eq(&index).is_some() {
                    if let Some(flow) = decode(record) {
                        out.push(&f(out.named(index, flow)));
                    }
                } else {
                    out.push_encoded(record);
                }
            }
            start += n;
        }
        out
    }
}

fn decompress(block: &[u8]) -> Vec<u8> {
    // Blocks are only ever made by `seal`; an undecodable one would be a bug, and its flows are
    // left out rather than the program stopped.
    lz4_flex::block::decompress_size_prepended(block).unwrap_or_default()
}

/// The flows' encodings in a block, in order.
fn records(mut raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let (len, rest) = raw.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let record = rest.get(..len)?;
        raw = &rest[len..];
        Some(record)
    })
}

/// Records are only ever made by `push`; an undecodable one would be a bug, and its flow is
/// left out rather than the program stopped.
fn decode(record: &[u8]) -> Option<FlowSeen> {
    rmp_serde::from_slice(record).ok()
}

fn decode_all(raw: &[u8]) -> Vec<FlowSeen> {
    records(raw).filter_map(decode).collect()
}

impl FromIterator<FlowSeen> for Flows {
    fn from_iter<I: IntoIterator<Item = FlowSeen>>(iter: I) -> Self {
        let mut flows = Flows::new();
        for f in iter {
            flows.push(&f);
        }
        flows
    }
}

impl std::fmt::Debug for Flows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Flows {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Serialize for Flows {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Flows {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Flows;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of flows")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Flows, A::Error> {
                let mut flows = Flows::new();
                while let Some(f) = seq.next_element::<FlowSeen>()? {
                    flows.push(&f);
                }
                Ok(flows)
            }
        }
        deserializer.deserialize_seq(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(i: u64) -> FlowSeen {
        FlowSeen {
            client: format!("10.0.0.2:{}", 1024 + i),
            server: "93.184.216.34:443".into(),
            transport: Transport::Tcp,
            protocol: if i.is_multiple_of(7) { "unknown".into() } else { "tls".into() },
            encrypted: Some(!i.is_multiple_of(7)),
            identified_by: "TLS ClientHello".into(),
            packets: i,
            bytes: i * 100,
            payload_bytes: i * 60,
            first_packet: i,
            last_packet: i + 5,
            server_name: None,
            tls: None,
            http: vec![],
            dns: vec![],
            mqtt: None,
            entropy: None,
            update: None,
        }
    }

    #[test]
    fn flows_are_kept_compressed_and_given_back_in_order() {
        // Enough flows for several blocks.
        let all: Vec<FlowSeen> = (0..5_000).map(flow).collect();
        let flows: Flows = all.iter().cloned().collect();
        assert_eq!(flows.len(), 5_000);
        assert!(flows.blocks.len() >= 2, "{} blocks", flows.blocks.len());
        assert!(flows.iter().eq(all.iter().cloned()));
        // In JSON, a plain array; and back.
        let json = serde_json::to_string(&flows).unwrap();
        let sealed: usize = flows.blocks.iter().map(|(b, _)| b.len()).sum();
        assert!(sealed * 4 < json.len(), "{sealed} bytes compressed of {}", json.len());
        assert_eq!(json, serde_json::to_string(&all).unwrap());
        let back: Flows = serde_json::from_str(&json).unwrap();
        assert_eq!(back, flows);
    }

    #[test]
    fn a_rewrite_changes_only_the_flows_named_and_keeps_untouched_blocks() {
        let mut flows: Flows = (0..5_000).map(flow).collect();
        let first_block = flows.blocks.first().map(|(b, _)| b.clone()).unwrap();
        // Named later, without re-encoding: given as the flow is decoded, and kept by a rewrite.
        flows.name_server(10, "late.example".into());
        flows.name_server(4_001, "late.example".into());
        assert_eq!(flows.iter().nth(10).unwrap().server_name.as_deref(), Some("late.example"));
        let changed = [4_000usize, 4_001, 4_999];
        let mut seen = Vec::new();
        let out = flows.rewrite(&changed, |mut f| {
            seen.push(f.first_packet);
            f.server_name = Some("example.com".into());
            f
        });
        assert_eq!(seen, [4_000, 4_001, 4_999]);
        assert_eq!(out.len(), 5_000);
        let named: Vec<(u64, String)> = out.iter().filter_map(|f| f.server_name.map(|n| (f.first_packet, n))).collect();
        let name = |i: u64, n: &str| (i, n.to_owned());
        assert_eq!(
            named,
            [
                name(10, "late.example"),
                name(4_000, "example.com"),
                name(4_001, "example.com"),
                name(4_999, "example.com")
            ]
        );
        assert!(out.iter().map(|f| f.first_packet).eq(0..5_000));
        // The first block held none of them: it is the very same block, never decoded.
        assert!(std::sync::Arc::ptr_eq(&out.blocks[0].0, &first_block));
    }
}
