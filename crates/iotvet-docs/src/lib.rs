//! iotvet's document collector: the vendor's RFC 9116 security.txt, its privacy policy and
//! terms (main text, readability, required topics, language), and the vendor declaration.
//! It observes and records; the MS-2, MS-4 and MS-5 rules judge.
#![forbid(unsafe_code)]

pub mod fetch;
pub mod pdf;
pub mod readability;
pub mod securitytxt;
pub mod signature;
pub mod text;
pub mod topics;

use std::path::Path;

pub use fetch::FetchOptions;
use iotvet_core::documents::{PolicyObservation, ReadabilityThresholds, Retrieval, SecurityTxtObservation};

#[derive(Debug, Clone)]
pub struct DocsOptions {
    pub fetch: FetchOptions,
    pub thresholds: ReadabilityThresholds,
    /// For a security.txt read from a file: the URL it was published at, for the Canonical check.
    pub security_txt_url: Option<String>,
    /// The vendor's OpenPGP public key (armored), to verify a signed security.txt.
    pub security_txt_key: Option<String>,
    /// At most this many bytes of decompressed content per document (PDF streams).
    pub max_decompressed: u64,
}

impl Default for DocsOptions {
    fn default() -> Self {
        Self {
            fetch: FetchOptions::default(),
            thresholds: ReadabilityThresholds::default(),
            security_txt_url: None,
            security_txt_key: None,
            max_decompressed: pdf::DEFAULT_MAX_DECOMPRESSED,
        }
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// Reads `source` as a URL or a local file.
fn obtain(source: &str, options: &FetchOptions) -> (Retrieval, Vec<u8>) {
    if is_url(source) {
        fetch::fetch(source, options)
    } else {
        fetch::read_file(Path::new(source), options)
    }
}

/// The security.txt of `source`: a file, a URL, or a domain (optionally `host:port`), where
/// `/.well-known/security.txt` is tried first and the legacy `/security.txt` second.
pub fn security_txt(source: &str, options: &DocsOptions) -> SecurityTxtObservation {
    let candidates: Vec<String> = if is_url(source) || Path::new(source).exists() {
        vec![source.to_owned()]
    } else {
        let domain = source.trim_end_matches('/');
        vec![format!("https://{domain}/.well-known/security.txt"), format!("https://{domain}/security.txt")]
    };
    let mut attempts = Vec::new();
    for candidate in candidates {
        let (retrieval, body) = obtain(&candidate, &options.fetch);
        let ok = retrieval.ok();
        tracing::info!(source = %candidate, ok, bytes = body.len(), "security.txt tried");
        let served_in_clear = retrieval.urls.last().filter(|u| u.to_ascii_lowercase().starts_with("http://")).cloned();
        let urls: Vec<String> = match (retrieval.urls.first(), retrieval.urls.last()) {
            (Some(first), Some(last)) => vec![first.clone(), last.clone()],
            _ => options.security_txt_url.iter().cloned().collect(),
        };
        attempts.push(retrieval);
        if ok {
            let mut file = securitytxt::parse(&body, &urls, now_unix());
            if let (true, Some(key)) = (file.signed, &options.security_txt_key) {
                let verdict = signature::verify_cleartext(&String::from_utf8_lossy(&body), key);
                file.signature_verified = Some(verdict == Ok(true));
                if verdict != Ok(true) {
                    file.problems.push(iotvet_core::documents::Problem {
                        level: iotvet_core::documents::Level::Error,
                        code: "invalid_signature".into(),
                        message: match verdict {
                            Err(e) => format!("The signature could not be checked: {e}"),
                            _ => "The OpenPGP signature does not verify with the key given.".into(),
                        },
                        line: None,
                    });
                }
            }
            if let Some(url) = served_in_clear {
                // RFC 9116 §3: "The file MUST be accessed via HTTP 1.0 or a higher version, and the
                // file access MUST use the "https" scheme".
                file.problems.push(iotvet_core::documents::Problem {
                    level: iotvet_core::documents::Level::Error,
                    code: "not_https".into(),
                    message: format!("The file must be served over HTTPS; it came from {url}."),
                    line: None,
                });
            }
            return SecurityTxtObservation { attempts, file: Some(file) };
        }
    }
    SecurityTxtObservation { attempts, file: None }
}

/// A privacy policy (`kind` = `privacy-policy`) or terms (`terms`) from a URL or a file.
pub fn policy(kind: &str, source: &str, options: &DocsOptions) -> PolicyObservation {
    let (retrieval, body) = obtain(source, &options.fetch);
    tracing::info!(
        kind,
        source,
        bytes = body.len(),
        error = retrieval.error.as_deref().unwrap_or("none"),
        "document read"
    );
    let mut obs = PolicyObservation {
        kind: kind.to_owned(),
        retrieval,
        extraction_error: None,
        extraction_failure: None,
        language: None,
        text_chars: 0,
        readability: None,
        topics: vec![],
        thresholds: options.thresholds,
    };
    if !obs.retrieval.ok() {
        return obs;
    }
    let main = if body.starts_with(b"%PDF") {
        match pdf::pdf_text(&body, options.max_decompressed) {
            Ok(t) => t,
            Err(e) => {
                obs.extraction_error = Some(e.message);
                obs.extraction_failure = Some(e.failure);
                return obs;
            }
        }
    } else {
        let (decoded, _) = text::decode(&body, obs.retrieval.content_type.as_deref());
        if text::looks_like_html(&decoded, obs.retrieval.content_type.as_deref()) {
            text::html_main_text(&decoded)
        } else {
            decoded
        }
    };
    let printable = main.chars().filter(|c| !c.is_control() || c.is_whitespace()).count();
    if main.trim().is_empty() || printable * 10 < main.chars().count() * 9 {
        obs.extraction_error = Some("no readable text in the document".into());
        obs.extraction_failure = Some(iotvet_core::documents::ExtractionFailure::NoText);
        return obs;
    }
    obs.text_chars = main.chars().count() as u64;
    let sample: String = main.chars().take(20_000).collect();
    // whatlang's best guess: its "reliable" flag is often off for English legal text that is
    // mostly names and lists, which is still English to a reader.
    obs.language = whatlang::detect(&sample).map(|i| i.lang().code().to_owned());
    if obs.language.as_deref() == Some("eng") {
        obs.readability = Some(readability::measure(&main));
    }
    if kind == "privacy-policy" {
        obs.topics = topics::coverage(&readability::sentences(&main));
    }
    obs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("iotvet-docs-{}-{name}", std::process::id()));
        std::fs::write(&p, contents).unwrap();
        p
    }

