//! `iotvet firmware IMAGE`: a firmware image taken apart in memory, its accounts and boot
//! services read, and the verdicts and findings they lead to.

use anyhow::{bail, Context, Result};
use iotvet_core::case::Target;
use iotvet_core::firmware::FirmwareSection;
use iotvet_core::CaseFile;
use serde::Serialize;

use std::path::{Path, PathBuf};

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
    /// The components' known vulnerabilities.
    vulnerabilities: Option<&'a iotvet_core::vulns::VulnSection>,
    verdicts: &'a std::collections::BTreeMap<iotvet_core::Guideline, iotvet_core::Verdict>,
    overall: iotvet_core::Overall,
    findings: &'a [iotvet_core::Finding],
}

/// Reads and takes apart an image (passwords found masked unless `show_secrets`); the tree
/// too, with every file's bytes if `out` (to write them out), else only those the evidence
/// needed.
fn take_apart(
    image: &Path,
    show_secrets: bool,
    known_keys: &[PathBuf],
    out: bool,
) -> Result<(FirmwareSection, iotvet_firmware::Unpacked)> {
    let known = known_keys_of(known_keys)?;
    let size = std::fs::metadata(image).with_context(|| format!("cannot read {}", image.display()))?.len();
    if size > MAX_IMAGE {
        bail!("{} is {size} bytes: larger than the 1 GiB a firmware image is read up to", image.display());
    }
    let bytes = read_image(image, size).with_context(|| format!("cannot read {}", image.display()))?;
    let name = image.display().to_string();
    let started_at = iotvet_net::now_rfc3339();
    let limits = if out { iotvet_firmware::Limits::default() } else { iotvet_firmware::Limits::for_analysis() };
    let unpacked = iotvet_firmware::unpack(&bytes, &limits).with_context(|| format!("taking {name} apart"))?;
    let mut section = iotvet_firmware::section_of(&unpacked, &name, started_at);
    known.mark(&mut section.secrets, &section.image.sha256);
    if !show_secrets {
        for a in &mut section.accounts {
            a.password = a.password.as_deref().map(iotvet_core::logins::mask);
        }
        for s in &mut section.secrets {
            s.value = s.value.as_deref().map(iotvet_core::logins::mask);
        }
    }
    Ok((section, unpacked))
}

/// An image's `size` bytes, read by two threads, a half each: most of reading a file already
/// in the page cache is the kernel faulting in and filling fresh pages, which two cores do in
/// half the time (19 MB: 15 → 8 ms). A file that is shorter than `size` by then is an error;
/// what it has grown by is not read.
fn read_image(path: &Path, size: u64) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt as _;
    let file = std::fs::File::open(path)?;
    let len = usize::try_from(size).map_err(std::io::Error::other)?;
    let mut bytes = vec![0u8; len];
    let (first, second) = bytes.split_at_mut(len / 2);
    let at = first.len() as u64;
    std::thread::scope(|scope| {
        let other = scope.spawn(|| file.read_exact_at(second, at));
        let mine = file.read_exact_at(first, 0);
        other.join().unwrap_or_else(|_| Err(std::io::Error::other("the reading thread failed"))).and(mine)
    })?;
    Ok(bytes)
}

/// The firmware section `assess --firmware IMAGE` adds to the case.
pub fn for_assess(image: &Path, known_keys: &[PathBuf]) -> Result<FirmwareSection> {
    Ok(take_apart(image, false, known_keys, false)?.0)
}

/// A known-keys file is read up to this size.
const MAX_KNOWN_KEYS: u64 = 64 << 20;

/// The `--known-keys` files: firmware reports or case files (JSON), or fingerprint lists.
fn known_keys_of(files: &[PathBuf]) -> Result<iotvet_firmware::secrets::KnownKeys> {
    let mut known = iotvet_firmware::secrets::KnownKeys::default();
    for file in files {
        let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
        if size > MAX_KNOWN_KEYS {
            bail!("{} is {size} bytes: larger than the 64 MiB a known-keys file is read up to", file.display());
        }
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {} as text", file.display()))?;
        let read = if text.trim_start().starts_with('{') {
            let section = serde_json::from_str::<FirmwareSection>(&text)
                .ok()
                .or_else(|| serde_json::from_str::<CaseFile>(&text).ok().and_then(|c| c.firmware));
            let Some(section) = section else {
                bail!("{} is JSON but neither an `iotvet firmware -f json` report nor a case file with a firmware section", file.display());
            };
            known.add_firmware(&section)
        } else {
            known.add_list(&text, &file.display().to_string())
        };
        crate::output::progress(&format!("iotvet: {read} known key fingerprints read from {}", file.display()));
    }
    Ok(known)
}

pub fn run(args: FirmwareArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for firmware (use terminal or json)"),
    };
    let (section, unpacked) = take_apart(&args.image, args.show_secrets, &args.known_keys, args.out.is_some())?;
    let name = args.image.display().to_string();
    if let Some(dir) = &args.out {
        let w = iotvet_firmware::extract::extract(&unpacked.tree, dir)
            .with_context(|| format!("writing the image's files into {}", dir.display()))?;
        crate::output::progress(&format!(
            "iotvet: wrote {} files ({} bytes) and {} folders into {}; {} links listed in links.tsv{}",
            w.files,
            w.bytes,
            w.dirs,
            dir.display(),
            w.links,
            if w.skipped.is_empty() { String::new() } else { format!("; {} entries not written", w.skipped.len()) }
        ));
    }
    drop(unpacked);
    let mut case = CaseFile::new(Target { name: name.clone(), address: name.clone() }, iotvet_net::now_rfc3339());
    let (db, thresholds) = crate::cmd::vulndb::settings(&args.vulns)?;
    let vulnerabilities = crate::cmd::vulndb::of_firmware(&section, &db, thresholds)?;
    if let Some(file) = &args.sbom {
        let bom = iotvet_report::cyclonedx::bom_with_vulnerabilities(&section, Some(&vulnerabilities));
        std::fs::write(file, serde_json::to_string_pretty(&bom)? + "\n")
            .with_context(|| format!("writing the SBOM to {}", file.display()))?;
        crate::output::progress(&format!(
            "iotvet: SBOM (CycloneDX {}) of {} components written to {}",
            iotvet_report::cyclonedx::SPEC_VERSION,
            bom["components"].as_array().map_or(0, Vec::len),
            file.display()
        ));
    }
    case.firmware = Some(section);
    case.vulnerabilities = Some(vulnerabilities);
    let judged = iotvet_core::judge(&case);
    let Some(section) = &case.firmware else { bail!("no firmware section") };
    if json {
        let out = Output {
            schema_version: iotvet_report::OUTPUT_SCHEMA_VERSION,
            tool: iotvet_report::tool_json(),
            firmware: section,
            vulnerabilities: case.vulnerabilities.as_ref(),
            verdicts: &judged.verdicts,
            overall: judged.overall,
            findings: &judged.findings,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", iotvet_report::text::firmware(section, &judged.findings, crate::output::terminal_width()));
    }
    Ok(crate::exit::of_findings(&judged.findings))
}
