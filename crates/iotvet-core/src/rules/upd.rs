//! MS-2, security updates. The evidence (the vendor's declaration, the firmware image, a traffic
//! capture) is not collected by this version, so the guideline stays Unknown and says so.

use crate::{
    case::CaseFile,
    catalog::ids,
    finding::{Finding, Location},
};

pub fn findings(case: &CaseFile) -> Vec<Finding> {
    vec![Finding::unknown(ids::NO_AUTO_UPDATE, Location::device(&case.target.address))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{finding::Status, rules::fixtures::case};

    #[test]
    fn without_declaration_or_firmware_auto_update_is_unknown() {
        let f = findings(&case(vec![]));
        assert_eq!(f[0].check, ids::NO_AUTO_UPDATE);
        assert_eq!(f[0].status, Status::Unknown);
        assert!(f[0].needs.as_deref().unwrap().contains("declaration"));
    }
}
