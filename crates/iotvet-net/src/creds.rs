//! The credential list: iotvet's built-in default credentials for consumer devices
//! (`iotvet-core/data/default-credentials.tsv`, sources and licences at its top), or the user's own.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: String,
    /// Where the pair comes from: sources and tags, for the report.
    pub entry: String,
}

/// The list entry of the control credential.
const CONTROL: &str = "control: random, known to be wrong";

impl Credential {
    /// A username and password no device ships, fresh each run: a service that lets it in lets
    /// anyone in, and its answer is what a refusal looks like.
    pub fn control() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let word = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(salt);
            format!("{:016x}", h.finish())
        };
        Self { username: format!("iotvet-{}", &word(1)[..8]), password: word(2), entry: CONTROL.into() }
    }

    pub fn is_control(&self) -> bool {
        self.entry == CONTROL
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialSet {
    Minimal,
    Default,
    Full,
}

impl CredentialSet {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "minimal" => Some(Self::Minimal),
            "default" => Some(Self::Default),
            "full" => Some(Self::Full),
            _ => None,
        }
    }
}

impl fmt::Display for CredentialSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Minimal => "minimal",
            Self::Default => "default",
            Self::Full => "full",
        })
    }
}

/// The built-in list up to and including `set`, most likely pairs first.
pub fn builtin(set: CredentialSet) -> Vec<Credential> {
    iotvet_core::logins::default_credentials()
        .filter_map(|c| {
            (CredentialSet::parse(c.level)? <= set).then(|| Credential {
                username: c.username.to_owned(),
                password: c.password.to_owned(),
                entry: short_entry(c.sources, c.tags),
            })
        })
        .collect()
}

/// `sources (first tags…)`: the list entry as a report shows it.
fn short_entry(sources: &str, tags: &str) -> String {
    let t: Vec<&str> = tags.split(',').filter(|t| !t.is_empty()).collect();
    match t.len() {
        0 => sources.to_owned(),
        1..=3 => format!("{sources} ({})", t.join(", ")),
        n => format!("{sources} ({}, and {} more)", t[..3].join(", "), n - 3),
    }
}

/// A user's list: one `username:password` per line (or tab-separated); `#` starts a comment.
pub fn parse_list(text: &str, name: &str) -> Result<Vec<Credential>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (user, password) = line
            .split_once('\t')
            .or_else(|| line.split_once(':'))
            .ok_or_else(|| format!("{name} line {}: expected username:password", i + 1))?;
        out.push(Credential {
            username: user.to_owned(),
            password: password.to_owned(),
            entry: format!("{name} line {}", i + 1),
        });
    }
    if out.is_empty() {
        return Err(format!("{name} holds no credentials"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_sets_nest_and_start_with_mirai_favourites() {
        let (min, def, full) =
            (builtin(CredentialSet::Minimal), builtin(CredentialSet::Default), builtin(CredentialSet::Full));
        assert!(min.len() >= 8 && min.len() < def.len() && def.len() < full.len());
        assert!(min.iter().any(|c| c.username == "root" && c.password == "xc3511" && c.entry.contains("mirai")));
        // Every one of the 62 Mirai pairs is in the default set.
        let mirai = def.iter().filter(|c| c.entry.contains("mirai")).count();
        assert!(mirai >= 60, "{mirai}");
    }

    #[test]
    fn a_user_list_parses_and_bad_lines_are_named() {
        let l = parse_list("# mine\nadmin:secret\nroot\tp:w\n", "my.txt").unwrap();
        assert_eq!(l[1].password, "p:w");
        assert!(parse_list("nonsense\n", "x").unwrap_err().contains("line 1"));
        assert!(parse_list("\n", "x").is_err());
    }
}
