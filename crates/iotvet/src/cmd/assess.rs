//! `iotvet assess TARGET`: probe one device, judge, report.

use anyhow::{bail, Context, Result};
use iotvet_net::resolve_target;

use crate::cmd::vet::{vet, Vetting};
use crate::output::{emit, formats_for, prepare_dir, progress};
use crate::AssessArgs;

pub async fn run(args: AssessArgs) -> Result<u8> {
    let formats = formats_for(args.format.as_deref(), args.out.as_deref())?;
    let gate = args.gate.load()?;
    let mut probe = args.probe.device_probe()?;
    let counts = std::sync::Arc::new(iotvet_net::Progress::default());
    probe.progress = Some(counts.clone());
    let (declaration, sources, docs) = crate::cmd::docs::vendor_inputs(&args.vendor)?;
    let credentials = args.logins.plan()?;
    if let Some(pcap) = &args.capture.pcap {
        std::fs::File::open(pcap).with_context(|| format!("cannot open the capture {}", pcap.display()))?;
    }
    if let Some(image) = &args.firmware {
        std::fs::metadata(image).with_context(|| format!("cannot read the firmware image {}", image.display()))?;
    }
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
    if let Some(plan) = &credentials {
        progress(&format!("iotvet: then trying {} credentials on the login services", plan.list.len()));
    }
    let declaration = declaration.map(|(d, source)| (d, Some(source)));
    let vetting = Vetting { probe: &probe, credentials: credentials.as_ref(), declaration, sources, docs };
    let ticker = crate::output::Ticker::start(format!("iotvet: {}", target.address), counts);
    let mut report = vet(&target.name, target, vetting).await?;
    if let Some(traffic) =
        crate::cmd::traffic::for_assess(&args.capture, &target.address.to_string(), report.case.declaration.as_ref())?
    {
        progress(&format!("iotvet: read {} packets of {}", traffic.capture.packets, traffic.capture.file));
        report.case.traffic = Some(traffic);
        report.rejudge(iotvet_net::now_rfc3339());
    }
    if let Some(image) = &args.firmware {
        let section = crate::cmd::firmware::for_assess(image, &args.known_keys)?;
        progress(&format!("iotvet: took {} apart: {} files", section.image.file, section.files));
        let (db, thresholds) = crate::cmd::vulndb::settings(&args.vulns)?;
        report.case.vulnerabilities = Some(crate::cmd::vulndb::of_firmware(&section, &db, thresholds)?);
        report.case.firmware = Some(section);
        report.rejudge(iotvet_net::now_rfc3339());
    }
    drop(ticker);
    if args.store || args.register.database.is_some() {
        crate::cmd::register::store_report(&report, &args.register)?;
    }
    let code = gate.apply(&mut report);
    emit(&report, &formats, args.out.as_deref(), args.gate.sarif_all)?;
    Ok(code)
}
