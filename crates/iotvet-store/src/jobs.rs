//! Assessments requested in the register, done by the test benches' workers (`iotvet worker`).
//!
//! A job is claimed with a lease: one statement picks the oldest job waiting (or running with
//! its lease run out: its worker died) and marks it the worker's, under a row lock that other
//! workers skip (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a time). The
//! worker renews the lease while it works (`heartbeat`). Its result is stored in the same
//! transaction that marks the job done, and only if the job is still its own: a worker whose
//! lease ran out and whose job another took stores nothing, so each job is completed at most
//! once. A job that has been taken `MAX_ATTEMPTS` times without finishing is failed.

use crate::db::Val;
use crate::{now, unix_now, Columns, Prepared, Saved, Store, StoreError};

/// Times a job may be taken before it is failed (a job that kills its workers).
pub const MAX_ATTEMPTS: i64 = 3;

/// What an assessment request asks for. The ports are the only options a request may set:
/// a register user chooses what is probed, never how iotvet runs on the bench.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobRequest {
    /// An IP address or a host name (one device).
    pub target: String,
    /// `--ports` (e.g. `22,80,443,8000-8100`); empty for iotvet's default.
    #[serde(default)]
    pub ports: String,
    /// `--udp-ports` (or `none`); empty for iotvet's default.
    #[serde(default)]
    pub udp_ports: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub model: String,
}

impl JobRequest {
    /// Refuses what is not a single host or a port list.
    pub fn check(&self) -> Result<(), StoreError> {
        let host = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
        if self.target.is_empty() || self.target.len() > 253 || !self.target.chars().all(host) {
            return Err(StoreError::Invalid(
                "a job's target is one IP address or host name (letters, digits, '.', '-', '_', ':')".into(),
            ));
        }
        let ports = |p: &str| p.len() <= 512 && p.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '-');
        if !ports(&self.ports) || !(self.udp_ports == "none" || ports(&self.udp_ports)) {
            return Err(StoreError::Invalid("ports are a list such as 22,80,8000-8100 (UDP: or none)".into()));
        }
        if self.vendor.chars().count() > 200 || self.model.chars().count() > 200 {
            return Err(StoreError::Invalid("vendor and model are at most 200 characters".into()));
        }
        Ok(())
    }
}

/// A job as listed or claimed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Job {
    pub id: i64,
    #[serde(flatten)]
    pub request: JobRequest,
    pub requested_by: String,
    pub requested_at: String,
    /// queued, running, done, failed or refused.
    pub state: String,
    pub worker: String,
    pub attempts: i64,
    pub finished_at: String,
    pub assessment_id: Option<i64>,
    pub note: String,
}

const JOB_COLUMNS: &str = "id, target, ports, udp_ports, vendor, model, requested_by, requested_at, state, worker, attempts, finished_at, assessment_id, note";

fn job_row(r: &[Val]) -> Job {
    let c = Columns(r);
    Job {
        id: c.int(0),
        request: JobRequest {
            target: c.text(1),
            ports: c.text(2),
            udp_ports: c.text(3),
            vendor: c.text(4),
            model: c.text(5),
        },
        requested_by: c.text(6),
        requested_at: c.text(7),
        state: c.text(8),
        worker: c.text(9),
        attempts: c.int(10),
        finished_at: c.text(11),
        assessment_id: Some(c.int(12)).filter(|id| *id > 0),
        note: c.text(13),
    }
}

