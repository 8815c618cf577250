//! `iotvet report CASE.json`: re-render a saved report, or judge its case again.

use std::io::Read;

use anyhow::{Context, Result};
use iotvet_net::now_rfc3339;
use iotvet_report::Report;

use crate::output::{emit, exit_code, formats_for, prepare_dir};
use crate::ReportArgs;

/// Saved reports larger than this are refused rather than read into memory.
const MAX_CASE_BYTES: u64 = 64 * 1024 * 1024;

pub fn run(args: ReportArgs) -> Result<u8> {
    let formats = formats_for(args.format.as_deref(), args.out.as_deref())?;
    let file = std::fs::File::open(&args.case).with_context(|| format!("cannot open {}", args.case.display()))?;
    let mut text = String::new();
    file.take(MAX_CASE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {} as UTF-8 text", args.case.display()))?;
    if text.len() as u64 > MAX_CASE_BYTES {
        anyhow::bail!("{} is larger than {} MiB: not an iotvet report", args.case.display(), MAX_CASE_BYTES >> 20);
    }
    let mut report = Report::from_json(&text).with_context(|| format!("reading {}", args.case.display()))?;
    if args.rejudge {
        report.rejudge(now_rfc3339());
    }
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
    }
    emit(&report, &formats, args.out.as_deref())?;
    Ok(exit_code(&report))
}
