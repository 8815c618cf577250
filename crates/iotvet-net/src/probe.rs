//! Live probing of one device: scan its TCP ports, then identify every open one, concurrently.
//! The result is the case file's network section.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use iotvet_core::case::{CollectorStep, Endpoint, ExcludedPort, NetworkSection, Provenance, StepKind, Transport};

use crate::{identify, now_rfc3339, scan::tcp_connect_scan, PortList, ProbeOptions, ScanOptions, ScopedTarget};

/// What to probe and with which budgets.
#[derive(Debug, Clone)]
pub struct DeviceProbe {
    pub ports: PortList,
    pub scan: ScanOptions,
    pub probe: ProbeOptions,
    /// How many services are identified at once.
    pub identify_concurrency: usize,
    /// An address where no device lives. Ports open there too belong to the machine running
    /// iotvet (a listener on every address), not to the device, and are left out with a note.
    /// Used by the device lab, whose devices share the machine's loopback.
    pub control_address: Option<IpAddr>,
    /// UDP ports probed with CoAP, SSDP, SNMP, mDNS and TFTP requests (empty: no UDP).
    pub udp_ports: Vec<u16>,
    /// How long UDP probes wait for an answer.
    pub udp_wait: std::time::Duration,
    /// At most this many open ports are identified; the rest are recorded as left out.
    pub max_services: usize,
    /// Where to say how far the probing has come (read by a progress line).
    pub progress: Option<Arc<crate::Progress>>,
}

impl Default for DeviceProbe {
    fn default() -> Self {
        Self {
            ports: PortList::all(),
            scan: ScanOptions::default(),
            probe: ProbeOptions::default(),
            identify_concurrency: 64,
            control_address: None,
            udp_ports: crate::udp::DEFAULT_UDP_PORTS.to_vec(),
            udp_wait: std::time::Duration::from_secs(1),
            max_services: 1000,
            progress: None,
        }
    }
}

