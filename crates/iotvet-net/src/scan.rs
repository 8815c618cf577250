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
    /// Ports that refused the connection: the device answered for them.
    pub closed: u32,
    /// Ports that neither accepted nor refused within the timeout.
    pub filtered: u32,
    /// Ports whose connect failed with "network/host unreachable": the device was not reached.
    pub unreachable: u32,
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
pub async fn tcp_connect_scan(
    address: IpAddr,
    ports: &[u16],
    options: ScanOptions,
    progress: Option<Arc<crate::Progress>>,
) -> ScanOutcome {
    let started = Instant::now();
    let workers = effective_concurrency(options.concurrency).min(ports.len().max(1));
    let ports: Arc<[u16]> = ports.into();
    let cursor = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(Mutex::new(Vec::new()));
    // closed, filtered, unreachable, local errors
    let counts: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (ports, cursor, open, counts) = (ports.clone(), cursor.clone(), open.clone(), counts.clone());
        let progress = progress.clone();
        tasks.spawn(async move {
            let mut found = Vec::new();
            loop {
                let i = cursor.fetch_add(1, Ordering::Relaxed);
                let Some(&port) = ports.get(i) else { break };
                let state = try_port(SocketAddr::new(address, port), options).await;
                if let Some(p) = &progress {
                    p.item_done();
                    if state == PortState::Open {
                        p.found_one();
                    }
                }
                let slot = match state {
                    PortState::Open => {
                        found.push(port);
                        continue;
                    }
                    PortState::Closed => 0,
                    PortState::Filtered => 1,
                    PortState::Unreachable => 2,
                    PortState::LocalError => 3,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
            }
            if let Ok(mut all) = open.lock() {
                all.extend(found);
            }
        });
    }
    // A worker that died took the port it held with it; the others took the rest. Either way
    // the count below says how many ports were never tried.
    while tasks.join_next().await.is_some() {}
    let mut open = open.lock().map(|v| v.clone()).unwrap_or_default();
    open.sort_unstable();
    let count = |i: usize| counts[i].load(Ordering::Relaxed) as u32;
    let tried = open.len() + (0..4).map(|i| counts[i].load(Ordering::Relaxed)).sum::<usize>();
    let lost = ports.len().saturating_sub(tried) as u32;
    ScanOutcome {
        open,
        closed: count(0),
        filtered: count(1),
        unreachable: count(2),
        errors: count(3) + lost,
        concurrency: workers,
        duration: started.elapsed(),
    }
}

impl ScanOutcome {
    /// Why the scan cannot stand as evidence, or None when it can: it must have reached the
    /// device (some port accepted or refused) and tried every port. Local errors and
    /// unreachable networks are never "closed".
    pub fn failure(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.open.is_empty() && self.closed == 0 {
            let mut parts = Vec::new();
            if self.unreachable > 0 {
                parts.push(format!("{} network or host unreachable", self.unreachable));
            }
            if self.filtered > 0 {
                parts.push(format!("{} with no answer before the timeout", self.filtered));
            }
            if self.errors > 0 {
                parts.push(format!("{} local errors", self.errors));
            }
            why.push(format!(
                "no port accepted or refused a connection ({}): the device was not reached",
                parts.join(", ")
            ));
        } else if self.errors > 0 {
            why.push(format!("{} ports could not be tried (local errors: out of sockets or ports)", self.errors));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}

#[derive(PartialEq, Eq)]
enum PortState {
    Open,
    Closed,
    Filtered,
    Unreachable,
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
                ErrorKind::TimedOut => return PortState::Filtered,
                ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => return PortState::Unreachable,
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
        let out = tcp_connect_scan("127.0.0.1".parse().unwrap(), &[pa, pb, pc], ScanOptions::default(), None).await;
        let mut want = vec![pa, pb];
        want.sort_unstable();
        assert_eq!(out.open, want);
        assert_eq!((out.filtered, out.errors, out.closed), (0, 0, 1));
        assert_eq!(out.failure(), None);
    }

    #[test]
    fn a_scan_that_reached_nothing_is_a_failure_not_closed_ports() {
        let out = ScanOutcome { unreachable: 100, ..ScanOutcome::default() };
        let why = out.failure().unwrap();
        assert!(why.contains("100 network or host unreachable") && why.contains("not reached"), "{why}");
        let partial = ScanOutcome { open: vec![80], closed: 10, errors: 3, ..ScanOutcome::default() };
        assert!(partial.failure().unwrap().contains("3 ports could not be tried"));
    }

    #[test]
    fn concurrency_respects_the_fd_limit() {
        let n = effective_concurrency(usize::MAX);
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert!((n as u64) < soft, "{n} >= {soft}");
        assert_eq!(effective_concurrency(10), 10);
    }
}
