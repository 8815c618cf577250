//! MS-5, privacy practices. The privacy policy and terms are not read by this version, so the
//! guideline stays Unknown and says which evidence would settle it.

use crate::{
    case::CaseFile,
    catalog::ids,
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    vec![Finding::unknown(ids::NO_PRIVACY_POLICY, Location::device(&case.target.address))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{finding::Status, rules::fixtures::case};

    #[test]
    fn without_documents_privacy_is_unknown() {
        let f = findings(&case(vec![]));
        assert_eq!((f[0].check.as_str(), f[0].status), (ids::NO_PRIVACY_POLICY, Status::Unknown));
        assert!(f[0].needs.as_deref().unwrap().contains("privacy policy"));
    }
}
