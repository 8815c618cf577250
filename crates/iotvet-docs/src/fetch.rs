//! Fetching a document over HTTP(S), politely and within bounds: a timeout on every request,
//! a size cap on every body, redirects followed by hand (at most five, loops detected) so the
//! whole chain is recorded, and TLS through rustls with the Mozilla roots plus any CA the user
//! adds (the device lab's, in the demo).

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use iotvet_core::documents::Retrieval;

#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub timeout: Duration,
    /// Bodies longer than this are cut (and marked truncated).
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Extra trusted roots (DER), e.g. the device lab's CA.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(15), max_bytes: 8 * 1024 * 1024, max_redirects: 5, extra_roots: vec![] }
    }
}

/// Parses every certificate in a PEM file, for `extra_roots`.
pub fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    CertificateDer::pem_slice_iter(pem).filter_map(Result::ok).map(|c| c.to_vec()).collect()
}

fn agent(options: &FetchOptions) -> ureq::Agent {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for der in &options.extra_roots {
        let _ = roots.add(rustls::pki_types::CertificateDer::from(der.clone()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    let mut builder = ureq::AgentBuilder::new()
        .timeout(options.timeout)
        .redirects(0)
        .user_agent(&format!("iotvet/{}", iotvet_core::TOOL_VERSION));
    if let Ok(config) = config {
        builder = builder.tls_config(Arc::new(config));
    }
    builder.build()
}

/// Fetches `url`. Never fails: what went wrong is in `Retrieval::error`, with the body empty.
pub fn fetch(url: &str, options: &FetchOptions) -> (Retrieval, Vec<u8>) {
    let agent = agent(options);
    let mut retrieval = Retrieval::new(url);
    let mut current = url.to_owned();
    for _ in 0..=options.max_redirects {
        if retrieval.urls.contains(&current) {
            retrieval.error = Some(format!("redirect loop: {} leads back to {current}", retrieval.urls.join(" -> ")));
            return (retrieval, vec![]);
        }
        retrieval.urls.push(current.clone());
        let response = match agent.get(&current).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => {
                retrieval.error = Some(format!("fetching {current}: {e}"));
                return (retrieval, vec![]);
            }
        };
        let status = response.status();
        retrieval.status = Some(status);
        if (300..400).contains(&status) {
            let Some(location) = response.header("location") else {
                retrieval.error = Some(format!("HTTP {status} without a Location header"));
                return (retrieval, vec![]);
            };
            match resolve(response.get_url(), location) {
                Ok(next) => current = next,
                Err(e) => {
                    retrieval.error = Some(format!("HTTP {status}: {e}"));
                    return (retrieval, vec![]);
                }
            }
            continue;
        }
        retrieval.content_type = response.header("content-type").map(str::to_owned);
        let mut body = Vec::new();
        let read = response.into_reader().take(options.max_bytes + 1).read_to_end(&mut body);
        if let Err(e) = read {
            retrieval.error = Some(format!("reading the body of {current}: {e}"));
            return (retrieval, vec![]);
        }
        if body.len() as u64 > options.max_bytes {
            body.truncate(options.max_bytes as usize);
            retrieval.truncated = true;
        }
        retrieval.bytes = body.len() as u64;
        if !(200..300).contains(&status) {
            retrieval.error = Some(format!("HTTP {status} from {current}"));
            return (retrieval, vec![]);
        }
        return (retrieval, body);
    }
    retrieval.error = Some(format!("more than {} redirects: {}", options.max_redirects, retrieval.urls.join(" -> ")));
    (retrieval, vec![])
}

/// Resolves a Location header against the URL it came from, as a browser does (RFC 3986 §5:
/// absolute, scheme-relative `//host`, host-relative, `?query`, `../`), with the `url` crate.
fn resolve(base: &str, location: &str) -> Result<String, String> {
    let base = url::Url::parse(base).map_err(|e| format!("the URL {base:?} does not parse: {e}"))?;
    base.join(location.trim()).map(String::from).map_err(|e| format!("the Location {location:?} does not resolve: {e}"))
}

/// Reads a local file with the same size cap.
pub fn read_file(path: &std::path::Path, options: &FetchOptions) -> (Retrieval, Vec<u8>) {
    let mut retrieval = Retrieval::new(path.display().to_string());
    let mut body = Vec::new();
    match std::fs::File::open(path).and_then(|f| f.take(options.max_bytes + 1).read_to_end(&mut body)) {
        Ok(_) => {
            if body.len() as u64 > options.max_bytes {
                body.truncate(options.max_bytes as usize);
                retrieval.truncated = true;
            }
            retrieval.bytes = body.len() as u64;
            (retrieval, body)
        }
        Err(e) => {
            retrieval.error = Some(format!("reading {}: {e}", path.display()));
            (retrieval, vec![])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve() {
        let r = |b: &str, l: &str| resolve(b, l).unwrap();
        assert_eq!(r("https://a.b/x/y", "https://c.d/z"), "https://c.d/z");
        assert_eq!(r("https://a.b:8443/x/y", "/z"), "https://a.b:8443/z");
        assert_eq!(r("https://a.b/x/y", "z"), "https://a.b/x/z");
        assert_eq!(r("https://a.b", "z"), "https://a.b/z");
        // The cases the hand-written resolver broke on.
        assert_eq!(r("https://a.b/x/y", "//c.d/z"), "https://c.d/z");
        assert_eq!(r("https://a.b/x/y?old", "?q=1"), "https://a.b/x/y?q=1");
        assert_eq!(r("https://a.b/x/y/z", "../w"), "https://a.b/x/w");
        assert_eq!(r("http://a.b/x", "HTTPS://A.B/p"), "https://a.b/p");
        assert!(resolve("https://a.b/", "http://[::1").is_err());
    }
}
