//! A whole capture: the pcap/pcapng reader, link and IP decoding with fragment reassembly, TCP
//! reassembly, and every flow's inspection (TLS, QUIC Initial decryption, DNS, HTTP, MQTT, SNMP,
//! DHCP, FTP, secrets). Seeds: small real captures from ../shared/corpora/pcaps.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = iotvet_traffic::Options { device: Some("10.0.0.1".into()), ..Default::default() };
    let _ = iotvet_traffic::analyze_reader(std::io::Cursor::new(data.to_vec()), "fuzz", &options);
});
