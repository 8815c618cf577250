//! Keys and certificates built into the image. Every device of the model ships the same image,
//! so a private key in it is shared by all of them (anyone with the image has every device's
//! key): PEM private keys (PKCS#1 RSA, SEC1 EC, DSA, PKCS#8, OpenSSH, encrypted PKCS#8) and
//! dropbear host keys, each named by a fingerprint (the first 16 hex digits of the SHA-256 of
//! its bytes), never by its value; certificates described as the live TLS assessment describes
//! them (subject, expiry). Files over 1 MiB are not read.

use base64::Engine as _;
use iotvet_core::firmware::SecretFound;
use sha2::Digest as _;

use crate::tree::{Fs, Node};

const PRIVATE: [&str; 6] = [
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "PRIVATE KEY",
];

fn fingerprint(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The PEM blocks of a file: (label, decoded body).
fn pem_blocks(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = data.get(from..).and_then(|d| memchr::memmem::find(d, b"-----BEGIN ")).map(|p| p + from) {
        let rest = data.get(at + 11..).unwrap_or_default();
        let Some(label_end) = memchr::memmem::find(rest, b"-----") else { break };
        let label = String::from_utf8_lossy(rest.get(..label_end).unwrap_or_default()).into_owned();
        let end_marker = format!("-----END {label}-----");
        let body_start = at + 11 + label_end + 5;
        let Some(end) = data.get(body_start..).and_then(|d| memchr::memmem::find(d, end_marker.as_bytes())) else {
            break;
        };
        let body: Vec<u8> = data
            .get(body_start..body_start + end)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
            .collect();
        // Headers of old encrypted PEM (Proc-Type, DEK-Info) hold ':' and ',' — skipped above,
        // so their letters join the body: decode what decodes.
        let decoded = base64::engine::general_purpose::STANDARD.decode(&body).unwrap_or(body);
        if label.len() <= 40 {
            out.push((label, decoded));
        }
        from = body_start + end + end_marker.len();
        if out.len() >= 64 {
            break;
        }
    }
    out
}

/// The keys and certificates of the filesystem at `root`.
pub fn secrets(fs: &Fs) -> Vec<SecretFound> {
    let mut out = Vec::new();
    for (_, path, node) in fs.entries() {
        let Node::File { data, .. } = node else { continue };
        if data.len() > 1 << 20 {
            continue;
        }
        let file = path.rsplit('/').next().unwrap_or(path);
        if file.starts_with("dropbear_") && file.ends_with("_host_key") && !data.is_empty() {
            out.push(SecretFound {
                kind: "private-key".into(),
                detail: format!(
                    "dropbear host key ({})",
                    file.trim_start_matches("dropbear_").trim_end_matches("_host_key")
                ),
                source: path.clone(),
                fingerprint: fingerprint(data),
                encrypted: false,
            });
            continue;
        }
        if memchr::memmem::find(data, b"-----BEGIN ").is_none() {
            continue;
        }
        let text = String::from_utf8_lossy(data);
        for (label, body) in pem_blocks(data) {
            if PRIVATE.contains(&label.as_str()) {
                let encrypted = label.starts_with("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED");
                out.push(SecretFound {
                    kind: "private-key".into(),
                    detail: format!("{label} (PEM{})", if encrypted { ", encrypted" } else { "" }),
                    source: path.clone(),
                    fingerprint: fingerprint(&body),
                    encrypted,
                });
            } else if label == "CERTIFICATE" {
                let detail = match iotvet_wire::cert::describe(&body) {
                    Ok(c) => {
                        format!("certificate {} (until {}, {} {})", c.subject, c.not_after, c.key_type, c.key_bits)
                    }
                    Err(_) => "certificate (does not parse)".into(),
                };
                out.push(SecretFound {
                    kind: "certificate".into(),
                    detail,
                    source: path.clone(),
                    fingerprint: fingerprint(&body),
                    encrypted: false,
                });
            }
            if out.len() >= 500 {
                return out;
            }
        }
    }
    out
}
