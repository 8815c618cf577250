//! MS-1, encrypted communications, from live probing.
//!
//! Choice (documented in ARCHITECTURE.md): live probing of the device's TCP services settles
//! MS-1 in this version. A device whose every open TCP service speaks TLS or SSH (plain HTTP may
//! only redirect to HTTPS) passes; the pass says what was not examined. A service whose protocol
//! could not be identified makes MS-1 Unknown, because iotvet cannot tell whether it encrypts.

use crate::{
    case::{CaseFile, Protocol, ServiceObservation, StepKind},
    catalog::ids,
    finding::{Finding, Location},
    logins::LoginOutcome,
    rules::{device_step_failed, incomplete},
};

/// The collector steps whose failure leaves MS-1 undecided.
const MS1_STEPS: [StepKind; 4] = [StepKind::TcpScan, StepKind::Identify, StepKind::TlsScan, StepKind::UdpProbe];

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let mut out = plaintext_services(case);
    out.extend(incomplete(case, ids::PLAINTEXT_SERVICE, &MS1_STEPS));
    out.extend(unidentified_services(case));
    if let Some(net) = &case.network {
        out.extend(net.services.iter().flat_map(|s| tls_findings(s, &case.created_at)));
    }
    out.extend(udp_services(case));
    out
}

/// CoAP without DTLS, SNMP v1/v2c, UPnP control over plain HTTP, and TFTP (plaintext, no
/// authentication at all), from the UDP services that answered.
pub fn udp_services(case: &CaseFile) -> Vec<Finding> {
    let Some(net) = &case.network else { return vec![] };
    let mut out = Vec::new();
    for u in &net.udp_services {
        let loc = Location::endpoint(&u.endpoint, &u.protocol);
        let check = match u.protocol.as_str() {
            "coap" => ids::COAP_WITHOUT_DTLS,
            "snmp" => ids::SNMP_V1V2C,
            "ssdp" if u.revealed.iter().any(|r| r.to_ascii_lowercase().starts_with("location: http://")) => {
                ids::UPNP_PLAIN_HTTP
            }
            "tftp" => ids::PLAINTEXT_SERVICE,
            _ => continue,
        };
        let mut f = Finding::fail(check, loc).evidence(format!("{}: {}", u.endpoint, u.identified_by));
        for r in &u.revealed {
            f = f.evidence(format!("revealed {r}"));
        }
        out.push(f);
    }
    // DTLS 1.0 is TLS 1.1's datagram twin: a legacy version, as on TCP.
    let dtls10 = |u: &&crate::case::UdpServiceObservation| {
        u.protocol == "dtls" && u.revealed.iter().any(|r| r.starts_with("accepts DTLS 1.0"))
    };
    for u in net.udp_services.iter().filter(dtls10) {
        let mut f = Finding::fail(ids::TLS_LEGACY_VERSION, Location::endpoint(&u.endpoint, "dtls"))
            .evidence(format!("{}: {}", u.endpoint, u.identified_by));
        for r in &u.revealed {
            f = f.evidence(r.clone());
        }
        out.push(f);
    }
    // Every community the credential test proved answers in SNMP v1/v2c, in clear: MS-1 too,
    // whether or not the `public` probe got an answer.
    let flagged: Vec<_> = out
        .iter()
        .filter(|f| f.check == ids::SNMP_V1V2C)
        .map(|f| (f.location.target.clone(), f.location.port))
        .collect();
    for t in
        case.logins.iter().flat_map(|l| &l.tests).filter(|t| {
            t.method == "snmp-community" && matches!(t.outcome, LoginOutcome::Accepted | LoginOutcome::Open)
        })
    {
        if flagged.contains(&(t.endpoint.address.clone(), Some(t.endpoint.port))) {
            continue;
        }
        let mut f = Finding::fail(ids::SNMP_V1V2C, Location::endpoint(&t.endpoint, "snmp"))
            .evidence(format!("{}: the agent answered SNMP v1/v2c requests in clear ({})", t.endpoint, t.detail));
        for a in &t.accepted {
            f = f.evidence(format!("{} '{}': {}", a.username, a.password, a.evidence));
        }
        out.push(f);
    }
    out
}

