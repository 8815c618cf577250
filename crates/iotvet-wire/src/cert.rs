//! Certificates as the server sent them: what each says (x509-parser) and whether the chain
//! verifies against the bundled Mozilla roots for the name the user gave (webpki via rustls).
//! Parsing runs under `catch_unwind`: certificates come from the device.

use std::net::IpAddr;
use std::sync::Arc;

use iotvet_core::case::CertificateInfo;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::prelude::*;

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassa-pss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn rfc3339(t: &ASN1Time) -> String {
    let secs = t.timestamp().max(0) as u64;
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)).to_string()
}

/// What one DER certificate says; Err in words when it does not parse.
pub fn describe(der: &[u8]) -> Result<CertificateInfo, String> {
    std::panic::catch_unwind(|| {
        let (_, cert) = parse_x509_certificate(der).map_err(|e| format!("the certificate does not parse: {e}"))?;
        let spki = cert.public_key();
        let (key_type, key_bits) = match (spki.algorithm.algorithm.to_id_string().as_str(), spki.parsed()) {
            ("1.2.840.113549.1.1.1", Ok(key)) => ("RSA".to_owned(), key.key_size() as u32),
            ("1.2.840.10045.2.1", key) => {
                let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
                match curve.as_deref().and_then(named_curve) {
                    Some((name, bits)) => (format!("EC {name}"), bits),
                    // Explicit parameters or a curve not in the table: the point's size tells.
                    None => {
                        let bits = key.map(|k| k.key_size() as u32).unwrap_or(0);
                        (format!("EC {}", curve.as_deref().unwrap_or("explicit parameters")), bits)
                    }
                }
            }
            ("1.2.840.10040.4.1", key) => {
                let y_bits = match key {
                    // The INTEGER's content keeps a leading zero when the top bit is set.
                    Ok(x509_parser::public_key::PublicKey::DSA(y)) => {
                        (y.iter().skip_while(|b| **b == 0).count() * 8) as u32
                    }
                    _ => 0,
                };
                ("DSA".to_owned(), if y_bits == 0 { 0 } else { dsa_bits(y_bits) })
            }
            ("1.3.101.113", _) => ("Ed448".to_owned(), 448),
            (oid, _) => (oid.to_owned(), 0),
        };
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(d) => sans.push(format!("DNS:{d}")),
                    GeneralName::IPAddress(b) => {
                        if let Ok(v4) = <[u8; 4]>::try_from(*b) {
                            sans.push(format!("IP:{}", IpAddr::from(v4)));
                        } else if let Ok(v6) = <[u8; 16]>::try_from(*b) {
                            sans.push(format!("IP:{}", IpAddr::from(v6)));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(CertificateInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            subject_alt_names: sans,
            not_before: rfc3339(&cert.validity().not_before),
            not_after: rfc3339(&cert.validity().not_after),
            key_type,
            key_bits,
            signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
            self_signed: cert.subject().as_raw() == cert.issuer().as_raw()
                && (cert.verify_signature(None).is_ok() || issued_by_own_key(&cert)),
        })
    })
    .unwrap_or_else(|_| Err("the certificate could not be read (the parser gave up on it)".into()))
}

/// The named curves a certificate may carry (RFC 5480, RFC 5639, SEC 2): name and size in bits.
fn named_curve(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.33" => ("P-224", 224),
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.132.0.1" => ("sect163k1", 163),
        "1.3.132.0.15" => ("sect163r2", 163),
        "1.3.132.0.26" => ("sect233k1", 233),
        "1.3.132.0.27" => ("sect233r1", 233),
        "1.3.132.0.16" => ("sect283k1", 283),
        "1.3.132.0.17" => ("sect283r1", 283),
        "1.3.36.3.3.2.8.1.1.1" => ("brainpoolP160r1", 160),
        "1.3.36.3.3.2.8.1.1.3" => ("brainpoolP192r1", 192),
        "1.3.36.3.3.2.8.1.1.5" => ("brainpoolP224r1", 224),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.9" => ("brainpoolP320r1", 320),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

/// A DSA key's size from its public value y (as long as p but for leading zeros): rounded up
/// to the sizes DSA is used with (FIPS 186: 1024, 2048, 3072).
fn dsa_bits(y_bits: u32) -> u32 {
    [512, 768, 1024, 2048, 3072].into_iter().find(|b| y_bits <= *b).unwrap_or(y_bits)
}

/// The authority key identifier is absent or names the certificate's own key: how a
/// self-signed certificate is told when its signature cannot be checked here (ring refuses RSA
/// keys under 2048 bits, which is exactly what old devices carry).
fn issued_by_own_key(cert: &x509_parser::certificate::X509Certificate<'_>) -> bool {
    use x509_parser::extensions::ParsedExtension;
    let (mut aki, mut ski) = (None, None);
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => aki = a.key_identifier.as_ref().map(|k| k.0.to_vec()),
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
            _ => {}
        }
    }
    aki.is_none() || aki == ski
}

