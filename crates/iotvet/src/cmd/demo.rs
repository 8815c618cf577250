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

/// A capture of one lab address on loopback by tcpdump, running while the demo assesses the
/// lab. It needs tcpdump and the right to capture (root or CAP_NET_RAW); without them the demo
/// reads the capture recorded from the same lab by scripts/record-lab-capture, and says so.
/// The filter keeps the device's own conversations with the lab (its cloud, DNS server and
/// tracker), not the demo's probes of it, which come from outside the lab's /24: nothing but
/// loopback is ever captured.
struct LiveCapture {
    child: tokio::process::Child,
    path: std::path::PathBuf,
}

impl LiveCapture {
    async fn start(device: std::net::Ipv4Addr, path: &std::path::Path) -> Option<LiveCapture> {
        use tokio::io::AsyncBufReadExt;
        let [a, b, c, _] = device.octets();
        let filter = format!("host {device} and src net {a}.{b}.{c}.0/24 and dst net {a}.{b}.{c}.0/24");
        let mut child = tokio::process::Command::new("tcpdump")
            .args(["-i", "lo", "-n", "-U", "-w"])
            .arg(path)
            .arg(filter)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .ok()?;
        // tcpdump says "listening on lo" once it captures (or an error, and exits).
        let stderr = child.stderr.take()?;
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(3), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("listening on") {
                    return true;
                }
            }
            false
        })
        .await;
        if ready != Ok(true) {
            let _ = child.start_kill();
            return None;
        }
        // Its last words (packet counts) go nowhere.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(LiveCapture { child, path: path.to_owned() })
    }

    /// Stops tcpdump (SIGTERM, so it closes the file) and gives the capture's bytes.
    async fn finish(mut self) -> Option<Vec<u8>> {
        if let Some(pid) = self.child.id() {
            let _ = tokio::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        if tokio::time::timeout(std::time::Duration::from_secs(2), self.child.wait()).await.is_err() {
            let _ = self.child.start_kill();
        }
        std::fs::read(&self.path).ok()
    }
}

/// The capture of a lab device's own traffic joins its report, and the case is judged again:
/// the live one when there is one and it holds the device's traffic, else the recorded one.
async fn attach_capture(report: &mut Report, name: &str, capture: iotvet_lab::Capture, live: Option<LiveCapture>) {
    let analyze = |bytes: Vec<u8>, device: String, label: String| {
        let options = iotvet_traffic::Options {
            device: Some(device),
            vendor_domains: capture.vendor_domains.iter().map(|d| (*d).to_owned()).collect(),
            trackers: iotvet_traffic::TrackerList::bundled(),
            show_secrets: false,
        };
        iotvet_traffic::analyze_reader(std::io::Cursor::new(bytes), &label, &options)
    };
    let live = match live {
        Some(live) => {
            let path = live.path.clone();
            let label = format!("{} (captured live on loopback by tcpdump during this demo)", path.display());
            match live.finish().await {
                Some(bytes) => match analyze(bytes, report.target.address.clone(), label) {
                    Ok(t) if !t.flows.is_empty() => Some(t),
                    _ => {
                        progress(&format!(
                            "iotvet demo: {name}: the live capture holds none of its traffic; reading the recorded one"
                        ));
                        None
                    }
                },
                None => None,
            }
        }
        None => None,
    };
    let section = match live {
        Some(t) => Ok(t),
        None => analyze(
            capture.bytes.to_vec(),
            capture.device.to_owned(),
            format!("{name}.pcap (recorded from the lab by scripts/record-lab-capture)"),
        ),
    };
    match section {
        Ok(t) => {
            report.case.traffic = Some(t);
            report.rejudge(iotvet_net::now_rfc3339());
        }
        Err(e) => progress(&format!("iotvet demo: {name}: the capture could not be read: {e}")),
    }
}

