//! The rules on a capture of the device's own traffic (the case's `traffic` section, with a
//! device selected): MS-1 plaintext flows, secrets in clear, the device's own TLS; MS-2 the
//! update channel; MS-5 trackers and personal data in clear. Without a capture these rules say
//! nothing (the other rules carry the guidelines); a capture without a device selected is an
//! inventory, not a judgement.

use crate::{
    case::CaseFile,
    catalog::ids,
    finding::{Finding, Location},
    traffic::{FlowSeen, TrafficSection},
};

/// The checks these rules emit.
pub const CHECKS: [&str; 6] = [
    ids::TRAFFIC_PLAINTEXT,
    ids::TRAFFIC_SECRET,
    ids::TRAFFIC_WEAK_TLS,
    ids::UPDATE_CHANNEL,
    ids::TRAFFIC_TRACKERS,
    ids::TRAFFIC_PERSONAL_DATA,
];

/// Protocols that are network plumbing: counted, not failed, when in clear.
const PLUMBING: [&str; 6] = ["dns", "mdns", "dhcp", "ntp", "ssdp", "netbios-ns"];

fn server_of(f: &FlowSeen) -> (String, u16) {
    match f.server.parse::<std::net::SocketAddr>() {
        Ok(a) => (a.ip().to_string(), a.port()),
        Err(_) => (f.server.clone(), 0),
    }
}

/// The place of a flow's finding: the device towards one server endpoint.
fn at(case: &CaseFile, f: &FlowSeen) -> Location {
    let (ip, port) = server_of(f);
    let name = f.server_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    Location {
        target: format!("{}→{ip}", case.target.address),
        port: Some(port),
        transport: Some(f.transport),
        service: Some(format!("{} traffic{name}", f.protocol)),
        document: None,
        field: None,
    }
}

fn device_loc(case: &CaseFile) -> Location {
    Location { service: Some("traffic".into()), ..Location::device(&case.target.address) }
}

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let Some(t) = case.traffic.as_ref().filter(|t| t.device.is_some()) else { return vec![] };
    let mut out = Vec::new();
    out.extend(plaintext(case, t));
    out.extend(secrets(case, t));
    out.extend(client_tls(case, t));
    out.push(update_channel(case, t));
    out.push(trackers(case, t));
    out.extend(personal_data(case, t));
    out
}

fn share(t: &TrafficSection) -> String {
    let (n_enc, n, b_enc, b) = t.encrypted_share();
    let pct = |a: u64, b: u64| (a * 100).checked_div(b).unwrap_or(0);
    format!(
        "{n_enc} of {n} flows ({}%) and {b_enc} of {b} payload bytes ({}%) encrypted, in {} from {}",
        pct(n_enc as u64, n as u64),
        pct(b_enc, b),
        t.capture.file,
        t.device.as_deref().unwrap_or("the device")
    )
}

fn plaintext(case: &CaseFile, t: &TrafficSection) -> Vec<Finding> {
    let app = |f: &FlowSeen| !PLUMBING.contains(&f.protocol.as_str()) && f.payload_bytes > 0;
    // One finding per server endpoint and protocol: its first flow, how many, how many bytes.
    let mut groups: Vec<(FlowSeen, usize, u64)> = Vec::new();
    let mut group_of: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    let (mut untold, mut untold_n, mut encrypted) = (Vec::new(), 0usize, 0usize);
    for f in t.flows.iter().filter(app) {
        match f.encrypted {
            Some(false) => match group_of.entry((f.server.clone(), f.protocol.clone())) {
                std::collections::hash_map::Entry::Occupied(i) => {
                    if let Some(g) = groups.get_mut(*i.get()) {
                        g.1 += 1;
                        g.2 += f.payload_bytes;
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(groups.len());
                    let bytes = f.payload_bytes;
                    groups.push((f, 1, bytes));
                }
            },
            None => {
                untold_n += 1;
                if untold.len() < 5 {
                    untold.push(f);
                }
            }
            Some(true) => encrypted += 1,
        }
    }
    let mut out: Vec<Finding> = groups
        .into_iter()
        .map(|(first, n, bytes)| {
            let mut f = Finding::fail(ids::TRAFFIC_PLAINTEXT, at(case, &first))
                .evidence(format!(
                    "{n} {} flow(s) to {} in clear: {bytes} payload bytes, first at packet {} ({})",
                    first.protocol, first.server, first.first_packet, first.identified_by
                ))
                .evidence(share(t));
            if let Some(h) = first.http.first() {
                f = f.evidence(format!("first request: {} {}{}", h.method, h.host.as_deref().unwrap_or(""), h.path));
            }
            f
        })
        .collect();
    if out.is_empty() {
        if untold_n > 0 {
            let mut f = Finding::unknown(ids::TRAFFIC_PLAINTEXT, device_loc(case))
                .evidence(format!("{untold_n} flow(s) whose encryption could not be told"))
                .needs("the protocol of the flows iotvet could not recognise");
            for u in &untold {
                f = f.evidence(format!("{} → {}: {}", u.client, u.server, u.identified_by));
            }
            out.push(f);
        } else if encrypted > 0 {
            out.push(Finding::pass(ids::TRAFFIC_PLAINTEXT, device_loc(case)).evidence(share(t)));
        } else {
            out.push(
                Finding::unknown(ids::TRAFFIC_PLAINTEXT, device_loc(case))
                    .evidence(format!("no application traffic of the device in {}", t.capture.file))
                    .needs("a capture in which the device talks to its cloud or app"),
            );
        }
    }
    out
}

fn secrets(case: &CaseFile, t: &TrafficSection) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for s in t.secrets.iter().filter(|s| matches!(s.kind.as_str(), "credential" | "token" | "wifi")) {
        let loc = Location {
            service: Some(format!("{} ({})", s.kind, s.place)),
            document: Some(format!("packet {}", s.packet)),
            ..device_loc(case)
        };
        out.push(
            Finding::fail(ids::TRAFFIC_SECRET, loc)
                .evidence(format!("{}: {} (packet {}, {})", s.how, s.value, s.packet, s.place)),
        );
    }
    if out.is_empty() {
        out.push(
            Finding::pass(ids::TRAFFIC_SECRET, device_loc(case))
                .evidence("no credential, key or Wi-Fi setting seen in clear in the device's flows"),
        );
    }
    out
}

