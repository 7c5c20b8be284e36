//! Consolidation plans over HTTP: the planner (a pure module) run on a seller's
//! registered parcels (`service::plans`). The same plan feeds `auto_plan` booking.

use super::error::ApiError;
use super::extract::{ApiJson, Caller, roles};
use crate::app::AppState;
use crate::planner::Plan;
use crate::service::plans;
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

/// The plan format, as documented; the planner's own types serialise to it.
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
    #[schema(min_items = 1, max_items = 100_000)]
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
    Ok(Json(
        plans::plan_parcels(
            state.ctx(),
            &auth.0,
            &seller_id,
            body.tracking_numbers.as_deref(),
        )
        .await?,
    ))
}
