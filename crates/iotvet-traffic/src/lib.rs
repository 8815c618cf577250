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
    CaptureInfo, Destination, DnsSeen, FlowSeen, Flows, HostSeen, SecretSeen, Skipped, TrafficSection,
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
    #[error("the flow inspector stopped unexpectedly (a bug: please report it with the capture)")]
    Inspector,
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

/// Secrets are masked as the login testers mask passwords.
pub use iotvet_core::logins::mask;

#[derive(Default)]
struct HostCount {
    mac: Option<[u8; 6]>,
    packets: u64,
    bytes: u64,
    flows: u64,
}

/// The senders of the latest packets, not yet added to the hosts table: a conversation's two
/// ends take turns, so a few senders are added up before one goes to the table (a lookup per
/// packet otherwise). The oldest makes room for a new one.
#[derive(Default)]
struct Senders {
    ends: [Option<(IpAddr, HostCount)>; 4],
    next: usize,
}

impl Senders {
    fn count(
        &mut self,
        ip: IpAddr,
        mac: Option<[u8; 6]>,
        bytes: u32,
        hosts: &mut HashMap<IpAddr, HostCount, ahash::RandomState>,
    ) {
        let at = match self.ends.iter().position(|e| e.as_ref().is_some_and(|(known, _)| *known == ip)) {
            Some(at) => at,
            None => {
                let at = self.next;
                self.next = (self.next + 1) % self.ends.len();
                if let Some(old) = self.ends.get_mut(at).and_then(Option::take) {
                    add_host(hosts, old);
                }
                if let Some(slot) = self.ends.get_mut(at) {
                    *slot = Some((ip, HostCount::default()));
                }
                at
            }
        };
        if let Some(Some((_, c))) = self.ends.get_mut(at) {
            c.mac = c.mac.or(mac);
            c.packets += 1;
            c.bytes += u64::from(bytes);
        }
    }

    fn flush(&mut self, hosts: &mut HashMap<IpAddr, HostCount, ahash::RandomState>) {
        for end in self.ends.iter_mut().filter_map(Option::take) {
            add_host(hosts, end);
        }
    }
}

fn add_host(hosts: &mut HashMap<IpAddr, HostCount, ahash::RandomState>, (ip, c): (IpAddr, HostCount)) {
    let h = hosts.entry(ip).or_default();
    h.mac = h.mac.or(c.mac);
    h.packets += c.packets;
    h.bytes += c.bytes;
}

/// Reads and analyses a capture file.
pub fn analyze(path: &Path, options: &Options) -> Result<TrafficSection, TrafficError> {
    let file = std::fs::File::open(path).map_err(read::ReadError::Open)?;
    analyze_reader(file, &path.display().to_string(), options)
}

/// Work for the inspector thread.
enum Job {
    /// A flow whose kept bytes are final (its buffers full, or it ended): inspected now, while it
    /// still counts packets.
    Inspect(usize, Box<flows::Flow>),
    /// A flow that is done, with its final counts (and its buffers, if not inspected yet).
    Close(usize, Box<flows::Flow>),
    /// A DNS message of a flow (its slot, the packet): read on the inspector's thread, in
    /// packet order with the flows' jobs, so the reader only copies it.
    Dns(usize, u64, Vec<u8>),
}

