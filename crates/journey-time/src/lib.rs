//! Instants and durations as Journey counts them.
//!
//! Journeys run on a virtual clock read from the data: [`Timestamp`] is an instant
//! in UTC with millisecond precision, parsed from and printed as RFC 3339. Durations
//! in the language (`45s 30m 12h 1d 2w`, compounds such as `1d12h`) are whole
//! seconds; [`parse_duration`] and [`format_duration`] convert them.

use std::fmt;

/// An instant in UTC, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// Why a timestamp or a duration could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeError(pub String);

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TimeError {}

fn error<T>(message: impl Into<String>) -> Result<T, TimeError> {
    Err(TimeError(message.into()))
}

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Reads exactly `n` ASCII digits at `pos`.
fn digits(bytes: &[u8], pos: usize, n: usize) -> Option<u32> {
    let chunk = bytes.get(pos..pos + n)?;
    chunk.iter().try_fold(0u32, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
}

impl Timestamp {
    /// Parses an RFC 3339 timestamp such as `2026-11-02T10:00:00Z`,
    /// `2026-11-02T10:00:00.250+01:00` or `2026-11-02 10:00:00z`.
    /// Fractions of a second beyond milliseconds are truncated.
    pub fn parse(text: &str) -> Result<Timestamp, TimeError> {
        let b = text.as_bytes();
        let shape = "expected an RFC 3339 timestamp such as 2026-11-02T10:00:00Z";
        let (Some(year), Some(month), Some(day)) = (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2)) else {
            return error(shape);
        };
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
            return error(shape);
        }
        let (Some(hour), Some(minute), Some(second)) = (digits(b, 11, 2), digits(b, 14, 2), digits(b, 17, 2)) else {
            return error(shape);
        };
        if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
            return error(shape);
        }
        if !(1..=12).contains(&month) {
            return error(format!("month {month:02} does not exist"));
        }
        if day == 0 || day > days_in_month(i64::from(year), month) {
            return error(format!("day {day:02} does not exist in {year:04}-{month:02}"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return error(format!("time {hour:02}:{minute:02}:{second:02} does not exist"));
        }
        let mut pos = 19;
        let mut millis = 0i64;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            let start = pos;
            while b.get(pos).is_some_and(u8::is_ascii_digit) {
                if pos - start < 3 {
                    millis = millis * 10 + i64::from(b[pos] - b'0');
                }
                pos += 1;
            }
            if pos == start {
                return error("expected digits after the decimal point of the seconds");
            }
            for _ in (pos - start)..3 {
                millis *= 10;
            }
        }
        let offset_minutes: i64 = match b.get(pos) {
            Some(b'Z' | b'z') => {
                pos += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let (Some(oh), Some(om)) = (digits(b, pos + 1, 2), digits(b, pos + 4, 2)) else {
                    return error("expected a UTC offset such as +01:00");
                };
                if b.get(pos + 3) != Some(&b':') || oh > 23 || om > 59 {
                    return error("expected a UTC offset such as +01:00");
                }
                pos += 6;
                let minutes = i64::from(oh * 60 + om);
                if sign == b'-' { -minutes } else { minutes }
            }
            _ => return error("the timestamp needs a time zone: add `Z` for UTC or an offset such as +01:00"),
        };
        if pos != b.len() {
            return error(format!("unexpected `{}` after the timestamp", &text[pos..]));
        }
        let days = days_from_civil(i64::from(year), month, day);
        let seconds = i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
        Ok(Timestamp(days * MS_PER_DAY + seconds * 1000 + millis))
    }

    /// This instant plus `seconds` seconds (saturating).
    pub fn plus_seconds(self, seconds: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis(seconds)))
    }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-11-02T10:00:00Z`, with `.250` milliseconds only when not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let seconds = ms_of_day / 1000;
        let millis = ms_of_day % 1000;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60
        )?;
        if millis != 0 {
            write!(f, ".{millis:03}")?;
        }
        f.write_str("Z")
    }
}

/// `seconds` in milliseconds, saturating at `i64::MAX` (a duration never wraps
/// into a negative one).
pub fn millis(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX).saturating_mul(1000)
}

/// The units of a duration, largest first, with their length in seconds.
const UNITS: [(char, u64); 5] = [('w', 604_800), ('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// The longest duration the language and plans accept: 10 years of 365 days
/// (315,360,000 seconds, `3650d`). Longer durations are errors, so that no wait or
/// window can overflow the clock.
pub const MAX_DURATION_SECONDS: u64 = 3650 * 86_400;

/// Parses a duration such as `45s`, `30m`, `12h`, `1d`, `2w` or `1d12h` into seconds.
/// Units must come largest first, each at most once. A duration too large for 64
/// bits saturates to `u64::MAX` (it never wraps): callers bound it with
/// [`MAX_DURATION_SECONDS`] and report it.
pub fn parse_duration(text: &str) -> Result<u64, TimeError> {
    let mut total: u64 = 0;
    let mut rest = text;
    let mut last_unit: Option<usize> = None;
    if rest.is_empty() {
        return error("empty duration");
    }
    while !rest.is_empty() {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            return error(format!("expected a number before `{rest}`"));
        }
        // Saturating: a number too large for 64 bits reads as `u64::MAX`, never wraps.
        let amount =
            rest[..digits_len].bytes().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
        rest = &rest[digits_len..];
        let unit_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        let unit = &rest[..unit_len];
        let Some(index) = UNITS.iter().position(|(u, _)| unit.len() == 1 && unit.starts_with(*u)) else {
            if unit.is_empty() {
                return error(format!("`{amount}` needs a unit: s, m, h, d or w"));
            }
            return error(format!("`{unit}` is not a duration unit; use s, m, h, d or w"));
        };
        if let Some(last) = last_unit
            && index <= last
        {
            return error("duration units go from largest to smallest, each once (as in `1d12h`)");
        }
        last_unit = Some(index);
        total = total.saturating_add(amount.saturating_mul(UNITS[index].1));
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Prints `seconds` as the shortest duration literal: `1d12h`, `45s`, `0s`.
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, length) in UNITS {
        if rest >= length {
            out.push_str(&(rest / length).to_string());
            out.push(unit);
            rest %= length;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_saturate_instead_of_wrapping() {
        assert_eq!(millis(3), 3_000);
        // u64::MAX seconds read as i64 is -1: it must not become a second in the past.
        assert_eq!(millis(u64::MAX), i64::MAX);
        assert_eq!(millis(i64::MAX as u64 / 1000 + 1), i64::MAX);
        assert_eq!(Timestamp(1_000).plus_seconds(u64::MAX), Timestamp(i64::MAX));
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z"), Ok(Timestamp(0)));
        assert_eq!(Timestamp::parse("1970-01-02T00:00:01.5Z"), Ok(Timestamp(86_401_500)));
        assert_eq!(Timestamp::parse("1970-01-01T01:00:00+01:00"), Ok(Timestamp(0)));
        assert_eq!(Timestamp::parse("1969-12-31T23:00:00-01:00"), Ok(Timestamp(0)));
        // 2026-11-02T10:00:00Z, computed with `date -u -d 2026-11-02T10:00:00Z +%s`.
        assert_eq!(Timestamp::parse("2026-11-02T10:00:00Z"), Ok(Timestamp(1_793_613_600_000)));
        assert_eq!(
            Timestamp::parse("2024-02-29T00:00:00Z").map(|t| t.to_string()).as_deref(),
            Ok("2024-02-29T00:00:00Z")
        );
    }

    #[test]
    fn rejects_impossible_timestamps_with_a_reason() {
        for (text, reason) in [
            ("2026-02-29T00:00:00Z", "day 29 does not exist in 2026-02"),
            ("2026-13-01T00:00:00Z", "month 13 does not exist"),
            ("2026-11-02T24:00:00Z", "time 24:00:00 does not exist"),
            ("2026-11-02T10:00:00", "the timestamp needs a time zone"),
            ("2026-11-02", "expected an RFC 3339 timestamp"),
            ("2026-11-02T10:00:00Zjunk", "unexpected `junk`"),
        ] {
            let err = Timestamp::parse(text).unwrap_err();
            assert!(err.0.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Ok(45));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        assert_eq!(parse_duration("2w"), Ok(1_209_600));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert!(parse_duration("12h1d").unwrap_err().0.contains("largest to smallest"));
        assert!(parse_duration("1d1d").unwrap_err().0.contains("largest to smallest"));
        assert!(parse_duration("3days").unwrap_err().0.contains("`days` is not a duration unit"));
        // Too large for 64 bits: saturated, never wrapped, never refused here.
        assert_eq!(parse_duration("18446744073709551615s"), Ok(u64::MAX));
        assert_eq!(parse_duration("18446744073709551616s"), Ok(u64::MAX));
        assert_eq!(parse_duration("999999999999999999999d"), Ok(u64::MAX));
        assert_eq!(parse_duration("30500568904944w"), Ok(u64::MAX));
        assert_eq!(parse_duration("30500568904943w"), Ok(18_446_744_073_709_526_400));
        assert_eq!(parse_duration("30500568904943w1d"), Ok(u64::MAX));
        assert_eq!(parse_duration("3650d"), Ok(MAX_DURATION_SECONDS));
        assert_eq!(MAX_DURATION_SECONDS, 315_360_000);
        assert_eq!(format_duration(129_600), "1d12h");
        assert_eq!(format_duration(90), "1m30s");
    }

    proptest! {
        #[test]
        fn timestamps_round_trip(ms in -62_135_596_800_000i64..253_402_300_799_999i64) {
            let text = Timestamp(ms).to_string();
            prop_assert_eq!(Timestamp::parse(&text), Ok(Timestamp(ms)));
        }

        #[test]
        fn durations_round_trip(seconds in 0u64..10_000_000_000) {
            prop_assert_eq!(parse_duration(&format_duration(seconds)), Ok(seconds));
        }
    }
}
