//! What a CI gate decides from an assessment, and the comparison of two assessments.
//!
//! - Every finding has a stable **id**: a hash of its check, its target and its place (port and
//!   transport, or the kind of document), never of its wording, so a finding keeps its id from
//!   one run to the next while the evidence text changes.
//! - A **gate policy** says which findings stop a build: failing findings at or above a severity
//!   (`--fail-on`), in some guidelines only (`--guidelines`), with unknowns counted or not
//!   (`--unknown-ok`). Findings accepted in an **ignore file** or present in a **baseline** are
//!   marked `suppressed` with the reason; they stay in the report and never gate.
//! - A **comparison** of an old and a new assessment lists the findings that are new, fixed and
//!   changed, and the verdicts that changed; `iotvet diff` and the register show it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Location, Severity, Status};
use crate::guideline::Guideline;
use crate::verdict::{Assessment, Overall, Verdict, VerdictKind};

/// The stable id of a finding at a place: 16 hex digits of SHA-256 over the check, the target
/// and the place (`port/transport`, or the document kind for a device-level finding).
pub fn finding_id(check: &str, location: &Location) -> String {
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(format!("iotvet-finding/1\n{check}\n{}", location.key()).as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl Location {
    /// The place as people write it in an ignore file, and as the id is derived from:
    /// `192.0.2.7:23/tcp`, `192.0.2.7/security.txt`, or `192.0.2.7`.
    pub fn key(&self) -> String {
        match (self.port, self.transport, &self.service) {
            (Some(p), Some(t), _) if self.target.contains(':') => format!("[{}]:{p}/{}", self.target, t.as_str()),
            (Some(p), Some(t), _) => format!("{}:{p}/{}", self.target, t.as_str()),
            (Some(p), None, _) => format!("{}:{p}", self.target),
            (None, _, Some(kind)) => format!("{}/{kind}", self.target),
            _ => self.target.clone(),
        }
    }
}

/// Why a finding does not gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `ignore-file` or `baseline`.
    pub by: String,
    pub reason: String,
    /// The date (YYYY-MM-DD) after which an ignore entry stops applying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One entry of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// A finding id, or `check@place` (place `*` for every place).
    pub selector: String,
    pub reason: String,
    pub expires: Option<String>,
    expires_day: Option<i64>,
    pub line: usize,
}

impl IgnoreEntry {
    fn matches(&self, f: &Finding) -> bool {
        match self.selector.split_once('@') {
            Some((check, place)) => check == f.check && (place == "*" || place == f.location.key()),
            None => self.selector == f.id || self.selector == f.check,
        }
    }

    /// Whether the entry still applies on `today` (Unix days): through its expiry date.
    pub fn applies_on(&self, today: i64) -> bool {
        self.expires_day.is_none_or(|day| today <= day)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {reason}")]
pub struct IgnoreError {
    pub line: usize,
    pub reason: String,
}

/// An ignore file (`.iotvetignore`): one accepted finding per line,
///
/// ```text
/// # what                              until             why
/// 3f9a1c2b4d5e6f70                                      # the vendor's fix ships in March
/// enc.plaintext-service@192.0.2.7:23/tcp  exp:2027-03-31  # telnet only on the bench VLAN
/// pwd.no-authentication@*                               # lab devices have no login
/// ```
///
/// The finding (its id, `check@place`, `check@*`, or a check id for every place), an optional
/// `exp:YYYY-MM-DD` (the last day it applies, as in `.trivyignore`), and after `#` the reason,
/// which is required: an accepted risk without a reason is not accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreList {
    pub entries: Vec<IgnoreEntry>,
}

impl IgnoreList {
    pub fn parse(text: &str) -> Result<Self, IgnoreError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |reason: String| IgnoreError { line, reason };
            let (body, reason) = match raw.split_once('#') {
                Some((b, r)) => (b.trim(), r.trim()),
                None => (raw.trim(), ""),
            };
            if body.is_empty() {
                continue;
            }
            let mut words = body.split_whitespace();
            let selector = words.next().unwrap_or_default().to_owned();
            let mut expires = None;
            for w in words {
                let Some(date) = w.strip_prefix("exp:") else {
                    return Err(err(format!("unexpected '{w}' (a line is: FINDING [exp:YYYY-MM-DD] # reason)")));
                };
                let day = crate::dates::calendar_date(date)
                    .ok_or_else(|| err(format!("'{date}' is not a date (YYYY-MM-DD)")))?;
                expires = Some((date.to_owned(), day));
            }
            if reason.is_empty() {
                return Err(err(format!("'{selector}' has no reason: add one after '#'")));
            }
            if selector.starts_with('@') || selector.ends_with('@') {
                return Err(err(format!("'{selector}' is not a finding id or check@place")));
            }
            entries.push(IgnoreEntry {
                selector,
                reason: reason.to_owned(),
                expires: expires.as_ref().map(|(d, _)| d.clone()),
                expires_day: expires.map(|(_, d)| d),
                line,
            });
        }
        Ok(Self { entries })
    }

    /// Marks the findings an entry accepts on `today` (Unix days). Returns the entries that
    /// have expired, so the caller can say that they no longer apply.
    pub fn apply(&self, findings: &mut [Finding], today: i64) -> Vec<&IgnoreEntry> {
        for f in findings.iter_mut().filter(|f| f.suppressed.is_none() && f.status != Status::Pass) {
            if let Some(e) = self.entries.iter().find(|e| e.applies_on(today) && e.matches(f)) {
                f.suppressed = Some(Suppression {
                    by: "ignore-file".into(),
                    reason: format!("{} (line {})", e.reason, e.line),
                    expires: e.expires.clone(),
                });
            }
        }
        self.entries.iter().filter(|e| !e.applies_on(today)).collect()
    }
}

