//! iotvet's device lab: emulated consumer devices, each on its own loopback address in
//! 127.77.0.0/24 and on the unprivileged ports such devices really use, speaking real protocol
//! framing (telnet with IAC, HTTP/1.1 with Basic auth, RTSP with 401, MQTT 3.1.1, SSH
//! identification and KEXINIT, TLS through rustls with a lab CA made at start).
//! Each device has a manifest of the findings an assessment must produce.
#![forbid(unsafe_code)]

mod devices;
mod legacy;
pub mod manifest;
mod phonehome;
mod servers;
mod ssh;
mod tls;
mod udp;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use devices::{Capture, DeviceSpec, ServiceKind, ServiceSpec, Vendor, DEVICES};
pub use manifest::{manifests, ExpectedFinding, Manifest};

/// UDP ports the lab's devices use beyond the usual ones (SNMP on 1161, unprivileged), for
/// probes that should see them.
pub const EXTRA_UDP_PORTS: [u16; 1] = [1161];

/// The lab's default network.
pub const DEFAULT_NETWORK: Ipv4Addr = Ipv4Addr::new(127, 77, 0, 0);

#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("the lab network {0} must be a /24 inside 127.0.0.0/8 (loopback), e.g. 127.77.0.0")]
    NotLoopback(Ipv4Addr),
    #[error("no lab device is called '{0}' (try `iotvet lab --list`)")]
    NoSuchDevice(String),
    #[error("cannot listen on {addr}: {source} (is another lab already running?)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("making the lab's TLS certificates: {0}")]
    Certificates(String),
}

/// A device of the running lab.
#[derive(Debug, Clone)]
pub struct RunningDevice {
    pub spec: &'static DeviceSpec,
    pub address: IpAddr,
    /// The device's vendor declaration, with the vendor site's address filled in.
    pub declaration: Option<String>,
}

/// The running lab. Its servers stop when it is dropped.
pub struct Lab {
    pub devices: Vec<RunningDevice>,
    /// The lab CA's certificate (PEM and DER), for clients that verify the lab's TLS services.
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    /// An address of the lab network where no device lives (see `DeviceProbe::control_address`).
    pub control_address: IpAddr,
    /// Devices that could not start, with the reason (e.g. no `openssl` command for the nvr).
    pub skipped: Vec<(&'static str, String)>,
    /// Child processes (killed when dropped, which the lab's own drop does at once, not when
    /// the runtime gets round to dropping tasks).
    children: Vec<legacy::LegacyTls>,
    tasks: tokio::task::JoinSet<()>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.tasks.abort_all();
        self.children.clear();
    }
}