/// `trusted`, or the reason the chain does not verify for `name` against the Mozilla roots.
pub fn verify_chain(chain: &[CertificateDer<'static>], name: ServerName<'static>) -> String {
    let Some((leaf, intermediates)) = chain.split_first() else { return "no certificate".into() };
    let roots = Arc::new(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let Ok(verifier) = rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider).build() else {
        return "no verifier".into();
    };
    use rustls::client::danger::ServerCertVerifier;
    match verifier.verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now()) {
        Ok(_) => "trusted".into(),
        Err(rustls::Error::InvalidCertificate(e)) => certificate_error(&e),
        Err(e) => format!("{e}"),
    }
}

/// A verification failure in words, led by the name rustls gives it (`UnknownIssuer`,
/// `Expired`, `NotValidForName`…), which is what reports and tests compare.
fn certificate_error(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    match e {
        E::ExpiredContext { not_after, .. } => format!("Expired (not after {})", unix_rfc3339(not_after)),
        E::NotValidYetContext { not_before, .. } => format!("NotValidYet (not before {})", unix_rfc3339(not_before)),
        E::NotValidForNameContext { .. } => "NotValidForName".into(),
        other => {
            // e.g. `UnknownIssuer`, `BadSignature`, `Other(OtherError(CaUsedAsEndEntity))`.
            let text = format!("{other:?}");
            let inner = text.trim_start_matches("Other(OtherError(").trim_end_matches(')');
            inner.split([' ', '(', '{']).next().unwrap_or(inner).to_owned()
        }
    }
}

fn unix_rfc3339(t: &UnixTime) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.as_secs())).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Option<Vec<u8>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpora/tls/badssl_certs")
            .join(name);
        let pem = std::fs::read(&path).ok()?;
        use rustls::pki_types::pem::PemObject;
        CertificateDer::pem_slice_iter(&pem).next()?.ok().map(|c| c.to_vec())
    }

    #[test]
    fn every_curve_and_dsa_get_their_size() {
        assert_eq!(named_curve("1.2.840.10045.3.1.1"), Some(("P-192", 192)));
        assert_eq!(named_curve("1.3.36.3.3.2.8.1.1.7"), Some(("brainpoolP256r1", 256)));
        assert_eq!((dsa_bits(1016), dsa_bits(1024), dsa_bits(2040)), (1024, 1024, 2048));
        let read = |name: &str| {
            let pem =
                std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)).unwrap();
            use rustls::pki_types::pem::PemObject;
            let der = CertificateDer::pem_slice_iter(&pem).next().unwrap().unwrap();
            let c = describe(&der).unwrap();
            (c.key_type, c.key_bits)
        };
        assert_eq!(read("ec-p192.pem"), ("EC P-192".into(), 192));
        assert_eq!(read("ec-brainpoolp256r1.pem"), ("EC brainpoolP256r1".into(), 256));
        assert_eq!(read("dsa-1024.pem"), ("DSA".into(), 1024));
    }

    #[test]
    fn badssl_certificates_say_what_is_wrong_with_them() {
        let Some(expired) = corpus("wildcard.expired.pem") else {
            assert!(std::env::var_os("CI").is_none(), "../shared/corpora/tls/badssl_certs is absent in CI");
            eprintln!("SKIPPED: ../shared/corpora/tls/badssl_certs is absent");
            return;
        };
        let e = describe(&expired).unwrap();
        assert!(e.not_after.as_str() < "2020-01-01", "{e:?}");
        assert!(e.subject_alt_names.iter().any(|s| s.contains("badssl.com")), "{e:?}");
        let rsa1024 = describe(&corpus("wildcard.rsa1024.pem").unwrap()).unwrap();
        assert_eq!((rsa1024.key_type.as_str(), rsa1024.key_bits), ("RSA", 1024));
        let rsa512 = describe(&corpus("wildcard.rsa512.pem").unwrap()).unwrap();
        assert_eq!(rsa512.key_bits, 512);
        let sha1 = describe(&corpus("wildcard.sha1-2016.pem").unwrap()).unwrap();
        assert_eq!(sha1.signature_algorithm, "sha1WithRSAEncryption");
        let selfsigned = describe(&corpus("wildcard.self-signed.pem").unwrap()).unwrap();
        assert!(selfsigned.self_signed, "{selfsigned:?}");
        let normal = describe(&corpus("wildcard.normal.pem").unwrap()).unwrap();
        assert!(!normal.self_signed && normal.signature_algorithm == "sha256WithRSAEncryption", "{normal:?}");
        // Not trusted by the Mozilla roots (expired and issued by the old badssl root).
        let name = ServerName::try_from("badssl.com").unwrap();
        assert_ne!(verify_chain(&[CertificateDer::from(expired)], name), "trusted");
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        assert!(describe(b"\x30\x82\xff\xff junk").is_err());
        assert!(describe(&[]).is_err());
    }
}
