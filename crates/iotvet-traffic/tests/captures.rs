//! Captures the tests build themselves (frames with etherparse's packet builder, files in pcap
//! and pcapng written here), read back with exact expected observations: each link type, IPv4
//! and IPv6, fragments, out-of-order and retransmitted TCP, each protocol, and bad input.

use std::io::Write;
use std::path::PathBuf;

use etherparse::PacketBuilder;
use iotvet_traffic::{analyze, Options, TrackerList};

const CAM: [u8; 4] = [192, 168, 1, 20];
const CAM_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x20];
const GW_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const CLOUD: [u8; 4] = [203, 0, 113, 10];
const RESOLVER: [u8; 4] = [192, 168, 1, 1];

/// A frame: Ethernet, IPv4, TCP.
fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, seq: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
    let (smac, dmac) = if src == CAM { (CAM_MAC, GW_MAC) } else { (GW_MAC, CAM_MAC) };
    let mut b = PacketBuilder::ethernet2(smac, dmac).ipv4(src, dst, 64).tcp(sport, dport, seq, 64_000);
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('A') {
        b = b.ack(1);
    }
    if flags.contains('F') {
        b = b.fin();
    }
    if flags.contains('R') {
        b = b.rst();
    }
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let (smac, dmac) = if src == CAM { (CAM_MAC, GW_MAC) } else { (GW_MAC, CAM_MAC) };
    let mut out = Vec::new();
    PacketBuilder::ethernet2(smac, dmac).ipv4(src, dst, 64).udp(sport, dport).write(&mut out, payload).unwrap();
    out
}

/// A TCP conversation: handshake, the client's and server's payloads (each its own segment),
/// FIN both ways.
fn conversation(server: [u8; 4], port: u16, cport: u16, client_says: &[&[u8]], server_says: &[&[u8]]) -> Vec<Vec<u8>> {
    let (mut cs, mut ss) = (1000u32, 5000u32);
    let mut frames = vec![tcp(CAM, server, cport, port, cs, "S", b""), tcp(server, CAM, port, cport, ss, "SA", b"")];
    cs += 1;
    ss += 1;
    let n = client_says.len().max(server_says.len());
    for i in 0..n {
        if let Some(p) = client_says.get(i) {
            frames.push(tcp(CAM, server, cport, port, cs, "A", p));
            cs += p.len() as u32;
        }
        if let Some(p) = server_says.get(i) {
            frames.push(tcp(server, CAM, port, cport, ss, "A", p));
            ss += p.len() as u32;
        }
    }
    frames.push(tcp(CAM, server, cport, port, cs, "FA", b""));
    frames.push(tcp(server, CAM, port, cport, ss, "FA", b""));
    frames.push(tcp(CAM, server, cport, port, cs + 1, "A", b""));
    frames
}

/// A pcap file (microsecond, little-endian unless `be`/`nanos`).
fn pcap(link: u32, frames: &[Vec<u8>], nanos: bool, be: bool) -> Vec<u8> {
    let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let w16 = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut out = Vec::new();
    out.extend_from_slice(&w32(magic));
    out.extend_from_slice(&w16(2));
    out.extend_from_slice(&w16(4));
    out.extend_from_slice(&w32(0));
    out.extend_from_slice(&w32(0));
    out.extend_from_slice(&w32(65_535));
    out.extend_from_slice(&w32(link));
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&w32(1_700_000_000 + i as u32));
        out.extend_from_slice(&w32(if nanos { 500_000_000 } else { 500_000 }));
        out.extend_from_slice(&w32(f.len() as u32));
        out.extend_from_slice(&w32(f.len() as u32));
        out.extend_from_slice(f);
    }
    out
}

