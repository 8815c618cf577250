//! A hand-built TLS ClientHello and a reader for the first record of the answer.
//! Written by hand rather than with a TLS library because the point is to see what the server
//! does with a hello no library would send as-is (every version, every suite); rustls is used
//! for the full handshakes. See RFC 8446 §4.1.2 and RFC 5246 §7.4.1.2.

/// What the first record of the server's answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloAnswer {
    /// A ServerHello (or HelloRetryRequest); the version field of the record and of the hello.
    ServerHello { record_version: u16, hello_version: u16 },
    /// A TLS alert: the server speaks TLS but refused this hello.
    Alert { level: u8, description: u8 },
    /// Bytes that are not a TLS record.
    NotTls,
    /// A TLS record header, but cut short.
    Truncated,
}

/// Cipher suites offered by the identification hello: TLS 1.3, the common TLS 1.2 ECDHE and RSA
/// suites, and the renegotiation SCSV, so that almost any TLS server finds one it accepts.
const SUITES: [u16; 17] = [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d,
    0x002f, 0x0035, 0x00ff,
];

/// A ClientHello record offering TLS 1.0 to 1.3. `server_name` is sent as SNI when it is a
/// DNS name (not an IP literal).
pub fn client_hello(server_name: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    Hello { versions: &[0x0304, 0x0303, 0x0302, 0x0301], ..Hello::new(server_name, 0x0303, &SUITES) }.record(random)
}

/// A ClientHello random (and, in a TLS 1.3 hello, the X25519 key share): different on every
/// call, from the clock. Nothing secret rides on it; the handshakes are never finished.
/// At most the first `n` items of `items`.
fn head<T>(items: &[T], n: usize) -> &[T] {
    items.get(..n.min(items.len())).unwrap_or(items)
}

/// The name of a TLS alert description (RFC 8446 §6, RFC 5246 §7.2).
pub fn alert_name(description: u8) -> String {
    let name = match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("alert {description}"),
    };
    name.to_owned()
}

pub fn random() -> [u8; 32] {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    std::array::from_fn(|i| (n >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(73))
}

/// Named groups offered by default: every group a server might pick for ECDHE or TLS 1.3, so
/// that a server with an unusual curve still accepts its ECDHE suites.
pub const ALL_GROUPS: [u16; 35] = [
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x001a, 0x001b, 0x001c, 0x001f, 0x0020, 0x0021, 0x0016, 0x0015, 0x0014,
    0x0013, 0x0012, 0x0011, 0x0010, 0x000f, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009,
    0x000a, 0x000b, 0x000c, 0x000d, 0x000e, 0x0100, 0x0101,
];

/// More groups worth asking about in TLS 1.3 (larger FFDHE, hybrid post-quantum).
pub const MORE_GROUPS: [u16; 6] = [0x0102, 0x0103, 0x0104, 0x11ec, 0x11eb, 0x6399];

/// IANA's name of a TLS named group (RFC 8422, RFC 7919, RFC 8446, RFC 8734, draft-ietf-tls-ecdhe-mlkem).
pub fn group_name(code: u16) -> String {
    const SECT: [&str; 14] = [
        "sect163k1",
        "sect163r1",
        "sect163r2",
        "sect193r1",
        "sect193r2",
        "sect233k1",
        "sect233r1",
        "sect239k1",
        "sect283k1",
        "sect283r1",
        "sect409k1",
        "sect409r1",
        "sect571k1",
        "sect571r1",
    ];
    match code {
        1..=14 => SECT.get(usize::from(code - 1)).map_or_else(|| format!("0x{code:04x}"), |n| (*n).to_owned()),
        0x000f => "secp160k1".into(),
        0x0010 => "secp160r1".into(),
        0x0011 => "secp160r2".into(),
        0x0012 => "secp192k1".into(),
        0x0013 => "secp192r1".into(),
        0x0014 => "secp224k1".into(),
        0x0015 => "secp224r1".into(),
        0x0016 => "secp256k1".into(),
        0x0017 => "secp256r1".into(),
        0x0018 => "secp384r1".into(),
        0x0019 => "secp521r1".into(),
        0x001a => "brainpoolP256r1".into(),
        0x001b => "brainpoolP384r1".into(),
        0x001c => "brainpoolP512r1".into(),
        0x001d => "x25519".into(),
        0x001e => "x448".into(),
        0x001f => "brainpoolP256r1tls13".into(),
        0x0020 => "brainpoolP384r1tls13".into(),
        0x0021 => "brainpoolP512r1tls13".into(),
        0x0100 => "ffdhe2048".into(),
        0x0101 => "ffdhe3072".into(),
        0x0102 => "ffdhe4096".into(),
        0x0103 => "ffdhe6144".into(),
        0x0104 => "ffdhe8192".into(),
        0x11eb => "SecP256r1MLKEM768".into(),
        0x11ec => "X25519MLKEM768".into(),
        0x6399 => "X25519Kyber768Draft00".into(),
        other => format!("0x{other:04x}"),
    }
}

/// A ClientHello to build: everything a scan varies.
#[derive(Debug, Clone)]
pub struct Hello<'a> {
    pub server_name: Option<&'a str>,
    /// The hello's own version field (TLS 1.2 for TLS 1.3 hellos).
    pub legacy_version: u16,
    pub suites: &'a [u16],
    /// supported_versions; empty leaves the extension (and key_share) out.
    pub versions: &'a [u16],
    pub groups: &'a [u16],
    /// With `versions`: send one x25519 key share (true) or an empty key_share list (false),
    /// which makes a TLS 1.3 server name the group it wants in a HelloRetryRequest.
    pub key_share: bool,
    /// Compression methods offered (0 = null, 1 = DEFLATE).
    pub compression: &'a [u8],
}