pub async fn probe_device(target: &ScopedTarget, cfg: &DeviceProbe) -> NetworkSection {
    let started_at = now_rfc3339();
    let clock = Instant::now();
    tracing::info!(target = %target.address, ports = cfg.ports.len(), "TCP scan starts");
    if let Some(p) = &cfg.progress {
        p.phase("TCP scan", cfg.ports.len());
    }
    let scan = tcp_connect_scan(target.address, cfg.ports.ports(), cfg.scan, cfg.progress.clone()).await;
    tracing::info!(
        target = %target.address, open = scan.open.len(), closed = scan.closed, filtered = scan.filtered,
        unreachable = scan.unreachable, local_errors = scan.errors, ms = scan.duration.as_millis() as u64,
        failure = scan.failure().as_deref().unwrap_or("none"), "TCP scan done"
    );
    let mut steps = vec![match scan.failure() {
        None => CollectorStep::completed(StepKind::TcpScan, None),
        Some(why) => CollectorStep::error(StepKind::TcpScan, None, why),
    }];
    let mut excluded = Vec::new();
    let mut device_ports = scan.open.clone();
    if let Some(control) = cfg.control_address {
        let shared = tcp_connect_scan(control, &scan.open, cfg.scan, None).await.open;
        device_ports.retain(|p| !shared.contains(p));
        excluded = shared
            .into_iter()
            .map(|port| ExcludedPort {
                port,
                reason: format!(
                    "also open on {control}, where no device lives: a listener of this machine, not of the device"
                ),
            })
            .collect();
    }
    let mut probe = cfg.probe.clone();
    if probe.host.is_empty() {
        probe.host = target.name.clone();
    }
    let probe = Arc::new(probe);
    let limit = Arc::new(tokio::sync::Semaphore::new(cfg.identify_concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // A device that opens every port must not hold the assessment for hours: identify at most
    // `max_services`, and say how many were left.
    let (identified, left) = device_ports.split_at(device_ports.len().min(cfg.max_services));
    if !left.is_empty() {
        steps.push(CollectorStep::error(
            StepKind::Identify,
            None,
            format!(
                "{} open ports, more than the {} identified (--max-services); {} left unexamined, from port {}",
                device_ports.len(),
                cfg.max_services,
                left.len(),
                left.first().copied().unwrap_or_default()
            ),
        ));
    }
    let mut spawned = std::collections::HashMap::new();
    if let Some(p) = &cfg.progress {
        p.phase("identifying services", identified.len());
    }
    for port in identified.iter().copied() {
        let (probe, limit, addr) = (probe.clone(), limit.clone(), SocketAddr::new(target.address, port));
        let progress = cfg.progress.clone();
        let handle = tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let started = Instant::now();
            let service = identify(addr, &probe).await;
            tracing::debug!(%addr, protocol = service.protocol.name(), how = %service.identified_by, ms = started.elapsed().as_millis() as u64, "identified");
            let service = crate::tls_scan::assess_service(service, addr, &probe.host, probe.read_timeout).await;
            if let Some(scan) = &service.tls_scan {
                tracing::debug!(%addr, handshakes = scan.handshakes, ms = scan.duration_ms, anomalies = scan.anomalies.len(), "TLS assessed");
            }
            if let Some(p) = &progress {
                p.item_done();
            }
            service
        });
        spawned.insert(handle.id(), port);
    }
    let udp = {
        let timeout = cfg.udp_wait;
        let (address, ports) = (target.address, cfg.udp_ports.clone());
        tokio::spawn(async move { crate::udp::probe_udp(address, &ports, timeout).await })
    };
    let tcp = |port| Some(Endpoint { address: target.address.to_string(), port, transport: Transport::Tcp });
    let mut services = Vec::new();
    while let Some(done) = tasks.join_next_with_id().await {
        match done {
            Ok((_, s)) => services.push(s),
            Err(e) => {
                let port = spawned.get(&e.id()).copied().unwrap_or_default();
                let why = crate::task_failure(&e);
                tracing::warn!(port, why, "identification did not finish");
                steps.push(CollectorStep::error(StepKind::Identify, tcp(port), why));
            }
        }
    }
    services.sort_by_key(|s| s.endpoint.port);
    let udp_services = match udp.await {
        Ok(r) if r.failures.is_empty() => {
            if !cfg.udp_ports.is_empty() {
                let ports: Vec<String> = cfg.udp_ports.iter().map(u16::to_string).collect();
                steps.push(CollectorStep::completed(StepKind::UdpProbe, None).detail(format!(
                    "UDP ports {} asked, answers awaited {} ms; a port that stayed silent is open|filtered, not absent",
                    ports.join(","),
                    cfg.udp_wait.as_millis()
                )));
            }
            r.services
        }
        Ok(r) => {
            steps.push(CollectorStep::error(StepKind::UdpProbe, None, r.failures.join("; ")));
            r.services
        }
        Err(e) => {
            steps.push(CollectorStep::error(StepKind::UdpProbe, None, format!("the UDP probe task failed: {e}")));
            vec![]
        }
    };
    NetworkSection {
        provenance: Provenance {
            collector: format!("iotvet-net/tcp-connect+identify (concurrency {})", scan.concurrency),
            tool_version: iotvet_core::TOOL_VERSION.to_owned(),
            started_at,
            finished_at: now_rfc3339(),
        },
        port_spec: cfg.ports.spec().to_owned(),
        ports_scanned: cfg.ports.len() as u32,
        open_ports: device_ports,
        services,
        excluded_ports: excluded,
        udp_services,
        scan_duration_ms: clock.elapsed().as_millis() as u64,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ports_past_max_services_are_left_out_and_said_to_be() {
        let a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let b = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ports = [a.local_addr().unwrap().port(), b.local_addr().unwrap().port()];
        let spec = format!("{},{}", ports[0], ports[1]);
        let cfg = DeviceProbe {
            ports: PortList::parse(&spec).unwrap(),
            udp_ports: vec![],
            max_services: 1,
            // Silent listeners: every probe waits out its budget, so keep the budgets short.
            probe: ProbeOptions {
                banner_wait: std::time::Duration::from_millis(100),
                read_timeout: std::time::Duration::from_millis(200),
                ..ProbeOptions::default()
            },
            ..DeviceProbe::default()
        };
        let target = ScopedTarget { name: "127.0.0.1".into(), address: "127.0.0.1".parse().unwrap() };
        let net = probe_device(&target, &cfg).await;
        assert_eq!((net.open_ports.len(), net.services.len()), (2, 1), "{net:?}");
        let step = net.steps.iter().find(|s| s.step == StepKind::Identify).expect("a step says what was left");
        assert!(step.failure().is_some_and(|w| w.contains("1 left unexamined")), "{step:?}");
    }
}
