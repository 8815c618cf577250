//! The flow table: one entry per TCP connection or UDP conversation, keyed by its two ends.
//! TCP payload is put back in sequence order per direction (retransmissions dropped, segments
//! that arrive early held, a few per side), up to a cap per side — enough for handshakes and
//! request heads that span segments, never the whole stream. UDP keeps its first datagrams.

use std::collections::HashMap;
use std::net::SocketAddr;

/// Bytes kept per direction of a TCP flow (handshakes, certificates, request heads).
pub const STREAM_CAP: usize = 32 * 1024;
/// Out-of-order segments held per direction.
const PENDING_CAP: usize = 16;
/// Datagrams kept per direction of a UDP flow (each cut to DATAGRAM_CAP).
pub const DATAGRAMS: usize = 8;
const DATAGRAM_CAP: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    lo: SocketAddr,
    hi: SocketAddr,
    udp: bool,
}

impl Key {
    pub fn new(a: SocketAddr, b: SocketAddr, udp: bool) -> Self {
        if a <= b {
            Self { lo: a, hi: b, udp }
        } else {
            Self { lo: b, hi: a, udp }
        }
    }
}

/// One direction of a flow.
#[derive(Debug, Default)]
pub struct Side {
    /// TCP: the next sequence number expected; None before the first segment.
    next: Option<u32>,
    /// TCP: the bytes in order, up to STREAM_CAP.
    pub stream: Vec<u8>,
    /// TCP: (packet number, offset in `stream`) of each segment, to name packets as evidence.
    pub marks: Vec<(u64, usize)>,
    pending: Vec<(u32, u64, Vec<u8>)>,
    /// UDP: the first datagrams with their packet numbers.
    pub datagrams: Vec<(u64, Vec<u8>)>,
    pub fin: bool,
    /// Bytes that did not fit (the cap) or were never seen (a gap).
    pub lost: bool,
}

impl Side {
    /// The packet whose bytes include stream offset `at`.
    pub fn packet_at(&self, at: usize) -> u64 {
        self.marks.iter().rev().find(|(_, o)| *o <= at).map_or(0, |(p, _)| *p)
    }

    fn push_tcp(&mut self, seq: u32, syn: bool, payload: &[u8], packet: u64) {
        let seq = if syn { seq.wrapping_add(1) } else { seq };
        let next = *self.next.get_or_insert(seq);
        if payload.is_empty() {
            return;
        }
        let offset = seq.wrapping_sub(next) as i32;
        if offset < 0 {
            // A retransmission, or an overlap: keep only what is new.
            let skip = offset.unsigned_abs() as usize;
            if skip >= payload.len() {
                return;
            }
            return self.push_tcp(next, false, payload.get(skip..).unwrap_or_default(), packet);
        }
        if offset > 0 {
            if self.pending.len() < PENDING_CAP && self.stream.len() < STREAM_CAP {
                self.pending.push((seq, packet, payload.to_vec()));
            } else {
                self.lost = true;
            }
            return;
        }
        self.append(payload, packet);
        self.next = Some(next.wrapping_add(payload.len() as u32));
        // Segments that were early may fit now.
        while let Some(i) =
            self.pending.iter().position(|(s, _, _)| self.next.is_some_and(|n| s.wrapping_sub(n) as i32 <= 0))
        {
            let (s, p, bytes) = self.pending.swap_remove(i);
            let n = self.next.unwrap_or(s);
            let skip = n.wrapping_sub(s) as usize;
            if let Some(rest) = bytes.get(skip..).filter(|r| !r.is_empty()) {
                self.append(rest, p);
                self.next = Some(n.wrapping_add(rest.len() as u32));
            }
        }
    }

    fn append(&mut self, payload: &[u8], packet: u64) {
        let room = STREAM_CAP.saturating_sub(self.stream.len());
        if room == 0 {
            self.lost = true;
            return;
        }
        self.marks.push((packet, self.stream.len()));
        self.stream.extend_from_slice(payload.get(..room.min(payload.len())).unwrap_or_default());
        if payload.len() > room {
            self.lost = true;
        }
    }

