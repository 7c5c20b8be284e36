//! Sellers over HTTP: the operator creates them (with a one-time API key), sellers
//! grant ISVs, report daily order volumes, and ask whether they are eligible for door
//! pickup. The rules are the use cases' (`service::sellers`).

use super::dto::{AddressView, PageQuery, address_view};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth, Caller, roles};
use crate::app::AppState;
use crate::domain::time::format_ms;
use crate::service::address::AddressInput;
use crate::service::sellers::{self, Eligibility, Grant, NewSeller};
use crate::store::SellerRecord;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_seller))
        .routes(routes!(get_seller))
        .routes(routes!(put_order_volumes))
        .routes(routes!(get_eligibility))
        .routes(routes!(create_grant, list_grants))
        .routes(routes!(delete_grant))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Acme Trading", "pickup_address": {"province": "广东省", "city": "深圳市", "district": "南山区", "street": "1 Keyuan Road", "lat": 22.5431, "lon": 114.0579}})))]
pub struct CreateSellerRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(nested)]
    pub pickup_address: AddressInput,
    /// A test-mode seller for the sandbox: its keys start `fm_test_`, its data stays out
    /// of every live list, count and report, and it may simulate its pickups and
    /// intakes (`POST .../handovers/{handover_id}/simulate`). Default false.
    #[serde(default)]
    pub test_mode: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "SL7Q2M9XK4R1ZT", "name": "Acme Trading", "pickup_address": {"province": "440000", "province_name": "广东省", "city": "440300", "city_name": "深圳市", "district": "南山区", "street": "1 Keyuan Road", "lat": 22.5431, "lon": 114.0579}, "created_at": "2026-11-26T02:00:00.000Z", "test_mode": false, "api_key": "fm_live_3xAmpLe0nLy0000000000000000000000000000"})))]
pub struct SellerResponse {
    pub id: String,
    pub name: String,
    pub pickup_address: AddressView,
    pub created_at: String,
    /// A test-mode (sandbox) seller.
    pub test_mode: bool,
    /// Shown once, at creation: store it, it cannot be read again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

fn seller_response(s: &SellerRecord, api_key: Option<String>) -> SellerResponse {
    SellerResponse {
        id: s.seller_id.clone(),
        name: s.name.clone(),
        pickup_address: address_view(&s.address),
        created_at: format_ms(s.created_at_ms),
        test_mode: s.test_mode,
        api_key,
    }
}

/// Create a seller (operator).
#[utoipa::path(post, path = "/v1/sellers", tag = "operator", request_body = CreateSellerRequest,
    responses((status = 201, body = SellerResponse), (status = 401, body = super::error::Problem),
              (status = 403, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn create_seller(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    ApiJson(body): ApiJson<CreateSellerRequest>,
) -> Result<(StatusCode, Json<SellerResponse>), ApiError> {
    let input = NewSeller {
        name: body.name,
        pickup_address: body.pickup_address,
        test_mode: body.test_mode,
    };
    let (seller, token) = sellers::create_seller(state.ctx(), &auth.0, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(seller_response(&seller, Some(token))),
    ))
}

/// A seller's profile.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}", tag = "sellers",
    responses((status = 200, body = SellerResponse), (status = 404, body = super::error::Problem)))]
pub async fn get_seller(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Json<SellerResponse>, ApiError> {
    let seller = sellers::get_seller(state.ctx(), &auth.0, &seller_id).await?;
    Ok(Json(seller_response(&seller, None)))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayOrders {
    /// `YYYY-MM-DD`, a day in China.
    #[schema(format = Date, example = "2026-11-26")]
    pub date: String,
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub orders: i64,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"days": [{"date": "2026-11-24", "orders": 80}, {"date": "2026-11-25", "orders": 65}]})))]
pub struct OrderVolumesRequest {
    #[validate(length(min = 1, max = 400), nested)]
    #[schema(min_items = 1, max_items = 400)]
    pub days: Vec<DayOrders>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderVolumesResponse {
    pub seller_id: String,
    pub days_saved: usize,
}

/// Report daily order counts (operator or the seller itself).
#[utoipa::path(put, path = "/v1/sellers/{seller_id}/order-volumes", tag = "sellers", request_body = OrderVolumesRequest,
    responses((status = 200, body = OrderVolumesResponse), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn put_order_volumes(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR_OR_SELLER }>,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<OrderVolumesRequest>,
) -> Result<Json<OrderVolumesResponse>, ApiError> {
    let days: Vec<sellers::DayOrders> = body
        .days
        .into_iter()
        .map(|d| sellers::DayOrders {
            date: d.date,
            orders: d.orders,
        })
        .collect();
    let days_saved = sellers::report_order_volumes(state.ctx(), &auth.0, &seller_id, &days).await?;
    Ok(Json(OrderVolumesResponse {
        seller_id,
        days_saved,
    }))
}

/// Whether the seller qualifies for free door pickup (docs/rules.md, rules 4 and 5).
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/eligibility", tag = "sellers",
    responses((status = 200, body = Eligibility), (status = 404, body = super::error::Problem)))]
pub async fn get_eligibility(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Json<Eligibility>, ApiError> {
    Ok(Json(
        sellers::seller_eligibility(state.ctx(), &auth.0, &seller_id).await?,
    ))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrantRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub isv_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantResponse {
    pub seller_id: String,
    pub isv_id: String,
    pub isv_name: Option<String>,
    pub granted_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantList {
    pub items: Vec<GrantResponse>,
    pub next_cursor: Option<String>,
}

fn grant_response(seller_id: &str, g: Grant) -> GrantResponse {
    GrantResponse {
        seller_id: seller_id.to_owned(),
        isv_id: g.isv_id,
        isv_name: Some(g.isv_name),
        granted_at: format_ms(g.granted_at_ms),
    }
}

/// Authorise an ISV to act for the seller.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/grants", tag = "sellers", request_body = CreateGrantRequest,
    responses((status = 201, body = GrantResponse), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem)))]
pub async fn create_grant(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR_OR_SELLER }>,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<CreateGrantRequest>,
) -> Result<(StatusCode, Json<GrantResponse>), ApiError> {
    let grant = sellers::grant_isv(state.ctx(), &auth.0, &seller_id, &body.isv_id).await?;
    Ok((StatusCode::CREATED, Json(grant_response(&seller_id, grant))))
}

/// The ISVs the seller has authorised, oldest first.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/grants", tag = "sellers", params(PageQuery),
    responses((status = 200, body = GrantList), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn list_grants(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<GrantList>, ApiError> {
    let page = sellers::list_grants(state.ctx(), &auth.0, &seller_id, &q.into()).await?;
    Ok(Json(GrantList {
        items: page
            .items
            .into_iter()
            .map(|g| grant_response(&seller_id, g))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Revoke an ISV's authorisation; it loses access at once.
#[utoipa::path(delete, path = "/v1/sellers/{seller_id}/grants/{isv_id}", tag = "sellers",
    responses((status = 204), (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn delete_grant(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, isv_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    sellers::revoke_grant(state.ctx(), &auth.0, &seller_id, &isv_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