/// The firmware package its vendor publishes joins the device's report (as `assess --firmware`):
/// built here (`iotvet_firmware::build::lab_camera_image`), written next to the reports, taken
/// apart and judged with the probing.
fn attach_firmware(report: &mut Report, name: &str, out: &std::path::Path) -> Result<()> {
    let image =
        iotvet_firmware::build::lab_camera_image().map_err(|e| anyhow::anyhow!("building {name}'s firmware: {e}"))?;
    let dir = out.join(name);
    prepare_dir(&dir)?;
    let path = dir.join("firmware.zip");
    std::fs::write(&path, &image).with_context(|| format!("writing {}", path.display()))?;
    let section = crate::cmd::firmware::for_assess(&path, &[])?;
    // Its components matched against the demo's own vulnerability data (real NVD records and
    // KEV entries shipped with the lab), imported into a database beside the reports.
    let data = out.join("vulndb-data");
    prepare_dir(&data)?;
    for (file, text) in iotvet_lab::VULNDB_FILES {
        std::fs::write(data.join(file), text).with_context(|| format!("writing {}", data.join(file).display()))?;
    }
    let db = out.join("vulndb.sqlite");
    let _ = std::fs::remove_file(&db);
    iotvet_vulndb::store::Store::open(&db)?.import(std::slice::from_ref(&data), &iotvet_net::now_rfc3339())?;
    report.case.vulnerabilities =
        Some(crate::cmd::vulndb::of_firmware(&section, &db, iotvet_core::vulns::Thresholds::default())?);
    report.case.firmware = Some(section);
    report.rejudge(iotvet_net::now_rfc3339());
    Ok(())
}

pub async fn run(args: DemoArgs) -> Result<u8> {
    let gate = args.gate.load()?;
    let gating = args.gate.asked();
    let net = parse_network(&args.lab_net)?;
    let mut probe = args.probe.device_probe()?;
    prepare_dir(&args.out)?;
    // The devices that phone home are captured live where tcpdump can capture loopback, from
    // before the lab starts (they call home as soon as it does).
    let mut live: std::collections::HashMap<&str, LiveCapture> = std::collections::HashMap::new();
    for spec in iotvet_lab::DEVICES.iter().filter(|d| d.capture.is_some()) {
        let [a, b, c, _] = net.octets();
        let dir = args.out.join(spec.name);
        prepare_dir(&dir)?;
        let address = std::net::Ipv4Addr::new(a, b, c, spec.host_octet);
        if let Some(capture) = LiveCapture::start(address, &dir.join("traffic.pcap")).await {
            live.insert(spec.name, capture);
        }
    }
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
        if device.spec.capture.is_some() {
            progress(&match live.contains_key(name) {
                true => format!("iotvet demo: {name}: its own traffic is captured live on loopback (tcpdump) into {}/{name}/traffic.pcap", args.out.display()),
                false => format!(
                    "iotvet demo: {name}: tcpdump cannot capture here (it needs root or CAP_NET_RAW), so its traffic is read from the capture recorded from the lab by scripts/record-lab-capture (crates/iotvet-lab/data/{name}.pcap)"
                ),
            });
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
            (name, vet(name, &target, vetting).await)
        });
    }
    let mut reports: Vec<(String, Report)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (name, report) = done.context("an assessment task failed")?;
        let mut report = report?;
        let spec = iotvet_lab::DEVICES.iter().find(|d| d.name == name);
        if let Some(capture) = spec.and_then(|d| d.capture) {
            attach_capture(&mut report, name, capture, live.remove(name)).await;
        }
        if spec.is_some_and(|d| d.firmware) {
            attach_firmware(&mut report, name, &args.out)?;
        }
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
    // The register: every lab device's assessment kept in OUT/register.sqlite (nothing is
    // written outside the output folder), or in the database given.
    let register = args.database.clone().unwrap_or_else(|| args.out.join("register.sqlite").display().to_string());
    let mut store = iotvet_store::Store::open(Some(&register))?;
    for (_, report) in &reports {
        let who = crate::StoreArgs { ran_by: Some("iotvet demo".into()), ..Default::default() };
        crate::cmd::register::save(&mut store, report, &who)?;
    }
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
    for (name, report) in &reports {
        if let Some(t) = &report.case.traffic {
            println!("Traffic of {name}: {}", t.capture.file);
        }
        if let Some(f) = &report.case.firmware {
            let chain: Vec<&str> = f.image.layers.iter().map(|l| l.format.as_str()).collect();
            println!(
                "Firmware of {name}: {} ({}; {} files, {} components; SBOM: iotvet firmware {} --sbom FILE)",
                f.image.file,
                chain.join(" > "),
                f.files,
                f.components.len(),
                f.image.file
            );
        }
    }
    println!(
        "Reports: {}/index.html, one folder per device (report.html, .json, .sarif, .md, .txt), and {}/iotvet.sarif for code scanning",
        args.out.display(),
        args.out.display()
    );
    println!("Register: {} (iotvet register list --database {})", store.location, store.location);
    if !gating {
        return Ok(crate::exit::MEETS);
    }
    let worst = [crate::exit::FAILS, crate::exit::UNKNOWN].into_iter().find(|c| codes.contains(c));
    Ok(worst.unwrap_or(crate::exit::MEETS))
}
