//! `iotvet tls HOST[:PORT]`: the TLS assessment of one endpoint alone, like `testssl.sh` or
//! `sslyze`: versions, suites per version, groups, DH size, compression, renegotiation, the
//! certificate chain, and the MS-1 TLS findings they lead to.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use iotvet_core::case::{Endpoint, Protocol, ServiceObservation, Transport};
use iotvet_net::starttls::StartTls;
use iotvet_net::tls_scan::{assess_tls, TlsTarget};
use iotvet_net::{resolve_target, ScopePolicy};
use serde_json::json;

use crate::TlsArgs;

pub async fn run(args: TlsArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for tls (use terminal or json)"),
    };
    let starttls = match &args.starttls {
        Some(s) => Some(
            StartTls::parse(s)
                .with_context(|| format!("unknown STARTTLS protocol '{s}' (use ftp, smtp, imap or pop3)"))?,
        ),
        None => None,
    };
    let (host, port) = split_host_port(&args.target, args.port)?;
    let targets = resolve_target(&host, ScopePolicy { max_hosts: 1, ..ScopePolicy::default() }).await?;
    let Some(target) = targets.first() else { bail!("{host} resolves to no address") };
    let addr = std::net::SocketAddr::new(target.address, port);
    let timeout = Duration::from_millis(args.timeout.max(1));
    if !json {
        // Nothing listening is one line, not a page of "not offered".
        let connect = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await;
        let why = match connect {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!("no answer to a connection within {} ms", timeout.as_millis())),
        };
        if let Some(why) = why {
            println!("nothing listening on {addr}: {why}");
            return Ok(crate::exit::UNKNOWN);
        }
    }
    let a = assess_tls(TlsTarget {
        addr,
        host: args.sni.clone().unwrap_or_else(|| target.name.clone()),
        starttls,
        timeout,
    })
    .await;
    let endpoint = Endpoint { address: target.address.to_string(), port, transport: Transport::Tcp };
    let mut service = ServiceObservation::new(endpoint, Protocol::Tls, "TLS assessment");
    service.tls = a.session;
    service.tls_scan = Some(a.scan);
    let findings = iotvet_core::rules::enc::tls_findings(&service, &iotvet_net::now_rfc3339());
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "schema_version": iotvet_report::OUTPUT_SCHEMA_VERSION,
                "tool": iotvet_report::tool_json(),
                "target": target.name,
                "service": service,
                "findings": findings,
            }))?
        );
    } else {
        print!("{}", iotvet_report::text::tls(&service, &findings, crate::output::terminal_width()));
    }
    Ok(crate::exit::of_findings(&findings))
}

fn split_host_port(target: &str, default: u16) -> Result<(String, u16)> {
    if let Ok(ip) = target.parse::<std::net::IpAddr>() {
        return Ok((ip.to_string(), default));
    }
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => (
            h.trim_start_matches('[').trim_end_matches(']').to_owned(),
            p.parse().with_context(|| format!("bad port in '{target}'"))?,
        ),
        _ => (target.to_owned(), default),
    };
    Ok((host, port))
}
