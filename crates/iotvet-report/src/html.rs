//! The HTML report: one self-contained file (inline CSS, no scripts, no external requests),
//! from a template (`templates/report.html.j2`) with HTML auto-escaping on.

use serde::Serialize;

use crate::{view::View, Report, ReportError};

fn env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    // Templates named *.html are auto-escaped.
    let _ = env.add_template("report.html", include_str!("../templates/report.html.j2"));
    let _ = env.add_template("index.html", include_str!("../templates/index.html.j2"));
    env
}

pub fn render(report: &Report) -> Result<String, ReportError> {
    env()
        .get_template("report.html")
        .and_then(|t| t.render(minijinja::context! { v => View::of(report) }))
        .map_err(|e| ReportError::Render { format: "html", reason: e.to_string() })
}

#[derive(Serialize)]
struct GuidelineRow {
    id: &'static str,
    name: &'static str,
    wording: &'static str,
}

#[derive(Serialize)]
struct IndexRow<'a> {
    name: &'a str,
    address: &'a str,
    verdicts: Vec<&'static str>,
    overall: &'static str,
}

/// The demo's index page: one row per device linking to its report.
pub fn render_index(devices: &[(String, Report)]) -> Result<String, ReportError> {
    let rows: Vec<IndexRow> = devices
        .iter()
        .map(|(name, r)| IndexRow {
            name,
            address: &r.target.address,
            verdicts: iotvet_core::Guideline::ALL
                .iter()
                .map(|g| r.verdicts.get(g).map_or("not judged", |v| v.verdict.as_str()))
                .collect(),
            overall: r.overall.as_str(),
        })
        .collect();
    let guidelines: Vec<GuidelineRow> = iotvet_core::Guideline::ALL
        .iter()
        .map(|g| GuidelineRow { id: g.id(), name: g.name(), wording: g.wording() })
        .collect();
    env()
        .get_template("index.html")
        .and_then(|t| t.render(minijinja::context! { devices => rows, guidelines => guidelines }))
        .map_err(|e| ReportError::Render { format: "html", reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_self_contained_escaped_and_has_the_scorecard() {
        let html = super::render(&crate::fixtures::report()).unwrap();
        assert!(html.contains("MS-1 Encrypted communications"));
        assert!(html.contains("<span class=\"badge fail\">FAIL</span>"));
        assert!(html.contains("ETSI EN 303 645 V2.1.1 5.5-1"));
        assert!(!html.contains("<script"), "no scripts, and device bytes are escaped");
        assert!(html.contains("&lt;script&gt;"));
        for external in ["src=\"http", "href=\"http", "url(", "@import"] {
            assert!(!html.contains(external), "external reference {external}");
        }
    }
}
