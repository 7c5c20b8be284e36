//! Handovers: booking a door pickup of bags (declared, or planned by firstmile with
//! `auto_plan`), listing, reading with history, cancelling until pickup, rescheduling
//! after a failure, and editing a bag before pickup.
//!
//! Booking checks, in order: the sorting center takes consolidation (rule 3), the
//! pickup date is not past, door pickup covers the seller's address on that date
//! (rule 4), the seller is eligible (rule 5), then each bag (rules 1 and 2, in the
//! store's transaction, against the parcels' registered weights).

use super::coverage::check_seller_coverage;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth, Caller, roles};
use super::plans::plan_for_seller;
use super::sellers::{AddressView, address_view, eligibility, seller_scope};
use crate::app::AppState;
use crate::domain::time::{format_ms, parse_date};
use crate::regions::Regions;
use crate::store::{
    BagEdit, BagRecord, HandoverEvent, HandoverView, NewBag, NewHandover, SellerRecord,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Days, NaiveDate};
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

/// How far ahead a pickup may be booked.
const MAX_DAYS_AHEAD: u64 = 30;

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct BagInput {
    #[validate(length(min = 1, max = 1000))]
    pub parcels: Vec<String>,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct CreateHandoverRequest {
    /// Destination sorting center code (`SZX`, `YIW`).
    #[validate(length(min = 1, max = 16))]
    pub sorting_center: String,
    /// `YYYY-MM-DD`, a day in China.
    pub pickup_date: String,
    /// Declared bags; or leave out and set `auto_plan`.
    #[validate(length(min = 1, max = 200), nested)]
    pub bags: Option<Vec<BagInput>>,
    /// Let firstmile plan the bags from the seller's parcels.
    #[serde(default)]
    pub auto_plan: bool,
    /// With `auto_plan`: which parcels (default: all registered, unbagged ones bound
    /// for this sorting center).
    #[validate(length(min = 1, max = 100_000))]
    pub tracking_numbers: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BagResponse {
    /// The bag's id, which is also the code on its label.
    pub id: String,
    pub label_code: String,
    pub status: String,
    pub sorting_center: String,
    pub parcels: Vec<String>,
    pub parcel_count: usize,
    /// Sum of the parcels' declared weights.
    pub weight_g: i64,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
    pub measured_weight_g: Option<i64>,
    pub picked_up_at: Option<String>,
    pub received_at: Option<String>,
    /// Received at the sorting center with no pickup reported.
    pub pickup_not_reported: bool,
    /// When intake is due: pickup plus the route's expected transit.
    pub expected_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    /// `operator`, `seller`, `isv`, `courier` or `sorting_center`.
    pub actor_role: String,
    pub actor_id: String,
    pub action: String,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverResponse {
    pub id: String,
    pub seller_id: String,
    pub sorting_center: String,
    pub pickup_date: String,
    /// `booked`, `picked_up`, `pickup_failed`, `received` or `cancelled`.
    pub status: String,
    pub pickup_address: AddressView,
    pub failure_reason: Option<String>,
    pub created_at: String,
    pub picked_up_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub bags: Vec<BagResponse>,
    /// Who changed the handover, and when (only on a single handover).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

pub(crate) fn bag_response(b: BagRecord) -> BagResponse {
    BagResponse {
        label_code: b.bag_id.clone(),
        id: b.bag_id,
        status: b.status,
        sorting_center: b.sorting_center,
        parcel_count: b.parcels.len(),
        parcels: b.parcels,
        weight_g: b.weight_g,
        length_cm: b.sides_cm[0],
        width_cm: b.sides_cm[1],
        height_cm: b.sides_cm[2],
        measured_weight_g: b.measured_weight_g,
        picked_up_at: b.picked_up_at_ms.map(format_ms),
        received_at: b.received_at_ms.map(format_ms),
        pickup_not_reported: b.pickup_not_reported,
        expected_by: b.picked_up_at_ms.map(|p| format_ms(p + b.transit_ms)),
    }
}

fn history_entry(e: HandoverEvent) -> HistoryEntry {
    HistoryEntry {
        at: format_ms(e.at_ms),
        actor_role: e.actor_role,
        actor_id: e.actor_id,
        action: e.action,
        detail: e.detail,
    }
}

pub(crate) fn handover_response(v: HandoverView) -> HandoverResponse {
    let h = v.handover;
    HandoverResponse {
        pickup_address: address_view(&h.address),
        id: h.handover_id,
        seller_id: h.seller_id,
        sorting_center: h.sorting_center,
        pickup_date: h.pickup_date,
        status: h.status,
        failure_reason: h.failure_reason,
        created_at: format_ms(h.created_at_ms),
        picked_up_at: h.picked_up_at_ms.map(format_ms),
        cancelled_at: h.cancelled_at_ms.map(format_ms),
        bags: v.bags.into_iter().map(bag_response).collect(),
        history: v.history.into_iter().map(history_entry).collect(),
    }
}

/// Checks a pickup date: a valid date, not past, at most a month ahead, covered.
pub(crate) async fn check_pickup_date(
    state: &AppState,
    seller: &SellerRecord,
    raw: &str,
) -> Result<NaiveDate, ApiError> {
    let date = parse_date(raw)
        .ok_or_else(|| ApiError::invalid_field("pickup_date", "invalid_date", "use YYYY-MM-DD"))?;
    let today = state.clock.today();
    if date < today {
        return Err(ApiError::unprocessable(
            "pickup_date_in_past",
            format!("pickup date {date} is before today ({today} in China)"),
        ));
    }
    if date
        > today
            .checked_add_days(Days::new(MAX_DAYS_AHEAD))
            .unwrap_or(today)
    {
        return Err(ApiError::unprocessable(
            "pickup_date_too_far",
            format!("pickups are booked at most {MAX_DAYS_AHEAD} days ahead"),
        ));
    }
    let coverage = check_seller_coverage(state, seller, date).await?;
    if let Some(code) = coverage.code {
        let code = match code.as_str() {
            "province_not_covered" | "city_not_covered" => "area_not_covered",
            "not_launched_yet" => "not_launched_yet",
            _ => "outside_service_area",
        };
        return Err(ApiError::unprocessable(code, coverage.detail));
    }
    Ok(date)
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
    let seller = seller_scope(&state, &auth, &seller_id).await?;
    let center = state
        .store
        .get_sorting_center(&body.sorting_center)
        .await?
        .ok_or_else(|| {
            ApiError::invalid_field(
                "sorting_center",
                "unknown_sorting_center",
                format!("no sorting center {}", body.sorting_center),
            )
        })?;
    if !center.accepts_consolidation {
        return Err(ApiError::unprocessable(
            "sorting_center_not_supported",
            format!(
                "consolidated handover is open only for routes to Shenzhen (SZX) and Yiwu (YIW); {} ({}) does not take it",
                center.name_en, center.code
            ),
        ));
    }
    let date = check_pickup_date(&state, &seller, &body.pickup_date).await?;
    let verdict = eligibility(&state, &seller, date).await?;
    if verdict.reasons.iter().any(|r| r == "below_order_threshold") {
        return Err(ApiError::unprocessable(
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
    let bags = match (body.bags, body.auto_plan) {
        (Some(_), true) => {
            return Err(ApiError::invalid_field(
                "auto_plan",
                "conflict",
                "give either bags or auto_plan, not both",
            ));
        }
        (None, false) => {
            return Err(ApiError::invalid_field(
                "bags",
                "required",
                "give bags, or set auto_plan: true",
            ));
        }
        (Some(bags), false) => bags
            .into_iter()
            .map(|b| NewBag {
                parcels: b.parcels,
                sides_cm: [b.length_cm, b.width_cm, b.height_cm],
            })
            .collect(),
        (None, true) => {
            let plan =
                plan_for_seller(&state, &seller_id, body.tracking_numbers.as_deref()).await?;
            if let Some(u) = plan.unplaceable.first() {
                return Err(ApiError::unprocessable(
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
                .filter(|b| b.sorting_center == center.code)
                .map(|b| NewBag {
                    parcels: b.parcels,
                    sides_cm: b.envelope_cm,
                })
                .collect();
            if bags.is_empty() {
                return Err(ApiError::unprocessable(
                    "no_parcels_to_plan",
                    format!(
                        "no registered, unbagged parcels bound for {} to plan",
                        center.code
                    ),
                ));
            }
            bags
        }
    };
    let a = &seller.address;
    let transit_hours = Regions::embedded()
        .transit_hours(&a.province_code, &a.city_code, &center.code)
        .unwrap_or(72);
    let new = NewHandover {
        seller_id: seller_id.clone(),
        sorting_center: center.code,
        pickup_date: date.to_string(),
        address: seller.address.clone(),
        bags,
        transit_hours: i64::from(transit_hours),
    };
    let view = state
        .store
        .insert_handover(&new, &state.settings.limits, &auth.0, state.clock.now_ms())
        .await?;
    tracing::info!(
        handover.id = %view.handover.handover_id,
        seller.id = %seller_id,
        handover.bags = view.bags.len(),
        actor.role = auth.0.role.as_str(),
        "handover booked"
    );
    Ok((StatusCode::CREATED, Json(handover_response(view))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only handovers in this status.
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverList {
    pub items: Vec<HandoverResponse>,
    pub next_cursor: Option<String>,
}

/// Check a list page size: default 50, at most 500.
pub(crate) fn page_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=500).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_field(
            "limit",
            "out_of_range",
            "limit is from 1 to 500",
        )),
    }
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
    seller_scope(&state, &auth, &seller_id).await?;
    let limit = page_limit(q.limit)?;
    let page = state
        .store
        .list_handovers(&seller_id, q.status.as_deref(), limit, q.cursor.as_deref())
        .await?;
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
    seller_scope(&state, &auth, &seller_id).await?;
    Ok(Json(handover_response(
        state.store.get_handover(&seller_id, &handover_id).await?,
    )))
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
    seller_scope(&state, &auth, &seller_id).await?;
    let view = state
        .store
        .cancel_handover(&seller_id, &handover_id, &auth.0, state.clock.now_ms())
        .await?;
    tracing::info!(handover.id = %handover_id, seller.id = %seller_id, "handover cancelled");
    Ok(Json(handover_response(view)))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct RescheduleRequest {
    /// The new pickup date, `YYYY-MM-DD`; checked against coverage again.
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
    let seller = seller_scope(&state, &auth, &seller_id).await?;
    let current = state.store.get_handover(&seller_id, &handover_id).await?;
    let status = current.handover.status.as_str();
    if status != "booked" && status != "pickup_failed" {
        return Err(ApiError::conflict(
            "handover_not_reschedulable",
            format!(
                "handover {handover_id} is {status}; only a booked or failed pickup can be rescheduled"
            ),
        ));
    }
    let date = check_pickup_date(&state, &seller, &body.pickup_date).await?;
    let view = state
        .store
        .reschedule_handover(
            &seller_id,
            &handover_id,
            &date.to_string(),
            &auth.0,
            state.clock.now_ms(),
        )
        .await?;
    Ok(Json(handover_response(view)))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct BagParcelsRequest {
    #[validate(length(min = 1, max = 300))]
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
    seller_scope(state, auth, &seller_id).await?;
    let bag = state
        .store
        .edit_bag(
            &seller_id,
            &handover_id,
            &bag_id,
            edit,
            &body.tracking_numbers,
            &state.settings.limits,
            &auth.0,
            state.clock.now_ms(),
        )
        .await?;
    Ok(Json(bag_response(bag)))
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
