//! The scope guard: iotvet probes only targets its user named, and explains every refusal.
//! A target is an IP address, a host name, or a CIDR block no larger than the policy allows
//! (a /24, 256 addresses, by default). Multicast, broadcast and unspecified addresses are never
//! targets: they are not a device.

use std::net::IpAddr;
use std::time::Duration;

/// An address the user named, and the name they used for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedTarget {
    pub name: String,
    pub address: IpAddr,
}

#[derive(Debug, Clone, Copy)]
pub struct ScopePolicy {
    /// The largest number of addresses one CIDR target may expand to.
    pub max_hosts: u32,
    pub resolve_timeout: Duration,
}

impl Default for ScopePolicy {
    fn default() -> Self {
        Self { max_hosts: 256, resolve_timeout: Duration::from_secs(5) }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error("cannot resolve '{name}': {reason}")]
    Resolve { name: String, reason: String },
    #[error("refusing '{target}': {addresses} addresses is more than the {max} one target may cover (a /24 by default); name a smaller block or raise --max-hosts")]
    TooLarge { target: String, addresses: u128, max: u32 },
    #[error("refusing '{target}': {why}")]
    NotADevice { target: String, why: &'static str },
    #[error("'{target}' is not an address, a host name or a CIDR block: {reason}")]
    Syntax { target: String, reason: String },
}

/// Expands and checks one target as the user wrote it.
pub async fn resolve_target(spec: &str, policy: ScopePolicy) -> Result<Vec<ScopedTarget>, ScopeError> {
    let spec = spec.trim();
    if let Some((base, len)) = spec.split_once('/') {
        return expand_cidr(spec, base, len, policy);
    }
    if let Ok(ip) = spec.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        check_address(spec, ip)?;
        return Ok(vec![ScopedTarget { name: spec.to_owned(), address: ip }]);
    }
    if spec.is_empty() || !spec.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_') {
        return Err(ScopeError::Syntax {
            target: spec.to_owned(),
            reason: "a host name has only letters, digits, '-', '_' and '.'".into(),
        });
    }
    let lookup = tokio::time::timeout(policy.resolve_timeout, tokio::net::lookup_host((spec, 0))).await;
    let addrs: Vec<IpAddr> = match lookup {
        Err(_) => {
            return Err(ScopeError::Resolve {
                name: spec.into(),
                reason: format!("no answer within {:?}", policy.resolve_timeout),
            })
        }
        Ok(Err(e)) => return Err(ScopeError::Resolve { name: spec.into(), reason: e.to_string() }),
        Ok(Ok(it)) => it.map(|sa| sa.ip()).collect(),
    };
    // A name stands for one device: take its first IPv4 address, else its first address.
    let ip = addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .map(|a| a.to_canonical())
        .ok_or_else(|| ScopeError::Resolve { name: spec.into(), reason: "no address".into() })?;
    check_address(spec, ip)?;
    Ok(vec![ScopedTarget { name: spec.to_owned(), address: ip }])
}

/// Refuses what is not one device. An IPv4 address written as IPv6 (`::ffff:224.0.0.1`) is
/// judged as the IPv4 address it is.
fn check_address(target: &str, ip: IpAddr) -> Result<(), ScopeError> {
    let why = match ip.to_canonical() {
        IpAddr::V4(v4) if v4.is_unspecified() => Some("0.0.0.0 is not a device address"),
        IpAddr::V4(v4) if v4.is_broadcast() => {
            Some("broadcast addresses reach every host on a network, not one device")
        }
        IpAddr::V4(v4) if v4.is_multicast() => Some("multicast addresses reach a group of hosts, not one device"),
        IpAddr::V6(v6) if v6.is_unspecified() => Some(":: is not a device address"),
        IpAddr::V6(v6) if v6.is_multicast() => Some("multicast addresses reach a group of hosts, not one device"),
        _ => None,
    };
    match why {
        Some(why) => Err(ScopeError::NotADevice { target: target.to_owned(), why }),
        None => Ok(()),
    }
}

