//! SNMP v1/v2c community strings: a GetRequest for sysDescr.0 per community, all on one UDP
//! socket, answers matched by request id. Agents stay silent on a wrong community, so silence
//! cannot tell "no agent" from "no community of ours": only answers are recorded.
//! BER is built and read by hand: two fixed message shapes do not warrant an ASN.1 library.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use iotvet_core::case::{Endpoint, Transport};
use iotvet_core::logins::{mask, AcceptedCredential, LoginOutcome, LoginTest};
use tokio::net::UdpSocket;

use crate::creds::CredentialSet;

const BUILTIN: &str = include_str!("../data/snmp-communities.txt");
/// sysDescr.0, 1.3.6.1.2.1.1.1.0.
const SYS_DESCR: [u8; 8] = [0x2b, 6, 1, 2, 1, 1, 1, 0];

/// The built-in communities: `minimal` 2, `default` 20, `full` all.
pub fn communities(set: CredentialSet) -> Vec<String> {
    let all = BUILTIN.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(str::to_owned);
    match set {
        CredentialSet::Minimal => all.take(2).collect(),
        CredentialSet::Default => all.take(20).collect(),
        CredentialSet::Full => all.collect(),
    }
}

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
    let c = &community.as_bytes()[..community.len().min(255)];
    tlv(0x30, &[tlv(0x02, &[version]), tlv(0x04, c), pdu].concat())
}

/// One BER element: (tag, value, rest).
fn read_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |acc, x| (acc << 8) | usize::from(*x)), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn integer(v: &[u8]) -> Option<i64> {
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    let mut n: i64 = if v[0] & 0x80 != 0 { -1 } else { 0 };
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

/// Tries every community on `addr` (v2c, and v1 for the first two). None when nothing
/// answered: no agent, or no community of the list.
pub async fn test_communities(
    addr: SocketAddr,
    list: &[String],
    rate_per_second: f64,
    wait: Duration,
    show_secrets: bool,
) -> Option<LoginTest> {
    let started = Instant::now();
    let bind: SocketAddr = if addr.is_ipv4() { "0.0.0.0:0".parse().ok()? } else { "[::]:0".parse().ok()? };
    let socket = UdpSocket::bind(bind).await.ok()?;
    let base: u32 = 0x0100_0000 + (started.elapsed().subsec_nanos() & 0xffff) * 0x100;
    let mut sent: HashMap<i64, (String, u8)> = HashMap::new();
    let interval = Duration::from_secs_f64(1.0 / rate_per_second.max(1.0));
    let mut attempts = 0u32;
    let mut answers: Vec<(String, u8, SnmpResponse)> = Vec::new();
    let mut buf = vec![0u8; 4096];
    for (i, community) in list.iter().enumerate() {
        for version in if i < 2 { vec![1u8, 0] } else { vec![1u8] } {
            let id = base + (i as u32) * 2 + u32::from(version);
            if socket.send_to(&get_request(community, id, version), addr).await.is_err() {
                return None;
            }
            attempts += 1;
            sent.insert(i64::from(id), (community.clone(), version));
            // Collect answers while pacing.
            let until = Instant::now() + interval;
            while let Ok(Ok((n, from))) =
                tokio::time::timeout(until.saturating_duration_since(Instant::now()), socket.recv_from(&mut buf)).await
            {
                if from == addr {
                    if let Some(r) = parse_response(&buf[..n]) {
                        if let Some((c, v)) = sent.get(&r.request_id) {
                            answers.push((c.clone(), *v, r));
                        }
                    }
                }
            }
        }
    }
    let deadline = Instant::now() + wait;
    while let Ok(Ok((n, from))) =
        tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), socket.recv_from(&mut buf)).await
    {
        if from == addr {
            if let Some(r) = parse_response(&buf[..n]) {
                if let Some((c, v)) = sent.get(&r.request_id) {
                    answers.push((c.clone(), *v, r));
                }
            }
        }
    }
    if answers.is_empty() {
        return None;
    }
    let mut accepted: Vec<AcceptedCredential> = Vec::new();
    for (community, version, r) in answers {
        if accepted.iter().any(|a| {
            a.username == format!("community (v{})", if version == 0 { "1" } else { "2c" })
                && (a.password == community || a.password == mask(&community))
        }) {
            continue;
        }
        accepted.push(AcceptedCredential {
            username: format!("community (v{})", if version == 0 { "1" } else { "2c" }),
            password: if show_secrets { community.clone() } else { mask(&community) },
            list_entry: "snmp-communities".into(),
            evidence: match r.value {
                Some(v) => format!("GetResponse for sysDescr.0: {v}"),
                None => format!("GetResponse (error status {})", r.error_status),
            },
        });
    }
    Some(LoginTest {
        endpoint: Endpoint { address: addr.ip().to_string(), port: addr.port(), transport: Transport::Udp },
        service: "snmp".into(),
        method: "snmp-community".into(),
        outcome: LoginOutcome::Accepted,
        attempts,
        detail: format!("{} of {} community requests answered", accepted.len(), attempts),
        accepted,
        lockout: None,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

#[cfg(test)]
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
    fn sets_nest() {
        assert_eq!(communities(CredentialSet::Minimal), vec!["public", "private"]);
        assert_eq!(communities(CredentialSet::Default).len(), 20);
        assert!(communities(CredentialSet::Full).len() > 100);
    }
}
