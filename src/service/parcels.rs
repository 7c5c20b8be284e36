//! Parcels: bulk registration with one outcome per item (docs/rules.md, rule 19), a
//! seller's parcel, and the cancellation of a parcel whose order was cancelled: it
//! leaves its bag until pickup, and is refused after (rule 11).

use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::domain::{Principal, TrackingNumber};
use crate::store::{NewParcel, ParcelOutcome, ParcelRecord};

/// The outcome of one item of a registration, in input order.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemOutcome {
    pub tracking_number: String,
    pub outcome: ParcelOutcome,
}

/// `register_parcels`: each item is registered or rejected on its own; a malformed
/// tracking number refuses the whole request (`parcels[i].tracking_number`).
pub async fn register_parcels(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    parcels: Vec<NewParcel>,
) -> ServiceResult<Vec<ItemOutcome>> {
    seller_scope(ctx, caller, seller_id).await?;
    let mut checked = Vec::with_capacity(parcels.len());
    for (i, mut p) in parcels.into_iter().enumerate() {
        let tracking_number = TrackingNumber::parse(&p.tracking_number).map_err(|m| {
            ServiceError::field(format!("parcels[{i}].tracking_number"), "invalid", m)
        })?;
        p.tracking_number = tracking_number.into_string();
        checked.push(p);
    }
    let outcomes = ctx
        .store
        .insert_parcels(seller_id, &checked, ctx.clock.now_ms())
        .await?;
    Ok(checked
        .into_iter()
        .zip(outcomes)
        .map(|(p, outcome)| ItemOutcome {
            tracking_number: p.tracking_number,
            outcome,
        })
        .collect())
}

/// `get_parcel`: one of the seller's parcels.
pub async fn get_parcel(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    tracking_number: &str,
) -> ServiceResult<ParcelRecord> {
    seller_scope(ctx, caller, seller_id).await?;
    ctx.store
        .get_parcel(seller_id, tracking_number)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound("parcel_not_found", format!("no parcel {tracking_number}"))
        })
}

/// `cancel_parcel`: the parcel's order was cancelled; it leaves its bag unless the bag
/// is picked up (`already_picked_up`).
pub async fn cancel_parcel(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    tracking_number: &str,
) -> ServiceResult<ParcelRecord> {
    seller_scope(ctx, caller, seller_id).await?;
    Ok(ctx
        .store
        .cancel_parcel(seller_id, tracking_number, ctx.clock.now_ms())
        .await?)
}