/// A pcapng file with one interface per (link type, frames), packets interleaved.
fn pcapng(interfaces: &[(u16, Vec<Vec<u8>>)]) -> Vec<u8> {
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let len = (body.len() + 12) as u32;
        let mut b = Vec::new();
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    out.extend(block(0x0a0d_0d0a, &shb));
    for (link, _) in interfaces {
        let mut idb = Vec::new();
        idb.extend_from_slice(&link.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&0u32.to_le_bytes());
        out.extend(block(1, &idb));
    }
    let longest = interfaces.iter().map(|(_, f)| f.len()).max().unwrap_or(0);
    for i in 0..longest {
        for (id, (_, frames)) in interfaces.iter().enumerate() {
            if let Some(f) = frames.get(i) {
                let mut epb = Vec::new();
                epb.extend_from_slice(&(id as u32).to_le_bytes());
                epb.extend_from_slice(&0u32.to_le_bytes());
                epb.extend_from_slice(&(i as u32 * 1000).to_le_bytes());
                epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
                epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
                epb.extend_from_slice(f);
                out.extend(block(6, &epb));
            }
        }
    }
    out
}

struct Tmp(PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn file(bytes: &[u8]) -> Tmp {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "iotvet-traffic-{}-{}.pcap",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    Tmp(p)
}

fn opts(device: Option<&str>) -> Options {
    Options {
        device: device.map(str::to_owned),
        vendor_domains: vec!["cam-vendor.example".into()],
        trackers: TrackerList::from_text("test list", "tracker.example\n"),
        show_secrets: true,
    }
}

fn dns_response(id: u16, name: &str, ip: [u8; 4]) -> Vec<u8> {
    let mut m = vec![(id >> 8) as u8, id as u8, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
    m.extend_from_slice(&ip);
    m
}

fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = vec![(id >> 8) as u8, id as u8, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    m
}

/// A ServerHello record choosing TLS 1.2 and ECDHE-RSA-AES128-GCM-SHA256, then ServerHelloDone.
fn server_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    body.extend_from_slice(&[0xc0, 0x2f, 0]);
    body.extend_from_slice(&[0, 5, 0xff, 0x01, 0, 1, 0]);
    let mut hs = vec![2, 0, 0, body.len() as u8];
    hs.extend_from_slice(&body);
    hs.extend_from_slice(&[14, 0, 0, 0]);
    let mut rec = vec![0x16, 3, 3, 0, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

/// The camera's day: DNS, a TLS session to its cloud, a firmware check over HTTP with Basic
/// auth, an MQTT login, telemetry to a tracker, a DHCP request with its host name, SNMP.
fn camera_day() -> Vec<Vec<u8>> {
    let mut frames = vec![
        udp(CAM, RESOLVER, 40000, 53, &dns_query(1, "api.cam-vendor.example")),
        udp(RESOLVER, CAM, 53, 40000, &dns_response(1, "api.cam-vendor.example", CLOUD)),
        udp(CAM, RESOLVER, 40001, 53, &dns_query(2, "t.tracker.example")),
        udp(RESOLVER, CAM, 53, 40001, &dns_response(2, "t.tracker.example", [198, 51, 100, 7])),
    ];
    let suites = [0x1301u16, 0xc02f, 0x000a];
    let hello = iotvet_wire::tls::Hello {
        versions: &[0x0304, 0x0303],
        ..iotvet_wire::tls::Hello::new(Some("api.cam-vendor.example"), 0x0303, &suites)
    }
    .record([1; 32]);
    frames.extend(conversation(CLOUD, 443, 50000, &[&hello], &[&server_hello()]));
    let get = b"GET /firmware/check?model=c2&mac=02:00:00:00:00:20 HTTP/1.1\r\nHost: ota.cam-vendor.example\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\nUser-Agent: cam/2.1\r\n\r\n";
    frames.extend(conversation(
        CLOUD,
        80,
        50001,
        &[get],
        &[b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"],
    ));
    let post = b"POST /collect HTTP/1.1\r\nHost: t.tracker.example\r\nContent-Type: application/json\r\nContent-Length: 58\r\n\r\n{\"email\":\"owner@home.example\",\"lat\":51.5072,\"lon\":-0.1276}";
    frames.extend(conversation([198, 51, 100, 7], 80, 50002, &[post], &[b"HTTP/1.1 204 No Content\r\n\r\n"]));
    let mqtt = iotvet_wire::mqtt::connect("cam-20", Some(("cam", "mqttpass"))).unwrap();
    frames.extend(conversation(CLOUD, 1883, 50003, &[&mqtt], &[b"\x20\x02\x00\x00"]));
    let mut dhcp = vec![1, 1, 6, 0];
    dhcp.extend_from_slice(&[0; 24]);
    dhcp.extend_from_slice(&CAM_MAC);
    dhcp.extend_from_slice(&[0; 202]);
    dhcp.extend_from_slice(&[0x63, 0x82, 0x53, 0x63, 53, 1, 3, 12, 6]);
    dhcp.extend_from_slice(b"cam-20");
    dhcp.push(255);
    frames.push(udp([0, 0, 0, 0], [255, 255, 255, 255], 68, 67, &dhcp));
    let snmp = iotvet_wire::snmp::get_request("private", 7, 1);
    frames.push(udp(CAM, RESOLVER, 40002, 161, &snmp));
    // A NetBIOS name registration of "CAM-20" (RFC 1002: opcode 5, first-level encoding).
    let mut nb = vec![0x12, 0x34, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1, 0x20];
    let mut padded = b"CAM-20".to_vec();
    padded.resize(15, b' ');
    padded.push(0);
    for c in padded {
        nb.push(b'A' + (c >> 4));
        nb.push(b'A' + (c & 0x0f));
    }
    nb.extend_from_slice(&[0, 0, 0x20, 0, 1]);
    frames.push(udp(CAM, [192, 168, 1, 255], 137, 137, &nb));
    frames
}

#[test]
fn the_cameras_day_yields_exact_observations() {
    let f = file(&pcap(1, &camera_day(), false, false));
    let t = analyze(&f.0, &opts(Some("192.168.1.20"))).unwrap();
    assert_eq!(t.capture.format, "pcap");
    assert_eq!(t.capture.link_types, ["ethernet"]);
    assert!(t.capture.skipped.is_empty(), "{:?}", t.capture.skipped);
    let by_proto = |p: &str| t.flows.iter().filter(|f| f.protocol == p).collect::<Vec<_>>();
    let tls = by_proto("tls");
    assert_eq!(tls.len(), 1);
    let tls = tls[0].tls.as_ref().unwrap();
    assert_eq!(tls.sni.as_deref(), Some("api.cam-vendor.example"));
    assert_eq!(tls.client_versions, ["TLSv1.3", "TLSv1.2"]);
    assert_eq!(tls.version.as_deref(), Some("TLSv1.2"));
    assert_eq!(tls.cipher_suite.as_deref(), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_eq!(tls.weak_client_suites, ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]);
    assert!(tls.ja3.as_ref().unwrap().len() == 32 && tls.ja3s.as_ref().unwrap().len() == 32);
    assert!(tls.ja4.as_ref().unwrap().starts_with("t13d0"), "{:?}", tls.ja4);

    let http = by_proto("http");
    assert_eq!(http.len(), 2);
    let fw = http.iter().find(|f| f.server.ends_with(":80") && f.server.starts_with("203.")).unwrap();
    assert_eq!(fw.server_name.as_deref(), Some("ota.cam-vendor.example"));
    assert_eq!(fw.http[0].path, "/firmware/check?model=c2&mac=02:00:00:00:00:20");
    assert_eq!(fw.http[0].authorization.as_deref(), Some("basic"));
    assert_eq!(fw.http[0].status, Some(200));
    assert!(fw.update.as_ref().unwrap().contains("firmware"), "{:?}", fw.update);
    assert_eq!(fw.encrypted, Some(false));

    let mqtt = by_proto("mqtt");
    assert_eq!(mqtt[0].mqtt.as_ref().unwrap().client_id.as_deref(), Some("cam-20"));
    assert!(mqtt[0].mqtt.as_ref().unwrap().password);
    let dns = by_proto("dns");
    assert_eq!(dns.len(), 2);
    assert_eq!(dns[0].dns.last().unwrap().answers, ["203.0.113.10"]);
    assert_eq!(by_proto("snmp").len(), 1);

    let secret = |kind: &str, value: &str| t.secrets.iter().any(|s| s.kind == kind && s.value == value);
    assert!(secret("credential", "admin:secret"), "{:#?}", t.secrets);
    assert!(secret("credential", "cam:mqttpass"));
    assert!(secret("credential", "private"));
    assert!(secret("email", "owner@home.example"));
    assert!(secret("geolocation", "51.5072,-0.1276"));
    assert!(secret("mac-address", "mac=02:00:00:00:00:20") || secret("mac-address", "02:00:00:00:00:20"));

    let dest = |ip: &str| t.destinations.iter().find(|d| d.ip == ip).unwrap();
    assert_eq!(dest("203.0.113.10").party, "first");
    assert_eq!(dest("198.51.100.7").party, "third");
    assert_eq!(dest("198.51.100.7").tracker.as_deref(), Some("tracker.example (test list)"));
    let cam = t.devices.iter().find(|d| d.mac.as_deref() == Some("02:00:00:00:00:20")).unwrap();
    assert!(cam.ips.contains(&"192.168.1.20".to_owned()));
    assert!(cam.names.iter().any(|n| n == "cam-20 (dhcp)"), "{:?}", cam.names);
    assert!(cam.names.iter().any(|n| n == "CAM-20 (netbios)"), "{:?}", cam.names);

    // Judged: MS-1, MS-2 and MS-5 fail on this evidence.
    let mut case = iotvet_core::CaseFile::new(
        iotvet_core::case::Target { name: "cam".into(), address: "192.168.1.20".into() },
        "2026-11-26T00:00:00Z".into(),
    );
    case.traffic = Some(t);
    let a = iotvet_core::judge(&case);
    let status =
        |check: &str| a.findings.iter().filter(|f| f.check == check).map(|f| f.status.as_str()).collect::<Vec<_>>();
    assert!(status("enc.traffic-plaintext").iter().all(|s| *s == "fail") && status("enc.traffic-plaintext").len() == 4);
    assert!(status("enc.traffic-secret-in-clear").contains(&"fail"));
    assert_eq!(status("enc.traffic-weak-client-tls"), ["fail"]);
    assert_eq!(status("upd.update-channel"), ["fail"]);
    assert_eq!(status("priv.traffic-trackers"), ["fail"]);
    assert_eq!(status("priv.traffic-personal-data-in-clear"), ["fail"]);
}

#[test]
fn every_link_type_and_file_flavour_reads_the_same_flow() {
    let get = b"GET /a HTTP/1.1\r\nHost: h.example\r\n\r\n";
    let eth = conversation(CLOUD, 8080, 51000, &[get], &[b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]);
    // Raw IP: the Ethernet header cut off.
    let raw: Vec<Vec<u8>> = eth.iter().map(|f| f[14..].to_vec()).collect();
    // Linux cooked v1 (16-byte header) and v2 (20 bytes).
    let sll: Vec<Vec<u8>> = raw
        .iter()
        .map(|f| {
            let mut h = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0x20, 0, 0, 0x08, 0x00];
            h.extend_from_slice(f);
            h
        })
        .collect();
    let sll2: Vec<Vec<u8>> = raw
        .iter()
        .map(|f| {
            let mut h = vec![0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0x20, 0, 0];
            h.extend_from_slice(f);
            h
        })
        .collect();
    // 802.1Q: a tag after the MAC addresses.
    let vlan: Vec<Vec<u8>> = eth
        .iter()
        .map(|f| {
            let mut v = f[..12].to_vec();
            v.extend_from_slice(&[0x81, 0x00, 0x00, 0x2a]);
            v.extend_from_slice(&f[12..]);
            v
        })
        .collect();
    let check = |bytes: Vec<u8>, what: &str| {
        let f = file(&bytes);
        let t = analyze(&f.0, &opts(None)).unwrap();
        let http: Vec<_> = t.flows.iter().filter(|f| f.protocol == "http").collect();
        assert_eq!(http.len(), 1, "{what}: {:#?}", t.flows);
        assert_eq!(http[0].http[0].path, "/a", "{what}");
        assert_eq!(http[0].packets, eth.len() as u64, "{what}");
        assert!(t.capture.skipped.is_empty(), "{what}: {:?}", t.capture.skipped);
    };
    check(pcap(1, &eth, false, false), "ethernet pcap");
    check(pcap(1, &eth, true, false), "nanosecond pcap");
    check(pcap(1, &eth, false, true), "big-endian pcap");
    check(pcap(101, &raw, false, false), "raw IP");
    check(pcap(113, &sll, false, false), "Linux SLL");
    check(pcap(276, &sll2, false, false), "Linux SLL2");
    check(pcap(1, &vlan, false, false), "802.1Q VLAN");
    check(pcapng(&[(1, eth.clone())]), "pcapng");
    // Two interfaces of different link types in one pcapng: two flows.
    let other = conversation([203, 0, 113, 11], 8080, 51001, &[get], &[]);
    let other_raw: Vec<Vec<u8>> = other.iter().map(|f| f[14..].to_vec()).collect();
    let f = file(&pcapng(&[(1, eth.clone()), (101, other_raw)]));
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert_eq!(t.capture.format, "pcapng");
    assert_eq!(t.capture.link_types, ["ethernet", "raw"]);
    assert_eq!(t.flows.iter().filter(|f| f.protocol == "http").count(), 2);
}

#[test]
fn ipv6_fragments_reordering_and_retransmissions() {
    // IPv6 TCP.
    let mut v6 = Vec::new();
    PacketBuilder::ethernet2(CAM_MAC, GW_MAC)
        .ipv6(
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
            64,
        )
        .tcp(52000, 80, 1, 1000)
        .write(&mut v6, b"GET /v6 HTTP/1.1\r\nHost: six.example\r\n\r\n")
        .unwrap();
    // A fragmented UDP DNS answer: IPv4, two fragments, the second first.
    let answer = dns_response(9, "frag.example", [203, 0, 113, 99]);
    let mut udp_bytes = Vec::new();
    let n = answer.len() + 8;
    udp_bytes.extend_from_slice(&53u16.to_be_bytes());
    udp_bytes.extend_from_slice(&41000u16.to_be_bytes());
    udp_bytes.extend_from_slice(&(n as u16).to_be_bytes());
    udp_bytes.extend_from_slice(&[0, 0]);
    udp_bytes.extend_from_slice(&answer);
    let frag = |offset: usize, more: bool, data: &[u8]| {
        let mut h =
            etherparse::Ipv4Header::new(data.len() as u16, 64, etherparse::IpNumber::UDP, RESOLVER, CAM).unwrap();
        h.identification = 77;
        h.more_fragments = more;
        h.fragment_offset = etherparse::IpFragOffset::try_new((offset / 8) as u16).unwrap();
        h.header_checksum = h.calc_header_checksum();
        let mut f = Vec::new();
        f.extend_from_slice(&CAM_MAC);
        f.extend_from_slice(&GW_MAC);
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&h.to_bytes());
        f.extend_from_slice(data);
        f
    };
    let (a, b) = udp_bytes.split_at(16);
    // Out of order and retransmitted TCP: the request in three segments, sent 3-1-2-1.
    let req = b"GET /ooo HTTP/1.1\r\nHost: ooo.example\r\n\r\n";
    let (p1, rest) = req.split_at(10);
    let (p2, p3) = rest.split_at(10);
    let frames = vec![
        v6,
        frag(16, false, b),
        frag(0, true, a),
        tcp(CAM, CLOUD, 52001, 80, 1, "S", b""),
        tcp(CLOUD, CAM, 80, 52001, 900, "SA", b""),
        tcp(CAM, CLOUD, 52001, 80, 2 + 20, "A", p3),
        tcp(CAM, CLOUD, 52001, 80, 2, "A", p1),
        tcp(CAM, CLOUD, 52001, 80, 2 + 10, "A", p2),
        tcp(CAM, CLOUD, 52001, 80, 2, "A", p1),
    ];
    let f = file(&pcap(1, &frames, false, false));
    let t = analyze(&f.0, &opts(None)).unwrap();
    let paths: Vec<String> = t.flows.iter().flat_map(|f| f.http.into_iter().map(|h| h.path)).collect();
    assert!(paths.iter().any(|p| p == "/v6") && paths.iter().any(|p| p == "/ooo"), "{paths:?}");
    let dns = t.flows.iter().find(|f| f.protocol == "dns").expect("the reassembled answer");
    assert_eq!(dns.dns[0].answers, ["203.0.113.99"]);
    assert!(t.flows.iter().any(|f| f.client.starts_with("[fe80::1]")));
}

#[test]
fn bad_input_is_an_error_or_a_counted_skip() {
    let f = file(b"not a capture at all, just text");
    assert!(analyze(&f.0, &opts(None)).is_err());
    let f = file(&[]);
    assert!(analyze(&f.0, &opts(None)).is_err());
    // A truncated last packet.
    let mut bytes = pcap(1, &camera_day(), false, false);
    bytes.truncate(bytes.len() - 10);
    let f = file(&bytes);
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert!(t.capture.skipped.iter().any(|s| s.reason.contains("truncated")), "{:?}", t.capture.skipped);
    // A record claiming 1 GiB.
    let mut bogus = pcap(1, &[], false, false);
    bogus.extend_from_slice(&[0; 8]);
    bogus.extend_from_slice(&(1u32 << 30).to_le_bytes());
    bogus.extend_from_slice(&(1u32 << 30).to_le_bytes());
    bogus.extend_from_slice(&[0xaa; 64]);
    let f = file(&bogus);
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert!(!t.capture.skipped.is_empty(), "{:?}", t.capture);
    // Garbage frames of an unknown link type.
    let f = file(&pcap(147, &[vec![1, 2, 3], vec![]], false, false));
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert_eq!(t.capture.skipped[0].count, 2);
    // A bad --device.
    assert!(analyze(&file(&pcap(1, &[], false, false)).0, &opts(Some("camera"))).is_err());
    // Every prefix of a real capture: never a panic.
    let whole = pcap(1, &camera_day(), false, false);
    for cut in (0..whole.len()).step_by(97) {
        let f = file(&whole[..cut]);
        let _ = analyze(&f.0, &opts(Some("192.168.1.20")));
    }
}

#[test]
fn a_capture_larger_than_the_read_buffer_is_read_to_the_end() {
    // Far more than the 1 MiB circular buffer, with frames up to 9000 bytes (jumbo).
    let mut frames = Vec::new();
    for i in 0..2_000u32 {
        let size = 100 + (i as usize * 37) % 8900;
        frames.push(udp(CAM, CLOUD, 40_000 + (i % 50) as u16, 9999, &vec![b'x'; size]));
    }
    let bytes = pcap(1, &frames, false, false);
    assert!(bytes.len() > 8 << 20, "{}", bytes.len());
    let f = file(&bytes);
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert_eq!(t.capture.packets, 2_000);
    assert!(t.capture.skipped.is_empty(), "{:?}", t.capture.skipped);
    assert_eq!(t.flows.len(), 50);
}

#[test]
fn a_flow_idle_past_its_timeout_has_ended() {
    // The same UDP endpoints twice, two minutes apart (UDP times out after one): two flows.
    let a = udp(CAM, CLOUD, 41000, 9000, b"first");
    let b = udp(CAM, CLOUD, 41000, 9000, b"second");
    let mut bytes = pcap(1, &[a], false, false);
    let mut later = pcap(1, &[b], false, false);
    // Second record's seconds: 120 s after the first (records start at byte 24, seconds first).
    let t = u32::from_le_bytes(later[24..28].try_into().unwrap()) + 120;
    later[24..28].copy_from_slice(&t.to_le_bytes());
    bytes.extend_from_slice(&later[24..]);
    let f = file(&bytes);
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert_eq!(t.flows.len(), 2, "{:#?}", t.flows);
    // Ten seconds apart: one flow.
    let mut bytes = pcap(1, &[udp(CAM, CLOUD, 41000, 9000, b"x")], false, false);
    let mut later = pcap(1, &[udp(CAM, CLOUD, 41000, 9000, b"y")], false, false);
    let t = u32::from_le_bytes(later[24..28].try_into().unwrap()) + 10;
    later[24..28].copy_from_slice(&t.to_le_bytes());
    bytes.extend_from_slice(&later[24..]);
    let f = file(&bytes);
    assert_eq!(analyze(&f.0, &opts(None)).unwrap().flows.len(), 1);
}

#[test]
fn flows_that_time_out_together_are_listed_in_the_order_they_began() {
    // 2,000 one-packet UDP flows, then a packet two minutes later: they all time out in one
    // sweep. The flow table is a hash map whose order changes from run to run; the listing
    // must not (it did: the sweep retired flows in hash order).
    let mut bytes = pcap(1, &[], false, false);
    for i in 0..2_001u32 {
        let src = [10, 2, (i >> 8) as u8, i as u8];
        let frame = udp(src, CLOUD, 1024 + (i & 0xff) as u16, 9999, b"hello");
        let seconds = 1_700_000_000u32 + if i == 2_000 { 120 } else { 0 };
        for v in [seconds, i, frame.len() as u32, frame.len() as u32] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&frame);
    }
    let f = file(&bytes);
    let first = analyze(&f.0, &opts(None)).unwrap();
    let order: Vec<u64> = first.flows.iter().map(|f| f.first_packet).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "not in first-packet order: {:?}", &order[..20]);
    let ends = |t: &iotvet_core::traffic::TrafficSection| -> Vec<String> { t.flows.iter().map(|f| f.client).collect() };
    for _ in 0..3 {
        assert_eq!(ends(&analyze(&f.0, &opts(None)).unwrap()), ends(&first));
    }
}

#[test]
fn a_flood_of_new_flows_is_bounded_and_said_so() {
    // 140,000 one-packet UDP flows in the same second: more than the 131,072 live flows kept,
    // so the longest idle end early. Every flow is still reported, and the early ends are
    // counted in the capture's skipped list.
    const N: u32 = 140_000;
    let mut bytes = pcap(1, &[], false, false);
    for i in 0..N {
        let src = [10, 1, (i >> 16) as u8, (i >> 8) as u8];
        let frame = udp(src, CLOUD, 1024 + (i & 0xff) as u16, 9999, b"hello");
        for v in [1_700_000_000u32, 0, frame.len() as u32, frame.len() as u32] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&frame);
    }
    let f = file(&bytes);
    let t = analyze(&f.0, &opts(None)).unwrap();
    assert_eq!(t.flows.len(), N as usize);
    let early = t.capture.skipped.iter().find(|s| s.reason.contains("ended early")).expect("early ends counted");
    assert_eq!(early.count, 65_536, "{:?}", t.capture.skipped);
}
