//! `iotvet sbom SBOM.json`: a CycloneDX or SPDX SBOM from any generator, its components
//! matched against the vulnerability database and judged (MS-4), with the exit codes of every
//! judging command — so a manufacturer can gate the SBOM its own build produces.

use anyhow::{bail, Context, Result};
use iotvet_core::case::{CaseFile, Target};
use iotvet_core::vulns::ComponentRef;

use crate::SbomArgs;

#[derive(serde::Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: serde_json::Value,
    sbom: SbomOut<'a>,
    database: &'a iotvet_core::vulns::DatabaseInfo,
    components: &'a [ComponentRef],
    matches: &'a [iotvet_core::vulns::VulnMatch],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unparseable: &'a [iotvet_core::vulns::Unparseable],
    verdicts: &'a std::collections::BTreeMap<iotvet_core::Guideline, iotvet_core::Verdict>,
    overall: iotvet_core::Overall,
    findings: &'a [iotvet_core::Finding],
}

#[derive(serde::Serialize)]
struct SbomOut<'a> {
    file: &'a str,
    format: &'a str,
    spec_version: &'a str,
}

pub fn run(args: SbomArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for sbom (use terminal or json)"),
    };
    let name = args.sbom.display().to_string();
    let size = std::fs::metadata(&args.sbom).with_context(|| format!("cannot read {name}"))?.len();
    if size > iotvet_vulndb::sbom::MAX_BYTES {
        bail!("{name} is {size} bytes: larger than the {} bytes an SBOM is read up to", iotvet_vulndb::sbom::MAX_BYTES);
    }
    let bytes = std::fs::read(&args.sbom).with_context(|| format!("cannot read {name}"))?;
    let (info, components) = iotvet_vulndb::sbom::read(&bytes).with_context(|| format!("reading {name}"))?;
    drop(bytes);
    let components: Vec<ComponentRef> = components
        .into_iter()
        .map(|c| ComponentRef { name: c.name, version: c.version, purl: c.purl, cpe: c.cpe })
        .collect();
    let (db, thresholds) = crate::cmd::vulndb::settings(&args.vulns)?;
    let section = crate::cmd::vulndb::section_for(components, &format!("sbom {name}"), &db, thresholds)?;
    let mut case = CaseFile::new(Target { name: name.clone(), address: name.clone() }, iotvet_net::now_rfc3339());
    case.vulnerabilities = Some(section);
    let judged = iotvet_core::judge(&case);
    let Some(v) = &case.vulnerabilities else { bail!("no vulnerabilities section") };
    // Only the checks this command can settle: MS-4 from components.
    let findings: Vec<iotvet_core::Finding> = judged
        .findings
        .iter()
        .filter(|f| iotvet_core::rules::vulns::CHECKS.contains(&f.check.as_str()))
        .cloned()
        .collect();
    if json {
        let out = Output {
            schema_version: iotvet_report::OUTPUT_SCHEMA_VERSION,
            tool: iotvet_report::tool_json(),
            sbom: SbomOut { file: &name, format: &info.format, spec_version: &info.spec_version },
            database: &v.database,
            components: &v.components,
            matches: &v.matches,
            unparseable: &v.unparseable,
            verdicts: &judged.verdicts,
            overall: judged.overall,
            findings: &findings,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", iotvet_report::text::vulnerabilities(v, &findings, crate::output::terminal_width()));
    }
    Ok(crate::exit::of_findings(&findings))
}
