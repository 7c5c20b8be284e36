//! Parcels: bulk registration with one result per item, and the cancellation of a
//! parcel whose order was cancelled (it leaves its bag until pickup; 409 after).

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth, Caller, roles};
use crate::app::AppState;
use crate::domain::{IntakeStatus, ParcelStatus, RegistrationStatus};
use crate::service::parcels::{self, ParcelFilter};
use crate::store::{NewParcel, ParcelOutcome, ParcelRecord};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_parcels, list_parcels))
        .routes(routes!(get_parcel))
        .routes(routes!(cancel_parcel))
}

/// One parcel to register. Sizes in centimetres, weight in grams.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelInput {
    #[validate(length(min = 4, max = 40))]
    #[schema(min_length = 4, max_length = 40)]
    pub tracking_number: String,
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub order_id: String,
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub weight_g: i64,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub length_cm: f64,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub width_cm: f64,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub height_cm: f64,
    #[validate(length(min = 1, max = 16))]
    #[schema(min_length = 1, max_length = 16)]
    pub sorting_center: String,
    /// Ready to ship (RTS), RFC 3339: where the first-scan lead time starts
    /// (default: the registration).
    #[serde(default)]
    #[schema(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub rts_at: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"parcels": [{"tracking_number": "LZ0001", "order_id": "A-1", "weight_g": 420, "length_cm": 25.0, "width_cm": 18.0, "height_cm": 8.0, "sorting_center": "SZX", "rts_at": "2026-11-26T01:00:00Z"}]})))]
pub struct RegisterParcelsRequest {
    #[validate(length(min = 1, max = 1000), nested)]
    #[schema(min_items = 1, max_items = 1000)]
    pub parcels: Vec<ParcelInput>,
}

/// The outcome of one item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelItemResult {
    pub index: usize,
    pub tracking_number: String,
    pub status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"registered": 1, "rejected": 1, "items": [{"index": 0, "tracking_number": "LZ0001", "status": "registered"}, {"index": 1, "tracking_number": "LZ0001", "status": "rejected", "code": "duplicate_tracking_number", "message": "LZ0001 is already registered"}]})))]
pub struct RegisterParcelsResponse {
    pub registered: usize,
    pub rejected: usize,
    pub items: Vec<ParcelItemResult>,
}

/// Register parcels; each item succeeds or fails on its own.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/parcels", tag = "parcels", request_body = RegisterParcelsRequest,
    responses((status = 200, body = RegisterParcelsResponse), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn register_parcels(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<RegisterParcelsRequest>,
) -> Result<Json<RegisterParcelsResponse>, ApiError> {
    let mut input: Vec<NewParcel> = Vec::with_capacity(body.parcels.len());
    for (i, p) in body.parcels.into_iter().enumerate() {
        let rts_at_ms = match &p.rts_at {
            None => None,
            Some(raw) => Some(crate::domain::time::parse_rfc3339(raw).ok_or_else(|| {
                crate::service::ServiceError::field(
                    format!("parcels[{i}].rts_at"),
                    "invalid_time",
                    "use RFC 3339",
                )
            })?),
        };
        input.push(NewParcel {
            rts_at_ms,
            tracking_number: p.tracking_number,
            order_id: p.order_id,
            weight_g: p.weight_g,
            length_cm: p.length_cm,
            width_cm: p.width_cm,
            height_cm: p.height_cm,
            sorting_center: p.sorting_center,
        });
    }
    let outcomes = parcels::register_parcels(state.ctx(), &auth.0, &seller_id, input).await?;
    let registered = outcomes
        .iter()
        .filter(|item| item.outcome == ParcelOutcome::Registered)
        .count();
    let items: Vec<ParcelItemResult> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item.outcome {
            ParcelOutcome::Registered => ParcelItemResult {
                index,
                tracking_number: item.tracking_number,
                status: RegistrationStatus::Registered,
                code: None,
                message: None,
            },
            ParcelOutcome::Rejected { code, message } => ParcelItemResult {
                index,
                tracking_number: item.tracking_number,
                status: RegistrationStatus::Rejected,
                code: Some(code.into()),
                message: Some(message),
            },
        })
        .collect();
    Ok(Json(RegisterParcelsResponse {
        registered,
        rejected: items.len() - registered,
        items,
    }))
}

/// A registered parcel as its seller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelResponse {
    pub tracking_number: String,
    pub order_id: String,
    pub weight_g: i64,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
    pub sorting_center: String,
    /// `registered` or `cancelled` (the order's status).
    pub status: ParcelStatus,
    pub bag_id: Option<String>,
    /// `received` or `missing` once its bag is received.
    pub intake_status: Option<IntakeStatus>,
    pub first_scan_at: Option<String>,
    /// The parcel's last change (what `updated_since` compares).
    pub updated_at: String,
}

fn parcel_response(p: ParcelRecord) -> ParcelResponse {
    ParcelResponse {
        tracking_number: p.tracking_number,
        order_id: p.order_id,
        weight_g: p.weight_g,
        length_cm: p.length_cm,
        width_cm: p.width_cm,
        height_cm: p.height_cm,
        sorting_center: p.sorting_center,
        status: p.status,
        bag_id: p.bag_id,
        intake_status: p.intake_status,
        first_scan_at: p.first_scan_at_ms.map(crate::domain::time::format_ms),
        updated_at: crate::domain::time::format_ms(p.updated_at_ms),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParcelListQuery {
    /// Only parcels in this status.
    #[param(value_type = Option<ParcelStatus>)]
    pub status: Option<String>,
    /// Only parcels bound for this sorting center (`SZX`, `YIW`).
    pub sorting_center: Option<String>,
    /// Only the parcels now in this bag.
    pub bag_id: Option<String>,
    /// Only parcels changed at or after this time (RFC 3339): registered, bagged,
    /// taken out of a bag, received or found missing, first scanned, cancelled.
    #[param(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub updated_since: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelList {
    pub items: Vec<ParcelResponse>,
    pub next_cursor: Option<String>,
}

/// The seller's parcels, newest registration first, with filters and paging.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/parcels", tag = "parcels", params(ParcelListQuery),
    responses((status = 200, body = ParcelList), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn list_parcels(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<ParcelListQuery>,
) -> Result<Json<ParcelList>, ApiError> {
    let filter = ParcelFilter {
        status: q.status,
        sorting_center: q.sorting_center,
        bag_id: q.bag_id,
        updated_since: q.updated_since,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = parcels::list_parcels(state.ctx(), &auth.0, &seller_id, &filter).await?;
    Ok(Json(ParcelList {
        items: page.items.into_iter().map(parcel_response).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One of the seller's parcels.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/parcels/{tracking_number}", tag = "parcels",
    responses((status = 200, body = ParcelResponse), (status = 404, body = super::error::Problem)))]
pub async fn get_parcel(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, tracking_number)): Path<(String, String)>,
) -> Result<Json<ParcelResponse>, ApiError> {
    let parcel = parcels::get_parcel(state.ctx(), &auth.0, &seller_id, &tracking_number).await?;
    Ok(Json(parcel_response(parcel)))
}

/// The parcel's order was cancelled: it leaves its bag unless the bag is picked up.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/parcels/{tracking_number}/cancel", tag = "parcels",
    responses((status = 200, body = ParcelResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem)))]
pub async fn cancel_parcel(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, tracking_number)): Path<(String, String)>,
) -> Result<Json<ParcelResponse>, ApiError> {
    let parcel = parcels::cancel_parcel(state.ctx(), &auth.0, &seller_id, &tracking_number).await?;
    Ok(Json(parcel_response(parcel)))
}
