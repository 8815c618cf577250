//! One exit-code policy for every command: what a CI gate or a script reads from iotvet.
//! 0 meets the standards (or the command did what it was asked, nothing left undecided), 1 a
//! failing finding, 2 an error (nothing judged), 3 nothing fails but something could not be
//! settled. Commands that judge findings (`assess`, `report`, `tls`, `docs`) take their code from
//! the findings or the overall verdict; commands that only collect (`scan`) say 3 when a step of
//! the collection failed.

use iotvet_core::{Finding, Overall, Status};

/// The product meets the minimum standards (or the command succeeded).
pub const MEETS: u8 = 0;
/// At least one guideline, or one finding, fails.
pub const FAILS: u8 = 1;
/// Usage or runtime error: nothing was judged.
pub const ERROR: u8 = 2;
/// Nothing fails, but at least one thing is Unknown: the evidence does not settle it.
pub const UNKNOWN: u8 = 3;

/// The code of an overall verdict.
pub fn of_overall(overall: Overall) -> u8 {
    match overall {
        Overall::Meets => MEETS,
        Overall::Fails => FAILS,
        Overall::Unknown => UNKNOWN,
    }
}

/// The code of a gate's decision (`--fail-on`, `--unknown-ok`, ignore file, baseline).
pub fn of_decision(d: iotvet_core::gate::Decision) -> u8 {
    use iotvet_core::gate::Decision;
    match d {
        Decision::Pass => MEETS,
        Decision::Fail => FAILS,
        Decision::Unknown => UNKNOWN,
    }
}

/// The code of a set of findings: any fail is 1, else any unknown is 3, else 0.
pub fn of_findings(findings: &[Finding]) -> u8 {
    if findings.iter().any(|f| f.status == Status::Fail) {
        FAILS
    } else if findings.iter().any(|f| f.status == Status::Unknown) {
        UNKNOWN
    } else {
        MEETS
    }
}

/// The code of a collection alone: 3 when a collector step did not complete, else 0.
pub fn of_steps(steps: &[iotvet_core::case::CollectorStep]) -> u8 {
    if steps.iter().any(|s| s.failure().is_some()) {
        UNKNOWN
    } else {
        MEETS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotvet_core::finding::Location;

    #[test]
    fn fail_beats_unknown_beats_pass() {
        let loc = || Location::device("192.0.2.7");
        let pass = Finding::pass("enc.plaintext-service", loc());
        let unknown = Finding::unknown("enc.plaintext-service", loc());
        let fail = Finding::fail("enc.plaintext-service", loc());
        assert_eq!(of_findings(std::slice::from_ref(&pass)), MEETS);
        assert_eq!(of_findings(&[pass.clone(), unknown.clone()]), UNKNOWN);
        assert_eq!(of_findings(&[unknown, fail, pass]), FAILS);
        assert_eq!(of_findings(&[]), MEETS);
        assert_eq!(of_overall(Overall::Unknown), UNKNOWN);
    }
}
