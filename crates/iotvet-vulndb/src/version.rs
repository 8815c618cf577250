//! Version ordering, one function per scheme, each documented where it comes from:
//! - `generic`: embedded components as NVD names them (BusyBox 1.22.1, OpenSSL 1.0.2k,
//!   dropbear 2017.75, OpenSSH 7.4p1, Linux 6.8-rc1). A version is split into runs of digits
//!   and runs of letters (`.`, `-`, `_`, `+`, `~`, and the parentheses of Cisco-style
//!   `12.2(55)` separate runs and are not compared); runs are
//!   compared in turn, digits as numbers, letters as text. A letter run that is a pre-release
//!   word (`alpha`, `beta`, `pre`, `preview`, `rc`, `dev`, `snapshot`) comes before anything,
//!   the end of the version included (`6.8-rc1 < 6.8`); any other letter run comes after the end
//!   (`1.0.2k > 1.0.2`, `7.4p1 > 7.4`: OpenSSL's letter releases and OpenSSH's portable
//!   releases) and before a number at the same place. A leading `v` is dropped.
//! - `debian`: dpkg's `verrevcmp` (Debian Policy §5.6.12): epoch, upstream version and
//!   revision, each compared as alternating non-digit and digit parts, `~` before everything.
//! - `rpm`: rpm's `rpmvercmp` (and an `E:V-R` split with epoch 0 by default): alphanumeric
//!   segments, digits beat letters, `~` before everything, `^` after the end but before more.
//! - `semver`: Semantic Versioning 2.0.0 (the `semver` crate), build metadata ignored.
//! - `alpine`: apk's order (apk-tools `version.c`, as Gentoo's): dotted numbers — the first
//!   compared as a number, later ones with a leading zero as decimal fractions —, an optional
//!   letter, `_alpha` < `_beta` < `_pre` < `_rc` < none < `_cvs` < `_svn` < `_git` < `_hg` < `_p`
//!   suffixes each with a number, then `-rN`.
//! - `pypi`: PEP 440 (the `pep440_rs` crate): epochs, pre-, post- and dev-releases, local
//!   versions.
//!
//! A version a scheme cannot read is `None`: the caller reports it as unmatched, never as safe.

use std::cmp::Ordering;

/// The ordering schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Generic,
    Debian,
    Rpm,
    Semver,
    Alpine,
    Pypi,
}

impl Scheme {
    /// The scheme for an OSV ecosystem (`Debian:12`, `AlmaLinux:9`, `npm`, …); generic otherwise.
    pub fn of_ecosystem(ecosystem: &str) -> Scheme {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        match base {
            "Debian" | "Ubuntu" => Scheme::Debian,
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia" => Scheme::Rpm,
            "npm" | "crates.io" | "Go" | "Hex" | "Packagist" | "Pub" | "NuGet" => Scheme::Semver,
            "Alpine" | "Wolfi" | "Chainguard" => Scheme::Alpine,
            "PyPI" => Scheme::Pypi,
            _ => Scheme::Generic,
        }
    }