/// Marks the findings that an earlier assessment already had with the same status (by id):
/// with a baseline only new findings gate.
pub fn apply_baseline(findings: &mut [Finding], baseline: &[Finding], baseline_name: &str) {
    let known: BTreeSet<(&str, Status)> = baseline.iter().map(|f| (f.id.as_str(), f.status)).collect();
    for f in findings.iter_mut().filter(|f| f.suppressed.is_none() && f.status != Status::Pass) {
        if known.contains(&(f.id.as_str(), f.status)) {
            f.suppressed = Some(Suppression {
                by: "baseline".into(),
                reason: format!("already in the baseline {baseline_name}"),
                expires: None,
            });
        }
    }
}

/// What stops a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Failing findings below this severity do not gate.
    pub fail_on: Severity,
    /// Unknown findings and unsettled guidelines do not gate.
    pub unknown_ok: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self { fail_on: Severity::Info, unknown_ok: false }
    }
}

/// The gate's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Pass,
    Fail,
    Unknown,
}

impl Policy {
    /// Fail when an unsuppressed failing finding is at or above `fail_on`; else Unknown when an
    /// unsuppressed finding is unknown or a guideline judged had no check at all (unless
    /// `unknown_ok`); else Pass. Failing findings below the threshold neither fail nor pass the
    /// gate: they are reported, and the decision rests on the rest.
    pub fn decide(&self, a: &Assessment) -> Decision {
        let live = || a.findings.iter().filter(|f| f.suppressed.is_none());
        if live().any(|f| f.status == Status::Fail && f.severity >= self.fail_on) {
            return Decision::Fail;
        }
        if self.unknown_ok {
            return Decision::Pass;
        }
        let unsettled = a.verdicts.keys().any(|g| !a.findings.iter().any(|f| f.guideline == *g));
        if unsettled || live().any(|f| f.status == Status::Unknown) {
            return Decision::Unknown;
        }
        Decision::Pass
    }
}

impl Assessment {
    /// The assessment of some guidelines only: their findings and verdicts, and an overall
    /// verdict that is Meets when every one of them passes.
    pub fn restrict(&mut self, guidelines: &[Guideline]) {
        if guidelines.is_empty() || Guideline::ALL.iter().all(|g| guidelines.contains(g)) {
            return;
        }
        self.findings.retain(|f| guidelines.contains(&f.guideline));
        self.verdicts.retain(|g, _| guidelines.contains(g));
        let kinds: Vec<VerdictKind> = self.verdicts.values().map(|v| v.verdict).collect();
        self.overall = if kinds.contains(&VerdictKind::Fail) {
            Overall::Fails
        } else if !kinds.is_empty() && kinds.iter().all(|k| *k == VerdictKind::Pass) {
            Overall::Meets
        } else {
            Overall::Unknown
        };
    }
}

