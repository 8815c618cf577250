//! One module per subcommand; each wires library calls together.

use std::time::Duration;

use anyhow::Result;
use iotvet_net::{DeviceProbe, PortList, ScanOptions, ScopePolicy};

use crate::{CredentialArgs, ProbeArgs};

pub mod assess;
pub mod checks;
pub mod demo;
pub mod diff;
pub mod docs;
pub mod firmware;
pub mod gate;
pub mod lab;
pub mod register;
pub mod report;
pub mod sbom;
pub mod scan;
pub mod tls;
pub mod traffic;
pub mod vet;
pub mod vulndb;
pub mod worker;

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
            udp_ports: match self.udp_ports.as_deref() {
                None => iotvet_net::udp::DEFAULT_UDP_PORTS.to_vec(),
                Some("none") => vec![],
                Some(spec) => PortList::parse(spec)?.ports().to_vec(),
            },
            udp_wait: Duration::from_millis(self.udp_wait.max(1)),
            max_services: self.max_services.max(1),
            probe: iotvet_net::ProbeOptions {
                host: self.sni.clone().unwrap_or_default(),
                ..iotvet_net::ProbeOptions::default()
            },
            ..DeviceProbe::default()
        })
    }

    pub fn scope(&self) -> ScopePolicy {
        ScopePolicy { max_hosts: self.max_hosts, ..ScopePolicy::default() }
    }
}

/// What `CredentialArgs` asks for: the list, its name, and the tester's options; None when
/// credential testing is off.
pub struct CredentialPlan {
    pub list: Vec<iotvet_net::Credential>,
    pub name: String,
    pub options: iotvet_net::LoginOptions,
}

impl CredentialArgs {
    pub fn plan(&self) -> Result<Option<CredentialPlan>> {
        if self.no_credentials {
            return Ok(None);
        }
        let set = iotvet_net::CredentialSet::parse(&self.credential_set).ok_or_else(|| {
            anyhow::anyhow!("unknown credential set '{}' (use minimal, default or full)", self.credential_set)
        })?;
        let snmp_ports = match &self.snmp_ports {
            Some(spec) => iotvet_net::PortList::parse(spec)?.ports().to_vec(),
            None => vec![161],
        };
        let (list, name) = match &self.credentials {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read credential list {}: {e}", path.display()))?;
                let name = path.display().to_string();
                (iotvet_net::creds::parse_list(&text, &name).map_err(anyhow::Error::msg)?, name)
            }
            None => (iotvet_net::creds::builtin(set), set.to_string()),
        };
        Ok(Some(CredentialPlan {
            list,
            name,
            options: iotvet_net::LoginOptions {
                concurrency: self.login_concurrency.max(1),
                attempts_per_second: self.login_rate.max(0.1),
                max_attempts: self.max_attempts,
                find_all: self.all_credentials,
                show_secrets: self.show_secrets,
                snmp_communities: iotvet_net::snmp::communities(set),
                snmp_ports,
                ..iotvet_net::LoginOptions::default()
            },
        }))
    }
}

impl CredentialPlan {
    /// Tests the login services of a probed device.
    pub async fn run(
        &self,
        net: &iotvet_core::NetworkSection,
        address: std::net::IpAddr,
        host: &str,
        udp_wait: Duration,
    ) -> iotvet_core::logins::LoginSection {
        let options = iotvet_net::LoginOptions { snmp_wait: udp_wait, ..self.options.clone() };
        iotvet_net::test_logins(net, address, host, &self.list, &self.name, &options).await
    }
}
