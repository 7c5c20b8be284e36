//! Handovers over HTTP: booking a door pickup of bags (declared, or planned by
//! firstmile with `auto_plan`), listing, reading with history, cancelling until
//! pickup, rescheduling after a failure, and editing a bag before pickup. The rules
//! and their order are the use cases' (`service::handovers`, `service::handover_changes`).

use super::dto::{BagResponse, HandoverResponse, bag_response, handover_response};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth, Caller, roles};
use crate::app::AppState;
use crate::service::handover_changes::{self, BagRef};
use crate::service::handovers::{self, Booking, HandoverFilter};
use crate::store::{BagEdit, NewBag};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_handover, list_handovers))
        .routes(routes!(get_handover))
        .routes(routes!(cancel_handover))
        .routes(routes!(reschedule_handover))
        .routes(routes!(add_bag_parcels, remove_bag_parcels))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BagInput {
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_items = 1, max_items = 1000)]
    pub parcels: Vec<String>,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub length_cm: f64,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub width_cm: f64,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub height_cm: f64,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"sorting_center": "SZX", "pickup_date": "2026-11-26", "auto_plan": true})))]
pub struct CreateHandoverRequest {
    /// Destination sorting center code (`SZX`, `YIW`).
    #[validate(length(min = 1, max = 16))]
    #[schema(min_length = 1, max_length = 16)]
    pub sorting_center: String,
    /// `YYYY-MM-DD`, a day in China.
    #[schema(format = Date, example = "2026-11-26")]
    pub pickup_date: String,
    /// Declared bags; or leave out and set `auto_plan`.
    #[validate(length(min = 1, max = 200), nested)]
    #[schema(min_items = 1, max_items = 200)]
    pub bags: Option<Vec<BagInput>>,
    /// Let firstmile plan the bags from the seller's parcels.
    #[serde(default)]
    pub auto_plan: bool,
    /// With `auto_plan`: which parcels (default: all registered, unbagged ones bound
    /// for this sorting center).
    #[validate(length(min = 1, max = 100_000))]
    #[schema(min_items = 1, max_items = 100_000)]
    pub tracking_numbers: Option<Vec<String>>,
}

impl From<CreateHandoverRequest> for Booking {
    fn from(body: CreateHandoverRequest) -> Self {
        Booking {
            sorting_center: body.sorting_center,
            pickup_date: body.pickup_date,
            bags: body.bags.map(|bags| {
                bags.into_iter()
                    .map(|b| NewBag {
                        parcels: b.parcels,
                        sides_cm: [b.length_cm, b.width_cm, b.height_cm],
                    })
                    .collect()
            }),
            auto_plan: body.auto_plan,
            tracking_numbers: body.tracking_numbers,
        }
    }
}

/// Book a pickup of bags: declared, or planned with `auto_plan`.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/handovers", tag = "handovers", request_body = CreateHandoverRequest,
    responses((status = 201, body = HandoverResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn create_handover(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<CreateHandoverRequest>,
) -> Result<(StatusCode, Json<HandoverResponse>), ApiError> {
    let view = handovers::book_handover(state.ctx(), &auth.0, &seller_id, body.into()).await?;
    Ok((StatusCode::CREATED, Json(handover_response(view))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only handovers in this status.
    #[param(value_type = Option<crate::domain::HandoverStatus>)]
    pub status: Option<String>,
    /// Only handovers of this pickup day (`YYYY-MM-DD`, China).
    #[param(format = Date, example = "2026-11-26")]
    pub pickup_date: Option<String>,
    /// Only handovers changed at or after this time (RFC 3339): their status, date or
    /// bags (a pickup, an intake, a bag edit, a parcel leaving a bag for a void order).
    #[param(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub updated_since: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverList {
    pub items: Vec<HandoverResponse>,
    pub next_cursor: Option<String>,
}

/// The seller's handovers, newest first.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/handovers", tag = "handovers", params(ListQuery),
    responses((status = 200, body = HandoverList), (status = 404, body = super::error::Problem)))]
pub async fn list_handovers(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<HandoverList>, ApiError> {
    let filter = HandoverFilter {
        status: q.status,
        pickup_date: q.pickup_date,
        updated_since: q.updated_since,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = handovers::list_handovers(state.ctx(), &auth.0, &seller_id, &filter).await?;
    Ok(Json(HandoverList {
        items: page.items.into_iter().map(handover_response).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One handover with its bags and history.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/handovers/{handover_id}", tag = "handovers",
    responses((status = 200, body = HandoverResponse), (status = 404, body = super::error::Problem)))]
pub async fn get_handover(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, handover_id)): Path<(String, String)>,
) -> Result<Json<HandoverResponse>, ApiError> {
    let view = handovers::get_handover(state.ctx(), &auth.0, &seller_id, &handover_id).await?;
    Ok(Json(handover_response(view)))
}

/// Cancel until the courier reports the pickup; 409 `already_picked_up` after.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/cancel", tag = "handovers",
    responses((status = 200, body = HandoverResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem)))]
pub async fn cancel_handover(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, handover_id)): Path<(String, String)>,
) -> Result<Json<HandoverResponse>, ApiError> {
    let view =
        handover_changes::cancel_handover(state.ctx(), &auth.0, &seller_id, &handover_id).await?;
    Ok(Json(handover_response(view)))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// The new pickup date, `YYYY-MM-DD`; checked against coverage again.
    #[schema(format = Date, example = "2026-11-26")]
    pub pickup_date: String,
}

/// Move a failed (or booked) pickup to another date.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/reschedule", tag = "handovers",
    request_body = RescheduleRequest,
    responses((status = 200, body = HandoverResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn reschedule_handover(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path((seller_id, handover_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RescheduleRequest>,
) -> Result<Json<HandoverResponse>, ApiError> {
    let view = handover_changes::reschedule_handover(
        state.ctx(),
        &auth.0,
        &seller_id,
        &handover_id,
        &body.pickup_date,
    )
    .await?;
    Ok(Json(handover_response(view)))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BagParcelsRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_items = 1, max_items = 300)]
    pub tracking_numbers: Vec<String>,
}

async fn edit_bag(
    state: &AppState,
    auth: &Auth,
    ids: (String, String, String),
    edit: BagEdit,
    body: BagParcelsRequest,
) -> Result<Json<BagResponse>, ApiError> {
    let (seller_id, handover_id, bag_id) = ids;
    let bag = BagRef {
        seller_id: &seller_id,
        handover_id: &handover_id,
        bag_id: &bag_id,
    };
    let record =
        handover_changes::edit_bag(state.ctx(), &auth.0, bag, edit, &body.tracking_numbers).await?;
    Ok(Json(bag_response(record)))
}

/// Add parcels to a bag before pickup, within the limits.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/bags/{bag_id}/parcels", tag = "handovers",
    request_body = BagParcelsRequest,
    responses((status = 200, body = BagResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn add_bag_parcels(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path(ids): Path<(String, String, String)>,
    ApiJson(body): ApiJson<BagParcelsRequest>,
) -> Result<Json<BagResponse>, ApiError> {
    edit_bag(&state, &auth, ids, BagEdit::Add, body).await
}

/// Take parcels out of a bag before pickup.
#[utoipa::path(delete, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/bags/{bag_id}/parcels", tag = "handovers",
    request_body = BagParcelsRequest,
    responses((status = 200, body = BagResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn remove_bag_parcels(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path(ids): Path<(String, String, String)>,
    ApiJson(body): ApiJson<BagParcelsRequest>,
) -> Result<Json<BagResponse>, ApiError> {
    edit_bag(&state, &auth, ids, BagEdit::Remove, body).await
}
