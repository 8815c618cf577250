//! Known vulnerabilities in the components the product ships (from its firmware image or an
//! SBOM), matched offline against iotvet's vulnerability database (`iotvet-vulndb`).

use serde::{Deserialize, Serialize};

use crate::case::Provenance;

/// The case file's known-vulnerability section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnSection {
    pub provenance: Provenance,
    pub database: DatabaseInfo,
    /// Where the components came from: `firmware IMAGE` or `sbom FILE`.
    pub inventory: String,
    pub components: Vec<ComponentRef>,
    pub matches: Vec<VulnMatch>,
    /// The thresholds the rules apply: a CVSS base score at or above `critical_cvss` fails
    /// `vul.critical-component`; data whose newest record is older than `stale_days` is said.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Components whose version no ordering could read against a record: unmatched there, not
    /// safe (component index, record ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unparseable: Vec<Unparseable>,
}

/// What the database held when the components were matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    pub path: String,
    pub sources: Vec<SourceInfo>,
    pub kev_entries: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev_newest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_at: Option<String>,
}

impl DatabaseInfo {
    /// The newest record date of any source (`YYYY-MM-DD`), the data's age.
    pub fn newest(&self) -> Option<String> {
        self.sources.iter().filter_map(|s| s.newest.get(..10)).max().map(str::to_owned)
    }

    pub fn records(&self) -> u64 {
        self.sources.iter().map(|s| s.records).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub source: String,
    pub records: u64,
    pub newest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentRef {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnMatch {
    /// Index into `components`.
    pub component: usize,
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub source: String,
    pub cvss: Option<CvssScore>,
    pub kev: Option<KevEntry>,
    pub fixed: Option<String>,
    /// The CPE criteria or package range that matched, in words.
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    pub score: f64,
    pub vector: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevEntry {
    pub date_added: String,
    pub due_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unparseable {
    pub component: usize,
    pub ids: Vec<String>,
}

/// The judging thresholds, chosen when the components are matched (`--critical-cvss`,
/// `--max-data-age`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub critical_cvss: f64,
    pub stale_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { critical_cvss: 9.0, stale_days: 30 }
    }
}
