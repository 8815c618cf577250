//! The vendor declaration (and retailer checklist): what a vendor states about its product,
//! in one TOML file a vendor or retailer fills in. Everything in it is *declared*; iotvet weighs
//! it against what it verified itself. Schema: `schemas/declaration.schema.json`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    pub product: Product,
    #[serde(default)]
    pub updates: Updates,
    #[serde(default)]
    pub passwords: Passwords,
    #[serde(default)]
    pub security: Security,
    #[serde(default)]
    pub privacy: Privacy,
    /// The retailer checklist for children's connected products; required when
    /// `product.for_children` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Children>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    #[serde(default)]
    pub model: Option<String>,
    pub vendor: String,
    /// Domains the vendor publishes its documents on (security.txt is looked for there).
    #[serde(default)]
    pub vendor_domains: Vec<String>,
    #[serde(default)]
    pub for_children: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// Security updates install automatically, and that is on out of the box.
    #[serde(default)]
    pub automatic_updates_default: Option<bool>,
    /// e.g. "signed images over HTTPS, checked daily".
    #[serde(default)]
    pub mechanism: Option<String>,
    /// Last day security updates are promised, `YYYY-MM-DD`.
    #[serde(default)]
    pub support_period_end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passwords {
    /// `unique-per-device`, `forced-change-at-setup`, `shared-default` or `no-password`.
    #[serde(default)]
    pub default_password_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    #[serde(default)]
    pub vulnerability_disclosure_url: Option<String>,
    /// All local and network communication is encrypted.
    #[serde(default)]
    pub all_communications_encrypted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    #[serde(default)]
    pub privacy_policy_url: Option<String>,
    #[serde(default)]
    pub terms_url: Option<String>,
    #[serde(default)]
    pub data_collected: Vec<String>,
}

/// The questions of the retailer checklist for children's connected products.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Children {
    pub collects_childrens_data: Option<bool>,
    pub parental_consent_before_collection: Option<bool>,
    pub parents_can_delete_data: Option<bool>,
    pub has_camera_or_microphone: Option<bool>,
    pub data_encrypted_at_rest_and_in_transit: Option<bool>,
    pub works_without_account_or_internet: Option<bool>,
    pub strangers_can_contact_child: Option<bool>,
}

/// Why a declaration file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeclarationError {
    /// Not TOML, or not the declaration's shape. The excerpt of the offending line is short, so
    /// a hostile file cannot flood the terminal.
    #[error("line {line}: {message}{}", excerpt.as_deref().map(|e| format!(" (near \"{e}\")")).unwrap_or_default())]
    Syntax { line: usize, message: String, excerpt: Option<String> },
    /// Well-formed, but a value is impossible (a date that does not exist).
    #[error("{0}")]
    Invalid(String),
    /// Answers nothing (the blank template as printed): never the vendor's word.
    #[error("the declaration answers nothing: it is the blank template. Uncomment the answers the vendor gives (at least [product] name and vendor) and fill them in")]
    Unanswered,
}

/// At most this many characters of an offending line are quoted.
const EXCERPT: usize = 40;

/// Where a declaration was read from, and the line of each of its keys (`updates.support_period_end`
/// → 12), so a finding resting on a declared fact can point at the line that declares it (SARIF,
/// the HTML report).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeclarationSource {
    pub path: String,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub lines: std::collections::BTreeMap<String, u32>,
}

impl DeclarationSource {
    /// Lines of the `key = value` entries under their `[table]` headers. A locator, not a parser:
    /// the TOML itself is read by `toml`; a key it cannot place is simply not located.
    pub fn new(path: impl Into<String>, text: &str) -> Self {
        let mut lines = std::collections::BTreeMap::new();
        let mut table = String::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
                table = header.trim_matches(['[', ' ']).to_owned();
                lines.entry(table.clone()).or_insert(n);
            } else if let Some((key, _)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
                let key = key.trim().trim_matches('"');
                let full = if table.is_empty() { key.to_owned() } else { format!("{table}.{key}") };
                lines.entry(full).or_insert(n);
            }
        }
        Self { path: path.into(), lines }
    }

    /// The line of `key`, or of its table, or 1.
    pub fn line_of(&self, key: &str) -> u32 {
        self.lines
            .get(key)
            .or_else(|| key.rsplit_once('.').and_then(|(table, _)| self.lines.get(table)))
            .copied()
            .unwrap_or(1)
    }
}

