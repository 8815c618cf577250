//! iotvet's vulnerability data, read offline (issue 13, in progress): NVD CVE records in the
//! API 2.0 format (one `cve` object per file, as fkie-cad's feeds hold them, or a whole API
//! response) and the legacy 1.1 feed format (`CVE_Items`, or one item per file), OSV advisories,
//! and the CISA Known Exploited Vulnerabilities catalog; components matched against them by
//! CPE 2.3 (vendor, product, version within NVD's `versionStart*`/`versionEnd*` bounds, in
//! AND/OR configurations whose platform conditions are named) and by OSV package and ecosystem
//! ranges, each in its ecosystem's version order (`version.rs`). Every match says which record
//! and which rule matched, in words a reader can check by hand.
//!
//! This part reads records into memory (`Db`); the on-disk store, `iotvet vulndb` and
//! `iotvet sbom` come next.
#![forbid(unsafe_code)]

pub mod cpe;
pub mod nvd;
pub mod osv;
pub mod sbom;
pub mod store;
pub mod version;

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::version::Scheme;

/// A CVSS score as a record gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    pub score: f64,
    pub vector: String,
    pub version: String,
}

/// A version range bound by NVD's four keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    pub start_including: Option<String>,
    pub start_excluding: Option<String>,
    pub end_including: Option<String>,
    pub end_excluding: Option<String>,
}

impl Bounds {
    pub fn is_empty(&self) -> bool {
        self.start_including.is_none()
            && self.start_excluding.is_none()
            && self.end_including.is_none()
            && self.end_excluding.is_none()
    }

    /// Whether `version` lies within, in `scheme`'s order; None when a version cannot be read.
    pub fn contains(&self, version: &str, scheme: Scheme) -> Option<bool> {
        let cmp = |bound: &str| scheme.compare(version, bound);
        if let Some(b) = &self.start_including {
            if cmp(b)? == Ordering::Less {
                return Some(false);
            }
        }
        if let Some(b) = &self.start_excluding {
            if cmp(b)? != Ordering::Greater {
                return Some(false);
            }
        }
        if let Some(b) = &self.end_including {
            if cmp(b)? == Ordering::Greater {
                return Some(false);
            }
        }
        if let Some(b) = &self.end_excluding {
            if cmp(b)? != Ordering::Less {
                return Some(false);
            }
        }
        Some(true)
    }

    /// The bounds in words: `from 1.0.2 (including) up to 1.0.2zg (excluding)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = &self.start_including {
            parts.push(format!("from {b} (including)"));
        }
        if let Some(b) = &self.start_excluding {
            parts.push(format!("after {b} (excluding)"));
        }
        if let Some(b) = &self.end_including {
            parts.push(format!("up to {b} (including)"));
        }
        if let Some(b) = &self.end_excluding {
            parts.push(format!("up to {b} (excluding)"));
        }
        parts.join(" ")
    }
}

/// One `cpeMatch` (2.0) or `cpe_match` (1.1) entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpeMatch {
    pub vulnerable: bool,
    pub criteria: String,
    pub bounds: Bounds,
}

/// A configuration node: its matches and child nodes, joined by AND or OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub and: bool,
    pub negate: bool,
    pub matches: Vec<CpeMatch>,
    pub children: Vec<Node>,
}

/// One NVD configuration: nodes joined by AND (an application on a platform) or OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub and: bool,
    pub nodes: Vec<Node>,
}

/// An affected package of an OSV advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    pub ecosystem: String,
    pub name: String,
    /// `(introduced, fixed or last_affected, is_last_affected)` ranges of type ECOSYSTEM or
    /// SEMVER; GIT ranges are not matched (they name commits).
    pub ranges: Vec<(String, Option<String>, bool)>,
    pub versions: Vec<String>,
}

