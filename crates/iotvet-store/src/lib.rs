//! The register: every product a retailer, lab or manufacturer vets, with the history of its
//! assessments. An assessment is the whole case file (what was observed), stored once and never
//! changed; each judgement of it (verdicts and findings, with the rules version that gave them)
//! is a row of its own, so judging a stored case again with newer rules adds a judgement beside
//! the old one. SQLite by default (one file, WAL), PostgreSQL when given a `postgres://` URL;
//! the same versioned migrations for both, applied at open, each in its own transaction.
#![forbid(unsafe_code)]

mod accounts;
mod db;
mod jobs;

pub use accounts::{random_token, Role, User, MIN_PASSWORD, SESSION_SECONDS};
pub use jobs::{Job, JobRequest, MAX_ATTEMPTS};

use std::path::PathBuf;

use db::{Conn, Val};
use iotvet_core::CaseFile;
use iotvet_report::Report;
use sha2::Digest as _;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("the database is busy or locked: {0}")]
    Busy(String),
    #[error("cannot open the database {0}: {1}")]
    Open(String, String),
    #[error("the database's schema is version {found}, newer than this iotvet knows ({known}): use a newer iotvet")]
    NewerSchema { found: i64, known: i64 },
    #[error("{0}")]
    Invalid(String),
}

