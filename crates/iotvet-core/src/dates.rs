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

/// Unix seconds of an RFC 3339 timestamp, `YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM)` (T and Z in
/// either case), on a date that exists and with an offset within ±23:59. Anything else is None.
/// The one parser for security.txt `Expires` and the case's own timestamps.
pub fn rfc3339_unix(s: &str) -> Option<i64> {
    fn num(t: &str, r: std::ops::Range<usize>) -> Option<i64> {
        t.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
    }
    let days = calendar_date(s.get(..10)?)?;
    let time = s.get(10..)?.strip_prefix(['T', 't', ' '])?;
    if time.get(2..3) != Some(":") || time.get(5..6) != Some(":") {
        return None;
    }
    let (hour, minute, second) = (num(time, 0..2)?, num(time, 3..5)?, num(time, 6..8)?);
    let mut rest = time.get(8..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = frac.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4) != Some(":") {
                return None;
            }
            // RFC 3339 time-numoffset: hours 00-23, minutes 00-59.
            let (h, m) = (num(rest, 1..3)?, num(rest, 4..6)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    (hour < 24 && minute < 60 && second <= 60).then_some(days * 86400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_real_dates() {
        assert_eq!(super::calendar_date("1970-01-02"), Some(1));
        assert_eq!(super::rfc3339_unix("1970-01-02T00:00:01Z"), Some(86401));
        assert_eq!(super::rfc3339_unix("1970-01-01T00:00:00.5Z"), Some(0));
        assert_eq!(super::rfc3339_unix("2000-03-01T00:00:00Z"), Some(951868800));
        assert_eq!(super::rfc3339_unix("2000-03-01T01:00:00+01:00"), Some(951868800));
        assert_eq!(super::rfc3339_unix("2025-06-30T00:00:00z"), Some(1751241600));
        for bad in [
            "2025-06-30",
            "2025-13-30T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "2027-01-01T00:00:00+25:00",
            "2027-01-01T00:00:00.Z",
        ] {
            assert_eq!(super::rfc3339_unix(bad), None, "{bad}");
        }
        assert_eq!(super::calendar_date("2028-02-29"), Some(21243));
        for bad in ["2027-02-29", "2030-02-31", "2027-04-31", "2027-00-10", "2027-1-10", "２０２７-01-01"] {
            assert_eq!(super::calendar_date(bad), None, "{bad}");
        }
    }
}
