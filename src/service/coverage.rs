//! Door-pickup coverage (docs/rules.md, rules 3 and 4): the check of an area (and a
//! point) on a pickup date, the same check on a seller's pickup address, the
//! operator's coverage edits, and the seeding of reference data from `data/`.

use super::{Ctx, ServiceError, ServiceResult, require};
use crate::domain::time::parse_date;
use crate::domain::{Principal, Role};
use crate::regions::{RegionLevel, Regions, ServiceArea};
use crate::store::{CoverageRecord, SellerRecord, SortingCenterRecord, Store, StoreResult};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

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
            level: level_name(c.level).into(),
            covered: c.covered,
            launch_date: c.launch_date.map(|d| d.to_string()),
            announced: c.announced,
            updated_at_ms: now_ms,
            updated_by: "data".into(),
        })
        .collect();
    store.seed_reference_data(&centers, &coverage).await
}

/// How a region level is stored and shown.
pub fn level_name(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "province",
        RegionLevel::City => "city",
    }
}

/// The answer of a coverage check.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = CoverageCheckResponse)]
pub struct CoverageCheck {
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

/// Where a coverage check looks: an area and, when known, a point in it.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageQuery {
    /// Province, by code or Chinese name.
    pub province: String,
    /// City, by code or Chinese name.
    pub city: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `YYYY-MM-DD`; today in China when absent.
    pub date: Option<String>,
}

/// `check_coverage`: whether door pickup covers an address on a date (rules 3, 4).
/// Any authenticated caller may ask.
pub async fn check_coverage(ctx: Ctx<'_>, query: &CoverageQuery) -> ServiceResult<CoverageCheck> {
    let (province, city) = super::address::resolve_area(&query.province, &query.city, "")?;
    let point = match (query.lat, query.lon) {
        (Some(lat), Some(lon)) => {
            super::address::check_coordinates(lat, lon, "")?;
            Some((lat, lon))
        }
        (None, None) => None,
        _ => {
            return Err(ServiceError::field(
                "lat",
                "required",
                "give both lat and lon, or neither",
            ));
        }
    };
    let date = date_or_today(ctx, query.date.as_deref(), "date")?;
    coverage_on(ctx, &province, &city, point, date).await
}

/// Decides coverage of an area (and a point, where given) on a pickup date.
pub async fn coverage_on(
    ctx: Ctx<'_>,
    province: &str,
    city: &str,
    point: Option<(f64, f64)>,
    date: NaiveDate,
) -> ServiceResult<CoverageCheck> {
    let rows = ctx.store.get_coverage(&[province, city]).await?;
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
    let mut answer = CoverageCheck {
        covered: false,
        code: None,
        province: province.to_owned(),
        city: city.to_owned(),
        launch_date: launch.map(|d| d.to_string()),
        detail: String::new(),
    };
    let refuse = |mut a: CoverageCheck, code: &str, detail: String| {
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
pub async fn seller_coverage(
    ctx: Ctx<'_>,
    seller: &SellerRecord,
    date: NaiveDate,
) -> ServiceResult<CoverageCheck> {
    let a = &seller.address;
    coverage_on(
        ctx,
        &a.province_code,
        &a.city_code,
        Some((a.lat, a.lon)),
        date,
    )
    .await
}

/// A date given as `YYYY-MM-DD` in `field`, or today in China when absent.
pub fn date_or_today(ctx: Ctx<'_>, raw: Option<&str>, field: &str) -> ServiceResult<NaiveDate> {
    match raw {
        Some(raw) => parse_date(raw)
            .ok_or_else(|| ServiceError::field(field, "invalid_date", "use YYYY-MM-DD")),
        None => Ok(ctx.clock.today()),
    }
}

/// Whether a point is within a city's service radius of its seat.
fn within_radius(city_code: &str, lat: f64, lon: f64) -> bool {
    Regions::embedded().city(city_code).is_some_and(|c| {
        crate::domain::route::distance_m((c.lat, c.lon), (lat, lon)) <= c.service_radius_km * 1000.0
    })
}

/// The stored coverage of every area (for the regions list).
pub async fn list_coverage(ctx: Ctx<'_>) -> ServiceResult<Vec<CoverageRecord>> {
    Ok(ctx.store.list_coverage().await?)
}

/// The sorting centers and whether each takes consolidated handovers.
pub async fn list_sorting_centers(ctx: Ctx<'_>) -> ServiceResult<Vec<SortingCenterRecord>> {
    Ok(ctx.store.list_sorting_centers().await?)
}

/// An operator's edit of one area's coverage.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageEdit {
    pub covered: bool,
    /// `YYYY-MM-DD`; required when covered.
    pub launch_date: Option<String>,
    /// Announced as coming without a date; unchanged when absent.
    pub announced: Option<bool>,
}

/// `edit_coverage`: the operator sets a city's or province's coverage; it takes effect
/// at once, since every check reads the stored coverage (rule 4).
pub async fn edit_coverage(
    ctx: Ctx<'_>,
    caller: &Principal,
    level: RegionLevel,
    code: &str,
    edit: CoverageEdit,
) -> ServiceResult<CoverageRecord> {
    require(caller, &[Role::Operator], "edit coverage")?;
    let regions = Regions::embedded();
    let known = match level {
        RegionLevel::City => regions.city(code).is_some_and(|c| c.code == code),
        RegionLevel::Province => regions.province(code).is_some_and(|p| p.code == code),
    };
    let level = level_name(level);
    if !known {
        return Err(ServiceError::NotFound(
            "region_not_found",
            format!("no {level} with code {code}"),
        ));
    }
    let launch_date = match edit.launch_date.as_deref() {
        Some(raw) => Some(
            parse_date(raw)
                .ok_or_else(|| {
                    ServiceError::field("launch_date", "invalid_date", "use YYYY-MM-DD")
                })?
                .to_string(),
        ),
        None if edit.covered => {
            return Err(ServiceError::field(
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
        covered: edit.covered,
        launch_date,
        announced: match edit.announced {
            Some(a) => a,
            None => ctx
                .store
                .get_coverage(&[code])
                .await?
                .first()
                .is_some_and(|r| r.announced),
        },
        updated_at_ms: ctx.clock.now_ms(),
        updated_by: caller.key(),
    };
    ctx.store.put_coverage(&record).await?;
    Ok(record)
}