impl<'a> Hello<'a> {
    pub fn new(server_name: Option<&'a str>, legacy_version: u16, suites: &'a [u16]) -> Self {
        Self {
            server_name,
            legacy_version,
            suites,
            versions: &[],
            groups: &ALL_GROUPS,
            key_share: true,
            compression: &[0],
        }
    }

    /// A hello for one protocol version, as a version-and-suite enumeration sends it: up to TLS
    /// 1.2 the version is the hello's own field (no supported_versions extension, which old
    /// servers do not know); TLS 1.3 is offered only in supported_versions, with a key share.
    pub fn for_version(server_name: Option<&'a str>, version: u16, suites: &'a [u16]) -> Self {
        if version >= 0x0304 {
            Self { versions: &[0x0304], ..Self::new(server_name, 0x0303, suites) }
        } else {
            Self::new(server_name, version, suites)
        }
    }

    /// The handshake message body (from client_version on), shared by TLS and DTLS.
    fn body(&self, random: [u8; 32], dtls_cookie: Option<&[u8]>) -> Vec<u8> {
        let mut exts = Vec::new();
        if let Some(name) = self.server_name.filter(|n| n.parse::<std::net::IpAddr>().is_err() && n.len() < 256) {
            let n = name.as_bytes();
            let mut sni = Vec::new();
            put_u16(&mut sni, (n.len() + 3) as u16);
            sni.push(0); // host_name
            put_u16(&mut sni, n.len() as u16);
            sni.extend_from_slice(n);
            extension(&mut exts, 0x0000, &sni);
        }
        extension(&mut exts, 0x000a, &list16(head(self.groups, 1000)));
        // ec_point_formats: uncompressed
        extension(&mut exts, 0x000b, &[1, 0]);
        // signature_algorithms
        extension(
            &mut exts,
            0x000d,
            &list16(&[
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807, 0x0808, 0x0201, 0x0203, 0x0202,
                0x0303, 0x0301, 0x0402, 0x0502, 0x0602,
            ]),
        );
        // extended_master_secret (RFC 7627), renegotiation_info (empty, RFC 5746)
        extension(&mut exts, 0x0017, &[]);
        extension(&mut exts, 0xff01, &[0]);
        if !self.versions.is_empty() {
            let versions = head(self.versions, 100);
            let mut sv = vec![(versions.len() * 2) as u8];
            for v in versions {
                put_u16(&mut sv, *v);
            }
            extension(&mut exts, 0x002b, &sv);
            // psk_key_exchange_modes: psk_dhe_ke
            extension(&mut exts, 0x002d, &[1, 1]);
            // key_share: one x25519 share, or none. Any 32 bytes are a valid X25519 public value;
            // the handshake is never finished, only the server's first flight is read.
            let mut ks = Vec::new();
            if self.key_share {
                put_u16(&mut ks, 36);
                put_u16(&mut ks, 0x001d);
                put_u16(&mut ks, 32);
                ks.extend_from_slice(&random);
            } else {
                put_u16(&mut ks, 0);
            }
            extension(&mut exts, 0x0033, &ks);
        }

        let mut body = Vec::new();
        put_u16(&mut body, self.legacy_version);
        body.extend_from_slice(&random);
        body.push(32); // legacy_session_id, for middlebox compatibility
        body.extend_from_slice(&random);
        if let Some(cookie) = dtls_cookie {
            let cookie = head(cookie, 255);
            body.push(cookie.len() as u8);
            body.extend_from_slice(cookie);
        }
        body.extend_from_slice(&list16(head(self.suites, 4000)));
        let compression = head(self.compression, 255);
        body.push(compression.len() as u8);
        body.extend_from_slice(compression);
        put_u16(&mut body, exts.len() as u16);
        body.extend_from_slice(&exts);
        body
    }

