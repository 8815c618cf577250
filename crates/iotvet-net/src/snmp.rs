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

/// Tries every community on `addr` (v2c, and v1 for the first two), after a random control
/// community no agent is configured with: an agent that answers the control answers any
/// community, and is reported so (`Open`), not as every listed community found. None when
/// nothing answered: no agent, or no community of the list.
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
    let control = crate::creds::Credential::control().password;
    let list: Vec<String> = std::iter::once(control.clone()).chain(list.iter().cloned()).collect();
    for (i, community) in list.iter().enumerate() {
        // v1 too for the control and the two likeliest communities (agents that speak only v1).
        for version in if i < 3 { vec![1u8, 0] } else { vec![1u8] } {
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
    let endpoint = Endpoint { address: addr.ip().to_string(), port: addr.port(), transport: Transport::Udp };
    if let Some((_, version, r)) = answers.iter().find(|(c, _, _)| *c == control) {
        return Some(LoginTest {
            endpoint,
            service: "snmp".into(),
            method: "snmp-community".into(),
            outcome: LoginOutcome::Open,
            attempts,
            detail: format!(
                "accepts any community: a random control community got a v{} GetResponse{}",
                if *version == 0 { "1" } else { "2c" },
                r.value.as_deref().map(|v| format!(" (sysDescr.0: {v})")).unwrap_or_default()
            ),
            accepted: vec![],
            lockout: None,
            duration_ms: started.elapsed().as_millis() as u64,
        });
    }
    let mut accepted: Vec<AcceptedCredential> = Vec::new();
    // Compared in clear, masked only for the report: "public" and "publ1c" stay two.
    let mut seen = std::collections::HashSet::new();
    for (community, version, r) in answers {
        if !seen.insert((community.clone(), version)) {
            continue;
        }
        accepted.push(AcceptedCredential {
            username: format!("community (v{})", if version == 0 { "1" } else { "2c" }),
            password: if show_secrets { community.clone() } else { mask(&community) },
            list_entry: "snmp-communities".into(),
            change_forced: false,
            evidence: match r.value {
                Some(v) => format!("GetResponse for sysDescr.0: {v}"),
                None => format!("GetResponse (error status {})", r.error_status),
            },
        });
    }
    Some(LoginTest {
        endpoint,
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

    #[test]
    fn sets_nest() {
        assert_eq!(communities(CredentialSet::Minimal), vec!["public", "private"]);
        assert_eq!(communities(CredentialSet::Default).len(), 20);
        assert!(communities(CredentialSet::Full).len() > 100);
    }
}
