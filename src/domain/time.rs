//! Time. The store keeps epoch milliseconds (portable between SQLite and PostgreSQL);
//! the API speaks RFC 3339 in UTC; business days (pickup dates, eligibility windows)
//! are days in China Standard Time, UTC+8 all year. A [`Clock`] makes tests
//! deterministic without sleeping.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, SecondsFormat, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// China Standard Time (Asia/Shanghai has had no daylight saving since 1991).
pub fn china_offset() -> FixedOffset {
    // 8 hours is within FixedOffset's +-24h range, so this never fails.
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// Where the service reads the current time.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A settable clock for tests: epoch milliseconds.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// A test clock set to `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self::Fixed(Arc::new(AtomicI64::new(at.timestamp_millis())))
    }

    /// Now, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        match self {
            Self::System => Utc::now().timestamp_millis(),
            Self::Fixed(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// Moves a test clock; the system clock ignores it.
    pub fn set_ms(&self, ms: i64) {
        if let Self::Fixed(at) = self {
            at.store(ms, Ordering::SeqCst);
        }
    }

    /// Today's date in China.
    pub fn today(&self) -> NaiveDate {
        china_date(self.now_ms())
    }
}

/// The China calendar date of an instant.
pub fn china_date(ms: i64) -> NaiveDate {
    let utc = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    utc.with_timezone(&china_offset()).date_naive()
}

/// RFC 3339 in UTC with milliseconds, as the API speaks it.
pub fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A time as people in China read it: `2026-11-26 10:00` (Asia/Shanghai).
pub fn format_china(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Parses an RFC 3339 time with any offset into epoch milliseconds.
pub fn parse_rfc3339(raw: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The years a date may name: firstmile's days lie well within them, and a date
/// outside is a typing or encoding error, not a plan.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Parses a date written exactly `YYYY-MM-DD` (ten characters, zero-padded) in
/// [`DATE_YEARS`]: `2020-1-1` and `+10000-01-01`, which chrono's own parser takes,
/// are refused.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| DATE_YEARS.contains(&chrono::Datelike::year(d)))
}

/// The instant a China day starts (00:00 UTC+8), in epoch milliseconds.
pub fn china_day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd_in_a_sane_range() {
        assert!(parse_date("2026-11-26").is_some());
        for bad in [
            "2020-1-1",
            "+10000-01-01",
            "2026-02-30",
            "1999-12-31",
            "2100-01-01",
            "2026-11-26 ",
            "２０２６-11-26",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn china_days_start_at_16_utc() {
        let before = parse_rfc3339("2026-11-25T15:59:59Z").unwrap_or_default();
        let after = parse_rfc3339("2026-11-25T16:00:00Z").unwrap_or_default();
        assert_eq!(china_date(before).to_string(), "2026-11-25");
        assert_eq!(china_date(after).to_string(), "2026-11-26");
    }

    #[test]
    fn people_read_china_time() {
        let ms = parse_rfc3339("2026-11-26T02:00:00Z").unwrap_or_default();
        assert_eq!(format_china(ms), "2026-11-26 10:00");
    }

    #[test]
    fn times_round_trip_in_utc() {
        let ms = parse_rfc3339("2026-11-26T08:30:00+08:00").unwrap_or_default();
        assert_eq!(format_ms(ms), "2026-11-26T00:30:00.000Z");
    }
}