    #[test]
    fn a_policy_file_is_measured_and_its_topics_found() {
        let p = temp(
            "policy.html",
            b"<html><body><nav>Menu</nav><main><h1>Privacy</h1><p>We collect your name and email address when you register.</p>\
            <p>We use this information to run the service. We never sell it. We keep your data for one year.</p>\
            <p>You can ask us to delete your data at any time. Contact us at privacy@example.com.</p></main></body></html>",
        );
        let o = policy("privacy-policy", p.to_str().unwrap(), &DocsOptions::default());
        std::fs::remove_file(&p).ok();
        assert_eq!(o.language.as_deref(), Some("eng"));
        let r = o.readability.expect("English is measured");
        assert!(r.words > 40 && r.sentences >= 5, "{r:?}");
        let covered: Vec<&str> = o.topics.iter().filter(|t| t.covered).map(|t| t.topic.as_str()).collect();
        for t in ["data-collected", "sharing", "retention", "user-rights", "contact"] {
            assert!(covered.contains(&t), "{t} not found in {covered:?}");
        }
        assert!(!covered.contains(&"children"));
    }

    #[test]
    fn another_language_is_not_measured() {
        let p = temp("de.txt", "Wir erheben Ihre Daten nur, wenn Sie sich registrieren. Wir verkaufen Ihre Daten niemals an Dritte. Sie können die Löschung Ihrer Daten jederzeit verlangen.".as_bytes());
        let o = policy("privacy-policy", p.to_str().unwrap(), &DocsOptions::default());
        std::fs::remove_file(&p).ok();
        assert_eq!(o.language.as_deref(), Some("deu"));
        assert!(o.readability.is_none());
    }

