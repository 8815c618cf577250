//! `iotvet traffic CAPTURE [--device IP|MAC]`: what a device itself sends. Without a device,
//! the hosts seen and a hint to pick one; with one, its flows, destinations, secrets in clear,
//! update traffic, and the verdicts and findings they lead to.

use anyhow::{bail, Context, Result};
use iotvet_core::case::Target;
use iotvet_core::traffic::{CaptureInfo, Destination, Flows, HostSeen, SecretSeen};
use iotvet_core::CaseFile;
use iotvet_traffic::{analyze, Options, TrackerList};
use serde::Serialize;

use crate::output::terminal_width;
use crate::TrafficArgs;

/// The JSON of `iotvet traffic` (schemas/iotvet-traffic.schema.json).
#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: serde_json::Value,
    capture: &'a CaptureInfo,
    devices: &'a [HostSeen],
    flows: &'a Flows,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destinations: Option<&'a [Destination]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secrets: Option<&'a [SecretSeen]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdicts: Option<&'a std::collections::BTreeMap<iotvet_core::Guideline, iotvet_core::Verdict>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overall: Option<iotvet_core::Overall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<&'a [iotvet_core::Finding]>,
}

pub fn run(args: TrafficArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for traffic (use terminal or json)"),
    };
    let trackers = trackers(args.tracker_list.as_deref())?;
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
        // Written straight from the section (no JSON tree in memory: a capture can have a
        // million flows).
        let out = Output {
            schema_version: iotvet_report::OUTPUT_SCHEMA_VERSION,
            tool: iotvet_report::tool_json(),
            capture: &section.capture,
            devices: &section.devices,
            flows: &section.flows,
            device: judged.as_ref().and(section.device.as_deref()),
            destinations: judged.as_ref().map(|_| section.destinations.as_slice()),
            secrets: judged.as_ref().map(|_| section.secrets.as_slice()),
            verdicts: judged.as_ref().map(|a| &a.verdicts),
            overall: judged.as_ref().map(|a| a.overall),
            findings: judged.as_ref().map(|a| a.findings.as_slice()),
        };
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut stdout, &out)?;
        std::io::Write::write_all(&mut stdout, b"\n")?;
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

/// The tracker list: the user's file, or the bundled lists.
pub fn trackers(file: Option<&std::path::Path>) -> Result<TrackerList> {
    Ok(match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            TrackerList::from_text(&path.display().to_string(), &text)
        }
        None => TrackerList::bundled(),
    })
}

/// `assess --pcap`: the capture read for the device (`--pcap-device`, else the assessed address),
/// with the vendor's domains from the flags and the declaration.
pub fn for_assess(
    args: &crate::CaptureArgs,
    address: &str,
    declaration: Option<&iotvet_core::declaration::Declaration>,
) -> Result<Option<iotvet_core::traffic::TrafficSection>> {
    let Some(path) = &args.pcap else { return Ok(None) };
    let mut vendor_domains = args.vendor_domain.clone();
    if let Some(d) = declaration {
        vendor_domains.extend(d.product.vendor_domains.iter().map(|v| v.split(':').next().unwrap_or(v).to_owned()));
    }
    let options = Options {
        device: Some(args.pcap_device.clone().unwrap_or_else(|| address.to_owned())),
        vendor_domains,
        trackers: trackers(args.tracker_list.as_deref())?,
        show_secrets: false,
    };
    analyze(path, &options).map(Some).with_context(|| format!("reading the capture {}", path.display()))
}
