//! The database: one SQLite file (rusqlite, SQLite built in). SQLite because the job is
//! read-mostly lookups by key (a component's CPE vendor and product, or its package name)
//! over a few hundred thousand records, updated by batch imports: an indexed table answers a
//! component in microseconds; a whole import is one transaction, so an import stopped midway
//! (killed, a full disk) leaves the previous database as it was; the file can be copied, kept
//! per lab, and read with the `sqlite3` tool. Each record is stored as its JSON form with its
//! lookup keys in their own indexed tables; a record imported again (same source and id)
//! replaces the old copy unless that one was modified later, which is how updates are
//! incremental.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::{keys_of, package_of, read_paths, Component, Db, Document, ImportReport, Kev, Record};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}: {1}")]
    Sqlite(String, rusqlite::Error),
    #[error("{0}")]
    Other(String),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    source TEXT NOT NULL, id TEXT NOT NULL, published TEXT NOT NULL, modified TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (source, id));
CREATE TABLE IF NOT EXISTS products (vendor TEXT NOT NULL, product TEXT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS products_key ON products (vendor, product);
CREATE INDEX IF NOT EXISTS products_record ON products (source, id);
CREATE TABLE IF NOT EXISTS packages (name TEXT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS packages_key ON packages (name);
CREATE INDEX IF NOT EXISTS packages_record ON packages (source, id);
CREATE TABLE IF NOT EXISTS kev (cve TEXT PRIMARY KEY, date_added TEXT NOT NULL, due_date TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, records INTEGER NOT NULL, newest TEXT NOT NULL);
";

/// The default database file: `$XDG_DATA_HOME/iotvet/vulndb.sqlite`, else
/// `~/.local/share/iotvet/vulndb.sqlite`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("iotvet").join("vulndb.sqlite"))
}

pub struct Store {
    conn: Connection,
    path: String,
}

/// One source's part of the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceStatus {
    pub source: String,
    pub records: u64,
    /// The newest `modified` (NVD `lastModified`) date among its records.
    pub newest: String,
}

/// What the database holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub path: String,
    pub sources: Vec<SourceStatus>,
    pub kev_entries: u64,
    /// The newest `dateAdded` in the KEV catalog.
    pub kev_newest: Option<String>,
    /// When the last import finished (RFC 3339).
    pub imported_at: Option<String>,
}

