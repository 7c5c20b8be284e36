//! Pickup coverage and sorting centers (SPEC rules 3 and 4): the check anyone may ask,
//! the regions list, and the operator's edits, which take effect at once because every
//! check reads the stored coverage. Addresses are resolved here, by GB/T 2260 code or
//! Chinese name, against the embedded region data; coordinates are GCJ-02.

pub(crate) use super::address::{AddressInput, check_coordinates, resolve_address, resolve_area};
use super::error::ApiError;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::time::parse_date;
use crate::regions::{RegionLevel, Regions, ServiceArea};
use crate::store::{CoverageRecord, SortingCenterRecord, Store, StoreResult};
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
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
        .routes(routes!(super::coverage_edits::put_city_coverage))
        .routes(routes!(super::coverage_edits::put_province_coverage))
}

/// Seeds sorting centers and the announced coverage from the embedded `data/`.
pub async fn seed_reference_data(store: &Store, now_ms: i64) -> StoreResult<()> {
    let regions = Regions::embedded();
    let centers: Vec<SortingCenterRecord> = regions
        .sorting_centers()
        .iter()
        .map(|c| SortingCenterRecord {
            code: c.code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            accepts_consolidation: c.accepts_consolidation,
            city_code: c.city_code.clone(),
            lat: c.lat,
            lon: c.lon,
        })
        .collect();
    let coverage: Vec<CoverageRecord> = regions
        .coverage_seed()
        .iter()
        .map(|c| CoverageRecord {
            code: c.code.clone(),
            level: match c.level {
                RegionLevel::Province => "province".into(),
                RegionLevel::City => "city".into(),
            },
            covered: c.covered,
            launch_date: c.launch_date.map(|d| d.to_string()),
            announced: c.announced,
            updated_at_ms: now_ms,
            updated_by: "data".into(),
        })
        .collect();
    store.seed_reference_data(&centers, &coverage).await
}

/// The answer of a coverage check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageCheckResponse {
    pub covered: bool,
    /// Why not covered: `province_not_covered`, `city_not_covered`,
    /// `not_launched_yet`, `outside_service_area`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub province: String,
    pub city: String,
    /// When door pickup opened (or opens) for this city.
    pub launch_date: Option<String>,
    /// What a person can do about it.
    pub detail: String,
}

