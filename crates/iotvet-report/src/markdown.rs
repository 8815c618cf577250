//! The Markdown report, from a template (`templates/report.md.j2`).

use crate::{view::View, Report, ReportError};

/// Makes text safe inside a Markdown table cell or list item.
fn md(text: String) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ").replace('<', "&lt;")
}

pub fn render(report: &Report) -> Result<String, ReportError> {
    let mut env = minijinja::Environment::new();
    env.add_filter("md", md);
    env.add_template("report.md", include_str!("../templates/report.md.j2"))
        .and_then(|_| env.get_template("report.md"))
        .and_then(|t| t.render(minijinja::context! { v => View::of(report) }))
        .map_err(|e| ReportError::Render { format: "md", reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn has_the_scorecard_table_and_escapes_cells() {
        let text = super::render(&crate::fixtures::report()).unwrap();
        assert!(text.contains("| MS-1 Encrypted communications | **FAIL** |"));
        assert!(text.contains("### FAIL · `enc.plaintext-service` · 192.0.2.7:23/tcp (telnet)"));
        assert!(text.contains("&lt;script>"), "device bytes must not become markup");
    }
}
