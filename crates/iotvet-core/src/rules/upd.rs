//! MS-2, security updates, from the vendor's declaration (auto-update default, support period).
//! These facts are declared, not verified, and the findings say so. Without a declaration the
//! guideline stays Unknown and names the evidence that would settle it.

use crate::{case::CaseFile, catalog::ids, finding::Finding};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    let (auto_at, support_at) =
        (case.declared_at("updates.automatic_updates_default"), case.declared_at("updates.support_period_end"));
    let Some(d) = &case.declaration else {
        return vec![Finding::unknown(ids::NO_AUTO_UPDATE, auto_at), Finding::unknown(ids::SUPPORT_PERIOD, support_at)];
    };
    let auto = match d.updates.automatic_updates_default {
        Some(true) => Finding::pass(ids::NO_AUTO_UPDATE, auto_at)
            .declared()
            .evidence("declared: security updates install automatically, on by default")
            .evidence(format!("declared mechanism: {}", d.updates.mechanism.as_deref().unwrap_or("not stated"))),
        Some(false) => Finding::fail(ids::NO_AUTO_UPDATE, auto_at)
            .declared()
            .evidence("declared: automatic updates are not enabled by default"),
        None => Finding::unknown(ids::NO_AUTO_UPDATE, auto_at)
            .evidence("the declaration does not answer updates.automatic_updates_default"),
    };
    let today = case.created_at.get(..10).unwrap_or_default();
    let support = match d.updates.support_period_end.as_deref() {
        None => Finding::fail(ids::SUPPORT_PERIOD, support_at)
            .declared()
            .evidence("the declaration publishes no support period"),
        Some(end) if crate::dates::calendar_date(end).is_none() => Finding::fail(ids::SUPPORT_PERIOD, support_at)
            .declared()
            .evidence(format!("support period end '{end}' is not a date (YYYY-MM-DD)")),
        Some(end) if end < today => Finding::fail(ids::SUPPORT_PERIOD, support_at)
            .declared()
            .evidence(format!("declared support period ended on {end}, before this assessment ({today})")),
        Some(end) => Finding::pass(ids::SUPPORT_PERIOD, support_at)
            .declared()
            .evidence(format!("declared: security updates until {end}")),
    };
    vec![auto, support]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{declaration::Declaration, finding::Basis, finding::Status, rules::fixtures::case};

    fn with(auto: Option<bool>, end: Option<&str>) -> Vec<(String, Status, Basis)> {
        let mut c = case(vec![]);
        c.created_at = "2026-11-25T10:00:00Z".into();
        let mut d = Declaration::default();
        d.updates.automatic_updates_default = auto;
        d.updates.support_period_end = end.map(str::to_owned);
        c.declaration = Some(d);
        findings(&c).into_iter().map(|f| (f.check, f.status, f.basis)).collect()
    }

    #[test]
    fn without_a_declaration_both_are_unknown() {
        let f = findings(&case(vec![]));
        assert!(f.iter().all(|f| f.status == Status::Unknown));
        assert!(f[0].needs.as_deref().unwrap().contains("declaration"));
    }

    #[test]
    fn declared_facts_decide_and_are_marked_declared() {
        let ok = with(Some(true), Some("2030-01-01"));
        assert!(ok.iter().all(|(_, s, b)| *s == Status::Pass && *b == Basis::Declared), "{ok:?}");
        let bad = with(Some(false), Some("2024-12-31"));
        assert!(bad.iter().all(|(_, s, _)| *s == Status::Fail), "{bad:?}");
        assert_eq!(with(None, None)[0].1, Status::Unknown);
        assert_eq!(with(None, None)[1].1, Status::Fail, "a missing support period fails");
        assert_eq!(with(None, Some("soon"))[1].1, Status::Fail);
    }
}
