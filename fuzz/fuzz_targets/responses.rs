//! Everything a device answers on the network: HTTP/RTSP heads, SNMP (v1/v2c and v3), every
//! UDP protocol's answer reader (CoAP, SSDP, mDNS/DNS with its PTR names, TFTP, DTLS), banners.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_net::identify::parse_response(data);
    let _ = iotvet_net::snmp::parse_response(data);
    let _ = iotvet_net::snmp::parse_v3_report(data, 0x0155_0003);
    let _ = iotvet_net::udp::read_as_every_protocol(data);
    let _ = iotvet_net::bytes::escape_excerpt(data, 160);
});