/// The schema, one migration at a time: (version, what it adds, SQL written for SQLite with
/// `{id}`, `{int}` and `{blob}` for the types PostgreSQL spells otherwise).
const MIGRATIONS: [(i64, &str, &str); 8] = [
    (
        1,
        "products, assessments and their judgements",
        "CREATE TABLE products (
            id {id},
            vendor TEXT NOT NULL,
            model TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            for_children {int} NOT NULL DEFAULT 0,
            published {int} NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (vendor, model)
        );
        CREATE TABLE assessments (
            id {id},
            product_id {int} NOT NULL REFERENCES products(id),
            target TEXT NOT NULL,
            firmware_version TEXT NOT NULL DEFAULT '',
            case_json TEXT NOT NULL,
            case_sha256 TEXT NOT NULL UNIQUE,
            ran_by TEXT NOT NULL,
            ran_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        CREATE INDEX assessments_by_product ON assessments (product_id, ran_at);
        CREATE TABLE judgements (
            id {id},
            assessment_id {int} NOT NULL REFERENCES assessments(id),
            rules_version TEXT NOT NULL,
            judged_at TEXT NOT NULL,
            overall TEXT NOT NULL,
            verdicts_json TEXT NOT NULL,
            findings_json TEXT NOT NULL,
            UNIQUE (assessment_id, rules_version)
        );",
    ),
    (
        2,
        "attachments (reports, SBOMs, capture summaries) and declarations",
        "CREATE TABLE attachments (
            id {id},
            assessment_id {int} NOT NULL REFERENCES assessments(id),
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            content {blob} NOT NULL,
            stored_at TEXT NOT NULL
        );
        CREATE TABLE declarations (
            id {id},
            product_id {int} NOT NULL REFERENCES products(id),
            declaration_json TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );",
    ),
    (
        3,
        "each product's newest verdict kept on it, for the buyer's guide's pages",
        "ALTER TABLE products ADD COLUMN overall TEXT NOT NULL DEFAULT 'unknown';
        ALTER TABLE products ADD COLUMN last_assessed TEXT NOT NULL DEFAULT '';
        UPDATE products SET
            overall = COALESCE((SELECT j.overall FROM assessments a JOIN judgements j ON j.assessment_id = a.id
                                WHERE a.product_id = products.id ORDER BY a.ran_at DESC, a.id DESC, j.id DESC LIMIT 1), 'unknown'),
            last_assessed = COALESCE((SELECT MAX(a.ran_at) FROM assessments a WHERE a.product_id = products.id), '');
        CREATE INDEX products_published ON products (published, vendor, model);",
    ),
    (
        4,
        "accounts with roles, their sessions and API tokens (secrets stored as SHA-256 only)",
        "CREATE TABLE users (
            id {id},
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            disabled {int} NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE sessions (
            token_sha256 TEXT PRIMARY KEY,
            user_id {int} NOT NULL REFERENCES users(id),
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at {int} NOT NULL
        );
        CREATE TABLE api_tokens (
            id {id},
            user_id {int} NOT NULL REFERENCES users(id),
            token_sha256 TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL,
            created_at TEXT NOT NULL
        );",
    ),
    (
        5,
        "assessment jobs for the test benches' workers",
        "CREATE TABLE jobs (
            id {id},
            target TEXT NOT NULL,
            ports TEXT NOT NULL DEFAULT '',
            udp_ports TEXT NOT NULL DEFAULT '',
            vendor TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            requested_by TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',
            worker TEXT NOT NULL DEFAULT '',
            lease_until {int} NOT NULL DEFAULT 0,
            attempts {int} NOT NULL DEFAULT 0,
            finished_at TEXT NOT NULL DEFAULT '',
            assessment_id {int} REFERENCES assessments(id),
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX jobs_by_state ON jobs (state, id);",
    ),
    (
        6,
        "each judgement's and each product's verdict per guideline, for the register's filters",
        "ALTER TABLE judgements ADD COLUMN verdict_line TEXT NOT NULL DEFAULT '';
        UPDATE judgements SET verdict_line = 'MS-1=' || CASE WHEN verdicts_json LIKE '%\"MS-1\":{\"verdict\":\"fail\"%' THEN 'fail' WHEN verdicts_json LIKE '%\"MS-1\":{\"verdict\":\"pass\"%' THEN 'pass' ELSE 'unknown' END
            || ' ' || 'MS-2=' || CASE WHEN verdicts_json LIKE '%\"MS-2\":{\"verdict\":\"fail\"%' THEN 'fail' WHEN verdicts_json LIKE '%\"MS-2\":{\"verdict\":\"pass\"%' THEN 'pass' ELSE 'unknown' END
            || ' ' || 'MS-3=' || CASE WHEN verdicts_json LIKE '%\"MS-3\":{\"verdict\":\"fail\"%' THEN 'fail' WHEN verdicts_json LIKE '%\"MS-3\":{\"verdict\":\"pass\"%' THEN 'pass' ELSE 'unknown' END
            || ' ' || 'MS-4=' || CASE WHEN verdicts_json LIKE '%\"MS-4\":{\"verdict\":\"fail\"%' THEN 'fail' WHEN verdicts_json LIKE '%\"MS-4\":{\"verdict\":\"pass\"%' THEN 'pass' ELSE 'unknown' END
            || ' ' || 'MS-5=' || CASE WHEN verdicts_json LIKE '%\"MS-5\":{\"verdict\":\"fail\"%' THEN 'fail' WHEN verdicts_json LIKE '%\"MS-5\":{\"verdict\":\"pass\"%' THEN 'pass' ELSE 'unknown' END;
        ALTER TABLE products ADD COLUMN verdicts TEXT NOT NULL DEFAULT '';
        UPDATE products SET verdicts = COALESCE((SELECT j.verdict_line FROM assessments a JOIN judgements j ON j.assessment_id = a.id
                                WHERE a.product_id = products.id ORDER BY a.ran_at DESC, a.id DESC, j.id DESC LIMIT 1), '');",
    ),
    (
        7,
        "each judgement's and each product's retailer checklist status (children's products)",
        "ALTER TABLE judgements ADD COLUMN checklist TEXT NOT NULL DEFAULT '';
        UPDATE judgements SET checklist = CASE
            WHEN findings_json LIKE '%\"check\":\"priv.children-checklist\",\"guideline\":\"MS-5\",\"status\":\"fail\"%' THEN 'fail'
            WHEN findings_json LIKE '%\"check\":\"priv.children-checklist\",\"guideline\":\"MS-5\",\"status\":\"pass\"%' THEN 'pass'
            WHEN findings_json LIKE '%\"check\":\"priv.children-checklist\",%' THEN 'unknown'
            ELSE '' END;
        ALTER TABLE products ADD COLUMN checklist TEXT NOT NULL DEFAULT '';
        UPDATE products SET checklist = COALESCE((SELECT j.checklist FROM assessments a JOIN judgements j ON j.assessment_id = a.id
                                WHERE a.product_id = products.id ORDER BY a.ran_at DESC, a.id DESC, j.id DESC LIMIT 1), '');",
    ),
    (
        8,
        "each product's number of assessments on its row (lists counted them for every row shown)",
        "ALTER TABLE products ADD COLUMN assessment_count {int} NOT NULL DEFAULT 0;
        UPDATE products SET assessment_count = (SELECT COUNT(*) FROM assessments a WHERE a.product_id = products.id);",
    ),
];

