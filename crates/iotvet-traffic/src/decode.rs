//! From captured bytes to addresses, ports and payload: the link layer (Ethernet with 802.1Q
//! VLANs, Linux cooked SLL and SLL2, raw IPv4/IPv6, BSD loopback), IPv4/IPv6, TCP and UDP, with
//! etherparse. IP fragments are reassembled with etherparse's pool, bounded here by age and
//! count (the pool itself is not). SLL2 and BSD loopback are a fixed header before an EtherType
//! or an address family, read by hand (etherparse has no slicer for them).

use std::net::IpAddr;

use etherparse::defrag::IpDefragPool;
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, LinkSlice, NetSlice, SlicedPacket, TransportSlice};

/// The transport of a packet.
pub enum L4<'a> {
    Tcp {
        src_port: u16,
        dst_port: u16,
        seq: u32,
        syn: bool,
        ack: bool,
        fin: bool,
        rst: bool,
        payload: &'a [u8],
    },
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    /// ICMP, IGMP, other IP protocols: counted with the host, not a flow.
    Other,
}

/// A packet decoded down to its transport.
pub struct Decoded<'a> {
    pub src_mac: Option<[u8; 6]>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub l4: L4<'a>,
    /// The IP packet was cut by the snap length (its header says more than was captured).
    pub cut: bool,
}

/// Why a packet was not decoded (reported as a skip reason).
pub type Skip = &'static str;

/// Fragments waiting longer than this (capture seconds) are dropped.
const FRAGMENT_AGE: f64 = 30.0;
/// More pending fragment chains than this and the pool is emptied (a fragment flood).
const FRAGMENT_CHAINS: usize = 4096;

#[derive(Default)]
pub struct Decoder {
    pool: IpDefragPool<u64, ()>,
    pending: usize,
    last_sweep: u64,
    /// Reassembled datagrams, kept until the caller has read them.
    reassembled: Vec<u8>,
}

