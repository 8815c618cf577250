//! The lab's devices: what each is, where it lives, and what it serves.

/// What a lab service does; `servers.rs` implements each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// busybox-style telnetd with a login prompt; default login root / xc3511.
    CameraTelnet,
    /// Plain-HTTP admin UI behind Basic auth; default login admin / admin.
    CameraHttp,
    /// RTSP server; OPTIONS is open, DESCRIBE asks for Digest auth (admin / admin).
    CameraRtsp,
    /// Plain MQTT broker that accepts anyone.
    PlugMqtt,
    /// Unauthenticated local JSON API over plain HTTP.
    PlugHttp,
    /// Web UI with a login form (served over TLS), with HSTS.
    HubWebUi,
    /// Plain HTTP that only redirects to the HTTPS UI.
    HubRedirect,
    /// Real SSH (russh): public-key authentication only.
    HubSsh,
    /// MQTT broker (served over TLS) that refuses clients without credentials.
    HubMqtt,
    /// A vendor's web site (served over TLS): security.txt, privacy policy, terms.
    VendorSite(Vendor),
    /// UDP: CoAP without DTLS, answering /.well-known/core.
    SensorCoap,
    /// UDP: SSDP answering a unicast M-SEARCH, pointing to a plain-HTTP description.
    SensorSsdp,
    /// UDP: SNMP v1/v2c with community `public`.
    SensorSnmp,
    /// TCP: the UPnP description and control URL the SSDP answer points to.
    SensorUpnpHttp,
    /// HTTPS from an old TLS stack: `openssl s_server` at security level 0 (see `legacy.rs`).
    LegacyTls,
    /// The lab cloud's plain HTTP: firmware check and download, a tracker's collector.
    CloudHttp,
    /// The lab cloud's API over TLS: takes telemetry.
    CloudApi,
    /// UDP: the lab's DNS server for the cloud's names.
    CloudDns,
}

impl ServiceSpec {
    /// `udp` or `tcp`.
    pub fn transport(&self) -> &'static str {
        if self.kind.is_udp() {
            "udp"
        } else {
            "tcp"
        }
    }
}

impl ServiceKind {
    /// Served over UDP rather than TCP.
    pub fn is_udp(self) -> bool {
        matches!(self, Self::SensorCoap | Self::SensorSsdp | Self::SensorSnmp | Self::CloudDns)
    }
}

/// The lab's two vendors: one that publishes what it should, one that does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Brightnest: a valid security.txt, a plain-language policy covering every topic, terms.
    Good,
    /// Camco: an expired security.txt, a policy in legalese (Latin-1 encoded) missing topics,
    /// and no terms (404).
    Bad,
}

#[derive(Debug)]
pub struct ServiceSpec {
    pub port: u16,
    pub kind: ServiceKind,
    /// Served through TLS with a certificate from the lab CA.
    pub tls: bool,
    /// The service as people name it.
    pub label: &'static str,
}

#[derive(Debug)]
pub struct DeviceSpec {
    pub name: &'static str,
    /// `device` for a product under test, `vendor` for a vendor's web site.
    pub role: &'static str,
    pub description: &'static str,
    /// Last octet of the device's address in the lab /24.
    pub host_octet: u8,
    pub services: &'static [ServiceSpec],
    /// The vendor declaration (TOML, `{vendor}` standing for the vendor site's host:port).
    pub declaration: Option<&'static str>,
    /// The lab vendor whose site `{vendor}` names.
    pub vendor: Option<&'static str>,
    /// The device phones home to the lab cloud (see `phonehome.rs`).
    pub phones_home: bool,
    /// A capture of the device's own traffic, recorded from the lab (read by the demo).
    pub capture: Option<Capture>,
    /// The vendor publishes a firmware package of the device (the demo builds it with
    /// `iotvet_firmware::build::lab_camera_image` and takes it apart).
    pub firmware: bool,
}

/// A capture of a lab device's traffic, recorded by `scripts/record-lab-capture` on the default
/// lab network.
#[derive(Debug, Clone, Copy)]
pub struct Capture {
    pub bytes: &'static [u8],
    /// The device's address in the capture.
    pub device: &'static str,
    /// Its vendor's domains (first party).
    pub vendor_domains: &'static [&'static str],
}

const fn svc(port: u16, kind: ServiceKind, tls: bool, label: &'static str) -> ServiceSpec {
    ServiceSpec { port, kind, tls, label }
}

