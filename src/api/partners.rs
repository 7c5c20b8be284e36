//! The people and programs around a seller over HTTP, as the operator sets them up
//! (ISV apps, courier accounts, sorting-center keys), the courier's day (its pickups,
//! as a short route) and a sorting center's intake discrepancies (`service::partners`).

use super::dto::{AddressView, BagResponse, address_view, bag_response};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth, Caller, roles};
use crate::app::AppState;
use crate::domain::HandoverStatus;
use crate::service::PageRequest;
use crate::service::partners::{self, Account};
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
        .routes(routes!(create_isv))
        .routes(routes!(create_courier))
        .routes(routes!(list_courier_pickups))
        .routes(routes!(list_discrepancies))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"name": "Dianxiaomi ERP"})))]
pub struct CreateIsvRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// A new account and its one-time API key.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "CR2M9XK4R1ZT7Q", "name": "Shenzhen Express", "api_key": "fm_live_3xAmpLe0nLy0000000000000000000000000000", "cities": ["440300"]})))]
pub struct AccountResponse {
    pub id: String,
    pub name: String,
    /// Shown once: store it, it cannot be read again.
    pub api_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cities: Option<Vec<String>>,
}

/// Register an ISV app (operator).
#[utoipa::path(post, path = "/v1/isvs", tag = "operator", request_body = CreateIsvRequest,
    responses((status = 201, body = AccountResponse), (status = 403, body = super::error::Problem)))]
pub async fn create_isv(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    ApiJson(body): ApiJson<CreateIsvRequest>,
) -> Result<(StatusCode, Json<AccountResponse>), ApiError> {
    let account = partners::create_isv(state.ctx(), &auth.0, &body.name).await?;
    Ok((StatusCode::CREATED, Json(account_response(account))))
}

fn account_response(a: Account) -> AccountResponse {
    AccountResponse {
        id: a.id,
        name: a.name,
        api_key: a.api_key,
        cities: a.cities,
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"name": "Shenzhen Express", "cities": ["440300", "广州市"]})))]
pub struct CreateCourierRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// City codes (or Chinese names) the courier serves.
    #[validate(length(min = 1, max = 400))]
    #[schema(min_items = 1, max_items = 400)]
    pub cities: Vec<String>,
}

/// Create a courier account serving a set of cities (operator).
#[utoipa::path(post, path = "/v1/couriers", tag = "operator", request_body = CreateCourierRequest,
    responses((status = 201, body = AccountResponse), (status = 403, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn create_courier(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    ApiJson(body): ApiJson<CreateCourierRequest>,
) -> Result<(StatusCode, Json<AccountResponse>), ApiError> {
    let account = partners::create_courier(state.ctx(), &auth.0, &body.name, &body.cities).await?;
    Ok((StatusCode::CREATED, Json(account_response(account))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PickupsQuery {
    /// `YYYY-MM-DD` (default: today in China).
    #[param(format = Date, example = "2026-11-26")]
    pub date: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PickupStop {
    /// Position on the route, from 1.
    pub sequence: usize,
    pub handover_id: String,
    pub seller_id: String,
    pub status: HandoverStatus,
    pub sorting_center: String,
    pub pickup_address: AddressView,
    pub bags: Vec<BagResponse>,
    /// Sum of the bags' declared weights.
    pub declared_weight_g: i64,
    /// Great-circle distance from the previous stop, metres (0 for the first).
    pub leg_m: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PickupList {
    pub date: String,
    pub items: Vec<PickupStop>,
    pub next_cursor: Option<String>,
    /// Great-circle length of the whole day's route (every page), metres.
    pub route_length_m: f64,
}

/// The courier's pickups for a day, in route order.
#[utoipa::path(get, path = "/v1/courier/pickups", tag = "couriers", params(PickupsQuery),
    responses((status = 200, body = PickupList), (status = 403, body = super::error::Problem)))]
pub async fn list_courier_pickups(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PickupsQuery>,
) -> Result<Json<PickupList>, ApiError> {
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let route = partners::courier_pickups(state.ctx(), &auth.0, q.date.as_deref(), &page).await?;
    let items = route
        .stops
        .into_iter()
        .enumerate()
        .map(|(k, stop)| {
            let h = stop.view.handover;
            let bags: Vec<BagResponse> = stop.view.bags.into_iter().map(bag_response).collect();
            PickupStop {
                sequence: route.first_sequence + k,
                declared_weight_g: bags.iter().map(|b| b.weight_g).sum(),
                pickup_address: address_view(&h.address),
                handover_id: h.handover_id,
                seller_id: h.seller_id,
                status: h.status,
                sorting_center: h.sorting_center,
                bags,
                leg_m: stop.leg_m.round(),
            }
        })
        .collect();
    Ok(Json(PickupList {
        date: route.date.to_string(),
        items,
        next_cursor: route.next_cursor,
        route_length_m: route.length_m.round(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscrepanciesQuery {
    /// Intake day `YYYY-MM-DD` in China (default: today).
    #[param(format = Date, example = "2026-11-26")]
    pub date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscrepancyItem {
    pub tracking_number: String,
    pub bag_id: String,
    pub handover_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscrepancyReport {
    pub sorting_center: String,
    pub date: String,
    /// Registered in a bag, not found in it at intake.
    pub missing: Vec<DiscrepancyItem>,
    /// Found in a bag at intake, not registered in it.
    pub unregistered: Vec<DiscrepancyItem>,
    /// Found in a bag at intake, but the order was cancelled or found invalid after
    /// the pickup: hold, do not forward.
    pub order_cancelled: Vec<DiscrepancyItem>,
}

/// Missing and unregistered parcels found at a day's intakes (the sorting center
/// itself, or the operator).
#[utoipa::path(get, path = "/v1/sorting-centers/{code}/discrepancies", tag = "sorting centers", params(DiscrepanciesQuery),
    responses((status = 200, body = DiscrepancyReport), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem)))]
pub async fn list_discrepancies(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<DiscrepanciesQuery>,
) -> Result<Json<DiscrepancyReport>, ApiError> {
    let (date, report) =
        partners::intake_discrepancies(state.ctx(), &auth.0, &code, q.date.as_deref()).await?;
    let items = |list: Vec<(String, String, String)>| {
        list.into_iter()
            .map(|(tracking_number, bag_id, handover_id)| DiscrepancyItem {
                tracking_number,
                bag_id,
                handover_id,
            })
            .collect()
    };
    Ok(Json(DiscrepancyReport {
        sorting_center: code,
        date: date.to_string(),
        missing: items(report.missing),
        unregistered: items(report.unregistered),
        order_cancelled: items(report.order_cancelled),
    }))
}
