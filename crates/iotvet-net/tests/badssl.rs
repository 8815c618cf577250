//! The certificate rules on badssl.com's real certificates (../shared/corpora/tls/badssl_certs):
//! each file gives exactly the TLS findings its name promises, judged at a date when the
//! ordinary ones were still valid, on a public address (a cloud endpoint) and on a local one
//! (a device's own service, where an untrusted chain is expected and not failed).

use iotvet_core::case::{Endpoint, Protocol, ServiceObservation, TlsSession, Transport};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

fn chain(name: &str) -> Option<Vec<CertificateDer<'static>>> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/tls/badssl_certs").join(name);
    let pem = std::fs::read(path).ok()?;
    Some(CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok).collect())
}

/// The failing TLS checks for the chain in `file`, served at `address`, judged at `now`.
fn findings(file: &str, address: &str, now: &str) -> Option<Vec<String>> {
    let certs = chain(file)?;
    let session = TlsSession {
        version: "TLSv1.2".into(),
        cipher_suite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into(),
        alpn: None,
        certificate_chain_bytes: certs.iter().map(|c| c.len()).sum(),
        certificates: certs.len(),
        chain: certs.iter().map(|c| iotvet_net::cert::describe(c).unwrap()).collect(),
        chain_verification: Some(iotvet_net::cert::verify_chain(
            &certs,
            ServerName::try_from("www.badssl.com").unwrap(),
        )),
    };
    let endpoint = Endpoint { address: address.into(), port: 443, transport: Transport::Tcp };
    let mut s = ServiceObservation::new(endpoint, Protocol::Http, "test");
    s.tls = Some(session);
    let mut checks: Vec<String> = iotvet_core::rules::enc::tls_findings(&s, now).into_iter().map(|f| f.check).collect();
    checks.sort();
    Some(checks)
}

#[test]
fn badssl_certificates_give_the_findings_their_names_promise() {
    let when = "2016-06-01T00:00:00Z";
    let cloud = "203.0.113.7"; // TEST-NET-3: a public address in a case file; nothing is sent
    let expected: [(&str, &[&str]); 8] = [
        ("wildcard.normal.pem", &["enc.tls-untrusted-cert"]),
        ("wildcard.expired.pem", &["enc.tls-cert-expired", "enc.tls-untrusted-cert"]),
        ("wildcard.self-signed.pem", &["enc.tls-untrusted-cert"]),
        ("wildcard.incomplete-chain.pem", &["enc.tls-untrusted-cert"]),
        ("wildcard.rsa1024.pem", &["enc.tls-untrusted-cert", "enc.tls-weak-key"]),
        ("wildcard.rsa512.pem", &["enc.tls-untrusted-cert", "enc.tls-weak-key"]),
        ("wildcard.sha1-2016.pem", &["enc.tls-untrusted-cert", "enc.tls-weak-key"]),
        ("wildcard.sha1-2017.pem", &["enc.tls-untrusted-cert", "enc.tls-weak-key"]),
    ];
    for (file, want) in expected {
        let Some(got) = findings(file, cloud, when) else {
            assert!(std::env::var_os("CI").is_none(), "../shared/corpora/tls/badssl_certs is absent in CI");
            eprintln!("SKIPPED: ../shared/corpora/tls/badssl_certs is absent");
            return;
        };
        assert_eq!(got, want, "{file} on a public address");
        // On the device's own local address, an untrusted chain is expected: not failed.
        let local = findings(file, "192.168.1.20", when).unwrap();
        let want_local: Vec<&str> = want.iter().copied().filter(|c| *c != "enc.tls-untrusted-cert").collect();
        assert_eq!(local, want_local, "{file} on a local address");
    }
    // Today every one of them has expired.
    let today = findings("wildcard.normal.pem", cloud, "2026-01-01T00:00:00Z").unwrap();
    assert!(today.contains(&"enc.tls-cert-expired".to_owned()), "{today:?}");
    let self_signed = iotvet_net::cert::describe(&chain("wildcard.self-signed.pem").unwrap()[0]).unwrap();
    assert!(self_signed.self_signed);
    let rsa512 = iotvet_net::cert::describe(&chain("wildcard.rsa512.pem").unwrap()[0]).unwrap();
    assert_eq!((rsa512.key_type.as_str(), rsa512.key_bits), ("RSA", 512));
}