impl Lab {
    /// Starts every device (or only the one named) on the /24 whose base is `network`.
    /// Must be called inside a tokio runtime.
    pub async fn start(network: Ipv4Addr, only: Option<&str>) -> Result<Lab, LabError> {
        let [a, b, c, _] = network.octets();
        if a != 127 {
            return Err(LabError::NotLoopback(network));
        }
        let specs: Vec<&'static DeviceSpec> = match only {
            Some(name) => {
                let device =
                    DEVICES.iter().find(|d| d.name == name).ok_or_else(|| LabError::NoSuchDevice(name.into()))?;
                // A device's declaration points at its vendor's site: start that too.
                let vendor = device.vendor.and_then(|v| DEVICES.iter().find(|d| d.name == v));
                std::iter::once(device).chain(vendor).collect()
            }
            None => DEVICES.iter().collect(),
        };
        let address = |octet: u8| IpAddr::V4(Ipv4Addr::new(a, b, c, octet));
        let ca = tls::LabCa::new().map_err(|e| LabError::Certificates(e.to_string()))?;
        let mut tasks = tokio::task::JoinSet::new();
        let mut devices = Vec::new();
        let mut skipped = Vec::new();
        let mut children = Vec::new();
        'devices: for spec in specs {
            let ip = address(spec.host_octet);
            let needs_tls = spec.services.iter().any(|s| s.tls);
            let acceptor = if needs_tls {
                Some(ca.acceptor_for(spec.name, ip).map_err(|e| LabError::Certificates(e.to_string()))?)
            } else {
                None
            };
            for service in spec.services {
                let addr = SocketAddr::new(ip, service.port);
                if service.kind.is_udp() {
                    let socket =
                        tokio::net::UdpSocket::bind(addr).await.map_err(|source| LabError::Bind { addr, source })?;
                    if service.kind == ServiceKind::CloudDns {
                        tasks.spawn(phonehome::dns(socket, [a, b, c]));
                    } else {
                        tasks.spawn(udp::serve(socket, service.kind, ip));
                    }
                    continue;
                }
                if service.kind == ServiceKind::LegacyTls {
                    match legacy::start(addr).await {
                        Ok(server) => children.push(server),
                        Err(why) => {
                            skipped.push((spec.name, why));
                            continue 'devices;
                        }
                    }
                    continue;
                }
                let listener =
                    tokio::net::TcpListener::bind(addr).await.map_err(|source| LabError::Bind { addr, source })?;
                if service.kind == ServiceKind::HubSsh {
                    tasks.spawn(ssh::serve(listener, ssh::host_key().map_err(LabError::Certificates)?));
                    continue;
                }
                let tls = if service.tls { acceptor.clone() } else { None };
                tasks.spawn(servers::serve(listener, service.kind, tls, ip));
            }
            if spec.phones_home {
                let mut roots = rustls::RootCertStore::empty();
                roots
                    .add(rustls::pki_types::CertificateDer::from(ca.der()))
                    .map_err(|e| LabError::Certificates(e.to_string()))?;
                tasks.spawn(phonehome::doorbell(
                    ip,
                    [a, b, c],
                    std::sync::Arc::new(roots),
                    std::time::Duration::from_secs(5),
                ));
            }
            let declaration = spec.declaration.map(|text| {
                let vendor_host = spec
                    .vendor
                    .and_then(|v| DEVICES.iter().find(|d| d.name == v))
                    .map(|v| format!("{}:8443", address(v.host_octet)))
                    .unwrap_or_default();
                text.replace("{vendor}", &vendor_host)
            });
            devices.push(RunningDevice { spec, address: ip, declaration });
        }
        Ok(Lab { devices, ca_pem: ca.pem(), ca_der: ca.der(), control_address: address(254), skipped, children, tasks })
    }
}

/// Parses a lab network base such as `127.77.0.0` and checks that it is loopback.
pub fn parse_network(s: &str) -> Result<Ipv4Addr, LabError> {
    let ip: Ipv4Addr = s.trim_end_matches("/24").parse().map_err(|_| LabError::NotLoopback(Ipv4Addr::UNSPECIFIED))?;
    if ip.octets()[0] != 127 {
        return Err(LabError::NotLoopback(ip));
    }
    let [a, b, c, _] = ip.octets();
    Ok(Ipv4Addr::new(a, b, c, 0))
}

/// The demo's vulnerability data: a handful of real NVD records and KEV entries (see
/// `data/vulndb/NOTICE.md`) that the lab camera's firmware components match, as (file name,
/// JSON) to write out and import.
pub const VULNDB_FILES: [(&str, &str); 7] = [
    ("CVE-2014-0160.json", include_str!("../data/vulndb/CVE-2014-0160.json")),
    ("CVE-2016-2148.json", include_str!("../data/vulndb/CVE-2016-2148.json")),
    ("CVE-2018-15599.json", include_str!("../data/vulndb/CVE-2018-15599.json")),
    ("CVE-2022-48174.json", include_str!("../data/vulndb/CVE-2022-48174.json")),
    ("CVE-2023-0286.json", include_str!("../data/vulndb/CVE-2023-0286.json")),
    ("known_exploited_vulnerabilities.json", include_str!("../data/vulndb/known_exploited_vulnerabilities.json")),
    ("NOTICE.md", include_str!("../data/vulndb/NOTICE.md")),
];
