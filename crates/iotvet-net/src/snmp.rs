//! SNMP v1/v2c community strings: a GetRequest for sysDescr.0 per community, all on one UDP
//! socket, answers matched by request id. Agents stay silent on a wrong community, so silence
//! cannot tell "no agent" from "no community of ours": only answers are recorded.
//! The messages are built and read by `iotvet_wire::snmp`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use iotvet_core::case::{Endpoint, Transport};
use iotvet_core::logins::{mask, AcceptedCredential, LoginOutcome, LoginTest};
use tokio::net::UdpSocket;

use crate::creds::CredentialSet;

const BUILTIN: &str = include_str!("../data/snmp-communities.txt");
pub use iotvet_wire::snmp::{get_request, parse_response, parse_v3_report, v3_discovery, SnmpResponse};

/// The built-in communities: `minimal` 2, `default` 20, `full` all.
pub fn communities(set: CredentialSet) -> Vec<String> {
    let all = BUILTIN.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(str::to_owned);
    match set {
        CredentialSet::Minimal => all.take(2).collect(),
        CredentialSet::Default => all.take(20).collect(),
        CredentialSet::Full => all.collect(),
    }
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
    fn sets_nest() {
        assert_eq!(communities(CredentialSet::Minimal), vec!["public", "private"]);
        assert_eq!(communities(CredentialSet::Default).len(), 20);
        assert!(communities(CredentialSet::Full).len() > 100);
    }
}
