//! `iotvet vulndb import PATH...`, `iotvet vulndb status`, and the matching every command with
//! a component inventory shares (`settings`, `section_for`, `of_firmware`): the components
//! looked up in the database (`--db`, default the file in the user's data directory) and the
//! case's vulnerabilities section made from what matched.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use iotvet_core::firmware::FirmwareSection;
use iotvet_core::vulns::{
    ComponentRef, CvssScore, DatabaseInfo, KevEntry, SourceInfo, Thresholds, Unparseable, VulnMatch, VulnSection,
};
use iotvet_vulndb::store::{self, Store};

use crate::{VulnArgs, VulndbArgs, VulndbCommand};

/// The database file: `--db`, else the default one.
pub fn db_path(db: Option<&Path>) -> Result<PathBuf> {
    match db {
        Some(p) => Ok(p.to_path_buf()),
        None => store::default_path().context("no --db given and no home directory for the default database"),
    }
}

pub fn run(args: VulndbArgs) -> Result<u8> {
    let path = db_path(args.db.as_deref())?;
    match args.command {
        VulndbCommand::Import { paths } => {
            for p in &paths {
                std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
            }
            let started = std::time::Instant::now();
            let mut store = Store::open(&path)?;
            let report = store.import(&paths, &iotvet_net::now_rfc3339())?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "iotvet: imported {} records and {} KEV entries from {} files into {} in {secs:.1} s ({:.0} records/s)",
                report.records,
                report.kev_entries,
                report.files,
                path.display(),
                report.records as f64 / secs.max(1e-6)
            );
            for (file, why) in report.skipped.iter().take(20) {
                eprintln!("iotvet: skipped {file}: {why}");
            }
            if report.skipped.len() > 20 {
                eprintln!("iotvet: … and {} more files skipped", report.skipped.len() - 20);
            }
            Ok(if report.skipped.is_empty() { crate::exit::MEETS } else { crate::exit::UNKNOWN })
        }
        VulndbCommand::Order { scheme } => {
            use iotvet_vulndb::version::Scheme;
            use std::io::{BufRead, Write};
            let scheme = match scheme.as_str() {
                "generic" => Scheme::Generic,
                "debian" => Scheme::Debian,
                "rpm" => Scheme::Rpm,
                "semver" => Scheme::Semver,
                "alpine" => Scheme::Alpine,
                "pypi" => Scheme::Pypi,
                other => bail!("unknown version scheme '{other}' (generic, debian, rpm, semver, alpine or pypi)"),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                let (a, b) = line.split_once('\t').unwrap_or((line.as_str(), ""));
                let sign = match scheme.compare(a, b) {
                    Some(std::cmp::Ordering::Less) => "<",
                    Some(std::cmp::Ordering::Equal) => "=",
                    Some(std::cmp::Ordering::Greater) => ">",
                    None => "?",
                };
                writeln!(out, "{sign}")?;
            }
            Ok(crate::exit::MEETS)
        }
        VulndbCommand::Status { format } => {
            let status = Store::open_existing(&path)?.status()?;
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&status)?),
                "terminal" => {
                    println!("database {}", status.path);
                    for s in &status.sources {
                        println!("  {:<4} {:>8} records, newest {}", s.source, s.records, s.newest);
                    }
                    println!(
                        "  kev  {:>8} entries, newest {}",
                        status.kev_entries,
                        status.kev_newest.as_deref().unwrap_or("-")
                    );
                    println!("  last import {}", status.imported_at.as_deref().unwrap_or("-"));
                }
                other => bail!("unknown format '{other}' for vulndb status (use terminal or json)"),
            }
            Ok(crate::exit::MEETS)
        }
    }
}

/// The database and thresholds `--db`, `--critical-cvss` and `--max-data-age` ask for.
pub fn settings(args: &VulnArgs) -> Result<(PathBuf, Thresholds)> {
    if !(0.0..=10.0).contains(&args.critical_cvss) {
        bail!("--critical-cvss {} is not a CVSS score (0 to 10)", args.critical_cvss);
    }
    if args.max_data_age < 0 {
        bail!("--max-data-age {} is not a number of days", args.max_data_age);
    }
    Ok((db_path(args.db.as_deref())?, Thresholds { critical_cvss: args.critical_cvss, stale_days: args.max_data_age }))
}

/// The vulnerabilities section of a firmware image's components.
pub fn of_firmware(f: &FirmwareSection, db: &Path, thresholds: Thresholds) -> Result<VulnSection> {
    let components = f
        .components
        .iter()
        .map(|c| ComponentRef {
            name: c.name.clone(),
            version: c.version.clone(),
            purl: Some(c.purl.clone()).filter(|p| !p.is_empty()),
            cpe: c.cpe.clone(),
        })
        .collect();
    section_for(components, &format!("firmware {}", f.image.file), db, thresholds)
}

/// The vulnerabilities section for these components: matched in the database at `db` (no
/// file there: a section with no data, which the rules judge unknown, never a pass).
pub fn section_for(
    components: Vec<ComponentRef>,
    inventory: &str,
    db: &Path,
    thresholds: Thresholds,
) -> Result<VulnSection> {
    let started_at = iotvet_net::now_rfc3339();
    let wanted: Vec<iotvet_vulndb::Component> = components
        .iter()
        .map(|c| iotvet_vulndb::Component {
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            cpe: c.cpe.clone(),
        })
        .collect();
    let (database, matches, unparseable) = if db.is_file() {
        let store = Store::open_existing(db)?;
        let status = store.status()?;
        let data = store.db_for(&wanted)?;
        let mut matches = Vec::new();
        let mut unparseable = Vec::new();
        for (i, c) in wanted.iter().enumerate() {
            let out = data.match_component(c);
            for m in out.matches {
                matches.push(VulnMatch {
                    component: i,
                    id: m.id,
                    aliases: m.aliases,
                    source: m.source,
                    cvss: m.cvss.map(|c| CvssScore { score: c.score, vector: c.vector, version: c.version }),
                    kev: m.kev.map(|k| KevEntry { date_added: k.date_added, due_date: k.due_date }),
                    fixed: m.fixed,
                    rule: m.rule,
                });
            }
            if !out.unparseable.is_empty() {
                unparseable.push(Unparseable { component: i, ids: out.unparseable });
            }
        }
        (info(status), matches, unparseable)
    } else {
        let empty = DatabaseInfo {
            path: db.display().to_string(),
            sources: vec![],
            kev_entries: 0,
            kev_newest: None,
            imported_at: None,
        };
        (empty, vec![], vec![])
    };
    Ok(VulnSection {
        provenance: iotvet_core::case::Provenance {
            collector: "iotvet-vulndb".into(),
            tool_version: iotvet_core::TOOL_VERSION.into(),
            started_at,
            finished_at: iotvet_net::now_rfc3339(),
        },
        database,
        inventory: inventory.to_owned(),
        components,
        matches,
        thresholds,
        unparseable,
    })
}

fn info(s: store::Status) -> DatabaseInfo {
    DatabaseInfo {
        path: s.path,
        sources: s
            .sources
            .into_iter()
            .map(|x| SourceInfo { source: x.source, records: x.records, newest: x.newest })
            .collect(),
        kev_entries: s.kev_entries,
        kev_newest: s.kev_newest,
        imported_at: s.imported_at,
    }
}
