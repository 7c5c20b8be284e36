//! Consolidation plans over HTTP: the planner (a pure module) run on a seller's
//! registered parcels. The same plan feeds `auto_plan` handover booking.

use super::error::ApiError;
use super::extract::{ApiJson, Caller, roles};
use super::sellers::seller_scope;
use crate::app::AppState;
use crate::planner::{Plan, PlanParcel, plan};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_plan))
}

/// Plans the given parcels of a seller (default: all registered, unbagged ones).
/// Listed parcels must be the seller's, registered and not yet in a bag.
pub(crate) async fn plan_for_seller(
    state: &AppState,
    seller_id: &str,
    tracking_numbers: Option<&[String]>,
) -> Result<Plan, ApiError> {
    let records = state
        .store
        .list_plannable_parcels(seller_id, tracking_numbers)
        .await?;
    if let Some(list) = tracking_numbers {
        for t in list {
            match records.iter().find(|r| &r.tracking_number == t) {
                None => {
                    return Err(ApiError::unprocessable(
                        "parcel_not_found",
                        format!("parcel {t} is not registered for this seller"),
                    ));
                }
                Some(r) if r.status != "registered" => {
                    return Err(ApiError::conflict(
                        "parcel_cancelled",
                        format!("parcel {t} was cancelled"),
                    ));
                }
                Some(r) if r.bag_id.is_some() => {
                    return Err(ApiError::conflict(
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
    let config = state.settings.rules.plan_config();
    // Planning 100,000 parcels takes a fraction of a second of CPU: off the runtime.
    tokio::task::spawn_blocking(move || plan(&parcels, &config))
        .await
        .map_err(|_| ApiError::internal())
}

/// The plan format (API.md), as documented; the planner's own types serialise to it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Plan)]
pub struct PlanDoc {
    pub bags: Vec<PlannedBagDoc>,
    pub unplaceable: Vec<UnplaceableDoc>,
    /// A proven lower bound on the number of bags.
    pub lower_bound: u64,
    /// True when the plan is proven to use the fewest bags possible (bags = lower_bound).
    pub optimal: bool,
    /// Number of orders whose parcels are in more than one bag.
    pub orders_split: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlannedBag)]
pub struct PlannedBagDoc {
    pub sorting_center: String,
    pub parcels: Vec<String>,
    /// Sum of the parcels' weights (plus the configured tare).
    pub weight_g: u64,
    /// An outer size L >= W >= H (cm) that satisfies every limit and holds the parcels.
    pub envelope_cm: [f64; 3],
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Unplaceable)]
pub struct UnplaceableDoc {
    pub tracking_number: String,
    /// `parcel_too_large` or `parcel_too_heavy`.
    pub code: String,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct CreatePlanRequest {
    /// Parcels to plan (default: all the seller's registered, unbagged parcels).
    #[validate(length(min = 1, max = 100_000))]
    pub tracking_numbers: Option<Vec<String>>,
}

/// Plan master bags for the seller's parcels; nothing is booked.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/plans", tag = "plans", request_body = CreatePlanRequest,
    responses((status = 200, body = PlanDoc),
              (status = 404, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn create_plan(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<CreatePlanRequest>,
) -> Result<Json<Plan>, ApiError> {
    seller_scope(&state, &auth, &seller_id).await?;
    Ok(Json(
        plan_for_seller(&state, &seller_id, body.tracking_numbers.as_deref()).await?,
    ))
}
