//! The seller center's plots (docs/rules.md, rules 21 and 22) over the last 30 days,
//! as SVG strings, with the caller's words: the API serves them in English and the
//! seller-center pages embed them in the page's language.
//! The figures come from the same use cases as the JSON views; `documents::plots`
//! draws them.

use super::first_scan::sla_of;
use super::performance::{day_range, performance_of};
use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::documents::plots::{
    LeadDay, PlotWords, RateDay, render_cancellation_rate, render_first_scan_lead_time,
};
use crate::domain::Principal;
use std::collections::BTreeMap;

/// `cancellation_rate_svg`: the daily rate against the threshold, vacation shaded.
pub async fn cancellation_rate_svg(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    words: &PlotWords,
) -> ServiceResult<String> {
    seller_scope(ctx, caller, seller_id).await?;
    let (from, to) = day_range(ctx, None, None)?;
    let perf = performance_of(ctx, seller_id, from, to).await?;
    let days: Vec<RateDay> = perf
        .days
        .iter()
        .map(|d| RateDay {
            date: d.date.to_string(),
            rate: d.cancellation_rate,
            in_vacation: d.in_vacation,
        })
        .collect();
    render_cancellation_rate(&days, perf.threshold, words).map_err(ServiceError::Internal)
}

/// `first_scan_lead_time_svg`: the median lead time of each day, with and without
/// backdating, over every sorting center (weighted by parcels online).
pub async fn first_scan_lead_time_svg(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    words: &PlotWords,
) -> ServiceResult<String> {
    seller_scope(ctx, caller, seller_id).await?;
    let (from, to) = day_range(ctx, None, None)?;
    let sla = sla_of(ctx, seller_id, from, to).await?;
    // (parcels, weighted sum with, weighted sum without) per day.
    let mut by_day: BTreeMap<chrono::NaiveDate, (f64, f64, f64)> = BTreeMap::new();
    for d in &sla {
        let e = by_day.entry(d.date).or_default();
        let n = d.online as f64;
        e.0 += n;
        e.1 += n * d.median_to_first_scan_h;
        e.2 += n * d.median_to_intake_h;
    }
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        let point = by_day.get(&day).filter(|e| e.0 > 0.0);
        days.push(LeadDay {
            date: day.to_string(),
            with_backdating_h: point.map(|e| e.1 / e.0),
            without_backdating_h: point.map(|e| e.2 / e.0),
        });
        day = day.succ_opt().unwrap_or(day);
        if day == to && days.len() > 400 {
            break;
        }
    }
    render_first_scan_lead_time(&days, words).map_err(ServiceError::Internal)
}
