//! `iotvet diff OLD NEW` in every format. The comparison itself is `iotvet_core::gate::compare`
//! (the register shows the same); here it is laid out: terminal text, JSON, Markdown, HTML, and
//! SARIF whose results carry `baselineState` (`new`, `absent`, `updated`), as SARIF defines for
//! comparing runs.

use iotvet_core::gate::Comparison;
use iotvet_core::Finding;
use serde::Serialize;
use serde_json::json;

use crate::{printable, Format, Report, ReportError};

/// The version of the diff's JSON layout.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Side<'a> {
    target: &'a str,
    address: &'a str,
    generated_at: &'a str,
    tool_version: &'a str,
    overall: &'static str,
}

impl<'a> Side<'a> {
    fn of(r: &'a Report) -> Self {
        Self {
            target: &r.target.name,
            address: &r.target.address,
            generated_at: &r.generated_at,
            tool_version: &r.tool.version,
            overall: r.overall.as_str(),
        }
    }
}

#[derive(Serialize)]
struct Line {
    id: String,
    check: String,
    guideline: &'static str,
    severity: &'static str,
    status: &'static str,
    /// For a changed finding: the status before.
    #[serde(skip_serializing_if = "Option::is_none")]
    was: Option<String>,
    location: String,
    title: String,
    evidence: Vec<String>,
}

impl Line {
    fn of(f: &Finding, was: Option<&Finding>) -> Self {
        Self {
            id: f.id.clone(),
            check: f.check.clone(),
            guideline: f.guideline.id(),
            severity: f.severity.as_str(),
            status: f.status.as_str(),
            was: was.map(|o| format!("{} {}", o.status.as_str(), o.severity.as_str())),
            location: printable(&f.location.to_string()),
            title: f.title.clone(),
            evidence: f.evidence.iter().map(|e| printable(e)).collect(),
        }
    }
}

#[derive(Serialize)]
struct VerdictChange {
    guideline: &'static str,
    name: &'static str,
    old: &'static str,
    new: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct DiffView<'a> {
    schema_version: u32,
    old: Side<'a>,
    new: Side<'a>,
    unchanged: bool,
    new_findings: Vec<Line>,
    fixed: Vec<Line>,
    changed: Vec<Line>,
    verdicts: Vec<VerdictChange>,
}

fn view<'a>(c: &Comparison, old: &'a Report, new: &'a Report) -> DiffView<'a> {
    DiffView {
        schema_version: DIFF_SCHEMA_VERSION,
        old: Side::of(old),
        new: Side::of(new),
        unchanged: c.is_empty(),
        new_findings: c.new.iter().map(|f| Line::of(f, None)).collect(),
        fixed: c.fixed.iter().map(|f| Line::of(f, None)).collect(),
        changed: c.changed.iter().map(|(o, n)| Line::of(n, Some(o))).collect(),
        verdicts: c
            .verdicts
            .iter()
            .map(|(g, o, n)| VerdictChange {
                guideline: g.id(),
                name: g.name(),
                old: o.verdict.as_str(),
                new: n.verdict.as_str(),
                reason: printable(&n.reason),
            })
            .collect(),
    }
}

fn text(v: &DiffView) -> String {
    let mut out = format!(
        "iotvet diff: {} ({}) {} → {}\noverall: {} → {}\n",
        printable(v.new.target),
        v.new.address,
        v.old.generated_at,
        v.new.generated_at,
        v.old.overall,
        v.new.overall
    );
    if v.unchanged {
        out.push_str("\nNo change: the same findings and verdicts.\n");
        return out;
    }
    if !v.verdicts.is_empty() {
        out.push_str("\nVerdicts changed:\n");
        for c in &v.verdicts {
            out.push_str(&format!("  {} {}: {} → {}\n", c.guideline, c.name, c.old, c.new));
        }
    }
    let mut section = |title: &str, lines: &[Line], mark: &str| {
        if lines.is_empty() {
            return;
        }
        out.push_str(&format!("\n{title} ({}):\n", lines.len()));
        for l in lines {
            let was = l.was.as_deref().map(|w| format!(" (was {w})")).unwrap_or_default();
            out.push_str(&format!(
                "  {mark} {} {} {} at {}{was}  [{}]\n",
                l.status.to_uppercase(),
                l.severity,
                l.check,
                l.location,
                l.id
            ));
        }
    };
    section("New", &v.new_findings, "+");
    section("Fixed", &v.fixed, "-");
    section("Changed", &v.changed, "~");
    out
}