/// One vulnerability record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// `nvd` or `osv`.
    pub source: String,
    pub aliases: Vec<String>,
    pub published: String,
    pub modified: String,
    pub cvss: Option<Cvss>,
    pub configs: Vec<Config>,
    pub affected: Vec<Affected>,
}

impl Record {
    /// An NVD record (no aliases, no OSV packages), as each of NVD's formats gives it.
    pub fn nvd(id: String, published: String, modified: String, cvss: Option<Cvss>, configs: Vec<Config>) -> Record {
        Record { id, source: "nvd".into(), aliases: vec![], published, modified, cvss, configs, affected: vec![] }
    }
}

/// A KEV catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kev {
    pub date_added: String,
    pub due_date: String,
    pub name: String,
}

/// A component to match: as an SBOM or the firmware collector names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub version: String,
    pub purl: Option<String>,
    pub cpe: Option<String>,
}

/// A record that applies to a component, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: String,
    pub aliases: Vec<String>,
    pub source: String,
    pub cvss: Option<Cvss>,
    pub kev: Option<Kev>,
    pub fixed: Option<String>,
    /// The criteria or range that matched, in words.
    pub rule: String,
}

/// What matching a component found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    pub matches: Vec<Match>,
    /// Records whose bounds could not be compared with the component's version: the version
    /// is unmatched there, not safe.
    pub unparseable: Vec<String>,
}

/// Why reading a record failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a record iotvet reads: {0}")]
    Shape(String),
}

/// The (vendor, product) pairs a record's vulnerable CPE criteria name, and the package names
/// it affects: the keys it is found by.
pub fn keys_of(record: &Record) -> (Vec<(String, String)>, Vec<String>) {
    let mut products: Vec<(String, String)> = Vec::new();
    for config in &record.configs {
        for node in &config.nodes {
            collect_products(node, &mut products);
        }
    }
    products.sort();
    products.dedup();
    let mut packages: Vec<String> = record.affected.iter().map(|a| a.name.to_ascii_lowercase()).collect();
    packages.sort();
    packages.dedup();
    (products, packages)
}

/// Records in memory, indexed by CPE vendor:product and by OSV ecosystem package.
#[derive(Debug, Default)]
pub struct Db {
    pub records: Vec<Record>,
    pub kev: HashMap<String, Kev>,
    by_id: HashMap<(String, String), usize>,
    by_product: HashMap<(String, String), Vec<usize>>,
    by_package: HashMap<String, Vec<usize>>,
}

impl Db {
    /// Adds a record.
    pub fn add(&mut self, record: Record) {
        // The same record twice (the same CVE in a 1.1 feed and a 2.0 file): the copy modified
        // last is kept.
        let key = (record.source.clone(), record.id.clone());
        let (at, fresh) = match self.by_id.get(&key) {
            Some(&at) => {
                let Some(old) = self.records.get_mut(at) else { return };
                if record.modified < old.modified {
                    return;
                }
                *old = record;
                (at, false)
            }
            None => {
                let at = self.records.len();
                self.by_id.insert(key, at);
                self.records.push(record);
                (at, true)
            }
        };
        let Some(record) = self.records.get(at) else { return };
        let (products, packages) = keys_of(record);
        // A new record is in no list yet (its keys are distinct); a replaced one may be.
        let index = |list: &mut Vec<usize>| {
            if fresh || !list.contains(&at) {
                list.push(at);
            }
        };
        for p in products {
            index(self.by_product.entry(p).or_default());
        }
        for p in packages {
            index(self.by_package.entry(p).or_default());
        }
    }

    /// Adds the CISA KEV catalog's entries.
    pub fn add_kev(&mut self, entries: HashMap<String, Kev>) {
        self.kev.extend(entries);
    }