/// The newest schema version this iotvet knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The default register: `$XDG_DATA_HOME/iotvet/register.sqlite`, else
/// `~/.local/share/iotvet/register.sqlite`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("iotvet").join("register.sqlite"))
}

/// What a product is, as the register keys it (vendor and model).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductInfo {
    pub vendor: String,
    pub model: String,
    pub name: String,
    pub category: String,
    pub for_children: bool,
    pub firmware_version: String,
}

impl ProductInfo {
    /// The same product with what a user or a job gave on top (blank: kept); a model given
    /// names the product too.
    pub fn given(mut self, vendor: &str, model: &str, category: &str) -> Self {
        if !vendor.trim().is_empty() {
            self.vendor = vendor.to_owned();
        }
        if !model.trim().is_empty() {
            self.model = model.to_owned();
            self.name = model.to_owned();
        }
        if !category.trim().is_empty() {
            self.category = category.to_owned();
        }
        self
    }

    /// From the case's declaration when it has one, else named after the target.
    pub fn of_case(case: &CaseFile) -> Self {
        match &case.declaration {
            Some(d) => ProductInfo {
                vendor: d.product.vendor.clone(),
                model: d.product.model.clone().unwrap_or_else(|| d.product.name.clone()),
                name: d.product.name.clone(),
                category: String::new(),
                for_children: d.product.for_children,
                firmware_version: String::new(),
            },
            None => ProductInfo {
                vendor: "unknown".into(),
                model: case.target.name.clone(),
                name: case.target.name.clone(),
                ..ProductInfo::default()
            },
        }
    }
}

/// The buyer's guide's search and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuideFilter {
    /// Words that must all be in the vendor, model or name.
    pub q: String,
    /// `meets`, `fails`, `unknown`, or empty for any.
    pub verdict: String,
    pub children_only: bool,
    /// Unpublished products too (the signed-in register, not the guide).
    pub unpublished_too: bool,
    /// Only products whose newest verdict fails this guideline (`MS-3`).
    pub fails: Option<iotvet_core::Guideline>,
    /// Only this vendor's products (exactly).
    pub vendor: String,
    /// Only products not assessed since this time (RFC 3339), or never.
    pub not_assessed_since: String,
}

/// What `save` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub product_id: i64,
    pub assessment_id: i64,
    /// False when the very same case was stored before (nothing was added).
    pub new: bool,
}

/// A product with its newest assessment's overall verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProductRow {
    pub id: i64,
    pub vendor: String,
    pub model: String,
    pub name: String,
    pub for_children: bool,
    pub published: bool,
    pub assessments: i64,
    /// `meets`, `fails` or `unknown` by the newest judgement of the newest assessment.
    pub overall: String,
    pub last_assessed: String,
    /// The newest judgement's verdict per guideline: `MS-1=fail MS-2=pass …`.
    pub verdicts: String,
    /// The newest judgement's retailer checklist status (`pass`, `fail`, `unknown`), empty
    /// where it does not apply.
    pub checklist: String,
}

/// One assessment of a product, with how it was last judged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub product_id: i64,
    pub target: String,
    pub ran_by: String,
    pub ran_at: String,
    pub tool_version: String,
    /// The firmware version the assessment was of, where its uploader or runner said.
    pub firmware_version: String,
    pub judgements: i64,
    pub overall: String,
    pub rules_version: String,
}

