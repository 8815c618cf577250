//! iotvet's model: the five minimum standards, the check catalog, the case file that collectors
//! fill, the rules that judge it, and the verdicts. Pure data and pure functions: no I/O, no async.
#![forbid(unsafe_code)]

pub mod case;
pub mod catalog;
pub mod dates;
pub mod declaration;
pub mod documents;
pub mod finding;
pub mod firmware;
pub mod gate;
pub mod guideline;
pub mod logins;
pub mod rules;
pub mod traffic;
pub mod vulns;

pub mod verdict;

pub use case::{CaseFile, Endpoint, NetworkSection, Protocol, Provenance, ServiceObservation, TlsSession};
pub use catalog::{catalog, Check, Reference, Standard};
pub use finding::{Basis, Finding, Location, Severity, Status};
pub use guideline::Guideline;
pub use verdict::{judge, Assessment, Overall, Verdict, VerdictKind};

/// The version of this library, recorded in every case file's provenance.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
