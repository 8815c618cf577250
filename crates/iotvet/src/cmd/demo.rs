//! `iotvet demo`: start the device lab in-process, vet every device concurrently, print a
//! scorecard and write one folder of reports per device plus an index.

use std::net::IpAddr;

use anyhow::{Context, Result};
use iotvet_core::{Guideline, Status};
use iotvet_lab::{parse_network, Lab};
use iotvet_net::ScopedTarget;
use iotvet_report::{render_index, render_sarif_runs, render_with, scorecard_line, Format, RenderOptions, Report};

use crate::cmd::vet::{vet, Vetting};
use crate::output::{color_stdout, prepare_dir, progress, write_file};
use crate::DemoArgs;

/// The capture of a lab device's own traffic joins its report, and the case is judged again.
fn attach_capture(report: &mut Report, name: &str, capture: iotvet_lab::Capture) {
    let options = iotvet_traffic::Options {
        device: Some(capture.device.to_owned()),
        vendor_domains: capture.vendor_domains.iter().map(|d| (*d).to_owned()).collect(),
        trackers: iotvet_traffic::TrackerList::bundled(),
        show_secrets: false,
    };
    let label = format!("{name}.pcap (recorded from the lab by scripts/record-lab-capture)");
    match iotvet_traffic::analyze_reader(std::io::Cursor::new(capture.bytes), &label, &options) {
        Ok(t) => {
            report.case.traffic = Some(t);
            report.rejudge(iotvet_net::now_rfc3339());
        }
        Err(e) => progress(&format!("iotvet demo: {name}: the recorded capture could not be read: {e}")),
    }
}

pub async fn run(args: DemoArgs) -> Result<u8> {
    let gate = args.gate.load()?;
    let gating = args.gate.asked();
    let net = parse_network(&args.lab_net)?;
    let mut probe = args.probe.device_probe()?;
    prepare_dir(&args.out)?;
    let lab = Lab::start(net, None).await?;
    probe.control_address = Some(lab.control_address);
    for (name, why) in &lab.skipped {
        progress(&format!("iotvet demo: lab device {name} not started: {why}"));
    }
    probe.udp_ports.extend(iotvet_lab::EXTRA_UDP_PORTS);
    progress(&format!(
        "iotvet demo: lab on {net}/24; assessing each device ({} TCP ports, default credentials) and its vendor's documents",
        probe.ports.len()
    ));
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let credentials = std::sync::Arc::new(args.logins.plan()?);
    let mut docs_options = iotvet_docs::DocsOptions::default();
    docs_options.fetch.extra_roots = vec![lab.ca_der.clone()];
    for device in lab.devices.iter().filter(|d| d.spec.role == "device") {
        let declaration = match &device.declaration {
            Some(text) => Some((
                crate::cmd::docs::parse_declaration(text)
                    .with_context(|| format!("the lab's declaration of {}", device.spec.name))?,
                None,
            )),
            None => None,
        };
        let (name, address, probe, docs_options, credentials) =
            (device.spec.name, device.address, probe.clone(), docs_options.clone(), credentials.clone());
        let capture = device.spec.capture;
        if capture.is_some() {
            progress(&format!(
                "iotvet demo: {name}: its traffic is read from the capture recorded from the lab by scripts/record-lab-capture (crates/iotvet-lab/data/{name}.pcap); the demo does not capture live"
            ));
        }
        tasks.spawn(async move {
            let target = ScopedTarget { name: address.to_string(), address };
            let vetting = Vetting {
                probe: &probe,
                credentials: credentials.as_ref().as_ref(),
                declaration,
                sources: iotvet_docs::DocumentSources::default(),
                docs: docs_options,
            };
            let mut report = vet(name, &target, vetting).await;
            if let (Ok(r), Some(c)) = (report.as_mut(), capture) {
                attach_capture(r, name, c);
            }
            (name, report)
        });
    }
    let mut reports: Vec<(String, Report)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (name, report) = done.context("an assessment task failed")?;
        let report = report?;
        progress(&format!("  {name}: {}", report.overall.as_str()));
        reports.push((name.to_owned(), report));
    }
    let elapsed = started.elapsed();
    drop(lab);
    reports.sort_by_key(|(name, r)| (r.target.address.parse::<IpAddr>().ok(), name.clone()));
    // Each device is gated on its own; the demo's code is the worst of them (only when a gate
    // option was given: the lab is a mix of good and bad devices by design).
    let codes: Vec<u8> = reports.iter_mut().map(|(_, r)| gate.apply(r)).collect();
    let options = RenderOptions { color: false, sarif_all: args.gate.sarif_all };
    for (name, report) in &reports {
        let dir = args.out.join(name);
        prepare_dir(&dir)?;
        for f in Format::ALL {
            write_file(&dir, f.file_name(), &render_with(report, f, options)?)?;
        }
    }
    write_file(&args.out, "index.html", &render_index(&reports)?)?;
    write_file(&args.out, "iotvet.sarif", &render_sarif_runs(reports.iter().map(|(_, r)| r), args.gate.sarif_all)?)?;

    let color = color_stdout();
    let mut head = format!("{:<10}", "device");
    for g in Guideline::ALL {
        head.push_str(&format!("{:<9}", g.id()));
    }
    println!("iotvet demo: {} lab devices assessed in {:.1} s\n", reports.len(), elapsed.as_secs_f64());
    println!("{head}overall");
    for (name, report) in &reports {
        println!("{}", scorecard_line(name, report, color));
    }
    println!();
    let width = crate::output::terminal_width();
    for (name, report) in &reports {
        for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
            let accepted = if f.suppressed.is_some() { " (accepted)" } else { "" };
            let line = format!("{} at {}{accepted}", f.check, iotvet_report::printable(&f.location.to_string()));
            print!("{}", iotvet_report::text::wrap_to(width, &format!("{name:<10}FAIL "), 15, &line));
        }
    }
    println!("\n? = unknown: the evidence to settle it was not collected (see each report's reasons).");
    println!(
        "Reports: {}/index.html, one folder per device (report.html, .json, .sarif, .md, .txt), and {}/iotvet.sarif for code scanning",
        args.out.display(),
        args.out.display()
    );
    if !gating {
        return Ok(crate::exit::MEETS);
    }
    let worst = [crate::exit::FAILS, crate::exit::UNKNOWN].into_iter().find(|c| codes.contains(c));
    Ok(worst.unwrap_or(crate::exit::MEETS))
}