    #[test]
    fn a_pdf_binary_junk_and_a_missing_file_are_recorded_not_fatal() {
        let p = temp("x.pdf", b"%PDF-1.7\n\x00\x01\x02 not really");
        let o = policy("privacy-policy", p.to_str().unwrap(), &DocsOptions::default());
        std::fs::remove_file(&p).ok();
        assert!(o.extraction_error.unwrap().contains("PDF"));
        let p = temp("ok.pdf", &pdf::tests::minimal_pdf("We collect your email address to send you receipts. We never sell it to anyone. You can ask us to delete it."));
        let o = policy("privacy-policy", p.to_str().unwrap(), &DocsOptions::default());
        std::fs::remove_file(&p).ok();
        assert_eq!(o.extraction_error, None);
        assert!(o.topics.iter().any(|t| t.topic == "data-collected" && t.covered), "{:?}", o.topics);
        let junk: Vec<u8> = (0..50_000u32).map(|i| (i * 7919 % 256) as u8).collect();
        let p = temp("junk.bin", &junk);
        let o = policy("terms", p.to_str().unwrap(), &DocsOptions::default());
        std::fs::remove_file(&p).ok();
        assert!(o.extraction_error.is_some() || o.readability.is_none());
        let o = policy("terms", "/nonexistent/terms.html", &DocsOptions::default());
        assert!(o.retrieval.error.unwrap().contains("reading"));
    }

    #[test]
    fn a_security_txt_file_is_parsed() {
        let p = temp("security.txt", b"Contact: mailto:s@example.com\nExpires: 2099-01-01T00:00:00Z\n");
        let o = security_txt(p.to_str().unwrap(), &DocsOptions::default());
        std::fs::remove_file(&p).ok();
        let f = o.file.unwrap();
        assert!(f.has("long_expiry"));
        assert_eq!(o.attempts.len(), 1);
    }
}

/// Which documents to read: each a URL, a file, or (security.txt) a domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentSources {
    pub security_txt: Option<String>,
    pub privacy_policy: Option<String>,
    pub terms: Option<String>,
}

impl DocumentSources {
    /// Fills what is not given from the vendor's declaration: its first vendor domain for
    /// security.txt, its policy and terms URLs.
    pub fn or_from_declaration(mut self, d: &iotvet_core::declaration::Declaration) -> Self {
        self.security_txt = self.security_txt.or_else(|| d.product.vendor_domains.first().cloned());
        self.privacy_policy = self.privacy_policy.or_else(|| d.privacy.privacy_policy_url.clone());
        self.terms = self.terms.or_else(|| d.privacy.terms_url.clone());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.security_txt.is_none() && self.privacy_policy.is_none() && self.terms.is_none()
    }
}

/// Reads every document asked for (blocking: call it off the async runtime). None when nothing
/// was asked for, so the rules say Unknown rather than judge an empty section.
pub fn collect(sources: &DocumentSources, options: &DocsOptions) -> Option<iotvet_core::documents::DocumentsSection> {
    if sources.is_empty() {
        return None;
    }
    let started_at = rfc3339_now();
    let security_txt = sources.security_txt.as_deref().map(|s| security_txt(s, options));
    let mut policies = Vec::new();
    if let Some(p) = &sources.privacy_policy {
        policies.push(policy("privacy-policy", p, options));
    }
    if let Some(t) = &sources.terms {
        policies.push(policy("terms", t, options));
    }
    Some(iotvet_core::documents::DocumentsSection {
        provenance: iotvet_core::case::Provenance {
            collector: "iotvet-docs".into(),
            tool_version: iotvet_core::TOOL_VERSION.into(),
            started_at,
            finished_at: rfc3339_now(),
        },
        security_txt,
        policies,
    })
}

fn rfc3339_now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
