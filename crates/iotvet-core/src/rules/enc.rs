//! MS-1, encrypted communications, from live probing.
//!
//! Choice (documented in ARCHITECTURE.md): live probing of the device's TCP services settles
//! MS-1 in this version. A device whose every open TCP service speaks TLS or SSH (plain HTTP may
//! only redirect to HTTPS) passes; the pass says what was not examined. A service whose protocol
//! could not be identified makes MS-1 Unknown, because iotvet cannot tell whether it encrypts.

use crate::{
    case::{CaseFile, Protocol, ServiceObservation},
    catalog::ids,
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let mut out = plaintext_services(case);
    out.extend(unidentified_services(case));
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
    let failing: Vec<Finding> = net
        .services
        .iter()
        .filter(|s| is_plaintext(s) && !(s.protocol == Protocol::Http && s.redirects_to_https()))
        .map(plaintext_finding)
        .collect();
    if !failing.is_empty() {
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
            format!("{} {}", t.version, t.cipher_suite)
        } else {
            "encrypted by the protocol itself".to_owned()
        };
        if s.protocol != Protocol::Unknown {
            pass = pass.evidence(format!("{} {}: {how}", s.endpoint, s.service_name()));
        }
    }
    vec![pass.evidence("not examined: UDP services, a traffic capture of the device in use")]
}

fn plaintext_finding(s: &ServiceObservation) -> Finding {
    let mut f = Finding::fail(ids::PLAINTEXT_SERVICE, Location::endpoint(&s.endpoint, s.service_name()))
        .evidence(format!("{} speaks {} without TLS ({})", s.endpoint, s.service_name(), s.identified_by));
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
    if let Some(c) = &s.mqtt {
        f = f.evidence(format!("CONNACK return code {} to iotvet's CONNECT, in clear", c.return_code));
    }
    if let Some(b) = &s.banner {
        f = f.evidence(format!("banner: {b}"));
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