/// Decides coverage of an area (and a point, where given) on a pickup date.
pub(crate) async fn check_coverage(
    state: &AppState,
    province: &str,
    city: &str,
    point: Option<(f64, f64)>,
    date: NaiveDate,
) -> Result<CoverageCheckResponse, ApiError> {
    let rows = state.store.get_coverage(&[province, city]).await?;
    let row = |code: &str| rows.iter().find(|r| r.code == code);
    let date_of = |code: &str| {
        row(code)
            .and_then(|r| r.launch_date.as_deref())
            .and_then(parse_date)
    };
    // The city's launch, never before its province's. A city with no date of its own
    // has none (an uncovered city must not show its province's date) unless it is
    // covered, when the province's date stands.
    let launch = match (date_of(city), date_of(province)) {
        (Some(c), p) => Some(p.map_or(c, |p| p.max(c))),
        (None, p) if row(city).is_some_and(|r| r.covered) => p,
        (None, _) => None,
    };
    let mut answer = CoverageCheckResponse {
        covered: false,
        code: None,
        province: province.to_owned(),
        city: city.to_owned(),
        launch_date: launch.map(|d| d.to_string()),
        detail: String::new(),
    };
    let refuse = |mut a: CoverageCheckResponse, code: &str, detail: String| {
        a.code = Some(code.to_owned());
        a.detail = detail;
        a
    };
    if !row(province).is_some_and(|r| r.covered) {
        return Ok(refuse(
            answer,
            "province_not_covered",
            format!(
                "door pickup does not cover province {province}; deliver to the sorting center yourself"
            ),
        ));
    }
    if !row(city).is_some_and(|r| r.covered) {
        let coming = row(city).is_some_and(|r| r.announced);
        return Ok(refuse(
            answer,
            "city_not_covered",
            format!(
                "door pickup does not cover city {city}{}; deliver to the sorting center yourself",
                if coming {
                    " yet (announced, no date)"
                } else {
                    ""
                }
            ),
        ));
    }
    if let Some((lat, lon)) = point {
        match Regions::embedded().service_area(city, lat, lon) {
            ServiceArea::Inside | ServiceArea::NoGeometry => {}
            ServiceArea::RemotePart => {
                return Ok(refuse(
                    answer,
                    "outside_service_area",
                    format!(
                        "({lat}, {lon}) is in a remote part of city {city} that door pickup does not reach"
                    ),
                ));
            }
            ServiceArea::OtherCity { city_code } => {
                return Ok(refuse(
                    answer,
                    "outside_service_area",
                    format!(
                        "({lat}, {lon}) lies in city {city_code}, not in city {city}; check the address"
                    ),
                ));
            }
            // Simplified neighbouring boundaries leave thin gaps between them; a point
            // in such a gap but within the city's radius of its seat is inside.
            ServiceArea::Unmapped if within_radius(city, lat, lon) => {}
            ServiceArea::Unmapped | ServiceArea::UnknownCity => {
                return Ok(refuse(
                    answer,
                    "outside_service_area",
                    format!(
                        "({lat}, {lon}) lies outside every covered city; check the coordinates (GCJ-02)"
                    ),
                ));
            }
        }
    }
    if let Some(launch) = launch.filter(|l| date < *l) {
        return Ok(refuse(
            answer,
            "not_launched_yet",
            format!(
                "door pickup in city {city} opens on {launch}; choose that date or a later one"
            ),
        ));
    }
    answer.covered = true;
    answer.detail = format!("door pickup covers city {city} on {date}");
    Ok(answer)
}

/// Coverage of a seller's pickup address on a date.
pub(crate) async fn check_seller_coverage(
    state: &AppState,
    seller: &crate::store::SellerRecord,
    date: NaiveDate,
) -> Result<CoverageCheckResponse, ApiError> {
    let a = &seller.address;
    check_coverage(
        state,
        &a.province_code,
        &a.city_code,
        Some((a.lat, a.lon)),
        date,
    )
    .await
}

/// A `date` query parameter, or today in China when it is absent.
pub(crate) fn query_date(raw: Option<&str>, state: &AppState) -> Result<NaiveDate, ApiError> {
    match raw {
        Some(raw) => parse_date(raw)
            .ok_or_else(|| ApiError::invalid_field("date", "invalid_date", "use YYYY-MM-DD")),
        None => Ok(state.clock.today()),
    }
}

/// Whether a point is within a city's service radius of its seat.
fn within_radius(city_code: &str, lat: f64, lon: f64) -> bool {
    Regions::embedded().city(city_code).is_some_and(|c| {
        crate::domain::route::distance_m((c.lat, c.lon), (lat, lon)) <= c.service_radius_km * 1000.0
    })
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
    responses((status = 200, body = CoverageCheckResponse), (status = 401, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn check(
    State(state): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> Result<Json<CoverageCheckResponse>, ApiError> {
    let (province, city) = resolve_area(&q.province, &q.city, "")?;
    let point = match (q.lat, q.lon) {
        (Some(lat), Some(lon)) => {
            check_coordinates(lat, lon, "")?;
            Some((lat, lon))
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid_field(
                "lat",
                "required",
                "give both lat and lon, or neither",
            ));
        }
    };
    let date = query_date(q.date.as_deref(), &state)?;
    Ok(Json(
        check_coverage(&state, &province, &city, point, date).await?,
    ))
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
    let rows: HashMap<String, CoverageRecord> = state
        .store
        .list_coverage()
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
    let centers = state.store.list_sorting_centers().await?;
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
