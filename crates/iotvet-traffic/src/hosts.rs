//! Hosts seen in a capture: MAC and IP addresses, packets and bytes, and the names they gave
//! themselves (DHCP host name, mDNS, SSDP server strings).

use std::net::{IpAddr, SocketAddr};

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(mac.len() * 3);
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// What `IpAddr`'s `Display` writes (`192.0.2.1`, `2001:db8::1`). IPv4 by hand: the analysis
/// writes two or three addresses a flow, and the formatting machinery (padding, a buffer for
/// the width) was 4 % of its time.
pub fn ip_text(ip: IpAddr) -> String {
    let mut s = String::with_capacity(21);
    push_ip(&mut s, ip);
    s
}

/// What `SocketAddr`'s `Display` writes (`192.0.2.1:80`, `[2001:db8::1]:443`).
pub fn addr_text(a: SocketAddr) -> String {
    let mut s = String::with_capacity(21);
    if a.is_ipv6() {
        s.push('[');
        push_ip(&mut s, a.ip());
        s.push(']');
    } else {
        push_ip(&mut s, a.ip());
    }
    s.push(':');
    push_decimal(&mut s, a.port());
    s
}

fn push_ip(s: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    s.push('.');
                }
                push_decimal(s, u16::from(octet));
            }
        }
        // Zero runs, embedded IPv4 and the like: the standard library's rules.
        IpAddr::V6(v6) => {
            use std::fmt::Write;
            let _ = write!(s, "{v6}");
        }
    }
}

fn push_decimal(s: &mut String, mut n: u16) {
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[at..] {
        s.push(char::from(*d));
    }
}

/// Parses `aa:bb:cc:dd:ee:ff` (or with `-`), case-insensitive.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        *m = u8::from_str_radix(p, 16).ok()?;
    }
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_written_as_the_standard_library_writes_them() {
        for a in
            ["0.0.0.0:0", "192.0.2.10:65535", "10.20.30.40:8", "[2001:db8::1]:443", "[::ffff:1.2.3.4]:80", "[::]:7"]
        {
            let a: SocketAddr = a.parse().unwrap();
            assert_eq!(addr_text(a), a.to_string());
            assert_eq!(ip_text(a.ip()), a.ip().to_string());
        }
        assert_eq!(mac_text(&[0, 0x1b, 0xaa, 0xff, 9, 0x10]), "00:1b:aa:ff:09:10");
    }
}
