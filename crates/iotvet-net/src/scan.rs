//! Concurrent TCP connect scan. A fixed pool of workers pulls ports from a shared cursor, so the
//! number of sockets open at once never exceeds the concurrency, which itself stays below the
//! process's file-descriptor limit (raised to the hard limit first, as nmap users do by hand).

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// How long one connection attempt may take before the port counts as filtered.
    pub connect_timeout: Duration,
    /// Upper bound on simultaneous connection attempts; lowered to fit the fd limit.
    pub concurrency: usize,
    /// Attempts per port when the local system, not the target, failed (out of fds or ports).
    pub local_retries: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self { connect_timeout: Duration::from_millis(1500), concurrency: 1024, local_retries: 5 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOutcome {
    /// Ports that accepted a connection, ascending.
    pub open: Vec<u16>,
    /// Ports that neither accepted nor refused within the timeout.
    pub filtered: u32,
    /// Ports that could not be tried because the local system kept failing.
    pub errors: u32,
    pub concurrency: usize,
    pub duration: Duration,
}

/// How many sockets may be open at once: the requested concurrency, capped to leave headroom
/// under the file-descriptor limit.
pub fn effective_concurrency(requested: usize) -> usize {
    // Best effort: raising the soft limit to the hard limit needs no privilege.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let soft = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft).unwrap_or(1024);
    let headroom = 64u64;
    let cap = soft.saturating_sub(headroom).max(16);
    requested.clamp(1, usize::try_from(cap).unwrap_or(usize::MAX))
}

/// Connects to every port in `ports` on `address` and reports which accepted.
pub async fn tcp_connect_scan(address: IpAddr, ports: &[u16], options: ScanOptions) -> ScanOutcome {
    let started = Instant::now();
    let workers = effective_concurrency(options.concurrency).min(ports.len().max(1));
    let ports: Arc<[u16]> = ports.into();
    let cursor = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(Mutex::new(Vec::new()));
    let filtered = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (ports, cursor, open, filtered, errors) =
            (ports.clone(), cursor.clone(), open.clone(), filtered.clone(), errors.clone());
        tasks.spawn(async move {
            let mut found = Vec::new();
            loop {
                let i = cursor.fetch_add(1, Ordering::Relaxed);
                let Some(&port) = ports.get(i) else { break };
                match try_port(SocketAddr::new(address, port), options).await {
                    PortState::Open => found.push(port),
                    PortState::Closed => {}
                    PortState::Filtered => {
                        filtered.fetch_add(1, Ordering::Relaxed);
                    }
                    PortState::LocalError => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            if let Ok(mut all) = open.lock() {
                all.extend(found);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let mut open = open.lock().map(|v| v.clone()).unwrap_or_default();
    open.sort_unstable();
    ScanOutcome {
        open,
        filtered: filtered.load(Ordering::Relaxed) as u32,
        errors: errors.load(Ordering::Relaxed) as u32,
        concurrency: workers,
        duration: started.elapsed(),
    }
}

enum PortState {
    Open,
    Closed,
    Filtered,
    LocalError,
}

async fn try_port(addr: SocketAddr, options: ScanOptions) -> PortState {
    let mut delay = Duration::from_millis(5);
    for _ in 0..=options.local_retries {
        match tokio::time::timeout(options.connect_timeout, TcpStream::connect(addr)).await {
            Err(_) => return PortState::Filtered,
            Ok(Ok(_stream)) => return PortState::Open,
            Ok(Err(e)) => match e.kind() {
                ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => return PortState::Closed,
                ErrorKind::TimedOut | ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                    return PortState::Filtered
                }
                // Out of file descriptors or local ports: our problem, not the target's. Wait and retry.
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_millis(500));
                }
            },
        }
    }
    PortState::LocalError
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finds_exactly_the_listening_ports() {
        let a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let b = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (pa, pb) = (a.local_addr().unwrap().port(), b.local_addr().unwrap().port());
        // A port that was just released is closed.
        let c = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let pc = c.local_addr().unwrap().port();
        drop(c);
        let out = tcp_connect_scan("127.0.0.1".parse().unwrap(), &[pa, pb, pc], ScanOptions::default()).await;
        let mut want = vec![pa, pb];
        want.sort_unstable();
        assert_eq!(out.open, want);
        assert_eq!((out.filtered, out.errors), (0, 0));
    }

    #[test]
    fn concurrency_respects_the_fd_limit() {
        let n = effective_concurrency(usize::MAX);
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert!((n as u64) < soft, "{n} >= {soft}");
        assert_eq!(effective_concurrency(10), 10);
    }
}
