//! MQTT 3.1.1 (OASIS, 2014): the CONNECT iotvet sends and the CONNACK it reads. Hand-written:
//! two fixed packets; the MQTT crates bring a client runtime with them.

/// A CONNECT with a clean session and keep-alive 30 s; with a user name and password when given
/// (§3.1.2.8–9: the flags say which fields follow). None when a field is longer than MQTT allows.
pub fn connect(client_id: &str, login: Option<(&str, &str)>) -> Option<Vec<u8>> {
    let mut flags = 0x02u8;
    if login.is_some() {
        flags |= 0xc0;
    }
    let mut var = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, flags, 0x00, 0x1e];
    let mut field = |s: &str| -> Option<()> {
        var.extend_from_slice(&u16::try_from(s.len()).ok()?.to_be_bytes());
        var.extend_from_slice(s.as_bytes());
        Some(())
    };
    field(client_id)?;
    if let Some((user, password)) = login {
        field(user)?;
        field(password)?;
    }
    let mut packet = vec![0x10];
    packet.extend(remaining_length(var.len())?);
    packet.extend_from_slice(&var);
    Some(packet)
}

/// The variable-length "remaining length" (§2.2.3), at most four bytes.
fn remaining_length(mut n: usize) -> Option<Vec<u8>> {
    if n > 268_435_455 {
        return None;
    }
    let mut out = Vec::with_capacity(4);
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            return Some(out);
        }
    }
}

/// A CONNACK (§3.2): whether a session was present and the return code (0 accepted, 4 bad user
/// name or password, 5 not authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connack {
    pub session_present: bool,
    pub return_code: u8,
}

/// Reads a CONNACK at the start of `b`.
pub fn connack(b: &[u8]) -> Option<Connack> {
    match *b {
        [0x20, 0x02, flags, code, ..] if flags <= 1 => Some(Connack { session_present: flags == 1, return_code: code }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_and_connack() {
        let p = connect("iotvet-probe", None).unwrap();
        assert_eq!(p.first(), Some(&0x10));
        assert_eq!(p.get(1).copied(), Some((p.len() - 2) as u8));
        let with = connect("c", Some(("admin", "admin"))).unwrap();
        assert_eq!(with.get(9), Some(&0xc2));
        assert_eq!(connack(b"\x20\x02\x00\x05"), Some(Connack { session_present: false, return_code: 5 }));
        assert_eq!(connack(b"\x20\x02\x07\x00"), None);
        assert_eq!(connack(b"\x20"), None);
        let long = "x".repeat(200);
        assert_eq!(connect(&long, None).unwrap().get(1..3), Some(&[0xd4, 0x01][..]), "212 bytes follow: 84 + 128");
        assert!(connect(&"x".repeat(70_000), None).is_none());
    }
}