    pub fn compare(self, a: &str, b: &str) -> Option<Ordering> {
        match self {
            Scheme::Generic => generic(a, b),
            Scheme::Debian => debian(a, b),
            Scheme::Rpm => rpm(a, b),
            Scheme::Semver => semver_cmp(a, b),
            Scheme::Alpine => alpine(a, b),
            Scheme::Pypi => pypi(a, b),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Run<'a> {
    Num(&'a str),
    Word(&'a str),
}

fn runs(v: &str) -> Option<Vec<Run<'_>>> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).filter(|r| r.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(v);
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_alphanumeric() || b".-_+~()".contains(&c)) {
        return None;
    }
    let mut out = Vec::new();
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let digit = bytes.get(i)?.is_ascii_digit();
        let alpha = bytes.get(i)?.is_ascii_alphabetic();
        while i < bytes.len()
            && bytes.get(i).is_some_and(|c| (digit && c.is_ascii_digit()) || (alpha && c.is_ascii_alphabetic()))
        {
            i += 1;
        }
        if digit {
            out.push(Run::Num(v.get(start..i)?.trim_start_matches('0')));
        } else if alpha {
            out.push(Run::Word(v.get(start..i)?));
        } else {
            i += 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn prerelease(word: &str) -> bool {
    matches!(word.to_ascii_lowercase().as_str(), "alpha" | "beta" | "pre" | "preview" | "rc" | "dev" | "snapshot")
}

/// How a run compares with the end of the other version: pre-release words before it,
/// everything else after it.
fn against_end(run: &Run<'_>) -> Ordering {
    match run {
        Run::Word(w) if prerelease(w) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

pub fn generic(a: &str, b: &str) -> Option<Ordering> {
    let (ra, rb) = (runs(a)?, runs(b)?);
    for i in 0..ra.len().max(rb.len()) {
        let ord = match (ra.get(i), rb.get(i)) {
            (Some(x), Some(y)) => match (x, y) {
                (Run::Num(m), Run::Num(n)) => m.len().cmp(&n.len()).then_with(|| m.cmp(n)),
                (Run::Word(m), Run::Word(n)) => match (prerelease(m), prerelease(n)) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    _ => m.to_ascii_lowercase().cmp(&n.to_ascii_lowercase()),
                },
                // A number where the other has letters: the number is later (`1.0.1 > 1.0a`,
                // `6.8.1 > 6.8-rc1`).
                (Run::Num(_), Run::Word(_)) => Ordering::Greater,
                (Run::Word(_), Run::Num(_)) => Ordering::Less,
            },
            (Some(x), None) => against_end(x),
            (None, Some(y)) => against_end(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return Some(ord);
        }
    }
    Some(Ordering::Equal)
}

/// dpkg's ordering of one character in a non-digit part: `~` first, then the end of the part,
/// then letters, then everything else.
fn dpkg_order(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = dpkg_order(a.get(i).copied());
            let bc = dpkg_order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        while a.get(i).is_some_and(u8::is_ascii_digit) && b.get(j).is_some_and(u8::is_ascii_digit) {
            if first_diff == 0 {
                first_diff = i32::from(a[i]) - i32::from(b[j]);
            }
            i += 1;
            j += 1;
        }
        if a.get(i).is_some_and(u8::is_ascii_digit) {
            return Ordering::Greater;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// (epoch, upstream, revision) of a Debian version.
fn debian_parts(v: &str) -> Option<(u64, &str, &str)> {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) => (e.parse().ok()?, r),
        None => (0, v),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    let ok = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric() || b".+~-:".contains(&c));
    (!upstream.is_empty() && upstream.starts_with(|c: char| c.is_ascii_digit()) && ok(upstream) && ok(revision))
        .then_some((epoch, upstream, revision))
}

pub fn debian(a: &str, b: &str) -> Option<Ordering> {
    let (ea, ua, ra) = debian_parts(a)?;
    let (eb, ub, rb) = debian_parts(b)?;
    Some(ea.cmp(&eb).then_with(|| verrevcmp(ua, ub)).then_with(|| verrevcmp(ra, rb)))
}

/// rpm's `rpmvercmp` on one version or release string.
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        while i < a.len() && !a[i].is_ascii_alphanumeric() && a[i] != b'~' && a[i] != b'^' {
            i += 1;
        }
        while j < b.len() && !b[j].is_ascii_alphanumeric() && b[j] != b'~' && b[j] != b'^' {
            j += 1;
        }
        // Tilde: before everything.
        match (a.get(i) == Some(&b'~'), b.get(j) == Some(&b'~')) {
            (true, true) => {
                i += 1;
                j += 1;
                continue;
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // Caret: after the end, before anything else.
        match (a.get(i) == Some(&b'^'), b.get(j) == Some(&b'^')) {
            (true, true) => {
                i += 1;
                j += 1;
                continue;
            }
            (true, false) => return if j >= b.len() { Ordering::Greater } else { Ordering::Less },
            (false, true) => return if i >= a.len() { Ordering::Less } else { Ordering::Greater },
            _ => {}
        }
        if i >= a.len() || j >= b.len() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let take = |s: &[u8], mut k: usize| {
            let start = k;
            while k < s.len() && (if numeric { s[k].is_ascii_digit() } else { s[k].is_ascii_alphabetic() }) {
                k += 1;
            }
            (start, k)
        };
        let (sa, ea) = take(a, i);
        let (sb, eb) = take(b, j);
        if sb == eb {
            // Different kinds: numbers are newer than letters.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        let (mut x, mut y) = (&a[sa..ea], &b[sb..eb]);
        if numeric {
            while x.first() == Some(&b'0') {
                x = &x[1..];
            }
            while y.first() == Some(&b'0') {
                y = &y[1..];
            }
            let ord = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            let ord = x.cmp(y);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// (epoch, version, release) of an RPM `[E:]V[-R]`.
fn rpm_parts(v: &str) -> Option<(u64, &str, &str)> {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) => (e.parse().ok()?, r),
        None => (0, v),
    };
    let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
    (!version.is_empty() && version.bytes().any(|c| c.is_ascii_alphanumeric())).then_some((epoch, version, release))
}

pub fn rpm(a: &str, b: &str) -> Option<Ordering> {
    let (ea, va, ra) = rpm_parts(a)?;
    let (eb, vb, rb) = rpm_parts(b)?;
    Some(ea.cmp(&eb).then_with(|| rpmvercmp(va, vb)).then_with(|| match (ra.is_empty(), rb.is_empty()) {
        // A range bound without a release covers every release of that version.
        (false, false) => rpmvercmp(ra, rb),
        _ => Ordering::Equal,
    }))
}

pub fn semver_cmp(a: &str, b: &str) -> Option<Ordering> {
    let parse = |v: &str| semver::Version::parse(v.trim().trim_start_matches('v')).ok();
    let (x, y) = (parse(a)?, parse(b)?);
    Some(x.cmp_precedence(&y))
}

/// An apk version's parts.
struct Apk<'a> {
    numbers: Vec<&'a str>,
    letter: Option<u8>,
    /// (rank, number): pre-release suffixes rank below 0, post-release ones above.
    suffixes: Vec<(i8, u64)>,
    revision: u64,
}

fn apk_parts(v: &str) -> Option<Apk<'_>> {
    let v = v.trim();
    let (main, revision) = match v.rsplit_once("-r") {
        Some((m, r)) => (m, r.parse().ok()?),
        None => (v, 0),
    };
    let mut pieces = main.split('_');
    let head = pieces.next()?;
    let digits_end = head.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(head.len());
    let (dotted, rest) = head.split_at(digits_end);
    let numbers: Vec<&str> = dotted.split('.').collect();
    if numbers.iter().any(|n| n.is_empty()) {
        return None;
    }
    let letter = match rest.as_bytes() {
        [] => None,
        [c] if c.is_ascii_lowercase() => Some(*c),
        _ => return None,
    };
    let mut suffixes = Vec::new();
    for piece in pieces {
        let at = piece.find(|c: char| c.is_ascii_digit()).unwrap_or(piece.len());
        let (word, number) = piece.split_at(at);
        let rank = match word {
            "alpha" => -4,
            "beta" => -3,
            "pre" => -2,
            "rc" => -1,
            "cvs" => 1,
            "svn" => 2,
            "git" => 3,
            "hg" => 4,
            "p" => 5,
            _ => return None,
        };
        let number = if number.is_empty() { 0 } else { number.parse().ok()? };
        suffixes.push((rank, number));
    }
    Some(Apk { numbers, letter, suffixes, revision })
}

pub fn alpine(a: &str, b: &str) -> Option<Ordering> {
    let (x, y) = (apk_parts(a)?, apk_parts(b)?);
    let numeric = |m: &str, n: &str| {
        let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
        m.len().cmp(&n.len()).then_with(|| m.cmp(n))
    };
    for (i, (m, n)) in x.numbers.iter().zip(&y.numbers).enumerate() {
        let ord = if i > 0 && (m.starts_with('0') || n.starts_with('0')) {
            // A decimal fraction: 1.01 < 1.1, compared as text without trailing zeros.
            m.trim_end_matches('0').cmp(n.trim_end_matches('0'))
        } else {
            numeric(m, n)
        };
        if ord != Ordering::Equal {
            return Some(ord);
        }
    }
    let ord = x.numbers.len().cmp(&y.numbers.len()).then_with(|| x.letter.cmp(&y.letter));
    if ord != Ordering::Equal {
        return Some(ord);
    }
    for i in 0..x.suffixes.len().max(y.suffixes.len()) {
        let ord = match (x.suffixes.get(i), y.suffixes.get(i)) {
            (Some(s), Some(t)) => s.cmp(t),
            (Some(s), None) => {
                if s.0 < 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (None, Some(t)) => {
                if t.0 < 0 {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return Some(ord);
        }
    }
    Some(x.revision.cmp(&y.revision))
}

pub fn pypi(a: &str, b: &str) -> Option<Ordering> {
    let parse = |v: &str| v.trim().parse::<pep440_rs::Version>().ok();
    Some(parse(a)?.cmp(&parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    /// Each pair in both orders: `a` against `b` as given, and `b` against `a` the reverse.
    fn both_ways(compare: fn(&str, &str) -> Option<Ordering>, cases: &[(&str, &str, Ordering)]) {
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), Some(*want), "{a} vs {b}");
            assert_eq!(compare(b, a), Some(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn generic_orders_embedded_versions() {
        let cases = [
            ("1.22.1", "1.24.2", Less),
            ("1.01", "1.24.2", Less),
            ("1.36.1", "1.36.1", Equal),
            ("1.0.2k", "1.0.2", Greater),
            ("1.0.2k", "1.0.2zg", Less),
            ("1.0.2z", "1.0.2za", Less),
            ("1.1.1t", "1.1.1", Greater),
            ("3.0.8", "3.0.10", Less),
            ("7.4p1", "7.4", Greater),
            ("7.4p1", "7.5", Less),
            ("6.8-rc1", "6.8", Less),
            ("6.8rc1", "6.8-rc1", Equal),
            ("6.8-rc2", "6.8-rc10", Less),
            ("2017.75", "2020.79", Less),
            ("0.9.33.2", "0.9.33.2", Equal),
            ("1.0", "1.0.0", Less),
            ("v2.1", "2.1", Equal),
            ("010", "10", Equal),
            ("12.2(55)se", "12.2(58)se", Less),
        ];
        both_ways(generic, &cases);
        assert_eq!(generic("", "1"), None);
        assert_eq!(generic("1.0 beta", "1"), None);
    }

    #[test]
    fn debian_follows_dpkg() {
        let cases = [
            ("1.0~rc1", "1.0", Less),
            ("1.0", "1.0-1", Less),
            ("1:0.9", "2.0", Greater),
            ("2.79-24", "2.79-24.1", Less),
            ("1.2.3a", "1.2.3", Greater),
            ("1.2.3+b1", "1.2.3", Greater),
            ("0.9.8o-4squeeze14", "0.9.8o-4squeeze2", Greater),
            ("1.0-1~bpo1", "1.0-1", Less),
        ];
        both_ways(debian, &cases);
    }

    #[test]
    fn rpm_follows_rpmvercmp() {
        let cases = [
            ("2.79-24.el8", "2.79-24.el8_5.1", Less),
            ("1.0", "1.0.1", Less),
            ("1.0a", "1.0", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1:1.0", "2.0", Greater),
            ("1.0-1", "1.0", Equal),
            ("10", "9", Greater),
            ("1.a", "1.1", Less),
        ];
        both_ways(rpm, &cases);
    }

    #[test]
    fn alpine_follows_apk() {
        let cases = [
            ("1.2.3", "1.2.3-r1", Less),
            ("1.2.3_rc1", "1.2.3", Less),
            ("1.2.3_p1", "1.2.3", Greater),
            ("1.2.3a", "1.2.3", Greater),
            ("1.2.3a", "1.2.4", Less),
            ("1.01", "1.1", Less),
            ("1.10", "1.9", Greater),
            ("2.79-r24", "2.79-r3", Greater),
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_git20240101", "1.0_p1", Less),
        ];
        both_ways(alpine, &cases);
        assert_eq!(alpine("1.0_foo", "1.0"), None);
    }

    #[test]
    fn pypi_follows_pep_440() {
        assert_eq!(pypi("1.0rc1", "1.0"), Some(Less));
        assert_eq!(pypi("1.0.post1", "1.0"), Some(Greater));
        assert_eq!(pypi("1.0.dev1", "1.0a1"), Some(Less));
        assert_eq!(pypi("1!0.1", "2.0"), Some(Greater));
        assert_eq!(pypi("1.0", "1.0.0"), Some(Equal));
        assert_eq!(pypi("not a version", "1"), None);
    }

    #[test]
    fn semver_ignores_build_metadata() {
        assert_eq!(semver_cmp("1.0.0-alpha", "1.0.0"), Some(Less));
        assert_eq!(semver_cmp("1.0.0+build", "1.0.0"), Some(Equal));
        assert_eq!(semver_cmp("1.0", "1.0.0"), None);
    }
}
