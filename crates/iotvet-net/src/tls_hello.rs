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
    build(server_name, random, 0x0303, &SUITES, &[0x0304, 0x0303, 0x0302, 0x0301])
}

/// A ClientHello for one protocol version and the given suites, as a version-and-suite
/// enumeration sends them: up to TLS 1.2 the version is the hello's own field (no
/// supported_versions extension, which old servers do not know); TLS 1.3 is offered only in
/// supported_versions, with a key share.
pub fn client_hello_for(server_name: Option<&str>, random: [u8; 32], version: u16, suites: &[u16]) -> Vec<u8> {
    if version >= 0x0304 {
        build(server_name, random, 0x0303, suites, &[version])
    } else {
        build(server_name, random, version, suites, &[])
    }
}

fn build(
    server_name: Option<&str>,
    random: [u8; 32],
    legacy_version: u16,
    suites: &[u16],
    versions: &[u16],
) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(name) = server_name.filter(|n| n.parse::<std::net::IpAddr>().is_err() && n.len() < 256) {
        let n = name.as_bytes();
        let mut sni = Vec::new();
        put_u16(&mut sni, (n.len() + 3) as u16);
        sni.push(0); // host_name
        put_u16(&mut sni, n.len() as u16);
        sni.extend_from_slice(n);
        extension(&mut exts, 0x0000, &sni);
    }
    // supported_groups: x25519, secp256r1, secp384r1, ffdhe2048
    extension(&mut exts, 0x000a, &list16(&[0x001d, 0x0017, 0x0018, 0x0100]));
    // ec_point_formats: uncompressed
    extension(&mut exts, 0x000b, &[1, 0]);
    // signature_algorithms
    extension(
        &mut exts,
        0x000d,
        &list16(&[0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807, 0x0201, 0x0203]),
    );
    // renegotiation_info (empty)
    extension(&mut exts, 0xff01, &[0]);
    if !versions.is_empty() {
        let mut sv = vec![(versions.len() * 2) as u8];
        for v in versions {
            put_u16(&mut sv, *v);
        }
        extension(&mut exts, 0x002b, &sv);
        // psk_key_exchange_modes: psk_dhe_ke
        extension(&mut exts, 0x002d, &[1, 1]);
        // key_share: one x25519 share. Any 32 bytes are a valid X25519 public value; the
        // handshake is never finished, only the ServerHello is read.
        let mut ks = Vec::new();
        put_u16(&mut ks, 36);
        put_u16(&mut ks, 0x001d);
        put_u16(&mut ks, 32);
        ks.extend_from_slice(&random);
        extension(&mut exts, 0x0033, &ks);
    }

    let mut body = Vec::new();
    put_u16(&mut body, legacy_version);
    body.extend_from_slice(&random);
    body.push(32); // legacy_session_id, for middlebox compatibility
    body.extend_from_slice(&random);
    body.extend_from_slice(&list16(suites));
    body.extend_from_slice(&[1, 0]); // compression: null
    put_u16(&mut body, exts.len() as u16);
    body.extend_from_slice(&exts);

    let mut handshake = vec![1]; // client_hello
    put_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);

    let mut record = vec![0x16];
    put_u16(&mut record, legacy_version.min(0x0301));
    put_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
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
    let body = &bytes[5..];
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
                let hello_version = selected_version(body.get(4..).unwrap_or_default()).unwrap_or(legacy);
                HelloAnswer::ServerHello { record_version, hello_version }
            }
            Some(_) => HelloAnswer::NotTls,
            None => HelloAnswer::Truncated,
        },
    }
}

/// The negotiated version and cipher suite of a ServerHello (TLS 1.3's from supported_versions).
pub fn server_hello_choice(bytes: &[u8]) -> Option<(u16, u16)> {
    let HelloAnswer::ServerHello { hello_version, .. } = read_answer(bytes) else { return None };
    let hello = bytes.get(9..)?;
    let session_id_len = usize::from(*hello.get(34)?);
    let at = 35 + session_id_len;
    let suite = u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]);
    Some((hello_version, suite))
}

/// The version a TLS 1.3 ServerHello selects in its supported_versions extension (RFC 8446
/// §4.2.1); `hello` starts at legacy_version. None when absent or cut short.
fn selected_version(hello: &[u8]) -> Option<u16> {
    let session_id_len = usize::from(*hello.get(34)?);
    let mut at = 35 + session_id_len + 3; // cipher suite, compression method
    let ext_len = usize::from(u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]));
    at += 2;
    let end = at.checked_add(ext_len)?.min(hello.len());
    while at + 4 <= end {
        let kind = u16::from_be_bytes([hello[at], hello[at + 1]]);
        let len = usize::from(u16::from_be_bytes([hello[at + 2], hello[at + 3]]));
        if kind == 0x002b && len == 2 {
            return Some(u16::from_be_bytes([*hello.get(at + 4)?, *hello.get(at + 5)?]));
        }
        at += 4 + len;
    }
    None
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
}
