//! Each lab device's manifest: the findings and verdicts an assessment of it must produce,
//! exactly. Kept next to the device as `manifests/NAME.toml`.

use std::collections::BTreeMap;

use iotvet_core::{Assessment, Finding};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub device: String,
    pub overall: String,
    pub verdicts: BTreeMap<String, String>,
    #[serde(rename = "finding")]
    pub findings: Vec<ExpectedFinding>,
}

/// One expected finding; a device-level finding has no port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    pub check: String,
    pub status: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub service: Option<String>,
    /// `verified` (the default) or `declared`.
    #[serde(default = "verified")]
    pub basis: String,
    /// Words one evidence line of the finding must hold (not compared when absent).
    #[serde(default)]
    pub evidence: Option<String>,
}

fn verified() -> String {
    "verified".into()
}

impl ExpectedFinding {
    pub fn of(f: &Finding) -> Self {
        Self {
            check: f.check.clone(),
            status: f.status.as_str().to_owned(),
            port: f.location.port,
            service: f.location.service.clone(),
            basis: f.basis.as_str().to_owned(),
            evidence: None,
        }
    }

    /// Whether finding `f` is this expected one.
    fn matches(&self, f: &Finding) -> bool {
        let mut got = Self::of(f);
        got.evidence = self.evidence.clone();
        got == *self && self.evidence.as_deref().is_none_or(|w| f.evidence.iter().any(|e| e.contains(w)))
    }
}

impl std::fmt::Display for ExpectedFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.check, self.status)?;
        if let Some(p) = self.port {
            write!(f, " at port {p}")?;
        }
        if let Some(s) = &self.service {
            write!(f, " ({s})")?;
        }
        if self.basis != "verified" {
            write!(f, " [{}]", self.basis)?;
        }
        if let Some(e) = &self.evidence {
            write!(f, " with evidence \"{e}\"")?;
        }
        Ok(())
    }
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Every difference between this manifest and an assessment; empty when they agree exactly.
    pub fn differences(&self, a: &Assessment) -> Vec<String> {
        let mut out = Vec::new();
        if a.overall.as_str() != self.overall {
            out.push(format!("overall: expected {}, got {}", self.overall, a.overall.as_str()));
        }
        for (g, v) in &a.verdicts {
            let want = self.verdicts.get(g.id()).map(String::as_str).unwrap_or("(not in manifest)");
            if want != v.verdict.as_str() {
                out.push(format!("{g}: expected {want}, got {} ({})", v.verdict.as_str(), v.reason));
            }
        }
        let mut want: Vec<ExpectedFinding> = self.findings.clone();
        // Those that name evidence first, so they are not taken by a looser expectation.
        want.sort_by_key(|w| w.evidence.is_none());
        let mut got: Vec<&Finding> = a.findings.iter().collect();
        for w in &want {
            match got.iter().position(|g| w.matches(g)) {
                Some(i) => {
                    got.remove(i);
                }
                None => out.push(format!("missing: {w}")),
            }
        }
        out.extend(got.iter().map(|g| format!("unexpected: {}", ExpectedFinding::of(g))));
        out
    }
}

/// The manifests of every lab device, by device name.
pub fn manifests() -> Vec<(&'static str, &'static str)> {
    vec![
        ("camera", include_str!("../manifests/camera.toml")),
        ("plug", include_str!("../manifests/plug.toml")),
        ("hub", include_str!("../manifests/hub.toml")),
        ("sensor", include_str!("../manifests/sensor.toml")),
        ("nvr", include_str!("../manifests/nvr.toml")),
        ("doorbell", include_str!("../manifests/doorbell.toml")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_parses_and_names_its_device() {
        for (name, text) in manifests() {
            let m = Manifest::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(m.device, name);
            assert_eq!(m.verdicts.len(), 5, "{name}");
            for f in &m.findings {
                assert!(iotvet_core::catalog::check(&f.check).is_some(), "{name}: {} not in catalog", f.check);
            }
        }
    }
}
