//! Calendar dates, validated with the `time` crate: a date that does not exist (`2027-02-29`,
//! `2030-02-31`) is refused, never rolled over into the next month.

/// A `YYYY-MM-DD` date that exists on the (proleptic Gregorian) calendar, as Unix days.
pub fn calendar_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    Some(i64::from(
        date.to_julian_day() - time::Date::from_calendar_date(1970, time::Month::January, 1).ok()?.to_julian_day(),
    ))
}

/// Unix seconds of an RFC 3339 UTC timestamp as iotvet writes them (`2026-11-25T23:18:36Z`,
/// fractions allowed); None for anything else.
pub fn utc_unix(s: &str) -> Option<i64> {
    let days = calendar_date(s.get(..10)?)?;
    let rest = s.get(10..)?;
    let time = rest.strip_prefix(['T', 't', ' '])?;
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        time.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
    };
    let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
    let tail = time.get(8..)?;
    let tail = tail.strip_prefix('.').map(|f| f.trim_start_matches(|c: char| c.is_ascii_digit())).unwrap_or(tail);
    (matches!(tail, "Z" | "z") && h < 24 && m < 60 && sec <= 60).then_some(days * 86400 + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_real_dates() {
        assert_eq!(super::calendar_date("1970-01-02"), Some(1));
        assert_eq!(super::utc_unix("1970-01-02T00:00:01Z"), Some(86401));
        assert_eq!(super::utc_unix("1970-01-01T00:00:00.5Z"), Some(0));
        assert_eq!(super::utc_unix("1970-01-01T00:00:00+01:00"), None);
        assert_eq!(super::calendar_date("2028-02-29"), Some(21243));
        for bad in ["2027-02-29", "2030-02-31", "2027-04-31", "2027-00-10", "2027-1-10", "２０２７-01-01"] {
            assert_eq!(super::calendar_date(bad), None, "{bad}");
        }
    }
}
