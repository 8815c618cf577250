//! The UDP questions iotvet asks a device (CoAP GET /.well-known/core, a unicast SSDP M-SEARCH,
//! SNMP v2c GET with `public`, SNMPv3 engine discovery, a unicast DNS-SD query, a TFTP read
//! request, a DTLS ClientHello) and what an answer to each says: the protocol (mDNS asked may turn
//! out plain DNS), how it answered, what it revealed. A question's own bytes sent back are no
//! answer: CoAP must be a response code or an empty ACK/RST, DTLS no ClientHello.

use std::net::SocketAddr;

use crate::bytes::escape_excerpt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Coap,
    Ssdp,
    Snmp,
    Mdns,
    Tftp,
    Dtls,
    /// SNMPv3 engine discovery (RFC 3414 §4): answered by a v3 agent whatever its users.
    Snmpv3,
}

pub const QUESTIONS: [Question; 7] =
    [Question::Coap, Question::Ssdp, Question::Snmp, Question::Snmpv3, Question::Mdns, Question::Tftp, Question::Dtls];

/// Suites a DTLS ClientHello offers: CoAP's mandatory ones (RFC 7252 §9: PSK and ECDHE-ECDSA
/// with AES-CCM-8), the common AEAD and CBC ones, so that almost any DTLS server answers.
pub const DTLS_SUITES: [u16; 12] =
    [0xc0a8, 0xc0ae, 0xc0ac, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0x00ae];
pub const COAP_MESSAGE_ID: u16 = 0x5a17;

