//! Readability of English text: words, sentences, syllables, and the six classic formulas.
//! Counting follows Python's textstat 0.7.3 (so figures can be cross-checked with it): words
//! are whitespace-separated after punctuation is removed; sentences are runs ending in . ! or ?
//! with more than two words; syllables come from Liang hyphenation patterns (TeX's en-US, via
//! the `hyphenation` crate; textstat uses pyphen's en_US patterns), one more than the number of
//! hyphenation points. Unlike textstat, intermediate averages are not rounded, and Gunning Fog's
//! "complex words" are all words of three or more syllables (textstat also exempts the
//! Dale–Chall easy words). Measured differences: BENCHMARKS.md / scripts/readability-crosscheck.

use std::sync::OnceLock;

use hyphenation::{Hyphenator, Language, Load, Standard};
use iotvet_core::documents::Readability;

fn dictionary() -> Option<&'static Standard> {
    static EN: OnceLock<Option<Standard>> = OnceLock::new();
    EN.get_or_init(|| {
        let mut d = Standard::from_embedded(Language::EnglishUS).ok()?;
        d.minima = (2, 2); // pyphen's defaults
        Some(d)
    })
    .as_ref()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Punctuation removed: everything but word characters and whitespace.
fn strip_punctuation(text: &str) -> String {
    text.chars().filter(|c| is_word_char(*c) || c.is_whitespace()).collect()
}

pub fn word_count(text: &str) -> u64 {
    strip_punctuation(text).split_whitespace().count() as u64
}

/// Syllables in one word (already lower-case, without punctuation).
fn word_syllables(word: &str) -> u64 {
    let breaks = match dictionary() {
        Some(d) if word.chars().count() < 100 => d.hyphenate(word).breaks.len() as u64,
        _ => 0,
    };
    breaks + 1
}

pub fn syllable_count(text: &str) -> u64 {
    strip_punctuation(&text.to_lowercase()).split_whitespace().map(word_syllables).sum()
}

/// Sentences as textstat finds them: matches of `\b[^.!?]+[.!?]*`, ignoring those of two
/// words or fewer; at least one.
pub fn sentence_count(text: &str) -> u64 {
    let chars: Vec<char> = text.chars().collect();
    let terminator = |c: char| matches!(c, '.' | '!' | '?');
    let mut count = 0u64;
    let mut ignored = 0u64;
    let mut i = 0;
    while i < chars.len() {
        let before = i > 0 && is_word_char(chars[i - 1]);
        let boundary = before != is_word_char(chars[i]);
        if !boundary || terminator(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !terminator(chars[i]) {
            i += 1;
        }
        while i < chars.len() && terminator(chars[i]) {
            i += 1;
        }
        let sentence: String = chars[start..i].iter().collect();
        count += 1;
        if word_count(&sentence) <= 2 {
            ignored += 1;
        }
    }
    count.saturating_sub(ignored).max(1)
}

/// Sentences split the same way, for quoting (terminators kept, whitespace trimmed).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(if c.is_whitespace() { ' ' } else { c });
        let ends = matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace());
        if ends || c == '\n' {
            let s = current.split_whitespace().collect::<Vec<_>>().join(" ");
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        }
    }
    let s = current.split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.is_empty() {
        out.push(s);
    }
    out
}

pub fn measure(text: &str) -> Readability {
    let words = word_count(text);
    let sentences = sentence_count(text);
    let syllables = syllable_count(text);
    let w = words.max(1) as f64;
    let s = sentences.max(1) as f64;
    let asl = w / s;
    let asw = syllables as f64 / w;
    let letters = strip_punctuation(text).chars().filter(|c| !c.is_whitespace()).count() as f64;
    let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    let polysyllables = text.split_whitespace().filter(|word| syllable_count(word) >= 3).count() as f64;
    let mut unique: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !(is_word_char(c) || matches!(c, '=' | '\'' | '‘' | '’')))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    unique.sort_unstable();
    unique.dedup();
    let complex = unique.iter().filter(|word| syllable_count(word) >= 3).count() as f64;
    let reading_ms: f64 = text.split_whitespace().map(|t| t.chars().count() as f64 * 14.69).sum();
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    Readability {
        words,
        sentences,
        syllables,
        reading_time_minutes: round2(reading_ms / 60_000.0),
        flesch_reading_ease: round2(206.835 - 1.015 * asl - 84.6 * asw),
        flesch_kincaid_grade: round2(0.39 * asl + 11.8 * asw - 15.59),
        gunning_fog: round2(0.4 * (asl + 100.0 * complex / w)),
        smog: if sentences >= 3 { round2(1.043 * (30.0 * polysyllables / s).sqrt() + 3.1291) } else { 0.0 },
        coleman_liau: round2(0.058 * (letters / w * 100.0) - 0.296 * (s / w * 100.0) - 15.8),
        ari: round2(4.71 * (chars / w) + 0.5 * asl - 21.43),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_of_a_word_list_with_known_counts() {
        // Hyphenation points are not syllables, so pattern-based counting misses some words
        // ("every", "camera"). pyphen, which textstat uses, agrees on 56 of these 70 words;
        // ours must do at least as well.
        let rows: Vec<(&str, u64)> = include_str!("../data/syllables.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("word\t"))
            .filter_map(|l| l.split_once('\t'))
            .map(|(w, n)| (w, n.trim().parse().unwrap()))
            .collect();
        assert_eq!(rows.len(), 70);
        let wrong: Vec<String> = rows
            .iter()
            .filter(|(w, n)| syllable_count(w) != *n)
            .map(|(w, n)| format!("{w}: {} not {n}", syllable_count(w)))
            .collect();
        assert!(wrong.len() <= 14, "{} of {} wrong: {wrong:?}", wrong.len(), rows.len());
        // Words where the counts are certain stay right.
        for (word, n) in [("cat", 1), ("privacy", 3), ("information", 4), ("policy", 3), ("encryption", 3), ("data", 2)]
        {
            assert_eq!(syllable_count(word), n, "{word}");
        }
    }

    #[test]
    fn sentences_follow_textstat() {
        assert_eq!(sentence_count("We collect data. We use it to run the service! Do we sell it? No."), 3);
        assert_eq!(sentence_count(""), 1);
        assert_eq!(sentence_count("e.g. this is a sentence with words."), 1);
    }

    #[test]
    fn formulas_on_a_plain_text() {
        let r = measure("The cat sat on the mat. The dog ran to the park. We like to read short books.");
        assert_eq!((r.words, r.sentences), (18, 3));
        assert!(r.flesch_reading_ease > 90.0, "{r:?}");
        assert!(r.flesch_kincaid_grade < 3.0, "{r:?}");
    }

    #[test]
    fn no_text_is_no_panic() {
        let r = measure("");
        assert_eq!(r.words, 0);
        let r = measure(&"\u{0}\u{1}".repeat(1000));
        assert_eq!(r.words, 0);
    }
}