    /// The records that apply to a component.
    pub fn match_component(&self, c: &Component) -> Outcome {
        let mut out = Outcome::default();
        let cpe = c.cpe.as_deref().and_then(cpe::parse);
        if let Some(cpe) = &cpe {
            let version = cpe.exact_version().unwrap_or_else(|| c.version.clone());
            let key = (cpe.vendor.clone(), cpe.product.clone());
            for &i in self.by_product.get(&key).into_iter().flatten() {
                let Some(r) = self.records.get(i) else { continue };
                match nvd_rule(r, cpe, &version) {
                    Some(Ok(rule)) => out.matches.push(self.found(r, rule, None)),
                    Some(Err(())) => out.unparseable.push(r.id.clone()),
                    None => {}
                }
            }
        }
        let package = package_of(c);
        for &i in self.by_package.get(&package.1).into_iter().flatten() {
            let Some(r) = self.records.get(i) else { continue };
            for a in r.affected.iter().filter(|a| a.name.eq_ignore_ascii_case(&package.1)) {
                // An advisory is about a package of its ecosystem (a distribution's rebuild with
                // its backports, an npm package…): a component whose ecosystem is not known
                // (a version string in a firmware image) is matched by CPE, not by these.
                if !package.0.as_deref().is_some_and(|eco| same_ecosystem(&a.ecosystem, eco)) {
                    continue;
                }
                match osv_rule(a, &c.version) {
                    Some(Ok((rule, fixed))) if !out.matches.iter().any(|m| m.id == r.id) => {
                        out.matches.push(self.found(r, rule, fixed));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(())) => out.unparseable.push(r.id.clone()),
                    None => {}
                }
            }
        }
        out.matches.sort_by(|a, b| a.id.cmp(&b.id));
        out.unparseable.sort();
        out.unparseable.dedup();
        out
    }

    fn found(&self, r: &Record, rule: String, fixed: Option<String>) -> Match {
        let kev = std::iter::once(&r.id).chain(&r.aliases).find_map(|id| self.kev.get(id)).cloned();
        Match {
            id: r.id.clone(),
            aliases: r.aliases.clone(),
            source: r.source.clone(),
            cvss: r.cvss.clone(),
            kev,
            fixed,
            rule,
        }
    }
}

fn collect_products(node: &Node, out: &mut Vec<(String, String)>) {
    for m in node.matches.iter().filter(|m| m.vulnerable) {
        if let Some(c) = cpe::parse(&m.criteria) {
            out.push((c.vendor, c.product));
        }
    }
    for child in &node.children {
        collect_products(child, out);
    }
}

/// The vulnerable match of `node` (or its children) the component satisfies: Ok(criteria in
/// words), Err when a bound cannot be compared, None when nothing matches.
fn node_hit(node: &Node, cpe: &cpe::Cpe, version: &str) -> Option<Result<String, ()>> {
    let mut unreadable = false;
    for m in node.matches.iter().filter(|m| m.vulnerable) {
        let Some(crit) = cpe::parse(&m.criteria) else { continue };
        if crit.vendor != cpe.vendor || crit.product != cpe.product {
            continue;
        }
        let hit = match crit.exact_version() {
            Some(exact) => Scheme::Generic.compare(version, &exact).map(|o| o == Ordering::Equal),
            None if crit.version == "-" => Some(false),
            None => m.bounds.contains(version, Scheme::Generic),
        };
        match hit {
            Some(true) => {
                let range = if m.bounds.is_empty() { String::new() } else { format!(" {}", m.bounds.describe()) };
                return Some(Ok(format!("{}{range}", m.criteria)));
            }
            Some(false) => {}
            None => unreadable = true,
        }
    }
    for child in &node.children {
        if let Some(hit) = node_hit(child, cpe, version) {
            return Some(hit);
        }
    }
    unreadable.then_some(Err(()))
}

/// The first criteria of a node, to name a platform condition.
fn node_names(node: &Node) -> Vec<String> {
    let mut out: Vec<String> = node.matches.iter().map(|m| m.criteria.clone()).take(3).collect();
    for child in &node.children {
        out.extend(node_names(child));
    }
    out.truncate(3);
    out
}