pub fn request(kind: Question, addr: SocketAddr) -> Vec<u8> {
    match kind {
        // CON GET /.well-known/core (RFC 7252, RFC 6690).
        Question::Coap => {
            let mut m = vec![0x40, 0x01];
            m.extend_from_slice(&COAP_MESSAGE_ID.to_be_bytes());
            m.push(0xbb);
            m.extend_from_slice(b".well-known");
            m.push(0x04);
            m.extend_from_slice(b"core");
            m
        }
        Question::Ssdp => format!(
            "M-SEARCH * HTTP/1.1\r\nHOST: {addr}\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\nUSER-AGENT: iotvet/{}\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        )
        .into_bytes(),
        Question::Snmp => crate::snmp::get_request("public", 0x0155_0001, 1),
        Question::Snmpv3 => crate::snmp::v3_discovery(0x0155_0003),
        // DNS-SD service enumeration, asking for a unicast answer (RFC 6762 §5.4).
        Question::Mdns => {
            let mut m = vec![0x17, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
            for label in ["_services", "_dns-sd", "_udp", "local"] {
                m.push(label.len() as u8);
                m.extend_from_slice(label.as_bytes());
            }
            m.extend_from_slice(&[0, 0x00, 0x0c, 0x80, 0x01]);
            m
        }
        // RRQ for a file that does not exist: any TFTP server answers ERROR (or DATA).
        Question::Tftp => [&[0u8, 1][..], b"iotvet-probe-no-such-file", &[0], b"octet", &[0]].concat(),
        // A DTLS 1.2 ClientHello with an empty cookie: a server answers HelloVerifyRequest.
        Question::Dtls => dtls_hello().dtls_datagram(dtls_random()),
    }
}

/// What an answer says, if it is the protocol asked: the protocol's name (mDNS asked may turn
/// out plain DNS), how it answered, what it revealed.
pub fn classify(kind: Question, b: &[u8]) -> Option<(&'static str, String, Vec<String>)> {
    let (how, revealed) = match kind {
        Question::Coap => {
            let (&first, rest) = b.split_first()?;
            let code = *rest.first()?;
            let id = u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?]);
            // A CoAP answer is a response to our GET: a 2.xx-5.xx code, or an empty ACK/RST
            // (RFC 7252 §3, §4.2). A request code (0.01 GET, which an echo sends back) is not.
            let message_type = (first >> 4) & 0x3;
            let response = (2..=5).contains(&(code >> 5)) || (code == 0 && message_type >= 2);
            if first >> 6 != 1 || id != COAP_MESSAGE_ID || !response {
                return None;
            }
            let payload = b.iter().position(|x| *x == 0xff).and_then(|p| b.get(p + 1..)).unwrap_or_default();
            let resources: Vec<String> = String::from_utf8_lossy(payload)
                .split(',')
                .filter(|r| r.starts_with('<'))
                .take(20)
                .map(|r| escape_excerpt(r.as_bytes(), 100))
                .collect();
            (format!("CoAP {}.{:02} to GET /.well-known/core, without DTLS", code >> 5, code & 0x1f), resources)
        }
        Question::Ssdp => {
            let text = String::from_utf8_lossy(b);
            if !text.starts_with("HTTP/1.1 200") {
                return None;
            }
            let header = |name: &str| {
                text.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim().eq_ignore_ascii_case(name).then(|| escape_excerpt(v.trim().as_bytes(), 160))
                })
            };
            let revealed = ["LOCATION", "SERVER", "ST", "USN"]
                .iter()
                .filter_map(|h| header(h).map(|v| format!("{h}: {v}")))
                .collect();
            ("SSDP answer to a unicast M-SEARCH".into(), revealed)
        }
        Question::Snmp => {
            let r = crate::snmp::parse_response(b)?;
            (
                format!("SNMP v2c GetResponse to community 'public' (error status {})", r.error_status),
                r.value.map(|v| format!("sysDescr: {v}")).into_iter().collect(),
            )
        }
        Question::Snmpv3 => {
            let engine = crate::snmp::parse_v3_report(b, 0x0155_0003)?;
            return Some((
                "snmpv3",
                "SNMPv3 Report to engine discovery: the agent takes user-based logins".into(),
                vec![format!("engine ID: {engine}")],
            ));
        }
        Question::Mdns => {
            // A legacy unicast query (our source port is not 5353) gets its ID echoed (RFC 6762 §6.7).
            let &[0x17, 0x17, flags, rcode_byte, _, _, a0, a1, ..] = b else { return None };
            if flags & 0xf8 != 0x80 {
                return None;
            }
            let answers = u16::from_be_bytes([a0, a1]);
            let services: Vec<String> = crate::dns::ptr_answers(b)
                .into_iter()
                .map(|s| format!("service: {}", escape_excerpt(s.as_bytes(), 100)))
                .collect();
            // An mDNS responder answers authoritatively with records and offers no recursion; a
            // DNS server (dnsmasq, a router's resolver) offers recursion or refuses the .local name.
            let (authoritative, recursion, rcode) = (flags & 0x04 != 0, rcode_byte & 0x80 != 0, rcode_byte & 0x0f);
            if !(authoritative && !recursion && rcode == 0 && answers > 0) {
                return Some((
                    "dns",
                    format!("DNS answer to a DNS-SD query (rcode {rcode}, {answers} records): a DNS server, not mDNS"),
                    services,
                ));
            }
            (format!("mDNS answer to a unicast DNS-SD query ({answers} records)"), services)
        }
        Question::Tftp => match b {
            [0, 5, _, _, msg @ ..] => (
                format!(
                    "TFTP ERROR to a read request ({})",
                    escape_excerpt(msg.split(|c| *c == 0).next().unwrap_or_default(), 60)
                ),
                vec![],
            ),
            [0, 3, ..] => ("TFTP DATA to a read request".into(), vec![]),
            _ => return None,
        },
        Question::Dtls => {
            use crate::tls::DtlsAnswer;
            let version = |v: u16| match v {
                0xfeff => "DTLS 1.0",
                0xfefd => "DTLS 1.2",
                _ => "DTLS 1.3",
            };
            let how = match crate::tls::read_dtls_answer(b)? {
                DtlsAnswer::Handshake { record_version, message: 3 } => {
                    let _ = record_version; // HelloVerifyRequest is sent as DTLS 1.0 whatever the version (RFC 6347 §4.2.1)
                    "DTLS HelloVerifyRequest (cookie exchange) to a ClientHello".to_owned()
                }
                DtlsAnswer::Handshake { record_version, message: 2 } => {
                    format!("{} ServerHello to a ClientHello", version(record_version))
                }
                // A ClientHello back is our own hello echoed, not a server.
                DtlsAnswer::Handshake { message: 1, .. } => return None,
                DtlsAnswer::Handshake { record_version, message } => {
                    format!("{} handshake message {message} to a ClientHello", version(record_version))
                }
                DtlsAnswer::Alert { level, description } => {
                    format!("DTLS alert (level {level}, description {description}) to a ClientHello")
                }
            };
            (how, vec![])
        }
    };
    Some((name(kind), how, revealed))
}

/// What each protocol's reader makes of one datagram, for every protocol iotvet asks (the
/// fuzz target's entry point: every UDP answer reader over the same bytes).
pub fn read_as_every_protocol(b: &[u8]) -> Vec<(&'static str, String, Vec<String>)> {
    QUESTIONS.into_iter().filter_map(|k| classify(k, b)).collect()
}

pub fn name(kind: Question) -> &'static str {
    match kind {
        Question::Coap => "coap",
        Question::Ssdp => "ssdp",
        Question::Snmp => "snmp",
        Question::Mdns => "mdns",
        Question::Tftp => "tftp",
        Question::Dtls => "dtls",
        Question::Snmpv3 => "snmpv3",
    }
}