/// A local address: no public CA can certify it, so an untrusted certificate is expected there.
fn is_local(address: &str) -> bool {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => a.is_private() || a.is_loopback() || a.is_link_local(),
        Ok(std::net::IpAddr::V6(a)) => {
            a.is_loopback() || (a.segments()[0] & 0xfe00) == 0xfc00 || (a.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

/// Every TLS finding of one service: Unknown when no handshake showed it encrypts; its
/// enumeration (`enc.tls-legacy-version`, `enc.tls-weak-cipher`, `enc.tls-no-forward-secrecy`…,
/// fails only: a clean TLS service adds nothing to the MS-1 pass); then its leaf certificate
/// judged at `now` (`enc.tls-cert-expired`, `enc.tls-weak-key`, `enc.tls-untrusted-cert`).
pub fn tls_findings(s: &ServiceObservation, now: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = tls_unproven(s).then(|| unproven_finding(s)).into_iter().collect();
    out.extend(scan_findings(s));
    out.extend(certificate_findings(s, now));
    out
}

fn certificate_findings(s: &ServiceObservation, now: &str) -> Vec<Finding> {
    let Some(tls) = &s.tls else { return vec![] };
    let Some(leaf) = tls.chain.first() else { return vec![] };
    let mut out = Vec::new();
    let loc = Location::endpoint(&s.endpoint, s.service_name());
    if leaf.not_after.as_str() < now || leaf.not_before.as_str() > now {
        out.push(
            Finding::fail(ids::TLS_CERT_EXPIRED, loc.clone())
                .evidence(format!("valid {} to {}; assessed {now}", leaf.not_before, leaf.not_after)),
        );
    }
    let weak_key = match leaf.key_type.as_str() {
        "RSA" | "DSA" => leaf.key_bits < 2048,
        t if t.starts_with("EC") => leaf.key_bits > 0 && leaf.key_bits < 256,
        _ => false,
    };
    let weak_signature = ["md5", "sha1"].iter().any(|w| leaf.signature_algorithm.to_ascii_lowercase().contains(w));
    if weak_key || weak_signature {
        out.push(Finding::fail(ids::TLS_WEAK_KEY, loc.clone()).evidence(format!(
            "{} {}-bit key, signed with {}",
            leaf.key_type, leaf.key_bits, leaf.signature_algorithm
        )));
    }
    let verification = tls.chain_verification.as_deref().unwrap_or("not checked");
    if verification != "trusted" && !is_local(&s.endpoint.address) {
        out.push(Finding::fail(ids::TLS_UNTRUSTED_CERT, loc).evidence(format!(
            "{}; subject {}, issuer {}{}",
            verification,
            leaf.subject,
            leaf.issuer,
            if leaf.self_signed { ", self-signed" } else { "" }
        )));
    }
    out
}

/// Words in an IANA suite name that mark it weak or broken.
const WEAK_MARKS: [&str; 8] = ["_NULL_", "_EXPORT", "_anon_", "_RC4_", "_DES_", "_DES40_", "_3DES_", "_MD5"];

fn is_weak(suite: &str) -> bool {
    WEAK_MARKS.iter().any(|m| suite.contains(m)) || suite.ends_with("_NULL") || suite.contains("WITH_NULL")
}

/// A named group under 224 bits: the binary and prime curves of 160 to 193 bits.
fn group_is_weak(name: &str) -> bool {
    ["sect163", "sect193", "secp160", "secp192"].iter().any(|p| name.starts_with(p))
}

fn has_forward_secrecy(version: &str, suite: &str) -> bool {
    version == "TLSv1.3" || suite.contains("_DHE_") || suite.contains("_ECDHE_")
}

fn scan_findings(s: &ServiceObservation) -> Vec<Finding> {
    let Some(scan) = &s.tls_scan else { return vec![] };
    let mut out = Vec::new();
    let loc = Location::endpoint(&s.endpoint, s.service_name());
    let legacy: Vec<&str> = scan
        .versions
        .iter()
        .filter(|v| v.accepted && matches!(v.version.as_str(), "SSLv2" | "SSLv3" | "TLSv1.0" | "TLSv1.1"))
        .map(|v| v.version.as_str())
        .collect();
    if !legacy.is_empty() {
        out.push(
            Finding::fail(ids::TLS_LEGACY_VERSION, loc.clone()).evidence(format!("accepts {}", legacy.join(", "))),
        );
    }
    let weak: Vec<String> = scan
        .versions
        .iter()
        .flat_map(|v| v.cipher_suites.iter().filter(|c| is_weak(c)).map(move |c| format!("{} {c}", v.version)))
        .collect();
    if !weak.is_empty() {
        let mut f = Finding::fail(ids::TLS_WEAK_CIPHER, loc.clone());
        for w in weak {
            f = f.evidence(format!("accepts {w}"));
        }
        out.push(f);
    }
    let accepted: Vec<(&str, &str)> = scan
        .versions
        .iter()
        .flat_map(|v| v.cipher_suites.iter().map(move |c| (v.version.as_str(), c.as_str())))
        .collect();
    if !accepted.is_empty() && !accepted.iter().any(|(v, c)| has_forward_secrecy(v, c)) {
        out.push(
            Finding::fail(ids::TLS_NO_FORWARD_SECRECY, loc.clone())
                .evidence(format!("none of the {} accepted suites uses an ephemeral key exchange", accepted.len())),
        );
    }
    let mut weak_kx = Vec::new();
    if let Some(bits) = scan.dh_prime_bits.filter(|b| *b < 2048) {
        weak_kx.push(format!("DHE suites use a {bits}-bit prime"));
    }
    for g in scan.groups.iter().filter(|g| group_is_weak(g)) {
        weak_kx.push(format!("accepts the {g} group"));
    }
    if !weak_kx.is_empty() {
        let mut f = Finding::fail(ids::TLS_WEAK_KEY_EXCHANGE, loc.clone());
        for w in weak_kx {
            f = f.evidence(w);
        }
        out.push(f);
    }
    if scan.compression == Some(true) {
        out.push(
            Finding::fail(ids::TLS_COMPRESSION, loc.clone())
                .evidence("the server chose DEFLATE compression when iotvet offered it"),
        );
    }
    if scan.secure_renegotiation == Some(false) {
        out.push(
            Finding::fail(ids::TLS_INSECURE_RENEGOTIATION, loc)
                .evidence("no renegotiation_info extension (RFC 5746) in the ServerHello"),
        );
    }
    out
}

/// A protocol that carries logins or data in clear unless wrapped in TLS.
fn is_plaintext(service: &ServiceObservation) -> bool {
    !service.is_encrypted()
        && matches!(
            service.protocol,
            Protocol::Telnet
                | Protocol::Ftp
                | Protocol::Smtp
                | Protocol::Imap
                | Protocol::Pop3
                | Protocol::Http
                | Protocol::Rtsp
                | Protocol::Mqtt
                | Protocol::Adb
        )
}

/// `enc.plaintext-service`: a service that carries a login or data without encryption.
pub fn plaintext_services(case: &CaseFile) -> Vec<Finding> {
    let Some(net) = &case.network else {
        return vec![Finding::unknown(ids::PLAINTEXT_SERVICE, Location::device(&case.target.address))];
    };
    let mut failing: Vec<Finding> = net
        .services
        .iter()
        .filter(|s| is_plaintext(s) && !(s.protocol == Protocol::Http && s.redirects_to_https()))
        .map(plaintext_finding)
        .collect();
    // A TLS port whose other face speaks plain HTTP (other than a redirect to HTTPS).
    for s in &net.services {
        let Some(r) = s.plain_http.as_ref().filter(|r| !r.redirects_to_https()) else { continue };
        let mut line = format!("the same port also answers plain HTTP: {}", r.status_line);
        if r.login_form {
            line.push_str("; serves a login form in clear");
        }
        if let Some(a) = &r.www_authenticate {
            line.push_str(&format!("; asks for credentials in clear: WWW-Authenticate: {a}"));
        }
        failing.push(
            Finding::fail(ids::PLAINTEXT_SERVICE, Location::endpoint(&s.endpoint, "http"))
                .evidence(format!("{} speaks TLS and plain HTTP on one port (it reads the first byte)", s.endpoint))
                .evidence(line),
        );
    }
    // A scan that reached nothing, or a service whose encryption was never shown, is no
    // evidence of encryption: the failures stand, the pass does not (the Unknowns say why).
    if !failing.is_empty() || device_step_failed(case, StepKind::TcpScan) {
        return failing;
    }
    let mut pass = Finding::pass(ids::PLAINTEXT_SERVICE, Location::device(&case.target.address));
    if net.services.is_empty() {
        pass = pass.evidence(format!("no open TCP port among the {} scanned ({})", net.ports_scanned, net.port_spec));
    }
    for s in &net.services {
        let how = if s.protocol == Protocol::Http && s.tls.is_none() {
            "redirects to HTTPS".to_owned()
        } else if let Some(t) = &s.tls {
            let hsts = match s.response.as_ref().filter(|_| s.protocol == Protocol::Http) {
                Some(r) => match &r.strict_transport_security {
                    Some(h) => format!("; HSTS {h}"),
                    None => "; no HSTS header".to_owned(),
                },
                None => String::new(),
            };
            format!("{} {}{hsts}", t.version, t.cipher_suite)
        } else {
            "encrypted by the protocol itself".to_owned()
        };
        if s.protocol != Protocol::Unknown && !tls_unproven(s) {
            pass = pass.evidence(format!("{} {}: {how}", s.endpoint, s.service_name()));
        }
    }
    vec![pass
        .evidence("not examined: a traffic capture of the device in use; UDP services are judged by their own checks")]
}

fn plaintext_finding(s: &ServiceObservation) -> Finding {
    let mut f = Finding::fail(ids::PLAINTEXT_SERVICE, Location::endpoint(&s.endpoint, s.service_name()))
        .evidence(format!("{} speaks {} without TLS ({})", s.endpoint, s.service_name(), s.identified_by));
    if s.protocol == Protocol::Http {
        f = f.evidence("plain HTTP does not redirect to HTTPS");
    }
    if let Some(r) = &s.response {
        let mut line = format!("response: {}", r.status_line);
        if let Some(a) = &r.www_authenticate {
            line.push_str(&format!("; asks for credentials in clear: WWW-Authenticate: {a}"));
        }
        if r.login_form {
            line.push_str("; serves a login form");
        }
        if let Some(t) = &r.title {
            line.push_str(&format!("; title \"{t}\""));
        }
        f = f.evidence(line);
    }
    if let Some(command) = s.starttls() {
        f = f.evidence(format!(
            "offers {command}, but TLS is the client's choice: whatever a client sends before it travels in clear"
        ));
    }
    if let Some(c) = &s.mqtt {
        f = f.evidence(format!("CONNACK return code {} to iotvet's CONNECT, in clear", c.return_code));
    }
    if let Some(b) = &s.banner {
        f = f.evidence(format!("banner: {b}"));
    }
    f
}

/// A service that looked like TLS but never completed a handshake iotvet could see: every hello
/// refused (a server that wants SNI answers `unrecognized_name`, one that wants a client
/// certificate may hang up), or only anomalies. It may encrypt, but nothing shows that it does.
fn tls_unproven(s: &ServiceObservation) -> bool {
    let looks_tls = s.protocol == Protocol::Tls || (s.tls.is_some() && s.starttls().is_none());
    let proven = match &s.tls_scan {
        Some(scan) => scan.any_accepted() || s.tls.is_some(),
        None => s.tls.is_some(),
    };
    looks_tls && !proven
}

fn unproven_finding(s: &ServiceObservation) -> Finding {
    let mut f = Finding::unknown(ids::PLAINTEXT_SERVICE, Location::endpoint(&s.endpoint, s.service_name()))
        .evidence(format!("{}: {}", s.endpoint, s.identified_by))
        .needs(
            "a TLS handshake the server completes (if it wants a host name, give it with --sni NAME or as the target)",
        );
    for a in s.tls_scan.iter().flat_map(|t| t.anomalies.iter()) {
        f = f.evidence(a.clone());
    }
    f
}

/// `enc.unidentified-service`: an open service whose protocol iotvet could not identify.
pub fn unidentified_services(case: &CaseFile) -> Vec<Finding> {
    let Some(net) = &case.network else {
        return vec![];
    };
    net.services
        .iter()
        .filter(|s| s.protocol == Protocol::Unknown && s.tls.is_none())
        .map(|s| {
            let f = Finding::unknown(ids::UNIDENTIFIED_SERVICE, Location::endpoint(&s.endpoint, "unknown"))
                .evidence(s.identified_by.clone());
            match &s.banner {
                Some(b) => f.evidence(format!("first bytes: {b}")),
                None => f.evidence("the service sent nothing and answered none of iotvet's probes"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{case::MqttConnack, finding::Status, rules::fixtures::*};

    /// Every TLS finding of every service of the case.
    fn tls_of(c: &CaseFile) -> Vec<Finding> {
        c.network.iter().flat_map(|n| &n.services).flat_map(|s| tls_findings(s, &c.created_at)).collect()
    }

    #[test]
    fn certificates_are_judged_and_local_ones_may_be_untrusted() {
        use crate::case::CertificateInfo;
        let leaf = |not_after: &str, bits: u32, sig: &str| CertificateInfo {
            subject: "CN=cam".into(),
            issuer: "CN=cam".into(),
            subject_alt_names: vec![],
            not_before: "2020-01-01T00:00:00Z".into(),
            not_after: not_after.into(),
            key_type: "RSA".into(),
            key_bits: bits,
            signature_algorithm: sig.into(),
            self_signed: true,
        };
        let mut old = service(443, Protocol::Http);
        old.tls = Some(crate::case::TlsSession {
            chain: vec![leaf("2021-01-01T00:00:00Z", 1024, "sha1WithRSAEncryption")],
            chain_verification: Some("UnknownIssuer".into()),
            ..tls()
        });
        let mut c = case(vec![old]);
        // 192.0.2.7 is a documentation address, not local: untrusted counts.
        let got: Vec<String> = tls_of(&c).into_iter().map(|f| f.check).collect();
        assert_eq!(got, vec![ids::TLS_CERT_EXPIRED, ids::TLS_WEAK_KEY, ids::TLS_UNTRUSTED_CERT]);
        if let Some(n) = c.network.as_mut() {
            n.services[0].endpoint.address = "192.168.1.20".into();
        }
        let got: Vec<String> = tls_of(&c).into_iter().map(|f| f.check).collect();
        assert_eq!(got, vec![ids::TLS_CERT_EXPIRED, ids::TLS_WEAK_KEY], "a local device may be self-signed");
    }

    #[test]
    fn udp_answers_are_judged() {
        use crate::case::{Transport, UdpServiceObservation};
        let udp = |port, protocol: &str, revealed: &[&str]| UdpServiceObservation {
            endpoint: crate::case::Endpoint { address: "192.0.2.7".into(), port, transport: Transport::Udp },
            protocol: protocol.into(),
            identified_by: "answer".into(),
            revealed: revealed.iter().map(|r| (*r).to_owned()).collect(),
        };
        let mut c = case(vec![]);
        if let Some(n) = c.network.as_mut() {
            n.udp_services = vec![
                udp(5683, "coap", &["</t>"]),
                udp(161, "snmp", &["sysDescr: x"]),
                udp(1900, "ssdp", &["LOCATION: http://192.0.2.7:49152/d.xml"]),
                udp(5353, "mdns", &[]),
                udp(69, "tftp", &[]),
                udp(5684, "dtls", &["accepts DTLS 1.0 (a ServerHello to a DTLS 1.0-only hello)"]),
                udp(5685, "dtls", &[]),
            ];
        }
        let got: Vec<(String, u16)> =
            udp_services(&c).into_iter().map(|f| (f.check, f.location.port.unwrap())).collect();
        assert_eq!(
            got,
            vec![
                (ids::COAP_WITHOUT_DTLS.into(), 5683),
                (ids::SNMP_V1V2C.into(), 161),
                (ids::UPNP_PLAIN_HTTP.into(), 1900),
                (ids::PLAINTEXT_SERVICE.into(), 69),
                (ids::TLS_LEGACY_VERSION.into(), 5684)
            ]
        );
    }

    #[test]
    fn tls_enumerations_are_judged() {
        use crate::case::{TlsScan, TlsVersionSupport};
        let v = |version: &str, suites: &[&str]| TlsVersionSupport {
            version: version.into(),
            accepted: !suites.is_empty(),
            cipher_suites: suites.iter().map(|s| (*s).to_owned()).collect(),
        };
        let mut legacy = service(443, Protocol::Http);
        legacy.tls = Some(tls());
        legacy.tls_scan = Some(TlsScan {
            versions: vec![
                v("TLSv1.0", &["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"]),
                v("TLSv1.2", &["TLS_RSA_WITH_AES_128_GCM_SHA256"]),
            ],
            server_order_enforced: Some(true),
            groups: vec!["secp256r1".into(), "secp192r1".into()],
            dh_prime_bits: Some(1024),
            compression: Some(true),
            secure_renegotiation: Some(false),
            handshakes: 5,
            ..TlsScan::default()
        });
        let mut modern = service(8443, Protocol::Http);
        modern.tls = Some(tls());
        modern.tls_scan = Some(TlsScan {
            versions: vec![
                v("TLSv1.2", &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]),
                v("TLSv1.3", &["TLS_AES_128_GCM_SHA256"]),
            ],
            groups: vec!["x25519".into(), "secp256r1".into()],
            compression: Some(false),
            secure_renegotiation: Some(true),
            handshakes: 4,
            ..TlsScan::default()
        });
        let f = tls_of(&case(vec![legacy, modern]));
        let got: Vec<(&str, Option<u16>)> = f.iter().map(|f| (f.check.as_str(), f.location.port)).collect();
        assert_eq!(
            got,
            vec![
                (ids::TLS_LEGACY_VERSION, Some(443)),
                (ids::TLS_WEAK_CIPHER, Some(443)),
                (ids::TLS_NO_FORWARD_SECRECY, Some(443)),
                (ids::TLS_WEAK_KEY_EXCHANGE, Some(443)),
                (ids::TLS_COMPRESSION, Some(443)),
                (ids::TLS_INSECURE_RENEGOTIATION, Some(443)),
            ]
        );
        assert_eq!(f[3].evidence, vec!["DHE suites use a 1024-bit prime", "accepts the secp192r1 group"]);
        assert_eq!(f[1].evidence, vec!["accepts TLSv1.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA"]);
        assert!(
            !is_weak("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
                && is_weak("TLS_RSA_WITH_NULL_SHA")
                && is_weak("TLS_DH_anon_WITH_AES_128_CBC_SHA")
        );
    }

    #[test]
    fn a_scan_that_reached_nothing_is_unknown_not_pass() {
        use crate::case::{CollectorStep, StepKind};
        let mut c = case(vec![]);
        assert_eq!(findings(&c)[0].status, Status::Pass, "a scan that completed with nothing open passes");
        if let Some(n) = c.network.as_mut() {
            n.steps.push(CollectorStep::error(
                StepKind::TcpScan,
                None,
                "no port accepted or refused (65535 network or host unreachable)",
            ));
        }
        let f = findings(&c);
        assert_eq!(f.iter().map(|f| f.status).collect::<Vec<_>>(), vec![Status::Unknown]);
        assert!(f[0].evidence[0].contains("TCP scan did not complete: no port accepted"), "{:?}", f[0].evidence);
        let verdict = crate::verdict::judge(&c).verdicts[&crate::guideline::Guideline::Ms1].verdict;
        assert_eq!(verdict, crate::verdict::VerdictKind::Unknown);
    }

    #[test]
    fn a_tls_service_that_refused_every_handshake_is_unknown() {
        use crate::case::TlsScan;
        let mut refused = service(443, Protocol::Tls);
        refused.identified_by = "TLS alert (level 2, description 112) to a TLS ClientHello".into();
        refused.tls_scan = Some(TlsScan {
            anomalies: vec!["the server refused every handshake: unrecognized_name — give it with `--sni NAME`".into()],
            ..TlsScan::default()
        });
        let f = findings(&case(vec![refused]));
        let got: Vec<_> = f.iter().map(|f| (f.check.as_str(), f.status, f.location.port)).collect();
        assert!(got.contains(&(ids::PLAINTEXT_SERVICE, Status::Unknown, Some(443))), "{got:?}");
        assert!(f.iter().all(|f| f.status != Status::Pass || !f.evidence.iter().any(|e| e.contains(":443"))));
        assert!(f.iter().any(|f| f.evidence.iter().any(|e| e.contains("unrecognized_name"))));
    }

    #[test]
    fn no_network_section_is_unknown_not_pass() {
        let mut c = case(vec![]);
        c.network = None;
        let f = plaintext_services(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Unknown);
        assert!(f[0].needs.as_deref().unwrap().contains("live probing"));
    }

    #[test]
    fn telnet_ftp_mqtt_rtsp_and_plain_http_fail_each_at_its_endpoint() {
        let mut mqtt = service(1883, Protocol::Mqtt);
        mqtt.mqtt = Some(MqttConnack { return_code: 0, session_present: false });
        let mut http = service(8080, Protocol::Http);
        http.response = Some(http_response(200, None));
        let c = case(vec![
            service(23, Protocol::Telnet),
            service(21, Protocol::Ftp),
            mqtt,
            service(554, Protocol::Rtsp),
            http,
        ]);
        let f = plaintext_services(&c);
        let ports: Vec<_> = f.iter().map(|f| (f.status, f.location.port.unwrap())).collect();
        assert_eq!(
            ports,
            vec![
                (Status::Fail, 23),
                (Status::Fail, 21),
                (Status::Fail, 1883),
                (Status::Fail, 554),
                (Status::Fail, 8080)
            ]
        );
        assert_eq!(f[2].location.service.as_deref(), Some("mqtt"));
        assert!(f[2].evidence.iter().any(|e| e.contains("CONNACK return code 0")));
    }

    #[test]
    fn tls_ssh_and_https_redirects_pass() {
        let mut https = service(443, Protocol::Http);
        https.tls = Some(tls());
        let mut mqtts = service(8883, Protocol::Mqtt);
        mqtts.tls = Some(tls());
        let mut redirect = service(80, Protocol::Http);
        redirect.response = Some(http_response(301, Some("https://192.0.2.7/")));
        let c = case(vec![https, mqtts, redirect, service(22, Protocol::Ssh)]);
        let f = plaintext_services(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Pass);
        assert_eq!(f[0].location.port, None);
        assert!(f[0].evidence.iter().any(|e| e.contains("192.0.2.7:80/tcp http: redirects to HTTPS")));
    }

    #[test]
    fn redirect_to_plain_http_is_still_plaintext() {
        let mut redirect = service(80, Protocol::Http);
        redirect.response = Some(http_response(302, Some("http://192.0.2.7/login")));
        let f = plaintext_services(&case(vec![redirect]));
        assert_eq!(f[0].status, Status::Fail);
    }

    #[test]
    fn unknown_protocol_is_unknown_with_its_bytes() {
        let mut s = service(9999, Protocol::Unknown);
        s.banner = Some("\\x01\\x02".into());
        let c = case(vec![s]);
        let f = unidentified_services(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Unknown);
        assert!(f[0].evidence.iter().any(|e| e.contains("\\x01\\x02")));
        // An unknown service is not plaintext evidence: the plaintext check still passes.
        assert_eq!(plaintext_services(&c)[0].status, Status::Pass);
    }
}
