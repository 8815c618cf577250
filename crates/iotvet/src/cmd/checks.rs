//! `iotvet checks`: the check catalog, optionally seen through one standard; `--explain ID` for
//! one check in full (rationale, remediation, the evidence that settles it, the clauses).

use anyhow::{bail, Context, Result};
use iotvet_core::catalog::{catalog, Check, Standard};
use serde_json::json;

use crate::output::terminal_width;
use crate::ChecksArgs;

pub fn run(args: ChecksArgs) -> Result<u8> {
    let standard = match &args.standard {
        Some(s) => Some(Standard::parse(s).with_context(|| {
            let known: Vec<&str> = Standard::ALL.iter().map(|s| s.key()).collect();
            format!("unknown standard '{s}' (use one of {})", known.join(", "))
        })?),
        None => None,
    };
    let mut checks: Vec<&Check> =
        catalog().iter().filter(|c| standard.is_none_or(|s| c.references.iter().any(|r| r.standard == s))).collect();
    if let Some(id) = &args.explain {
        let found = catalog().iter().find(|c| c.id == *id || c.id.ends_with(&format!(".{id}")));
        let Some(c) = found else {
            let near = iotvet_core::catalog::catalog()
                .iter()
                .map(|c| c.id.as_str())
                .min_by_key(|c| {
                    let short = c.split_once('.').map_or(*c, |(_, s)| s);
                    strsim::levenshtein(c, id).min(strsim::levenshtein(short, id))
                })
                .unwrap_or_default();
            bail!("no check '{id}' (did you mean '{near}'? `iotvet checks` lists them)");
        };
        checks = vec![c];
    }
    let width = terminal_width();
    match args.format.as_str() {
        "json" => {
            let mut out = json!({
                "schema_version": iotvet_report::OUTPUT_SCHEMA_VERSION,
                "tool": iotvet_report::tool_json(),
                "checks": checks,
            });
            if let Some(s) = standard {
                out["standard"] = json!(s.key());
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        "terminal" if args.explain.is_some() => {
            for c in checks {
                print!("{}", explain(c, width));
            }
        }
        "terminal" => {
            if let Some(s) = standard {
                println!("{} checks give evidence for {}\n", checks.len(), s.title());
            }
            for c in checks {
                let head = format!("{:<26} {}  {:<8} ", c.id, c.guideline, c.severity.as_str());
                print!("{}", iotvet_report::text::wrap_to(width, &head, head.chars().count(), &c.title));
                let refs: Vec<String> = c
                    .references
                    .iter()
                    .filter(|r| standard.is_none_or(|s| r.standard == s))
                    .map(|r| format!("{} {}", r.standard.key(), r.clause))
                    .collect();
                print!("{}", iotvet_report::text::wrap_to(width, &" ".repeat(27), 27, &refs.join("; ")));
            }
            println!("\n`iotvet checks --explain ID` shows a check in full.");
        }
        other => bail!("unknown format '{other}' for checks (use terminal or json)"),
    }
    Ok(crate::exit::MEETS)
}

fn explain(c: &Check, width: usize) -> String {
    use iotvet_report::text::wrap_to;
    let mut out = format!("{} — {}\n", c.id, c.title);
    out.push_str(&format!("{} {} · severity {}\n\n", c.guideline.id(), c.guideline.name(), c.severity.as_str()));
    out.push_str(&wrap_to(width, "Why: ", 5, &c.rationale));
    out.push_str(&wrap_to(width, "Fix: ", 5, &c.remediation));
    out.push_str(&wrap_to(width, "Settled by: ", 5, &c.needs));
    out.push_str("Standards:\n");
    for r in &c.references {
        out.push_str(&wrap_to(
            width,
            "  - ",
            4,
            &format!("{} {} ({})", r.standard.title(), r.clause, r.standard.url()),
        ));
    }
    out
}
