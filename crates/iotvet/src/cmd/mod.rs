//! One module per subcommand; each wires library calls together.

use std::time::Duration;

use anyhow::Result;
use iotvet_net::{DeviceProbe, PortList, ScanOptions, ScopePolicy};

use crate::ProbeArgs;

pub mod assess;
pub mod checks;
pub mod demo;
pub mod docs;
pub mod lab;
pub mod report;
pub mod scan;

impl ProbeArgs {
    pub fn device_probe(&self) -> Result<DeviceProbe> {
        let ports = match &self.ports {
            Some(spec) => PortList::parse(spec)?,
            None => PortList::all(),
        };
        Ok(DeviceProbe {
            ports,
            scan: ScanOptions {
                connect_timeout: Duration::from_millis(self.connect_timeout.max(1)),
                concurrency: self.concurrency.max(1),
                ..ScanOptions::default()
            },
            ..DeviceProbe::default()
        })
    }

    pub fn scope(&self) -> ScopePolicy {
        ScopePolicy { max_hosts: self.max_hosts, ..ScopePolicy::default() }
    }
}
