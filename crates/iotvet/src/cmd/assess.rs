//! `iotvet assess TARGET`: probe one device, judge, report.

use anyhow::{bail, Result};
use iotvet_core::{case::Target, CaseFile};
use iotvet_net::{now_rfc3339, probe_device, resolve_target};
use iotvet_report::Report;

use crate::output::{emit, exit_code, formats_for, prepare_dir, progress};
use crate::AssessArgs;

pub async fn run(args: AssessArgs) -> Result<u8> {
    let formats = formats_for(args.format.as_deref(), args.out.as_deref())?;
    let probe = args.probe.device_probe()?;
    let (declaration, docs_options) = crate::cmd::docs::vendor_inputs(&args.vendor)?;
    let credentials = args.logins.plan()?;
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
    }
    let targets = resolve_target(&args.target, args.probe.scope()).await?;
    let [target] = targets.as_slice() else {
        bail!(
            "assess vets one device; '{}' covers {} addresses (use `iotvet scan` for a range)",
            args.target,
            targets.len()
        );
    };
    progress(&format!("iotvet: probing {} ({}), {} TCP ports", target.name, target.address, probe.ports.len()));
    let mut case =
        CaseFile::new(Target { name: target.name.clone(), address: target.address.to_string() }, now_rfc3339());
    let net = probe_device(target, &probe).await;
    if let Some(plan) = &credentials {
        progress(&format!("iotvet: trying {} credentials on the login services", plan.list.len()));
        case.logins = Some(plan.run(&net, target.address, &target.name).await);
    }
    case.network = Some(net);
    crate::cmd::docs::collect_vendor_evidence(&mut case, &args.vendor, declaration, docs_options).await?;
    let report = Report::new(case, now_rfc3339());
    emit(&report, &formats, args.out.as_deref())?;
    Ok(exit_code(&report))
}
