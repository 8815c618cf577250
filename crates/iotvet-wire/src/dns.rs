//! DNS messages (RFC 1035 §4): the header, the questions, and the answers as far as iotvet reads
//! them (A, AAAA, CNAME, PTR names; other types by number). Written by hand: the reader needs
//! about a hundred lines, a DNS library would be a large dependency, and every read here is
//! bounded (64 records, compression pointers followed at most 128 labels deep).

use std::net::{Ipv4Addr, Ipv6Addr};

/// A DNS message's header fields and records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    pub response: bool,
    /// RCODE (0 no error, 3 NXDOMAIN…).
    pub rcode: u8,
    /// (name, type)
    pub questions: Vec<(String, u16)>,
    pub answers: Vec<Record>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub kind: u16,
    pub data: RData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// CNAME, PTR, NS: a name.
    Name(String),
    /// TXT strings, joined.
    Text(String),
    Other,
}

/// The conventional name of a record type.
pub fn type_name(kind: u16) -> String {
    match kind {
        1 => "A".into(),
        2 => "NS".into(),
        5 => "CNAME".into(),
        12 => "PTR".into(),
        15 => "MX".into(),
        16 => "TXT".into(),
        28 => "AAAA".into(),
        33 => "SRV".into(),
        65 => "HTTPS".into(),
        255 => "ANY".into(),
        n => format!("TYPE{n}"),
    }
}

/// Reads a DNS message (UDP payload; for TCP strip the 2-byte length first). None when the
/// header or a question does not parse, or the counts are implausible.
pub fn parse(msg: &[u8]) -> Option<Message> {
    let u16_at = |at: usize| msg.get(at..at + 2).and_then(|b| Some(u16::from_be_bytes([*b.first()?, *b.get(1)?])));
    let (id, flags) = (u16_at(0)?, u16_at(2)?);
    let (questions, answers) = (usize::from(u16_at(4)?), usize::from(u16_at(6)?));
    // Opcode 0 (query), 2 (status) or 5 (update); Z bit clear is not required (mDNS).
    if questions > 64 || answers > 512 || !matches!((flags >> 11) & 0xf, 0 | 2 | 4 | 5) {
        return None;
    }
    let mut m = Message { id, response: flags & 0x8000 != 0, rcode: (flags & 0xf) as u8, ..Message::default() };
    let mut at = 12;
    for _ in 0..questions {
        let (qname, end) = name(msg, at)?;
        m.questions.push((qname, u16_at(end)?));
        at = end + 4;
    }
    if at > msg.len() {
        return None;
    }
    for _ in 0..answers.min(64) {
        let Some((rname, end)) = name(msg, at) else { break };
        let Some(&[t0, t1, _, _, _, _, _, _, l0, l1]) = msg.get(end..end + 10) else { break };
        let (kind, len, rdata) = (u16::from_be_bytes([t0, t1]), usize::from(u16::from_be_bytes([l0, l1])), end + 10);
        let Some(raw) = msg.get(rdata..rdata + len) else { break };
        let data = match (kind, raw) {
            (1, &[a, b, c, d]) => RData::A(Ipv4Addr::new(a, b, c, d)),
            (28, raw) if raw.len() == 16 => RData::Aaaa(Ipv6Addr::from(<[u8; 16]>::try_from(raw).unwrap_or_default())),
            (2 | 5 | 12, _) => name(msg, rdata).map_or(RData::Other, |(n, _)| RData::Name(n)),
            (16, _) => {
                let mut text = String::new();
                let mut t = raw;
                while let Some((&n, rest)) = t.split_first() {
                    let Some(chunk) = rest.get(..usize::from(n)) else { break };
                    text.push_str(&String::from_utf8_lossy(chunk));
                    t = rest.get(usize::from(n)..).unwrap_or_default();
                }
                RData::Text(text)
            }
            _ => RData::Other,
        };
        m.answers.push(Record { name: rname, kind, data });
        at = rdata + len;
    }
    Some(m)
}

/// The names PTR answers point to in a DNS message (for DNS-SD enumeration: the service types,
/// e.g. `_http._tcp.local`), at most 20.
pub fn ptr_answers(msg: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in parse(msg).map(|m| m.answers).unwrap_or_default() {
        if let (12, RData::Name(n)) = (r.kind, r.data) {
            if out.len() < 20 && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// The name at `at` (dotted) and where the name's own bytes end.
fn name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    // One string for the whole name (a resolver flow has thousands of answers).
    let mut name = String::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at)?;
        match len {
            0 => return Some((name, end.unwrap_or(at + 1))),
            l if l & 0xc0 == 0xc0 => {
                end.get_or_insert(at + 2);
                at = usize::from(u16::from_be_bytes([l & 0x3f, *msg.get(at + 1)?]));
            }
            l if l < 64 => {
                let label = msg.get(at + 1..at + 1 + usize::from(l))?;
                if !name.is_empty() {
                    name.push('.');
                }
                match std::str::from_utf8(label) {
                    Ok(text) => name.push_str(text),
                    Err(_) => name.push_str(&String::from_utf8_lossy(label)),
                }
                at += 1 + usize::from(l);
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response for cam.example: CNAME to c.example (compressed), then its A record.
    fn response() -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        m.extend_from_slice(b"\x03cam\x07example\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x04\x01c\xc0\x10");
        m.extend_from_slice(b"\xc0\x29\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x5d\xb8\xd8\x22");
        m
    }

    #[test]
    fn questions_and_answers_are_read_with_compression() {
        let m = parse(&response()).unwrap();
        assert!(m.response && m.id == 0x1234 && m.rcode == 0);
        assert_eq!(m.questions, [("cam.example".to_owned(), 1)]);
        assert_eq!(m.answers.first().map(|r| &r.data), Some(&RData::Name("c.example".into())));
        assert_eq!(
            m.answers.get(1).map(|r| (&r.name, &r.data)),
            Some((&"c.example".to_owned(), &RData::A(Ipv4Addr::new(93, 184, 216, 34))))
        );
        let whole = response();
        for n in 0..whole.len() {
            let _ = parse(whole.get(..n).unwrap());
        }
        assert!(parse(b"\x00\x01\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00").is_none(), "65,535 questions");
        assert_eq!(type_name(28), "AAAA");
    }
}
