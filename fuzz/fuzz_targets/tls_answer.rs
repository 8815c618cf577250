//! The ServerHello / alert reader must take any bytes a server sends.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_net::tls_hello::read_answer(data);
    let _ = iotvet_net::tls_hello::server_hello_choice(data);
});
