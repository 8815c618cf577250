//! Reading a capture as a stream of packets: pcap (micro- or nanosecond timestamps, either byte
//! order) and pcapng (several interfaces, each with its link type and timestamp resolution),
//! with `pcap-parser`'s circular buffer, so memory does not grow with the file. A truncated last
//! packet, a snap-length cut or a bogus length is counted and skipped, never fatal.

use std::io::Read;

use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{Block, Linktype, PcapBlockOwned, PcapError};

/// The buffer a block must fit in; grown up to `MAX_BLOCK` for jumbo frames.
const BUFFER: usize = 1 << 20;
const MAX_BLOCK: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot open the capture: {0}")]
    Open(#[from] std::io::Error),
    #[error("not a pcap or pcapng capture ({0})")]
    NotACapture(String),
}

/// One packet as captured.
pub struct Packet<'a> {
    /// 1-based, as Wireshark numbers them.
    pub number: u64,
    /// Seconds since the epoch.
    pub time: f64,
    pub link_type: i32,
    pub data: &'a [u8],
    /// The length on the wire (more than `data` when the snap length cut it).
    pub wire_len: u32,
}

/// What the reader met besides packets.
#[derive(Debug, Default)]
pub struct ReadStats {
    pub format: &'static str,
    /// (reason, count, first packet number)
    pub skipped: Vec<(String, u64, u64)>,
    pub link_types: Vec<i32>,
}

impl ReadStats {
    pub fn skip(&mut self, reason: &str, packet: u64) {
        match self.skipped.iter_mut().find(|(r, _, _)| r == reason) {
            Some((_, n, _)) => *n += 1,
            None => self.skipped.push((reason.to_owned(), 1, packet)),
        }
    }
}

struct Interface {
    link_type: i32,
    /// Ticks per second of the timestamps.
    resolution: u64,
    offset: u64,
}

/// Calls `each` for every packet of the capture, in file order.
pub fn for_each_packet<R: Read + Send + 'static>(
    input: R,
    stats: &mut ReadStats,
    mut each: impl FnMut(&Packet<'_>, &mut ReadStats),
) -> Result<(), ReadError> {
    let mut reader = pcap_parser::create_reader(BUFFER, input).map_err(|e| ReadError::NotACapture(e.to_string()))?;
    let mut number = 0u64;
    let mut legacy: Option<(i32, u64)> = None;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut capacity = BUFFER;
    let mut stalled_at: Option<usize> = None;
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        stats.format = "pcap";
                        let resolution = if h.is_nanosecond_precision() { 1_000_000_000 } else { 1_000_000 };
                        legacy = Some((h.network.0, resolution));
                        note_link(stats, h.network.0);
                    }
                    PcapBlockOwned::Legacy(b) => {
                        number += 1;
                        let (link_type, resolution) = legacy.unwrap_or((Linktype::ETHERNET.0, 1_000_000));
                        let time = f64::from(b.ts_sec) + f64::from(b.ts_usec) / resolution as f64;
                        let data = b.data.get(..(b.caplen as usize).min(b.data.len())).unwrap_or_default();
                        each(&Packet { number, time, link_type, data, wire_len: b.origlen }, stats);
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        stats.format = "pcapng";
                        interfaces.clear();
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        note_link(stats, idb.linktype.0);
                        interfaces.push(Interface {
                            link_type: idb.linktype.0,
                            resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                            offset: idb.ts_offset() as u64,
                        });
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        number += 1;
                        match interfaces.get(epb.if_id as usize) {
                            Some(i) => {
                                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                                let time = i.offset as f64 + ticks as f64 / i.resolution as f64;
                                let data = epb.packet_data();
                                each(
                                    &Packet { number, time, link_type: i.link_type, data, wire_len: epb.orig_len() },
                                    stats,
                                );
                            }
                            None => stats.skip("packet of an interface the capture does not describe", number),
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        number += 1;
                        match interfaces.first() {
                            Some(i) => {
                                let data = spb.packet_data();
                                each(
                                    &Packet {
                                        number,
                                        time: 0.0,
                                        link_type: i.link_type,
                                        data,
                                        wire_len: spb.orig_len(),
                                    },
                                    stats,
                                );
                            }
                            None => stats.skip("packet of an interface the capture does not describe", number),
                        }
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                reader.consume(offset);
                stalled_at = None;
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.reader_exhausted() {
                    // The file ends inside a block: the last packet was cut short.
                    stats.skip("the capture ends inside a packet (truncated file)", number + 1);
                    break;
                }
                // Incomplete twice at the same place: the refilled buffer still cannot hold the
                // block; grow it, within reason.
                if stalled_at == Some(reader.consumed()) {
                    capacity *= 2;
                    if capacity > MAX_BLOCK || !reader.grow(capacity) {
                        stats.skip("a block longer than 16 MiB (bogus length)", number + 1);
                        break;
                    }
                }
                stalled_at = Some(reader.consumed());
                if reader.refill().is_err() {
                    stats.skip("the capture could not be read further", number + 1);
                    break;
                }
                continue;
            }
            Err(e) => {
                if number == 0 && stats.format.is_empty() {
                    return Err(ReadError::NotACapture(e.to_string()));
                }
                let reason = match e {
                    PcapError::UnexpectedEof => "the capture ends inside a packet (truncated file)".to_owned(),
                    PcapError::ReadError => "the capture could not be read further (read error)".to_owned(),
                    e => format!("a block that does not parse ({e})"),
                };
                stats.skip(&reason, number + 1);
                break;
            }
        }
    }
    Ok(())
}

fn note_link(stats: &mut ReadStats, link: i32) {
    if !stats.link_types.contains(&link) {
        stats.link_types.push(link);
    }
}

/// The name of a link type (tcpdump's LINKTYPE_ values).
pub fn link_name(link: i32) -> String {
    match link {
        0 => "null".into(),
        1 => "ethernet".into(),
        101 => "raw".into(),
        108 => "loop".into(),
        113 => "linux-sll".into(),
        228 => "ipv4".into(),
        229 => "ipv6".into(),
        276 => "linux-sll2".into(),
        other => format!("linktype {other}"),
    }
}
