//! TLS client and server fingerprints, as the tools people compare with compute them:
//! JA3 and JA3S (Salesforce, 2017: MD5 of the decimal field lists) and JA4 (FoxIO, 2023:
//! `t13d1516h2_8daaf6152771_e5627efa2ab1`). GREASE values are left out of all three.

use md5::Digest as _;

use crate::client_hello::{is_grease, ClientHello};

// The fingerprints are computed for every TLS flow of a capture (hundreds of thousands in a
// big one): the field lists are written straight into one string, not through `format!` and a
// string per value.

/// Appends `v` in decimal.
fn push_dec(out: &mut String, v: u16) {
    let mut started = false;
    for place in [10_000u16, 1_000, 100, 10, 1] {
        let digit = (v / place) % 10;
        if digit != 0 || started || place == 1 {
            out.push(hex_digit(digit));
            started = true;
        }
    }
}

/// The lower-case hex digit of the low four bits.
fn hex_digit(v: u16) -> char {
    char::from_digit(u32::from(v & 0xf), 16).unwrap_or('0')
}

/// Appends `v` as four lower-case hex digits.
fn push_hex4(out: &mut String, v: u16) {
    out.extend([12, 8, 4, 0].map(|shift| hex_digit(v >> shift)));
}

/// Appends the values (GREASE left out) in decimal, joined by `-`.
fn push_dec_list(out: &mut String, values: impl IntoIterator<Item = u16>) {
    for (i, v) in values.into_iter().filter(|v| !is_grease(*v)).enumerate() {
        if i > 0 {
            out.push('-');
        }
        push_dec(out, v);
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(hex_digit(u16::from(b >> 4)));
        out.push(hex_digit(u16::from(*b)));
    }
    out
}

/// The JA3 string: `version,ciphers,extensions,groups,point_formats`.
pub fn ja3_string(h: &ClientHello) -> String {
    let mut s = String::with_capacity(256);
    push_dec(&mut s, h.legacy_version);
    s.push(',');
    push_dec_list(&mut s, h.cipher_suites.iter().copied());
    s.push(',');
    push_dec_list(&mut s, h.extensions.iter().copied());
    s.push(',');
    push_dec_list(&mut s, h.groups.iter().copied());
    s.push(',');
    // Point formats are one byte each and never GREASE.
    for (i, f) in h.point_formats.iter().enumerate() {
        if i > 0 {
            s.push('-');
        }
        push_dec(&mut s, u16::from(*f));
    }
    s
}

/// JA3: the MD5 of the JA3 string, in hex.
pub fn ja3(h: &ClientHello) -> String {
    hex(&md5::Md5::digest(ja3_string(h).as_bytes()))
}

/// JA3S of a ServerHello: MD5 of `version,cipher,extensions` (the legacy version field).
pub fn ja3s(legacy_version: u16, cipher_suite: u16, extensions: &[u16]) -> String {
    let mut s = String::with_capacity(128);
    push_dec(&mut s, legacy_version);
    s.push(',');
    push_dec(&mut s, cipher_suite);
    s.push(',');
    push_dec_list(&mut s, extensions.iter().copied());
    hex(&md5::Md5::digest(s.as_bytes()))
}

/// The transport a hello came over, JA4's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Quic,
    Dtls,
}

fn sha12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    hex(sha2::Sha256::digest(s.as_bytes()).get(..6).unwrap_or_default())
}

/// JA4 (FoxIO's specification): `{t|q|d}{version}{d|i}{ciphers:02}{extensions:02}{alpn}_`
/// `{sha256(sorted ciphers)[..12]}_{sha256(sorted extensions w/o SNI and ALPN + "_" + signature algorithms)[..12]}`.
pub fn ja4(h: &ClientHello, transport: Transport) -> String {
    let kind = match transport {
        Transport::Tcp => 't',
        Transport::Quic => 'q',
        Transport::Dtls => 'd',
    };
    let version = match h.max_version() {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    };
    let sni = if h.extensions.contains(&0x0000) { 'd' } else { 'i' };
    let ciphers: Vec<u16> = h.cipher_suites.iter().copied().filter(|c| !is_grease(*c)).collect();
    let extensions: Vec<u16> = h.extensions.iter().copied().filter(|e| !is_grease(*e)).collect();
    let alpn = match h.alpn.first().map(String::as_bytes) {
        Some([first, .., last]) if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() => {
            format!("{}{}", char::from(*first), char::from(*last))
        }
        Some([only]) if only.is_ascii_alphanumeric() => format!("{}{}", char::from(*only), char::from(*only)),
        Some(value @ [_, ..]) => {
            let h = hex(value);
            format!("{}{}", h.chars().next().unwrap_or('0'), h.chars().last().unwrap_or('0'))
        }
        _ => "00".into(),
    };
    let list = |mut v: Vec<u16>, sort: bool| {
        if sort {
            v.sort_unstable();
        }
        let mut s = String::with_capacity(v.len() * 5);
        for (i, x) in v.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            push_hex4(&mut s, *x);
        }
        s
    };
    let cipher_hash = sha12(&list(ciphers.clone(), true));
    let mut ext_part = list(extensions.iter().copied().filter(|e| *e != 0x0000 && *e != 0x0010).collect(), true);
    let sigs: Vec<u16> = h.signature_algorithms.iter().copied().filter(|s| !is_grease(*s)).collect();
    if !sigs.is_empty() && !ext_part.is_empty() {
        ext_part = format!("{ext_part}_{}", list(sigs, false));
    }
    format!(
        "{kind}{version}{sni}{:02}{:02}{alpn}_{cipher_hash}_{}",
        ciphers.len().min(99),
        extensions.len().min(99),
        sha12(&ext_part)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_format_writes_them() {
        for v in [0u16, 7, 10, 99, 100, 771, 4865, 10_000, 65_535] {
            let (mut d, mut h) = (String::new(), String::new());
            push_dec(&mut d, v);
            push_hex4(&mut h, v);
            assert_eq!((d, h), (v.to_string(), format!("{v:04x}")));
        }
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    /// The example of FoxIO's JA4 technical details: a Chrome ClientHello.
    #[test]
    fn ja4_matches_the_specification_example() {
        let h = ClientHello {
            legacy_version: 0x0303,
            cipher_suites: vec![
                0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
                0x002f, 0x0035,
            ],
            extensions: vec![
                0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
                0x000b, 0x000a, 0x0015,
            ],
            sni: Some("example.com".into()),
            supported_versions: vec![0x0304, 0x0303],
            alpn: vec!["h2".into(), "http/1.1".into()],
            signature_algorithms: vec![0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            ..ClientHello::default()
        };
        assert_eq!(ja4(&h, Transport::Tcp), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    }

    #[test]
    fn ja3_follows_the_field_order_and_leaves_grease_out() {
        let h = ClientHello {
            legacy_version: 0x0303,
            cipher_suites: vec![0x0a0a, 0xc02f, 0x002f],
            extensions: vec![0x0000, 0x000a, 0x000b],
            groups: vec![0x001d, 0x0017],
            point_formats: vec![0],
            ..ClientHello::default()
        };
        assert_eq!(ja3_string(&h), "771,49199-47,0-10-11,29-23,0");
        assert_eq!(ja3(&h).len(), 32);
        assert_eq!(ja3s(0x0303, 0xc02f, &[0xff01, 0x000b]).len(), 32);
    }
}
