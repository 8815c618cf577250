//! The ClientHello a device sends, read from recorded bytes (the other side of what `tls`
//! builds): TLS records of any split, DTLS handshakes (RFC 9147 §5.2: the cookie after the
//! session id), and a bare handshake message (what a QUIC CRYPTO frame carries). The fields
//! are the ones fingerprints (JA3, JA4) and the MS-1 rules need. RFC 8446 §4.1.2.

/// The fields of a ClientHello.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// The legacy version field (0x0303 in every TLS 1.3 hello).
    pub legacy_version: u16,
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    /// Extension types in the order sent.
    pub extensions: Vec<u16>,
    /// server_name (host_name), when sent.
    pub sni: Option<String>,
    /// supported_versions, when sent.
    pub supported_versions: Vec<u16>,
    /// supported_groups.
    pub groups: Vec<u16>,
    /// ec_point_formats.
    pub point_formats: Vec<u8>,
    /// application_layer_protocol_negotiation, in order.
    pub alpn: Vec<String>,
    /// signature_algorithms, in order.
    pub signature_algorithms: Vec<u16>,
}

/// GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa. Fingerprints leave them out.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

impl ClientHello {
    /// The versions the client offers: supported_versions when sent, else every version from
    /// SSLv3 up to the legacy field. GREASE left out.
    pub fn offered_versions(&self) -> Vec<u16> {
        if !self.supported_versions.is_empty() {
            return self.supported_versions.iter().copied().filter(|v| !is_grease(*v)).collect();
        }
        if self.legacy_version >= 0xfe00 {
            return vec![self.legacy_version];
        }
        (0x0300..=self.legacy_version.clamp(0x0300, 0x0304)).collect()
    }

    /// The highest version offered.
    pub fn max_version(&self) -> u16 {
        let offered = self.offered_versions();
        if self.legacy_version >= 0xfe00 {
            // DTLS counts down: 0xfeff is 1.0, 0xfefd 1.2, 0xfefc 1.3.
            return offered.into_iter().min().unwrap_or(self.legacy_version);
        }
        offered.into_iter().max().unwrap_or(self.legacy_version)
    }
}

/// Reads a ClientHello from the start of a client's TLS byte stream (records reassembled, at
/// most the first 64 KiB of handshake). None when the bytes are not (yet) a whole ClientHello.
pub fn read_tls(bytes: &[u8]) -> Option<ClientHello> {
    let mut handshake = Vec::new();
    let mut at = 0;
    while let Some(&[0x16, 3, minor, hi, lo]) = bytes.get(at..at + 5) {
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if minor > 4 || len > 18_432 {
            return None;
        }
        let body = bytes.get(at + 5..at + 5 + len)?;
        handshake.extend_from_slice(body);
        at += 5 + len;
        if handshake_message(&handshake, false).is_some() || handshake.len() > 65_536 {
            break;
        }
    }
    parse_body(handshake_message(&handshake, false)?, false)
}

/// Reads a ClientHello from one DTLS datagram (the first fragment must hold the whole hello,
/// as it does in practice).
pub fn read_dtls(datagram: &[u8]) -> Option<ClientHello> {
    match datagram {
        [0x16, 0xfe, _, ..] => {}
        _ => return None,
    }
    let len = usize::from(u16::from_be_bytes([*datagram.get(11)?, *datagram.get(12)?]));
    let record = datagram.get(13..13 + len)?;
    // msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3)
    let (&kind, rest) = record.split_first()?;
    if kind != 1 {
        return None;
    }
    let total = u32::from_be_bytes([0, *rest.first()?, *rest.get(1)?, *rest.get(2)?]) as usize;
    let body = record.get(12..12 + total)?;
    parse_body(body, true)
}

/// Reads a bare ClientHello handshake message (type 1, 24-bit length), e.g. from QUIC CRYPTO.
pub fn read_message(message: &[u8]) -> Option<ClientHello> {
    parse_body(handshake_message(message, false)?, false)
}

fn handshake_message(handshake: &[u8], _dtls: bool) -> Option<&[u8]> {
    let (&kind, rest) = handshake.split_first()?;
    if kind != 1 {
        return None;
    }
    let len = u32::from_be_bytes([0, *rest.first()?, *rest.get(1)?, *rest.get(2)?]) as usize;
    handshake.get(4..4 + len)
}

