//! Timestamps of every source rendered as RFC 3339, so one range query covers them all.
//! Calendar arithmetic is Howard Hinnant's `civil_from_days` (no date crate needed).

/// `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch (UTC) and a fraction written with exactly the digits given
/// (`frac` is the digits as text, e.g. `"123"` or `"000000001"`; empty for none).
pub fn rfc3339_utc(secs: i64, frac: &str) -> Option<String> {
    // Years 0..=9999 only: RFC 3339 has four-digit years.
    if !(-62_167_219_200..=253_402_300_799).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out.push('Z');
    Some(out)
}

/// auditd's `1700000000.123` → `2023-11-14T22:13:20.123Z`.
pub fn from_epoch_text(text: &str) -> Option<String> {
    let (secs, frac) = text.split_once('.').unwrap_or((text, ""));
    if secs.is_empty() || secs.len() > 12 || !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    rfc3339_utc(secs.parse().ok()?, frac)
}

/// Docker's `timeNano` (nanoseconds since the epoch) → nine fraction digits.
pub fn from_epoch_nanos(nanos: i64) -> Option<String> {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = format!("{:09}", nanos.rem_euclid(1_000_000_000));
    rfc3339_utc(secs, &frac)
}

/// nginx's `$time_local`, `14/Nov/2023:22:13:20 +0000` → `2023-11-14T22:13:20+00:00` (the
/// offset kept, the instant unchanged).
pub fn from_nginx(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let b = text.as_bytes();
    // dd/Mon/yyyy:hh:mm:ss +hhmm is 26 bytes.
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' || !matches!(b[21], b'+' | b'-') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let day = num(0..2)?;
    let month = MONTHS.iter().position(|m| text.get(3..6) == Some(*m))? as u32 + 1;
    let year = num(7..11)?;
    let (hh, mm, ss) = (num(12..14)?, num(15..17)?, num(18..20)?);
    let (oh, om) = (num(22..24)?, num(24..26)?);
    if !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 || oh > 23 || om > 59 {
        return None;
    }
    // Reject dates that do not exist (31/Feb): the civil round trip must agree.
    let days = days_from_civil(i64::from(year), month, day);
    if civil_from_days(days) != (i64::from(year), month, day) {
        return None;
    }
    let sign = b[21] as char;
    Some(format!("{year:04}-{month:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}{sign}{oh:02}:{om:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_conversions() {
        assert_eq!(from_epoch_text("1700000000.123").as_deref(), Some("2023-11-14T22:13:20.123Z"));
        assert_eq!(from_epoch_text("0").as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(from_epoch_text("951782400").as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(from_epoch_nanos(1_700_000_000_000_000_001).as_deref(), Some("2023-11-14T22:13:20.000000001Z"));
        assert_eq!(from_epoch_text("abc"), None);
        assert_eq!(from_epoch_text("1.2.3"), None);
        assert_eq!(from_epoch_text("99999999999999999999"), None);
        assert_eq!(rfc3339_utc(i64::MAX, ""), None);
    }

    #[test]
    fn nginx_time() {
        assert_eq!(from_nginx("14/Nov/2023:22:13:20 +0000").as_deref(), Some("2023-11-14T22:13:20+00:00"));
        assert_eq!(from_nginx("01/Jan/2024:08:00:00 +0800").as_deref(), Some("2024-01-01T08:00:00+08:00"));
        assert_eq!(from_nginx("31/Feb/2024:08:00:00 +0800"), None);
        assert_eq!(from_nginx("14/Foo/2023:22:13:20 +0000"), None);
        assert_eq!(from_nginx("14/Nov/2023:22:13:20"), None);
        assert_eq!(from_nginx("1\u{e9}/Nov/2023:22:13:20 +000"), None);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 59, 60, 10_957, 19_675, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
