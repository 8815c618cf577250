//! OpenPGP verification of a cleartext-signed security.txt against a key the user gives,
//! with rPGP (`pgp` crate). Runs under `catch_unwind`, as it parses input from the web.

use pgp::composed::{CleartextSignedMessage, Deserializable, SignedPublicKey};

/// Whether `signed` (the whole cleartext-signed file) carries a valid signature by the
/// armored public key `key`. Err when either does not parse.
pub fn verify_cleartext(signed: &str, key: &str) -> Result<bool, String> {
    std::panic::catch_unwind(|| {
        let (key, _) = SignedPublicKey::from_string(key).map_err(|e| format!("the OpenPGP key does not parse: {e}"))?;
        let (msg, _) = CleartextSignedMessage::from_string(signed)
            .map_err(|e| format!("the signed message does not parse: {e}"))?;
        if msg.verify(&key).is_ok() {
            return Ok(true);
        }
        // The signature may come from a subkey.
        Ok(key.public_subkeys.iter().any(|sub| msg.verify(sub).is_ok()))
    })
    .unwrap_or_else(|_| Err("the OpenPGP data could not be read (the parser gave up on it)".into()))
}
