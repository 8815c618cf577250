//! iotvet's traffic collector: what a device itself sends, read from a capture of its traffic
//! (pcap or pcapng). Packets are read as a stream (`read`), decoded to their transport
//! (`decode`), gathered into flows with bounded reassembly (`flows`), and each flow is
//! recognised by its content on any port and described (`inspect`, with `iotvet_wire`'s
//! parsers; `quic` opens QUIC client Initials). The result is the case file's `traffic`
//! section; the rules judge it. Memory grows with the number of live flows and with the flows'
//! summaries, not with the file.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use iotvet_core::case::Provenance;
use iotvet_core::traffic::{
    CaptureInfo, Destination, DnsSeen, FlowSeen, HostSeen, SecretSeen, Skipped, TrafficSection,
};

pub mod decode;
pub mod flows;
pub mod hosts;
pub mod inspect;
pub mod quic;
pub mod read;
pub mod secrets;
pub mod trackers;
pub mod update;

pub use trackers::TrackerList;

#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    #[error("{0}")]
    Read(#[from] read::ReadError),
    #[error("--device {0} is neither an IP address nor a MAC address (aa:bb:cc:dd:ee:ff)")]
    BadDevice(String),
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The product under test: an IP or a MAC address.
    pub device: Option<String>,
    /// The vendor's domains: first party.
    pub vendor_domains: Vec<String>,
    pub trackers: TrackerList,
    /// Keep secrets in clear in the case (masked otherwise).
    pub show_secrets: bool,
}

/// The selected device: its addresses.
enum Device {
    Ip(IpAddr),
    Mac([u8; 6]),
}

fn parse_device(s: &str) -> Result<Device, TrafficError> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Device::Ip(ip));
    }
    hosts::parse_mac(s).map(Device::Mac).ok_or_else(|| TrafficError::BadDevice(s.to_owned()))
}

/// Masks a secret as the login testers do: first and last character kept.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        0 => String::new(),
        1..=3 => "*".repeat(chars.len()),
        n => format!(
            "{}{}{}",
            chars.first().copied().unwrap_or('*'),
            "*".repeat(n - 2),
            chars.last().copied().unwrap_or('*')
        ),
    }
}

#[derive(Default)]
struct HostCount {
    mac: Option<[u8; 6]>,
    packets: u64,
    bytes: u64,
    flows: u64,
}

/// Reads and analyses a capture file.
pub fn analyze(path: &Path, options: &Options) -> Result<TrafficSection, TrafficError> {
    let file = std::fs::File::open(path).map_err(read::ReadError::Open)?;
    analyze_reader(file, &path.display().to_string(), options)
}

