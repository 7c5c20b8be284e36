//! The operator's coverage edits (`PUT /v1/coverage/cities/{code}` and
//! `.../provinces/{code}`). They take effect at once: every check reads the stored
//! coverage, and the edit records who made it.

use super::error::ApiError;
use super::extract::{ApiJson, Auth, Caller, roles};
use crate::app::AppState;
use crate::regions::RegionLevel;
use crate::service::coverage::{self, CoverageEdit};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_city_coverage))
        .routes(routes!(put_province_coverage))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct PutCoverageRequest {
    pub covered: bool,
    /// `YYYY-MM-DD`; required when covered.
    #[schema(format = Date, example = "2026-11-26")]
    pub launch_date: Option<String>,
    /// Announced as coming, without a date (default: unchanged).
    pub announced: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageAreaResponse {
    pub code: String,
    pub level: String,
    pub covered: bool,
    #[schema(format = Date, example = "2026-11-26")]
    pub launch_date: Option<String>,
    pub announced: bool,
    pub updated_by: String,
}

async fn put_coverage(
    state: &AppState,
    auth: &Auth,
    level: RegionLevel,
    code: &str,
    body: PutCoverageRequest,
) -> Result<Json<CoverageAreaResponse>, ApiError> {
    let edit = CoverageEdit {
        covered: body.covered,
        launch_date: body.launch_date,
        announced: body.announced,
    };
    let record = coverage::edit_coverage(state.ctx(), &auth.0, level, code, edit).await?;
    Ok(Json(CoverageAreaResponse {
        code: record.code,
        level: record.level,
        covered: record.covered,
        launch_date: record.launch_date,
        announced: record.announced,
        updated_by: record.updated_by,
    }))
}

/// Set a city's coverage and launch date (operator).
#[utoipa::path(put, path = "/v1/coverage/cities/{city_code}", tag = "operator", request_body = PutCoverageRequest,
    responses((status = 200, body = CoverageAreaResponse), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn put_city_coverage(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    Path(city_code): Path<String>,
    ApiJson(body): ApiJson<PutCoverageRequest>,
) -> Result<Json<CoverageAreaResponse>, ApiError> {
    put_coverage(&state, &auth, RegionLevel::City, &city_code, body).await
}

/// Set a province's coverage and launch date (operator).
#[utoipa::path(put, path = "/v1/coverage/provinces/{province_code}", tag = "operator", request_body = PutCoverageRequest,
    responses((status = 200, body = CoverageAreaResponse), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn put_province_coverage(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    Path(province_code): Path<String>,
    ApiJson(body): ApiJson<PutCoverageRequest>,
) -> Result<Json<CoverageAreaResponse>, ApiError> {
    put_coverage(&state, &auth, RegionLevel::Province, &province_code, body).await
}
