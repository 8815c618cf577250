//! The lab's certificate authority, made fresh at every start with rcgen, and a rustls server
//! configuration (TLS 1.2 and 1.3) per device.

use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

pub struct LabCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl LabCa {
    pub fn new() -> Result<Self, BoxError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "iotvet device lab CA");
        dn.push(DnType::OrganizationName, "iotvet lab");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key)?;
        Ok(Self { cert, key })
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    pub fn der(&self) -> Vec<u8> {
        self.cert.der().to_vec()
    }

    /// A TLS acceptor for one device, its certificate naming the device's address and
    /// `NAME.lab.iotvet.test`.
    pub fn acceptor_for(&self, name: &str, ip: IpAddr) -> Result<TlsAcceptor, BoxError> {
        let key = KeyPair::generate()?;
        let mut names = vec![format!("{name}.lab.iotvet.test")];
        // The doorbell's cloud answers to its vendor's names (the lab DNS gives them out).
        if name == "cloud" {
            names.extend(crate::phonehome::NAMES.iter().filter(|(_, o)| *o == 70).map(|(n, _)| (*n).to_owned()));
        }
        let mut params = CertificateParams::new(names)?;
        params.subject_alt_names.push(SanType::IpAddress(ip));
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("{name}.lab.iotvet.test"));
        params.distinguished_name = dn;
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        let chain = vec![CertificateDer::from(cert.der().to_vec()), CertificateDer::from(self.cert.der().to_vec())];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(chain, private)?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}
