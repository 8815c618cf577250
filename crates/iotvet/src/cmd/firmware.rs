//! `iotvet firmware IMAGE`: a firmware image taken apart in memory, its accounts and boot
//! services read, and the verdicts and findings they lead to.

use anyhow::{bail, Context, Result};
use iotvet_core::case::Target;
use iotvet_core::firmware::FirmwareSection;
use iotvet_core::CaseFile;
use serde::Serialize;

use crate::FirmwareArgs;

/// An image larger than this is refused before it is read (firmware images are megabytes).
const MAX_IMAGE: u64 = 1 << 30;

/// The JSON of `iotvet firmware`.
#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: serde_json::Value,
    #[serde(flatten)]
    firmware: &'a FirmwareSection,
    verdicts: &'a std::collections::BTreeMap<iotvet_core::Guideline, iotvet_core::Verdict>,
    overall: iotvet_core::Overall,
    findings: &'a [iotvet_core::Finding],
}

pub fn run(args: FirmwareArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for firmware (use terminal or json)"),
    };
    let size = std::fs::metadata(&args.image).with_context(|| format!("cannot read {}", args.image.display()))?.len();
    if size > MAX_IMAGE {
        bail!("{} is {size} bytes: larger than the 1 GiB a firmware image is read up to", args.image.display());
    }
    let bytes = std::fs::read(&args.image).with_context(|| format!("cannot read {}", args.image.display()))?;
    let name = args.image.display().to_string();
    let mut section = iotvet_firmware::analyze(&bytes, &name, &iotvet_firmware::Limits::default())
        .with_context(|| format!("taking {name} apart"))?;
    if !args.show_secrets {
        for a in &mut section.accounts {
            a.password = a.password.as_deref().map(iotvet_core::logins::mask);
        }
    }
    let mut case = CaseFile::new(Target { name: name.clone(), address: name.clone() }, iotvet_net::now_rfc3339());
    case.firmware = Some(section);
    let judged = iotvet_core::judge(&case);
    let Some(section) = &case.firmware else { bail!("no firmware section") };
    if json {
        let out = Output {
            schema_version: iotvet_report::OUTPUT_SCHEMA_VERSION,
            tool: iotvet_report::tool_json(),
            firmware: section,
            verdicts: &judged.verdicts,
            overall: judged.overall,
            findings: &judged.findings,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{} ({} bytes, sha256 {})", name, section.image.size, section.image.sha256);
        for l in &section.image.layers {
            let state = if l.opened { "opened" } else { "identified" };
            let note = l.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
            println!("  {:<40} {:>10} bytes  {state}{note}", l.place, l.size);
        }
        for w in &section.image.warnings {
            println!("  warning: {w}");
        }
        println!(
            "{} files; {} accounts; {} services started at boot; {} components",
            section.files,
            section.accounts.len(),
            section.boot_services.len(),
            section.components.len()
        );
        for c in &section.components {
            println!("  {:<12} {:<14} {} ({})", c.name, c.version, c.evidence, c.confidence);
        }
        for f in judged.findings.iter().filter(|f| iotvet_core::rules::firmware::CHECKS.contains(&f.check.as_str())) {
            println!("{:<7} {} at {}", f.status.as_str().to_uppercase(), f.check, f.location);
            for e in &f.evidence {
                println!("        {e}");
            }
        }
    }
    Ok(crate::exit::of_findings(&judged.findings))
}
