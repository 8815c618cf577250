//! `iotvet lab`: run the emulated devices until Ctrl-C, or list them.

use anyhow::{Context, Result};
use iotvet_lab::{parse_network, Lab, DEVICES};

use crate::LabArgs;

pub async fn run(args: LabArgs) -> Result<u8> {
    let net = parse_network(&args.lab_net)?;
    if args.list {
        let [a, b, c, _] = net.octets();
        for d in DEVICES.iter().filter(|d| args.only.as_deref().is_none_or(|o| o == d.name)) {
            println!("{:<8} {a}.{b}.{c}.{:<4} {}", d.name, d.host_octet, d.description);
            for s in d.services {
                println!("{:<8}   {:>5}/{}  {}", "", s.port, s.transport(), s.label);
            }
        }
        return Ok(crate::exit::MEETS);
    }
    let lab = Lab::start(net, args.only.as_deref()).await?;
    if let Some(path) = &args.ca_out {
        std::fs::write(path, &lab.ca_pem).with_context(|| format!("writing the lab CA to {}", path.display()))?;
        println!("lab CA certificate written to {} (assess ... --ca-file {})", path.display(), path.display());
    }
    if let Some(dir) = &args.declarations_out {
        crate::output::prepare_dir(dir)?;
        for d in &lab.devices {
            if let Some(text) = &d.declaration {
                let path = crate::output::write_file(dir, &format!("{}.toml", d.spec.name), text)?;
                println!("declaration of {} written to {}", d.spec.name, path.display());
            }
        }
    }
    for d in &lab.devices {
        println!("{:<8} {:<14} {}", d.spec.name, d.address, d.spec.description);
        for s in d.spec.services {
            println!("{:<8}   {}:{}/{} {}", "", d.address, s.port, s.transport(), s.label);
        }
    }
    for (name, why) in &lab.skipped {
        println!("{name:<8} not started: {why}");
    }
    println!("lab running; Ctrl-C to stop");
    // SIGTERM too, so that `kill` also stops the lab's child processes (the nvr's s_server).
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).context("SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = term.recv() => {}
    }
    drop(lab);
    Ok(crate::exit::MEETS)
}
