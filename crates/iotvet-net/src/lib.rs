//! iotvet's active network collector: the scope guard, a concurrent TCP connect scan, and
//! service identification by content. It observes and records; it never judges.
#![forbid(unsafe_code)]

/// Byte helpers, from the wire crate (kept at this path for the collectors).
pub use iotvet_wire::bytes;
pub use iotvet_wire::cert;
pub mod creds;
pub mod identify;
pub mod login;
pub mod ports;
pub mod probe;
pub mod progress;
pub mod scan;
pub mod scope;
pub mod snmp;
pub mod starttls;

pub mod tls_scan;
pub mod udp;

pub use creds::{Credential, CredentialSet};
pub use identify::{identify, ProbeOptions};
pub use login::{test_logins, LoginOptions};
pub use ports::PortList;
pub use probe::{probe_device, DeviceProbe};
pub use progress::Progress;
pub use scan::{tcp_connect_scan, ScanOptions, ScanOutcome};
pub use scope::{resolve_target, ScopeError, ScopePolicy, ScopedTarget};

/// Errors of the network collector that stop a run (per-port problems are observations).
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("port spec '{spec}': {reason}")]
    PortSpec { spec: String, reason: String },
}

/// Why a spawned task did not give its result, in words for a collector step.
pub(crate) fn task_failure(e: &tokio::task::JoinError) -> &'static str {
    if e.is_panic() {
        "the task panicked"
    } else {
        "the task was cancelled"
    }
}

/// Now, as an RFC 3339 UTC timestamp.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