/// Jobs handed over at once (one wake-up of the inspector per batch, not per flow): a batch
/// goes when it has this many flows or holds this many bytes of their buffers.
const BATCH: usize = 512;
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight between the reader and the inspector. Flows end in bursts (an idle sweep
/// ends thousands at once), and the queue lets the reader go on meanwhile; it holds at most
/// 32 × (1 MiB + a flow's two stream caps) of buffers.
const BATCHES_IN_FLIGHT: usize = 32;
/// Live flows at most: past it, the half idle the longest end early (each counted in the
/// capture's skipped list), so a flood of new flows cannot exhaust memory.
const LIVE_CAP: usize = 1 << 17;
const EVICTED: &str = "a flow ended early: more than 131,072 flows were live at once (memory bound)";
/// Secrets kept (the first ones; a capture of a chatty device can hold millions).
const SECRETS_CAP: usize = 10_000;

/// ip -> names from DNS answers, in the order met (the first is the one a flow is named by).
type DnsNames = HashMap<IpAddr, Vec<String>, ahash::RandomState>;

/// What the inspector thread gathers from the flows it is handed.
#[derive(Default)]
struct Gathered {
    /// The flows kept (the device's, or all), in the order they were done.
    flows: Flows,
    /// Flows that may need a fix-up once the whole capture is read, by index in `flows`:
    /// those whose server had no name when inspected (a DNS answer later in the capture may
    /// name it), with the server's address; those not recognised (an FTP control flow done
    /// later may have announced them as its data connection).
    /// Unknown flows are kept with a hash of each end (a match is checked on the flow itself).
    unnamed: Vec<(u32, IpAddr)>,
    unknown: Vec<(u32, [u64; 2])>,
    /// host (IP or MAC) -> "name (how)"
    names: HashMap<String, Vec<(u64, String)>>,
    /// FTP data connections announced on control flows: end -> (encrypted, packet).
    announced: HashMap<(IpAddr, u16), (bool, u64)>,
    secrets: Vec<SecretSeen>,
    /// Names from DNS answers, by address.
    dns_names: DnsNames,
}

impl Gathered {
    fn add(&mut self, flow: &flows::Flow, mut i: inspect::Inspected, device: Option<&Device>, show: bool) {
        // A host's names in the order the capture gave them (flows are done in another order):
        // the eight first met, each with the first packet of its flow.
        let at = i.flow.first_packet;
        for (who, name, how) in &i.names {
            let e = self.names.entry(who.clone()).or_default();
            let label = format!("{name} ({how})");
            if let Some(known) = e.iter_mut().find(|(_, l)| *l == label) {
                known.0 = known.0.min(at);
            } else if e.len() < 8 {
                e.push((at, label));
            } else if let Some(last) = e.iter_mut().max_by_key(|(p, _)| *p).filter(|(p, _)| *p > at) {
                *last = (at, label);
            }
        }
        let encrypted = i.flow.encrypted == Some(true);
        for end in &i.data_channels {
            self.announced.entry(*end).or_insert((encrypted, i.flow.first_packet));
        }
        if let Some(device) = device {
            let involves = match device {
                Device::Ip(ip) => flow.client.ip() == *ip || flow.server.ip() == *ip,
                Device::Mac(mac) => flow.client_mac == Some(*mac) || flow.server_mac == Some(*mac),
            };
            if !involves {
                return;
            }
            for f in i.found.iter().take(SECRETS_CAP.saturating_sub(self.secrets.len())) {
                self.secrets.push(SecretSeen {
                    kind: f.kind.to_owned(),
                    place: format!("{} {} → {}", i.flow.protocol, i.flow.client, i.flow.server),
                    packet: f.packet,
                    value: if show { f.value.clone() } else { mask(&f.value) },
                    how: f.how.clone(),
                });
            }
        }
        let index = u32::try_from(self.flows.len()).unwrap_or(u32::MAX);
        if i.flow.server_name.is_none() {
            let ip = flow.server.ip();
            // The first name an address got never changes, so naming it now or at the end of
            // the capture gives the same name.
            i.flow.server_name = self.dns_names.get(&ip).and_then(|n| n.first().cloned());
            if i.flow.server_name.is_none() {
                self.unnamed.push((index, ip));
            }
        }
        if i.flow.protocol == "unknown" {
            self.unknown.push((index, [end_hash(flow.client), end_hash(flow.server)]));
        }
        self.flows.push(&i.flow);
    }
}

/// What the inspector hands the recorder, in the order of the reader's jobs. Unboxed: records
/// travel in batches of a few hundred, moved once; a box per flow would cost more than the
/// slack of the smaller variant.
#[allow(clippy::large_enum_variant)]
enum Record {
    /// A flow done: its final counts (buffers gone back to the reader) and its inspection.
    Done(usize, Box<flows::Flow>, inspect::Inspected),
    Dns(usize, u64, Vec<u8>),
}

/// The inspector thread: recognises and describes each flow it is handed while the reader goes
/// on with the next packets, and hands what it made to the recorder.
fn inspector(
    jobs: std::sync::mpsc::Receiver<Vec<Job>>,
    give_back: std::sync::mpsc::Sender<Vec<Vec<u8>>>,
    records: std::sync::mpsc::SyncSender<Vec<Record>>,
) {
    let mut certs = inspect::Certs::default();
    // Flows inspected, waiting for their last packets to be counted.
    let mut inspected: HashMap<usize, inspect::Inspected, ahash::RandomState> = HashMap::default();
    for batch in jobs {
        // The stream buffers go back to the reader for new flows.
        let mut buffers = Vec::new();
        let mut out = Vec::with_capacity(batch.len());
        for job in batch {
            match job {
                Job::Dns(slot, packet, payload) => out.push(Record::Dns(slot, packet, payload)),
                Job::Inspect(slot, mut flow) => {
                    inspected.insert(slot, inspect::inspect(&flow, &mut certs));
                    buffers.push(std::mem::take(&mut flow.to_server.stream));
                    buffers.push(std::mem::take(&mut flow.to_client.stream));
                }
                Job::Close(slot, mut flow) => {
                    let i = finish(&flow, inspected.remove(&slot), &mut certs);
                    buffers.push(std::mem::take(&mut flow.to_server.stream));
                    buffers.push(std::mem::take(&mut flow.to_client.stream));
                    out.push(Record::Done(slot, flow, i));
                }
            }
        }
        buffers.retain(|b| b.capacity() >= 4096);
        let _ = give_back.send(buffers);
        if records.send(out).is_err() {
            return;
        }
    }
}

/// The recorder thread: reads DNS messages (the names of addresses) and keeps each flow done, in
/// order. A third stage rather than the inspector's own work: on two cores the three threads
/// share the time as the load falls, where two fixed halves left one core waiting on the other.
fn recorder(records: std::sync::mpsc::Receiver<Vec<Record>>, device: Option<&Device>, show_secrets: bool) -> Gathered {
    let mut gathered = Gathered::default();
    // The DNS messages of flows not done yet, by slot.
    let mut dns_of: HashMap<usize, Vec<DnsSeen>, ahash::RandomState> = HashMap::default();
    for batch in records {
        for record in batch {
            match record {
                Record::Dns(slot, packet, payload) => {
                    read_dns(&payload, packet, dns_of.entry(slot).or_default(), &mut gathered.dns_names);
                }
                Record::Done(slot, flow, mut i) => {
                    i.flow.dns = dns_of.remove(&slot).unwrap_or_default();
                    gathered.add(&flow, i, device, show_secrets);
                }
            }
        }
    }
    gathered
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
    let mut hosts: HashMap<IpAddr, HostCount, ahash::RandomState> = HashMap::default();
    let mut senders = Senders::default();
    let (mut packets, mut bytes, mut first_time, mut last_time) = (0u64, 0u64, None::<f64>, 0f64);
    let (mut clock, mut last_sweep, mut last_sweep_packet) = (f64::MIN, f64::MIN, 0u64);

    let (jobs, inbox) = std::sync::mpsc::sync_channel::<Vec<Job>>(BATCHES_IN_FLIGHT);
    let (give_back, given_back) = std::sync::mpsc::channel::<Vec<Vec<u8>>>();
    let gathered = std::thread::scope(|scope| -> Result<Gathered, TrafficError> {
        let device = device.as_ref();
        let (records, records_inbox) = std::sync::mpsc::sync_channel::<Vec<Record>>(BATCHES_IN_FLIGHT);
        let inspecting = scope.spawn(move || inspector(inbox, give_back, records));
        let worker = scope.spawn(move || recorder(records_inbox, device, options.show_secrets));
        let mut batch: Vec<Job> = Vec::with_capacity(BATCH);
        let mut batch_bytes = 0usize;
        // A send fails only if the inspector stopped; its join below reports why.
        let send = |batch: &mut Vec<Job>, batch_bytes: &mut usize| {
            let _ = jobs.send(std::mem::replace(batch, Vec::with_capacity(BATCH)));
            *batch_bytes = 0;
        };
        let push = |batch: &mut Vec<Job>, batch_bytes: &mut usize, job: Job| {
            *batch_bytes += match &job {
                Job::Inspect(_, f) | Job::Close(_, f) => f.kept_bytes(),
                Job::Dns(_, _, d) => d.len(),
            };
            batch.push(job);
            if batch.len() >= BATCH || *batch_bytes >= BATCH_BYTES {
                send(batch, batch_bytes);
            }
        };
        let read = read::for_each_packet(file, &mut stats, |p, stats| {
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
            senders.count(d.src, d.src_mac, p.wire_len, &mut hosts);
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
            // Before this packet joins a flow: every 30 s of capture time, flows idle past their
            // timeout end too. The clock is the latest time seen (a capture whose clock jumps
            // back does not stop it). A sweep walks the live flows, so it also waits for as
            // many packets as a quarter of them: its cost per packet stays constant however
            // the clock jumps. Past LIVE_CAP live flows, the longest idle half ends early.
            clock = clock.max(p.time);
            if clock - last_sweep > 30.0 && p.number - last_sweep_packet >= (table.live() / 4) as u64 {
                table.end_idle(clock);
                last_sweep = clock;
                last_sweep_packet = p.number;
            }
            if table.live() >= LIVE_CAP {
                for _ in 0..table.evict_oldest(LIVE_CAP / 2) {
                    stats.skip(EVICTED, p.number);
                }
            }
            if let flows::Added::Live(slot) = table.add(&seg) {
                if let Some(Some(flow)) = table.flows.get_mut(slot) {
                    if flow.packets == 1 {
                        for ip in [d.src, d.dst] {
                            hosts.entry(ip).or_default().flows += 1;
                        }
                    }
                    // DNS answers are read as they come: they name the addresses the device
                    // talks to.
                    if udp && [53, 5353].iter().any(|p| *p == src_port || *p == dst_port) && !payload.is_empty() {
                        push(&mut batch, &mut batch_bytes, Job::Dns(slot, p.number, payload.to_vec()));
                    }
                    if flow.ready() {
                        push(&mut batch, &mut batch_bytes, Job::Inspect(slot, Box::new(flow.settle())));
                    }
                }
            }
            // Flows that ended hand their buffers over; flows done go with their counts.
            for slot in std::mem::take(&mut table.ended) {
                if let Some(Some(flow)) = table.flows.get_mut(slot) {
                    if !flow.settled {
                        push(&mut batch, &mut batch_bytes, Job::Inspect(slot, Box::new(flow.settle())));
                    }
                }
            }
            for slot in std::mem::take(&mut table.retired) {
                if let Some(flow) = table.flows.get_mut(slot).and_then(Option::take) {
                    push(&mut batch, &mut batch_bytes, Job::Close(slot, flow));
                }
            }
            if p.number.is_multiple_of(1024) {
                for buffers in given_back.try_iter() {
                    table.give_back(buffers);
                }
            }
        });
        senders.flush(&mut hosts);
        for (slot, flow) in table.drain() {
            push(&mut batch, &mut batch_bytes, Job::Close(slot, flow));
        }
        send(&mut batch, &mut batch_bytes);
        drop(jobs);
        inspecting.join().map_err(|_| TrafficError::Inspector)?;
        let gathered = worker.join().map_err(|_| TrafficError::Inspector)?;
        read?;
        Ok(gathered)
    })?;

    // The device: its IPs.
    let device_ips: Option<BTreeSet<IpAddr>> = device.as_ref().map(|d| match d {
        Device::Ip(ip) => BTreeSet::from([*ip]),
        Device::Mac(mac) => hosts.iter().filter(|(_, h)| h.mac == Some(*mac)).map(|(ip, _)| *ip).collect(),
    });
    // The fix-ups that need the whole capture (servers named by later DNS answers, FTP data
    // connections), then the device's destinations. A flow no fix-up changes is copied as it is
    // kept, without decoding it.
    let Gathered { flows: kept, unnamed, unknown, names: host_names, announced, secrets, dns_names } = gathered;
    // Servers named by a DNS answer met after their flow was done.
    let mut kept = kept;
    for (index, ip) in unnamed {
        if let Some(name) = dns_names.get(&ip).and_then(|n| n.first()) {
            kept.name_server(index as usize, name.clone());
        }
    }
    // With a device every flow is read again for its destinations; without, only those an FTP
    // control flow may have announced as its data connection.
    let changed: Vec<usize> = match device_ips {
        Some(_) => (0..kept.len()).collect(),
        None if announced.is_empty() => vec![],
        None => {
            let ends: std::collections::HashSet<u64> =
                announced.keys().map(|(ip, port)| end_hash(SocketAddr::new(*ip, *port))).collect();
            unknown.iter().filter(|(_, h)| h.iter().any(|h| ends.contains(h))).map(|(i, _)| *i as usize).collect()
        }
    };
    drop(unknown);
    let mut destinations = Destinations::default();
    let flows_out = kept.rewrite(&changed, |mut f| {
        let (client, server) = (f.client.parse::<SocketAddr>().ok(), f.server.parse::<SocketAddr>().ok());
        if f.protocol == "unknown" {
            let ends = [server, client].into_iter().flatten().map(|a| (a.ip(), a.port()));
            if let Some((encrypted, control)) = ends.into_iter().find_map(|e| announced.get(&e)) {
                f.protocol = "ftp-data".into();
                f.encrypted = Some(*encrypted);
                f.identified_by = format!("FTP data connection announced on the control flow of packet {control}");
                f.entropy = None;
            }
        }
        if let (Some(ips), Some(c), Some(s)) = (&device_ips, client, server) {
            destinations.add(&f, c, s, ips, &dns_names);
        }
        f
    });

    // Hosts, grouped by MAC where one is known; each one's names in the order the capture gave
    // them (by the first packet of the flow that told them).
    let mut by_mac: BTreeMap<String, HostSeen> = BTreeMap::new();
    let mut named: HashMap<String, Vec<(u64, String)>> = HashMap::new();
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
        let names = named.entry(e.mac.clone().unwrap_or_else(|| ip.to_string())).or_default();
        for who in [Some(ip.to_string()), e.mac.clone()].into_iter().flatten() {
            names.extend(host_names.get(&who).into_iter().flatten().cloned());
        }
    }
    for (key, host) in &mut by_mac {
        let mut names = named.remove(key).unwrap_or_default();
        names.sort();
        for (_, n) in names {
            if !host.names.contains(&n) {
                host.names.push(n);
            }
        }
    }
    let mut devices: Vec<HostSeen> = by_mac.into_values().filter(|h| h.packets > 0).collect();
    for d in &mut devices {
        d.ips.sort();
    }
    devices.sort_by_key(|d| std::cmp::Reverse(d.packets));

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
        destinations: if device_ips.is_some() { destinations.finish(options) } else { vec![] },
        secrets,
        vendor_domains: options.vendor_domains.clone(),
        tracker_list: (!options.trackers.is_empty())
            .then(|| format!("{} ({} domains)", options.trackers.name, options.trackers.len())),
    })
}

