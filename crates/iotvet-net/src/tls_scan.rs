//! TLS protocol versions and cipher suites a server accepts. For each version (SSLv3 to TLS
//! 1.3), offer every suite iotvet knows and record the one the server picks; take it out and
//! offer the rest again, until the server refuses. Hand-built hellos (`tls_hello.rs`), so suites
//! and versions that no TLS library would negotiate are still seen. Suite names are IANA's, from
//! rustls's registry of them (TLS 1.3's `TLS13_` prefix mapped back to `TLS_`).

use std::net::SocketAddr;
use std::time::Duration;

use iotvet_core::case::{TlsScan, TlsVersionSupport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::tls_hello::{client_hello_for, server_hello_choice, version_name};

const TLS13_SUITES: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];
const VERSIONS: [u16; 5] = [0x0300, 0x0301, 0x0302, 0x0303, 0x0304];

/// The IANA name of a cipher suite, if it has one.
pub fn suite_name(code: u16) -> Option<String> {
    let name = rustls::CipherSuite::from(code).as_str()?;
    Some(name.strip_prefix("TLS13_").map(|rest| format!("TLS_{rest}")).unwrap_or_else(|| name.to_owned()))
}

/// Every named suite for SSLv3 to TLS 1.2 (signalling values left out).
fn legacy_suites() -> Vec<u16> {
    (0u16..=0xffff)
        .filter(|c| !TLS13_SUITES.contains(c) && *c != 0x00ff && *c != 0x5600 && (*c >> 8) != 0x13)
        .filter(|c| suite_name(*c).is_some())
        .collect()
}

/// The suite the server picks for `version` among `suites`, or None when it refuses.
async fn chosen(addr: SocketAddr, host: &str, version: u16, suites: &[u16], timeout: Duration) -> Option<u16> {
    let hello = client_hello_for(Some(host), random(), version, suites);
    let attempt = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        s.write_all(&hello).await.ok()?;
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 4096];
        // A ServerHello fits in the first record; read until it is complete or the peer stops.
        while buf.len() < 16 * 1024 {
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(choice) = server_hello_choice(&buf) {
                return Some(choice);
            }
            if buf.first() == Some(&0x15) || buf.first().is_some_and(|b| *b != 0x16) {
                break;
            }
        }
        None
    };
    let (v, suite) = tokio::time::timeout(timeout, attempt).await.ok().flatten()?;
    (v == version && suites.contains(&suite)).then_some(suite)
}

fn random() -> [u8; 32] {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut r = [0u8; 32];
    for (i, b) in r.iter_mut().enumerate() {
        *b = (n >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(73);
    }
    r
}

/// Enumerates one TLS endpoint: versions concurrently, suites one handshake each.
pub async fn scan_tls(addr: SocketAddr, host: &str, timeout: Duration) -> TlsScan {
    let legacy = legacy_suites();
    let mut tasks = tokio::task::JoinSet::new();
    for version in VERSIONS {
        let (host, mut offer) =
            (host.to_owned(), if version == 0x0304 { TLS13_SUITES.to_vec() } else { legacy.clone() });
        tasks.spawn(async move {
            let mut accepted = Vec::new();
            let mut handshakes = 0u32;
            while !offer.is_empty() && accepted.len() < 128 {
                handshakes += 1;
                match chosen(addr, &host, version, &offer, timeout).await {
                    Some(suite) => {
                        accepted.push(suite);
                        offer.retain(|c| *c != suite);
                    }
                    None => break,
                }
            }
            (version, accepted, handshakes)
        });
    }
    let mut found: Vec<(u16, Vec<u16>, u32)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(r) = done {
            found.push(r);
        }
    }
    found.sort_by_key(|(v, _, _)| *v);
    let mut handshakes: u32 = found.iter().map(|(_, _, h)| h).sum();
    // Server order: offer the first two suites of the highest version below 1.3 in both orders.
    let mut server_order_enforced = None;
    if let Some((v, suites, _)) = found.iter().rev().find(|(v, s, _)| *v < 0x0304 && s.len() >= 2) {
        let (a, b) = (suites[0], suites[1]);
        let first = chosen(addr, host, *v, &[b, a], timeout).await;
        handshakes += 1;
        server_order_enforced = first.map(|c| c == a);
    }
    TlsScan {
        versions: found
            .into_iter()
            .map(|(v, suites, _)| TlsVersionSupport {
                version: version_name(v),
                accepted: !suites.is_empty(),
                cipher_suites: suites.into_iter().filter_map(suite_name).collect(),
            })
            .collect(),
        server_order_enforced,
        handshakes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_have_their_iana_names() {
        assert_eq!(suite_name(0x000a).as_deref(), Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
        assert_eq!(suite_name(0x1301).as_deref(), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(suite_name(0xc02f).as_deref(), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assert_eq!(suite_name(0x5a5a), None, "GREASE values have no name");
        let legacy = legacy_suites();
        assert!(legacy.len() > 300, "{}", legacy.len());
        assert!(legacy.contains(&0x0005) && !legacy.contains(&0x1301) && !legacy.contains(&0x00ff));
    }
}