pub struct Store {
    conn: Conn,
    /// Where the register is (a file path, or the PostgreSQL URL without its password).
    pub location: String,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("host=")
}

/// A PostgreSQL URL with its password hidden, for messages.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => match url.get(s + 3..at).and_then(|cred| cred.find(':')) {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Seconds since the epoch (leases and session expiry).
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The SHA-256 of a text in hex: a case's identity, a token as stored.
fn sha256_hex(text: &str) -> String {
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

impl Store {
    /// Opens the register at `database` (a file path, `sqlite:PATH`, or a `postgres://` URL;
    /// `None`: the default file), creating it and applying every migration it lacks.
    pub fn open(database: Option<&str>) -> Result<Store, StoreError> {
        Self::open_upto(database, SCHEMA_VERSION)
    }

    /// As `open`, migrating no further than `version` (for tests of the migrations).
    #[doc(hidden)]
    pub fn open_upto(database: Option<&str>, version: i64) -> Result<Store, StoreError> {
        let (conn, location) = match database {
            Some(url) if is_postgres(url) => {
                let client = postgres::Client::connect(url, postgres::NoTls)
                    .map_err(|e| StoreError::Open(without_password(url), e.to_string()))?;
                (Conn::Postgres(Box::new(db::Pg::new(client))), without_password(url))
            }
            other => {
                let path = match other {
                    Some(p) => {
                        PathBuf::from(p.strip_prefix("sqlite://").or_else(|| p.strip_prefix("sqlite:")).unwrap_or(p))
                    }
                    None => default_path().ok_or_else(|| {
                        StoreError::Open("the default register".into(), "neither XDG_DATA_HOME nor HOME is set".into())
                    })?,
                };
                let shown = path.display().to_string();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
                }
                let c =
                    rusqlite::Connection::open(&path).map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
                c.busy_timeout(std::time::Duration::from_secs(5))
                    .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
                c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                    .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
                (Conn::Sqlite(c), shown)
            }
        };
        let mut store = Store { conn, location };
        store.migrate(version)?;
        Ok(store)
    }

    /// Statements run as they are (tests: ageing a judgement, a schema from the future).
    #[doc(hidden)]
    pub fn execute_raw(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.batch(sql)
    }

    /// The first column of a query's first row as text (tests).
    #[doc(hidden)]
    pub fn raw_text(&mut self, sql: &str) -> String {
        self.conn
            .query(sql, &[])
            .ok()
            .and_then(|rows| rows.first().and_then(|r| r.first()).map(Val::text))
            .unwrap_or_default()
    }

    /// The schema version the register is at.
    pub fn schema_version(&mut self) -> Result<i64, StoreError> {
        let rows = self.conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?;
        Ok(rows.first().and_then(|r| r.first()).map(Val::int).unwrap_or(0))
    }

    fn migrate(&mut self, upto: i64) -> Result<(), StoreError> {
        self.conn.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version {int} PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )?;
        let current = self.schema_version()?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { found: current, known: SCHEMA_VERSION });
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|(v, ..)| *v > current && *v <= upto) {
            self.conn.transaction(|c| {
                c.batch(sql)?;
                c.exec(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    &[Val::Int(*version), (*name).into(), now().into()],
                )?;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Stores an assessment (its case and the judgement the report carries) under its product,
    /// made if new. The very same case stored twice is stored once.
    pub fn save(&mut self, report: &Report, product: &ProductInfo, ran_by: &str) -> Result<Saved, StoreError> {
        let prepared = Prepared::new(report, product, ran_by)?;
        self.conn.transaction(|c| prepared.save(c))
    }

    /// Judges every stored case with the current rules where its newest judgement came from
    /// other rules, adding a judgement (the old ones stay). Returns how many were added.
    pub fn rejudge(&mut self, judged_at: &str) -> Result<usize, StoreError> {
        let current = iotvet_core::catalog::rules_version();
        let stale = self.conn.query(
            "SELECT a.id, a.case_json, a.product_id FROM assessments a
             WHERE NOT EXISTS (SELECT 1 FROM judgements j WHERE j.assessment_id = a.id AND j.rules_version = ?)
             ORDER BY a.id",
            &[current.as_str().into()],
        )?;
        let mut added = 0;
        for row in stale {
            let (Some(id), Some(json)) = (row.first().map(Val::int), row.get(1).map(Val::text)) else { continue };
            let case: CaseFile = serde_json::from_str(&json)
                .map_err(|e| StoreError::Invalid(format!("stored assessment {id} no longer reads as a case: {e}")))?;
            let report = Report::new(case, judged_at.to_owned());
            let product = row.get(2).map(Val::int).unwrap_or(0);
            self.conn.transaction(|c| {
                add_judgement(c, id, &report)?;
                refresh_product(c, product)
            })?;
            added += 1;
        }
        Ok(added)
    }

    /// Every product, newest assessment's verdict with it, by vendor and model.
    pub fn products(&mut self) -> Result<Vec<ProductRow>, StoreError> {
        self.product_rows("", &[])
    }

    /// One page of the published products (all of them with `unpublished_too`) that match: every word of `q` in the vendor, model
    /// or name (any case), the overall verdict when given, children's products only when asked;
    /// at most `limit` from `offset` on.
    pub fn published_page(
        &mut self,
        filter: &GuideFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ProductRow>, StoreError> {
        let mut sql = String::from(if filter.unpublished_too { "WHERE 1 = 1" } else { "WHERE p.published = 1" });
        let mut params: Vec<Val> = Vec::new();
        for word in filter.q.split_whitespace().take(8) {
            let escaped = word.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            sql.push_str(" AND LOWER(p.vendor || ' ' || p.model || ' ' || p.name) LIKE ? ESCAPE '\\'");
            params.push(format!("%{escaped}%").into());
        }
        if !filter.verdict.is_empty() {
            sql.push_str(" AND p.overall = ?");
            params.push(filter.verdict.as_str().into());
        }
        if filter.children_only {
            sql.push_str(" AND p.for_children = 1");
        }
        if let Some(g) = filter.fails {
            sql.push_str(" AND p.verdicts LIKE ?");
            params.push(format!("%{}=fail%", g.id()).into());
        }
        if !filter.vendor.is_empty() {
            sql.push_str(" AND p.vendor = ?");
            params.push(filter.vendor.as_str().into());
        }
        if !filter.not_assessed_since.is_empty() {
            sql.push_str(" AND p.last_assessed < ?");
            params.push(filter.not_assessed_since.as_str().into());
        }
        sql.push_str(" ORDER BY p.vendor, p.model LIMIT ? OFFSET ?");
        params.push(Val::Int(limit.clamp(0, 1000)));
        params.push(Val::Int(offset.max(0)));
        self.product_rows_from(&format!("products p {sql}"), &params)
    }

    fn product_rows(&mut self, filter: &str, params: &[Val]) -> Result<Vec<ProductRow>, StoreError> {
        self.product_rows_from(&format!("products p {filter} ORDER BY p.vendor, p.model"), params)
    }

    /// Product rows `FROM source` (a table or a subquery named `p`, with its ordering).
    fn product_rows_from(&mut self, source: &str, params: &[Val]) -> Result<Vec<ProductRow>, StoreError> {
        let sql = format!(
            "SELECT p.id, p.vendor, p.model, p.name, p.for_children, p.published,
                    p.assessment_count, p.overall, p.last_assessed, p.verdicts,
                    p.checklist
             FROM {source}"
        );
        let rows = self.conn.query(&sql, params)?;
        Ok(rows
            .iter()
            .map(|r| {
                let c = Columns(r);
                ProductRow {
                    id: c.int(0),
                    vendor: c.text(1),
                    model: c.text(2),
                    name: c.text(3),
                    for_children: c.int(4) != 0,
                    published: c.int(5) != 0,
                    assessments: c.int(6),
                    overall: c.text(7),
                    last_assessed: c.text(8),
                    verdicts: c.text(9),
                    checklist: c.text(10),
                }
            })
            .collect())
    }

    /// One product, as `products` lists it.
    pub fn product(&mut self, id: i64) -> Result<Option<ProductRow>, StoreError> {
        Ok(self.product_rows("WHERE p.id = ?", &[Val::Int(id)])?.into_iter().next())
    }

    /// Publishes a product in the buyer's guide, or takes it out; false when there is no such
    /// product.
    pub fn set_published(&mut self, product_id: i64, published: bool) -> Result<bool, StoreError> {
        let n = self
            .conn
            .exec("UPDATE products SET published = ? WHERE id = ?", &[published.into(), Val::Int(product_id)])?;
        Ok(n > 0)
    }

    /// A product's newest assessment with its newest judgement's verdicts only — what the
    /// buyer's guide shows. The case and the findings are not read: on PostgreSQL they are
    /// large values stored apart and decompressed on every read (the product page's p99 was
    /// 61 ms with them).
    pub fn latest_verdicts(&mut self, product_id: i64) -> Result<Option<(AssessmentRow, Verdicts)>, StoreError> {
        let rows = self.conn.query(
            "SELECT a.id, a.product_id, a.target, a.ran_by, a.ran_at, a.tool_version, a.firmware_version,
                    (SELECT COUNT(*) FROM judgements k WHERE k.assessment_id = a.id), j.overall, j.rules_version,
                    j.verdicts_json
             FROM assessments a JOIN judgements j ON j.assessment_id = a.id
             WHERE a.product_id = ? ORDER BY a.ran_at DESC, a.id DESC, j.id DESC LIMIT 1",
            &[Val::Int(product_id)],
        )?;
        let Some(r) = rows.first() else { return Ok(None) };
        let row = assessment_row(r);
        let verdicts = serde_json::from_str(&Columns(r).text(10))
            .map_err(|e| StoreError::Invalid(format!("stored assessment {}: {e}", row.id)))?;
        Ok(Some((row, verdicts)))
    }

    /// A product's assessments, newest first, each with its newest judgement.
    pub fn assessments(&mut self, product_id: i64) -> Result<Vec<AssessmentRow>, StoreError> {
        let rows = self.conn.query(
            "SELECT a.id, a.product_id, a.target, a.ran_by, a.ran_at, a.tool_version, a.firmware_version,
                    (SELECT COUNT(*) FROM judgements j WHERE j.assessment_id = a.id),
                    COALESCE((SELECT j.overall FROM judgements j WHERE j.assessment_id = a.id ORDER BY j.id DESC LIMIT 1), 'unknown'),
                    COALESCE((SELECT j.rules_version FROM judgements j WHERE j.assessment_id = a.id ORDER BY j.id DESC LIMIT 1), '')
             FROM assessments a WHERE a.product_id = ? ORDER BY a.ran_at DESC, a.id DESC",
            &[Val::Int(product_id)],
        )?;
        Ok(rows.iter().map(|r| assessment_row(r)).collect())
    }

    /// A stored assessment as a report: its case with its newest judgement.
    pub fn report(&mut self, assessment_id: i64) -> Result<Option<Report>, StoreError> {
        let rows = self.conn.query(
            "SELECT a.case_json, j.judged_at, j.verdicts_json, j.findings_json, j.overall, a.tool_version
             FROM assessments a JOIN judgements j ON j.assessment_id = a.id
             WHERE a.id = ? ORDER BY j.id DESC LIMIT 1",
            &[Val::Int(assessment_id)],
        )?;
        let Some(r) = rows.first() else { return Ok(None) };
        let c = Columns(r);
        stored_report(assessment_id, &c.text(0), &c.text(1), &c.text(2), &c.text(3), &c.text(4), &c.text(5)).map(Some)
    }
}

/// An assessment checked and encoded, ready to be stored inside a transaction (`save`, and a
/// job's completion, which stores it only while the job is still its worker's).
pub(crate) struct Prepared<'a> {
    report: &'a Report,
    product: &'a ProductInfo,
    ran_by: &'a str,
    case_json: String,
    sha: String,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(report: &'a Report, product: &'a ProductInfo, ran_by: &'a str) -> Result<Self, StoreError> {
        if product.vendor.trim().is_empty() || product.model.trim().is_empty() {
            return Err(StoreError::Invalid("a product needs a vendor and a model".into()));
        }
        if product.vendor.chars().count() > 200
            || product.model.chars().count() > 200
            || product.name.chars().count() > 500
            || product.firmware_version.chars().count() > 200
        {
            return Err(StoreError::Invalid(
                "vendor, model and firmware version are at most 200 characters, a name 500".into(),
            ));
        }
        let case_json = serde_json::to_string(&report.case).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sha = sha256_hex(&case_json);
        Ok(Prepared { report, product, ran_by, case_json, sha })
    }

    /// Stores it through `c`, which is inside a transaction.
    pub(crate) fn save(&self, c: &mut Conn) -> Result<Saved, StoreError> {
        let (report, product) = (self.report, self.product);
        let stored_at = now();
        let found = c.query(
            "SELECT id FROM products WHERE vendor = ? AND model = ?",
            &[product.vendor.as_str().into(), product.model.as_str().into()],
        )?;
        let product_id = match found.first().and_then(|r| r.first()) {
            Some(id) => id.int(),
            None => c.insert(
                "INSERT INTO products (vendor, model, name, category, for_children, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    product.vendor.as_str().into(),
                    product.model.as_str().into(),
                    product.name.as_str().into(),
                    product.category.as_str().into(),
                    product.for_children.into(),
                    stored_at.as_str().into(),
                ],
            )?,
        };
        let known = c.query("SELECT id FROM assessments WHERE case_sha256 = ?", &[self.sha.as_str().into()])?;
        if let Some(id) = known.first().and_then(|r| r.first()) {
            return Ok(Saved { product_id, assessment_id: id.int(), new: false });
        }
        let assessment_id = c.insert(
            "INSERT INTO assessments (product_id, target, firmware_version, case_json, case_sha256, ran_by, ran_at, tool_version, stored_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                Val::Int(product_id),
                report.case.target.name.as_str().into(),
                product.firmware_version.as_str().into(),
                self.case_json.as_str().into(),
                self.sha.as_str().into(),
                self.ran_by.into(),
                report.case.created_at.as_str().into(),
                report.tool.version.as_str().into(),
                stored_at.as_str().into(),
            ],
        )?;
        add_judgement(c, assessment_id, report)?;
        refresh_product(c, product_id)?;
        Ok(Saved { product_id, assessment_id, new: true })
    }
}

