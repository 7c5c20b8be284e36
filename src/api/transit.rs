//! Transit and claims over HTTP (docs/rules.md, rule 16): a seller's bags, overdue
//! ones included, and the claims a seller opens for an overdue bag or for parcels
//! missing at intake, which only the operator decides (`service::claims`).

use super::dto::{BagResponse, PageQuery, bag_response};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth, Caller, roles};
use crate::app::AppState;
use crate::domain::time::format_ms;
use crate::domain::{ClaimBasis, ClaimStatus};
use crate::service::claims::{self, BagFilter, NewClaim};
use crate::store::ClaimRecord;
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
        .routes(routes!(list_bags))
        .routes(routes!(create_claim, list_claims))
        .routes(routes!(decide_claim))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BagsQuery {
    /// `open`, `picked_up`, `received`, `cancelled`, or `overdue` (picked up and not
    /// received within the route's expected transit time).
    #[param(value_type = Option<super::vocab::BagFilterName>)]
    pub status: Option<String>,
    /// Only bags changed at or after this time (RFC 3339): status, or parcels added
    /// or taken out.
    #[param(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub updated_since: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BagList {
    pub items: Vec<BagResponse>,
    pub next_cursor: Option<String>,
}

/// The seller's bags.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/bags", tag = "transit", params(BagsQuery),
    responses((status = 200, body = BagList), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn list_bags(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<BagsQuery>,
) -> Result<Json<BagList>, ApiError> {
    let filter = BagFilter {
        status: q.status,
        updated_since: q.updated_since,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = claims::list_bags(state.ctx(), &auth.0, &seller_id, &filter).await?;
    Ok(Json(BagList {
        items: page.items.into_iter().map(bag_response).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"bag_id": "MB4K2R9XQ7M1ZT", "tracking_numbers": ["LZ0002"], "description": "LZ0002 was not in the bag at intake"})))]
pub struct CreateClaimRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub bag_id: String,
    /// The parcels claimed for (default: the whole bag, which must be overdue).
    #[validate(length(max = 300))]
    #[schema(max_items = 300)]
    pub tracking_numbers: Option<Vec<String>>,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimResponse {
    pub id: String,
    pub seller_id: String,
    pub bag_id: String,
    pub tracking_numbers: Vec<String>,
    pub description: String,
    pub basis: ClaimBasis,
    /// `open`, `accepted` or `rejected`.
    pub status: ClaimStatus,
    pub decision_note: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimList {
    pub items: Vec<ClaimResponse>,
    pub next_cursor: Option<String>,
}

fn claim_response(c: ClaimRecord) -> ClaimResponse {
    ClaimResponse {
        id: c.claim_id,
        seller_id: c.seller_id,
        bag_id: c.bag_id,
        tracking_numbers: c.tracking_numbers,
        description: c.description,
        basis: c.basis,
        status: c.status,
        decision_note: c.decision_note,
        created_at: format_ms(c.created_at_ms),
        decided_at: c.decided_at_ms.map(format_ms),
    }
}

/// Open a claim for an overdue bag or for parcels missing at intake.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/claims", tag = "transit", request_body = CreateClaimRequest,
    responses((status = 201, body = ClaimResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem)))]
pub async fn create_claim(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<CreateClaimRequest>,
) -> Result<(StatusCode, Json<ClaimResponse>), ApiError> {
    let claim = NewClaim {
        bag_id: body.bag_id,
        tracking_numbers: body.tracking_numbers.unwrap_or_default(),
        description: body.description,
    };
    let claim = claims::open_claim(state.ctx(), &auth.0, &seller_id, &claim).await?;
    Ok((StatusCode::CREATED, Json(claim_response(claim))))
}

/// The seller's claims and their states, newest first.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/claims", tag = "transit", params(PageQuery),
    responses((status = 200, body = ClaimList), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn list_claims(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ClaimList>, ApiError> {
    let page = claims::list_claims(state.ctx(), &auth.0, &seller_id, &q.into()).await?;
    Ok(Json(ClaimList {
        items: page.items.into_iter().map(claim_response).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimDecisionRequest {
    pub accepted: bool,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// Decide a claim (operator only).
#[utoipa::path(post, path = "/v1/claims/{claim_id}/decision", tag = "operator", request_body = ClaimDecisionRequest,
    responses((status = 200, body = ClaimResponse), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)))]
pub async fn decide_claim(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    Path(claim_id): Path<String>,
    ApiJson(body): ApiJson<ClaimDecisionRequest>,
) -> Result<Json<ClaimResponse>, ApiError> {
    let claim =
        claims::decide_claim(state.ctx(), &auth.0, &claim_id, body.accepted, &body.note).await?;
    Ok(Json(claim_response(claim)))
}
