//! The terminal report: a five-guideline scorecard, then the findings, wrapped to 80 columns.
//! Colour only when asked (the binary asks when stdout is a terminal and NO_COLOR is unset).

use iotvet_core::VerdictKind;

use crate::view::{verdict_label, View};
use crate::Report;

const WIDTH: usize = 80;

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn label_color(label: &str) -> &'static str {
    match label {
        "PASS" | "MEETS" => "1;32",
        "FAIL" | "FAILS" => "1;31",
        _ => "1;33",
    }
}

/// Wraps `text` to the report's 80 columns (see `text::wrap_to`).
fn wrap(first: &str, indent: usize, text: &str) -> String {
    crate::text::wrap_to(WIDTH, first, indent, text)
}

/// One line per device for the demo's summary: name, the five verdicts, overall.
pub fn scorecard_line(name: &str, report: &Report, color: bool) -> String {
    let mut line = format!("{name:<10}");
    for g in iotvet_core::Guideline::ALL {
        let Some(v) = report.verdicts.get(&g) else {
            line.push_str(&format!("{:<9}", "-"));
            continue;
        };
        let l = verdict_label(v.verdict);
        let short = match v.verdict {
            VerdictKind::Pass => "pass",
            VerdictKind::Fail => "FAIL",
            VerdictKind::Unknown => "?",
        };
        line.push_str(&paint(&format!("{short:<9}"), label_color(l), color));
    }
    let overall = report.overall.as_str().to_uppercase();
    line.push_str(&paint(&overall, label_color(&overall), color));
    line
}

/// A short verdict block for a CI log: the overall verdict, one line per guideline judged, and
/// the counts of findings (accepted ones apart).
pub fn verdict_block(report: &Report, color: bool) -> String {
    let view = View::of(report);
    let overall = report.overall.as_str().to_uppercase();
    let mut out = format!(
        "iotvet: {} ({}): {}\n",
        view.target_name,
        view.target_address,
        paint(&view.overall_label, label_color(&overall), color)
    );
    for v in &view.verdicts {
        let reason: String = v.reason.chars().take(WIDTH + 20).collect();
        let cut = if reason.len() < v.reason.len() { "…" } else { "" };
        out.push_str(&format!(
            "  {} {:<25} {} {reason}{cut}\n",
            v.id,
            v.name,
            paint(&format!("{:<7}", v.label), label_color(v.label), color)
        ));
    }
    let count = |s: iotvet_core::Status, accepted: bool| {
        report.findings.iter().filter(|f| f.status == s && f.suppressed.is_some() == accepted).count()
    };
    use iotvet_core::Status::*;
    let accepted = count(Fail, true) + count(Unknown, true);
    out.push_str(&format!(
        "  findings: {} failing, {} unknown, {} passing{}\n",
        count(Fail, false),
        count(Unknown, false),
        count(Pass, false),
        if accepted > 0 { format!(", {accepted} accepted (ignore file or baseline)") } else { String::new() }
    ));
    out
}

