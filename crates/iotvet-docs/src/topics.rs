//! Which required topics a privacy policy covers, each with the sentence that covers it.
//! A topic is covered by the first sentence that contains one of its phrases (case-insensitive).

use iotvet_core::documents::TopicCoverage;

/// The topics a privacy policy must cover, with the phrases that show each.
pub const TOPICS: [(&str, &[&str]); 9] = [
    (
        "data-collected",
        &[
            "we collect",
            "information we collect",
            "data we collect",
            "we may collect",
            "may collect",
            "collects the following",
            "information you provide",
            "we gather",
        ],
    ),
    (
        "purposes",
        &[
            "we use your",
            "we use the information",
            "we use this",
            "use your personal",
            "purposes",
            "in order to provide",
            "we process your",
        ],
    ),
    ("sharing", &["share", "sell", "disclose", "third part", "third-part"]),
    (
        "retention",
        &["retain", "retention", "how long", "keep your", "kept for", "stored for", "delete it after", "deleted after"],
    ),
    ("security", &["secure", "security", "encrypt", "protect your", "safeguard"]),
    (
        "user-rights",
        &[
            "right to access",
            "right of access",
            "access your",
            "correct",
            "rectif",
            "delete your",
            "deletion",
            "erase",
            "your rights",
            "opt out",
            "withdraw",
        ],
    ),
    ("children", &["child", "children", "minors", "under 13", "under the age", "under 16"]),
    ("contact", &["contact us", "contact our", "email us", "write to us", "data protection officer", "@"]),
    (
        "changes",
        &[
            "changes to this",
            "change this policy",
            "update this policy",
            "we may update",
            "we may change",
            "revise this",
            "modify this",
            "amend this",
            "notify you of",
            "last updated",
        ],
    ),
];

pub fn coverage(sentences: &[String]) -> Vec<TopicCoverage> {
    TOPICS
        .iter()
        .map(|(topic, phrases)| {
            let hit = sentences.iter().find(|s| {
                let lower = s.to_lowercase();
                phrases.iter().any(|p| lower.contains(p))
            });
            TopicCoverage {
                topic: (*topic).to_owned(),
                covered: hit.is_some(),
                sentence: hit.map(|s| {
                    let cut: String = s.chars().take(240).collect();
                    if cut.len() < s.len() {
                        cut + "…"
                    } else {
                        cut
                    }
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sentence_for_each_topic_and_misses_the_absent() {
        let s = vec![
            "We collect your email address.".to_owned(),
            "We never sell your data to third parties.".to_owned(),
            "Contact us at privacy@example.com.".to_owned(),
        ];
        let c = coverage(&s);
        let get = |t: &str| c.iter().find(|x| x.topic == t).unwrap();
        assert_eq!(get("data-collected").sentence.as_deref(), Some("We collect your email address."));
        assert!(get("sharing").covered);
        assert!(get("contact").covered);
        assert!(!get("retention").covered);
        assert!(!get("children").covered);
    }
}