    /// The hello as one TLS record.
    pub fn record(&self, random: [u8; 32]) -> Vec<u8> {
        let body = self.body(random, None);
        let mut handshake = vec![1]; // client_hello
        put_u24(&mut handshake, body.len());
        handshake.extend_from_slice(&body);

        let mut record = vec![0x16];
        put_u16(&mut record, self.legacy_version.clamp(0x0300, 0x0301));
        put_u16(&mut record, handshake.len() as u16);
        record.extend_from_slice(&handshake);
        record
    }

    /// The hello as one DTLS datagram (RFC 6347 §4.2.2): `legacy_version` is then a DTLS
    /// version (0xfefd for DTLS 1.2, 0xfeff for 1.0) and the cookie is empty.
    pub fn dtls_datagram(&self, random: [u8; 32]) -> Vec<u8> {
        self.dtls_datagram_with_cookie(random, &[])
    }

    /// The hello again with the cookie a HelloVerifyRequest gave (RFC 6347 §4.2.1).
    pub fn dtls_datagram_with_cookie(&self, random: [u8; 32], cookie: &[u8]) -> Vec<u8> {
        let body = self.body(random, Some(cookie));
        // The hello that carries a cookie is the client's second message and record.
        let seq = u8::from(!cookie.is_empty());
        let mut handshake = vec![1];
        put_u24(&mut handshake, body.len());
        handshake.extend_from_slice(&[0, seq]); // message_seq
        put_u24(&mut handshake, 0); // fragment_offset
        put_u24(&mut handshake, body.len()); // fragment_length
        handshake.extend_from_slice(&body);
        let mut record = vec![0x16, 0xfe, 0xff]; // DTLS 1.0 record version, as clients send it
        record.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, seq]); // epoch 0, sequence number
        put_u16(&mut record, handshake.len() as u16);
        record.extend_from_slice(&handshake);
        record
    }
}

/// What a DTLS server answered to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DtlsAnswer {
    /// HelloVerifyRequest (3, the cookie exchange), ServerHello (2), or another handshake message.
    Handshake {
        record_version: u16,
        message: u8,
    },
    Alert {
        level: u8,
        description: u8,
    },
}

