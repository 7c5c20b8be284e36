//! Rule 21 of docs/rules.md, the marketplace's store cancellation-rate rule, as a pure
//! day-by-day state machine.
//!
//! The check of day E counts the orders created in the `window_days` China days
//! before E (E-7 to E-1 by default) and those of them cancelled for the buyer or for
//! late warehouse intake. Above the threshold (30%), the store is in vacation mode
//! from E+1 for `vacation_days` (7). Each of those days is re-checked; if any re-check
//! is at or below the threshold, the store is back the day after the last vacation
//! day, else vacation runs `extension_days` (7) more. Then normal checks resume.
//!
//! Key decision: the machine's state between two days is small ([`VacationState`]), so
//! the service can take each day's decision once, store it with the state, and go on
//! from there the next day: a decision already taken is never recomputed when late
//! data changes an old day's counts (what a marketplace does).

use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;

/// The configured rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CancellationRule {
    /// The rate above which a store enters vacation (a fraction: 0.3 is 30%).
    pub threshold: f64,
    /// Days before the day of the check that it counts.
    pub window_days: u32,
    /// Length of the first vacation period, re-checked daily.
    pub vacation_days: u32,
    /// Added when no re-check of the first period was at or below the threshold.
    pub extension_days: u32,
}

impl Default for CancellationRule {
    fn default() -> Self {
        Self {
            threshold: 0.30,
            window_days: 7,
            vacation_days: 7,
            extension_days: 7,
        }
    }
}

/// Orders created on one day, and those of them cancelled for buyer reasons or late
/// intake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub orders: i64,
    pub cancelled_buyer: i64,
    pub cancelled_late_intake: i64,
}

impl DayCounts {
    /// The cancellations the rule counts.
    pub fn counted(&self) -> i64 {
        self.cancelled_buyer + self.cancelled_late_intake
    }

    fn add(&mut self, other: &DayCounts) {
        self.orders += other.orders;
        self.cancelled_buyer += other.cancelled_buyer;
        self.cancelled_late_intake += other.cancelled_late_intake;
    }
}

/// The rule's state after a day: `vacation_start` is set while the store is in (or
/// enters, tomorrow) vacation; `recovered` once a re-check of the first period passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VacationState {
    pub vacation_start: Option<NaiveDate>,
    pub recovered: bool,
}

/// Why a day is, or is not, in vacation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayReason {
    /// Not in vacation; the check is at or below the threshold.
    Normal,
    /// Not in vacation; the check is above the threshold: vacation from tomorrow.
    AboveThreshold,
    /// In the first period; no re-check has been at or below the threshold yet.
    Vacation,
    /// In the first period; a re-check passed, so vacation ends after its last day.
    VacationRecovering,
    /// In the extension, after no re-check of the first period passed.
    VacationExtended,
    /// Before the first day firstmile decided for the seller.
    NoDecision,
}

impl DayReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::AboveThreshold => "above_threshold",
            Self::Vacation => "vacation",
            Self::VacationRecovering => "vacation_recovering",
            Self::VacationExtended => "vacation_extended",
            Self::NoDecision => "no_decision",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Normal,
            Self::AboveThreshold,
            Self::Vacation,
            Self::VacationRecovering,
            Self::VacationExtended,
            Self::NoDecision,
        ]
        .into_iter()
        .find(|r| r.as_str() == raw)
    }
}

/// One day's check and decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayCheck {
    pub date: NaiveDate,
    /// The counts of the window the check looks at.
    pub window: DayCounts,
    pub rate: f64,
    pub in_vacation: bool,
    pub reason: DayReason,
}

fn add_days(day: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        day.checked_add_days(Days::new(n as u64)).unwrap_or(day)
    } else {
        day.checked_sub_days(Days::new(n.unsigned_abs()))
            .unwrap_or(day)
    }
}

impl CancellationRule {
    /// The share of counted cancellations; 0 with no orders.
    pub fn rate(&self, window: &DayCounts) -> f64 {
        if window.orders <= 0 {
            0.0
        } else {
            window.counted() as f64 / window.orders as f64
        }
    }

