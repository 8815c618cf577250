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
            ("1.2.840.10045.2.1", _) => {
                let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
                match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => ("EC P-256".to_owned(), 256),
                    Some("1.3.132.0.34") => ("EC P-384".to_owned(), 384),
                    Some("1.3.132.0.35") => ("EC P-521".to_owned(), 521),
                    other => (format!("EC {}", other.unwrap_or("unknown curve")), 0),
                }
            }
            ("1.3.101.112", _) => ("Ed25519".to_owned(), 256),
            (oid, _) => (oid.to_owned(), 0),
        };
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(d) => sans.push(format!("DNS:{d}")),
                    GeneralName::IPAddress(b) => match b.len() {
                        4 => sans.push(format!("IP:{}", IpAddr::from([b[0], b[1], b[2], b[3]]))),
                        16 => {
                            let mut a = [0u8; 16];
                            a.copy_from_slice(b);
                            sans.push(format!("IP:{}", IpAddr::from(a)));
                        }
                        _ => {}
                    },
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
            inner[..inner.find([' ', '(', '{']).unwrap_or(inner.len())].to_owned()
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
    fn badssl_certificates_say_what_is_wrong_with_them() {
        let Some(expired) = corpus("wildcard.expired.pem") else {
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