fn expand_cidr(spec: &str, base: &str, len: &str, policy: ScopePolicy) -> Result<Vec<ScopedTarget>, ScopeError> {
    let syntax = |reason: &str| ScopeError::Syntax { target: spec.to_owned(), reason: reason.to_owned() };
    let ip: IpAddr = base.parse().map_err(|_| syntax("the part before '/' is not an IP address"))?;
    let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
    let len: u32 = len.parse().map_err(|_| syntax("the prefix length is not a number"))?;
    if len > bits {
        return Err(syntax("the prefix length is longer than the address"));
    }
    let count: u128 = 1u128 << (bits - len).min(127);
    if count > u128::from(policy.max_hosts) {
        return Err(ScopeError::TooLarge { target: spec.to_owned(), addresses: count, max: policy.max_hosts });
    }
    let mut out = Vec::new();
    match ip {
        IpAddr::V4(v4) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            let first = u32::from(v4) & mask;
            for i in 0..count as u32 {
                let a = IpAddr::V4((first | i).into());
                if check_address(spec, a).is_ok() {
                    out.push(ScopedTarget { name: a.to_string(), address: a });
                }
            }
        }
        IpAddr::V6(v6) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            let first = u128::from(v6) & mask;
            for i in 0..count {
                let a = IpAddr::V6((first | i).into()).to_canonical();
                if check_address(spec, a).is_ok() {
                    out.push(ScopedTarget { name: a.to_string(), address: a });
                }
            }
        }
    }
    if out.is_empty() {
        return Err(ScopeError::NotADevice { target: spec.to_owned(), why: "the block holds no device address" });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    #[test]
    fn a_single_address_is_itself() {
        let t = run(resolve_target("127.77.0.10", ScopePolicy::default())).unwrap();
        assert_eq!(t, vec![ScopedTarget { name: "127.77.0.10".into(), address: "127.77.0.10".parse().unwrap() }]);
    }

    #[test]
    fn a_slash_24_expands_and_a_slash_16_is_refused_with_the_reason() {
        assert_eq!(run(resolve_target("127.77.0.0/24", ScopePolicy::default())).unwrap().len(), 256);
        assert_eq!(
            run(resolve_target("127.77.0.9/30", ScopePolicy::default())).unwrap()[0].address.to_string(),
            "127.77.0.8"
        );
        let e = run(resolve_target("127.77.0.0/16", ScopePolicy::default())).unwrap_err();
        assert!(matches!(e, ScopeError::TooLarge { addresses: 65536, .. }), "{e}");
        assert!(e.to_string().contains("65536 addresses"));
    }

    #[test]
    fn multicast_broadcast_and_unspecified_are_refused() {
        for t in [
            "224.0.0.251",
            "255.255.255.255",
            "0.0.0.0",
            "ff02::1",
            "::",
            "::ffff:224.0.0.1",
            "::ffff:255.255.255.255",
            "::ffff:0.0.0.0",
            "::ffff:e000:1",
            "::ffff:224.0.0.0/126",
        ] {
            let e = run(resolve_target(t, ScopePolicy::default())).unwrap_err();
            assert!(matches!(e, ScopeError::NotADevice { .. }), "{t}: {e}");
        }
    }

    #[test]
    fn a_mapped_address_is_probed_as_the_ipv4_address_it_is() {
        let t = run(resolve_target("::ffff:127.77.0.10", ScopePolicy::default())).unwrap();
        assert_eq!(t[0].address, "127.77.0.10".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn garbage_is_a_syntax_error_and_localhost_resolves() {
        assert!(matches!(run(resolve_target("a b", ScopePolicy::default())), Err(ScopeError::Syntax { .. })));
        assert!(matches!(run(resolve_target("1.2.3.4/40", ScopePolicy::default())), Err(ScopeError::Syntax { .. })));
        let t = run(resolve_target("localhost", ScopePolicy::default())).unwrap();
        assert!(t[0].address.is_loopback());
    }
}

/// The addresses a test bench may probe (`iotvet worker --allow`): CIDR blocks and single
/// addresses. What a register user asks a bench to assess must lie inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<(IpAddr, u8)>);

impl AllowList {
    /// Parses `127.77.0.0/24`, `192.0.2.7`, `2001:db8::/64` (one each).
    pub fn parse(specs: &[String]) -> Result<Self, ScopeError> {
        let mut out = Vec::new();
        for spec in specs {
            let syntax = |reason: &str| ScopeError::Syntax { target: spec.clone(), reason: reason.into() };
            let (base, len) = match spec.trim().split_once('/') {
                Some((b, l)) => (b, Some(l)),
                None => (spec.trim(), None),
            };
            let ip: IpAddr = base.parse().map_err(|_| syntax("an allowed block is an address or a CIDR block"))?;
            let ip = ip.to_canonical();
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = match len {
                Some(l) => l
                    .parse::<u8>()
                    .ok()
                    .filter(|l| *l <= max)
                    .ok_or_else(|| syntax("a prefix length past the address's"))?,
                None => max,
            };
            out.push((ip, len));
        }
        Ok(AllowList(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` lies in one of the blocks.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|(base, len)| match (base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = if *len == 0 { 0 } else { u32::MAX << (32 - u32::from(*len)) };
                u32::from(*b) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = if *len == 0 { 0 } else { u128::MAX << (128 - u32::from(*len)) };
                u128::from(*b) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }
}

#[cfg(test)]
mod allow_tests {
    use super::*;

    #[test]
    fn an_allow_list_holds_its_blocks_and_nothing_else() {
        let list = AllowList::parse(&["127.77.0.0/24".into(), "192.0.2.7".into(), "2001:db8::/32".into()]).unwrap();
        for (ip, yes) in [
            ("127.77.0.30", true),
            ("127.77.1.30", false),
            ("192.0.2.7", true),
            ("192.0.2.8", false),
            ("::ffff:127.77.0.9", true),
            ("2001:db8:1::5", true),
            ("2001:db9::5", false),
            ("10.0.0.1", false),
        ] {
            assert_eq!(list.allows(ip.parse().unwrap()), yes, "{ip}");
        }
        assert!(AllowList::parse(&["127.0.0.0/33".into()]).is_err());
        assert!(AllowList::parse(&["example.com".into()]).is_err());
        assert!(!AllowList::default().allows("127.0.0.1".parse().unwrap()), "empty allows nothing");
    }
}
