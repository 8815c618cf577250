//! Port specifications as users write them for nmap: `22`, `1-1024`, `22,80,8000-8100`, `-`.

use crate::NetError;

/// A sorted, de-duplicated list of TCP ports, with the spec it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortList {
    spec: String,
    ports: Vec<u16>,
}

impl PortList {
    /// All 65,535 ports.
    pub fn all() -> Self {
        Self { spec: "1-65535".into(), ports: (1..=65535).collect() }
    }

    pub fn from_ports(ports: impl IntoIterator<Item = u16>) -> Self {
        let mut ports: Vec<u16> = ports.into_iter().filter(|p| *p != 0).collect();
        ports.sort_unstable();
        ports.dedup();
        let spec = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
        Self { spec, ports }
    }

    /// Parses `22,80,8000-8100`; `-`, `all` and `1-65535` mean every port; `-1024` and `60000-`
    /// are open ranges as in nmap.
    pub fn parse(spec: &str) -> Result<Self, NetError> {
        let err = |reason: String| NetError::PortSpec { spec: spec.to_owned(), reason };
        let trimmed = spec.trim();
        if trimmed.is_empty() {
            return Err(err("empty".into()));
        }
        if trimmed == "-" || trimmed.eq_ignore_ascii_case("all") {
            return Ok(Self::all());
        }
        let mut ports = Vec::new();
        for part in trimmed.split(',') {
            let part = part.trim();
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (
                    if a.is_empty() { 1 } else { port(a).map_err(err)? },
                    if b.is_empty() { 65535 } else { port(b).map_err(err)? },
                ),
                None => {
                    let p = port(part).map_err(err)?;
                    (p, p)
                }
            };
            if lo > hi {
                return Err(err(format!("range {part} runs backwards")));
            }
            ports.extend(lo..=hi);
        }
        let mut list = Self::from_ports(ports);
        list.spec = trimmed.to_owned();
        Ok(list)
    }

    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    pub fn spec(&self) -> &str {
        &self.spec
    }

    pub fn len(&self) -> usize {
        self.ports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }
}

fn port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u32>() {
        Ok(p @ 1..=65535) => Ok(p as u16),
        Ok(p) => Err(format!("{p} is not a port (1-65535)")),
        Err(_) => Err(format!("'{}' is not a number", s.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_ranges_and_open_ends() {
        assert_eq!(PortList::parse("80,22,22,8000-8002").unwrap().ports(), &[22, 80, 8000, 8001, 8002]);
        assert_eq!(PortList::parse("-").unwrap().len(), 65535);
        assert_eq!(PortList::parse("all").unwrap().len(), 65535);
        assert_eq!(PortList::parse("-3").unwrap().ports(), &[1, 2, 3]);
        assert_eq!(PortList::parse("65534-").unwrap().ports(), &[65534, 65535]);
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        for (spec, why) in [
            ("", "empty"),
            ("0", "not a port"),
            ("70000", "not a port"),
            ("80-20", "backwards"),
            ("http", "not a number"),
            ("1,,2", "not a number"),
        ] {
            let e = PortList::parse(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
        }
    }
}
