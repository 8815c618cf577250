//! Certificates come from the device: describing one must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_net::cert::describe(data);
});