/// A judgement's verdict on each guideline.
pub type Verdicts = std::collections::BTreeMap<iotvet_core::Guideline, iotvet_core::Verdict>;

/// A row's columns by position (a missing one reads as 0 or empty).
struct Columns<'a>(&'a [Val]);

impl Columns<'_> {
    fn int(&self, i: usize) -> i64 {
        self.0.get(i).map(Val::int).unwrap_or(0)
    }

    fn text(&self, i: usize) -> String {
        self.0.get(i).map(Val::text).unwrap_or_default()
    }
}

/// An assessment row from its first nine columns: id, product, target, who, when, iotvet's
/// version, judgements, newest overall, its rules version.
fn assessment_row(r: &[Val]) -> AssessmentRow {
    let c = Columns(r);
    AssessmentRow {
        id: c.int(0),
        product_id: c.int(1),
        target: c.text(2),
        ran_by: c.text(3),
        ran_at: c.text(4),
        tool_version: c.text(5),
        firmware_version: c.text(6),
        judgements: c.int(7),
        overall: c.text(8),
        rules_version: c.text(9),
    }
}

/// A stored case with a stored judgement, as the report they were (not judged again on read).
fn stored_report(
    assessment_id: i64,
    case_json: &str,
    judged_at: &str,
    verdicts_json: &str,
    findings_json: &str,
    overall: &str,
    tool_version: &str,
) -> Result<Report, StoreError> {
    let bad = |e: serde_json::Error| StoreError::Invalid(format!("stored assessment {assessment_id}: {e}"));
    let case: CaseFile = serde_json::from_str(case_json).map_err(bad)?;
    Ok(Report {
        schema_version: iotvet_report::SCHEMA_VERSION,
        tool: iotvet_report::ToolInfo { name: "iotvet".into(), version: tool_version.to_owned() },
        generated_at: judged_at.to_owned(),
        target: case.target.clone(),
        overall: serde_json::from_value(serde_json::Value::String(overall.to_owned())).map_err(bad)?,
        verdicts: serde_json::from_str(verdicts_json).map_err(bad)?,
        findings: serde_json::from_str(findings_json).map_err(bad)?,
        case,
    })
}

