//! Everything a device answers on the network: HTTP/RTSP heads, SNMP, banners.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_net::identify::parse_response(data);
    let _ = iotvet_net::snmp::parse_response(data);
    let _ = iotvet_net::bytes::escape_excerpt(data, 160);
});