/// Reads and analyses a capture from any reader (`name` is what the report calls it).
pub fn analyze_reader<R: std::io::Read + Send + 'static>(
    file: R,
    name: &str,
    options: &Options,
) -> Result<TrafficSection, TrafficError> {
    let device = options.device.as_deref().map(parse_device).transpose()?;
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut stats = read::ReadStats::default();
    let mut decoder = decode::Decoder::default();
    let mut table = flows::Table::default();
    let mut inspected: Vec<(usize, inspect::Inspected)> = Vec::new();
    // Flows inspected early (see `Flow::ready`), waiting for their last packets to be counted.
    let mut early: HashMap<usize, inspect::Inspected> = HashMap::new();
    let mut hosts: HashMap<IpAddr, HostCount> = HashMap::new();
    // ip -> names from DNS answers (in order met)
    let mut dns_names: HashMap<IpAddr, Vec<String>> = HashMap::new();
    let (mut packets, mut bytes, mut first_time, mut last_time) = (0u64, 0u64, None::<f64>, 0f64);
    // Stragglers of ended TCP flows: slot -> (packets, bytes, last packet).
    let mut late: HashMap<usize, (u64, u64, u64)> = HashMap::new();
    let (mut last_sweep, mut last_sweep_packet) = (f64::MIN, 0u64);

    read::for_each_packet(file, &mut stats, |p, stats| {
        packets += 1;
        bytes += u64::from(p.wire_len);
        first_time.get_or_insert(p.time);
        last_time = p.time;
        let d = match decoder.decode(p.link_type, p.data, p.number) {
            Ok(Some(d)) => d,
            Ok(None) => return,
            Err(reason) => {
                stats.skip(reason, p.number);
                return;
            }
        };
        if d.cut {
            stats.skip("cut by the snap length (headers read, payload partial)", p.number);
        }
        let src_host = hosts.entry(d.src).or_default();
        src_host.mac = src_host.mac.or(d.src_mac);
        src_host.packets += 1;
        src_host.bytes += u64::from(p.wire_len);
        // (ports, TCP sequence and flags, payload); UDP has no sequence or flags.
        let (src_port, dst_port, seq, [syn, ack, fin, rst], payload, udp) = match d.l4 {
            decode::L4::Tcp { src_port, dst_port, seq, syn, ack, fin, rst, payload } => {
                (src_port, dst_port, seq, [syn, ack, fin, rst], payload, false)
            }
            decode::L4::Udp { src_port, dst_port, payload } => (src_port, dst_port, 0, [false; 4], payload, true),
            decode::L4::Other => return,
        };
        let seg = flows::Segment {
            src: SocketAddr::new(d.src, src_port),
            dst: SocketAddr::new(d.dst, dst_port),
            udp,
            src_mac: d.src_mac,
            seq,
            syn,
            ack,
            fin,
            rst,
            payload,
            wire_len: u64::from(p.wire_len),
            packet: p.number,
            time: p.time,
        };
        let udp_payload = udp.then_some(payload);
        // Before this packet joins a flow: every 30 s of capture time, flows idle past their
        // timeout end too. A sweep walks the live flows, so it also waits for as many packets as
        // a quarter of them: its cost per packet stays constant however the clock jumps.
        if p.time - last_sweep > 30.0 && p.number - last_sweep_packet >= (table.live() / 4) as u64 {
            table.end_idle(p.time);
            last_sweep = p.time;
            last_sweep_packet = p.number;
        }
        let slot = match table.add(&seg) {
            flows::Added::Live(slot) => slot,
            flows::Added::Late(slot) => {
                let e = late.entry(slot).or_insert((0, 0, 0));
                e.0 += 1;
                e.1 += u64::from(p.wire_len);
                e.2 = p.number;
                return;
            }
        };
        if table.flows.get(slot).and_then(Option::as_ref).is_some_and(|f| f.packets == 1) {
            for ip in [d.src, d.dst] {
                hosts.entry(ip).or_default().flows += 1;
            }
        }
        // DNS answers are read as they come: they name the addresses the device talks to.
        if let (Some(payload), true) =
            (udp_payload, [53, 5353].contains(&seg.src.port()) || [53, 5353].contains(&seg.dst.port()))
        {
            if let Some(m) = iotvet_wire::dns::parse(payload) {
                let answers: Vec<String> = m
                    .answers
                    .iter()
                    .filter_map(|r| match &r.data {
                        iotvet_wire::dns::RData::A(ip) => Some(ip.to_string()),
                        iotvet_wire::dns::RData::Aaaa(ip) => Some(ip.to_string()),
                        iotvet_wire::dns::RData::Name(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect();
                let qname = m.questions.first().map(|(n, _)| n.clone());
                for r in &m.answers {
                    let ip = match r.data {
                        iotvet_wire::dns::RData::A(ip) => IpAddr::V4(ip),
                        iotvet_wire::dns::RData::Aaaa(ip) => IpAddr::V6(ip),
                        _ => continue,
                    };
                    let name = qname.clone().unwrap_or_else(|| r.name.clone());
                    let names = dns_names.entry(ip).or_default();
                    if !names.contains(&name) && names.len() < 8 {
                        names.push(name);
                    }
                }
                if let (Some(Some(flow)), Some((name, kind))) = (table.flows.get_mut(slot), m.questions.first()) {
                    if m.response && flow.dns.len() < 64 {
                        flow.dns.push(DnsSeen {
                            packet: p.number,
                            name: name.clone(),
                            kind: iotvet_wire::dns::type_name(*kind),
                            answers,
                        });
                    } else if !m.response && flow.dns.len() < 64 && !flow.dns.iter().any(|x| &x.name == name) {
                        flow.dns.push(DnsSeen {
                            packet: p.number,
                            name: name.clone(),
                            kind: iotvet_wire::dns::type_name(*kind),
                            answers: vec![],
                        });
                    }
                }
            }
        }
        if let Some(Some(flow)) = table.flows.get_mut(slot) {
            if flow.ready() {
                early.insert(slot, inspect::inspect(flow));
                flow.settle();
            }
        }
        // Flows that ended are inspected now and their buffers freed.
        for slot in std::mem::take(&mut table.ended) {
            if let Some(flow) = table.flows.get_mut(slot).and_then(Option::take) {
                inspected.push((slot, finish(&flow, early.remove(&slot))));
            }
        }
    })?;
    for (slot, flow) in table.flows.iter_mut().enumerate() {
        if let Some(flow) = flow.take() {
            inspected.push((slot, finish(&flow, early.remove(&slot))));
        }
    }
    // FTP data connections, announced on their control flows.
    let announced: HashMap<(IpAddr, u16), (bool, u64)> = inspected
        .iter()
        .flat_map(|(_, i)| {
            let encrypted = i.flow.encrypted == Some(true);
            i.data_channels.iter().map(move |ep| (*ep, (encrypted, i.flow.first_packet)))
        })
        .collect();
    for (_, i) in &mut inspected {
        if i.flow.protocol != "unknown" || announced.is_empty() {
            continue;
        }
        let ends: Vec<(IpAddr, u16)> = [&i.flow.server, &i.flow.client]
            .iter()
            .filter_map(|e| e.parse::<SocketAddr>().ok())
            .map(|a| (a.ip(), a.port()))
            .collect();
        if let Some((encrypted, control)) = ends.iter().find_map(|e| announced.get(e)) {
            i.flow.protocol = "ftp-data".into();
            i.flow.encrypted = Some(*encrypted);
            i.flow.identified_by = format!("FTP data connection announced on the control flow of packet {control}");
            i.flow.entropy = None;
        }
    }
    for (slot, i) in &mut inspected {
        if let Some((p, b, last)) = late.get(slot) {
            i.flow.packets += p;
            i.flow.bytes += b;
            i.flow.last_packet = i.flow.last_packet.max(*last);
        }
    }
    inspected.sort_by_key(|(_, i)| i.flow.first_packet);

    // Names: DNS answers for addresses; DHCP/mDNS/SSDP names for hosts.
    let mut host_names: HashMap<String, Vec<String>> = HashMap::new();
    for (_, i) in &inspected {
        for (who, name, how) in &i.names {
            let e = host_names.entry(who.clone()).or_default();
            let label = format!("{name} ({how})");
            if !e.contains(&label) && e.len() < 8 {
                e.push(label);
            }
        }
    }
    for (_, i) in &mut inspected {
        if i.flow.server_name.is_none() {
            let ip = i.flow.server.rsplit_once(':').map(|(h, _)| h.trim_matches(['[', ']'])).unwrap_or_default();
            if let Ok(ip) = ip.parse::<IpAddr>() {
                i.flow.server_name = dns_names.get(&ip).and_then(|n| n.first().cloned());
            }
        }
        i.flow.update = update::looks_like_update(&i.flow);
    }

    // Hosts, grouped by MAC where one is known.
    let mut by_mac: BTreeMap<String, HostSeen> = BTreeMap::new();
    for (ip, h) in &hosts {
        let key = h.mac.map(|m| hosts::mac_text(&m)).unwrap_or_else(|| ip.to_string());
        let e = by_mac.entry(key).or_insert_with(|| HostSeen {
            mac: h.mac.map(|m| hosts::mac_text(&m)),
            ips: vec![],
            names: vec![],
            packets: 0,
            bytes: 0,
            flows: 0,
        });
        e.ips.push(ip.to_string());
        e.packets += h.packets;
        e.bytes += h.bytes;
        e.flows += h.flows;
        for who in [Some(ip.to_string()), e.mac.clone()].into_iter().flatten() {
            for n in host_names.get(&who).into_iter().flatten() {
                if !e.names.contains(n) {
                    e.names.push(n.clone());
                }
            }
        }
    }
    let mut devices: Vec<HostSeen> = by_mac.into_values().filter(|h| h.packets > 0).collect();
    for d in &mut devices {
        d.ips.sort();
    }
    devices.sort_by_key(|d| std::cmp::Reverse(d.packets));

    // The device: its IPs.
    let device_ips: Option<BTreeSet<IpAddr>> = device.as_ref().map(|d| match d {
        Device::Ip(ip) => BTreeSet::from([*ip]),
        Device::Mac(mac) => hosts.iter().filter(|(_, h)| h.mac == Some(*mac)).map(|(ip, _)| *ip).collect(),
    });
    let involves = |f: &FlowSeen, ips: &BTreeSet<IpAddr>| {
        [&f.client, &f.server].iter().any(|e| e.parse::<SocketAddr>().is_ok_and(|a| ips.contains(&a.ip())))
    };
    let mut flows_out = Vec::new();
    let mut secrets = Vec::new();
    for (_, i) in inspected {
        if let Some(ips) = &device_ips {
            if !involves(&i.flow, ips) {
                continue;
            }
            for f in &i.found {
                secrets.push(SecretSeen {
                    kind: f.kind.to_owned(),
                    place: format!("{} {} → {}", i.flow.protocol, i.flow.client, i.flow.server),
                    packet: f.packet,
                    value: if options.show_secrets { f.value.clone() } else { mask(&f.value) },
                    how: f.how.clone(),
                });
            }
        }
        flows_out.push(i.flow);
    }
    let destinations = match &device_ips {
        Some(ips) => destinations(&flows_out, ips, &dns_names, options),
        None => vec![],
    };
    let skipped = stats
        .skipped
        .iter()
        .map(|(reason, count, first)| Skipped { reason: reason.clone(), count: *count, first_packet: *first })
        .collect();
    Ok(TrafficSection {
        provenance: Provenance {
            collector: "iotvet-traffic".into(),
            tool_version: iotvet_core::TOOL_VERSION.into(),
            started_at,
            finished_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        },
        capture: CaptureInfo {
            file: name.to_owned(),
            format: stats.format.to_owned(),
            link_types: stats.link_types.iter().map(|l| read::link_name(*l)).collect(),
            packets,
            bytes,
            skipped,
            duration_s: ((last_time - first_time.unwrap_or(last_time)) * 1000.0).round() / 1000.0,
        },
        devices,
        device: options.device.clone(),
        flows: flows_out,
        destinations,
        secrets,
        vendor_domains: options.vendor_domains.clone(),
        tracker_list: (!options.trackers.is_empty())
            .then(|| format!("{} ({} domains)", options.trackers.name, options.trackers.len())),
    })
}

/// A flow's inspection: the early one with the final counts, or one made now.
fn finish(flow: &flows::Flow, early: Option<inspect::Inspected>) -> inspect::Inspected {
    match early {
        Some(mut i) => {
            i.flow.packets = flow.packets;
            i.flow.bytes = flow.bytes;
            i.flow.payload_bytes = flow.payload_bytes;
            i.flow.last_packet = flow.last;
            i.flow.dns = flow.dns.clone();
            i
        }
        None => inspect::inspect(flow),
    }
}

fn is_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_multicast() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || (v6.segments()[0] & 0xfe00) == 0xfc00
        }
    }
}

