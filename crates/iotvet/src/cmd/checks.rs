//! `iotvet checks`: the check catalog, optionally seen through one standard.

use anyhow::{bail, Context, Result};
use iotvet_core::catalog::{catalog, Standard};

use crate::ChecksArgs;

pub fn run(args: ChecksArgs) -> Result<u8> {
    let standard = match &args.standard {
        Some(s) => Some(Standard::parse(s).with_context(|| {
            let known: Vec<&str> = Standard::ALL.iter().map(|s| s.key()).collect();
            format!("unknown standard '{s}' (use one of {})", known.join(", "))
        })?),
        None => None,
    };
    let checks: Vec<_> =
        catalog().iter().filter(|c| standard.is_none_or(|s| c.references.iter().any(|r| r.standard == s))).collect();
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&checks)?),
        "terminal" => {
            if let Some(s) = standard {
                println!("{} checks give evidence for {}\n", checks.len(), s.title());
            }
            for c in checks {
                println!("{:<26} {}  {:<8} {}", c.id, c.guideline, c.severity.as_str(), c.title);
                let refs: Vec<String> = c
                    .references
                    .iter()
                    .filter(|r| standard.is_none_or(|s| r.standard == s))
                    .map(|r| format!("{} {}", r.standard.key(), r.clause))
                    .collect();
                println!("{:<26} {}", "", refs.join("; "));
            }
        }
        other => bail!("unknown format '{other}' for checks (use terminal or json)"),
    }
    Ok(crate::exit::MEETS)
}
