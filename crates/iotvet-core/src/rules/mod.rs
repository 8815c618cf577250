//! The rules: pure functions from a case file to findings, one module per guideline.
//! A rule whose evidence is missing yields an Unknown that names the evidence, never a Pass.

use crate::{
    case::{CaseFile, CollectorStep, StepKind},
    finding::{Finding, Location},
};

pub mod decl;
pub mod enc;
pub mod firmware;
pub mod priv_;
pub mod pwd;
pub mod traffic;
pub mod upd;
pub mod vul;
pub mod vulns;

/// Every rule of every guideline, in guideline order.
pub fn evaluate(case: &CaseFile) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(enc::findings(case));
    findings.extend(upd::findings(case));
    findings.extend(pwd::findings(case));
    findings.extend(vul::findings(case));
    findings.extend(vulns::findings(case));
    findings.extend(priv_::findings(case));
    findings.extend(traffic::findings(case));
    findings.extend(firmware::findings(case));
    findings.extend(decl::findings(case));
    findings
}

/// Every collector step of the case that did not complete.
pub fn failed_steps(case: &CaseFile) -> impl Iterator<Item = &CollectorStep> {
    let net = case.network.iter().flat_map(|n| n.steps.iter());
    let logins = case.logins.iter().flat_map(|l| l.steps.iter());
    net.chain(logins).filter(|s| s.failure().is_some())
}

/// Whether a step of this kind failed for the device as a whole (not for one endpoint).
pub fn device_step_failed(case: &CaseFile, kind: StepKind) -> bool {
    failed_steps(case).any(|s| s.step == kind && s.endpoint.is_none())
}

/// One Unknown of `check` per failed step of the given kinds, at the step's endpoint (or the
/// device), naming what was missing and why: the one way missing evidence reaches a verdict.
pub fn incomplete(case: &CaseFile, check: &str, kinds: &[StepKind]) -> Vec<Finding> {
    failed_steps(case)
        .filter(|s| kinds.contains(&s.step))
        .map(|s| {
            let location = match &s.endpoint {
                Some(e) => Location::endpoint(e, service_at(case, e)),
                None => Location::device(&case.target.address),
            };
            let place = s.endpoint.as_ref().map(|e| format!(" of {e}")).unwrap_or_default();
            Finding::unknown(check, location)
                .evidence(format!("the {}{place} did not complete: {}", s.step.name(), s.failure().unwrap_or_default()))
                .needs(format!("a {}{place} that completes", s.step.name()))
        })
        .collect()
}

/// The name of the service seen at `endpoint`, or `unknown`.
pub fn service_at(case: &CaseFile, endpoint: &crate::case::Endpoint) -> String {
    let net = case.network.as_ref();
    let tcp = net.and_then(|n| n.services.iter().find(|s| &s.endpoint == endpoint)).map(|s| s.service_name());
    let udp = || net.and_then(|n| n.udp_services.iter().find(|u| &u.endpoint == endpoint)).map(|u| u.protocol.clone());
    tcp.or_else(udp).unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built case files for the rule tests.
    use crate::case::*;

    pub fn case(services: Vec<ServiceObservation>) -> CaseFile {
        let mut case = CaseFile::new(
            Target { name: "cam.test".into(), address: "192.0.2.7".into() },
            "2026-01-01T00:00:00Z".into(),
        );
        case.network = Some(NetworkSection::new(provenance(), "1-65535".into(), 65535, services));
        case
    }

    /// Where a fixture's observations "came from".
    pub fn provenance() -> Provenance {
        Provenance {
            collector: "test".into(),
            tool_version: "0".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
        }
    }

    pub fn service(port: u16, protocol: Protocol) -> ServiceObservation {
        ServiceObservation::new(
            Endpoint { address: "192.0.2.7".into(), port, transport: Transport::Tcp },
            protocol,
            "test",
        )
    }

    pub fn tls() -> TlsSession {
        TlsSession {
            version: "TLSv1.3".into(),
            cipher_suite: "TLS_AES_128_GCM_SHA256".into(),
            alpn: None,
            certificate_chain_bytes: 900,
            certificates: 2,
            chain: vec![],
            chain_verification: None,
        }
    }

    pub fn http_response(status: u16, location: Option<&str>) -> ResponseHead {
        ResponseHead {
            status_line: format!("HTTP/1.1 {status} X"),
            status,
            server: None,
            location: location.map(str::to_owned),
            www_authenticate: None,
            strict_transport_security: None,
            content_type: None,
            title: None,
            login_form: false,
        }
    }
}