pub fn render(report: &Report, color: bool) -> String {
    let view = View::of(report);
    let mut out = String::new();
    let name = if view.target_name == view.target_address {
        view.target_name.clone()
    } else {
        format!("{} ({})", view.target_name, view.target_address)
    };
    out.push_str(&wrap("", 0, &format!("{} — assessment of {name}", view.tool)));
    out.push_str(&wrap("", 0, &format!("generated {}", view.generated_at)));
    if let Some(s) = &view.scan_summary {
        out.push_str(&wrap("", 0, s));
    }
    out.push('\n');
    let overall_word = report.overall.as_str().to_uppercase();
    out.push_str(&format!("Overall: {}\n\n", paint(&view.overall_label, label_color(&overall_word), color)));
    for v in &view.verdicts {
        let head = format!("  {} {:<25} ", v.id, v.name);
        let label = format!("{:<8}", v.label);
        out.push_str(&head);
        out.push_str(&paint(&label, label_color(v.label), color));
        out.push('\n');
        if !v.summary.is_empty() {
            out.push_str(&wrap("       ", 7, &v.summary));
        }
        out.push_str(&wrap("       why: ", 12, &v.reason));
    }
    if !view.services.is_empty() {
        out.push_str("\nServices\n");
        for s in &view.services {
            let lock = if s.encrypted { "encrypted" } else { "plaintext" };
            out.push_str(&wrap("  ", 4, &format!("{} {} ({lock}): {}", s.endpoint, s.service, s.detail)));
        }
    }
    for e in &view.excluded {
        out.push_str(&wrap("  excluded ", 4, e));
    }
    if let Some(f) = &view.firmware {
        out.push_str(&format!("\nFirmware {}\n", f.file));
        out.push_str(&wrap("  ", 2, &f.summary));
        for l in &f.layers {
            out.push_str(&wrap("  ", 4, l));
        }
        for c in &f.components {
            out.push_str(&wrap("  component ", 4, c));
        }
    }
    if let Some(v) = &view.vulnerabilities {
        out.push_str("\nKnown vulnerabilities\n");
        out.push_str(&wrap("  ", 2, &v.summary));
        for r in &v.rows {
            let extra: Vec<&str> = [r.cvss.as_str(), r.kev.as_str()].into_iter().filter(|x| !x.is_empty()).collect();
            let fixed = if r.fixed.is_empty() { String::new() } else { format!(", fixed in {}", r.fixed) };
            out.push_str(&wrap("  ", 4, &format!("{} {} {}{fixed}: {}", r.component, r.id, extra.join(", "), r.rule)));
        }
    }
    out.push_str("\nFindings (worst first)\n");
    let (open, passed): (Vec<_>, Vec<_>) = view.findings.iter().partition(|f| f.status != "pass");
    for f in open {
        out.push('\n');
        let status = format!("{:<7}", f.label);
        out.push_str(&format!("  {} {:<8} {}\n", paint(&status, label_color(f.label), color), f.severity, f.check));
        out.push_str(&wrap("    at ", 7, &f.location));
        if let Some(a) = &f.accepted {
            out.push_str(&wrap("    ", 4, a));
        }
        out.push_str(&wrap("    ", 4, &f.title));
        if f.basis == "declared" {
            out.push_str("    basis: declared by the vendor, not verified by iotvet\n");
        }
        for e in &f.evidence {
            out.push_str(&wrap("    - ", 6, e));
        }
        if let Some(n) = &f.needs {
            out.push_str(&wrap("    needs: ", 6, n));
        }
        if let Some(r) = &f.remediation {
            out.push_str(&wrap("    fix: ", 6, r));
        }
        out.push_str(&wrap("    refs: ", 6, &f.references.join("; ")));
        out.push_str(&format!("    id: {}\n", f.id));
    }
    if !passed.is_empty() {
        out.push_str(&format!("\nPassed ({}; details in the JSON and HTML reports)\n", passed.len()));
        for f in passed {
            out.push_str(&wrap("  ", 6, &format!("{} at {}", f.check, f.location)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_80_columns_and_shows_the_scorecard_first() {
        let text = render(&crate::fixtures::report(), false);
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
        let ms1 = text.find("MS-1 Encrypted communications").unwrap();
        let findings = text.find("Findings").unwrap();
        assert!(ms1 < findings);
        assert!(text.contains("FAIL    high     enc.plaintext-service"));
        assert!(!text.contains('\x1b'));
        assert!(render(&crate::fixtures::report(), true).contains("\x1b[1;31m"));
    }

    #[test]
    fn a_shopper_reads_plain_words_before_check_ids_and_the_worst_first() {
        let mut r = crate::fixtures::report();
        let loc = iotvet_core::Location::device("192.0.2.7");
        r.findings.insert(0, iotvet_core::Finding::pass("vul.no-security-txt", loc).evidence("found at /.well-known"));
        let text = render(&r, false);
        assert!(text.contains("Passed (1;"), "{text}");
        let plain = text.find("The device sends passwords or data over your network without encryption").unwrap();
        let why = text.find("why: 1 failing finding(s): enc.plaintext-service").unwrap();
        assert!(plain < why, "{text}");
        let findings = text.split("Findings (worst first)").nth(1).unwrap();
        let fail = findings.find("FAIL").unwrap();
        assert!(findings.find("UNKNOWN").is_none_or(|u| fail < u));
        assert!(!findings.split("Passed (").next().unwrap().contains("PASS "), "passes are collapsed at the end");
        for kind in [crate::Format::Markdown, crate::Format::Html] {
            let out = crate::render(&r, kind, false).unwrap();
            assert!(out.contains("The device sends passwords or data over your network without encryption"));
            assert!(out.contains("Passed"), "{kind:?}");
        }
        let html = crate::render(&crate::fixtures::report(), crate::Format::Html, false).unwrap();
        assert!(html.contains("@media print") && html.contains("print-color-adjust:exact"));
        assert!(html.contains("class=\"legend\""));
    }

    #[test]
    fn wrap_cuts_a_word_longer_than_the_line() {
        let suites = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA ".repeat(60);
        for width in [40, 80, 132] {
            let w = crate::text::wrap_to(width, "  FAIL enc.tls-weak-cipher ", 10, &suites);
            assert!(w.lines().all(|l| l.chars().count() <= width), "{width}");
            assert!(w.lines().count() > 1);
        }
        let w = wrap("  ", 2, &"x".repeat(200));
        assert!(w.lines().all(|l| l.chars().count() <= WIDTH));
    }
}
