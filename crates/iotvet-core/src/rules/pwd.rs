//! MS-3, strong passwords, from credential tests against the live device.
//!
//! With credential tests in the case: a listed credential accepted fails; a service that gives
//! access without any credential fails `pwd.no-authentication`; a service that could not be
//! tested, or whose test was inconclusive, is Unknown; and the check passes only when every
//! service that asks for a login refused every credential tried (the evidence says how many,
//! where). Without credential tests: the vendor's declared password policy (marked declared),
//! else Unknown naming the login services to test; an MQTT broker that accepted the anonymous
//! CONNECT of identification still fails `pwd.no-authentication`.

use crate::{
    case::{CaseFile, Protocol, StepKind},
    catalog::ids,
    finding::{Finding, Location},
    logins::{LoginOutcome, LoginSection},
    rules::incomplete,
};

/// The collector steps whose failure leaves MS-3 undecided.
const MS3_STEPS: [StepKind; 4] = [StepKind::TcpScan, StepKind::Identify, StepKind::UdpProbe, StepKind::LoginTest];

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    match &case.logins {
        Some(logins) => tested(case, logins),
        None => {
            let mut out = vec![default_credentials(case)];
            out.extend(anonymous_access(case));
            out
        }
    }
}

/// Judges the credential tests.
fn tested(case: &CaseFile, logins: &LoginSection) -> Vec<Finding> {
    let mut out = Vec::new();
    let secrets = if logins.secrets_shown { "" } else { " (masked)" };
    let mut forced = Vec::new();
    for t in &logins.tests {
        let loc = Location::endpoint(&t.endpoint, &t.service);
        match t.outcome {
            // Every accepted default was met by a demand for a new password: reset at setup.
            LoginOutcome::Accepted if !t.accepted.is_empty() && t.accepted.iter().all(|a| a.change_forced) => {
                for a in &t.accepted {
                    forced.push(format!(
                        "{} {}: default accepted, change forced: username '{}' with password '{}'{secrets} ({})",
                        t.endpoint, t.service, a.username, a.password, a.evidence
                    ));
                }
            }
            LoginOutcome::Accepted => {
                let mut f = Finding::fail(ids::DEFAULT_CREDENTIAL, loc);
                for a in &t.accepted {
                    f = f.evidence(format!(
                        "{} accepted username '{}' with password '{}'{secrets}, list entry: {}; {}",
                        t.endpoint, a.username, a.password, a.list_entry, a.evidence
                    ));
                }
                out.push(f.evidence(format!("{} ({}): {}", t.method, t.service, t.detail)));
            }
            LoginOutcome::Open => out.push(
                Finding::fail(ids::NO_AUTHENTICATION, loc)
                    .evidence(format!("{} ({}): {}", t.endpoint, t.service, t.detail)),
            ),
            LoginOutcome::Inconclusive | LoginOutcome::NotTested => {
                let mut f =
                    Finding::unknown(ids::DEFAULT_CREDENTIAL, loc).evidence(format!("{}: {}", t.method, t.detail));
                if let Some(l) = &t.lockout {
                    f = f.evidence(format!("lockout: {l}"));
                }
                out.push(f.needs(if t.outcome == LoginOutcome::NotTested {
                    "a credential tester for this protocol, or the device's password files from its firmware"
                } else {
                    "a conclusive credential test of this service (see the evidence for what went wrong)"
                }));
            }
            LoginOutcome::Rejected => {}
        }
    }
    out.extend(incomplete(case, ids::DEFAULT_CREDENTIAL, &MS3_STEPS));
    out.extend(unidentified(case));
    if out.iter().any(|f| f.check == ids::DEFAULT_CREDENTIAL) {
        return out;
    }
    let mut pass = Finding::pass(ids::DEFAULT_CREDENTIAL, Location::device(&case.target.address));
    let rejected: Vec<_> = logins.tests.iter().filter(|t| t.outcome == LoginOutcome::Rejected).collect();
    if rejected.is_empty() && forced.is_empty() && !logins.tests.iter().any(|t| t.outcome == LoginOutcome::Open) {
        pass = pass.evidence(no_login_surface(case));
    }
    for f in forced {
        pass = pass.evidence(f);
    }
    for t in rejected {
        pass = pass.evidence(format!(
            "{} {} ({}, {} list): {}{}",
            t.endpoint,
            t.service,
            t.method,
            logins.credential_set,
            t.detail,
            t.lockout.as_deref().map(|l| format!("; {l}")).unwrap_or_default()
        ));
    }
    out.insert(0, pass);
    out
}

/// A service iotvet could not name cannot be said not to ask for a login; nor can a login
/// service iotvet has no tester for (an SNMPv3 agent's users).
fn unidentified(case: &CaseFile) -> Vec<Finding> {
    let Some(net) = &case.network else { return vec![] };
    let tcp = net.services.iter().filter(|s| matches!(s.protocol, Protocol::Unknown | Protocol::Tls)).map(|s| {
        Finding::unknown(ids::DEFAULT_CREDENTIAL, Location::endpoint(&s.endpoint, s.service_name()))
            .evidence(format!("{} could not be identified ({}): it may ask for a login", s.endpoint, s.identified_by))
            .needs("identification of this service, so a credential test can be chosen for it")
    });
    let udp = net.udp_services.iter().filter(|u| u.protocol == "snmpv3").map(|u| {
        Finding::unknown(ids::DEFAULT_CREDENTIAL, Location::endpoint(&u.endpoint, "snmpv3"))
            .evidence(format!("{}: {}", u.endpoint, u.identified_by))
            .needs("a test of the SNMPv3 agent's users (iotvet does not try SNMPv3 users yet)")
    });
    tcp.chain(udp).collect()
}