fn nvd_rule(r: &Record, cpe: &cpe::Cpe, version: &str) -> Option<Result<String, ()>> {
    let mut unreadable = false;
    for config in &r.configs {
        for (k, node) in config.nodes.iter().enumerate() {
            match node_hit(node, cpe, version) {
                Some(Ok(rule)) => {
                    let others: Vec<String> = config
                        .nodes
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != k && config.and)
                        .flat_map(|(_, n)| node_names(n))
                        .collect();
                    let condition = if others.is_empty() {
                        String::new()
                    } else {
                        format!(", when running with {}", others.join(" or "))
                    };
                    return Some(Ok(format!("{}: {rule}{condition}", r.id)));
                }
                Some(Err(())) => unreadable = true,
                None => {}
            }
        }
    }
    unreadable.then_some(Err(()))
}

/// An OSV range or version list the version falls in: Ok((rule, fixed)), Err when it cannot
/// be compared, None when it does not.
fn osv_rule(a: &Affected, version: &str) -> Option<Result<(String, Option<String>), ()>> {
    let scheme = Scheme::of_ecosystem(&a.ecosystem);
    if a.versions.iter().any(|v| v == version) {
        return Some(Ok((format!("{} {} lists version {version} as affected", a.ecosystem, a.name), None)));
    }
    let mut unreadable = false;
    for (introduced, end, last) in &a.ranges {
        let from = if introduced == "0" { Some(Ordering::Greater) } else { scheme.compare(version, introduced) };
        let to = end.as_deref().map(|e| scheme.compare(version, e));
        let (Some(from), Some(to)) = (from, to.unwrap_or(Some(Ordering::Less))) else {
            unreadable = true;
            continue;
        };
        let inside = from != Ordering::Less && if *last { to != Ordering::Greater } else { to == Ordering::Less };
        if inside {
            let upper = match (end, last) {
                (Some(e), true) => format!(", up to {e} (including)"),
                (Some(e), false) => format!(", fixed in {e}"),
                (None, _) => ", not fixed".to_owned(),
            };
            let fixed = end.clone().filter(|_| !last);
            return Some(Ok((format!("{} {}: introduced {introduced}{upper}", a.ecosystem, a.name), fixed)));
        }
    }
    unreadable.then_some(Err(()))
}

/// The (ecosystem, package name) a component is looked up by in OSV records: its purl's, else
/// its name with any ecosystem.
pub fn package_of(c: &Component) -> (Option<String>, String) {
    purl_package(c.purl.as_deref()).unwrap_or_else(|| (None, c.name.to_ascii_lowercase()))
}

/// (ecosystem, name) of a purl, the ecosystem lower-case as OSV writes it, with the release
/// where the purl gives one (`pkg:rpm/almalinux/dnsmasq@2.79-15.el8?distro=almalinux-8` →
/// `almalinux:8`; without the qualifier an RPM release's `.elN` says it); None when there is
/// no purl or it is generic.
fn purl_package(purl: Option<&str>) -> Option<(Option<String>, String)> {
    let rest = purl?.strip_prefix("pkg:")?;
    let (kind, path) = rest.split_once('/')?;
    let qualifiers = rest.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or(q)).unwrap_or("");
    let version = path.split_once('@').map(|(_, v)| v.split(['?', '#']).next().unwrap_or(v)).unwrap_or("");
    let path = path.split(['@', '?', '#']).next()?;
    let name = path.rsplit('/').next()?.to_ascii_lowercase();
    let namespace = path.split('/').next().unwrap_or("").to_ascii_lowercase();
    let distro = qualifiers
        .split('&')
        .find_map(|q| q.strip_prefix("distro="))
        .and_then(|d| d.rsplit_once('-').map(|(_, release)| release.to_owned()))
        .or_else(|| {
            // `.el8`, `.el9_2`: the Enterprise Linux release an RPM was built for.
            let at = version.rfind(".el")?;
            let digits: String = version.get(at + 3..)?.chars().take_while(char::is_ascii_digit).collect();
            (kind == "rpm" && !digits.is_empty()).then_some(digits)
        });
    let with_release = |eco: String| match &distro {
        Some(r) => format!("{eco}:{r}"),
        None => eco,
    };
    let ecosystem = match kind {
        "deb" | "rpm" if !namespace.is_empty() => Some(with_release(namespace)),
        "apk" => Some(with_release("alpine".to_owned())),
        "npm" => Some("npm".to_owned()),
        "cargo" => Some("crates.io".to_owned()),
        "pypi" => Some("pypi".to_owned()),
        "golang" => Some("go".to_owned()),
        _ => None,
    };
    Some((ecosystem, name))
}

