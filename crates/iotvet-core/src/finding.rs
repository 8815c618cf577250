//! Findings: one judgement of one check at one place, with the evidence behind it.

use serde::{Deserialize, Serialize};

use crate::{
    case::{Endpoint, Transport},
    catalog::{self, Reference},
    guideline::Guideline,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check found a problem.
    Fail,
    /// The check looked and found none.
    Pass,
    /// The evidence needed to judge the check is missing; `needs` says which.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Pass => "pass",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// Whether iotvet saw a fact itself or only has the vendor's word for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Observed by iotvet (probing, reading the documents).
    #[default]
    Verified,
    /// Stated in the vendor's declaration, not checked.
    Declared,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Declared => "declared",
        }
    }
}

/// Where a finding applies: the device, or one of its endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The device's address or name.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// The service on that endpoint, e.g. `telnet`, `https`; or the kind of document, e.g.
    /// `security.txt`, `privacy-policy`, `terms`, `declaration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// For a document: the URL or file it was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// For a declared fact: the declaration's key, e.g. `updates.support_period_end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Location {
    pub fn device(target: impl Into<String>) -> Self {
        Self { target: target.into(), port: None, transport: None, service: None, document: None, field: None }
    }

    /// A document of the vendor's: its kind and where it was read from.
    pub fn document(target: impl Into<String>, kind: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            port: None,
            transport: None,
            service: Some(kind.into()),
            document: Some(source.into()),
            field: None,
        }
    }

    pub fn endpoint(endpoint: &Endpoint, service: impl Into<String>) -> Self {
        Self {
            target: endpoint.address.clone(),
            port: Some(endpoint.port),
            transport: Some(endpoint.transport),
            service: Some(service.into()),
            document: None,
            field: None,
        }
    }

    /// A URI naming the place, e.g. `telnet://127.77.0.10:2323`, for SARIF and links.
    pub fn uri(&self) -> String {
        let host = if self.target.contains(':') { format!("[{}]", self.target) } else { self.target.clone() };
        if let Some(doc) = self.document.as_deref().filter(|d| d.contains("://")) {
            return doc.to_owned();
        }
        match (self.port, &self.service) {
            (Some(p), Some(s)) => format!("{}://{host}:{p}", s.replace('+', "-")),
            (Some(p), None) => format!("tcp://{host}:{p}"),
            _ => format!("device://{host}"),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.port, self.transport) {
            (Some(p), Some(t)) => {
                let ep = Endpoint { address: self.target.clone(), port: p, transport: t };
                write!(f, "{ep}")?;
                if let Some(s) = &self.service {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
            _ => match (&self.service, &self.document) {
                (Some(kind), Some(doc)) => write!(f, "{kind} {doc}"),
                (Some(kind), None) => write!(f, "{} ({kind})", self.target),
                _ => f.write_str(&self.target),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs: derived from the check, the target and the place, never from the
    /// wording (`gate::finding_id`). Reports written before it existed read it as empty.
    #[serde(default)]
    pub id: String,
    pub check: String,
    pub guideline: Guideline,
    pub status: Status,
    /// Verified by iotvet, or only declared by the vendor.
    #[serde(default)]
    pub basis: Basis,
    pub severity: Severity,
    pub title: String,
    pub location: Location,
    /// The observations behind the judgement, each readable on its own.
    pub evidence: Vec<String>,
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// For an unknown: the evidence that would settle it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// Accepted by an ignore file or a baseline: reported, but it does not gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<crate::gate::Suppression>,
}

impl Finding {
    fn new(check_id: &str, status: Status, location: Location) -> Self {
        let check = catalog::check(check_id);
        let guideline = check.map(|c| c.guideline).unwrap_or(Guideline::Ms1);
        Self {
            id: crate::gate::finding_id(check_id, &location),
            check: check_id.to_owned(),
            guideline,
            status,
            basis: Basis::Verified,
            severity: check.map(|c| c.severity).unwrap_or(Severity::Medium),
            title: check.map(|c| c.title.clone()).unwrap_or_else(|| check_id.to_owned()),
            location,
            evidence: Vec::new(),
            references: check.map(|c| c.references.clone()).unwrap_or_default(),
            remediation: match status {
                Status::Fail => check.map(|c| c.remediation.clone()),
                _ => None,
            },
            needs: match status {
                Status::Unknown => check.map(|c| c.needs.clone()),
                _ => None,
            },
            suppressed: None,
        }
    }

    pub fn fail(check_id: &str, location: Location) -> Self {
        Self::new(check_id, Status::Fail, location)
    }

    pub fn pass(check_id: &str, location: Location) -> Self {
        Self::new(check_id, Status::Pass, location)
    }

    /// An unknown that names the catalog's evidence for the check.
    pub fn unknown(check_id: &str, location: Location) -> Self {
        Self::new(check_id, Status::Unknown, location)
    }

    pub fn evidence(mut self, text: impl Into<String>) -> Self {
        self.evidence.push(text.into());
        self
    }

    /// Replaces the catalog's "needs" with a more specific one.
    pub fn needs(mut self, text: impl Into<String>) -> Self {
        self.needs = Some(text.into());
        self
    }

    /// Marks the finding as resting on the vendor's declaration only.
    pub fn declared(mut self) -> Self {
        self.basis = Basis::Declared;
        self
    }

    /// Files the finding under another guideline than the catalog's (for `decl.contradicted`,
    /// which belongs to the guideline of the claim it contradicts).
    pub fn under(mut self, guideline: Guideline) -> Self {
        self.guideline = guideline;
        self
    }
}