/// A hash of a flow's end, to find the flows an FTP control flow announced without keeping
/// their addresses.
fn end_hash(end: SocketAddr) -> u64 {
    // Fixed seeds: the same end hashes alike in every part of one run (SipHash was a tenth of
    // a percent per flow more).
    ahash::RandomState::with_seeds(0x696f_7476, 0x6574, 0x656e_6473, 0x0066_7470).hash_one(end)
}

/// A DNS message of a flow: its answers name addresses (`dns_names`), and the flow keeps its
/// questions and answers (`seen`, 64 at most).
fn read_dns(payload: &[u8], packet: u64, seen: &mut Vec<DnsSeen>, dns_names: &mut DnsNames) {
    use iotvet_wire::dns::{self, RData};
    let Some(m) = dns::parse(payload) else { return };
    let qname = m.questions.first().map(|(n, _)| n.clone());
    for r in &m.answers {
        let ip = match r.data {
            RData::A(ip) => IpAddr::V4(ip),
            RData::Aaaa(ip) => IpAddr::V6(ip),
            _ => continue,
        };
        let name = qname.clone().unwrap_or_else(|| r.name.clone());
        let names = dns_names.entry(ip).or_default();
        if !names.contains(&name) && names.len() < 8 {
            names.push(name);
        }
    }
    let Some((name, kind)) = m.questions.first() else { return };
    if seen.len() >= 64 || (!m.response && seen.iter().any(|x| &x.name == name)) {
        return;
    }
    let answers = if m.response {
        m.answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::A(ip) => Some(hosts::ip_text(IpAddr::V4(*ip))),
                RData::Aaaa(ip) => Some(hosts::ip_text(IpAddr::V6(*ip))),
                RData::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    } else {
        vec![]
    };
    seen.push(DnsSeen { packet, name: name.clone(), kind: dns::type_name(*kind), answers });
}

