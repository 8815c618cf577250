//! Certificates and private keys come from the device or its image: describing a certificate
//! and reading a key's identity (PKCS#1, PKCS#8, OpenSSH, dropbear) must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iotvet_net::cert::describe(data);
    for label in ["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY"] {
        let _ = iotvet_wire::key::pem_identity(label, data);
    }
    let _ = iotvet_wire::key::dropbear_identity(data);
});