fn client_tls(case: &CaseFile, t: &TrafficSection) -> Vec<Finding> {
    let mut out = Vec::new();
    let legacy = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "DTLSv1.0"];
    for f in t.flows.iter() {
        let Some(tls) = &f.tls else { continue };
        let mut why = Vec::new();
        if !tls.client_versions.is_empty() && tls.client_versions.iter().all(|v| legacy.contains(&v.as_str())) {
            why.push(format!("offers only {}", tls.client_versions.join(", ")));
        } else if tls.client_versions.iter().any(|v| v == "SSLv2" || v == "SSLv3") {
            why.push(format!(
                "still offers {}",
                tls.client_versions.iter().filter(|v| v.starts_with("SSL")).cloned().collect::<Vec<_>>().join(" and ")
            ));
        }
        if !tls.weak_client_suites.is_empty() {
            why.push(format!("offers weak suites: {}", tls.weak_client_suites.join(", ")));
        }
        if let Some(v) = tls.version.as_deref().filter(|v| legacy.contains(v)) {
            why.push(format!("went on with the server's {v}"));
        }
        if !why.is_empty() {
            out.push(Finding::fail(ids::TRAFFIC_WEAK_TLS, at(case, &f)).evidence(format!(
                "the device's ClientHello to {} (packet {}) {}",
                f.server,
                f.first_packet,
                why.join("; ")
            )));
        }
    }
    out
}

fn update_channel(case: &CaseFile, t: &TrafficSection) -> Finding {
    // The first update flow in clear, else the first encrypted one.
    let (mut clear, mut encrypted) = (None, None);
    for f in t.flows.iter().filter(|f| f.update.is_some()) {
        match f.encrypted {
            Some(false) if clear.is_none() => clear = Some(f),
            Some(true) if encrypted.is_none() => encrypted = Some(f),
            _ => {}
        }
    }
    if let Some(f) = &clear {
        return Finding::fail(ids::UPDATE_CHANNEL, at(case, f)).evidence(format!(
            "{} (packet {}), in clear",
            f.update.as_deref().unwrap_or(""),
            f.first_packet
        ));
    }
    if let Some(f) = &encrypted {
        return Finding::pass(ids::UPDATE_CHANNEL, at(case, f)).evidence(format!(
            "{} (packet {}), encrypted",
            f.update.as_deref().unwrap_or(""),
            f.first_packet
        ));
    }
    Finding::unknown(ids::UPDATE_CHANNEL, device_loc(case))
        .evidence(format!("no update check or download recognised in {}", t.capture.file))
}

fn trackers(case: &CaseFile, t: &TrafficSection) -> Finding {
    let hit: Vec<String> = t
        .destinations
        .iter()
        .filter_map(|d| d.tracker.as_ref().map(|tr| format!("{} ({} flows): {tr}", d.ip, d.flows)))
        .collect();
    if hit.is_empty() {
        return Finding::pass(ids::TRAFFIC_TRACKERS, device_loc(case)).evidence(format!(
            "none of {} destinations is on the tracker list {}",
            t.destinations.len(),
            t.tracker_list.as_deref().unwrap_or("(none)")
        ));
    }
    let mut f = Finding::fail(ids::TRAFFIC_TRACKERS, device_loc(case))
        .evidence(format!("{} tracker destination(s)", hit.len()));
    for h in hit {
        f = f.evidence(h);
    }
    f
}

fn personal_data(case: &CaseFile, t: &TrafficSection) -> Vec<Finding> {
    let kinds = ["email", "geolocation", "mac-address", "serial-number"];
    let seen: Vec<_> = t.secrets.iter().filter(|s| kinds.contains(&s.kind.as_str())).collect();
    if seen.is_empty() {
        return vec![Finding::pass(ids::TRAFFIC_PERSONAL_DATA, device_loc(case))
            .evidence("no e-mail address, coordinates, MAC address or serial number seen in clear")];
    }
    let mut f = Finding::fail(ids::TRAFFIC_PERSONAL_DATA, device_loc(case));
    for s in seen.iter().take(12) {
        f = f.evidence(format!("{}: {} (packet {}, {})", s.how, s.value, s.packet, s.place));
    }
    vec![f]
}

/// Plaintext application flows of the capture, the first eight (for `decl.contradicted`).
pub fn plaintext_flows(case: &CaseFile) -> Vec<String> {
    let Some(t) = case.traffic.as_ref().filter(|t| t.device.is_some()) else { return vec![] };
    t.flows
        .iter()
        .filter(|f| f.encrypted == Some(false) && f.payload_bytes > 0 && !PLUMBING.contains(&f.protocol.as_str()))
        .map(|f| format!("{} {} → {} (packet {})", f.protocol, f.client, f.server, f.first_packet))
        .take(8)
        .collect()
}
