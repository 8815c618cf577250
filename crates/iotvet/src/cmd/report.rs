//! `iotvet report CASE.json`: re-render a saved report, or judge its case again, and gate on it.

use anyhow::Result;
use iotvet_net::now_rfc3339;

use crate::cmd::gate::read_report;
use crate::output::{emit, formats_for, prepare_dir};
use crate::ReportArgs;

pub fn run(args: ReportArgs) -> Result<u8> {
    let formats = formats_for(args.format.as_deref(), args.out.as_deref())?;
    let gate = args.gate.load()?;
    let mut report = read_report(&args.case)?;
    if args.rejudge {
        report.rejudge(now_rfc3339());
    }
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
    }
    let code = gate.apply(&mut report);
    emit(&report, &formats, args.out.as_deref(), args.gate.sarif_all)?;
    Ok(code)
}