/// The DTLS probe's hello (at most DTLS 1.2).
pub fn dtls_hello() -> crate::tls::Hello<'static> {
    crate::tls::Hello::new(None, 0xfefd, &DTLS_SUITES)
}

/// The DTLS probe's client random: one per run, so the hello sent again with the cookie is the
/// same hello (RFC 6347 §4.2.1).
pub fn dtls_random() -> [u8; 32] {
    static RANDOM: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    *RANDOM.get_or_init(crate::tls::random)
}

pub fn dtls_name(version: u16) -> &'static str {
    match version {
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        _ => "DTLS 1.3",
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_and_others_are_not() {
        let coap =
            [0x60, 0x45, 0x5a, 0x17, 0xc1, 0x28, 0xff, b'<', b'/', b't', b'>', b',', b'<', b'/', b'f', b'w', b'>'];
        let (_, how, res) = classify(Question::Coap, &coap).unwrap();
        assert!(how.contains("2.05"), "{how}");
        assert_eq!(res, vec!["</t>", "</fw>"]);
        assert!(classify(Question::Coap, &[0x60, 0x45, 0, 1]).is_none(), "another message id");
        // Our own request sent back (an echo service) is no CoAP server, nor any other protocol.
        let addr: SocketAddr = "127.0.0.1:7".parse().unwrap();
        for kind in QUESTIONS {
            assert!(classify(kind, &request(kind, addr)).is_none(), "{kind:?} took its own request for an answer");
        }
        let ssdp = b"HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.2:49152/desc.xml\r\nSERVER: Linux UPnP/1.0\r\n\r\n";
        let (_, _, res) = classify(Question::Ssdp, ssdp).unwrap();
        assert_eq!(res[0], "LOCATION: http://10.0.0.2:49152/desc.xml");
        assert!(classify(Question::Tftp, b"\x00\x05\x00\x01File not found\x00").unwrap().1.contains("File not found"));
        assert!(classify(Question::Mdns, &[0; 12]).is_none());
        // A DNS-SD answer: the question, then two PTR records, the second compressed.
        let mut m = vec![0x17, 0x17, 0x84, 0, 0, 1, 0, 2, 0, 0, 0, 0];
        let question = 12;
        for label in ["_services", "_dns-sd", "_udp", "local"] {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 12, 0, 1]);
        let mut rdata = vec![5];
        rdata.extend_from_slice(b"_http");
        rdata.extend_from_slice(&[4]);
        rdata.extend_from_slice(b"_tcp");
        rdata.extend_from_slice(&[0xc0, (question + 23) as u8]); // -> "local", 23 bytes into the question
        m.extend_from_slice(&[0xc0, question as u8, 0, 12, 0, 1, 0, 0, 0, 10, 0, rdata.len() as u8]);
        m.extend_from_slice(&rdata);
        let mut rdata2 = vec![4];
        rdata2.extend_from_slice(b"_hap");
        rdata2.extend_from_slice(&[4]);
        rdata2.extend_from_slice(b"_tcp");
        rdata2.extend_from_slice(&[0xc0, (question + 23) as u8]);
        m.extend_from_slice(&[0xc0, question as u8, 0, 12, 0, 1, 0, 0, 0, 10, 0, rdata2.len() as u8]);
        m.extend_from_slice(&rdata2);
        let (protocol, how, revealed) = classify(Question::Mdns, &m).unwrap();
        assert!(how.contains("2 records") && protocol == "mdns", "{how}");
        assert_eq!(revealed, vec!["service: _http._tcp.local", "service: _hap._tcp.local"]);
        // The same answer from a recursive resolver, or a refusal, is DNS, not mDNS.
        let mut dns = m.clone();
        dns[3] = 0x80;
        assert_eq!(classify(Question::Mdns, &dns).unwrap().0, "dns");
        let refused = [0x17, 0x17, 0x81, 0x85, 0, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(classify(Question::Mdns, &refused).unwrap().0, "dns");
        // A pointer loop ends the reading instead of spinning.
        let mut looped = m[..12].to_vec();
        looped[5] = 0;
        looped.extend_from_slice(&[0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 10, 0, 2, 0xc0, 24]);
        assert_eq!(crate::dns::ptr_answers(&looped), Vec::<String>::new());
        for kind in QUESTIONS {
            assert!(classify(kind, b"").is_none());
            assert!(classify(kind, b"\xff\xff\xff\xff garbage").is_none(), "{kind:?}");
        }
    }
}