enum Link<'a> {
    Ethernet(&'a [u8]),
    Sll(&'a [u8]),
    Ether(EtherType, &'a [u8]),
    Ip(&'a [u8]),
}

fn link(link_type: i32, data: &[u8]) -> Result<Link<'_>, Skip> {
    match link_type {
        1 => Ok(Link::Ethernet(data)),
        113 => Ok(Link::Sll(data)),
        // Linux cooked v2: protocol type (2), reserved (2), ifindex (4), ARPHRD (2), packet
        // type (1), address length (1), address (8).
        276 => {
            let proto = data.get(..2).ok_or("SLL2 header cut short")?;
            let rest = data.get(20..).ok_or("SLL2 header cut short")?;
            Ok(Link::Ether(EtherType(u16::from_be_bytes([proto[0], proto[1]])), rest))
        }
        101 | 228 | 229 | 12 | 14 => Ok(Link::Ip(data)),
        // BSD loopback: a 4-byte address family in host order (2 is IPv4; 24, 28, 30 IPv6).
        0 | 108 => Ok(Link::Ip(data.get(4..).ok_or("loopback header cut short")?)),
        _ => Err("a link type iotvet does not read"),
    }
}

impl Decoder {
    /// Decodes one packet; `Ok(None)` for frames that carry no IP (ARP, LLDP…) or an IP fragment
    /// still waiting for the rest.
    pub fn decode<'a>(&'a mut self, link_type: i32, data: &'a [u8], packet: u64) -> Result<Option<Decoded<'a>>, Skip> {
        if link_type == 1 {
            if let Some(d) = ethernet_ipv4(data) {
                return Ok(Some(d));
            }
        }
        let link = link(link_type, data)?;
        let strict = match &link {
            Link::Ethernet(d) => SlicedPacket::from_ethernet(d),
            Link::Sll(d) => SlicedPacket::from_linux_sll(d),
            Link::Ether(t, d) => SlicedPacket::from_ether_type(*t, d),
            Link::Ip(d) => SlicedPacket::from_ip(d),
        };
        match strict {
            Ok(p) => self.sliced(p, packet),
            Err(_) => {
                let partial = match &link {
                    Link::Ethernet(d) => LaxSlicedPacket::from_ethernet(d).map_err(|_| "Ethernet header cut short")?,
                    // etherparse has no lax SLL slicer.
                    Link::Sll(_) => return Err("Linux SLL frame does not parse"),
                    Link::Ether(t, d) => LaxSlicedPacket::from_ether_type(*t, d),
                    Link::Ip(d) => LaxSlicedPacket::from_ip(d).map_err(|_| "IP header does not parse")?,
                };
                lax(partial)
            }
        }
    }

    fn sliced<'a>(&'a mut self, p: SlicedPacket<'a>, packet: u64) -> Result<Option<Decoded<'a>>, Skip> {
        let src_mac = src_mac(&p.link);
        let (src, dst, fragmented) = match &p.net {
            Some(NetSlice::Ipv4(v4)) => {
                let h = v4.header();
                (IpAddr::from(h.source()), IpAddr::from(h.destination()), h.is_fragmenting_payload())
            }
            Some(NetSlice::Ipv6(v6)) => {
                let h = v6.header();
                (IpAddr::from(h.source()), IpAddr::from(h.destination()), v6.is_payload_fragmented())
            }
            Some(NetSlice::Arp(_)) | None => return Ok(None),
        };
        if fragmented {
            self.sweep(packet);
            return match self.pool.process_sliced_packet(&p, packet, ()) {
                Ok(None) => {
                    self.pending += 1;
                    Ok(None)
                }
                Ok(Some(whole)) => {
                    self.pending = self.pending.saturating_sub(1);
                    let ip_number = whole.ip_number;
                    self.reassembled = whole.payload;
                    let l4 = transport_of(ip_number, &self.reassembled);
                    Ok(Some(Decoded { src_mac, src, dst, l4, cut: false }))
                }
                Err(_) => Err("IP fragments that do not fit together"),
            };
        }
        Ok(Some(Decoded { src_mac, src, dst, l4: l4(p.transport), cut: false }))
    }

    /// Drops fragment chains older than FRAGMENT_AGE (by packet number as a clock proxy: the
    /// pool is swept every 10,000 packets) or all of them past FRAGMENT_CHAINS.
    fn sweep(&mut self, packet: u64) {
        if self.pending > FRAGMENT_CHAINS {
            self.pool.retain(|_| false);
            self.pending = 0;
        } else if packet.saturating_sub(self.last_sweep) > 10_000 {
            let horizon = packet.saturating_sub((FRAGMENT_AGE * 1000.0) as u64);
            self.pool.retain(|first| *first >= horizon);
            self.last_sweep = packet;
        }
    }
}

/// Most packets of most captures: an Ethernet II frame with an unfragmented IPv4 packet of TCP
/// or UDP that parses whole. Sliced layer by layer with etherparse's own slices, as
/// `SlicedPacket::from_ethernet` does, without building its whole packet (its link extensions,
/// its moves of a large struct: a sixth of the reader's time); anything else, or anything that
/// does not parse, goes the general way. Same answers (test: `the_fast_path_answers_as_the_general_one`).
fn ethernet_ipv4(data: &[u8]) -> Option<Decoded<'_>> {
    let eth = etherparse::Ethernet2Slice::from_slice_without_fcs(data).ok()?;
    if eth.ether_type() != EtherType::IPV4 {
        return None;
    }
    let ip = etherparse::Ipv4Slice::from_slice(eth.payload_slice()).ok()?;
    let payload = ip.payload();
    if payload.fragmented {
        return None;
    }
    let transport = match payload.ip_number {
        etherparse::IpNumber::TCP => TransportSlice::Tcp(etherparse::TcpSlice::from_slice(payload.payload).ok()?),
        etherparse::IpNumber::UDP => TransportSlice::Udp(etherparse::UdpSlice::from_slice(payload.payload).ok()?),
        _ => return None,
    };
    let h = ip.header();
    Some(Decoded {
        src_mac: Some(eth.source()),
        src: IpAddr::from(h.source()),
        dst: IpAddr::from(h.destination()),
        l4: l4(Some(transport)),
        cut: false,
    })
}

/// The transport of a reassembled IP payload.
fn transport_of(ip_number: etherparse::IpNumber, payload: &[u8]) -> L4<'_> {
    let slice = match ip_number {
        etherparse::IpNumber::TCP => etherparse::TcpSlice::from_slice(payload).ok().map(TransportSlice::Tcp),
        etherparse::IpNumber::UDP => etherparse::UdpSlice::from_slice(payload).ok().map(TransportSlice::Udp),
        _ => None,
    };
    l4(slice)
}

