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

/// A CONNECT as a client sent it (3.1, 3.1.1 or 5; §3.1): its client id, and its user name and
/// password when the flags say they follow (after the will topic and message, when set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    pub client_id: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// A variable-length integer (§1.5.5) at `at`: its value and where it ends. At most four bytes.
fn varint(b: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let (mut value, mut shift) = (0usize, 0);
    loop {
        let byte = *b.get(at)?;
        value |= usize::from(byte & 0x7f) << shift;
        at += 1;
        shift += 7;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
        if shift > 21 {
            return None;
        }
    }
}

/// A length-prefixed string (§1.5.4) at `at`: its bytes and where it ends.
fn field(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let n = usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]));
    Some((b.get(at + 2..at + 2 + n)?, at + 2 + n))
}

/// Reads a CONNECT at the start of `b`.
pub fn read_connect(b: &[u8]) -> Option<Connect> {
    if b.first() != Some(&0x10) {
        return None;
    }
    let (_, at) = varint(b, 1)?;
    let (name, at) = field(b, at)?;
    if name != b"MQTT" && name != b"MQIsdp" {
        return None;
    }
    let (level, flags) = (*b.get(at)?, *b.get(at + 1)?);
    let mut at = at + 4; // level, flags, keep-alive
    if level == 5 {
        let (len, end) = varint(b, at)?;
        at = end + len;
    }
    let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    let (client_id, mut at) = field(b, at)?;
    if flags & 0x04 != 0 {
        if level == 5 {
            // A v5 will carries its own properties first; the login is not read past it.
            return Some(Connect { client_id: text(client_id), username: None, password: None });
        }
        at = field(b, at).and_then(|(_, n)| field(b, n))?.1;
    }
    let mut login = (None, None);
    if flags & 0x80 != 0 {
        let (user, n) = field(b, at)?;
        login.0 = Some(text(user));
        if flags & 0x40 != 0 {
            login.1 = Some(text(field(b, n)?.0));
        }
    }
    Some(Connect { client_id: text(client_id), username: login.0, password: login.1 })
}

/// The topics of the PUBLISH and SUBSCRIBE packets in a client's byte stream, at most `cap`.
pub fn topics(b: &[u8], cap: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(&head) = b.get(at) {
        let Some((len, body_at)) = varint(b, at + 1) else { break };
        let body = b.get(body_at..body_at + len).unwrap_or_default();
        // PUBLISH: the topic first; SUBSCRIBE: after the packet id.
        let topic_at = match head >> 4 {
            3 => Some(0),
            8 => Some(2),
            _ => None,
        };
        if let Some((topic, _)) = topic_at.and_then(|t| field(body, t)) {
            let topic = String::from_utf8_lossy(topic).into_owned();
            if !out.contains(&topic) && out.len() < cap {
                out.push(topic);
            }
        }
        at = body_at + len;
    }
    out
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
        let c = read_connect(&with).unwrap();
        assert_eq!(
            (c.client_id.as_str(), c.username.as_deref(), c.password.as_deref()),
            ("c", Some("admin"), Some("admin"))
        );
        assert_eq!(read_connect(&p).map(|c| c.username), Some(None));
        assert!(read_connect(b"\x10\x02\x00\x04").is_none());
        // PUBLISH "cam/state", SUBSCRIBE "cam/cmd".
        let mut stream = p.clone();
        stream.extend_from_slice(b"\x30\x0d\x00\x09cam/stateon");
        stream.extend_from_slice(b"\x82\x0c\x00\x01\x00\x07cam/cmd\x00");
        assert_eq!(topics(&stream, 16), ["cam/state", "cam/cmd"]);
    }
}
