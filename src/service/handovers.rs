//! Handovers: booking a door pickup of bags (declared, or planned with `auto_plan`),
//! reading and listing them. Changes after booking are in `handover_changes.rs`.
//!
//! Booking checks, in this order (docs/rules.md, rule 13): the sorting center takes
//! consolidation (rule 3), the pickup date is neither past nor too far ahead (rule 6),
//! door pickup covers the seller's address on that date (rule 4), the seller is
//! eligible (rule 5), then the bags: either declared or planned, and each within the
//! limits against the parcels' registered weights (rules 1 and 2), in the store's
//! booking transaction.

use super::coverage::seller_coverage;
use super::plans::plan_for_seller;
use super::sellers::{eligibility_on, seller_scope};
use super::{Ctx, ServiceError, ServiceResult, filter_value, page_limit};
use crate::domain::time::parse_date;
use crate::domain::{HandoverStatus, Principal};
use crate::regions::Regions;
use crate::store::{HandoverPage, HandoverView, NewBag, NewHandover, SellerRecord};
use chrono::{Days, NaiveDate};

/// How far ahead a pickup may be booked.
pub const MAX_DAYS_AHEAD: u64 = 30;

/// What a booking asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Booking {
    /// Destination sorting center code (`SZX`, `YIW`).
    pub sorting_center: String,
    /// `YYYY-MM-DD`, a day in China; parsed in its place among the checks.
    pub pickup_date: String,
    /// Declared bags; or none, with `auto_plan`.
    pub bags: Option<Vec<NewBag>>,
    /// Let firstmile plan the bags from the seller's parcels.
    pub auto_plan: bool,
    /// With `auto_plan`: which parcels (default: all registered, unbagged ones bound
    /// for this sorting center).
    pub tracking_numbers: Option<Vec<String>>,
}

/// `book_handover`: books a pickup of bags, checking the rules in their order.
pub async fn book_handover(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    booking: Booking,
) -> ServiceResult<HandoverView> {
    let seller = seller_scope(ctx, caller, seller_id).await?;
    let center = ctx
        .store
        .get_sorting_center(&booking.sorting_center)
        .await?
        .ok_or_else(|| {
            ServiceError::field(
                "sorting_center",
                "unknown_sorting_center",
                format!("no sorting center {}", booking.sorting_center),
            )
        })?;
    if !center.accepts_consolidation {
        return Err(ServiceError::rule(
            "sorting_center_not_supported",
            format!(
                "consolidated handover is open only for routes to Shenzhen (SZX) and Yiwu (YIW); {} ({}) does not take it",
                center.name_en, center.code
            ),
        ));
    }
    let date = check_pickup_date(ctx, &seller, &booking.pickup_date).await?;
    check_eligible(ctx, &seller, date).await?;
    let bags = choose_bags(ctx, seller_id, &center.code, booking).await?;
    let a = &seller.address;
    let transit_hours = Regions::embedded()
        .transit_hours(&a.province_code, &a.city_code, &center.code)
        .unwrap_or(72);
    let new = NewHandover {
        seller_id: seller_id.to_owned(),
        sorting_center: center.code,
        pickup_date: date.to_string(),
        address: seller.address.clone(),
        bags,
        transit_hours: i64::from(transit_hours),
    };
    let now_ms = ctx.clock.now_ms();
    let view = ctx
        .store
        .retrying("book_handover", || {
            ctx.store
                .insert_handover(&new, &ctx.settings.limits, caller, now_ms)
        })
        .await?;
    tracing::info!(
        handover.id = %view.handover.handover_id,
        seller.id = %seller_id,
        handover.bags = view.bags.len(),
        actor.role = caller.role.as_str(),
        "handover booked"
    );
    // The live metrics count live sellers only (the sandbox stays out of them).
    if !seller.test_mode {
        crate::metrics::handover_booked();
    }
    Ok(view)
}

/// Checks a pickup date: a valid date, not past, at most a month ahead, covered on
/// that day (rules 4 and 6).
pub(crate) async fn check_pickup_date(
    ctx: Ctx<'_>,
    seller: &SellerRecord,
    raw: &str,
) -> ServiceResult<NaiveDate> {
    let date = parse_date(raw)
        .ok_or_else(|| ServiceError::field("pickup_date", "invalid_date", "use YYYY-MM-DD"))?;
    let today = ctx.clock.today();
    if date < today {
        return Err(ServiceError::rule(
            "pickup_date_in_past",
            format!("pickup date {date} is before today ({today} in China)"),
        ));
    }
    if date
        > today
            .checked_add_days(Days::new(MAX_DAYS_AHEAD))
            .unwrap_or(today)
    {
        return Err(ServiceError::rule(
            "pickup_date_too_far",
            format!("pickups are booked at most {MAX_DAYS_AHEAD} days ahead"),
        ));
    }
    let coverage = seller_coverage(ctx, seller, date).await?;
    if let Some(code) = coverage.code {
        // A booking answers with the coarser code a seller can act on.
        let code = match code.as_str() {
            "province_not_covered" | "city_not_covered" => "area_not_covered",
            "not_launched_yet" => "not_launched_yet",
            _ => "outside_service_area",
        };
        return Err(ServiceError::rule(code, coverage.detail));
    }
    Ok(date)
}

