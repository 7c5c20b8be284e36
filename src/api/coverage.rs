//! Pickup coverage and sorting centers over HTTP (docs/rules.md, rules 3 and 4): the
//! check anyone may ask, the regions list and the sorting centers. The operator's
//! edits are in `coverage_edits.rs`; the rules are in `service::coverage`.

use super::error::ApiError;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::regions::Regions;
use crate::service::coverage::{self, CoverageCheck, CoverageQuery};
use crate::store::CoverageRecord;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check))
        .routes(routes!(list_regions))
        .routes(routes!(list_sorting_centers))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// Province code or Chinese name.
    pub province: String,
    /// City code or Chinese name.
    pub city: String,
    /// GCJ-02 latitude of the pickup address (with `lon`).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Pickup date `YYYY-MM-DD` (default: today in China).
    pub date: Option<String>,
}

/// Whether door pickup covers an address on a date.
#[utoipa::path(get, path = "/v1/coverage/check", tag = "coverage", params(CheckQuery),
    responses((status = 200, body = CoverageCheck), (status = 401, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn check(
    State(state): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> Result<Json<CoverageCheck>, ApiError> {
    let query = CoverageQuery {
        province: q.province,
        city: q.city,
        lat: q.lat,
        lon: q.lon,
        date: q.date,
    };
    Ok(Json(coverage::check_coverage(state.ctx(), &query).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CityCoverage {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub covered: bool,
    pub launch_date: Option<String>,
    /// Announced as coming, without a date.
    pub announced: bool,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceCoverage {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub covered: bool,
    pub launch_date: Option<String>,
    pub cities: Vec<CityCoverage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionsResponse {
    pub provinces: Vec<ProvinceCoverage>,
    pub provinces_covered: usize,
    pub cities_covered: usize,
}

/// Provinces with their cities, coverage and launch dates.
#[utoipa::path(get, path = "/v1/coverage/regions", tag = "coverage",
    responses((status = 200, body = RegionsResponse), (status = 401, body = super::error::Problem)))]
pub async fn list_regions(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<RegionsResponse>, ApiError> {
    let rows: HashMap<String, CoverageRecord> = coverage::list_coverage(state.ctx())
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let get = |code: &str| rows.get(code);
    let provinces: Vec<ProvinceCoverage> = Regions::embedded()
        .provinces()
        .iter()
        .map(|p| ProvinceCoverage {
            code: p.code.clone(),
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            covered: get(&p.code).is_some_and(|r| r.covered),
            launch_date: get(&p.code).and_then(|r| r.launch_date.clone()),
            cities: p
                .cities
                .iter()
                .map(|c| CityCoverage {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    name_en: c.name_en.clone(),
                    covered: get(&c.code).is_some_and(|r| r.covered),
                    launch_date: get(&c.code).and_then(|r| r.launch_date.clone()),
                    announced: get(&c.code).is_some_and(|r| r.announced),
                    lat: c.lat,
                    lon: c.lon,
                })
                .collect(),
        })
        .collect();
    let provinces_covered = provinces.iter().filter(|p| p.covered).count();
    let cities_covered = provinces
        .iter()
        .filter(|p| p.covered)
        .flat_map(|p| &p.cities)
        .filter(|c| c.covered)
        .count();
    Ok(Json(RegionsResponse {
        provinces,
        provinces_covered,
        cities_covered,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SortingCenterResponse {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub accepts_consolidation: bool,
    pub city: Option<String>,
}

/// Sorting centers and whether each accepts consolidated handovers.
#[utoipa::path(get, path = "/v1/sorting-centers", tag = "coverage",
    responses((status = 200, body = [SortingCenterResponse]), (status = 401, body = super::error::Problem)))]
pub async fn list_sorting_centers(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<Vec<SortingCenterResponse>>, ApiError> {
    let centers = coverage::list_sorting_centers(state.ctx()).await?;
    Ok(Json(
        centers
            .into_iter()
            .map(|c| SortingCenterResponse {
                code: c.code,
                name: c.name,
                name_en: c.name_en,
                accepts_consolidation: c.accepts_consolidation,
                city: c.city_code,
            })
            .collect(),
    ))
}
