//! The operator's coverage edits (`PUT /v1/coverage/cities/{code}` and
//! `.../provinces/{code}`). They take effect at once: every check reads the stored
//! coverage, and the edit records who made it.

use super::error::ApiError;
use super::extract::{ApiJson, Auth, Caller, roles};
use crate::app::AppState;
use crate::domain::Role;
use crate::domain::time::parse_date;
use crate::regions::Regions;
use crate::store::CoverageRecord;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct PutCoverageRequest {
    pub covered: bool,
    /// `YYYY-MM-DD`; required when covered.
    pub launch_date: Option<String>,
    /// Announced as coming, without a date (default: unchanged).
    pub announced: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageAreaResponse {
    pub code: String,
    pub level: String,
    pub covered: bool,
    pub launch_date: Option<String>,
    pub announced: bool,
    pub updated_by: String,
}

async fn put_coverage(
    state: &AppState,
    auth: &Auth,
    level: &str,
    code: &str,
    body: PutCoverageRequest,
) -> Result<Json<CoverageAreaResponse>, ApiError> {
    auth.require(&[Role::Operator], "edit coverage")?;
    let regions = Regions::embedded();
    let known = match level {
        "city" => regions.city(code).is_some_and(|c| c.code == code),
        _ => regions.province(code).is_some_and(|p| p.code == code),
    };
    if !known {
        return Err(ApiError::not_found(
            "region_not_found",
            format!("no {level} with code {code}"),
        ));
    }
    let launch_date = match body.launch_date.as_deref() {
        Some(raw) => Some(
            parse_date(raw)
                .ok_or_else(|| {
                    ApiError::invalid_field("launch_date", "invalid_date", "use YYYY-MM-DD")
                })?
                .to_string(),
        ),
        None if body.covered => {
            return Err(ApiError::invalid_field(
                "launch_date",
                "required",
                "a covered area needs a launch date",
            ));
        }
        None => None,
    };
    let record = CoverageRecord {
        code: code.to_owned(),
        level: level.to_owned(),
        covered: body.covered,
        launch_date,
        announced: match body.announced {
            Some(a) => a,
            None => state
                .store
                .get_coverage(&[code])
                .await?
                .first()
                .is_some_and(|r| r.announced),
        },
        updated_at_ms: state.clock.now_ms(),
        updated_by: auth.0.key(),
    };
    state.store.put_coverage(&record).await?;
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
    put_coverage(&state, &auth, "city", &city_code, body).await
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
    put_coverage(&state, &auth, "province", &province_code, body).await
}
