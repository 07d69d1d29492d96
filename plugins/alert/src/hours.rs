//! Business hours, decided from the record's time (Fluent Bit's, not the wall clock) so that a
//! replay of old logs flags the same records as the live run did.
//!
//! A fixed UTC offset, not a time-zone database: the module has no tzdata, and an offset is
//! what an on-call rota is usually written in. Daylight-saving changes need the offset updated.

use serde::Deserialize;

/// The settings as written in alert.json.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursConfig {
    /// `HH:MM`, inclusive.
    #[serde(default = "default_start")]
    pub start: String,
    /// `HH:MM`, exclusive. Earlier than `start` for a shift across midnight.
    #[serde(default = "default_end")]
    pub end: String,
    /// Working days: `mon` … `sun`.
    #[serde(default = "default_days")]
    pub days: Vec<String>,
    /// `+HH:MM` / `-HH:MM` / `Z`: local time = UTC + offset.
    #[serde(default = "default_offset")]
    pub utc_offset: String,
}

fn default_start() -> String {
    "08:00".into()
}
fn default_end() -> String {
    "18:00".into()
}
fn default_days() -> Vec<String> {
    ["mon", "tue", "wed", "thu", "fri"].iter().map(|d| d.to_string()).collect()
}
fn default_offset() -> String {
    "+00:00".into()
}

impl Default for BusinessHoursConfig {
    fn default() -> Self {
        BusinessHoursConfig { start: default_start(), end: default_end(), days: default_days(), utc_offset: default_offset() }
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Compiled business hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessHours {
    start_min: u32,
    end_min: u32,
    /// Bit 0 = Monday … bit 6 = Sunday.
    days: u8,
    offset_sec: i64,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours::parse(&BusinessHoursConfig::default()).unwrap_or(BusinessHours {
            start_min: 8 * 60,
            end_min: 18 * 60,
            days: 0b1_1111,
            offset_sec: 0,
        })
    }
}

/// `HH:MM` → minutes after midnight (24:00 allowed as an end).
fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
}

fn parse_offset(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mins = i64::from(parse_clock(&s[1..])?);
    (mins <= 18 * 60).then_some(sign * mins * 60)
}

impl BusinessHours {
    /// Errors name the offending key (for a JSON pointer below `business_hours`).
    pub fn parse(c: &BusinessHoursConfig) -> Result<BusinessHours, (&'static str, String)> {
        let start_min = parse_clock(&c.start).ok_or(("start", format!("`{}` is not a time of day HH:MM", c.start)))?;
        let end_min = parse_clock(&c.end).ok_or(("end", format!("`{}` is not a time of day HH:MM", c.end)))?;
        let mut days = 0u8;
        for d in &c.days {
            let i = DAYS
                .iter()
                .position(|x| x.eq_ignore_ascii_case(d))
                .ok_or(("days", format!("`{d}` is not a day; use mon, tue, wed, thu, fri, sat, sun")))?;
            days |= 1 << i;
        }
        let offset_sec = parse_offset(&c.utc_offset)
            .ok_or(("utc_offset", format!("`{}` is not a UTC offset like +01:00, -05:00 or Z", c.utc_offset)))?;
        Ok(BusinessHours { start_min, end_min, days, offset_sec })
    }

    /// Is `unix_sec` (UTC) inside business hours?
    pub fn contains(&self, unix_sec: i64) -> bool {
        let local = unix_sec + self.offset_sec;
        let day = local.div_euclid(86_400);
        let minute = (local.rem_euclid(86_400) / 60) as u32;
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        let weekday = (day + 3).rem_euclid(7) as u8;
        let working_day = self.days & (1 << weekday) != 0;
        let in_window = if self.start_min <= self.end_min {
            self.start_min <= minute && minute < self.end_min
        } else {
            minute >= self.start_min || minute < self.end_min
        };
        working_day && in_window
    }

    pub fn is_off_hours(&self, unix_sec: i64) -> bool {
        !self.contains(unix_sec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(start: &str, end: &str, offset: &str) -> BusinessHours {
        let c = BusinessHoursConfig { start: start.into(), end: end.into(), utc_offset: offset.into(), ..Default::default() };
        BusinessHours::parse(&c).unwrap()
    }

    // 2025-03-14 is a Friday; 2025-03-15 a Saturday.
    const FRI_0000_UTC: i64 = 1_741_910_400;

    #[test]
    fn weekday_and_window() {
        let h = BusinessHours::default();
        assert!(h.is_off_hours(FRI_0000_UTC + 2 * 3600 + 7 * 60), "02:07 Friday");
        assert!(h.contains(FRI_0000_UTC + 9 * 3600 + 21 * 60), "09:21 Friday");
        assert!(h.contains(FRI_0000_UTC + 8 * 3600), "start is inclusive");
        assert!(h.is_off_hours(FRI_0000_UTC + 18 * 3600), "end is exclusive");
        assert!(h.is_off_hours(FRI_0000_UTC + 86_400 + 10 * 3600), "Saturday 10:00");
    }

    #[test]
    fn offset_shifts_the_local_clock() {
        // 07:30 UTC is 08:30 at +01:00 (in hours) and 02:30 at -05:00 (off hours).
        let t = FRI_0000_UTC + 7 * 3600 + 30 * 60;
        assert!(hours("08:00", "18:00", "+01:00").contains(t));
        assert!(hours("08:00", "18:00", "-05:00").is_off_hours(t));
        // Friday 23:30 UTC is Saturday 00:30 at +01:00.
        assert!(hours("00:00", "24:00", "+01:00").is_off_hours(FRI_0000_UTC + 23 * 3600 + 30 * 60));
        assert!(hours("00:00", "24:00", "Z").contains(FRI_0000_UTC + 23 * 3600 + 30 * 60));
    }

    #[test]
    fn overnight_shift() {
        let h = hours("22:00", "06:00", "Z");
        assert!(h.contains(FRI_0000_UTC + 23 * 3600));
        assert!(h.contains(FRI_0000_UTC + 3600));
        assert!(h.is_off_hours(FRI_0000_UTC + 12 * 3600));
    }

    #[test]
    fn before_1970_does_not_panic() {
        assert!(BusinessHours::default().is_off_hours(-1));
    }

    #[test]
    fn bad_values_name_their_key() {
        let bad = |c: BusinessHoursConfig| BusinessHours::parse(&c).unwrap_err().0;
        assert_eq!(bad(BusinessHoursConfig { start: "8".into(), ..Default::default() }), "start");
        assert_eq!(bad(BusinessHoursConfig { end: "25:00".into(), ..Default::default() }), "end");
        assert_eq!(bad(BusinessHoursConfig { days: vec!["funday".into()], ..Default::default() }), "days");
        assert_eq!(bad(BusinessHoursConfig { utc_offset: "CET".into(), ..Default::default() }), "utc_offset");
    }
}
