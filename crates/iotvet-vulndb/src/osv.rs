//! OSV advisories (the OSV schema, as osv.dev publishes them): `id`, `aliases` and `related`
//! (AlmaLinux puts its CVE ids there), `published`, `modified`, `severity[]` (a CVSS vector),
//! and `affected[]` with `package` (`ecosystem`, `name`), `ranges[]` of `ECOSYSTEM` or
//! `SEMVER` events (`introduced`, `fixed`, `last_affected`) and `versions[]`. `GIT` ranges name
//! commits and are not matched.

use serde_json::Value;

use crate::{Affected, Cvss, ReadError, Record};

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub fn record(doc: &Value) -> Result<Record, ReadError> {
    let id = text(doc, "id").ok_or_else(|| ReadError::Shape("an OSV record without an id".into()))?;
    if doc.get("affected").is_none() && doc.get("modified").is_none() {
        return Err(ReadError::Shape("not an OSV record (no modified, no affected)".into()));
    }
    let strings = |key: &str| -> Vec<String> {
        doc.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let mut aliases = strings("aliases");
    aliases.extend(strings("related"));
    // OSV's `severity` gives a CVSS vector without its score; the score comes from the NVD
    // record of the same CVE (an alias), not from a calculation here.
    let cvss: Option<Cvss> = None;
    let affected = doc
        .get("affected")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    let package = a.get("package")?;
                    let mut ranges = Vec::new();
                    for r in a.get("ranges").and_then(Value::as_array).into_iter().flatten() {
                        if !matches!(r.get("type").and_then(Value::as_str), Some("ECOSYSTEM" | "SEMVER")) {
                            continue;
                        }
                        let mut introduced: Option<String> = None;
                        for e in r.get("events").and_then(Value::as_array).into_iter().flatten() {
                            if let Some(i) = text(e, "introduced") {
                                if let Some(open) = introduced.replace(i) {
                                    ranges.push((open, None, false));
                                }
                            } else if let Some(f) = text(e, "fixed") {
                                ranges.push((introduced.take().unwrap_or_else(|| "0".into()), Some(f), false));
                            } else if let Some(l) = text(e, "last_affected") {
                                ranges.push((introduced.take().unwrap_or_else(|| "0".into()), Some(l), true));
                            }
                        }
                        if let Some(open) = introduced {
                            ranges.push((open, None, false));
                        }
                    }
                    Some(Affected {
                        ecosystem: text(package, "ecosystem")?,
                        name: text(package, "name")?,
                        ranges,
                        versions: a
                            .get("versions")
                            .and_then(Value::as_array)
                            .map(|v| v.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                            .unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Record {
        id,
        source: "osv".into(),
        aliases,
        published: text(doc, "published").unwrap_or_default(),
        modified: text(doc, "modified").unwrap_or_default(),
        cvss,
        configs: vec![],
        affected,
    })
}