/// The evidence of a pass with nothing to log in to: what was open, all identified, none a login.
fn no_login_surface(case: &CaseFile) -> String {
    let Some(net) = &case.network else {
        return "no login surface: the device was not probed".into();
    };
    let tcp: Vec<String> = net.services.iter().map(|s| format!("{} {}", s.endpoint, s.service_name())).collect();
    let udp = net.udp_services.len();
    if tcp.is_empty() {
        format!(
            "no login surface: no open TCP port among the {} scanned ({}), {udp} UDP service(s) answered, none asks for a login",
            net.ports_scanned, net.port_spec
        )
    } else {
        format!(
            "no login surface: every open TCP service was identified and none asks for a login ({}); {udp} UDP service(s) answered",
            tcp.join(", ")
        )
    }
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
                Protocol::Telnet
                    | Protocol::Ssh
                    | Protocol::Ftp
                    | Protocol::Http
                    | Protocol::Rtsp
                    | Protocol::Mqtt
                    | Protocol::Adb
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

    fn login_case(outcomes: &[(u16, LoginOutcome)]) -> CaseFile {
        use crate::logins::*;
        let mut c = case(outcomes.iter().map(|(p, _)| service(*p, Protocol::Telnet)).collect());
        c.logins = Some(LoginSection {
            provenance: c.network.as_ref().unwrap().provenance.clone(),
            credential_set: "default".into(),
            credentials_in_list: 89,
            secrets_shown: false,
            tests: outcomes
                .iter()
                .map(|(p, o)| LoginTest {
                    endpoint: service(*p, Protocol::Telnet).endpoint,
                    service: "telnet".into(),
                    method: "telnet-login".into(),
                    outcome: *o,
                    attempts: if *o == LoginOutcome::Accepted { 1 } else { 89 },
                    accepted: if *o == LoginOutcome::Accepted {
                        vec![AcceptedCredential {
                            username: "root".into(),
                            password: mask("xc3511"),
                            list_entry: "mirai".into(),
                            evidence: "shell prompt".into(),
                            change_forced: false,
                        }]
                    } else {
                        vec![]
                    },
                    detail: "d".into(),
                    lockout: None,
                    duration_ms: 1,
                })
                .collect(),
            steps: vec![],
        });
        c
    }

    #[test]
    fn tested_credentials_decide_ms3() {
        let statuses =
            |c: &CaseFile| findings(c).into_iter().map(|f| (f.check, f.status, f.location.port)).collect::<Vec<_>>();
        assert_eq!(
            statuses(&login_case(&[(23, LoginOutcome::Rejected), (2323, LoginOutcome::Rejected)])),
            vec![(ids::DEFAULT_CREDENTIAL.into(), Status::Pass, None)]
        );
        let f = findings(&login_case(&[(23, LoginOutcome::Accepted), (2323, LoginOutcome::Rejected)]));
        assert_eq!((f[0].status, f[0].location.port), (Status::Fail, Some(23)));
        assert!(
            f[0].evidence[0].contains("'root' with password 'x****1' (masked), list entry: mirai"),
            "{:?}",
            f[0].evidence
        );
        assert_eq!(
            statuses(&login_case(&[(23, LoginOutcome::Open)]))[1],
            (ids::NO_AUTHENTICATION.into(), Status::Fail, Some(23))
        );
        assert_eq!(
            statuses(&login_case(&[(23, LoginOutcome::Inconclusive)])),
            vec![(ids::DEFAULT_CREDENTIAL.into(), Status::Unknown, Some(23))]
        );
        assert_eq!(statuses(&login_case(&[(23, LoginOutcome::NotTested), (24, LoginOutcome::Rejected)])).len(), 1);
    }

    #[test]
    fn nothing_to_log_in_to_passes_only_when_every_service_was_identified() {
        use crate::case::{CollectorStep, StepKind};
        let mut c = login_case(&[]);
        let f = findings(&c);
        assert_eq!(f[0].status, Status::Pass);
        assert!(f[0].evidence[0].starts_with("no login surface: no open TCP port"), "{:?}", f[0].evidence);
        // An open port nobody could name may ask for a login.
        c.network.as_mut().unwrap().services.push(service(9000, Protocol::Unknown));
        let f = findings(&c);
        assert_eq!(
            f.iter().map(|f| (f.status, f.location.port)).collect::<Vec<_>>(),
            vec![(Status::Unknown, Some(9000))]
        );
        // A login test that did not finish is unknown, never a pass.
        let mut c = login_case(&[(23, LoginOutcome::Rejected)]);
        let ep = c.network.as_ref().unwrap().services[0].endpoint.clone();
        c.logins.as_mut().unwrap().steps.push(CollectorStep::error(StepKind::LoginTest, Some(ep), "the task panicked"));
        let f = findings(&c);
        assert_eq!(f.iter().map(|f| f.status).collect::<Vec<_>>(), vec![Status::Unknown]);
        assert!(f[0].evidence[0].contains("credential test of 192.0.2.7:23/tcp did not complete: the task panicked"));
    }

    #[test]
    fn default_credentials_stay_unknown_and_name_the_login_services() {
        let f = default_credentials(&case(vec![service(23, Protocol::Telnet)]));
        assert_eq!(f.status, Status::Unknown);
        assert!(f.evidence[0].contains("192.0.2.7:23/tcp telnet"));
    }
}