impl Store {
    /// Opens (creating if need be) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Other(format!("{}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(|e| StoreError::Sqlite(name.clone(), e))?;
        conn.execute_batch(SCHEMA).map_err(|e| StoreError::Sqlite(name.clone(), e))?;
        Ok(Store { conn, path: name })
    }

    /// Opens an existing database for reading; an error naming the path when there is none.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Other(format!(
                "no vulnerability database at {} (import data first: iotvet vulndb import PATH...)",
                path.display()
            )));
        }
        Store::open(path)
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(self.path.clone(), e)
    }

    /// Imports every document under `paths` in one transaction: all of it, or (stopped
    /// midway) none of it. `imported_at` is the time to record.
    pub fn import(&mut self, paths: &[PathBuf], imported_at: &str) -> Result<ImportReport, StoreError> {
        let path = self.path.clone();
        let e = |e: rusqlite::Error| StoreError::Sqlite(path.clone(), e);
        let tx = self.conn.transaction().map_err(e)?;
        let mut failure: Option<rusqlite::Error> = None;
        let report = {
            let mut del_products = tx.prepare("DELETE FROM products WHERE source = ?1 AND id = ?2").map_err(e)?;
            let mut del_packages = tx.prepare("DELETE FROM packages WHERE source = ?1 AND id = ?2").map_err(e)?;
            let mut put = tx
                .prepare("INSERT OR REPLACE INTO records (source, id, published, modified, body) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(e)?;
            let mut put_product =
                tx.prepare("INSERT INTO products (vendor, product, source, id) VALUES (?1, ?2, ?3, ?4)").map_err(e)?;
            let mut put_package =
                tx.prepare("INSERT INTO packages (name, source, id) VALUES (?1, ?2, ?3)").map_err(e)?;
            let mut put_kev = tx
                .prepare("INSERT OR REPLACE INTO kev (cve, date_added, due_date, name) VALUES (?1, ?2, ?3, ?4)")
                .map_err(e)?;
            let mut modified_of =
                tx.prepare("SELECT modified FROM records WHERE source = ?1 AND id = ?2").map_err(e)?;
            let mut store_record = |r: &Record| -> Result<(), rusqlite::Error> {
                // A copy modified later is already there (the same CVE from a newer feed).
                let known: Option<String> =
                    modified_of.query_row(params![r.source, r.id], |row| row.get(0)).optional()?;
                if known.is_some_and(|m| m > r.modified) {
                    return Ok(());
                }
                let body = serde_json::to_string(r).unwrap_or_default();
                del_products.execute(params![r.source, r.id])?;
                del_packages.execute(params![r.source, r.id])?;
                put.execute(params![r.source, r.id, r.published, r.modified, body])?;
                let (products, packages) = keys_of(r);
                for (vendor, product) in products {
                    put_product.execute(params![vendor, product, r.source, r.id])?;
                }
                for name in packages {
                    put_package.execute(params![name, r.source, r.id])?;
                }
                Ok(())
            };
            // Reading and parsing the files on a second thread while this one writes: the two
            // halves take about as long as each other.
            std::thread::scope(|scope| {
                let (send, receive) = std::sync::mpsc::sync_channel::<Document>(8);
                let reader = scope.spawn(move || {
                    read_paths(paths, |doc| {
                        // The writer stopped (an SQLite error): the rest is not needed.
                        let _ = send.send(doc);
                    })
                });
                for doc in receive {
                    if failure.is_some() {
                        break;
                    }
                    let result = match doc {
                        Document::Records(records) => records.iter().try_for_each(&mut store_record),
                        Document::Kev(entries) => entries.iter().try_for_each(|(cve, k)| {
                            put_kev.execute(params![cve, k.date_added, k.due_date, k.name]).map(|_| ())
                        }),
                    };
                    if let Err(err) = result {
                        failure = Some(err);
                    }
                }
                reader.join().unwrap_or_default()
            })
        };
        if let Some(err) = failure {
            return Err(e(err));
        }
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('imported_at', ?1)", params![imported_at])
            .map_err(e)?;
        // Counts and newest dates, once per import (a scan of every record), so that `status`
        // and every match read them from a small table.
        tx.execute_batch(
            "DELETE FROM sources;
             INSERT INTO sources (source, records, newest)
                 SELECT source, COUNT(*), COALESCE(MAX(modified), '') FROM records GROUP BY source;",
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(report)
    }

    pub fn status(&self) -> Result<Status, StoreError> {
        let mut q = self
            .conn
            .prepare("SELECT source, records, newest FROM sources ORDER BY source")
            .map_err(|e| self.err(e))?;
        let sources = q
            .query_map([], |row| {
                Ok(SourceStatus {
                    source: row.get(0)?,
                    records: row.get::<_, i64>(1)?.unsigned_abs(),
                    newest: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        let (kev_entries, kev_newest): (i64, Option<String>) = self
            .conn
            .query_row("SELECT COUNT(*), MAX(date_added) FROM kev", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        let imported_at = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'imported_at'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(Status {
            path: self.path.clone(),
            sources,
            kev_entries: kev_entries.unsigned_abs(),
            kev_newest,
            imported_at,
        })
    }

    /// The records that could apply to these components (by CPE vendor and product, by
    /// package name) and the KEV catalog, in memory for matching.
    pub fn db_for(&self, components: &[Component]) -> Result<Db, StoreError> {
        let mut db = Db::default();
        let mut seen = std::collections::HashSet::new();
        let mut by_product = self
            .conn
            .prepare_cached(
                "SELECT r.source, r.id, r.body FROM products p JOIN records r ON r.source = p.source AND r.id = p.id
                 WHERE p.vendor = ?1 AND p.product = ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut by_package = self
            .conn
            .prepare_cached(
                "SELECT r.source, r.id, r.body FROM packages p JOIN records r ON r.source = p.source AND r.id = p.id
                 WHERE p.name = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut add = |rows: Vec<(String, String, String)>, db: &mut Db| {
            for (source, id, body) in rows {
                if seen.insert((source, id)) {
                    if let Ok(r) = serde_json::from_str::<Record>(&body) {
                        db.add(r);
                    }
                }
            }
        };
        let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
        for c in components {
            if let Some(cpe) = c.cpe.as_deref().and_then(crate::cpe::parse) {
                let rows = by_product
                    .query_map(params![cpe.vendor, cpe.product], row)
                    .and_then(|r| r.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| self.err(e))?;
                add(rows, &mut db);
            }
            let (_, name) = package_of(c);
            let rows = by_package
                .query_map(params![name], row)
                .and_then(|r| r.collect::<Result<Vec<_>, _>>())
                .map_err(|e| self.err(e))?;
            add(rows, &mut db);
        }
        let mut kev = self.conn.prepare("SELECT cve, date_added, due_date, name FROM kev").map_err(|e| self.err(e))?;
        let entries = kev
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, Kev { date_added: r.get(1)?, due_date: r.get(2)?, name: r.get(3)? }))
            })
            .and_then(|rows| rows.collect::<Result<std::collections::HashMap<_, _>, _>>())
            .map_err(|e| self.err(e))?;
        db.add_kev(entries);
        Ok(db)
    }
}