    fn push_udp(&mut self, payload: &[u8], packet: u64) {
        if self.datagrams.len() < DATAGRAMS {
            self.datagrams.push((packet, payload.get(..payload.len().min(DATAGRAM_CAP)).unwrap_or_default().to_vec()));
        } else {
            self.lost = true;
        }
    }

    /// Hands what was kept over for inspection (early segments still waiting are dropped);
    /// the side keeps its flags.
    fn hand_over(&mut self) -> Side {
        self.pending = Vec::new();
        Side {
            next: self.next,
            stream: std::mem::take(&mut self.stream),
            marks: std::mem::take(&mut self.marks),
            pending: Vec::new(),
            datagrams: std::mem::take(&mut self.datagrams),
            fin: self.fin,
            lost: self.lost,
        }
    }
}

/// A flow being collected.
#[derive(Debug)]
pub struct Flow {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub udp: bool,
    pub client_mac: Option<[u8; 6]>,
    pub server_mac: Option<[u8; 6]>,
    pub packets: u64,
    pub bytes: u64,
    pub payload_bytes: u64,
    pub first: u64,
    pub last: u64,
    pub to_server: Side,
    pub to_client: Side,
    pub rst: bool,
    /// Inspected already (its buffers freed): later packets are only counted.
    pub settled: bool,
    /// Capture time of the last packet (seconds).
    pub last_time: f64,
}

/// A flow idle this long (capture seconds) has ended, as Zeek's inactivity timeouts have it:
/// five minutes for TCP, one for UDP. A later packet starts a new flow.
const TCP_IDLE: f64 = 300.0;
const UDP_IDLE: f64 = 60.0;

/// Packets after which a flow is inspected and its buffers freed, whatever it carried.
const SETTLE_PACKETS: u64 = 48;

impl Flow {
    /// Whether enough is kept to inspect the flow now and free its buffers: for TCP both
    /// directions full or stopped, or 48 packets; for UDP the datagrams kept, or 48 packets.
    /// Memory then follows the flows still opening, not every flow of the capture.
    pub fn ready(&self) -> bool {
        if self.settled {
            return false;
        }
        if self.packets >= SETTLE_PACKETS {
            return true;
        }
        let full = |s: &Side| s.lost || s.stream.len() >= STREAM_CAP;
        if self.udp {
            self.to_server.datagrams.len() >= DATAGRAMS && self.to_client.datagrams.len() >= DATAGRAMS
        } else {
            full(&self.to_server) && full(&self.to_client)
        }
    }

    /// Bytes held in its buffers.
    pub fn kept_bytes(&self) -> usize {
        [&self.to_server, &self.to_client]
            .iter()
            .map(|s| s.stream.capacity() + s.datagrams.iter().map(|(_, d)| d.capacity()).sum::<usize>())
            .sum()
    }

    /// Hands over what was kept for inspection (a copy of the flow with its buffers) and goes on
    /// only counting packets.
    pub fn settle(&mut self) -> Flow {
        self.settled = true;
        Flow {
            client: self.client,
            server: self.server,
            udp: self.udp,
            client_mac: self.client_mac,
            server_mac: self.server_mac,
            packets: self.packets,
            bytes: self.bytes,
            payload_bytes: self.payload_bytes,
            first: self.first,
            last: self.last,
            to_server: self.to_server.hand_over(),
            to_client: self.to_client.hand_over(),
            rst: self.rst,
            settled: true,
            last_time: self.last_time,
        }
    }
}

/// Ports whose owner is the server whichever side spoke first (a capture that starts mid-flow).
fn well_known(port: u16) -> bool {
    port < 1024 || matches!(port, 1883 | 1900 | 5353 | 5683 | 5684 | 8883)
}

/// TCP flows that ended (FIN both ways, or RST) stay this many more flows, counting the last
/// ACKs and retransmissions that follow their end, so these are not new flows.
const CLOSED_CAP: usize = 16_384;

/// Where a packet went.
pub enum Added {
    /// Into a live flow (its slot).
    Live(usize),
    /// A straggler of a TCP flow that has ended (its slot); counted, not reassembled.
    Late(usize),
}

