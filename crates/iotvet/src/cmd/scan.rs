//! `iotvet scan TARGET`: discovery only, like `nmap -sV`: open TCP ports and their services.

use anyhow::{bail, Result};
use iotvet_net::{probe_device, resolve_target};
use serde_json::json;

use crate::output::progress;
use crate::ScanArgs;

pub async fn run(args: ScanArgs) -> Result<u8> {
    let mut probe = args.probe.device_probe()?;
    let counts = std::sync::Arc::new(iotvet_net::Progress::default());
    probe.progress = Some(counts.clone());
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for scan (use terminal or json)"),
    };
    let targets = resolve_target(&args.target, args.probe.scope()).await?;
    let mut hosts = Vec::new();
    let mut code = crate::exit::MEETS;
    for target in &targets {
        progress(&format!("iotvet: scanning {} ({} TCP ports)", target.address, probe.ports.len()));
        let ticker = crate::output::Ticker::start(format!("iotvet: {}", target.address), counts.clone());
        let net = probe_device(target, &probe).await;
        drop(ticker);
        code = code.max(crate::exit::of_steps(&net.steps));
        if !json {
            if net.services.is_empty() && targets.len() > 1 {
                continue;
            }
            print!(
                "{}",
                iotvet_report::text::scan_host(
                    &target.name,
                    &target.address.to_string(),
                    &net,
                    crate::output::terminal_width()
                )
            );
        }
        hosts.push(json!({ "target": target.name, "address": target.address.to_string(), "network": net }));
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "schema_version": iotvet_report::OUTPUT_SCHEMA_VERSION, "tool": iotvet_report::tool_json(), "hosts": hosts })
            )?
        );
    }
    Ok(code)
}
