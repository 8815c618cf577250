//! RFC 9116 security.txt: parse and validate. Error codes follow the `sectxt` validator's names
//! (so results can be compared one to one); the implementation is our own.
//!
//! Validation happens at collection time, against the time of collection, and is recorded as
//! observations; the MS-4 rules decide what each problem means for the verdict.

pub use iotvet_core::documents::{Field, Level, Problem, SecurityTxt};

const URI_FIELDS: [&str; 7] = ["acknowledgments", "canonical", "contact", "encryption", "hiring", "policy", "csaf"];
const KNOWN_FIELDS: [&str; 9] = [
    "acknowledgments",
    "canonical",
    "contact",
    "encryption",
    "hiring",
    "policy",
    "csaf",
    "preferred-languages",
    "expires",
];

struct Parser {
    problems: Vec<Problem>,
    fields: Vec<Field>,
    line_no: usize,
    signed: bool,
    reading_sig: bool,
    finished_sig: bool,
    expires_unix: Option<i64>,
    now_unix: i64,
}

/// At most this many problems are recorded; a file of junk would otherwise report one per line.
const MAX_PROBLEMS: usize = 200;

impl Parser {
    fn add(&mut self, level: Level, code: &str, message: &str) {
        if self.problems.len() == MAX_PROBLEMS {
            self.problems.push(Problem {
                level: Level::Notification,
                code: "too_many_problems".into(),
                message: format!("more than {MAX_PROBLEMS} problems; the rest are not listed"),
                line: None,
            });
        }
        if self.problems.len() > MAX_PROBLEMS && !matches!(code, "no_expire" | "no_contact" | "multi_expire") {
            return;
        }
        let line = Some(self.line_no).filter(|l| *l > 0);
        self.problems.push(Problem { level, code: code.into(), message: message.into(), line });
    }
}

