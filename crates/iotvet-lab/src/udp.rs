//! The lab's UDP services (the sensor): CoAP without DTLS, SSDP, SNMP v2c. Each datagram is
//! answered at most once, and anything malformed is dropped.

use std::net::IpAddr;

use tokio::net::UdpSocket;

use crate::devices::ServiceKind;

pub async fn serve(socket: UdpSocket, kind: ServiceKind, ip: IpAddr) {
    let mut buf = vec![0u8; 2048];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else { continue };
        let reply = match kind {
            ServiceKind::SensorCoap => coap(&buf[..n]),
            ServiceKind::SensorSsdp => ssdp(&buf[..n], ip),
            ServiceKind::SensorSnmp => snmp(&buf[..n]),
            _ => None,
        };
        if let Some(r) = reply {
            let _ = socket.send_to(&r, from).await;
        }
    }
}

const CORE: &str = r#"</temp>;rt="temperature";if="sensor",</humidity>;rt="humidity";if="sensor",</fw>;rt="firmware";v="SensorOS 2.1.0",</config>;rt="config""#;

/// CoAP (RFC 7252): GET /.well-known/core gets the resource list; other GETs 4.04.
fn coap(b: &[u8]) -> Option<Vec<u8>> {
    let (&first, rest) = b.split_first()?;
    let tkl = usize::from(first & 0x0f);
    if first >> 6 != 1 || tkl > 8 {
        return None;
    }
    let code = *rest.first()?;
    let id = rest.get(1..3)?;
    let token = rest.get(3..3 + tkl)?;
    // Uri-Path options, concatenated.
    let mut path = Vec::new();
    let mut opts = rest.get(3 + tkl..)?;
    let mut number = 0u16;
    while let Some((&head, tail)) = opts.split_first() {
        if head == 0xff {
            break;
        }
        let (delta, len) = (u16::from(head >> 4), usize::from(head & 0x0f));
        if delta > 12 || len > 12 {
            return None;
        }
        number += delta;
        let value = tail.get(..len)?;
        if number == 11 {
            path.push(String::from_utf8_lossy(value).into_owned());
        }
        opts = &tail[len..];
    }
    let mut reply = vec![0x60 | first & 0x0f];
    let found = code == 0x01 && path == [".well-known", "core"];
    reply.push(if found { 0x45 } else { 0x84 });
    reply.extend_from_slice(id);
    reply.extend_from_slice(token);
    if found {
        reply.extend_from_slice(&[0xc1, 40, 0xff]); // Content-Format: application/link-format
        reply.extend_from_slice(CORE.as_bytes());
    }
    Some(reply)
}

fn ssdp(b: &[u8], ip: IpAddr) -> Option<Vec<u8>> {
    if !b.starts_with(b"M-SEARCH * HTTP/1.1") {
        return None;
    }
    Some(
        format!(
            "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://{ip}:49152/description.xml\r\nSERVER: Linux/3.10 UPnP/1.0 SensorOS/2.1.0\r\nST: upnp:rootdevice\r\nUSN: uuid:5e1f0b2a-0000-4000-8000-00000000c0de::upnp:rootdevice\r\n\r\n"
        )
        .into_bytes(),
    )
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    if value.len() < 128 {
        out.push(value.len() as u8);
    } else {
        out.extend_from_slice(&[0x82, (value.len() >> 8) as u8, value.len() as u8]);
    }
    out.extend_from_slice(value);
    out
}

fn read(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let (len, rest) = match len {
        0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
        0x82 => (usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?])), rest.get(2..)?),
        l if l < 0x80 => (usize::from(l), rest),
        _ => return None,
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// SNMP v1/v2c: a GetRequest with community `public` gets sysDescr; anything else nothing.
fn snmp(b: &[u8]) -> Option<Vec<u8>> {
    let (0x30, msg, _) = read(b)? else { return None };
    let (0x02, version, rest) = read(msg)? else { return None };
    let (0x04, community, rest) = read(rest)? else { return None };
    let (0xa0, pdu, _) = read(rest)? else { return None };
    let (0x02, id, _) = read(pdu)? else { return None };
    if community != b"public" {
        return None;
    }
    let sys_descr = [0x2b, 6, 1, 2, 1, 1, 1, 0];
    let varbind = tlv(0x30, &[tlv(0x06, &sys_descr), tlv(0x04, b"SensorOS 2.1.0 (Linux 3.10.14 mips)")].concat());
    let response = tlv(0xa2, &[tlv(0x02, id), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x30, &varbind)].concat());
    Some(tlv(0x30, &[tlv(0x02, version), tlv(0x04, community), response].concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coap_core_and_not_found() {
        let get_core = [&[0x40u8, 0x01, 0x12, 0x34, 0xbb][..], b".well-known", &[0x04], b"core"].concat();
        let r = coap(&get_core).unwrap();
        assert_eq!(&r[..4], &[0x60, 0x45, 0x12, 0x34]);
        assert!(String::from_utf8_lossy(&r).contains("</fw>"));
        let other = [&[0x40u8, 0x01, 0, 1, 0xb3][..], b"abc"].concat();
        assert_eq!(coap(&other).unwrap()[1], 0x84);
        assert!(coap(b"\xff\xff").is_none());
    }

    #[test]
    fn snmp_answers_public_only() {
        let req = |c: &[u8]| {
            let varbind = tlv(0x30, &[tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]), vec![5, 0]].concat());
            let pdu =
                tlv(0xa0, &[tlv(0x02, &[1, 2, 3, 4]), tlv(0x02, &[0]), tlv(0x02, &[0]), tlv(0x30, &varbind)].concat());
            tlv(0x30, &[tlv(0x02, &[1]), tlv(0x04, c), pdu].concat())
        };
        assert!(snmp(&req(b"public")).is_some());
        assert!(snmp(&req(b"private")).is_none());
        assert!(snmp(b"\x30\x82").is_none());
    }
}