/// The body of the first handshake message of a DTLS datagram, when it is of type `message`.
fn dtls_handshake_body(bytes: &[u8], message: u8) -> Option<&[u8]> {
    if bytes.first() != Some(&0x16) {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*bytes.get(11)?, *bytes.get(12)?]));
    let record = bytes.get(13..13 + len)?;
    let (&kind, rest) = record.split_first()?;
    let body_len = usize::try_from(u32::from_be_bytes([0, *rest.first()?, *rest.get(1)?, *rest.get(2)?])).ok()?;
    (kind == message).then(|| rest.get(11..11 + body_len)).flatten()
}

/// The cookie of a HelloVerifyRequest datagram (server_version, then the cookie).
pub fn hello_verify_cookie(bytes: &[u8]) -> Option<Vec<u8>> {
    let body = dtls_handshake_body(bytes, 3)?;
    let len = usize::from(*body.get(2)?);
    body.get(3..3 + len).map(<[u8]>::to_vec)
}

/// The version a DTLS ServerHello chose (its server_version field).
pub fn dtls_server_hello_version(bytes: &[u8]) -> Option<u16> {
    let body = dtls_handshake_body(bytes, 2)?;
    Some(u16::from_be_bytes([*body.first()?, *body.get(1)?]))
}

/// The ServerHello of a DTLS datagram, with the version from supported_versions (DTLS 1.3).
pub fn read_dtls_server_hello(bytes: &[u8]) -> Option<ServerHello> {
    parse_server_hello(dtls_handshake_body(bytes, 2)?)
}

/// A bare ServerHello handshake message (type 2, 24-bit length), e.g. from QUIC CRYPTO frames.
pub fn read_server_hello_message(message: &[u8]) -> Option<ServerHello> {
    let (&kind, rest) = message.split_first()?;
    if kind != 2 {
        return None;
    }
    let len = u32::from_be_bytes([0, *rest.first()?, *rest.get(1)?, *rest.get(2)?]) as usize;
    parse_server_hello(message.get(4..4 + len)?)
}

/// Reads a datagram as a DTLS record answering a ClientHello; None when it is not DTLS.
pub fn read_dtls_answer(bytes: &[u8]) -> Option<DtlsAnswer> {
    let content_type = *bytes.first()?;
    let record_version = u16::from_be_bytes([*bytes.get(1)?, *bytes.get(2)?]);
    if !matches!(record_version, 0xfeff | 0xfefd | 0xfefc) {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*bytes.get(11)?, *bytes.get(12)?]));
    let body = bytes.get(13..13 + len)?;
    match (content_type, body) {
        (0x15, &[level @ 1..=2, description]) => Some(DtlsAnswer::Alert { level, description }),
        (0x16, &[message @ (2 | 3 | 11 | 12 | 14), ..]) if body.len() >= 12 => {
            Some(DtlsAnswer::Handshake { record_version, message })
        }
        _ => None,
    }
}

/// The server's first flight, as far as it was read: the ServerHello and the handshake
/// messages after it (TLS 1.2 and older send them in clear; TLS 1.3 encrypts them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flight {
    pub hello: Option<ServerHello>,
    /// Handshake messages after the ServerHello: (type, body).
    pub messages: Vec<(u8, Vec<u8>)>,
    /// The alert the server sent instead of (or after) a hello: (level, description).
    pub alert: Option<(u8, u8)>,
    /// Nothing more will come in clear: ServerHelloDone seen, a TLS 1.3 hello, an alert, or a
    /// record that is not a handshake.
    pub complete: bool,
    /// The bytes are not TLS.
    pub not_tls: bool,
}

/// The fields of a ServerHello (or HelloRetryRequest) that a scan looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The version chosen: supported_versions' when present, else the legacy field.
    pub version: u16,
    /// The legacy version field as sent (0x0303 in a TLS 1.3 hello; JA3S uses it).
    pub legacy_version: u16,
    pub cipher_suite: u16,
    pub compression: u8,
    /// Extension types the server sent, in order.
    pub extensions: Vec<u16>,
    /// It is a HelloRetryRequest (RFC 8446 §4.1.3), whose key_share names the group wanted.
    pub retry_request: bool,
    /// The group of the key_share (the selected group of a HelloRetryRequest).
    pub key_share_group: Option<u16>,
}