/// TCP or UDP fields and payload, whichever slicer found them.
fn l4(transport: Option<TransportSlice<'_>>) -> L4<'_> {
    match transport {
        Some(TransportSlice::Tcp(t)) => L4::Tcp {
            src_port: t.source_port(),
            dst_port: t.destination_port(),
            seq: t.sequence_number(),
            syn: t.syn(),
            ack: t.ack(),
            fin: t.fin(),
            rst: t.rst(),
            payload: t.payload(),
        },
        Some(TransportSlice::Udp(u)) => {
            L4::Udp { src_port: u.source_port(), dst_port: u.destination_port(), payload: u.payload() }
        }
        _ => L4::Other,
    }
}

fn src_mac(link: &Option<LinkSlice<'_>>) -> Option<[u8; 6]> {
    match link {
        Some(LinkSlice::Ethernet2(e)) => Some(e.source()),
        _ => None,
    }
}

/// A packet the strict slicer refused (typically cut by the snap length): what can be read.
fn lax(p: LaxSlicedPacket<'_>) -> Result<Option<Decoded<'_>>, Skip> {
    let src_mac = src_mac(&p.link);
    let (src, dst) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => (IpAddr::from(v4.header().source()), IpAddr::from(v4.header().destination())),
        Some(LaxNetSlice::Ipv6(v6)) => (IpAddr::from(v6.header().source()), IpAddr::from(v6.header().destination())),
        Some(LaxNetSlice::Arp(_)) => return Ok(None),
        None => return Err("no IP header where the link layer says one is"),
    };
    Ok(Some(Decoded { src_mac, src, dst, l4: l4(p.transport), cut: true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Summary of a decode, to compare two.
    fn seen(d: Option<Decoded<'_>>) -> Option<String> {
        d.map(|d| {
            let l4 = match d.l4 {
                L4::Tcp { src_port, dst_port, seq, syn, ack, fin, rst, payload } => {
                    format!("tcp {src_port} {dst_port} {seq} {syn}{ack}{fin}{rst} {payload:?}")
                }
                L4::Udp { src_port, dst_port, payload } => format!("udp {src_port} {dst_port} {payload:?}"),
                L4::Other => "other".into(),
            };
            format!("{:?} {} {} {l4} {}", d.src_mac, d.src, d.dst, d.cut)
        })
    }

    #[test]
    fn the_fast_path_answers_as_the_general_one() {
        use etherparse::PacketBuilder;
        let mut frames = Vec::new();
        let eth = || PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let mut f = Vec::new();
        let b = eth().ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).tcp(40000, 443, 7, 1024).syn().ack(9);
        b.write(&mut f, b"hello").unwrap();
        frames.push(f);
        let mut f = Vec::new();
        eth().ipv4([10, 0, 0, 1], [8, 8, 8, 8], 64).udp(5353, 53).write(&mut f, b"query").unwrap();
        frames.push(f);
        // Padded to the Ethernet minimum: the IP length bounds the payload.
        let mut f = Vec::new();
        eth().ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1, 2).write(&mut f, b"x").unwrap();
        f.resize(60, 0);
        frames.push(f);
        assert!(frames.iter().all(|f| ethernet_ipv4(f).is_some()), "whole frames take the fast path");
        let mut cuts = Vec::new();
        for f in &frames {
            // Every prefix: cut headers and payloads (the snap length), which the fast path
            // leaves to the general one.
            for n in 0..=f.len() {
                cuts.push(f[..n].to_vec());
            }
            // A bogus IP total length, and a bogus TCP data offset.
            let mut g = f.clone();
            g[16] = 0xff;
            cuts.push(g);
            let mut g = f.clone();
            g[46] = 0x10;
            cuts.push(g);
        }
        for (i, data) in cuts.iter().enumerate() {
            let fast = ethernet_ipv4(data);
            if fast.is_none() {
                continue;
            }
            let mut general = Decoder::default();
            let link = link(1, data).unwrap();
            let Link::Ethernet(d) = link else { unreachable!() };
            let slow = match SlicedPacket::from_ethernet(d) {
                Ok(p) => general.sliced(p, 1).unwrap(),
                Err(_) => lax(LaxSlicedPacket::from_ethernet(d).unwrap()).unwrap(),
            };
            assert_eq!(seen(fast), seen(slow), "frame {i}: {data:?}");
        }
    }
}
