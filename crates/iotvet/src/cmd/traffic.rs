//! `iotvet traffic CAPTURE [--device IP|MAC]`: what a device itself sends. Without a device,
//! the hosts seen and a hint to pick one; with one, its flows, destinations, secrets in clear,
//! update traffic, and the verdicts and findings they lead to.

use anyhow::{bail, Context, Result};
use iotvet_core::case::Target;
use iotvet_core::CaseFile;
use iotvet_traffic::{analyze, Options, TrackerList};
use serde_json::json;

use crate::output::terminal_width;
use crate::TrafficArgs;

pub fn run(args: TrafficArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for traffic (use terminal or json)"),
    };
    let trackers = match &args.tracker_list {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            TrackerList::from_text(&path.display().to_string(), &text)
        }
        None => TrackerList::bundled(),
    };
    let options = Options {
        device: args.device.clone(),
        vendor_domains: args.vendor_domain.clone(),
        trackers,
        show_secrets: args.show_secrets,
    };
    let section = analyze(&args.capture, &options).with_context(|| format!("reading {}", args.capture.display()))?;
    let judged = args.device.as_ref().map(|device| {
        let mut case =
            CaseFile::new(Target { name: device.clone(), address: device.clone() }, iotvet_net::now_rfc3339());
        case.traffic = Some(section.clone());
        iotvet_core::judge(&case)
    });
    if json {
        let mut out = json!({
            "schema_version": iotvet_report::OUTPUT_SCHEMA_VERSION,
            "tool": iotvet_report::tool_json(),
            "capture": section.capture,
            "devices": section.devices,
            "flows": section.flows,
        });
        if let Some(a) = &judged {
            out["device"] = json!(section.device);
            out["destinations"] = json!(section.destinations);
            out["secrets"] = json!(section.secrets);
            out["verdicts"] = json!(a.verdicts);
            out["overall"] = json!(a.overall);
            out["findings"] = json!(a.findings);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!(
            "{}",
            iotvet_report::text::traffic(&section, judged.as_ref().map(|a| a.findings.as_slice()), terminal_width())
        );
    }
    Ok(match &judged {
        Some(a) => crate::exit::of_findings(&a.findings),
        None => crate::exit::MEETS,
    })
}