/// The random that marks a HelloRetryRequest: SHA-256 of "HelloRetryRequest".
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Reads the server's answer to a ClientHello: TLS records of any size and split, handshake
/// messages reassembled across records. Never panics; reads no further than `bytes`.
pub fn read_flight(bytes: &[u8]) -> Flight {
    let mut flight = Flight::default();
    let not_tls = |mut f: Flight| {
        f.not_tls = f.hello.is_none();
        f.complete = true;
        f
    };
    if bytes.first().is_some_and(|b| *b != 0x16 && *b != 0x15) || bytes.get(1).is_some_and(|b| *b != 3) {
        return not_tls(flight);
    }
    let mut handshake = Vec::new();
    let mut at = 0;
    while let Some(&[content_type, major, minor, hi, lo]) = bytes.get(at..at + 5) {
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if major != 3 || minor > 4 || len > 18432 {
            return not_tls(flight);
        }
        let Some(body) = bytes.get(at + 5..at + 5 + len) else { break };
        at += 5 + len;
        match content_type {
            0x16 => handshake.extend_from_slice(body),
            0x15 => {
                if let &[level, description] = body {
                    flight.alert = Some((level, description));
                    // A warning (level 1) may come before the hello; reading goes on.
                    if level == 1 {
                        continue;
                    }
                }
                flight.complete = true;
                break;
            }
            0x14 | 0x17 => {
                flight.complete = true;
                break;
            }
            // A record of another type (a heartbeat, 24) after the handshake began ends the
            // reading; as the first record it means the bytes are not a TLS answer.
            _ if !handshake.is_empty() => {
                flight.complete = true;
                break;
            }
            _ => return not_tls(flight),
        }
    }
    let mut msg_at = 0;
    while let Some(&[kind, a, b, c]) = handshake.get(msg_at..msg_at + 4) {
        let len = u32::from_be_bytes([0, a, b, c]) as usize;
        let Some(body) = handshake.get(msg_at + 4..msg_at + 4 + len) else { break };
        msg_at += 4 + len;
        if flight.hello.is_none() {
            if kind != 2 {
                return not_tls(flight);
            }
            flight.hello = parse_server_hello(body);
            if flight.hello.as_ref().is_none_or(|h| h.version >= 0x0304 || h.retry_request) {
                flight.complete = true;
                break;
            }
        } else {
            flight.messages.push((kind, body.to_vec()));
            if kind == 14 {
                flight.complete = true;
                break;
            }
        }
    }
    flight
}

fn parse_server_hello(b: &[u8]) -> Option<ServerHello> {
    let legacy = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let retry_request = b.get(2..34)? == HRR_RANDOM;
    // TLS 1.3 drafts before 22 (version 0x7fNN) had no session id and no compression method.
    let draft = legacy >> 8 == 0x7f && (legacy & 0xff) < 22;
    let (at, compression) = if draft { (34, 0) } else { (35 + usize::from(*b.get(34)?), 1) };
    let cipher_suite = u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]);
    let compression_method = if compression == 1 { *b.get(at + 2)? } else { 0 };
    let at = at + compression - 1;
    let mut hello = ServerHello {
        version: legacy,
        legacy_version: legacy,
        cipher_suite,
        compression: compression_method,
        extensions: vec![],
        retry_request,
        key_share_group: None,
    };
    let Some(&[hi, lo]) = b.get(at + 3..at + 5) else { return Some(hello) };
    let mut e = at + 5;
    let end = (e + usize::from(u16::from_be_bytes([hi, lo]))).min(b.len());
    while e + 4 <= end {
        let Some(&[k0, k1, l0, l1]) = b.get(e..e + 4) else { break };
        let kind = u16::from_be_bytes([k0, k1]);
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let data = b.get(e + 4..(e + 4 + len).min(end)).unwrap_or_default();
        hello.extensions.push(kind);
        match (kind, data) {
            (0x002b, &[hi, lo]) => hello.version = u16::from_be_bytes([hi, lo]),
            (0x0033, &[hi, lo, ..]) => hello.key_share_group = Some(u16::from_be_bytes([hi, lo])),
            _ => {}
        }
        e += 4 + len;
    }
    Some(hello)
}