/// Whether `name` is `domain` or under it.
fn under(name: &str, domain: &str) -> bool {
    let (name, domain) =
        (name.trim_end_matches('.').to_ascii_lowercase(), domain.trim_end_matches('.').to_ascii_lowercase());
    name == domain || name.ends_with(&format!(".{domain}"))
}

fn destinations(
    flows: &[FlowSeen],
    device: &BTreeSet<IpAddr>,
    dns_names: &HashMap<IpAddr, Vec<String>>,
    options: &Options,
) -> Vec<Destination> {
    let mut out: BTreeMap<IpAddr, Destination> = BTreeMap::new();
    for f in flows {
        let (Ok(c), Ok(s)) = (f.client.parse::<SocketAddr>(), f.server.parse::<SocketAddr>()) else { continue };
        let remote = if device.contains(&c.ip()) { s.ip() } else { c.ip() };
        if device.contains(&remote) {
            continue;
        }
        let d = out.entry(remote).or_insert_with(|| Destination {
            ip: remote.to_string(),
            names: dns_names.get(&remote).cloned().unwrap_or_default(),
            flows: 0,
            bytes: 0,
            encrypted_bytes: 0,
            party: String::new(),
            tracker: None,
        });
        d.flows += 1;
        d.bytes += f.bytes;
        if f.encrypted == Some(true) {
            d.encrypted_bytes += f.bytes;
        }
        if let Some(n) = &f.server_name {
            if !d.names.contains(n) {
                d.names.push(n.clone());
            }
        }
    }
    for (ip, d) in &mut out {
        // A named destination is judged by its name (first or third party); an unnamed one on
        // the device's own network is local.
        d.party = if d.names.iter().any(|n| options.vendor_domains.iter().any(|v| under(n, v))) {
            "first".into()
        } else if !d.names.is_empty() {
            "third".into()
        } else if is_local(ip) {
            "local".into()
        } else {
            "unknown".into()
        };
        d.tracker =
            d.names.iter().find_map(|n| options.trackers.matches(n)).map(|(domain, list)| format!("{domain} ({list})"));
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(mask("admin:admin"), "a*********n");
        assert_eq!(mask("abc"), "***");
        assert!(under("a.b.vendor.example", "vendor.example") && !under("evilvendor.example", "vendor.example"));
    }
}
