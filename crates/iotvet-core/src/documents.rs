//! Observations from the vendor's documents: security.txt, privacy policy and terms.
//! Filled by `iotvet-docs`; judged by the MS-4 and MS-5 rules.

use serde::{Deserialize, Serialize};

use crate::case::Provenance;

/// What was read from the vendor's documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentsSection {
    pub provenance: Provenance,
    /// The security.txt, when one was asked for (found or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_txt: Option<SecurityTxtObservation>,
    /// Privacy policies and terms, when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyObservation>,
}

/// How a document was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retrieval {
    /// The URL or file path asked for.
    pub source: String,
    /// URLs followed, first to last (empty for a file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    pub bytes: u64,
    /// The body was longer than the size cap and was cut.
    #[serde(default)]
    pub truncated: bool,
    /// Why the document could not be had (network error, HTTP error, redirect loop…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Retrieval {
    /// Nothing obtained yet from `source`.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            urls: vec![],
            status: None,
            content_type: None,
            bytes: 0,
            truncated: false,
            error: None,
        }
    }

    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityTxtObservation {
    /// Every place tried, in order (e.g. /.well-known/security.txt, then /security.txt).
    pub attempts: Vec<Retrieval>,
    /// The parsed file, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<SecurityTxt>,
}

/// How serious a problem is, in RFC 9116's words: a MUST (error), a SHOULD (recommendation),
/// or worth knowing (notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Recommendation,
    Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub level: Level,
    /// Stable code, the same as the `sectxt` validator's (e.g. `no_expire`, `expired`).
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Lower-cased field name.
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// A parsed security.txt and everything wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityTxt {
    pub fields: Vec<Field>,
    pub problems: Vec<Problem>,
    pub signed: bool,
    /// Whether the OpenPGP signature was checked against a key: `None` when not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_verified: Option<bool>,
    /// Seconds since the Unix epoch of the (single, well-formed) Expires field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_unix: Option<i64>,
    /// The file uses CRLF line endings (allowed), LF, or a mix.
    pub line_endings: String,
}

impl SecurityTxt {
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |f| f.name == name).map(|f| f.value.as_str())
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.level == Level::Error)
    }

    pub fn has(&self, code: &str) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }
}

/// A privacy policy or terms and conditions, as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyObservation {
    /// `privacy-policy` or `terms`.
    pub kind: String,
    pub retrieval: Retrieval,
    /// Why no text could be taken from the body (e.g. a PDF that does not parse), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction_error: Option<String>,
    /// What kind of failure that was; rules judge by this, never by the words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction_failure: Option<ExtractionFailure>,
    /// ISO 639-3 code of the detected language, e.g. `eng`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The main text's size after boilerplate was dropped.
    pub text_chars: u64,
    /// Readability figures; absent when the language is not one the formulas fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readability: Option<Readability>,
    /// The required topics and where each is covered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<TopicCoverage>,
    /// The thresholds the reader asked the text to meet (recorded so a rejudge is the same).
    pub thresholds: ReadabilityThresholds,
}

/// Why the text of a document that was retrieved could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtractionFailure {
    /// A format iotvet cannot read, or a file of that format its parser could not read.
    UnreadableFormat,
    /// Decompressed content beyond the configured cap (a decompression bomb, or a huge file).
    TooLarge,
    /// Read, but without readable text (images only, a page filled in by JavaScript, binary).
    NoText,
}

/// Readability figures of a text (formulas as in textstat; see iotvet-docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readability {
    pub words: u64,
    pub sentences: u64,
    pub syllables: u64,
    pub reading_time_minutes: f64,
    pub flesch_reading_ease: f64,
    pub flesch_kincaid_grade: f64,
    pub gunning_fog: f64,
    pub smog: f64,
    pub coleman_liau: f64,
    pub ari: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReadabilityThresholds {
    /// Flesch Reading Ease at or above which a text counts as plain language.
    pub min_flesch_reading_ease: f64,
    /// Flesch–Kincaid grade at or below which a text counts as plain language.
    pub max_grade: f64,
}

impl Default for ReadabilityThresholds {
    /// Plain English as consumer organisations ask for it: Flesch Reading Ease 60 or more
    /// ("standard", readable by 13–15 year olds) and a reading grade of 8 or less.
    fn default() -> Self {
        Self { min_flesch_reading_ease: 60.0, max_grade: 8.0 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicCoverage {
    /// Stable topic key, e.g. `data-collected`, `user-rights`.
    pub topic: String,
    pub covered: bool,
    /// The sentence that covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<String>,
}