/// The flows of a capture as packets come. A flow's life: live (its buffers fill), ended (FIN
/// both ways or RST: listed in `ended`, so its buffers can be handed over; it still counts
/// stragglers), retired (listed in `retired`: its slot can be taken, nothing more joins it).
/// Flows idle past their timeout are retired at once: a later packet starts a new flow.
#[derive(Default)]
pub struct Table {
    index: HashMap<Key, usize, ahash::RandomState>,
    closed: HashMap<Key, usize, ahash::RandomState>,
    closed_order: std::collections::VecDeque<(Key, usize)>,
    /// Boxed: a retired flow's slot costs a pointer, not a flow.
    pub flows: Vec<Option<Box<Flow>>>,
    /// Flows that ended by FIN or RST since the caller last looked.
    pub ended: Vec<usize>,
    /// Flows done since the caller last looked: their slots can be taken.
    pub retired: Vec<usize>,
    /// Stream buffers given back after inspection, for new flows: a buffer allocated here and
    /// freed on the inspector's thread otherwise makes the allocator fetch fresh pages, and
    /// zeroing them was a tenth of the reader's time. At most SPARE_BYTES kept.
    spare: Vec<Vec<u8>>,
    spare_bytes: usize,
}

const SPARE_BYTES: usize = 8 << 20;

/// One packet's share of a flow.
pub struct Segment<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub udp: bool,
    pub src_mac: Option<[u8; 6]>,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
    pub wire_len: u64,
    pub packet: u64,
    pub time: f64,
}

impl Table {
    /// Adds a packet.
    pub fn add(&mut self, s: &Segment<'_>) -> Added {
        let key = Key::new(s.src, s.dst, s.udp);
        let live = self.index.get(&key).copied();
        if live.is_none() && !s.syn {
            if let Some(&slot) = self.closed.get(&key) {
                if let Some(Some(flow)) = self.flows.get_mut(slot) {
                    flow.packets += 1;
                    flow.bytes += s.wire_len;
                    flow.payload_bytes += s.payload.len() as u64;
                    flow.last = s.packet;
                    flow.last_time = flow.last_time.max(s.time);
                }
                return Added::Late(slot);
            }
        }
        let slot = match live {
            Some(i) if self.flows.get(i).is_some_and(Option::is_some) => i,
            _ => {
                // Who is the client: the SYN's sender; else a well-known port's peer; else the
                // first to speak.
                let src_is_client = if s.syn && !s.ack {
                    true
                } else if s.syn && s.ack {
                    false
                } else {
                    !well_known(s.src.port()) || well_known(s.dst.port())
                };
                let (client, server) = if src_is_client { (s.src, s.dst) } else { (s.dst, s.src) };
                self.flows.push(Some(Box::new(Flow {
                    client,
                    server,
                    udp: s.udp,
                    client_mac: None,
                    server_mac: None,
                    packets: 0,
                    bytes: 0,
                    payload_bytes: 0,
                    first: s.packet,
                    last: s.packet,
                    to_server: Side::default(),
                    to_client: Side::default(),
                    rst: false,
                    settled: false,
                    last_time: s.time,
                })));
                let i = self.flows.len() - 1;
                self.index.insert(key, i);
                i
            }
        };
        let Some(Some(flow)) = self.flows.get_mut(slot) else { return Added::Live(slot) };
        flow.packets += 1;
        flow.last_time = flow.last_time.max(s.time);
        flow.bytes += s.wire_len;
        flow.payload_bytes += s.payload.len() as u64;
        flow.last = s.packet;
        let from_client = s.src == flow.client;
        if from_client {
            flow.client_mac = flow.client_mac.or(s.src_mac);
        } else {
            flow.server_mac = flow.server_mac.or(s.src_mac);
        }
        let settled = flow.settled;
        let side = if from_client { &mut flow.to_server } else { &mut flow.to_client };
        if s.udp {
            if !s.payload.is_empty() && !settled {
                side.push_udp(s.payload, s.packet);
            }
        } else {
            if !settled {
                if side.stream.capacity() == 0 && !s.payload.is_empty() {
                    if let Some(buffer) = self.spare.pop() {
                        self.spare_bytes -= buffer.capacity();
                        side.stream = buffer;
                    }
                }
                side.push_tcp(s.seq, s.syn, s.payload, s.packet);
            }
            side.fin |= s.fin;
            flow.rst |= s.rst;
            if flow.rst || (flow.to_server.fin && flow.to_client.fin) {
                self.index.remove(&key);
                self.ended.push(slot);
                self.closed.insert(key, slot);
                self.closed_order.push_back((key, slot));
                if self.closed_order.len() > CLOSED_CAP {
                    if let Some((old, old_slot)) = self.closed_order.pop_front() {
                        if self.closed.get(&old) == Some(&old_slot) {
                            self.closed.remove(&old);
                        }
                        self.retired.push(old_slot);
                    }
                }
            }
        }
        Added::Live(slot)
    }

