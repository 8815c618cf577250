//! MS-5, privacy practices, from the privacy policy and terms themselves: reachable, readable
//! (thresholds recorded with the observation; plain-language defaults), and, for the policy,
//! covering the required topics. Nothing read is Unknown; a document that could not be had fails.

use crate::{
    case::CaseFile,
    catalog::ids,
    documents::{ExtractionFailure, PolicyObservation},
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for (kind, check) in [("privacy-policy", ids::NO_PRIVACY_POLICY), ("terms", ids::NO_TERMS)] {
        let observed = case.documents.as_ref().and_then(|d| d.policies.iter().find(|p| p.kind == kind));
        match observed {
            None => out.push(Finding::unknown(check, Location::device(&case.target.address))),
            Some(o) => out.extend(judge_document(&case.target.address, check, o)),
        }
    }
    out.extend(children_checklist(case));
    out
}

/// `priv.children-checklist`: for a product declared to be for children, the retailer
/// checklist's answers (declared by the vendor). Not applicable to other products.
pub fn children_checklist(case: &CaseFile) -> Option<Finding> {
    let d = case.declaration.as_ref().filter(|d| d.product.for_children)?;
    let loc = case.declared_at("children");
    let Some(c) = &d.children else {
        return Some(
            Finding::unknown(ids::CHILDREN_CHECKLIST, loc)
                .evidence("declared a children's product, without the checklist answers"),
        );
    };
    // (question, answer, the safe answer)
    let questions = [
        (
            "collects children's data only with a parent's consent",
            c.collects_childrens_data.map(|collects| !collects || c.parental_consent_before_collection == Some(true)),
        ),
        ("parents can delete the data", c.parents_can_delete_data),
        ("data encrypted at rest and in transit", c.data_encrypted_at_rest_and_in_transit),
        ("strangers cannot contact the child", c.strangers_can_contact_child.map(|can| !can)),
    ];
    let failed: Vec<&str> = questions.iter().filter(|(_, a)| *a == Some(false)).map(|(q, _)| *q).collect();
    let open: Vec<&str> = questions.iter().filter(|(_, a)| a.is_none()).map(|(q, _)| *q).collect();
    let f = if !failed.is_empty() {
        Finding::fail(ids::CHILDREN_CHECKLIST, loc).evidence(format!("declared answers fail: {}", failed.join("; ")))
    } else if !open.is_empty() {
        Finding::unknown(ids::CHILDREN_CHECKLIST, loc).evidence(format!("not answered: {}", open.join("; ")))
    } else {
        Finding::pass(ids::CHILDREN_CHECKLIST, loc).evidence("every checklist answer is the safe one")
    };
    Some(f.declared())
}

