//! Changes to a booked handover: cancelling it until the courier reports the pickup
//! (docs/rules.md, rule 7), moving it to another date after a failure (rule 8), and
//! editing a bag before pickup (rule 9). The store decides races with guarded updates,
//! so a cancel and a pickup racing end in exactly one outcome.

use super::handovers::check_pickup_date;
use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::domain::Principal;
use crate::store::{BagEdit, BagRecord, HandoverView};

/// `cancel_handover`: cancels until the courier reports the pickup; `already_picked_up`
/// after. Its bags are cancelled and their parcels freed.
pub async fn cancel_handover(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    handover_id: &str,
) -> ServiceResult<HandoverView> {
    let seller = seller_scope(ctx, caller, seller_id).await?;
    let now_ms = ctx.clock.now_ms();
    let view = ctx
        .store
        .retrying("cancel_handover", || {
            ctx.store
                .cancel_handover(seller_id, handover_id, caller, now_ms)
        })
        .await?;
    tracing::info!(handover.id = %handover_id, seller.id = %seller_id, "handover cancelled");
    // The live metrics count live sellers only (the sandbox stays out of them).
    if !seller.test_mode {
        crate::metrics::handover_cancelled();
    }
    Ok(view)
}

/// `reschedule_handover`: moves a booked or failed pickup to another date, checked
/// like a booking's date (rules 4, 6 and 8).
pub async fn reschedule_handover(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    handover_id: &str,
    pickup_date: &str,
) -> ServiceResult<HandoverView> {
    let seller = seller_scope(ctx, caller, seller_id).await?;
    let current = ctx.store.get_handover(seller_id, handover_id).await?;
    let status = current.handover.status;
    if !status.before_pickup() {
        return Err(ServiceError::Conflict(
            "handover_not_reschedulable",
            format!(
                "handover {handover_id} is {status}; only a booked or failed pickup can be rescheduled"
            ),
        ));
    }
    let date = check_pickup_date(ctx, &seller, pickup_date).await?;
    let (date, now_ms) = (date.to_string(), ctx.clock.now_ms());
    Ok(ctx
        .store
        .retrying("reschedule_handover", || {
            ctx.store
                .reschedule_handover(seller_id, handover_id, &date, caller, now_ms)
        })
        .await?)
}

/// Which bag of which handover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BagRef<'a> {
    pub seller_id: &'a str,
    pub handover_id: &'a str,
    pub bag_id: &'a str,
}

/// `edit_bag`: adds parcels to, or takes them out of, an open bag before pickup,
/// within the limits (rules 1, 2 and 9).
pub async fn edit_bag(
    ctx: Ctx<'_>,
    caller: &Principal,
    bag: BagRef<'_>,
    edit: BagEdit,
    tracking_numbers: &[String],
) -> ServiceResult<BagRecord> {
    seller_scope(ctx, caller, bag.seller_id).await?;
    if tracking_numbers.is_empty() {
        return Err(ServiceError::field(
            "tracking_numbers",
            "required",
            "name at least one parcel to add or take out",
        ));
    }
    for (i, t) in tracking_numbers.iter().enumerate() {
        if let Some(first) = tracking_numbers[..i].iter().position(|s| s == t) {
            return Err(ServiceError::field(
                format!("tracking_numbers[{i}]"),
                "duplicate_tracking_number",
                format!("{t} is listed twice in this request (also tracking_numbers[{first}])"),
            ));
        }
    }
    let now_ms = ctx.clock.now_ms();
    Ok(ctx
        .store
        .retrying("edit_bag", || {
            ctx.store.edit_bag(
                bag.seller_id,
                bag.handover_id,
                bag.bag_id,
                edit,
                tracking_numbers,
                &ctx.settings.limits,
                caller,
                now_ms,
            )
        })
        .await?)
}
