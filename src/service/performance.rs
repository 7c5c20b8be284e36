//! The seller's performance (docs/rules.md, rule 21): the store cancellation rate of
//! each day, the vacation decisions and periods, a forecast for tomorrow, and the
//! operator's list of stores in or near vacation mode.
//!
//! Key decision: a day's vacation decision is taken once, the first time firstmile
//! looks at the seller on or after that day ([`settle`]: on every performance read and
//! before every order batch), and kept. Late data (an old order cancelled this week)
//! changes the counts and the rate shown for the days it falls in, never a decision
//! already taken, as a marketplace does: a store is not retroactively put into, or
//! taken out of, vacation.

use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult, require};
use crate::domain::performance::{CancellationRule, DayReason, VacationState, vacation_periods};
use crate::domain::time::parse_date;
use crate::domain::{Principal, Role};
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Longest range one request may ask for, in days.
pub const MAX_RANGE_DAYS: i64 = 731;

/// One day of the performance view.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PerformanceDay {
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::date_text")]
    pub date: NaiveDate,
    /// Orders created in the window the day's check counts (the days before it).
    pub orders: i64,
    pub cancelled_buyer: i64,
    pub cancelled_late_intake: i64,
    /// (cancelled_buyer + cancelled_late_intake) / orders; 0 with no orders.
    pub cancellation_rate: f64,
    pub in_vacation: bool,
    /// normal, above_threshold (vacation from tomorrow), vacation, vacation_recovering,
    /// vacation_extended, or no_decision (before the seller's first order).
    pub reason: String,
}

/// A vacation period; `to` is its last day in vacation. While `ongoing`, `to` is the
/// earliest it can end as things stand.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct VacationPeriod {
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::date_text")]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::date_text")]
    pub to: NaiveDate,
    pub ongoing: bool,
}

/// Tomorrow's check as it stands now.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Forecast {
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::date_text")]
    pub date: NaiveDate,
    pub orders: i64,
    pub cancelled: i64,
    pub cancellation_rate: f64,
    /// More buyer or late-intake cancellations (of these orders) that would put the
    /// check above the threshold: 0 if it is above already, null if none would.
    pub cancellations_to_exceed: Option<i64>,
}

/// A seller's performance over a range of days.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Performance {
    pub seller_id: String,
    pub threshold: f64,
    pub days: Vec<PerformanceDay>,
    pub vacation_periods: Vec<VacationPeriod>,
    pub forecast: Forecast,
}

fn shift(day: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        day.checked_add_days(Days::new(n as u64)).unwrap_or(day)
    } else {
        day.checked_sub_days(Days::new(n.unsigned_abs()))
            .unwrap_or(day)
    }
}

/// Takes the decisions due for a seller, from the day after the last one taken (or
/// its first order's day) through today, and keeps them.
pub(crate) async fn settle(ctx: Ctx<'_>, seller_id: &str) -> ServiceResult<()> {
    let rule = ctx.settings.cancellation;
    let today = ctx.clock.today();
    let (from, state, previous) = match ctx.store.get_vacation_state(seller_id).await? {
        Some(s) => (
            shift(s.decided_through, 1),
            s.state,
            Some(s.decided_through),
        ),
        None => match ctx.store.first_order_day(seller_id).await? {
            Some(first) => (first, VacationState::default(), None),
            None => return Ok(()),
        },
    };
    if from > today {
        return Ok(());
    }
    let daily = ctx
        .store
        .list_order_days(seller_id, rule.window_of(from).0, today)
        .await?;
    let (checks, after) = rule.evaluate(state, from, today, &daily);
    ctx.store
        .insert_vacation_decisions(seller_id, previous, &checks, after, ctx.clock.now_ms())
        .await?;
    Ok(())
}

/// A date parameter: `field` names it in a refusal.
fn date_param(raw: Option<&str>, field: &str) -> ServiceResult<Option<NaiveDate>> {
    raw.map(|r| {
        parse_date(r).ok_or_else(|| ServiceError::field(field, "invalid_date", "use YYYY-MM-DD"))
    })
    .transpose()
}