/// Whether an OSV ecosystem (`AlmaLinux:8`, `Debian:12`, `npm`) is the component's: the same
/// name and, when the component's release is known, the same release.
fn same_ecosystem(osv: &str, component: &str) -> bool {
    let osv = osv.to_ascii_lowercase();
    let (o_name, o_release) = osv.split_once(':').map_or((osv.as_str(), None), |(n, r)| (n, Some(r)));
    let (c_name, c_release) = component.split_once(':').map_or((component, None), |(n, r)| (n, Some(r)));
    o_name == c_name && (c_release.is_none() || o_release.is_none() || o_release == c_release)
}

/// What an import read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub files: usize,
    pub records: usize,
    pub kev_entries: usize,
    /// Files not read, with why (malformed JSON, an unknown shape): counted and named, never
    /// the end of the import.
    pub skipped: Vec<(String, String)>,
}

/// Largest JSON file read whole (the NVD 1.1 yearly feeds are up to ~300 MB unpacked).
const MAX_FILE: u64 = 1 << 30;

/// Reads every JSON file under `paths` (files or folders, recursively) into `db`: NVD (2.0
/// records or responses, 1.1 feeds or items), OSV records and the KEV catalog, told apart by
/// their shape.
pub fn import_paths(db: &mut Db, paths: &[std::path::PathBuf]) -> ImportReport {
    read_paths(paths, |doc| match doc {
        Document::Kev(entries) => db.add_kev(entries),
        Document::Records(records) => records.into_iter().for_each(|r| db.add(r)),
    })
}

/// Every document under `paths` (`.json` files, `.json.gz` feeds, `.zip` archives of JSON), in
/// file-name order, handed to `sink`; what was read and what was skipped (malformed files are
/// counted and named, never the end of the run).
pub fn read_paths(paths: &[std::path::PathBuf], mut sink: impl FnMut(Document)) -> ImportReport {
    let mut report = ImportReport::default();
    let mut stack: Vec<std::path::PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            match std::fs::read_dir(&path) {
                Ok(entries) => {
                    let mut children: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    children.sort();
                    children.reverse();
                    stack.extend(children);
                }
                Err(e) => report.skipped.push((path.display().to_string(), e.to_string())),
            }
            continue;
        }
        let name = path.display().to_string();
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            report.files += 1;
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if size > MAX_FILE {
                report.skipped.push((name, format!("{size} bytes: larger than the {MAX_FILE} read whole")));
                continue;
            }
            match std::fs::read(&path) {
                Ok(bytes) => read_bytes(&name, &bytes, &mut report, &mut sink),
                Err(e) => report.skipped.push((name, e.to_string())),
            }
        } else if lower.ends_with(".json.gz") {
            // NVD's feeds (nvdcve-1.1-2018.json.gz, nvdcve-2.0-2024.json.gz) as published.
            report.files += 1;
            let mut bytes = Vec::new();
            let read = std::fs::File::open(&path).and_then(|f| {
                use std::io::Read as _;
                flate2::read::GzDecoder::new(std::io::BufReader::new(f)).take(MAX_FILE + 1).read_to_end(&mut bytes)
            });
            match read {
                Err(e) => report.skipped.push((name, e.to_string())),
                Ok(_) if bytes.len() as u64 > MAX_FILE => {
                    report.skipped.push((name, format!("unpacks to more than the {MAX_FILE} bytes read whole")))
                }
                Ok(_) => read_bytes(&name, &bytes, &mut report, &mut sink),
            }
        } else if lower.ends_with(".zip") {
            // OSV's per-ecosystem archives (all.zip), NVD's .json.zip feeds: every JSON member.
            read_zip(&path, &name, &mut report, &mut sink);
        }
    }
    report
}

