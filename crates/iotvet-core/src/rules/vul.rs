//! MS-4, vulnerability management. The vendor's security.txt and disclosure policy are not read
//! by this version, so the guideline stays Unknown and says which evidence would settle it.

use crate::{
    case::CaseFile,
    catalog::ids,
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    vec![Finding::unknown(ids::NO_SECURITY_TXT, Location::device(&case.target.address))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{finding::Status, rules::fixtures::case};

    #[test]
    fn without_documents_disclosure_is_unknown() {
        let f = findings(&case(vec![]));
        assert_eq!((f[0].check.as_str(), f[0].status), (ids::NO_SECURITY_TXT, Status::Unknown));
        assert!(f[0].needs.as_deref().unwrap().contains("security.txt"));
    }
}