/// The key exchange a TLS 1.2 ServerKeyExchange carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// Finite-field Diffie-Hellman with a prime of this many bits.
    Dh { prime_bits: u32 },
    /// Elliptic-curve Diffie-Hellman on a named group.
    Ec { group: u16 },
}

/// Reads the ServerKeyExchange body of a DHE or ECDHE suite (RFC 5246 §7.4.3, RFC 8422 §5.4).
pub fn read_key_exchange(ecdhe: bool, body: &[u8]) -> Option<KeyExchange> {
    if ecdhe {
        // curve_type 3 = named_curve
        return match body {
            &[3, hi, lo, ..] => Some(KeyExchange::Ec { group: u16::from_be_bytes([hi, lo]) }),
            _ => None,
        };
    }
    let len = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
    let p = body.get(2..2 + len)?;
    let p = p.get(p.iter().position(|b| *b != 0)?..)?;
    Some(KeyExchange::Dh { prime_bits: (p.len() as u32) * 8 - p.first()?.leading_zeros() })
}

/// Reads the first record of a server's answer to a ClientHello.
pub fn read_answer(bytes: &[u8]) -> HelloAnswer {
    let Some(&[content_type, major, minor, len_hi, len_lo]) = bytes.get(..5) else {
        return if bytes.first().is_some_and(|b| *b == 0x16 || *b == 0x15) && bytes.get(1).is_none_or(|b| *b == 3) {
            HelloAnswer::Truncated
        } else {
            HelloAnswer::NotTls
        };
    };
    if major != 3 || minor > 4 || !matches!(content_type, 0x15 | 0x16) {
        return HelloAnswer::NotTls;
    }
    let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
    if len == 0 || len > 18432 {
        return HelloAnswer::NotTls;
    }
    let body = bytes.get(5..).unwrap_or_default();
    let record_version = u16::from_be_bytes([major, minor]);
    match content_type {
        0x15 => match body.get(..2) {
            Some(&[level, description]) if (1..=2).contains(&level) => HelloAnswer::Alert { level, description },
            Some(_) => HelloAnswer::NotTls,
            None => HelloAnswer::Truncated,
        },
        _ => match body.get(..6) {
            Some(&[2, _, _, _, v_hi, v_lo]) => {
                let legacy = u16::from_be_bytes([v_hi, v_lo]);
                // As far as it has arrived: supported_versions' choice, else the legacy field.
                let hello_version = body.get(4..).and_then(parse_server_hello).map_or(legacy, |h| h.version);
                HelloAnswer::ServerHello { record_version, hello_version }
            }
            Some(_) => HelloAnswer::NotTls,
            None => HelloAnswer::Truncated,
        },
    }
}

/// rustls's name of a cipher suite (TLS 1.3's with its `TLS13_` prefix), without allocating.
pub fn suite_str(code: u16) -> Option<&'static str> {
    rustls::CipherSuite::from(code).as_str()
}

/// The IANA name of a cipher suite, if it has one (rustls's registry; TLS 1.3's `TLS13_` prefix
/// mapped back to IANA's `TLS_`).
pub fn suite_name(code: u16) -> Option<String> {
    let name = suite_str(code)?;
    Some(name.strip_prefix("TLS13_").map(|rest| format!("TLS_{rest}")).unwrap_or_else(|| name.to_owned()))
}

/// `TLSv1.2` for 0x0303 and so on.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