impl Store {
    /// Queues an assessment; its id.
    pub fn queue(&mut self, request: &JobRequest, by: &str) -> Result<i64, StoreError> {
        request.check()?;
        self.conn.insert(
            "INSERT INTO jobs (target, ports, udp_ports, vendor, model, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                request.target.as_str().into(),
                request.ports.as_str().into(),
                request.udp_ports.as_str().into(),
                request.vendor.as_str().into(),
                request.model.as_str().into(),
                by.into(),
                now().into(),
            ],
        )
    }

    /// The newest jobs first, at most `limit`.
    pub fn jobs(&mut self, limit: i64) -> Result<Vec<Job>, StoreError> {
        let rows = self.conn.query(
            &format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?"),
            &[Val::Int(limit.clamp(1, 1000))],
        )?;
        Ok(rows.iter().map(|r| job_row(r)).collect())
    }

    /// One job.
    pub fn job(&mut self, id: i64) -> Result<Option<Job>, StoreError> {
        let rows = self.conn.query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"), &[Val::Int(id)])?;
        Ok(rows.first().map(|r| job_row(r)))
    }

    /// Takes the oldest job waiting, or one whose worker's lease ran out, for `worker`, for
    /// `lease` seconds. Jobs taken `MAX_ATTEMPTS` times already are failed on the way.
    pub fn claim(&mut self, worker: &str, lease: i64) -> Result<Option<Job>, StoreError> {
        let t = unix_now();
        self.conn.transaction(|c| {
            c.exec(
                "UPDATE jobs SET state = 'failed', finished_at = ?, note = 'taken 3 times without finishing (its workers stopped)'
                 WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
                &[now().into(), Val::Int(t), Val::Int(MAX_ATTEMPTS)],
            )?;
            let rows = c.query(
                &format!(
                    "UPDATE jobs SET state = 'running', worker = ?, lease_until = ?, attempts = attempts + 1
                     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < ?)
                                 ORDER BY id LIMIT 1 {{skip_locked}})
                     RETURNING {JOB_COLUMNS}"
                ),
                &[worker.into(), Val::Int(t + lease), Val::Int(t)],
            )?;
            Ok(rows.first().map(|r| job_row(r)))
        })
    }

    /// Renews a job's lease; false if the job is no longer this worker's (another took it).
    pub fn heartbeat(&mut self, id: i64, worker: &str, lease: i64) -> Result<bool, StoreError> {
        let n = self.conn.exec(
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND worker = ? AND state = 'running'",
            &[Val::Int(unix_now() + lease), Val::Int(id), worker.into()],
        )?;
        Ok(n > 0)
    }

    /// Stores a job's result and marks it done, in one transaction, if the job is still this
    /// worker's; None (nothing stored) if another worker has it now.
    pub fn complete(
        &mut self,
        id: i64,
        worker: &str,
        report: &iotvet_report::Report,
        product: &crate::ProductInfo,
    ) -> Result<Option<Saved>, StoreError> {
        let prepared = Prepared::new(report, product, worker)?;
        self.conn.transaction(|c| {
            // The job's row first: locked (PostgreSQL) or written (SQLite) before anything is
            // stored, so a worker that lost it stores nothing.
            let mine = c.exec(
                "UPDATE jobs SET state = 'done', finished_at = ? WHERE id = ? AND worker = ? AND state = 'running'",
                &[now().into(), Val::Int(id), worker.into()],
            )?;
            if mine == 0 {
                return Ok(None);
            }
            let saved = prepared.save(c)?;
            c.exec("UPDATE jobs SET assessment_id = ? WHERE id = ?", &[Val::Int(saved.assessment_id), Val::Int(id)])?;
            Ok(Some(saved))
        })
    }

    /// Ends a job without a result (`failed`, or `refused` when the bench may not probe it),
    /// if it is still this worker's.
    pub fn give_up(&mut self, id: i64, worker: &str, state: &str, note: &str) -> Result<bool, StoreError> {
        let state = if state == "refused" { "refused" } else { "failed" };
        let note: String = note.chars().take(1000).collect();
        let n = self.conn.exec(
            "UPDATE jobs SET state = ?, finished_at = ?, note = ? WHERE id = ? AND worker = ? AND state = 'running'",
            &[state.into(), now().into(), note.into(), Val::Int(id), worker.into()],
        )?;
        Ok(n > 0)
    }
}