/// Keeps a product's newest judgement (overall, per guideline, the retailer checklist), its
/// newest date and its number of assessments on its row (what the guide and the register list
/// and filter by).
fn refresh_product(c: &mut Conn, product_id: i64) -> Result<(), StoreError> {
    let newest = c.query(
        "SELECT j.overall, j.verdict_line, j.checklist FROM assessments a JOIN judgements j ON j.assessment_id = a.id
         WHERE a.product_id = ? ORDER BY a.ran_at DESC, a.id DESC, j.id DESC LIMIT 1",
        &[Val::Int(product_id)],
    )?;
    let (overall, verdicts, checklist) = match newest.first() {
        Some(r) => (Columns(r).text(0), Columns(r).text(1), Columns(r).text(2)),
        None => ("unknown".to_owned(), String::new(), String::new()),
    };
    let counted =
        c.query("SELECT COUNT(*), MAX(a.ran_at) FROM assessments a WHERE a.product_id = ?", &[Val::Int(product_id)])?;
    let (count, last) = counted.first().map(|r| (Columns(r).int(0), Columns(r).text(1))).unwrap_or_default();
    c.exec(
        "UPDATE products SET overall = ?, last_assessed = ?, assessment_count = ?, verdicts = ?, checklist = ? WHERE id = ?",
        &[
            overall.into(),
            last.into(),
            Val::Int(count),
            verdicts.into(),
            checklist.into(),
            Val::Int(product_id),
        ],
    )?;
    Ok(())
}

