//! Small helpers for bytes that came from a device.

/// Printable ASCII kept, everything else escaped (`\r`, `\n`, `\t`, `\xNN`), at most `max` input
/// bytes, with `…` when cut. Safe to put in any report.
pub fn escape_excerpt(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(max) {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > max {
        out.push('…');
    }
    out
}

/// Finds `needle` in `hay`, ASCII case-insensitive.
pub fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_high_bytes_and_cuts() {
        assert_eq!(escape_excerpt(b"\xff\xfb\x01login:\r\n", 64), "\\xff\\xfb\\x01login:\\r\\n");
        assert_eq!(escape_excerpt(b"abcdef", 3), "abc…");
    }

    #[test]
    fn finds_case_insensitively() {
        assert_eq!(find_ci(b"<TITLE>x", b"<title>"), Some(0));
        assert_eq!(find_ci(b"ab", b"abc"), None);
    }
}
