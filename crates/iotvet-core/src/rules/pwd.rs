//! MS-3, strong passwords, from live probing.
//!
//! This version does not try credentials yet, so `pwd.default-credential` stays Unknown and names
//! the login services that would have to be tested. What probing already shows is judged: an
//! MQTT broker that accepted iotvet's anonymous CONNECT gives access without any credential.

use crate::{
    case::{CaseFile, Protocol},
    catalog::ids,
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let mut out = vec![default_credentials(case)];
    out.extend(anonymous_access(case));
    out
}

/// The declared default-password policies that meet MS-3, and those that do not.
pub const GOOD_PASSWORD_POLICIES: [&str; 2] = ["unique-per-device", "forced-change-at-setup"];
const BAD_PASSWORD_POLICIES: [&str; 2] = ["shared-default", "no-password"];

/// `pwd.default-credential`: until credentials are tested, settled only by the vendor's
/// declaration (marked declared); otherwise Unknown, naming the services to test.
pub fn default_credentials(case: &CaseFile) -> Finding {
    let loc = Location::device(&case.target.address);
    let declared = case.declaration.as_ref().and_then(|d| d.passwords.default_password_policy.as_deref());
    let f = match declared {
        Some(p) if GOOD_PASSWORD_POLICIES.contains(&p) => Finding::pass(ids::DEFAULT_CREDENTIAL, loc)
            .declared()
            .evidence(format!("declared default-password policy: {p}"))
            .evidence("not verified: this version of iotvet does not try credentials"),
        Some(p) if BAD_PASSWORD_POLICIES.contains(&p) => Finding::fail(ids::DEFAULT_CREDENTIAL, loc)
            .declared()
            .evidence(format!("declared default-password policy: {p}")),
        Some(p) => Finding::unknown(ids::DEFAULT_CREDENTIAL, loc)
            .evidence(format!("unrecognised declared default-password policy '{p}'")),
        None => Finding::unknown(ids::DEFAULT_CREDENTIAL, loc),
    };
    let Some(net) = &case.network else { return f };
    let logins: Vec<String> = net
        .services
        .iter()
        .filter(|s| {
            matches!(
                s.protocol,
                Protocol::Telnet | Protocol::Ssh | Protocol::Ftp | Protocol::Http | Protocol::Rtsp | Protocol::Mqtt
            )
        })
        .map(|s| format!("{} {}", s.endpoint, s.service_name()))
        .collect();
    if logins.is_empty() {
        return f.evidence("no login service found by live probing");
    }
    f.evidence(format!("services that may accept a login: {}", logins.join(", ")))
}

/// `pwd.no-authentication`: a service that let iotvet in without any credential.
pub fn anonymous_access(case: &CaseFile) -> Vec<Finding> {
    let Some(net) = &case.network else {
        return vec![];
    };
    net.services
        .iter()
        .filter_map(|s| {
            let connack = s.mqtt.as_ref().filter(|c| c.accepted())?;
            Some(Finding::fail(ids::NO_AUTHENTICATION, Location::endpoint(&s.endpoint, s.service_name())).evidence(
                format!(
                    "the MQTT broker at {} accepted a CONNECT without username or password (CONNACK return code {})",
                    s.endpoint, connack.return_code
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{case::MqttConnack, finding::Status, rules::fixtures::*};

    #[test]
    fn anonymous_mqtt_fails_and_refused_mqtt_does_not() {
        let mut open = service(1883, Protocol::Mqtt);
        open.mqtt = Some(MqttConnack { return_code: 0, session_present: false });
        let mut closed = service(8883, Protocol::Mqtt);
        closed.tls = Some(tls());
        closed.mqtt = Some(MqttConnack { return_code: 5, session_present: false });
        let f = anonymous_access(&case(vec![open, closed]));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].status, f[0].location.port), (Status::Fail, Some(1883)));
    }

    #[test]
    fn default_credentials_stay_unknown_and_name_the_login_services() {
        let f = default_credentials(&case(vec![service(23, Protocol::Telnet)]));
        assert_eq!(f.status, Status::Unknown);
        assert!(f.evidence[0].contains("192.0.2.7:23/tcp telnet"));
    }
}