/// A flow's inspection: the early one with the final counts, or one made now.
fn finish(flow: &flows::Flow, early: Option<inspect::Inspected>, certs: &mut inspect::Certs) -> inspect::Inspected {
    match early {
        Some(mut i) => {
            i.flow.packets = flow.packets;
            i.flow.bytes = flow.bytes;
            i.flow.payload_bytes = flow.payload_bytes;
            i.flow.last_packet = flow.last;
            i
        }
        None => inspect::inspect(flow, certs),
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

/// The remote parties of the device's flows, gathered flow by flow.
#[derive(Default)]
struct Destinations(BTreeMap<IpAddr, Destination>);

impl Destinations {
    fn add(
        &mut self,
        f: &FlowSeen,
        client: SocketAddr,
        server: SocketAddr,
        device: &BTreeSet<IpAddr>,
        dns_names: &DnsNames,
    ) {
        let remote = if device.contains(&client.ip()) { server.ip() } else { client.ip() };
        if device.contains(&remote) {
            return;
        }
        let d = self.0.entry(remote).or_insert_with(|| Destination {
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
            if !d.names.contains(n) && d.names.len() < 16 {
                d.names.push(n.clone());
            }
        }
    }

    fn finish(mut self, options: &Options) -> Vec<Destination> {
        for (ip, d) in &mut self.0 {
            // A named destination is judged by its name (first or third party); an unnamed one
            // on the device's own network is local.
            d.party = if d.names.iter().any(|n| options.vendor_domains.iter().any(|v| under(n, v))) {
                "first".into()
            } else if !d.names.is_empty() {
                "third".into()
            } else if is_local(ip) {
                "local".into()
            } else {
                "unknown".into()
            };
            d.tracker = d
                .names
                .iter()
                .find_map(|n| options.trackers.matches(n))
                .map(|(domain, list)| format!("{domain} ({list})"));
        }
        self.0.into_values().collect()
    }
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