/// Every `.json` member of a ZIP archive, read in turn (each within the size a file may have).
fn read_zip(path: &std::path::Path, name: &str, report: &mut ImportReport, sink: &mut impl FnMut(Document)) {
    use std::io::Read as _;
    let archive = std::fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| e.to_string()));
    let mut archive = match archive {
        Ok(a) => a,
        Err(e) => {
            report.skipped.push((name.to_owned(), e));
            return;
        }
    };
    for i in 0..archive.len() {
        let mut member = match archive.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                report.skipped.push((format!("{name}: member {i}"), e.to_string()));
                continue;
            }
        };
        let member_name = format!("{name}:{}", String::from_utf8_lossy(member.name_raw()));
        if !member_name.to_ascii_lowercase().ends_with(".json") || member.is_dir() {
            continue;
        }
        report.files += 1;
        let mut bytes = Vec::new();
        match (&mut member).take(MAX_FILE + 1).read_to_end(&mut bytes) {
            Err(e) => report.skipped.push((member_name, e.to_string())),
            Ok(_) if bytes.len() as u64 > MAX_FILE => {
                report.skipped.push((member_name, format!("unpacks to more than the {MAX_FILE} bytes read whole")))
            }
            Ok(_) => read_bytes(&member_name, &bytes, report, sink),
        }
    }
}

/// One JSON document's records, handed to `sink`, or why it was skipped.
fn read_bytes(name: &str, bytes: &[u8], report: &mut ImportReport, sink: &mut impl FnMut(Document)) {
    // An NVD API 2.0 response (the shape the NVD serves and mirrors keep): read typed.
    let head = bytes.get(..bytes.len().min(512)).unwrap_or_default();
    if memchr::memmem::find(head, b"\"resultsPerPage\"").is_some() {
        if let Ok(page) = serde_json::from_slice::<nvd::typed::Response>(bytes) {
            let records: Vec<Record> = page.vulnerabilities.into_iter().map(|v| v.cve.into_record()).collect();
            report.records += records.len();
            sink(Document::Records(records));
            return;
        }
    }
    let doc = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(d) => d,
        Err(e) => {
            report.skipped.push((name.to_owned(), e.to_string()));
            return;
        }
    };
    match read_document(&doc) {
        Ok(Document::Kev(entries)) => {
            report.kev_entries += entries.len();
            sink(Document::Kev(entries));
        }
        Ok(Document::Records(records)) => {
            report.records += records.len();
            sink(Document::Records(records));
        }
        // The schemas that sit beside the data are not records.
        Err(_) if name.ends_with("schema.json") => report.files -= 1,
        Err(e) => report.skipped.push((name.to_owned(), e.to_string())),
    }
}

/// A document's content.
pub enum Document {
    Kev(HashMap<String, Kev>),
    Records(Vec<Record>),
}

/// Tells a KEV catalog, NVD data and an OSV record apart and reads it.
pub fn read_document(doc: &serde_json::Value) -> Result<Document, ReadError> {
    if doc.get("catalogVersion").is_some() {
        return nvd::kev(doc).map(Document::Kev);
    }
    // OSV requires `modified`; NVD 2.0 names it `lastModified` (and may carry an `affected`
    // of its own, from the CVE record).
    if doc.get("modified").is_some() && doc.get("lastModified").is_none() {
        return osv::record(doc).map(|r| Document::Records(vec![r]));
    }
    nvd::records(doc).map(Document::Records)
}