    /// Takes stream buffers back for new flows (emptied; small ones and those past the cap
    /// are dropped).
    pub fn give_back(&mut self, buffers: impl IntoIterator<Item = Vec<u8>>) {
        for mut buffer in buffers {
            if buffer.capacity() >= 4096 && self.spare_bytes + buffer.capacity() <= SPARE_BYTES {
                buffer.clear();
                self.spare_bytes += buffer.capacity();
                self.spare.push(buffer);
            }
        }
    }

    pub fn live(&self) -> usize {
        self.index.len()
    }

    /// Retires the flows idle past their timeout at capture time `now`, in the order they began
    /// (the index is a hash map: its order changes from run to run, the output must not).
    pub fn end_idle(&mut self, now: f64) {
        let flows = &self.flows;
        let mut idle: Vec<(Key, usize)> = self
            .index
            .iter()
            .filter(|(_, slot)| {
                flows
                    .get(**slot)
                    .and_then(Option::as_ref)
                    .is_some_and(|f| now - f.last_time > if f.udp { UDP_IDLE } else { TCP_IDLE })
            })
            .map(|(k, s)| (*k, *s))
            .collect();
        idle.sort_unstable_by_key(|(_, slot)| *slot);
        for (key, slot) in idle {
            self.index.remove(&key);
            self.retired.push(slot);
        }
    }

    /// Retires the live flows idle the longest until `keep` are left; returns how many went.
    pub fn evict_oldest(&mut self, keep: usize) -> usize {
        let flows = &self.flows;
        let mut by_age: Vec<(f64, Key, usize)> = self
            .index
            .iter()
            .map(|(k, slot)| (flows.get(*slot).and_then(Option::as_ref).map_or(f64::MIN, |f| f.last_time), *k, *slot))
            .collect();
        let excess = by_age.len().saturating_sub(keep);
        if excess == 0 {
            return 0;
        }
        // Idle the longest first; among flows idle as long, the one that began first (the
        // index's order changes from run to run, the output must not).
        by_age.select_nth_unstable_by(excess - 1, |a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        let mut gone: Vec<(Key, usize)> = by_age.into_iter().take(excess).map(|(_, k, s)| (k, s)).collect();
        gone.sort_unstable_by_key(|(_, slot)| *slot);
        for (key, slot) in gone {
            self.index.remove(&key);
            self.retired.push(slot);
        }
        excess
    }

    /// Every flow still held (live or ended), in the order they began: the capture is over.
    pub fn drain(&mut self) -> impl Iterator<Item = (usize, Box<Flow>)> + '_ {
        self.index.clear();
        self.closed.clear();
        self.closed_order.clear();
        self.flows.iter_mut().enumerate().filter_map(|(slot, f)| f.take().map(|f| (slot, f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_put_back_in_order_and_retransmissions_dropped() {
        let mut side = Side::default();
        side.push_tcp(1000, true, b"", 1);
        side.push_tcp(1001 + 5, false, b"world", 3);
        side.push_tcp(1001, false, b"hello", 2);
        side.push_tcp(1001, false, b"hello", 4);
        side.push_tcp(1003, false, b"llo wor", 5);
        side.push_tcp(1011, false, b"!", 6);
        assert_eq!(side.stream, b"helloworld!");
        assert_eq!(side.packet_at(0), 2);
        assert_eq!(side.packet_at(6), 3);
    }

    #[test]
    fn a_stream_stops_at_its_cap() {
        let mut side = Side::default();
        let chunk = vec![b'x'; 1400];
        let mut seq = 1u32;
        for p in 0..100 {
            side.push_tcp(seq, false, &chunk, p);
            seq = seq.wrapping_add(1400);
        }
        assert_eq!(side.stream.len(), STREAM_CAP);
        assert!(side.lost);
    }
}
