//! Rule 5 of docs/rules.md, eligibility for free door pickup: the seller's average daily orders
//! over the complete days before the day of the check (default 30: yesterday and the
//! 29 days before it) must reach a threshold (default 50). Days without data count as
//! zero; today's partial count never counts.

use chrono::{Days, NaiveDate};

/// The configured rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EligibilityRule {
    pub threshold: f64,
    pub window_days: u32,
}

impl Default for EligibilityRule {
    fn default() -> Self {
        Self {
            threshold: 50.0,
            window_days: 30,
        }
    }
}

/// The window of a check made on `today`: first and last day, both included.
pub fn window(today: NaiveDate, window_days: u32) -> (NaiveDate, NaiveDate) {
    let last = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let first = today
        .checked_sub_days(Days::new(u64::from(window_days.max(1))))
        .unwrap_or(today);
    (first, last)
}

impl EligibilityRule {
    /// The average over the window, from per-day counts; days outside the window are
    /// ignored and missing days count as zero.
    pub fn average(&self, today: NaiveDate, days: &[(NaiveDate, i64)]) -> f64 {
        let (first, last) = window(today, self.window_days);
        let total: i64 = days
            .iter()
            .filter(|(day, _)| *day >= first && *day <= last)
            .map(|(_, orders)| *orders)
            .sum();
        total as f64 / f64::from(self.window_days.max(1))
    }

    /// Whether an average reaches the threshold.
    pub fn is_eligible(&self, average: f64) -> bool {
        average >= self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn the_window_is_the_thirty_days_before_today() {
        let (first, last) = window(day("2026-11-26"), 30);
        assert_eq!((first, last), (day("2026-10-27"), day("2026-11-25")));
    }

    #[test]
    fn missing_days_count_zero_and_today_never_counts() {
        let rule = EligibilityRule::default();
        let today = day("2026-11-26");
        let mut days: Vec<_> = (1..=29).map(|n| (today - Days::new(n), 50)).collect();
        // 29 days of 50 and one missing day: 48.33, not eligible.
        assert!(!rule.is_eligible(rule.average(today, &days)));
        days.push((today, 10_000));
        assert!(!rule.is_eligible(rule.average(today, &days)));
        days.push((today - Days::new(30), 50));
        assert!(rule.is_eligible(rule.average(today, &days)));
        days.push((today - Days::new(31), 10_000));
        assert_eq!(rule.average(today, &days), 50.0);
    }
}
