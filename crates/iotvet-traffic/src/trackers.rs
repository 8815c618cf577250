//! Known trackers and analytics hosts: the bundled lists (`data/trackers/SOURCES.md`) or one the
//! user gives. A host matches when it or a parent domain is listed.

use std::collections::HashMap;

const BUNDLED: [(&str, &str); 13] = [
    ("Perflyst SmartTV", include_str!("../data/trackers/SmartTV.txt")),
    ("Perflyst AmazonFireTV", include_str!("../data/trackers/AmazonFireTV.txt")),
    ("Perflyst android-tracking", include_str!("../data/trackers/android-tracking.txt")),
    ("Perflyst SessionReplay", include_str!("../data/trackers/SessionReplay.txt")),
    ("NextDNS alexa", include_str!("../data/trackers/nextdns-alexa.txt")),
    ("NextDNS apple", include_str!("../data/trackers/nextdns-apple.txt")),
    ("NextDNS huawei", include_str!("../data/trackers/nextdns-huawei.txt")),
    ("NextDNS roku", include_str!("../data/trackers/nextdns-roku.txt")),
    ("NextDNS samsung", include_str!("../data/trackers/nextdns-samsung.txt")),
    ("NextDNS sonos", include_str!("../data/trackers/nextdns-sonos.txt")),
    ("NextDNS windows", include_str!("../data/trackers/nextdns-windows.txt")),
    ("NextDNS xiaomi", include_str!("../data/trackers/nextdns-xiaomi.txt")),
    ("anudeepND adservers", include_str!("../data/trackers/anudeep-adservers.txt")),
];

/// Domains mapped to the list that names them.
#[derive(Debug, Clone, Default)]
pub struct TrackerList {
    pub name: String,
    domains: HashMap<String, String>,
}

/// The domains of one list text: one per line or hosts format; `#` comments; lower-cased.
fn domains(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().filter_map(|line| {
        let line = line.split('#').next()?.trim();
        let host = line.split_whitespace().last()?;
        (host.contains('.') && !host.contains('/')).then(|| host.trim_end_matches('.').to_ascii_lowercase())
    })
}

impl TrackerList {
    pub fn bundled() -> Self {
        let mut domains = HashMap::new();
        for (name, text) in BUNDLED {
            for d in self::domains(text) {
                domains.entry(d).or_insert_with(|| name.to_owned());
            }
        }
        Self { name: "bundled (Perflyst, NextDNS native tracking, anudeepND adservers)".into(), domains }
    }

    pub fn from_text(name: &str, text: &str) -> Self {
        Self { name: name.to_owned(), domains: domains(text).map(|d| (d, name.to_owned())).collect() }
    }

    pub fn len(&self) -> usize {
        self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// The listed domain (and its list) that `host` matches, itself or a parent.
    pub fn matches(&self, host: &str) -> Option<(String, String)> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let mut candidate = host.as_str();
        loop {
            if let Some(list) = self.domains.get(candidate) {
                return Some((candidate.to_owned(), list.clone()));
            }
            candidate = candidate.split_once('.')?.1;
            if !candidate.contains('.') {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_lists_hold_the_checked_facts() {
        let t = TrackerList::bundled();
        assert!(t.len() > 42_000);
        assert_eq!(t.matches("logs.roku.com").map(|m| m.1), Some("NextDNS roku".to_owned()));
        assert!(t.matches("nmetrics.samsung.com").is_some());
        assert!(t.matches("app-measurement.com").is_some());
        assert!(t.matches("x.y.app-measurement.com").is_some(), "a subdomain of a listed host");
        // Commented out in SmartTV.txt, but its parent samsungcloudsolution.com is listed.
        assert_eq!(
            t.matches("acr0.samsungcloudsolution.com").map(|m| m.0).as_deref(),
            Some("samsungcloudsolution.com")
        );
        assert_eq!(domains("#acr0.a.example # why\nb.example\n").collect::<Vec<_>>(), ["b.example"]);
        assert!(t.matches("example.com").is_none() && t.matches("com").is_none());
        let own = TrackerList::from_text("mine", "# c\n0.0.0.0 t.example\nu.example\n");
        assert_eq!(own.len(), 2);
    }
}
