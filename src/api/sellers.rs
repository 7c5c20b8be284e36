//! Sellers: the operator creates them (with a one-time API key), sellers grant ISVs,
//! report daily order volumes, and ask whether they are eligible for door pickup.

use super::coverage::{
    AddressInput, CoverageCheckResponse, check_seller_coverage, resolve_address,
};
use super::error::ApiError;
use super::extract::{ApiJson, Auth, Caller, roles};
use crate::app::AppState;
use crate::domain::eligibility::window;
use crate::domain::time::{format_ms, parse_date};
use crate::domain::{Principal, Role, new_id};
use crate::store::{SellerRecord, new_token};
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
pub struct CreateSellerRequest {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(nested)]
    pub pickup_address: AddressInput,
}

/// A pickup address as stored: codes resolved, names for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    pub province: String,
    pub province_name: String,
    pub city: String,
    pub city_name: String,
    pub district: Option<String>,
    pub street: String,
    /// GCJ-02 latitude.
    pub lat: f64,
    /// GCJ-02 longitude.
    pub lon: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SellerResponse {
    pub id: String,
    pub name: String,
    pub pickup_address: AddressView,
    pub created_at: String,
    /// Shown once, at creation: store it, it cannot be read again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

pub(crate) fn address_view(a: &crate::store::Address) -> AddressView {
    let regions = crate::regions::Regions::embedded();
    AddressView {
        province: a.province_code.clone(),
        province_name: regions
            .province(&a.province_code)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        city: a.city_code.clone(),
        city_name: regions
            .city(&a.city_code)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        district: a.district.clone(),
        street: a.street.clone(),
        lat: a.lat,
        lon: a.lon,
    }
}

fn seller_response(s: &SellerRecord, api_key: Option<String>) -> SellerResponse {
    SellerResponse {
        id: s.seller_id.clone(),
        name: s.name.clone(),
        pickup_address: address_view(&s.address),
        created_at: format_ms(s.created_at_ms),
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
    auth.require(&[Role::Operator], "create sellers")?;
    let address = resolve_address(&body.pickup_address, "pickup_address")?;
    let seller = SellerRecord {
        seller_id: new_id("SL"),
        name: body.name.trim().to_owned(),
        address,
        created_at_ms: state.clock.now_ms(),
    };
    let token = new_token(Role::Seller);
    state.store.insert_seller(&seller, &token).await?;
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
    let seller = seller_scope(&state, &auth, &seller_id).await?;
    Ok(Json(seller_response(&seller, None)))
}

/// Resolves a seller-scoped route: couriers and sorting centers may never call one
/// (403); a seller reaches only itself and an ISV only its grantors (404 otherwise).
pub(crate) async fn seller_scope(
    state: &AppState,
    auth: &Auth,
    seller_id: &str,
) -> Result<SellerRecord, ApiError> {
    auth.require(
        &[Role::Operator, Role::Seller, Role::Isv],
        "act for sellers",
    )?;
    Ok(state.store.authorize_seller(&auth.0, seller_id).await?)
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct DayOrders {
    /// `YYYY-MM-DD`, a day in China.
    pub date: String,
    #[validate(range(min = 0, max = 10_000_000))]
    pub orders: i64,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct OrderVolumesRequest {
    #[validate(length(min = 1, max = 400), nested)]
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
    auth.require(&[Role::Operator, Role::Seller], "report order volumes")?;
    seller_scope(&state, &auth, &seller_id).await?;
    let mut days = Vec::with_capacity(body.days.len());
    for (i, d) in body.days.iter().enumerate() {
        let date = parse_date(&d.date).ok_or_else(|| {
            ApiError::invalid_field(&format!("days[{i}].date"), "invalid_date", "use YYYY-MM-DD")
        })?;
        days.push((date, d.orders));
    }
    state.store.put_order_volumes(&seller_id, &days).await?;
    Ok(Json(OrderVolumesResponse {
        seller_id,
        days_saved: days.len(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityResponse {
    pub eligible: bool,
    pub average_daily_orders: f64,
    pub threshold: f64,
    pub window_days: u32,
    /// First and last day of the window (China dates, both included).
    pub window_from: String,
    pub window_to: String,
    /// Door-pickup coverage of the seller's pickup address today.
    pub coverage: CoverageCheckResponse,
    /// Why not eligible: `below_order_threshold` and any coverage code.
    pub reasons: Vec<String>,
}

/// Whether the seller qualifies for free door pickup (SPEC rules 4 and 5).
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/eligibility", tag = "sellers",
    responses((status = 200, body = EligibilityResponse), (status = 404, body = super::error::Problem)))]
pub async fn get_eligibility(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Json<EligibilityResponse>, ApiError> {
    let seller = seller_scope(&state, &auth, &seller_id).await?;
    let today = state.clock.today();
    Ok(Json(eligibility(&state, &seller, today).await?))
}

/// The eligibility of a seller for a pickup on `date`, measured on today's figures.
pub(crate) async fn eligibility(
    state: &AppState,
    seller: &SellerRecord,
    date: chrono::NaiveDate,
) -> Result<EligibilityResponse, ApiError> {
    let rule = state.settings.eligibility;
    let today = state.clock.today();
    let (first, last) = window(today, rule.window_days);
    let days = state
        .store
        .list_order_volumes(&seller.seller_id, first, last)
        .await?;
    let average = rule.average(today, &days);
    let coverage = check_seller_coverage(state, seller, date).await?;
    let mut reasons = Vec::new();
    if !rule.is_eligible(average) {
        reasons.push("below_order_threshold".to_owned());
    }
    if let Some(code) = &coverage.code {
        reasons.push(code.clone());
    }
    Ok(EligibilityResponse {
        eligible: reasons.is_empty(),
        average_daily_orders: (average * 100.0).round() / 100.0,
        threshold: rule.threshold,
        window_days: rule.window_days,
        window_from: first.to_string(),
        window_to: last.to_string(),
        coverage,
        reasons,
    })
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct CreateGrantRequest {
    #[validate(length(min = 1, max = 64))]
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

fn require_seller_itself(auth: &Auth) -> Result<&Principal, ApiError> {
    auth.require(
        &[Role::Operator, Role::Seller],
        "manage a seller's ISV grants",
    )
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
    seller_scope(&state, &auth, &seller_id).await?;
    require_seller_itself(&auth)?;
    let now = state.clock.now_ms();
    state
        .store
        .insert_grant(&seller_id, &body.isv_id, now)
        .await?;
    let grants = state.store.list_grants(&seller_id).await?;
    let (_, name, at) = grants
        .into_iter()
        .find(|(id, _, _)| *id == body.isv_id)
        .unwrap_or((body.isv_id.clone(), String::new(), now));
    Ok((
        StatusCode::CREATED,
        Json(GrantResponse {
            seller_id,
            isv_id: body.isv_id,
            isv_name: Some(name),
            granted_at: format_ms(at),
        }),
    ))
}

/// The ISVs the seller has authorised.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/grants", tag = "sellers",
    responses((status = 200, body = GrantList), (status = 404, body = super::error::Problem)))]
pub async fn list_grants(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Json<GrantList>, ApiError> {
    seller_scope(&state, &auth, &seller_id).await?;
    let items = state
        .store
        .list_grants(&seller_id)
        .await?
        .into_iter()
        .map(|(isv_id, name, at)| GrantResponse {
            seller_id: seller_id.clone(),
            isv_id,
            isv_name: Some(name),
            granted_at: format_ms(at),
        })
        .collect();
    Ok(Json(GrantList {
        items,
        next_cursor: None,
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
    seller_scope(&state, &auth, &seller_id).await?;
    require_seller_itself(&auth)?;
    if state.store.delete_grant(&seller_id, &isv_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "grant_not_found",
            format!("seller {seller_id} has not granted {isv_id}"),
        ))
    }
}
