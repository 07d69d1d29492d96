//! Record timestamps (`struct flb_time`: seconds + nanoseconds) and the parsing logward needs
//! to take a record's time from one of its fields (RFC 3339 or epoch seconds).

use std::fmt;

/// A record timestamp, as Fluent Bit stores it (EventTime: seconds and nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct FlbTime {
    /// Seconds since the Unix epoch.
    pub sec: i64,
    /// Nanoseconds within the second (0..1e9).
    pub nsec: u32,
}

impl FlbTime {
    /// A timestamp from seconds and nanoseconds.
    pub fn new(sec: i64, nsec: u32) -> Self {
        FlbTime { sec, nsec }
    }

    /// `flb_time_to_double`.
    pub fn to_double(self) -> f64 {
        self.sec as f64 + f64::from(self.nsec) / 1e9
    }

    /// Epoch seconds as a float (`1700000000.25`) → time; `None` if not finite.
    pub fn from_epoch_f64(seconds: f64) -> Option<Self> {
        if !seconds.is_finite() {
            return None;
        }
        let sec = seconds.floor();
        let nsec = ((seconds - sec) * 1e9).round().min(999_999_999.0) as u32;
        Some(FlbTime {
            sec: sec as i64,
            nsec,
        })
    }

    /// Parses an RFC 3339 timestamp (`2024-05-01T12:00:00.123456Z`, `...+02:00`), a space
    /// instead of `T` is accepted too; or epoch seconds written as a number string.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(seconds) = text.parse::<f64>() {
            return Self::from_epoch_f64(seconds);
        }
        parse_rfc3339(text)
    }
}

impl fmt::Display for FlbTime {
    /// `sec.nsec` with nine decimals, as `out_file` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.sec, self.nsec)
    }
}

fn digits(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = text.get(range)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_rfc3339(text: &str) -> Option<FlbTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 19
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (
        digits(text, 0..4)?,
        digits(text, 5..7)?,
        digits(text, 8..10)?,
    );
    let (hour, minute, second) = (
        digits(text, 11..13)?,
        digits(text, 14..16)?,
        digits(text, 17..19)?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nsec: u32 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let mut padded: String = fraction[..len.min(9)].to_string();
        while padded.len() < 9 {
            padded.push('0');
        }
        nsec = padded.parse().ok()?;
        rest = &fraction[len..];
    }
    let offset_seconds = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh = digits(rest, 1..3)?;
            let mm = if rest.len() == 6 && rest.as_bytes()[3] == b':' {
                digits(rest, 4..6)?
            } else if rest.len() == 5 {
                digits(rest, 3..5)?
            } else {
                return None;
            };
            sign * (hh * 3600 + mm * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let sec = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(FlbTime { sec, nsec })
}

#[cfg(test)]
mod tests {
    use super::FlbTime;

    #[test]
    fn rfc3339_and_epoch() {
        assert_eq!(
            FlbTime::parse("1970-01-01T00:00:00Z"),
            Some(FlbTime::new(0, 0))
        );
        assert_eq!(
            FlbTime::parse("2023-11-14T22:13:20.5Z"),
            Some(FlbTime::new(1_700_000_000, 500_000_000))
        );
        assert_eq!(
            FlbTime::parse("2023-11-15T00:13:20.123456789+02:00"),
            Some(FlbTime::new(1_700_000_000, 123_456_789))
        );
        assert_eq!(
            FlbTime::parse("1700000000.25"),
            Some(FlbTime::new(1_700_000_000, 250_000_000))
        );
        assert_eq!(FlbTime::parse("not a time"), None);
        assert_eq!(FlbTime::new(5, 7).to_string(), "5.000000007");
    }
}