/// A cursor over a body, each read checked.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = usize::from(self.u8()?);
        self.take(n)
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }
}

fn u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2).filter_map(|c| Some(u16::from_be_bytes([*c.first()?, *c.get(1)?]))).collect()
}

fn parse_body(body: &[u8], dtls: bool) -> Option<ClientHello> {
    let mut c = Cursor(body);
    let mut hello = ClientHello { legacy_version: c.u16()?, ..ClientHello::default() };
    c.take(32)?;
    c.vec8()?;
    if dtls {
        c.vec8()?;
    }
    hello.cipher_suites = u16s(c.vec16()?);
    hello.compression_methods = c.vec8()?.to_vec();
    let Some(extensions) = c.vec16() else { return Some(hello) };
    let mut e = Cursor(extensions);
    while let (Some(kind), Some(data)) = (e.u16(), e.vec16()) {
        hello.extensions.push(kind);
        let mut d = Cursor(data);
        match kind {
            0x0000 => {
                // server_name_list: (type, name) pairs; type 0 is host_name.
                if let Some(list) = d.vec16() {
                    let mut l = Cursor(list);
                    while let (Some(t), Some(name)) = (l.u8(), l.vec16()) {
                        if t == 0 && hello.sni.is_none() {
                            hello.sni = Some(String::from_utf8_lossy(name).into_owned());
                        }
                    }
                }
            }
            0x000a => hello.groups = d.vec16().map(u16s).unwrap_or_default(),
            0x000b => hello.point_formats = d.vec8().map(<[u8]>::to_vec).unwrap_or_default(),
            0x000d => hello.signature_algorithms = d.vec16().map(u16s).unwrap_or_default(),
            0x0010 => {
                if let Some(list) = d.vec16() {
                    let mut l = Cursor(list);
                    while let Some(p) = l.vec8() {
                        hello.alpn.push(String::from_utf8_lossy(p).into_owned());
                    }
                }
            }
            0x002b => hello.supported_versions = d.vec8().map(u16s).unwrap_or_default(),
            _ => {}
        }
    }
    Some(hello)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::Hello;

    #[test]
    fn reads_back_what_the_builder_sends() {
        let suites = [0x1301, 0xc02f, 0x002f];
        let hello = Hello { versions: &[0x0304, 0x0303], ..Hello::new(Some("cam.example"), 0x0303, &suites) };
        let record = hello.record([7; 32]);
        let h = read_tls(&record).unwrap();
        assert_eq!(h.legacy_version, 0x0303);
        assert_eq!(h.cipher_suites, suites);
        assert_eq!(h.sni.as_deref(), Some("cam.example"));
        assert_eq!(h.supported_versions, [0x0304, 0x0303]);
        assert_eq!(h.max_version(), 0x0304);
        assert!(!h.groups.is_empty() && h.extensions.contains(&0x000a));
        // Split across two records, and cut short.
        let body = record.get(5..).unwrap();
        let (a, b) = body.split_at(40);
        let mut split = vec![0x16, 3, 1, 0, a.len() as u8];
        split.extend_from_slice(a);
        split.extend_from_slice(&[0x16, 3, 1, (b.len() >> 8) as u8, b.len() as u8]);
        split.extend_from_slice(b);
        assert_eq!(read_tls(&split), Some(h.clone()));
        for n in 0..record.len() {
            let _ = read_tls(record.get(..n).unwrap());
        }
        assert!(read_tls(record.get(..record.len() - 1).unwrap()).is_none());
        let dtls = hello.dtls_datagram([9; 32]);
        let d = read_dtls(&dtls).unwrap();
        assert_eq!(d.cipher_suites, suites);
        assert!(is_grease(0x0a0a) && is_grease(0xfafa) && !is_grease(0x0a0b) && !is_grease(0x1301));
    }

    #[test]
    fn versions_without_supported_versions_count_up_to_the_legacy_field() {
        let h = ClientHello { legacy_version: 0x0302, ..ClientHello::default() };
        assert_eq!(h.offered_versions(), [0x0300, 0x0301, 0x0302]);
        let d = ClientHello { legacy_version: 0xfefd, supported_versions: vec![], ..ClientHello::default() };
        assert_eq!(d.max_version(), 0xfefd);
    }
}
