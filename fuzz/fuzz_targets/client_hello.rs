//! The ClientHello builder, for any version, suite list and server name, gives a record whose
//! lengths add up.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let version = u16::from_be_bytes([data[0], data[1]]);
    let name = std::str::from_utf8(&data[2..(2 + usize::from(data[2]) % 64).min(data.len())]).ok();
    let suites: Vec<u16> = data.chunks_exact(2).take(400).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    let hello = iotvet_wire::tls::Hello::for_version(name, version, &suites).record([7; 32]);
    assert_eq!(usize::from(u16::from_be_bytes([hello[3], hello[4]])), hello.len() - 5);
    let groups: Vec<u16> = suites.iter().rev().copied().collect();
    let h = iotvet_wire::tls::Hello {
        groups: &groups,
        compression: &data[..data.len().min(3)],
        key_share: data[0] & 1 == 0,
        versions: &suites[..suites.len().min(3)],
        ..iotvet_wire::tls::Hello::new(name, version, &suites)
    };
    let record = h.record([7; 32]);
    assert_eq!(usize::from(u16::from_be_bytes([record[3], record[4]])), record.len() - 5);
    let dtls = h.dtls_datagram([7; 32]);
    assert_eq!(usize::from(u16::from_be_bytes([dtls[11], dtls[12]])), dtls.len() - 13);
});
