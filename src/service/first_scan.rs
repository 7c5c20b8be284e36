//! The first-scan SLA of a seller (docs/rules.md, rule 22): per China day of the first
//! scan and per sorting center, how soon parcels went online after RTS (or
//! registration), how soon they would have without backdating (the intake), the hours
//! gained, and the share backdated; and the bagged parcels still waiting for a first
//! scan past the configured hours, oldest first.

use super::performance::day_range;
use super::sellers::seller_scope;
use super::{Ctx, ServiceResult, page_limit};
use crate::domain::first_scan::{LeadTimes, SlaFigures};
use crate::domain::time::{china_date, china_day_start_ms};
use crate::domain::{FirstScanBasis, Principal};
use crate::store::WaitingParcel;
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The figures of one seller, day and sorting center; lead times in hours.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FirstScanDay {
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::date_text")]
    pub date: NaiveDate,
    pub sorting_center: String,
    /// Parcels whose first scan falls on the day.
    pub online: usize,
    pub median_to_first_scan_h: f64,
    pub p90_to_first_scan_h: f64,
    pub median_to_intake_h: f64,
    pub p90_to_intake_h: f64,
    pub hours_gained: f64,
    pub share_backdated: f64,
    pub share_at_intake: f64,
}

const HOUR_MS: f64 = 3_600_000.0;

/// `get_first_scan_sla`: the figures per day and sorting center over a range.
pub async fn get_first_scan_sla(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> ServiceResult<Vec<FirstScanDay>> {
    seller_scope(ctx, caller, seller_id).await?;
    let (from, to) = day_range(ctx, from, to)?;
    sla_of(ctx, seller_id, from, to).await
}

pub(crate) async fn sla_of(
    ctx: Ctx<'_>,
    seller_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> ServiceResult<Vec<FirstScanDay>> {
    let end = to.checked_add_days(Days::new(1)).unwrap_or(to);
    let rows = ctx
        .store
        .list_first_scans(seller_id, china_day_start_ms(from), china_day_start_ms(end))
        .await?;
    let mut groups: BTreeMap<(NaiveDate, String), Vec<LeadTimes>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((china_date(r.first_scan_at_ms), r.sorting_center.clone()))
            .or_default()
            .push(LeadTimes {
                to_first_scan_h: (r.first_scan_at_ms - r.start_ms) as f64 / HOUR_MS,
                to_intake_h: (r.intake_at_ms - r.start_ms) as f64 / HOUR_MS,
                backdated: r.basis == FirstScanBasis::BagPickup,
            });
    }
    Ok(groups
        .into_iter()
        .filter_map(|((date, sorting_center), parcels)| {
            SlaFigures::of(&parcels).map(|f| FirstScanDay {
                date,
                sorting_center,
                online: f.online,
                median_to_first_scan_h: f.median_to_first_scan_h,
                p90_to_first_scan_h: f.p90_to_first_scan_h,
                median_to_intake_h: f.median_to_intake_h,
                p90_to_intake_h: f.p90_to_intake_h,
                hours_gained: f.hours_gained,
                share_backdated: f.share_backdated,
                share_at_intake: f.share_at_intake,
            })
        })
        .collect())
}

/// `list_first_scan_at_risk`: bagged parcels with no first scan more than the
/// configured hours after RTS (or registration), oldest first.
pub async fn list_first_scan_at_risk(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    limit: Option<usize>,
) -> ServiceResult<Vec<WaitingParcel>> {
    seller_scope(ctx, caller, seller_id).await?;
    let limit = page_limit(limit)?;
    let hours = i64::from(ctx.settings.rules.first_scan_at_risk_hours);
    Ok(ctx
        .store
        .list_waiting_parcels(seller_id, ctx.clock.now_ms() - hours * 3_600_000, limit)
        .await?)
}
