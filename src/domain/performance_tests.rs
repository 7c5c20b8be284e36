//! The cancellation-rate rule: the source's example (2028 is a leap year), the edges,
//! and a property test against a plain day-by-day reference.

use super::*;
use proptest::prelude::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn counts(orders: i64, buyer: i64) -> DayCounts {
    DayCounts {
        orders,
        cancelled_buyer: buyer,
        cancelled_late_intake: 0,
    }
}

/// Feb 7-13: 30 clean orders a day, so no check before Feb 21 is above 30%; Feb 14-20:
/// 10 orders a day, 4 cancelled by buyers (40% on Feb 21); later days as given.
fn example(later: &[(&str, i64, i64)]) -> BTreeMap<NaiveDate, DayCounts> {
    let mut daily = BTreeMap::new();
    for d in 7..=13 {
        daily.insert(day(&format!("2028-02-{d:02}")), counts(30, 0));
    }
    for d in 14..=20 {
        daily.insert(day(&format!("2028-02-{d}")), counts(10, 4));
    }
    for (d, orders, buyer) in later {
        daily.insert(day(d), counts(*orders, *buyer));
    }
    daily
}

fn vacation_days(checks: &[DayCheck]) -> Vec<(NaiveDate, NaiveDate)> {
    let flags: Vec<(NaiveDate, bool)> = checks.iter().map(|c| (c.date, c.in_vacation)).collect();
    vacation_periods(&flags)
}

#[test]
fn the_example_recovers_and_the_store_is_back_on_feb_29() {
    let rule = CancellationRule::default();
    // Feb 21-23: many clean orders, so the re-check of Feb 24 (orders of Feb 17-23)
    // is at or below 30%: 4 days x 4 / (4 x 10 + 3 x 30) = 16/130.
    let daily = example(&[
        ("2028-02-21", 30, 0),
        ("2028-02-22", 30, 0),
        ("2028-02-23", 30, 0),
    ]);
    let (checks, _) = rule.evaluate(
        VacationState::default(),
        day("2028-02-07"),
        day("2028-03-10"),
        &daily,
    );
    let feb21 = checks
        .iter()
        .find(|c| c.date == day("2028-02-21"))
        .expect("Feb 21");
    assert_eq!(feb21.reason, DayReason::AboveThreshold);
    assert!((feb21.rate - 0.4).abs() < 1e-12);
    assert_eq!(
        vacation_days(&checks),
        vec![(day("2028-02-22"), day("2028-02-28"))]
    );
    let feb29 = checks
        .iter()
        .find(|c| c.date == day("2028-02-29"))
        .expect("Feb 29");
    assert!(!feb29.in_vacation);
}

#[test]
fn the_example_without_recovery_runs_until_mar_6() {
    let rule = CancellationRule::default();
    let later: Vec<(String, i64, i64)> = (21..=29)
        .map(|d| (format!("2028-02-{d}"), 10, 5))
        .chain((1..=6).map(|d| (format!("2028-03-{d:02}"), 10, 0)))
        .collect();
    let later: Vec<(&str, i64, i64)> = later.iter().map(|(d, o, b)| (d.as_str(), *o, *b)).collect();
    let (checks, _) = rule.evaluate(
        VacationState::default(),
        day("2028-02-07"),
        day("2028-03-07"),
        &example(&later),
    );
    assert_eq!(
        vacation_days(&checks),
        vec![(day("2028-02-22"), day("2028-03-06"))]
    );
    assert!(!checks.last().expect("Mar 7").in_vacation);
}

#[test]
fn exactly_the_threshold_is_not_above() {
    let rule = CancellationRule::default();
    assert!(!rule.is_above(rule.rate(&counts(10, 3))));
    assert!(rule.is_above(rule.rate(&counts(1000, 301))));
    assert_eq!(rule.rate(&DayCounts::default()), 0.0);
}

#[test]
fn forecast_counts_the_cancellations_that_cross_the_line() {
    let rule = CancellationRule::default();
    // 3 of 10 is 30%: one more is 40%.
    assert_eq!(rule.cancellations_to_exceed(&counts(10, 3)), Some(1));
    assert_eq!(rule.cancellations_to_exceed(&counts(10, 0)), Some(4));
    assert_eq!(rule.cancellations_to_exceed(&counts(10, 5)), Some(0));
    assert_eq!(rule.cancellations_to_exceed(&DayCounts::default()), None);
}