    /// Strictly above the threshold: exactly 30% does not enter vacation. Rates are
    /// ratios of integers, so a ratio mathematically equal to the threshold rounds to
    /// the same double as the threshold itself.
    pub fn is_above(&self, rate: f64) -> bool {
        rate > self.threshold
    }

    /// The first and last day counted by the check of `day`.
    pub fn window_of(&self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            add_days(day, -i64::from(self.window_days.max(1))),
            add_days(day, -1),
        )
    }

    /// Sums the window of the check of `day` from daily counts (missing days are 0).
    pub fn window_counts(
        &self,
        day: NaiveDate,
        daily: &BTreeMap<NaiveDate, DayCounts>,
    ) -> DayCounts {
        let (first, last) = self.window_of(day);
        let mut sum = DayCounts::default();
        for counts in daily.range(first..=last).map(|(_, c)| c) {
            sum.add(counts);
        }
        sum
    }

    /// One day of the machine: the decision for `day` given the state after the day
    /// before, and the state after `day`.
    pub fn step(
        &self,
        state: VacationState,
        day: NaiveDate,
        rate: f64,
    ) -> (bool, DayReason, VacationState) {
        let above = self.is_above(rate);
        let Some(start) = state.vacation_start else {
            return if above {
                let next = VacationState {
                    vacation_start: Some(add_days(day, 1)),
                    recovered: false,
                };
                (false, DayReason::AboveThreshold, next)
            } else {
                (false, DayReason::Normal, VacationState::default())
            };
        };
        let index = (day - start).num_days();
        let first = i64::from(self.vacation_days.max(1));
        let total = first + i64::from(self.extension_days);
        if index < first {
            let recovered = state.recovered || !above;
            let reason = if recovered {
                DayReason::VacationRecovering
            } else {
                DayReason::Vacation
            };
            let next = if index == first - 1 && (recovered || total == first) {
                VacationState::default()
            } else {
                VacationState {
                    vacation_start: Some(start),
                    recovered,
                }
            };
            (true, reason, next)
        } else {
            let next = if index >= total - 1 {
                VacationState::default()
            } else {
                state
            };
            (true, DayReason::VacationExtended, next)
        }
    }

    /// Runs the machine over `from..=to` from `state` (the state after the day before
    /// `from`); returns each day's check and the state after `to`.
    pub fn evaluate(
        &self,
        mut state: VacationState,
        from: NaiveDate,
        to: NaiveDate,
        daily: &BTreeMap<NaiveDate, DayCounts>,
    ) -> (Vec<DayCheck>, VacationState) {
        let mut out = Vec::new();
        let mut day = from;
        while day <= to {
            let window = self.window_counts(day, daily);
            let rate = self.rate(&window);
            let (in_vacation, reason, next) = self.step(state, day, rate);
            out.push(DayCheck {
                date: day,
                window,
                rate,
                in_vacation,
                reason,
            });
            state = next;
            day = add_days(day, 1);
        }
        (out, state)
    }

    /// How many more counted cancellations, among the window's orders not yet
    /// cancelled for those reasons, would put a check over the threshold: 0 if it is
    /// over already, `None` if even cancelling every remaining order would not.
    pub fn cancellations_to_exceed(&self, window: &DayCounts) -> Option<i64> {
        let counted = window.counted();
        let room = window.orders - counted;
        let over = |k: i64| {
            self.is_above(self.rate(&DayCounts {
                orders: window.orders,
                cancelled_buyer: counted + k,
                cancelled_late_intake: 0,
            }))
        };
        if window.orders <= 0 || !over(room.max(0)) {
            return None;
        }
        // The smallest k in 0..=room with over(k): over is monotonic in k.
        let (mut lo, mut hi) = (0_i64, room.max(0));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if over(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    }
}

/// Contiguous runs of vacation days, `(first, last)`, in date order.
pub fn vacation_periods(days: &[(NaiveDate, bool)]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut periods: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut prev: Option<NaiveDate> = None;
    for &(day, in_vacation) in days {
        if in_vacation {
            match periods.last_mut() {
                Some(last) if prev == Some(add_days(day, -1)) && last.1 == add_days(day, -1) => {
                    last.1 = day;
                }
                _ => periods.push((day, day)),
            }
        }
        prev = Some(day);
    }
    periods
}

#[cfg(test)]
#[path = "performance_tests.rs"]
mod tests;