fn list16(items: &[u16]) -> Vec<u8> {
    let mut out = Vec::new();
    put_u16(&mut out, (items.len() * 2) as u16);
    for i in items {
        put_u16(&mut out, *i);
    }
    out
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // tests may index: a panic there is a failed test
mod tests {
    use super::*;

    #[test]
    fn hello_lengths_are_consistent() {
        let h = client_hello(Some("cam.example"), [7; 32]);
        assert_eq!(h[0], 0x16);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 1);
        let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(hs_len, h.len() - 9);
        // No SNI for an IP literal.
        assert!(client_hello(Some("127.0.0.1"), [7; 32]).len() < h.len());
    }

    #[test]
    fn reads_server_hello_alert_and_garbage() {
        assert_eq!(
            read_answer(&[0x16, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3]),
            HelloAnswer::ServerHello { record_version: 0x0303, hello_version: 0x0303 }
        );
        // A TLS 1.3 ServerHello: legacy_version 1.2, supported_versions 1.3.
        let mut hello = vec![0x16, 3, 3, 0, 0, 2, 0, 0, 0, 3, 3];
        hello.extend_from_slice(&[0xaa; 32]);
        hello.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4]);
        let len = (hello.len() - 5) as u16;
        hello[3..5].copy_from_slice(&len.to_be_bytes());
        assert_eq!(read_answer(&hello), HelloAnswer::ServerHello { record_version: 0x0303, hello_version: 0x0304 });
        hello.truncate(hello.len() - 3);
        assert_eq!(read_answer(&hello), HelloAnswer::ServerHello { record_version: 0x0303, hello_version: 0x0303 });
        assert_eq!(read_answer(&[0x15, 3, 1, 0, 2, 2, 40]), HelloAnswer::Alert { level: 2, description: 40 });
        assert_eq!(read_answer(b"HTTP/1.1 400 Bad Request"), HelloAnswer::NotTls);
        assert_eq!(read_answer(&[0x16, 3]), HelloAnswer::Truncated);
        assert_eq!(read_answer(&[0x16, 3, 3, 0, 80]), HelloAnswer::Truncated);
        assert_eq!(read_answer(&[]), HelloAnswer::NotTls);
    }

    /// A TLS 1.2 first flight as a server sends it: ServerHello (DEFLATE chosen, renegotiation_info
    /// and extended_master_secret echoed), Certificate, ServerKeyExchange, ServerHelloDone; the
    /// handshake messages split across records at odd places.
    fn flight(ske: &[u8]) -> Vec<u8> {
        let message = |kind: u8, body: &[u8]| {
            let mut m = vec![kind];
            put_u24(&mut m, body.len());
            m.extend_from_slice(body);
            m
        };
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&[0x11; 32]);
        hello.extend_from_slice(&[0, 0xc0, 0x2f, 1]); // no session id, suite, compression DEFLATE
        hello.extend_from_slice(&[0, 9, 0xff, 0x01, 0, 1, 0, 0x00, 0x17, 0, 0]);
        let mut cert_list = Vec::new();
        put_u24(&mut cert_list, 3 + 5);
        put_u24(&mut cert_list, 5);
        cert_list.extend_from_slice(b"12345");
        let mut handshake = message(2, &hello);
        handshake.extend(message(11, &cert_list));
        handshake.extend(message(12, ske));
        handshake.extend(message(14, &[]));
        let mut out = Vec::new();
        for part in handshake.chunks(37) {
            out.extend_from_slice(&[0x16, 3, 3]);
            put_u16(&mut out, part.len() as u16);
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn reads_a_whole_flight_across_records() {
        // DHE: a 1024-bit prime (its first byte 0x80), then g and Ys.
        let mut ske = vec![0, 128, 0x80];
        ske.extend_from_slice(&[0x55; 127]);
        ske.extend_from_slice(&[0, 1, 2, 0, 1, 7]);
        let bytes = flight(&ske);
        let f = read_flight(&bytes);
        assert!(f.complete && !f.not_tls && f.alert.is_none());
        let h = f.hello.clone().unwrap();
        assert_eq!((h.version, h.cipher_suite, h.compression), (0x0303, 0xc02f, 1));
        assert_eq!(h.extensions, vec![0xff01, 0x0017]);
        assert!(!h.retry_request);
        assert_eq!(f.messages.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![11, 12, 14]);
        assert_eq!(read_key_exchange(false, &f.messages[1].1), Some(KeyExchange::Dh { prime_bits: 1024 }));
        // ECDHE: named curve secp384r1.
        assert_eq!(read_key_exchange(true, &[3, 0, 0x18, 1, 4]), Some(KeyExchange::Ec { group: 0x0018 }));
        // Cut anywhere before ServerHelloDone, the flight is incomplete, never misread.
        for cut in 1..bytes.len() - 1 {
            let part = read_flight(&bytes[..cut]);
            assert!(!part.complete && !part.not_tls, "cut at {cut}");
        }
        // An alert after the hello completes the flight; HTTP is not TLS.
        let mut alerted = bytes[..5 + 37].to_vec();
        alerted.extend_from_slice(&[0x15, 3, 3, 0, 2, 2, 40]);
        assert_eq!(read_flight(&alerted).alert, Some((2, 40)));
        assert!(read_flight(b"HTTP/1.1 400 Bad Request\r\n").not_tls);
    }

    #[test]
    fn hello_retry_request_names_the_group() {
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&HRR_RANDOM);
        hello.extend_from_slice(&[0, 0x13, 0x01, 0]);
        hello.extend_from_slice(&[0, 12, 0, 0x2b, 0, 2, 3, 4, 0, 0x33, 0, 2, 0x00, 0x17]);
        let mut record = vec![0x16, 3, 3];
        put_u16(&mut record, (hello.len() + 4) as u16);
        record.push(2);
        put_u24(&mut record, hello.len());
        record.extend_from_slice(&hello);
        let f = read_flight(&record);
        let h = f.hello.unwrap();
        assert!(h.retry_request && f.complete);
        assert_eq!((h.version, h.key_share_group), (0x0304, Some(0x0017)));
    }

    #[test]
    fn dtls_answers_are_read_and_others_are_not() {
        // HelloVerifyRequest: record header (DTLS 1.0), handshake header with fragment fields.
        let mut hvr = vec![0x16, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15];
        hvr.extend_from_slice(&[3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0]);
        assert_eq!(read_dtls_answer(&hvr), Some(DtlsAnswer::Handshake { record_version: 0xfeff, message: 3 }));
        let alert = [0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40];
        assert_eq!(read_dtls_answer(&alert), Some(DtlsAnswer::Alert { level: 2, description: 40 }));
        assert_eq!(read_dtls_answer(&[0x16, 3, 3, 0, 2, 2, 40]), None, "TLS, not DTLS");
        let datagram = Hello::new(None, 0xfefd, &[0xc0a8]).dtls_datagram([1; 32]);
        assert_eq!(usize::from(u16::from_be_bytes([datagram[11], datagram[12]])), datagram.len() - 13);
        // A HelloVerifyRequest with a 4-byte cookie, and the hello sent again with it.
        // record header (13), handshake header (type 3, length 7, seq 0, offset 0, fragment 7), body
        let mut hvr = vec![0x16, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 19];
        hvr.extend_from_slice(&[3, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 7]);
        hvr.extend_from_slice(&[0xfe, 0xff, 4, 9, 8, 7, 6]);
        assert_eq!(hello_verify_cookie(&hvr), Some(vec![9, 8, 7, 6]));
        assert_eq!(dtls_server_hello_version(&hvr), None, "not a ServerHello");
        let again = Hello::new(None, 0xfefd, &[0xc0a8]).dtls_datagram_with_cookie([1; 32], &[9, 8, 7, 6]);
        assert_eq!(again.len(), datagram.len() + 4);
        assert_eq!(again[10], 1, "the second record");
        let mut hello = hvr.clone();
        hello[13] = 2;
        assert_eq!(dtls_server_hello_version(&hello), Some(0xfeff));
        for n in 0..hvr.len() {
            let _ = (hello_verify_cookie(&hvr[..n]), dtls_server_hello_version(&hvr[..n]));
        }
    }
}