/// How two assessments of one product differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// Failing or unknown findings the old assessment did not have.
    pub new: Vec<Finding>,
    /// Failing or unknown findings of the old assessment that are gone or pass now.
    pub fixed: Vec<Finding>,
    /// Findings in both whose status or severity changed: (old, new).
    pub changed: Vec<(Finding, Finding)>,
    /// Guidelines whose verdict changed: (guideline, old, new).
    pub verdicts: Vec<(Guideline, Verdict, Verdict)>,
    pub overall: (Overall, Overall),
}

impl Comparison {
    /// Whether anything got worse: a new failing or unknown finding, or a verdict changed to
    /// fail or unknown.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.fixed.is_empty() && self.changed.is_empty() && self.verdicts.is_empty()
    }
}

/// Compares two assessments finding by finding (by id) and verdict by verdict.
pub fn compare(old: &Assessment, new: &Assessment) -> Comparison {
    let index = |a: &Assessment| -> BTreeMap<String, Finding> {
        a.findings
            .iter()
            .map(|f| (if f.id.is_empty() { finding_id(&f.check, &f.location) } else { f.id.clone() }, f.clone()))
            .collect()
    };
    let (before, after) = (index(old), index(new));
    let open = |f: &Finding| f.status != Status::Pass;
    let mut c = Comparison { overall: (old.overall, new.overall), ..Comparison::default() };
    for (id, f) in &after {
        match before.get(id) {
            None if open(f) => c.new.push(f.clone()),
            None => {}
            Some(o) if !open(f) && open(o) => c.fixed.push(o.clone()),
            Some(o) if o.status != f.status || o.severity != f.severity => c.changed.push((o.clone(), f.clone())),
            Some(_) => {}
        }
    }
    c.fixed.extend(before.iter().filter(|(id, o)| open(o) && !after.contains_key(*id)).map(|(_, o)| o.clone()));
    for (g, v) in &new.verdicts {
        if let Some(o) = old.verdicts.get(g) {
            if o.verdict != v.verdict {
                c.verdicts.push((*g, o.clone(), v.clone()));
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Endpoint, Transport};

    fn at(port: u16) -> Location {
        Location::endpoint(&Endpoint { address: "192.0.2.7".into(), port, transport: Transport::Tcp }, "telnet")
    }

    fn finding(check: &str, status: Status, loc: Location) -> Finding {
        let mut f = match status {
            Status::Fail => Finding::fail(check, loc),
            Status::Pass => Finding::pass(check, loc),
            Status::Unknown => Finding::unknown(check, loc),
        };
        f.id = finding_id(&f.check, &f.location);
        f
    }

    #[test]
    fn ids_follow_check_and_place_not_wording() {
        let a = finding("enc.plaintext-service", Status::Fail, at(23)).evidence("one wording");
        let mut b = finding("enc.plaintext-service", Status::Fail, at(23)).evidence("another");
        b.location.service = Some("telnets?".into());
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 16);
        assert_ne!(a.id, finding("enc.plaintext-service", Status::Fail, at(2323)).id);
        assert_ne!(a.id, finding("pwd.default-credential", Status::Fail, at(23)).id);
        assert_eq!(at(23).key(), "192.0.2.7:23/tcp");
        assert_eq!(Location::document("cam", "security.txt", "/tmp/x").key(), "cam/security.txt");
    }

    #[test]
    fn ignore_files_need_reasons_and_honour_expiry() {
        let list = IgnoreList::parse(
            "# accepted\n\nenc.plaintext-service@192.0.2.7:23/tcp exp:2027-03-31 # bench VLAN only\npwd.default-credential@* # lab\n",
        )
        .unwrap();
        assert_eq!(list.entries.len(), 2);
        assert_eq!(IgnoreList::parse("x@y\n").unwrap_err().line, 1);
        assert!(IgnoreList::parse("x@y exp:2027-02-29 # r").unwrap_err().reason.contains("not a date"));
        assert!(IgnoreList::parse("x@y until:2027 # r").is_err());
        let mut fs = vec![
            finding("enc.plaintext-service", Status::Fail, at(23)),
            finding("enc.plaintext-service", Status::Fail, at(2323)),
            finding("pwd.default-credential", Status::Fail, at(23)),
        ];
        let day = |d: &str| crate::dates::calendar_date(d).unwrap();
        let expired = list.apply(&mut fs, day("2027-03-31"));
        assert!(expired.is_empty());
        assert!(fs[0].suppressed.as_ref().unwrap().reason.contains("bench VLAN only (line 3)"));
        assert!(fs[1].suppressed.is_none());
        assert_eq!(fs[2].suppressed.as_ref().unwrap().by, "ignore-file");
        for f in &mut fs {
            f.suppressed = None;
        }
        let expired = list.apply(&mut fs, day("2027-04-01"));
        assert_eq!(expired.len(), 1);
        assert!(fs[0].suppressed.is_none(), "an expired entry no longer applies");
        let by_id = IgnoreList::parse(&format!("{} # by id", fs[1].id)).unwrap();
        by_id.apply(&mut fs, 0);
        assert!(fs[1].suppressed.is_some());
    }

    fn assessment(findings: Vec<Finding>) -> Assessment {
        let mut verdicts = BTreeMap::new();
        for g in Guideline::ALL {
            let kind = if findings.iter().any(|f| f.guideline == g && f.status == Status::Fail) {
                VerdictKind::Fail
            } else {
                VerdictKind::Pass
            };
            verdicts.insert(g, Verdict { verdict: kind, summary: String::new(), reason: String::new(), needs: vec![] });
        }
        Assessment { verdicts, overall: Overall::Unknown, findings }
    }

    #[test]
    fn the_gate_follows_severity_suppression_and_unknowns() {
        let telnet = finding("enc.plaintext-service", Status::Fail, at(23));
        let mut a = assessment(vec![telnet.clone()]);
        a.restrict(&[Guideline::Ms1]);
        assert_eq!(a.verdicts.len(), 1);
        assert_eq!(a.overall, Overall::Fails);
        let sev = telnet.severity;
        assert_eq!(Policy::default().decide(&a), Decision::Fail);
        assert_eq!(Policy { fail_on: Severity::Critical, unknown_ok: false }.decide(&a), Decision::Pass, "{sev:?}");
        a.findings[0].suppressed = Some(Suppression { by: "ignore-file".into(), reason: "r".into(), expires: None });
        assert_eq!(Policy::default().decide(&a), Decision::Pass);
        a.findings.push(finding("enc.unidentified-service", Status::Unknown, at(9999)));
        assert_eq!(Policy::default().decide(&a), Decision::Unknown);
        assert_eq!(Policy { unknown_ok: true, ..Policy::default() }.decide(&a), Decision::Pass);
        let mut none = assessment(vec![]);
        none.restrict(&[Guideline::Ms2]);
        assert_eq!(Policy::default().decide(&none), Decision::Unknown, "a guideline with no check is unsettled");
    }

    #[test]
    fn baselines_let_only_new_findings_gate() {
        let old = vec![finding("enc.plaintext-service", Status::Fail, at(23))];
        let mut now = vec![
            finding("enc.plaintext-service", Status::Fail, at(23)),
            finding("enc.plaintext-service", Status::Fail, at(21)),
        ];
        apply_baseline(&mut now, &old, "old.json");
        assert!(now[0].suppressed.is_some() && now[1].suppressed.is_none());
    }

    #[test]
    fn comparisons_list_new_fixed_and_changed() {
        let old = assessment(vec![
            finding("enc.plaintext-service", Status::Fail, at(23)),
            finding("enc.plaintext-service", Status::Fail, at(21)),
            finding("enc.unidentified-service", Status::Unknown, at(9999)),
        ]);
        let new = assessment(vec![
            finding("enc.plaintext-service", Status::Fail, at(23)),
            finding("enc.plaintext-service", Status::Pass, at(21)),
            finding("enc.unidentified-service", Status::Fail, at(9999)),
            finding("pwd.default-credential", Status::Fail, at(23)),
        ]);
        let c = compare(&old, &new);
        assert_eq!(c.new.iter().map(|f| f.check.as_str()).collect::<Vec<_>>(), ["pwd.default-credential"]);
        assert_eq!(c.fixed.len(), 1);
        assert_eq!(c.fixed[0].location.port, Some(21));
        assert_eq!(c.changed.len(), 1);
        assert_eq!(c.verdicts.iter().map(|(g, _, _)| *g).collect::<Vec<_>>(), [Guideline::Ms3]);
        assert!(compare(&new, &new).is_empty());
    }
}
