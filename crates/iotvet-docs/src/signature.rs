//! OpenPGP verification of a cleartext-signed security.txt against a key the user gives,
//! with rPGP (`pgp` crate). Runs under `catch_unwind`, as it parses input from the web.

use pgp::composed::{CleartextSignedMessage, Deserializable, SignedPublicKey};

/// Whether `signed` (the whole cleartext-signed file) carries a valid signature by the
/// armored public key `key`. Err when either does not parse.
pub fn verify_cleartext(signed: &str, key: &str) -> Result<bool, String> {
    std::panic::catch_unwind(|| {
        let (key, _) = SignedPublicKey::from_string(key).map_err(|e| format!("the OpenPGP key does not parse: {e}"))?;
        let block = signed_block(signed).ok_or("no cleartext-signed message")?;
        let (msg, _) = CleartextSignedMessage::from_string(block)
            .map_err(|e| format!("the signed message does not parse: {e}"))?;
        if msg.verify(&key).is_ok() {
            return Ok(true);
        }
        // The signature may come from a subkey.
        Ok(key.public_subkeys.iter().any(|sub| msg.verify(sub).is_ok()))
    })
    .unwrap_or_else(|_| Err("the OpenPGP data could not be read (the parser gave up on it)".into()))
}

/// Whether `signed` parses as an OpenPGP cleartext-signed message with signature packets
/// (armor, checksum and packets), without checking any signature.
pub fn parses(signed: &str) -> bool {
    let Some(message) = signed_block(signed) else { return false };
    std::panic::catch_unwind(|| {
        CleartextSignedMessage::from_string(message).is_ok_and(|(m, _)| !m.signatures().is_empty())
    })
    .unwrap_or(false)
}

/// The cleartext-signed block alone, from its header line to the end of its signature line:
/// what comes around it (blank lines, data after the signature) is security.txt's business,
/// reported by the parser as its own problems.
fn signed_block(text: &str) -> Option<&str> {
    let start = text.find("-----BEGIN PGP SIGNED MESSAGE-----")?;
    let end_marker = "-----END PGP SIGNATURE-----";
    let end = text[start..].find(end_marker)? + start + end_marker.len();
    Some(&text[start..end])
}
