//! `iotvet diff OLD.json NEW.json`: what changed between two assessments of a product.
//! Exit code on what is new: 1 a new failing finding (at or above `--fail-on`) or one that
//! became failing, 3 a new unknown (unless `--unknown-ok`), 0 otherwise.

use std::io::Write;

use anyhow::{bail, Context, Result};
use iotvet_core::gate::compare;
use iotvet_core::{Severity, Status};
use iotvet_report::{diff, Format};

use crate::cmd::gate::{parse_severity, read_report};
use crate::output::{formats_for, prepare_dir, progress, write_file};
use crate::DiffArgs;

pub fn run(args: DiffArgs) -> Result<u8> {
    let formats = formats_for(args.format.as_deref(), args.out.as_deref())?;
    let fail_on = args.fail_on.as_deref().map(parse_severity).transpose()?.unwrap_or(Severity::Info);
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    if old.target.address != new.target.address {
        progress(&format!(
            "iotvet diff: note: the reports are of different targets ({} and {})",
            old.target.address, new.target.address
        ));
    }
    let c = compare(&old.assessment(), &new.assessment());
    match &args.out {
        Some(dir) => {
            prepare_dir(dir)?;
            for f in &formats {
                let path = write_file(dir, diff::file_name(*f), &diff::render(&c, &old, &new, *f)?)?;
                eprintln!("wrote {}", path.display());
            }
            if !formats.contains(&Format::Terminal) || std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                eprint!("{}", diff::render(&c, &old, &new, Format::Terminal)?);
            }
        }
        None => {
            let [f] = formats.as_slice() else { bail!("several formats need --out DIR (stdout takes one)") };
            let text = diff::render(&c, &old, &new, *f)?;
            std::io::stdout().lock().write_all(text.as_bytes()).context("writing to stdout")?;
        }
    }
    let worse = c.new.iter().chain(c.changed.iter().map(|(_, n)| n));
    let worse: Vec<_> = worse.collect();
    if worse.iter().any(|f| f.status == Status::Fail && f.severity >= fail_on) {
        Ok(crate::exit::FAILS)
    } else if !args.unknown_ok && worse.iter().any(|f| f.status == Status::Unknown) {
        Ok(crate::exit::UNKNOWN)
    } else {
        Ok(crate::exit::MEETS)
    }
}
