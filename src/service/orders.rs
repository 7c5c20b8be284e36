//! `put_orders`: the seller's order feed (docs/rules.md, rule 20). Up to 1,000 updates
//! a batch, each checked here (ids, times, a cancel reason only with `cancelled`), then
//! applied by the store in one transaction: the status moves forward by precedence,
//! and the parcels of an order that became invalid or cancelled leave their open
//! bags, or are flagged for the sorting center when their bag is already picked up.
//!
//! The performance decisions up to today are taken before the batch is applied
//! (`performance::settle`), so a batch of late data changes the rates shown for old
//! days but never a vacation decision already due (rule 21).

use super::performance::settle;
use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::domain::time::parse_rfc3339;
use crate::domain::{CancelReason, OrderStatus, Principal};
use crate::store::{OrderBatch, OrderUpdate};

/// Most updates in one batch.
pub const MAX_ORDER_UPDATES: usize = 1_000;

/// One update as received (times still RFC 3339 text).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderUpdateInput {
    pub order_id: String,
    pub created_at: String,
    pub status: OrderStatus,
    pub cancel_reason: Option<CancelReason>,
    pub cancelled_at: Option<String>,
}

/// `put_orders`: applies a batch of order updates.
pub async fn put_orders(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    updates: &[OrderUpdateInput],
) -> ServiceResult<OrderBatch> {
    seller_scope(ctx, caller, seller_id).await?;
    if updates.is_empty() || updates.len() > MAX_ORDER_UPDATES {
        return Err(ServiceError::field(
            "orders",
            "out_of_range",
            format!("a batch has 1 to {MAX_ORDER_UPDATES} updates"),
        ));
    }
    let now_ms = ctx.clock.now_ms();
    let mut checked = Vec::with_capacity(updates.len());
    for (i, u) in updates.iter().enumerate() {
        let order_id = u.order_id.trim();
        if order_id.is_empty() || order_id.len() > 64 {
            return Err(ServiceError::field(
                format!("orders[{i}].order_id"),
                "invalid",
                "an order id has 1 to 64 characters",
            ));
        }
        let created_at_ms = parse_rfc3339(&u.created_at).ok_or_else(|| {
            ServiceError::field(
                format!("orders[{i}].created_at"),
                "invalid_time",
                "use RFC 3339",
            )
        })?;
        if created_at_ms > now_ms + 5 * 60_000 {
            return Err(ServiceError::field(
                format!("orders[{i}].created_at"),
                "in_future",
                "an order cannot be created in the future",
            ));
        }
        let cancelled = u.status == OrderStatus::Cancelled;
        if !cancelled && (u.cancel_reason.is_some() || u.cancelled_at.is_some()) {
            return Err(ServiceError::field(
                format!("orders[{i}].cancel_reason"),
                "not_cancelled",
                "cancel_reason and cancelled_at go only with the status cancelled",
            ));
        }
        let cancelled_at_ms = match &u.cancelled_at {
            None => None,
            Some(raw) => Some(parse_rfc3339(raw).ok_or_else(|| {
                ServiceError::field(
                    format!("orders[{i}].cancelled_at"),
                    "invalid_time",
                    "use RFC 3339",
                )
            })?),
        };
        checked.push(OrderUpdate {
            order_id: order_id.to_owned(),
            created_at_ms,
            status: u.status,
            cancel_reason: if cancelled {
                Some(u.cancel_reason.unwrap_or(CancelReason::Other))
            } else {
                None
            },
            cancelled_at_ms,
        });
    }
    settle(ctx, seller_id).await?;
    Ok(ctx
        .store
        .apply_order_updates(seller_id, &checked, caller, now_ms)
        .await?)
}