/// Parses `content`, fetched from `urls` (the first and last URL of any redirect chain, for the
/// Canonical check; empty for a local file), as of `now_unix`.
pub fn parse(content: &[u8], urls: &[String], now_unix: i64) -> SecurityTxt {
    let mut p = Parser {
        problems: vec![],
        fields: vec![],
        line_no: 0,
        signed: false,
        reading_sig: false,
        finished_sig: false,
        expires_unix: None,
        now_unix,
    };
    let mut bytes = content;
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        p.add(
            Level::Error,
            "bom_in_file",
            "The file starts with a byte-order mark; security.txt must be UTF-8 without one.",
        );
        bytes = rest;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => {
            p.add(Level::Error, "utf8", "Content must be UTF-8 encoded.");
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count();
    let line_endings = match (crlf, lf) {
        (0, 0) => "none",
        (c, l) if c == l => "crlf",
        (0, _) => "lf",
        _ => "mixed",
    };
    let armored = is_armored_signature_well_formed(&text) && crate::signature::parses(&text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut kinds = Vec::with_capacity(lines.len());
    for (i, raw) in lines.iter().enumerate() {
        p.line_no = i + 1;
        kinds.push(parse_line(&mut p, raw, armored));
    }
    p.line_no = 0;
    validate(&mut p, urls, &kinds);
    SecurityTxt {
        fields: p.fields,
        problems: p.problems,
        signed: p.signed,
        signature_verified: None,
        expires_unix: p.expires_unix,
        line_endings: line_endings.into(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Pgp,
    Comment,
    Field,
    Error,
    Empty,
}

fn parse_line(p: &mut Parser, raw: &str, armored: bool) -> LineKind {
    let mut line = raw.trim_end();
    if p.reading_sig {
        if line == "-----END PGP SIGNATURE-----" {
            p.reading_sig = false;
            p.finished_sig = true;
        }
        return LineKind::Pgp;
    }
    if !line.is_empty() && p.finished_sig {
        p.add(Level::Error, "data_after_sig", "A signed security.txt must not contain data after the signature.");
        return LineKind::Error;
    }
    if p.signed {
        if let Some(rest) = line.strip_prefix("- ") {
            line = rest; // dash-escaped (RFC 4880 §7.1)
        }
    }
    if line == "-----BEGIN PGP SIGNED MESSAGE-----" {
        if p.line_no != 1 {
            p.add(
                Level::Error,
                "signed_format_issue",
                "A signed security.txt must start with '-----BEGIN PGP SIGNED MESSAGE-----'.",
            );
            // Text before the header: not a cleartext-signed message at all.
            p.add(
                Level::Error,
                "pgp_data_error",
                "The signed message does not hold a well-formed ASCII-armored signature block.",
            );
        }
        p.signed = true;
        if !armored && p.line_no == 1 {
            p.add(
                Level::Error,
                "pgp_data_error",
                "The signed message does not hold a well-formed ASCII-armored signature block.",
            );
        }
        return LineKind::Pgp;
    }
    if line == "-----BEGIN PGP SIGNATURE-----" && p.signed {
        p.reading_sig = true;
        return LineKind::Pgp;
    }
    if line.starts_with('#') {
        return LineKind::Comment;
    }
    if let Some((key, value)) = line.split_once(':') {
        return parse_field(p, key, value, line);
    }
    if !line.is_empty() {
        p.add(
            Level::Error,
            "invalid_line",
            "A line must hold a field name and value, unless it is blank or a comment.",
        );
        return LineKind::Error;
    }
    LineKind::Empty
}

fn parse_field(p: &mut Parser, key: &str, value: &str, _line: &str) -> LineKind {
    let mut key = key.to_lowercase();
    if key.trim_end() != key {
        p.add(Level::Error, "prec_ws", "There must be no whitespace before the field separator (colon).");
        key = key.trim_end().to_owned();
    }
    let mut value = value;
    if !value.is_empty() {
        if !value.starts_with(' ') {
            p.add(Level::Error, "no_space", "The field separator (colon) must be followed by a space.");
        }
        value = value.trim_start();
    }
    if key == "hash" && p.signed {
        return LineKind::Pgp;
    }
    if key.is_empty() {
        p.add(Level::Error, "empty_key", "The field name must not be empty.");
        return LineKind::Error;
    }
    if value.is_empty() {
        p.add(Level::Error, "empty_value", "The field value must not be empty.");
        return LineKind::Error;
    }
    if URI_FIELDS.contains(&key.as_str()) {
        match uri_scheme(value) {
            None => p.add(Level::Error, "no_uri", &format!("The value of '{key}' must be a URI.")),
            Some(s) if s.eq_ignore_ascii_case("http") => {
                p.add(Level::Error, "no_https", "A web URI must begin with 'https://'.")
            }
            Some(_) => {}
        }
    } else if key == "expires" {
        match iotvet_core::dates::rfc3339_unix(value) {
            None => p.add(
                Level::Error,
                "invalid_expiry",
                "The date and time in 'Expires' must be formatted as in RFC 3339 (ISO 8601).",
            ),
            Some(t) => {
                p.expires_unix = Some(t);
                if t > p.now_unix + 365 * 86400 {
                    p.add(
                        Level::Recommendation,
                        "long_expiry",
                        "The date and time in 'Expires' should be less than a year into the future.",
                    );
                } else if t < p.now_unix {
                    p.add(Level::Error, "expired", "The date and time in 'Expires' must not be in the past.");
                }
            }
        }
    } else if key == "preferred-languages" && value.split(',').map(str::trim).any(|l| !is_language_tag(l)) {
        p.add(
            Level::Error,
            "invalid_lang",
            "'Preferred-Languages' must list RFC 5646 language tags separated by commas.",
        );
    }
    if !KNOWN_FIELDS.contains(&key.as_str()) {
        let shown: String = key.chars().take(40).map(|c| if c.is_control() { '?' } else { c }).collect();
        p.add(
            Level::Notification,
            "unknown_field",
            &format!("Field '{shown}' is not defined by RFC 9116: a custom field, or a typo."),
        );
    }
    p.fields.push(Field { name: key, value: value.to_owned(), line: p.line_no });
    LineKind::Field
}

fn validate(p: &mut Parser, urls: &[String], kinds: &[LineKind]) {
    let count = |p: &Parser, name: &str| p.fields.iter().filter(|f| f.name == name).count();
    match count(p, "expires") {
        0 => p.add(Level::Error, "no_expire", "The 'Expires' field must be present."),
        1 => {}
        _ => {
            p.add(Level::Error, "multi_expire", "The 'Expires' field must not appear more than once.");
            p.expires_unix = None;
        }
    }
    let canonical: Vec<String> = p.fields.iter().filter(|f| f.name == "canonical").map(|f| f.value.clone()).collect();
    if !urls.is_empty() && !canonical.is_empty() && urls.iter().all(|u| !canonical.contains(u)) {
        p.add(Level::Error, "no_canonical_match", "The URI the file was fetched from must match a 'Canonical' field (the first or last URI of a redirect chain).");
    }
    if kinds.last() != Some(&LineKind::Empty) {
        p.line_no = kinds.len();
        p.add(Level::Error, "no_line_separators", "Every line, including the last, must end with CRLF or LF.");
        p.line_no = 0;
    }
    if p.signed
        && kinds.len() >= 2
        && kinds[kinds.len() - 1] == LineKind::Empty
        && kinds[kinds.len() - 2] == LineKind::Empty
    {
        p.line_no = kinds.len();
        p.add(Level::Error, "too_many_line_separators", "A signed message must not end with more than one newline.");
        p.line_no = 0;
    }
    let csaf: Vec<String> = p.fields.iter().filter(|f| f.name == "csaf").map(|f| f.value.clone()).collect();
    if !csaf.is_empty() {
        if !csaf.iter().all(|v| v.ends_with("provider-metadata.json")) {
            p.add(Level::Error, "no_csaf_file", "Every CSAF field must point to a provider-metadata.json file.");
        }
        if csaf.len() > 1 {
            p.add(
                Level::Recommendation,
                "multiple_csaf_fields",
                "More than one CSAF field is allowed but should be avoided.",
            );
        }
    }
    if count(p, "contact") == 0 {
        p.add(Level::Error, "no_contact", "The 'Contact' field must appear at least once.");
    } else if p.fields.iter().any(|f| f.name == "contact" && f.value.starts_with("mailto:"))
        && count(p, "encryption") == 0
    {
        p.add(
            Level::Recommendation,
            "no_encryption",
            "An 'Encryption' field should be present when a 'Contact' is an email address.",
        );
    }
    if count(p, "preferred-languages") > 1 {
        p.add(Level::Error, "multi_lang", "The 'Preferred-Languages' field must not appear more than once.");
    }
    if !p.signed {
        p.add(
            Level::Recommendation,
            "not_signed",
            "security.txt should be digitally signed (OpenPGP cleartext signature).",
        );
    } else if canonical.is_empty() {
        p.add(Level::Recommendation, "no_canonical", "A signed file should have a 'Canonical' field.");
    }
}

/// The scheme of a URI (`mailto`, `https`…), as `urllib.parse.urlsplit` finds it.
fn uri_scheme(value: &str) -> Option<&str> {
    let (scheme, _) = value.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some(scheme)
}

/// RFC 5646 language tag, syntax only: a 2–3 (or 5–8) letter language, then subtags of 1–8
/// letters and digits; `x-` private-use and `i-` grandfathered tags too.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(lang) = parts.next() else { return false };
    let lang_ok =
        (lang.len() >= 2 && lang.len() <= 8 && lang.len() != 4 && lang.chars().all(|c| c.is_ascii_alphabetic()))
            || lang.eq_ignore_ascii_case("x")
            || lang.eq_ignore_ascii_case("i");
    lang_ok && parts.all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Checks that a cleartext-signed message has its armor in order: a Hash header block, a
/// signature block whose body is base64 (with an optional `=` checksum line) and an end line.
fn is_armored_signature_well_formed(text: &str) -> bool {
    let Some(start) = text.find("-----BEGIN PGP SIGNATURE-----") else { return false };
    let Some(end) = text[start..].find("-----END PGP SIGNATURE-----") else { return false };
    let block = &text[start + "-----BEGIN PGP SIGNATURE-----".len()..start + end];
    let body: Vec<&str> = block
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.is_empty() && l.contains(": ")) // armor headers
        .filter(|l| !l.is_empty() && !l.starts_with('='))
        .collect();
    !body.is_empty()
        && body.iter().all(|l| l.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000; // 2026-09-21

    fn codes(t: &SecurityTxt) -> Vec<&str> {
        let mut c: Vec<&str> = t.problems.iter().map(|p| p.code.as_str()).collect();
        c.sort_unstable();
        c
    }

    #[test]
    fn a_good_file_has_only_the_signature_recommendation() {
        let t = parse(b"Contact: mailto:security@example.com\nExpires: 2027-01-01T00:00:00Z\nEncryption: https://example.com/pgp.asc\nPreferred-Languages: en, nl\n", &[], NOW);
        assert_eq!(codes(&t), vec!["not_signed"]);
        assert_eq!(t.values("contact").collect::<Vec<_>>(), vec!["mailto:security@example.com"]);
        assert_eq!(t.line_endings, "lf");
    }

    #[test]
    fn every_error_code_is_found() {
        let cases: [(&[u8], &str); 20] = [
            (b"\xef\xbb\xbfContact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n", "bom_in_file"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n\xff\n", "utf8"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\njunk\n", "invalid_line"),
            (b"Contact : mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n", "prec_ws"),
            (b"Contact:mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n", "no_space"),
            (b": x\nContact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n", "empty_key"),
            (b"Policy:\nContact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\n", "empty_value"),
            (b"Contact: security@b.c\nExpires: 2027-01-01T00:00:00Z\n", "no_uri"),
            (b"Contact: http://b.c/x\nExpires: 2027-01-01T00:00:00Z\n", "no_https"),
            (b"Contact: mailto:a@b.c\nExpires: Fri, 1 Jan 2027 00:00:00 +0000\n", "invalid_expiry"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-02-29T00:00:00Z\n", "invalid_expiry"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-04-31T00:00:00Z\n", "invalid_expiry"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00+25:00\n", "invalid_expiry"),
            (b"Contact: mailto:a@b.c\nExpires: 2020-01-01T00:00:00Z\n", "expired"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nPreferred-Languages: en, 12\n", "invalid_lang"),
            (b"Contact: mailto:a@b.c\n", "no_expire"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-01-02T00:00:00Z\n", "multi_expire"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z", "no_line_separators"),
            (b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nCSAF: https://b.c/x.json\n", "no_csaf_file"),
            (b"Expires: 2027-01-01T00:00:00Z\n", "no_contact"),
        ];
        for (input, code) in cases {
            let t = parse(input, &[], NOW);
            assert!(t.has(code), "{code} not found in {:?}: {:?}", String::from_utf8_lossy(input), codes(&t));
        }
        let t = parse(
            b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nPreferred-Languages: en\nPreferred-Languages: nl\n",
            &[],
            NOW,
        );
        assert!(t.has("multi_lang"));
        let t = parse(
            b"Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nCanonical: https://b.c/.well-known/security.txt\n",
            &["https://other/.well-known/security.txt".into()],
            NOW,
        );
        assert!(t.has("no_canonical_match"));
        let t = parse(b"Contact: mailto:a@b.c\nExpires: 2030-01-01T00:00:00Z\nFoo: bar\n", &[], NOW);
        assert!(t.has("long_expiry") && t.has("unknown_field") && !t.has("expired"));
    }

    #[test]
    fn signed_files_are_unwrapped_and_checked() {
        let signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nContact: mailto:a@b.c\n- Expires: 2027-01-01T00:00:00Z\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n";
        let t = parse(signed.as_bytes(), &[], NOW);
        assert!(t.signed);
        // The signature block is armor around bytes that are no OpenPGP signature.
        assert_eq!(codes(&t), vec!["no_canonical", "no_encryption", "pgp_data_error"]);
        let after = format!("{signed}Contact: mailto:x@y.z\n");
        assert!(parse(after.as_bytes(), &[], NOW).has("data_after_sig"));
        let late = format!("# comment\n{signed}");
        assert!(parse(late.as_bytes(), &[], NOW).has("signed_format_issue"));
        let broken = signed.replace("iQIzBAEBCgAdFiEE", "not base64 !!");
        assert!(parse(broken.as_bytes(), &[], NOW).has("pgp_data_error"));
    }

    #[test]
    fn binary_junk_is_errors_not_a_panic() {
        let junk: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let t = parse(&junk, &[], NOW);
        assert!(t.errors().count() > 0);
    }
}