/// Refuses a seller under the order threshold (rule 5).
async fn check_eligible(ctx: Ctx<'_>, seller: &SellerRecord, date: NaiveDate) -> ServiceResult<()> {
    let verdict = eligibility_on(ctx, seller, date).await?;
    if verdict.below_threshold() {
        return Err(ServiceError::rule(
            "seller_not_eligible",
            format!(
                "free door pickup needs an average of at least {} orders a day over the {} days {} to {}; this seller averaged {}",
                verdict.threshold,
                verdict.window_days,
                verdict.window_from,
                verdict.window_to,
                verdict.average_daily_orders
            ),
        ));
    }
    Ok(())
}

/// The bags to book: the declared ones, or the plan's bags for this sorting center.
async fn choose_bags(
    ctx: Ctx<'_>,
    seller_id: &str,
    center: &str,
    booking: Booking,
) -> ServiceResult<Vec<NewBag>> {
    match (booking.bags, booking.auto_plan) {
        (Some(_), true) => Err(ServiceError::field(
            "auto_plan",
            "conflict",
            "give either bags or auto_plan, not both",
        )),
        (None, false) => Err(ServiceError::field(
            "bags",
            "required",
            "give bags, or set auto_plan: true",
        )),
        (Some(bags), false) if bags.is_empty() || bags.iter().any(|b| b.parcels.is_empty()) => {
            Err(ServiceError::rule(
                "no_bags_declared",
                "declare at least one bag, each with at least one parcel",
            ))
        }
        (Some(bags), false) => Ok(bags),
        (None, true) => {
            let plan = plan_for_seller(ctx, seller_id, booking.tracking_numbers.as_deref()).await?;
            if let Some(u) = plan.unplaceable.first() {
                return Err(ServiceError::rule(
                    "parcel_unplaceable",
                    format!(
                        "parcel {} fits no bag ({:?}); take it out of the request",
                        u.tracking_number, u.code
                    ),
                ));
            }
            let bags: Vec<NewBag> = plan
                .bags
                .into_iter()
                .filter(|b| b.sorting_center == center)
                .map(|b| NewBag {
                    parcels: b.parcels,
                    sides_cm: b.envelope_cm,
                })
                .collect();
            if bags.is_empty() {
                return Err(ServiceError::rule(
                    "no_parcels_to_plan",
                    format!("no registered, unbagged parcels bound for {center} to plan"),
                ));
            }
            Ok(bags)
        }
    }
}

/// Which page of a seller's handovers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HandoverFilter {
    /// Only handovers in this status.
    pub status: Option<String>,
    /// Only handovers picked up (or to be) on this China day, `YYYY-MM-DD`.
    pub pickup_date: Option<String>,
    /// Only handovers changed (they or their bags) at or after this time (RFC 3339).
    pub updated_since: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// `list_handovers`: the seller's handovers, newest first.
pub async fn list_handovers(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    filter: &HandoverFilter,
) -> ServiceResult<HandoverPage> {
    seller_scope(ctx, caller, seller_id).await?;
    let allowed: Vec<&str> = HandoverStatus::ALL.iter().map(|s| s.as_str()).collect();
    let status: Option<HandoverStatus> =
        filter_value("status", filter.status.as_deref(), &allowed)?;
    let limit = page_limit(filter.limit)?;
    let updated_since_ms = super::updated_since(filter.updated_since.as_deref())?;
    let pickup_date = match filter.pickup_date.as_deref() {
        None => None,
        Some(raw) => Some(
            parse_date(raw)
                .ok_or_else(|| {
                    ServiceError::field("pickup_date", "invalid_date", "use YYYY-MM-DD")
                })?
                .to_string(),
        ),
    };
    Ok(ctx
        .store
        .list_handovers(
            seller_id,
            status.map(HandoverStatus::as_str),
            pickup_date.as_deref(),
            updated_since_ms,
            limit,
            filter.cursor.as_deref(),
        )
        .await?)
}

/// `get_handover`: one handover with its bags and history.
pub async fn get_handover(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    handover_id: &str,
) -> ServiceResult<HandoverView> {
    seller_scope(ctx, caller, seller_id).await?;
    Ok(ctx.store.get_handover(seller_id, handover_id).await?)
}
