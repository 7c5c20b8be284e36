//! `plan_parcels`: the planner (a pure module) run on a seller's registered parcels
//! (docs/rules.md, rules 1, 2 and 10). The same plan feeds `auto_plan` booking.

use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::domain::{ParcelStatus, Principal};
use crate::planner::{Plan, PlanParcel, plan};

/// `plan_parcels`: plans master bags for the seller's parcels; nothing is booked.
pub async fn plan_parcels(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    tracking_numbers: Option<&[String]>,
) -> ServiceResult<Plan> {
    seller_scope(ctx, caller, seller_id).await?;
    plan_for_seller(ctx, seller_id, tracking_numbers).await
}

/// Plans the given parcels of a seller (default: all registered, unbagged ones).
/// Listed parcels must be the seller's, registered and not yet in a bag.
pub(crate) async fn plan_for_seller(
    ctx: Ctx<'_>,
    seller_id: &str,
    tracking_numbers: Option<&[String]>,
) -> ServiceResult<Plan> {
    let records = ctx
        .store
        .list_plannable_parcels(seller_id, tracking_numbers)
        .await?;
    if let Some(list) = tracking_numbers {
        for t in list {
            match records.iter().find(|r| &r.tracking_number == t) {
                None => {
                    return Err(ServiceError::rule(
                        "parcel_not_found",
                        format!("parcel {t} is not registered for this seller"),
                    ));
                }
                Some(r) if r.status != ParcelStatus::Registered => {
                    return Err(ServiceError::Conflict(
                        "parcel_cancelled",
                        format!("parcel {t} was cancelled"),
                    ));
                }
                Some(r) if r.bag_id.is_some() => {
                    return Err(ServiceError::Conflict(
                        "parcel_already_bagged",
                        format!(
                            "parcel {t} is already in bag {}",
                            r.bag_id.as_deref().unwrap_or("")
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let unready = ctx
            .store
            .list_parcels_of_unready_orders(seller_id, list)
            .await?;
        if let Some((t, status)) = unready.first() {
            return Err(ServiceError::Conflict(
                "order_not_valid",
                format!("parcel {t} belongs to an order that is {status}, not valid"),
            ));
        }
    }
    let parcels: Vec<PlanParcel> = records
        .into_iter()
        .map(|r| PlanParcel {
            tracking_number: r.tracking_number,
            order_id: Some(r.order_id),
            weight_g: u32::try_from(r.weight_g).unwrap_or(u32::MAX),
            length_cm: r.length_cm,
            width_cm: r.width_cm,
            height_cm: r.height_cm,
            sorting_center: r.sorting_center,
        })
        .collect();
    let config = ctx.settings.rules.plan_config();
    // Planning 100,000 parcels takes a fraction of a second of CPU: off the runtime.
    tokio::task::spawn_blocking(move || plan(&parcels, &config))
        .await
        .map_err(|e| ServiceError::Internal(format!("planner task: {e}")))
}