/// A judgement's verdict per guideline in one line, `MS-1=fail MS-2=pass …`: what the
/// register's filters search (the product keeps its newest judgement's).
pub fn verdict_line(report: &Report) -> String {
    iotvet_core::Guideline::ALL
        .iter()
        .map(|g| format!("{}={}", g.id(), report.verdicts.get(g).map(|v| v.verdict.as_str()).unwrap_or("unknown")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The retailer checklist's status in a judgement (`pass`, `fail`, `unknown`), or empty where
/// it does not apply (not a children's product).
pub fn checklist_status(report: &Report) -> &'static str {
    report
        .findings
        .iter()
        .find(|f| f.check == iotvet_core::catalog::ids::CHILDREN_CHECKLIST)
        .map(|f| f.status.as_str())
        .unwrap_or("")
}

fn add_judgement(c: &mut Conn, assessment_id: i64, report: &Report) -> Result<(), StoreError> {
    // Maps of strings and numbers: they always serialise.
    let json = |v: Result<String, serde_json::Error>| v.unwrap_or_default();
    c.exec(
        "INSERT INTO judgements (assessment_id, rules_version, judged_at, overall, verdicts_json, findings_json, verdict_line, checklist) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            Val::Int(assessment_id),
            iotvet_core::catalog::rules_version().into(),
            report.generated_at.as_str().into(),
            report.overall.as_str().into(),
            json(serde_json::to_string(&report.verdicts)).into(),
            json(serde_json::to_string(&report.findings)).into(),
            verdict_line(report).into(),
            checklist_status(report).into(),
        ],
    )?;
    Ok(())
}
