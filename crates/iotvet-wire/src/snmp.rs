//! SNMP messages in BER, built and read by hand: two fixed message shapes (a v1/v2c GetRequest
//! for sysDescr.0 and a v3 engine-discovery request) and the answers to them do not warrant an
//! ASN.1 library. Every length is checked against the bytes there are.

/// sysDescr.0, 1.3.6.1.2.1.1.1.0.
pub const SYS_DESCR: [u8; 8] = [0x2b, 6, 1, 2, 1, 1, 1, 0];

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        n @ 0..=127 => out.push(n as u8),
        n @ 128..=255 => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// A GetRequest for sysDescr.0; `version` 0 is v1, 1 is v2c. Request ids stay within
/// 0x01000000..0x7fffffff so they encode in four bytes without a sign byte.
pub fn get_request(community: &str, request_id: u32, version: u8) -> Vec<u8> {
    let varbind = tlv(0x30, &[tlv(0x06, &SYS_DESCR), vec![0x05, 0x00]].concat());
    let pdu = tlv(
        0xa0,
        &[tlv(0x02, &request_id.to_be_bytes()), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x30, &varbind)].concat(),
    );
    let bytes = community.as_bytes();
    let c = bytes.get(..bytes.len().min(255)).unwrap_or(bytes);
    tlv(0x30, &[tlv(0x02, &[version]), tlv(0x04, c), pdu].concat())
}

/// An SNMPv3 engine-discovery request (RFC 3414 §4): a GetRequest with no user, no engine ID
/// and the reportable flag, which a v3 agent answers with a Report carrying its engine ID.
pub fn v3_discovery(message_id: u32) -> Vec<u8> {
    let id = message_id.to_be_bytes();
    let global =
        tlv(0x30, &[tlv(0x02, &id), tlv(0x02, &[0x00, 0xff, 0xe3]), tlv(0x04, &[0x04]), tlv(0x02, &[3])].concat());
    let usm = tlv(
        0x30,
        &[tlv(0x04, &[]), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x04, &[]), tlv(0x04, &[]), tlv(0x04, &[])].concat(),
    );
    let pdu = tlv(0xa0, &[tlv(0x02, &id), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x30, &[])].concat());
    let scoped = tlv(0x30, &[tlv(0x04, &[]), tlv(0x04, &[]), pdu].concat());
    tlv(0x30, &[tlv(0x02, &[3]), global, tlv(0x04, &usm), scoped].concat())
}

/// The engine ID (hex) of an SNMPv3 answer to `v3_discovery(message_id)`; None for anything
/// else (the request itself included).
pub fn parse_v3_report(b: &[u8], message_id: u32) -> Option<String> {
    let (0x30, msg, _) = read_tlv(b)? else { return None };
    let (0x02, version, rest) = read_tlv(msg)? else { return None };
    if integer(version)? != 3 {
        return None;
    }
    let (0x30, global, rest) = read_tlv(rest)? else { return None };
    let (0x02, id, _) = read_tlv(global)? else { return None };
    if integer(id)? != i64::from(message_id) {
        return None;
    }
    let (0x04, usm, rest) = read_tlv(rest)? else { return None };
    let (0x30, usm, _) = read_tlv(usm)? else { return None };
    let (0x04, engine, _) = read_tlv(usm)? else { return None };
    // The answer is a Report (0xa8) in the scoped PDU (plain, since discovery is unencrypted).
    let (0x30, scoped, _) = read_tlv(rest)? else { return None };
    let (_, _, scoped) = read_tlv(scoped)?;
    let (_, _, scoped) = read_tlv(scoped)?;
    let (0xa8, _, _) = read_tlv(scoped)? else { return None };
    Some(engine.iter().take(32).map(|b| format!("{b:02x}")).collect())
}

/// One BER element: (tag, value, rest).
fn read_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 {
            return None;
        }
        let (digits, rest) = (rest.get(..n)?, rest.get(n..)?);
        (digits.iter().fold(0usize, |acc, x| (acc << 8) | usize::from(*x)), rest)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