/// `from`/`to` of a request: default the 30 days through today; never after today.
pub(crate) fn day_range(
    ctx: Ctx<'_>,
    from: Option<&str>,
    to: Option<&str>,
) -> ServiceResult<(NaiveDate, NaiveDate)> {
    let today = ctx.clock.today();
    let to = date_param(to, "to")?.unwrap_or(today);
    let from = date_param(from, "from")?.unwrap_or(shift(to, -29));
    if to > today {
        return Err(ServiceError::field(
            "to",
            "in_future",
            format!("to is after today ({today})"),
        ));
    }
    if from > to {
        return Err(ServiceError::field("from", "after_to", "from is after to"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(ServiceError::field(
            "from",
            "range_too_long",
            format!("a range has at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// `get_performance`: a seller's days, vacation periods and tomorrow's forecast.
pub async fn get_performance(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> ServiceResult<Performance> {
    seller_scope(ctx, caller, seller_id).await?;
    let (from, to) = day_range(ctx, from, to)?;
    performance_of(ctx, seller_id, from, to).await
}

/// The performance view of a seller the caller may see.
pub(crate) async fn performance_of(
    ctx: Ctx<'_>,
    seller_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> ServiceResult<Performance> {
    settle(ctx, seller_id).await?;
    let rule = ctx.settings.cancellation;
    let today = ctx.clock.today();
    let tomorrow = shift(today, 1);
    let longest = i64::from(rule.vacation_days + rule.extension_days);
    let daily = ctx
        .store
        .list_order_days(seller_id, rule.window_of(from).0, today)
        .await?;
    let decided: BTreeMap<NaiveDate, (bool, DayReason)> = ctx
        .store
        .list_vacation_days(seller_id, shift(from, -longest), today)
        .await?
        .into_iter()
        .map(|d| (d.date, (d.in_vacation, d.reason)))
        .collect();
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        let window = rule.window_counts(day, &daily);
        let (in_vacation, reason) = decided
            .get(&day)
            .copied()
            .unwrap_or((false, DayReason::NoDecision));
        days.push(PerformanceDay {
            date: day,
            orders: window.orders,
            cancelled_buyer: window.cancelled_buyer,
            cancelled_late_intake: window.cancelled_late_intake,
            cancellation_rate: rule.rate(&window),
            in_vacation,
            reason: reason.as_str().to_owned(),
        });
        day = shift(day, 1);
    }
    let state = ctx.store.get_vacation_state(seller_id).await?;
    let vacation_periods = periods(&rule, &decided, state.map(|s| s.state), from, to, today);
    let window = rule.window_counts(tomorrow, &daily);
    let forecast = Forecast {
        date: tomorrow,
        orders: window.orders,
        cancelled: window.counted(),
        cancellation_rate: rule.rate(&window),
        cancellations_to_exceed: rule.cancellations_to_exceed(&window),
    };
    Ok(Performance {
        seller_id: seller_id.to_owned(),
        threshold: rule.threshold,
        days,
        vacation_periods,
        forecast,
    })
}

/// The vacation periods that overlap `from..=to`, whole; the one still running ends
/// where the rule's state says it can end at the earliest.
fn periods(
    rule: &CancellationRule,
    decided: &BTreeMap<NaiveDate, (bool, DayReason)>,
    state: Option<VacationState>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Vec<VacationPeriod> {
    let flags: Vec<(NaiveDate, bool)> = decided.iter().map(|(d, (v, _))| (*d, *v)).collect();
    let mut out: Vec<VacationPeriod> = vacation_periods(&flags)
        .into_iter()
        .map(|(a, b)| VacationPeriod {
            from: a,
            to: b,
            ongoing: false,
        })
        .collect();
    if let Some(start) = state.and_then(|s| s.vacation_start.map(|v| (v, s.recovered))) {
        let (begin, recovered) = start;
        let first = i64::from(rule.vacation_days);
        let in_first = (today - begin).num_days() < first;
        let end = if recovered || in_first {
            shift(begin, first - 1)
        } else {
            shift(begin, first + i64::from(rule.extension_days) - 1)
        };
        match out.last_mut() {
            Some(last) if last.from == begin => {
                last.to = end;
                last.ongoing = true;
            }
            _ => out.push(VacationPeriod {
                from: begin,
                to: end,
                ongoing: true,
            }),
        }
    }
    out.retain(|p| p.to >= from && p.from <= to);
    out
}

/// One store in the operator's list.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct StoreVacation {
    pub seller_id: String,
    /// `in_vacation`, or `at_risk`: the next check, as its window stands, is above the
    /// risk rate (or above the threshold, entering vacation tomorrow).
    pub status: String,
    pub reason: String,
    /// The rate of the day's check.
    pub cancellation_rate: f64,
    /// The rate of the next day's window as it stands.
    pub next_cancellation_rate: f64,
}

/// `list_vacations` (operator): the stores in, or at risk of, vacation mode on a day
/// (default today).
pub async fn list_vacations(
    ctx: Ctx<'_>,
    caller: &Principal,
    date: Option<&str>,
) -> ServiceResult<Vec<StoreVacation>> {
    require(
        caller,
        &[Role::Operator],
        "list every store's vacation mode",
    )?;
    let (date, _) = day_range(ctx, date, date)?;
    let rule = ctx.settings.cancellation;
    let risk = ctx.settings.rules.vacation_risk_rate;
    let mut out = Vec::new();
    for seller_id in ctx.store.list_sellers_with_orders().await? {
        settle(ctx, &seller_id).await?;
        let daily = ctx
            .store
            .list_order_days(&seller_id, rule.window_of(date).0, date)
            .await?;
        let decided = ctx.store.list_vacation_days(&seller_id, date, date).await?;
        let (in_vacation, reason) = decided
            .first()
            .map(|d| (d.in_vacation, d.reason))
            .unwrap_or((false, DayReason::NoDecision));
        let rate = rule.rate(&rule.window_counts(date, &daily));
        let next = rule.rate(&rule.window_counts(shift(date, 1), &daily));
        let status = if in_vacation {
            "in_vacation"
        } else if reason == DayReason::AboveThreshold || next > risk {
            "at_risk"
        } else {
            continue;
        };
        out.push(StoreVacation {
            seller_id,
            status: status.to_owned(),
            reason: reason.as_str().to_owned(),
            cancellation_rate: rate,
            next_cancellation_rate: next,
        });
    }
    Ok(out)
}