impl Declaration {
    pub fn from_toml(text: &str) -> Result<Self, DeclarationError> {
        // Tables without a single key: the template as printed, or nothing at all.
        if let Ok(toml::Value::Table(t)) = text.parse::<toml::Value>() {
            let answered = t.values().any(|v| match v {
                toml::Value::Table(inner) => !inner.is_empty(),
                _ => true,
            });
            if !answered {
                return Err(DeclarationError::Unanswered);
            }
        }
        let d: Self = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
            let line_start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let line_text = text[line_start..].lines().next().unwrap_or_default();
            let excerpt: String = line_text.chars().filter(|c| !c.is_control()).take(EXCERPT).collect();
            let more = if line_text.chars().count() > EXCERPT { "…" } else { "" };
            DeclarationError::Syntax {
                line: text[..at].matches('\n').count() + 1,
                message: e.message().chars().take(200).collect(),
                excerpt: (!excerpt.is_empty()).then(|| format!("{excerpt}{more}")),
            }
        })?;
        match d.problems().as_slice() {
            [] => Ok(d),
            problems => Err(DeclarationError::Invalid(problems.join("; "))),
        }
    }

    /// The questions behind a guideline the declaration leaves unanswered (each makes its
    /// guideline's declared evidence missing).
    pub fn unanswered(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut ask = |answered: bool, key: &'static str| {
            if !answered {
                out.push(key);
            }
        };
        ask(self.updates.automatic_updates_default.is_some(), "updates.automatic_updates_default");
        ask(self.updates.support_period_end.is_some(), "updates.support_period_end");
        ask(self.passwords.default_password_policy.is_some(), "passwords.default_password_policy");
        ask(self.security.vulnerability_disclosure_url.is_some(), "security.vulnerability_disclosure_url");
        ask(self.security.all_communications_encrypted.is_some(), "security.all_communications_encrypted");
        ask(self.privacy.privacy_policy_url.is_some(), "privacy.privacy_policy_url");
        ask(self.privacy.terms_url.is_some(), "privacy.terms_url");
        out
    }

    /// What the format (`schemas/declaration.schema.json`) cannot say with a pattern: dates that
    /// must exist on the calendar. The binary validates the rest against the schema itself.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(end) = &self.updates.support_period_end {
            if crate::dates::calendar_date(end).is_none() {
                out.push(format!("updates.support_period_end '{end}' is not a date (YYYY-MM-DD that exists)"));
            }
        }
        out
    }
}

/// A template with its example answers uncommented (all but the placeholder date): what a
/// filled-in declaration looks like, for tests and documentation.
pub fn with_examples(template: &str) -> String {
    template
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") && !rest.contains("YYYY") => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An annotated blank declaration, written by `iotvet declaration template`.
pub const TEMPLATE: &str = include_str!("../data/declaration-template.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blank_template_is_refused_and_a_filled_one_is_read() {
        assert!(matches!(Declaration::from_toml(TEMPLATE), Err(DeclarationError::Unanswered)));
        assert!(matches!(Declaration::from_toml(""), Err(DeclarationError::Unanswered)));
        // Uncommenting the example answers gives a valid declaration.
        let filled = with_examples(TEMPLATE);
        let d = Declaration::from_toml(&filled).unwrap();
        assert_eq!(d.product.vendor, "Example Devices Ltd");
        assert_eq!(d.updates.automatic_updates_default, Some(false), "the examples are the unfavourable answers");
        assert!(d.children.is_some());
        assert_eq!(d.unanswered(), ["updates.support_period_end"]);
    }

    #[test]
    fn impossible_dates_and_long_lines_are_refused_briefly() {
        let base = "[product]\nname='x'\nvendor='y'\n[updates]\nsupport_period_end = ";
        for bad in ["'2030-02-31'", "'2027-02-29'", "'2027-04-31'", "'2027-13-01'"] {
            let e = Declaration::from_toml(&format!("{base}{bad}\n")).unwrap_err();
            assert!(matches!(e, DeclarationError::Invalid(_)), "{bad}: {e}");
        }
        assert!(Declaration::from_toml(&format!("{base}'2028-02-29'\n")).is_ok());
        let e = Declaration::from_toml(&format!("[product]\nname = {}\n", "x".repeat(10_000))).unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
        assert!(e.to_string().starts_with("line 2:"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let e = Declaration::from_toml("[product]\nname='x'\nvendor='y'\ncolour='red'\n").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}

#[cfg(test)]
mod schema_tests {
    #[test]
    fn every_template_section_is_in_the_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../schemas/declaration.schema.json")).unwrap();
        let template: serde_json::Value =
            toml::from_str::<toml::Value>(super::TEMPLATE).map(|v| serde_json::to_value(v).unwrap()).unwrap();
        // No JSON Schema validator in core's dependencies: the binary's end-to-end test validates
        // the template and the lab's declarations with one; this only keeps the two in step.
        assert!(schema["properties"]["product"]["required"].as_array().unwrap().iter().any(|v| v == "vendor"));
        for section in template.as_object().unwrap().keys() {
            assert!(schema["properties"].get(section).is_some(), "template section {section} not in the schema");
        }
    }
}