pub static DEVICES: [DeviceSpec; 10] = [
    DeviceSpec {
        name: "camera",
        role: "device",
        description: "IP camera: telnet with a default root login, plain-HTTP admin UI with default credentials, RTSP without TLS",
        host_octet: 10,
        services: &[
            svc(2323, ServiceKind::CameraTelnet, false, "telnet"),
            svc(8080, ServiceKind::CameraHttp, false, "http admin UI (Basic auth)"),
            svc(8554, ServiceKind::CameraRtsp, false, "rtsp"),
        ],
        declaration: Some(include_str!("../declarations/camera.toml")),
        vendor: Some("camco"),
        phones_home: false,
        capture: None,
        firmware: true,
    },
    DeviceSpec {
        name: "plug",
        role: "device",
        description: "Smart plug: anonymous plaintext MQTT and an unauthenticated local HTTP API",
        host_octet: 20,
        services: &[
            svc(1883, ServiceKind::PlugMqtt, false, "mqtt (anonymous)"),
            svc(8080, ServiceKind::PlugHttp, false, "http JSON API"),
        ],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "hub",
        role: "device",
        description: "Home hub done right: HTTPS (TLS 1.2/1.3) with HSTS, HTTP only redirecting, SSH with keys only, MQTT over TLS with authentication",
        host_octet: 30,
        services: &[
            svc(2222, ServiceKind::HubSsh, false, "ssh"),
            svc(8080, ServiceKind::HubRedirect, false, "http (redirect to https)"),
            svc(8443, ServiceKind::HubWebUi, true, "https web UI"),
            svc(8883, ServiceKind::HubMqtt, true, "mqtt over TLS"),
        ],
        declaration: Some(include_str!("../declarations/hub.toml")),
        vendor: Some("brightnest"),
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "sensor",
        role: "device",
        description: "Environment sensor that speaks UDP: CoAP without DTLS, SSDP/UPnP over plain HTTP, SNMP v2c with community public",
        host_octet: 40,
        services: &[
            svc(5683, ServiceKind::SensorCoap, false, "coap"),
            svc(1900, ServiceKind::SensorSsdp, false, "ssdp"),
            svc(1161, ServiceKind::SensorSnmp, false, "snmp v2c"),
            svc(49152, ServiceKind::SensorUpnpHttp, false, "http UPnP description"),
        ],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "nvr",
        role: "device",
        description: "Network video recorder with an old TLS stack (openssl s_server): TLS 1.0/1.1, NULL and anonymous suites, 1024-bit DH, expired self-signed RSA-1024 certificate",
        host_octet: 60,
        services: &[svc(8443, ServiceKind::LegacyTls, false, "https (legacy TLS, openssl s_server)")],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "brightnest",
        role: "vendor",
        description: "Vendor web site of the hub: valid security.txt, plain privacy policy, terms",
        host_octet: 50,
        services: &[svc(8443, ServiceKind::VendorSite(Vendor::Good), true, "https vendor site")],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "camco",
        role: "vendor",
        description: "Vendor web site of the camera: expired security.txt, policy in legalese, no terms",
        host_octet: 51,
        services: &[svc(8443, ServiceKind::VendorSite(Vendor::Bad), true, "https vendor site")],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "doorbell",
        role: "device",
        description: "Video doorbell that phones home: checks and downloads firmware over plain HTTP, sends telemetry to its cloud over TLS, reports its serial and the owner's e-mail to a tracker in clear (no listening service)",
        host_octet: 80,
        services: &[],
        declaration: None,
        vendor: Some("cloud"),
        phones_home: true,
        capture: Some(Capture {
            bytes: include_bytes!("../data/doorbell.pcap"),
            device: "127.77.0.80",
            vendor_domains: &["doorbell-vendor.example"],
        }),
        firmware: false,
    },
    DeviceSpec {
        name: "cloud",
        role: "cloud",
        description: "The doorbell vendor's cloud: DNS for its names (UDP 5300), firmware over plain HTTP, the telemetry API over TLS",
        host_octet: 70,
        services: &[
            svc(8080, ServiceKind::CloudHttp, false, "http firmware server"),
            svc(8443, ServiceKind::CloudApi, true, "https telemetry API"),
            svc(5300, ServiceKind::CloudDns, false, "dns for the cloud's names"),
        ],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
    DeviceSpec {
        name: "tracker",
        role: "cloud",
        description: "A third-party analytics collector (app-measurement.com in the lab DNS)",
        host_octet: 71,
        services: &[svc(8080, ServiceKind::CloudHttp, false, "http collector")],
        declaration: None,
        vendor: None,
        phones_home: false,
        capture: None,
        firmware: false,
    },
];
