//! DNS messages, as far as iotvet reads them: the PTR answers of a DNS-SD enumeration.

/// The names PTR answers point to in a DNS message (for DNS-SD enumeration: the service types,
/// e.g. `_http._tcp.local`), at most 20. Written by hand: only PTR answers are needed, and a
/// DNS library would be a dependency for twenty lines. Compression pointers are followed at
/// most 16 deep; anything malformed ends the reading.
pub fn ptr_answers(msg: &[u8]) -> Vec<String> {
    let count = |at: usize| match msg.get(at..at + 2) {
        Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
        _ => 0,
    };
    let (questions, answers) = (count(4), count(6));
    let mut at = 12;
    for _ in 0..questions {
        let Some((_, end)) = name(msg, at) else { return vec![] };
        at = end + 4;
    }
    let mut out = Vec::new();
    for _ in 0..answers.min(64) {
        let Some((_, end)) = name(msg, at) else { break };
        let Some(&[t0, t1, _, _, _, _, _, _, l0, l1]) = msg.get(end..end + 10) else { break };
        let rdata = end + 10;
        if u16::from_be_bytes([t0, t1]) == 12 {
            if let Some((name, _)) = name(msg, rdata) {
                if out.len() < 20 && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        at = rdata + usize::from(u16::from_be_bytes([l0, l1]));
    }
    out
}

/// The name at `at` (dotted) and where the name's own bytes end.
fn name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at)?;
        match len {
            0 => return Some((labels.join("."), end.unwrap_or(at + 1))),
            l if l & 0xc0 == 0xc0 => {
                end.get_or_insert(at + 2);
                at = usize::from(u16::from_be_bytes([l & 0x3f, *msg.get(at + 1)?]));
            }
            l if l < 64 => {
                let label = msg.get(at + 1..at + 1 + usize::from(l))?;
                labels.push(String::from_utf8_lossy(label).into_owned());
                at += 1 + usize::from(l);
            }
            _ => return None,
        }
    }
    None
}
