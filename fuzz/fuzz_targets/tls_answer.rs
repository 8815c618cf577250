//! The ServerHello / alert reader must take any bytes a server sends.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_wire::tls::read_answer(data);
    let flight = iotvet_wire::tls::read_flight(data);
    for (_, body) in &flight.messages {
        let _ = iotvet_wire::tls::read_key_exchange(true, body);
        let _ = iotvet_wire::tls::read_key_exchange(false, body);
    }
    let _ = iotvet_wire::tls::read_dtls_answer(data);
});
