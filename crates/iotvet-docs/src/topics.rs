//! Which required topics a privacy policy covers, each with the sentence that covers it.
//! A topic is covered by the first sentence that contains one of its phrases (case-insensitive).

use iotvet_core::documents::TopicCoverage;

/// The topics a privacy policy must cover, with the phrases that show each. The phrases follow
/// how real policies word each topic (the categories of the OPP-115 annotation scheme: first
/// party collection and use, third-party sharing, retention, security, user access/edit/
/// deletion and choice, specific audiences, policy change), checked against Mozilla's and
/// GitHub's notices in `../shared/corpora/policies/`; a heading counts as a sentence, so "How
/// long we keep your data" covers retention. English only: other languages are unknown.
/// Each topic: phrases that name it plainly (tried first, over the whole text), then broader
/// phrases that only suggest it (tried when no plain one is found).
pub const TOPICS: [(&str, &[&str], &[&str]); 9] = [
    (
        "data-collected",
        &[
            "we collect",
            "data we collect",
            "information we collect",
            "data we process",
            "personal data we",
            "personal data that we",
            "information we receive",
            "data we receive",
            "collects the following",
            "information you provide",
            "data you provide",
        ],
        &[
            "collect",
            "we receive",
            "receives",
            "we obtain",
            "we gather",
            "we process",
            "we store",
            "we log",
            "you give us",
        ],
    ),
    (
        "purposes",
        &[
            "we use your",
            "we use the data",
            "we use the information",
            "we use this",
            "we use it",
            "we process personal data to",
            "why we process",
            "why we collect",
            "why we use",
            "how we use",
            "purposes",
            "legal basis",
            "lawful basis",
            "legitimate interest",
        ],
        &[
            "we use",
            "uses your",
            "uses the",
            "is used to",
            "are used to",
            "used for",
            "purpose",
            "in order to",
            "to improve",
        ],
    ),
    (
        "sharing",
        &[
            "we share",
            "we disclose",
            "we sell",
            "do not sell",
            "third part",
            "third-part",
            "service provider",
            "processors",
        ],
        &["share", "sell", "disclose", "partners"],
    ),
    (
        "retention",
        &[
            "retain",
            "retention",
            "how long",
            "we keep",
            "keep your",
            "kept for",
            "stored for",
            "as long as",
            "no longer need",
            "no longer necessary",
            "long enough",
            "we delete",
            "will delete",
            "will be deleted",
            "automatically deleted",
            "deleted after",
            "deleted within",
            "delete it after",
        ],
        &["keep it", "keep the", "keep this", "store it for", "is deleted", "are deleted", "days after", "for up to"],
    ),
    (
        "security",
        &["security", "secure", "encrypt", "safeguard", "unauthorized access", "unauthorised access", "breach"],
        &["protect your", "protect the", "protects", "protect it"],
    ),
    (
        "user-rights",
        &[
            "your rights",
            "right to",
            "right of access",
            "data subject",
            "access request",
            "access your",
            "delete your",
            "correct your",
            "rectif",
            "erase",
            "erasure",
            "opt out",
            "opt-out",
            "withdraw your consent",
            "withdraw consent",
            "object to",
            "portab",
        ],
        &[
            "rights",
            "deletion",
            "withdraw",
            "you can delete",
            "you can turn off",
            "you can disable",
            "you can choose",
            "your choices",
            "manage your",
            "settings",
        ],
    ),
    (
        "children",
        &[
            "children",
            "child's",
            "minors",
            "under 13",
            "under the age",
            "under 16",
            "age of 13",
            "age of 16",
            "coppa",
            "parental consent",
        ],
        &["child", "kids"],
    ),
    (
        "contact",
        &[
            "contact us",
            "contact mozilla",
            "you can contact",
            "please contact",
            "email us",
            "write to us",
            "reach us",
            "data protection officer",
            "how to contact",
        ],
        &["questions", "@"],
    ),
    (
        "changes",
        &[
            "changes to this",
            "change this",
            "changes to our",
            "update this",
            "updates to this",
            "we may update",
            "we may change",
            "we update",
            "modify this",
            "amend this",
            "last updated",
            "effective date",
        ],
        &["from time to time", "revise", "amend", "notify you", "effective:", "updated:"],
    ),
];

pub fn coverage(sentences: &[String]) -> Vec<TopicCoverage> {
    let lower: Vec<String> = sentences.iter().map(|s| s.to_lowercase()).collect();
    let first = |phrases: &[&str]| lower.iter().position(|s| phrases.iter().any(|p| s.contains(p)));
    TOPICS
        .iter()
        .map(|(topic, plain, broad)| {
            let hit = first(plain).or_else(|| first(broad)).and_then(|i| sentences.get(i));
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

    #[test]
    fn a_plain_phrase_wins_over_an_earlier_broad_one_and_contact_details_are_not_a_contact() {
        let s = vec![
            "That is why we build products that give you control.".to_owned(),
            "We process contact information such as your email address.".to_owned(),
            "We may also ask about your parental status.".to_owned(),
            "How we use your data: to send receipts.".to_owned(),
        ];
        let c = coverage(&s);
        let get = |t: &str| c.iter().find(|x| x.topic == t).unwrap();
        assert_eq!(get("purposes").sentence.as_deref(), Some("How we use your data: to send receipts."));
        assert!(!get("contact").covered, "contact details collected are no way to contact the vendor");
        assert!(!get("children").covered, "parental status is not about children's data");
    }

    #[test]
    fn real_notices_cover_what_they_cover() {
        // Mozilla's Firefox notice and GitHub's privacy statement (../shared/corpora/policies):
        // each covers every topic but children (Firefox) — read by a person, topic by topic.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/policies");
        let read = |p: &str| std::fs::read_to_string(root.join(p)).ok();
        let (Some(firefox), Some(github)) = (
            read("mozilla_legal_docs/en/firefox_privacy_notice.md"),
            read("github_site_policy/github-general-privacy-statement.md"),
        ) else {
            assert!(std::env::var_os("CI").is_none(), "../shared/corpora/policies is absent in CI");
            return;
        };
        let missing = |text: &str| -> Vec<String> {
            coverage(&crate::readability::sentences(text)).into_iter().filter(|t| !t.covered).map(|t| t.topic).collect()
        };
        assert_eq!(missing(&firefox), vec!["children"]);
        assert_eq!(missing(&github), Vec::<String>::new());
    }
}
