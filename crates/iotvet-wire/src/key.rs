//! What identifies a private key whatever file form it was written in, so the same key found as
//! PKCS#1 in one image, PKCS#8 in another and a dropbear or OpenSSH file in a third is seen as
//! one key, and a key published elsewhere (a project's test key, a vendor SDK's sample) is
//! recognised: for RSA the modulus (the public half every form carries, encrypted OpenSSH files
//! included), for other kinds the key's bytes as written. Parsed with der-parser (through
//! x509-parser, already here for certificates); the SSH wire strings by hand (four-byte length
//! prefixes, RFC 4251 §5 — no crate here reads dropbear's files). Bounded: the input is
//! the file's bytes, every read is checked.

use x509_parser::der_parser::ber::BerObject;
use x509_parser::der_parser::der::parse_der;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The identity of a key in a PEM block (`label`, decoded `der`): the RSA modulus without
/// leading zeros, or `None` when the block is not an RSA key iotvet can read (encrypted PKCS#8,
/// EC, DSA, Ed25519: their bytes as written are the identity).
pub fn pem_identity(label: &str, der: &[u8]) -> Option<Vec<u8>> {
    match label {
        "RSA PRIVATE KEY" => rsa_modulus(der),
        "PRIVATE KEY" => {
            let (_, outer) = parse_der(der).ok()?;
            let items = outer.as_sequence().ok()?;
            let alg = items.get(1)?.as_sequence().ok()?.first()?.as_oid().ok()?.to_id_string();
            if alg != RSA_ENCRYPTION {
                return None;
            }
            rsa_modulus(items.get(2)?.as_slice().ok()?)
        }
        "OPENSSH PRIVATE KEY" => openssh_identity(der),
        _ => None,
    }
}

/// PKCS#1 `RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }`.
fn rsa_modulus(der: &[u8]) -> Option<Vec<u8>> {
    let (_, key) = parse_der(der).ok()?;
    let n = key.as_sequence().ok()?.get(1).map(BerObject::as_slice)?.ok()?;
    unsigned(n)
}

fn unsigned(n: &[u8]) -> Option<Vec<u8>> {
    let start = n.iter().position(|b| *b != 0)?;
    n.get(start..).map(<[u8]>::to_vec)
}

/// One SSH wire string (a big-endian u32 length, then that many bytes) at the front of `b`.
fn ssh_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let end = len.checked_add(4)?;
    Some((b.get(4..end)?, b.get(end..)?))
}

/// An SSH public key blob `string "ssh-rsa", mpint e, mpint n` → n.
fn ssh_rsa_modulus(blob: &[u8]) -> Option<Vec<u8>> {
    let (kind, rest) = ssh_string(blob)?;
    if kind != b"ssh-rsa" {
        return None;
    }
    let (_e, rest) = ssh_string(rest)?;
    let (n, _) = ssh_string(rest)?;
    unsigned(n)
}

/// `openssh-key-v1\0`, cipher, KDF, KDF options, a key count, then the first public key blob —
/// in clear even when the private part is encrypted.
fn openssh_identity(b: &[u8]) -> Option<Vec<u8>> {
    let rest = b.strip_prefix(b"openssh-key-v1\0")?;
    let (_cipher, rest) = ssh_string(rest)?;
    let (_kdf, rest) = ssh_string(rest)?;
    let (_options, rest) = ssh_string(rest)?;
    let (public, _) = ssh_string(rest.get(4..)?)?;
    ssh_rsa_modulus(public)
}

/// A dropbear host key file (`string "ssh-rsa", mpint e, mpint n, mpint d, …`): its modulus.
pub fn dropbear_identity(file: &[u8]) -> Option<Vec<u8>> {
    ssh_rsa_modulus(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_has_no_identity() {
        for label in ["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"] {
            assert_eq!(pem_identity(label, b""), None);
            assert_eq!(pem_identity(label, &[0x30, 0x82, 0xff, 0xff, 0x02]), None);
        }
        let lying = [0, 0, 0, 7, b's', b's', b'h', b'-', b'r', b's', b'a', 0xff, 0xff, 0xff, 0xff];
        assert_eq!(dropbear_identity(&lying), None);
    }
}