fn integer(v: &[u8]) -> Option<i64> {
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    let mut n: i64 = if v.first()? & 0x80 != 0 { -1 } else { 0 };
    for b in v {
        n = (n << 8) | i64::from(*b);
    }
    Some(n)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnmpResponse {
    pub version: i64,
    pub community: String,
    pub request_id: i64,
    pub error_status: i64,
    /// The first varbind's value, when it is a string (sysDescr).
    pub value: Option<String>,
}

/// Reads a GetResponse; None for anything else.
pub fn parse_response(b: &[u8]) -> Option<SnmpResponse> {
    let (0x30, msg, _) = read_tlv(b)? else { return None };
    let (0x02, version, rest) = read_tlv(msg)? else { return None };
    let (0x04, community, rest) = read_tlv(rest)? else { return None };
    let (0xa2, pdu, _) = read_tlv(rest)? else { return None };
    let (0x02, id, rest) = read_tlv(pdu)? else { return None };
    let (0x02, status, rest) = read_tlv(rest)? else { return None };
    let (0x02, _index, rest) = read_tlv(rest)? else { return None };
    let value = read_tlv(rest)
        .and_then(|(_, varbinds, _)| read_tlv(varbinds))
        .and_then(|(_, varbind, _)| read_tlv(varbind))
        .and_then(|(_, _, after_oid)| read_tlv(after_oid))
        .and_then(|(tag, v, _)| (tag == 0x04).then(|| crate::bytes::escape_excerpt(v, 120)));
    Some(SnmpResponse {
        version: integer(version)?,
        community: String::from_utf8_lossy(community).into_owned(),
        request_id: integer(id)?,
        error_status: integer(status)?,
        value,
    })
}

/// The version and, for v1/v2c, the community of any SNMP message (request, response, trap).
/// Version numbers as on the wire: 0 is v1, 1 is v2c, 3 is v3.
pub fn message_header(b: &[u8]) -> Option<(i64, Option<String>)> {
    let (0x30, msg, _) = read_tlv(b)? else { return None };
    let (0x02, version, rest) = read_tlv(msg)? else { return None };
    let version = integer(version)?;
    match version {
        0 | 1 => {
            let (0x04, community, rest) = read_tlv(rest)? else { return None };
            // A PDU must follow: GetRequest (0xa0) … Report (0xa8), or a v1 Trap (0xa4).
            let (tag, _, _) = read_tlv(rest)?;
            (0xa0..=0xa8).contains(&tag).then(|| (version, Some(String::from_utf8_lossy(community).into_owned())))
        }
        3 => Some((3, None)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_get_request_is_well_formed_ber() {
        let m = get_request("public", 0x0100_0001, 1);
        let (tag, msg, rest) = read_tlv(&m).unwrap();
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (_, version, rest) = read_tlv(msg).unwrap();
        assert_eq!(version, [1]);
        let (_, community, rest) = read_tlv(rest).unwrap();
        assert_eq!(community, b"public");
        assert_eq!(read_tlv(rest).unwrap().0, 0xa0);
    }

    #[test]
    fn a_get_response_is_read_and_junk_is_not() {
        // The request with its PDU tag turned into a response and a string value.
        let varbind = tlv(0x30, &[tlv(0x06, &SYS_DESCR), tlv(0x04, b"Linux cam 3.10")].concat());
        let pdu = tlv(
            0xa2,
            &[tlv(0x02, &7u32.to_be_bytes()), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x30, &varbind)].concat(),
        );
        let m = tlv(0x30, &[tlv(0x02, &[1]), tlv(0x04, b"private"), pdu].concat());
        let r = parse_response(&m).unwrap();
        assert_eq!((r.community.as_str(), r.request_id, r.value.as_deref()), ("private", 7, Some("Linux cam 3.10")));
        assert!(parse_response(&get_request("public", 7, 1)).is_none(), "a request is not a response");
        assert!(parse_response(b"\x30\x84\xff\xff\xff\xff").is_none());
        assert!(parse_response(&[]).is_none());
        for n in 0..m.len() {
            let _ = parse_response(&m[..n]);
        }
    }

    #[test]
    fn v3_discovery_is_answered_by_a_report_only() {
        let request = v3_discovery(0x0155_0003);
        assert_eq!(parse_v3_report(&request, 0x0155_0003), None, "the request is not a report");
        // The request with an engine ID and its PDU turned into a Report.
        let engine = [0x80, 0, 0x1f, 0x88, 0x80, 1, 2, 3];
        let global = tlv(
            0x30,
            &[
                tlv(0x02, &0x0155_0003u32.to_be_bytes()),
                tlv(0x02, &[0x00, 0xff, 0xe3]),
                tlv(0x04, &[0]),
                tlv(0x02, &[3]),
            ]
            .concat(),
        );
        let usm = tlv(
            0x30,
            &[tlv(0x04, &engine), tlv(0x02, &[1]), tlv(0x02, &[9]), tlv(0x04, &[]), tlv(0x04, &[]), tlv(0x04, &[])]
                .concat(),
        );
        let pdu = tlv(0xa8, &[tlv(0x02, &[1]), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x30, &[])].concat());
        let scoped = tlv(0x30, &[tlv(0x04, &engine), tlv(0x04, &[]), pdu].concat());
        let report = tlv(0x30, &[tlv(0x02, &[3]), global, tlv(0x04, &usm), scoped].concat());
        assert_eq!(parse_v3_report(&report, 0x0155_0003).as_deref(), Some("80001f8880010203"));
        assert_eq!(parse_v3_report(&report, 7), None, "another message id");
        for n in 0..report.len() {
            let _ = parse_v3_report(&report[..n], 0x0155_0003);
        }
    }
}
