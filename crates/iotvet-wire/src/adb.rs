//! The Android Debug Bridge transport (AOSP `protocol.txt`): 24-byte little-endian message
//! headers. iotvet sends a CNXN and reads the command of the answer.

/// A CNXN message: protocol version 0x01000001, max data 256 KiB, system identity "host::".
pub fn connect() -> Vec<u8> {
    let payload = b"host::\0";
    let command = u32::from_le_bytes(*b"CNXN");
    let checksum: u32 = payload.iter().map(|b| u32::from(*b)).sum();
    let mut m = Vec::with_capacity(24 + payload.len());
    for word in [command, 0x0100_0001, 256 * 1024, payload.len() as u32, checksum, command ^ 0xffff_ffff] {
        m.extend_from_slice(&word.to_le_bytes());
    }
    m.extend_from_slice(payload);
    m
}

/// The command of the message header at the start of `b` (`CNXN`, `AUTH`, `STLS`, …), when its
/// magic word is the command's complement.
pub fn command(b: &[u8]) -> Option<[u8; 4]> {
    let word = |i: usize| b.get(i..i + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).map(u32::from_le_bytes);
    let (command, magic) = (word(0)?, word(20)?);
    (command ^ 0xffff_ffff == magic).then(|| command.to_le_bytes())
}

/// The payload after the header (the device's banner in a CNXN).
pub fn payload(b: &[u8]) -> &[u8] {
    b.get(24..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_built_and_read() {
        let m = connect();
        assert_eq!(command(&m).as_ref(), Some(b"CNXN"));
        assert_eq!(payload(&m), b"host::\0");
        assert_eq!(command(m.get(..20).unwrap()), None);
        let mut bad = m.clone();
        if let Some(b) = bad.get_mut(20) {
            *b ^= 1;
        }
        assert_eq!(command(&bad), None);
    }
}