const MARKDOWN: &str = r#"# iotvet diff: {{ v.new.target | md }} ({{ v.new.address }})

{{ v.old.generated_at }} → {{ v.new.generated_at }} · overall **{{ v.old.overall }} → {{ v.new.overall }}**
{% if v.unchanged %}
No change: the same findings and verdicts.
{% endif %}{% if v.verdicts %}
## Verdicts changed

| Guideline | Before | After |
|---|---|---|
{% for c in v.verdicts %}| {{ c.guideline }} {{ c.name }} | {{ c.old }} | **{{ c.new }}** |
{% endfor %}{% endif %}{% for title, lines in [("New", v.new_findings), ("Fixed", v.fixed), ("Changed", v.changed)] %}{% if lines %}
## {{ title }} ({{ lines | length }})

| Status | Severity | Check | Where | Id |
|---|---|---|---|---|
{% for l in lines %}| {{ l.status | upper }}{% if l.was %} (was {{ l.was }}){% endif %} | {{ l.severity }} | `{{ l.check }}` | {{ l.location | md }} | `{{ l.id }}` |
{% endfor %}{% endif %}{% endfor %}"#;

const HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>iotvet diff: {{ v.new.target }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}
.fail{color:#a40000;font-weight:600}.pass{color:#0a6b2d;font-weight:600}.unknown{color:#7a5200;font-weight:600}
code{font-size:.9em}
</style></head><body>
<h1>iotvet diff: {{ v.new.target }} ({{ v.new.address }})</h1>
<p>{{ v.old.generated_at }} → {{ v.new.generated_at }} · overall <span class="{{ v.old.overall }}">{{ v.old.overall }}</span> → <span class="{{ v.new.overall }}">{{ v.new.overall }}</span></p>
{% if v.unchanged %}<p>No change: the same findings and verdicts.</p>{% endif %}
{% if v.verdicts %}<h2>Verdicts changed</h2><table><tr><th>Guideline</th><th>Before</th><th>After</th></tr>
{% for c in v.verdicts %}<tr><td>{{ c.guideline }} {{ c.name }}</td><td class="{{ c.old }}">{{ c.old }}</td><td class="{{ c.new }}">{{ c.new }}</td></tr>
{% endfor %}</table>{% endif %}
{% for title, lines in [("New", v.new_findings), ("Fixed", v.fixed), ("Changed", v.changed)] %}{% if lines %}
<h2>{{ title }} ({{ lines | length }})</h2><table><tr><th>Status</th><th>Severity</th><th>Check</th><th>Where</th><th>Evidence</th><th>Id</th></tr>
{% for l in lines %}<tr><td class="{{ l.status }}">{{ l.status | upper }}{% if l.was %} (was {{ l.was }}){% endif %}</td><td>{{ l.severity }}</td><td><code>{{ l.check }}</code><br>{{ l.title }}</td><td>{{ l.location }}</td><td>{{ l.evidence | join("; ") }}</td><td><code>{{ l.id }}</code></td></tr>
{% endfor %}</table>{% endif %}{% endfor %}
</body></html>
"#;

/// The comparison as SARIF: the results of the findings that are new, fixed (from the old
/// report) or changed, each as the report's SARIF has it, with its `baselineState`.
fn sarif(c: &Comparison, old: &Report, new: &Report) -> Result<String, ReportError> {
    let state = |report: &Report, f: &Finding, s: &str| {
        let mut r = crate::sarif::result(report, f);
        if let Some(obj) = r.as_object_mut() {
            obj.insert("baselineState".into(), json!(s));
        }
        r
    };
    let mut results: Vec<serde_json::Value> = c.new.iter().map(|f| state(new, f, "new")).collect();
    results.extend(c.fixed.iter().map(|f| state(old, f, "absent")));
    results.extend(c.changed.iter().map(|(_, f)| state(new, f, "updated")));
    crate::sarif::log(vec![json!({
        "tool": { "driver": { "name": "iotvet", "version": new.tool.version, "rules": crate::sarif::rules() } },
        "automationDetails": { "id": format!("iotvet-diff/{}/", crate::sarif::path_part(&new.target.name)) },
        "results": results,
    })])
}

/// Renders the comparison of `old` and `new`.
pub fn render(c: &Comparison, old: &Report, new: &Report, format: Format) -> Result<String, ReportError> {
    let v = view(c, old, new);
    let err = |format: &'static str| move |e: minijinja::Error| ReportError::Render { format, reason: e.to_string() };
    match format {
        Format::Terminal => Ok(text(&v)),
        Format::Json => serde_json::to_string_pretty(&v)
            .map(|s| s + "\n")
            .map_err(|e| ReportError::Render { format: "json", reason: e.to_string() }),
        Format::Sarif => sarif(c, old, new),
        Format::Markdown => {
            let mut env = minijinja::Environment::new();
            env.add_filter("md", |t: String| t.replace('|', "\\|").replace('<', "&lt;"));
            env.add_template("diff.md", MARKDOWN).map_err(err("md"))?;
            env.get_template("diff.md").and_then(|t| t.render(minijinja::context! { v => v })).map_err(err("md"))
        }
        Format::Html => {
            let mut env = minijinja::Environment::new();
            env.add_template("diff.html", HTML).map_err(err("html"))?;
            env.get_template("diff.html").and_then(|t| t.render(minijinja::context! { v => v })).map_err(err("html"))
        }
    }
}

/// The file each format is written to in an output folder.
pub fn file_name(format: Format) -> &'static str {
    match format {
        Format::Terminal => "diff.txt",
        Format::Json => "diff.json",
        Format::Sarif => "diff.sarif",
        Format::Markdown => "diff.md",
        Format::Html => "diff.html",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotvet_core::gate::compare;

    fn pair() -> (Report, Report) {
        let old = crate::fixtures::report();
        let mut new = old.clone();
        let telnet = new
            .findings
            .iter()
            .position(|f| f.check == "enc.plaintext-service" && f.status == iotvet_core::Status::Fail);
        new.findings.remove(telnet.unwrap());
        let mut extra =
            Finding::fail("pwd.default-credential", new.findings[0].location.clone()).evidence("admin:admin <script>");
        extra.location.port = Some(2323);
        extra.id = iotvet_core::gate::finding_id(&extra.check, &extra.location);
        new.findings.push(extra);
        new.generated_at = "2026-02-01T00:00:00Z".into();
        (old, new)
    }

    #[test]
    fn every_format_shows_new_and_fixed() {
        let (old, new) = pair();
        let c = compare(&old.assessment(), &new.assessment());
        assert_eq!((c.new.len(), c.fixed.len()), (1, 1));
        for f in Format::ALL {
            let out = render(&c, &old, &new, f).unwrap();
            assert!(out.contains("pwd.default-credential"), "{f:?}");
            assert!(out.contains("enc.plaintext-service"), "{f:?}");
        }
        let html = render(&c, &old, &new, Format::Html).unwrap();
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "evidence is escaped");
        let sarif: serde_json::Value = serde_json::from_str(&render(&c, &old, &new, Format::Sarif).unwrap()).unwrap();
        let states: Vec<&str> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["baselineState"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["new", "absent"]);
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../schemas/sarif-schema-2.1.0.json")).unwrap();
        assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&sarif));
        let same = compare(&old.assessment(), &old.assessment());
        assert!(render(&same, &old, &old, Format::Terminal).unwrap().contains("No change"));
    }
}
