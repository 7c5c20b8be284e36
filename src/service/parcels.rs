//! Parcels: bulk registration with one outcome per item (docs/rules.md, rule 19), a
//! seller's parcel, and the cancellation of a parcel whose order was cancelled: it
//! leaves its bag until pickup, and is refused after (rule 11).

use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult, page_limit};
use crate::domain::{ParcelStatus, Principal, TrackingNumber};
use crate::store::{NewParcel, ParcelOutcome, ParcelPage, ParcelQuery, ParcelRecord};

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

/// `register_parcel_rows`: a sheet of parcels (the seller center's CSV upload), where
/// every row stands alone: a malformed tracking number or a size or weight that is not
/// positive rejects that row (`invalid_value`), the others are registered as by
/// [`register_parcels`].
pub async fn register_parcel_rows(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    rows: Vec<NewParcel>,
) -> ServiceResult<Vec<ItemOutcome>> {
    seller_scope(ctx, caller, seller_id).await?;
    let mut outcomes: Vec<Option<ItemOutcome>> = Vec::with_capacity(rows.len());
    let mut valid = Vec::new();
    for p in rows {
        let why = match TrackingNumber::parse(&p.tracking_number) {
            Err(m) => Some(m.to_owned()),
            Ok(_) if p.weight_g <= 0 => Some("the weight must be positive".to_owned()),
            Ok(_)
                if [p.length_cm, p.width_cm, p.height_cm]
                    .iter()
                    .any(|s| s.is_nan() || *s <= 0.0) =>
            {
                Some("every side must be positive".to_owned())
            }
            Ok(_) if p.order_id.trim().is_empty() => Some("the order id is missing".to_owned()),
            Ok(_) => None,
        };
        match why {
            Some(message) => outcomes.push(Some(ItemOutcome {
                tracking_number: p.tracking_number,
                outcome: ParcelOutcome::Rejected {
                    code: "invalid_value",
                    message,
                },
            })),
            None => {
                outcomes.push(None);
                valid.push(p);
            }
        }
    }
    let mut registered = register_parcels(ctx, caller, seller_id, valid)
        .await?
        .into_iter();
    Ok(outcomes
        .into_iter()
        .filter_map(|o| o.or_else(|| registered.next()))
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

/// Which page of a seller's parcels; raw filter values are checked here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParcelFilter {
    /// `registered` or `cancelled`.
    pub status: Option<String>,
    /// A sorting center code.
    pub sorting_center: Option<String>,
    /// Only the parcels now in this bag.
    pub bag_id: Option<String>,
    /// Only parcels changed at or after this time (RFC 3339).
    pub updated_since: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// `list_parcels`: the seller's parcels, newest first, filtered by status, sorting
/// center, bag and last change. An unknown status is a refused value (`status`), not an empty page.
pub async fn list_parcels(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    filter: &ParcelFilter,
) -> ServiceResult<ParcelPage> {
    seller_scope(ctx, caller, seller_id).await?;
    let limit = page_limit(filter.limit)?;
    let non_empty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let status = match non_empty(&filter.status) {
        None => None,
        Some(raw) => Some(ParcelStatus::try_from(raw.as_str()).map_err(|_| {
            ServiceError::field("status", "invalid", "use registered or cancelled")
        })?),
    };
    let query = ParcelQuery {
        status,
        sorting_center: non_empty(&filter.sorting_center),
        bag_id: non_empty(&filter.bag_id),
        updated_since_ms: super::updated_since(filter.updated_since.as_deref())?,
    };
    Ok(ctx
        .store
        .list_parcels(seller_id, &query, limit, filter.cursor.as_deref())
        .await?)
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
