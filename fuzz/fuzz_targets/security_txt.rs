//! security.txt files come from the web: parsing one must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_docs::securitytxt::parse(
        data,
        &["https://example.com/.well-known/security.txt".to_owned()],
        1_790_000_000,
    );
});