fn judge_document(target: &str, check: &str, o: &PolicyObservation) -> Vec<Finding> {
    let source = o.retrieval.urls.last().cloned().unwrap_or_else(|| o.retrieval.source.clone());
    let loc = Location::document(target, &o.kind, &source);
    if let Some(e) = &o.retrieval.error {
        return vec![Finding::fail(check, loc).evidence(format!("could not be read: {e}"))];
    }
    if o.extraction_error.is_some() || o.extraction_failure.is_some() {
        // The document was there; iotvet could not read it. That proves nothing against the
        // vendor: the text decides, and there is none to judge.
        let why = o.extraction_error.clone().unwrap_or_else(|| "no text could be taken from the document".into());
        let needs = match o.extraction_failure {
            Some(ExtractionFailure::TooLarge) => {
                "the document within the decompression cap (raise it with --max-document-mib if the document is genuine)"
            }
            Some(ExtractionFailure::NoText) => {
                "the document's text (a page filled in by JavaScript or a scanned PDF has none iotvet can read)"
            }
            Some(ExtractionFailure::UnreadableFormat) | None => {
                "the document in a format iotvet can read (HTML, text or PDF)"
            }
        };
        return vec![Finding::unknown(check, loc).evidence(why).needs(needs)];
    }
    let mut out = vec![Finding::pass(check, loc.clone()).evidence(format!(
        "read from {source}: {} characters of text{}",
        o.text_chars,
        o.language.as_deref().map(|l| format!(", language {l}")).unwrap_or_default()
    ))];
    let t = o.thresholds;
    match (&o.readability, o.language.as_deref()) {
        (Some(r), _) => {
            let figures = format!(
                "{} words in {} sentences; Flesch Reading Ease {:.1} (plain language: {:.0} or more), Flesch-Kincaid grade {:.1} (plain language: {:.0} or less), Gunning Fog {:.1}, SMOG {:.1}, Coleman-Liau {:.1}, ARI {:.1}; about {:.1} minutes to read",
                r.words, r.sentences, r.flesch_reading_ease, t.min_flesch_reading_ease, r.flesch_kincaid_grade, t.max_grade,
                r.gunning_fog, r.smog, r.coleman_liau, r.ari, r.reading_time_minutes
            );
            let hard = r.flesch_reading_ease < t.min_flesch_reading_ease || r.flesch_kincaid_grade > t.max_grade;
            out.push(
                if hard {
                    Finding::fail(ids::HARD_TO_READ, loc.clone())
                } else {
                    Finding::pass(ids::HARD_TO_READ, loc.clone())
                }
                .evidence(figures),
            );
        }
        (None, language) => out.push(
            Finding::unknown(ids::HARD_TO_READ, loc.clone())
                .evidence(format!("language: {}", language.unwrap_or("not recognised")))
                .needs("readability formulas for the document's language (they are calibrated for English)"),
        ),
    }
    if o.kind == "privacy-policy" {
        let missing: Vec<&str> = o.topics.iter().filter(|t| !t.covered).map(|t| t.topic.as_str()).collect();
        // The topic phrases are English: in another language a topic not found is not known to
        // be missing.
        let english = o.language.as_deref() == Some("eng");
        let mut f = if missing.is_empty() {
            Finding::pass(ids::TOPICS_MISSING, loc)
        } else if !english {
            Finding::unknown(ids::TOPICS_MISSING, loc)
                .evidence(format!(
                    "language {}: not found by iotvet's English phrases: {}",
                    o.language.as_deref().unwrap_or("not recognised"),
                    missing.join(", ")
                ))
                .needs("topic detection for the document's language (iotvet's topic phrases are English)")
        } else {
            Finding::fail(ids::TOPICS_MISSING, loc).evidence(format!("not covered: {}", missing.join(", ")))
        };
        for t in o.topics.iter().filter(|t| t.covered) {
            f = f.evidence(format!("{}: \"{}\"", t.topic, t.sentence.as_deref().unwrap_or_default()));
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        documents::{DocumentsSection, Readability, ReadabilityThresholds, Retrieval, TopicCoverage},
        finding::Status,
        rules::fixtures::{case, provenance},
    };

    fn policy(kind: &str, fre: f64, language: &str, topics_missing: &[&str], error: Option<&str>) -> PolicyObservation {
        PolicyObservation {
            kind: kind.into(),
            retrieval: Retrieval {
                source: format!("https://vendor.test/{kind}"),
                urls: vec![],
                status: Some(200),
                content_type: None,
                bytes: 1000,
                truncated: false,
                error: error.map(str::to_owned),
            },
            extraction_error: None,
            extraction_failure: None,
            language: Some(language.into()),
            text_chars: 1000,
            readability: (language == "eng").then_some(Readability {
                words: 200,
                sentences: 10,
                syllables: 300,
                reading_time_minutes: 1.0,
                flesch_reading_ease: fre,
                flesch_kincaid_grade: if fre >= 60.0 { 7.0 } else { 14.0 },
                gunning_fog: 10.0,
                smog: 10.0,
                coleman_liau: 10.0,
                ari: 10.0,
            }),
            topics: ["data-collected", "children"]
                .iter()
                .map(|t| TopicCoverage {
                    topic: (*t).into(),
                    covered: !topics_missing.contains(t),
                    sentence: (!topics_missing.contains(t)).then(|| "We collect x.".into()),
                })
                .collect(),
            thresholds: ReadabilityThresholds::default(),
        }
    }

    fn judged(policies: Vec<PolicyObservation>) -> Vec<(String, Status)> {
        let mut c = case(vec![]);
        c.documents = Some(DocumentsSection { provenance: provenance(), security_txt: None, policies });
        findings(&c).into_iter().map(|f| (f.check, f.status)).collect()
    }

    #[test]
    fn the_childrens_checklist_applies_only_to_childrens_products() {
        use crate::declaration::{Children, Declaration};
        let mut c = case(vec![]);
        let mut d = Declaration::default();
        c.declaration = Some(d.clone());
        assert!(children_checklist(&c).is_none());
        d.product.for_children = true;
        c.declaration = Some(d.clone());
        assert_eq!(children_checklist(&c).unwrap().status, Status::Unknown);
        d.children = Some(Children {
            collects_childrens_data: Some(true),
            parental_consent_before_collection: Some(false),
            parents_can_delete_data: Some(true),
            data_encrypted_at_rest_and_in_transit: Some(true),
            strangers_can_contact_child: Some(false),
            ..Children::default()
        });
        c.declaration = Some(d.clone());
        let f = children_checklist(&c).unwrap();
        assert_eq!((f.status, f.basis), (Status::Fail, crate::finding::Basis::Declared));
        assert!(f.evidence[0].contains("parent's consent"));
        d.children.as_mut().unwrap().parental_consent_before_collection = Some(true);
        c.declaration = Some(d);
        assert_eq!(children_checklist(&c).unwrap().status, Status::Pass);
    }

    #[test]
    fn a_plain_complete_policy_passes_and_missing_terms_are_unknown() {
        let got = judged(vec![policy("privacy-policy", 65.0, "eng", &[], None)]);
        assert_eq!(
            got,
            vec![
                (ids::NO_PRIVACY_POLICY.into(), Status::Pass),
                (ids::HARD_TO_READ.into(), Status::Pass),
                (ids::TOPICS_MISSING.into(), Status::Pass),
                (ids::NO_TERMS.into(), Status::Unknown)
            ]
        );
    }

    #[test]
    fn legalese_and_gaps_fail_unreachable_fails_other_languages_are_unknown() {
        let got = judged(vec![
            policy("privacy-policy", 20.0, "eng", &["children"], None),
            policy("terms", 0.0, "eng", &[], Some("HTTP 404")),
        ]);
        assert!(got.contains(&(ids::HARD_TO_READ.into(), Status::Fail)), "{got:?}");
        assert!(got.contains(&(ids::TOPICS_MISSING.into(), Status::Fail)));
        assert!(got.contains(&(ids::NO_TERMS.into(), Status::Fail)));
        let got = judged(vec![policy("privacy-policy", 0.0, "deu", &["children"], None)]);
        assert!(got.contains(&(ids::HARD_TO_READ.into(), Status::Unknown)));
        // English phrases not found in a German text say nothing about the German text.
        assert!(got.contains(&(ids::TOPICS_MISSING.into(), Status::Unknown)), "{got:?}");
    }
}