#[test]
fn a_store_can_enter_again_the_day_after_it_is_back() {
    let rule = CancellationRule::default();
    // Feb 21 is clean (the re-check of Feb 22 passes: 24 of 160); every other day is
    // 40% cancelled, so the check of Feb 29, the day the store is back, is above again.
    let mut daily = example(&[("2028-02-21", 100, 0)]);
    for d in 22..=29 {
        daily.insert(day(&format!("2028-02-{d}")), counts(10, 4));
    }
    for d in 1..=20 {
        daily.insert(day(&format!("2028-03-{d:02}")), counts(10, 4));
    }
    let (checks, _) = rule.evaluate(
        VacationState::default(),
        day("2028-02-07"),
        day("2028-03-15"),
        &daily,
    );
    assert_eq!(
        vacation_days(&checks),
        vec![
            (day("2028-02-22"), day("2028-02-28")),
            (day("2028-03-01"), day("2028-03-14")),
        ]
    );
    let feb29 = checks
        .iter()
        .find(|c| c.date == day("2028-02-29"))
        .expect("Feb 29");
    assert_eq!(
        (feb29.in_vacation, feb29.reason),
        (false, DayReason::AboveThreshold)
    );
    assert_eq!(
        checks.last().map(|c| c.reason),
        Some(DayReason::AboveThreshold)
    );
}

/// The reference: count every order of the window, and decide a whole vacation at
/// once by looking ahead over its first period.
fn reference(
    rule: &CancellationRule,
    orders: &[(NaiveDate, bool)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, bool)> {
    let rate_on = |d: NaiveDate| {
        let (first, last) = rule.window_of(d);
        let in_window: Vec<&(NaiveDate, bool)> = orders
            .iter()
            .filter(|(o, _)| *o >= first && *o <= last)
            .collect();
        let cancelled = in_window.iter().filter(|(_, c)| *c).count();
        if in_window.is_empty() {
            0.0
        } else {
            cancelled as f64 / in_window.len() as f64
        }
    };
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push((d, false));
        if rate_on(d) > rule.threshold {
            let start = d + chrono::Duration::days(1);
            let first = i64::from(rule.vacation_days);
            let recovered =
                (0..first).any(|i| rate_on(start + chrono::Duration::days(i)) <= rule.threshold);
            let len = if recovered {
                first
            } else {
                first + i64::from(rule.extension_days)
            };
            for i in 0..len {
                let v = start + chrono::Duration::days(i);
                if v <= to {
                    out.push((v, true));
                }
            }
            d = start + chrono::Duration::days(len);
        } else {
            d += chrono::Duration::days(1);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn the_machine_agrees_with_the_reference_over_120_days(
        history in proptest::collection::vec((0_i64..12, 0_u32..100), 120),
        cut in 0_usize..110,
    ) {
        let rule = CancellationRule::default();
        let start = day("2028-01-01");
        let mut orders = Vec::new();
        let mut daily = BTreeMap::new();
        for (i, (n, share)) in history.iter().enumerate() {
            let d = start + chrono::Duration::days(i as i64);
            // About `share`% of the day's orders cancelled, so rates cross 30% often.
            let cancelled = (n * i64::from(*share) + 50) / 100;
            for k in 0..*n {
                orders.push((d, k < cancelled));
            }
            daily.insert(d, counts(*n, cancelled));
        }
        let to = start + chrono::Duration::days(119);
        let expected = reference(&rule, &orders, start, to);
        let (checks, _) = rule.evaluate(VacationState::default(), start, to, &daily);
        let got: Vec<(NaiveDate, bool)> = checks.iter().map(|c| (c.date, c.in_vacation)).collect();
        prop_assert_eq!(&got, &expected);
        // Deciding in two runs, resuming from the stored state, changes nothing.
        let mid = start + chrono::Duration::days(cut as i64);
        let (a, state) = rule.evaluate(VacationState::default(), start, mid, &daily);
        let (b, _) = rule.evaluate(state, mid + chrono::Duration::days(1), to, &daily);
        let resumed: Vec<(NaiveDate, bool)> = a.iter().chain(b.iter()).map(|c| (c.date, c.in_vacation)).collect();
        prop_assert_eq!(resumed, expected);
    }
}
