//! One device, vetted: probe it, test its logins, read its vendor's documents, judge. Shared by
//! `assess` and `demo`, so both build the case file the same way.

use anyhow::Result;
use iotvet_core::{
    case::Target,
    declaration::{Declaration, DeclarationSource},
    CaseFile,
};
use iotvet_docs::{DocsOptions, DocumentSources};
use iotvet_net::{now_rfc3339, probe_device, DeviceProbe, ScopedTarget};
use iotvet_report::Report;

use crate::cmd::CredentialPlan;

pub struct Vetting<'a> {
    pub probe: &'a DeviceProbe,
    pub credentials: Option<&'a CredentialPlan>,
    /// The declaration, with the file it came from when it came from one.
    pub declaration: Option<(Declaration, Option<DeclarationSource>)>,
    /// Documents asked for explicitly; the declaration fills in the rest.
    pub sources: DocumentSources,
    pub docs: DocsOptions,
}

/// `name` is what the report calls the device (what the user typed, or the lab's name).
pub async fn vet(name: &str, target: &ScopedTarget, v: Vetting<'_>) -> Result<Report> {
    let mut case = CaseFile::new(Target { name: name.to_owned(), address: target.address.to_string() }, now_rfc3339());
    let sources = match &v.declaration {
        Some((d, _)) => v.sources.or_from_declaration(d),
        None => v.sources,
    };
    // The documents do not depend on the device: read them while it is probed.
    let (net, documents) = tokio::join!(probe_device(target, v.probe), crate::cmd::docs::collect(sources, v.docs));
    if let Some(plan) = v.credentials {
        if let Some(p) = &v.probe.progress {
            p.phase("testing default credentials on the login services", 0);
        }
        let host = if v.probe.probe.host.is_empty() { &target.name } else { &v.probe.probe.host };
        case.logins = Some(plan.run(&net, target.address, host, v.probe.udp_wait).await);
    }
    case.network = Some(net);
    case.documents = documents?;
    if let Some((d, source)) = v.declaration {
        (case.declaration, case.declaration_source) = (Some(d), source);
    }
    Ok(Report::new(case, now_rfc3339()))
}
