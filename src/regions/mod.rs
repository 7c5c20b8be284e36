//! Mainland China's provinces and cities, their boundaries, the sorting centers, the
//! 2020 coverage seed and the route transit times: the reference data behind
//! coverage checks (docs/rules.md, rule 4), destinations (rule 3) and overdue bags (rule 16).
//!
//! Key decision: the data is generated offline from public packages by
//! `data/build/build_regions.py` (see `data/README.md`) and embedded in the binary with
//! `include_str!`, parsed once into a [`Regions`] behind a `OnceLock`. This module is
//! pure: no I/O, no database, no HTTP. The coverage seed is only a seed; operators edit
//! coverage in the database.
//!
//! Coordinates are GCJ-02 (as in the Amap-derived sources), `lat`/`lon` in degrees.
//! Callers validate ranges (lat in [-90, 90], lon in [-180, 180], finite) before
//! asking; out-of-range input is simply found in no boundary.
//!
//! # Service-area rule
//! A city's service area is its boundary minus its remote parts. A part is remote when
//! it lies farther than the city's `service_radius_km` from the city seat (the pickup
//! depot), measured with geo's Haversine distance: 80 km for ordinary cities, 120 km for
//! the municipalities Beijing, Tianjin, Shanghai and Chongqing. A point inside the
//! city's polygon within the radius is [`ServiceArea::Inside`], beyond it
//! [`ServiceArea::RemotePart`]; a point inside another city's polygon is
//! [`ServiceArea::OtherCity`]; a point in no polygon is [`ServiceArea::Unmapped`].
//! Candidate polygons come from an R-tree of polygon bounding boxes.

mod geometry;
mod load;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

pub use load::{RegionsError, Sources};

/// A provincial-level division (province, autonomous region or municipality).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Province {
    /// GB/T 2260 code, six digits, e.g. `"440000"`.
    pub code: String,
    /// Chinese name, e.g. `"广东省"`.
    pub name: String,
    /// English (pinyin or conventional) name, e.g. `"Guangdong"`.
    pub name_en: String,
    /// Latitude of the seat of government (the capital), GCJ-02.
    pub lat: f64,
    /// Longitude of the seat of government, GCJ-02.
    pub lon: f64,
    /// Prefecture-level cities, and county-level units directly under the province.
    pub cities: Vec<City>,
}

/// A prefecture-level city (or a county-level unit directly under its province; a
/// municipality is one city with code `XX0100`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct City {
    /// GB/T 2260 code, six digits, e.g. `"440300"`.
    pub code: String,
    /// The code of the province the city belongs to.
    pub province_code: String,
    /// Chinese name, e.g. `"深圳市"`.
    pub name: String,
    /// English name, e.g. `"Shenzhen"`.
    pub name_en: String,
    /// Latitude of the seat of government (the pickup depot), GCJ-02.
    pub lat: f64,
    /// Longitude of the seat of government, GCJ-02.
    pub lon: f64,
    /// Radius around the seat beyond which the city is a remote part, in km.
    pub service_radius_km: f64,
}

/// A sorting center (分拨中心) or warehouse that handovers are routed to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SortingCenter {
    /// Stable code, e.g. `"SZX"`, `"YIW"`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Whether consolidated handover may be routed here (docs/rules.md, rule 3).
    pub accepts_consolidation: bool,
    /// The city it is in, when in mainland China.
    pub city_code: Option<String>,
    /// Latitude, derived from the city seat (GCJ-02).
    pub lat: f64,
    /// Longitude, derived from the city seat (GCJ-02).
    pub lon: f64,
}

/// Whether a coverage row is about a province or a city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// A provincial-level division.
    Province,
    /// A city (see [`City`]).
    City,
}

/// One row of the initial coverage, as announced in 2020. (Not `Serialize`: the crate's
/// chrono has no serde feature.)
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageSeed {
    /// Province or city.
    pub level: RegionLevel,
    /// The region's code.
    pub code: String,
    /// Whether door pickup covers the region.
    pub covered: bool,
    /// When coverage started; `None` when not covered.
    pub launch_date: Option<chrono::NaiveDate>,
    /// Announced as coming, without a date (covered is then false).
    pub announced: bool,
}

/// Where a pickup point lies relative to a city's service area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceArea {
    /// Inside the city's boundary and within its service radius.
    Inside,
    /// Inside the city's boundary but beyond its service radius.
    RemotePart,
    /// Inside the boundary of another city.
    OtherCity {
        /// The city whose boundary holds the point.
        city_code: String,
    },
    /// Outside every known boundary (abroad, at sea, or in a gap between boundaries).
    Unmapped,
    /// The city has no boundary in the data; the point cannot be checked.
    NoGeometry,
    /// The city code is not known.
    UnknownCity,
}

/// Why [`Regions::city_in_province`] found no city.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CityLookupError {
    /// No city has this code or name.
    #[error("unknown city {0:?}")]
    Unknown(String),
    /// The city exists but belongs to another province.
    #[error("city {city_code} is not in province {province_code}")]
    NotInProvince {
        /// The city found.
        city_code: String,
        /// The province asked for.
        province_code: String,
    },
}

/// All region reference data, indexed for lookups and point-in-polygon queries.
#[derive(Debug)]
pub struct Regions {
    provinces: Vec<Province>,
    province_keys: HashMap<String, usize>,
    /// Code or name -> (province index, city index).
    city_keys: HashMap<String, (usize, usize)>,
    shapes: geometry::Shapes,
    sorting_centers: Vec<SortingCenter>,
    coverage: Vec<CoverageSeed>,
    /// (region code, sorting center code) -> hours.
    transit: HashMap<(String, String), u32>,
}

static EMBEDDED: OnceLock<Regions> = OnceLock::new();

/// The sorting-center codes of the embedded data, read without parsing the boundaries
/// (for the offline planner, which needs nothing else).
pub fn embedded_sorting_center_codes() -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Code {
        code: String,
    }
    serde_json::from_str::<Vec<Code>>(Sources::embedded().sorting_centers_json)
        .map(|v| v.into_iter().map(|c| c.code).collect())
        .unwrap_or_default()
}

impl Regions {
    /// The data embedded in the binary, parsed on first use (tens of milliseconds).
    pub fn embedded() -> &'static Regions {
        EMBEDDED.get_or_init(|| {
            // The embedded files are fixed at compile time and the unit tests parse
            // them, so a failure here is a build defect, not a runtime condition.
            #[allow(clippy::expect_used)]
            load::parse(&load::Sources::embedded()).expect("embedded region data is valid")
        })
    }

    /// Parses region data from the given file contents (same formats as `data/`).
    pub fn from_sources(sources: &Sources<'_>) -> Result<Regions, RegionsError> {
        load::parse(sources)
    }

    /// All 31 provincial-level divisions, in code order.
    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }

    /// A province by code (`"440000"`), full name (`"广东省"`), short name (`"广东"`)
    /// or English name (`"Guangdong"`, case-insensitive).
    pub fn province(&self, code_or_name: &str) -> Option<&Province> {
        let key = code_or_name.trim();
        self.province_keys
            .get(key)
            .or_else(|| self.province_keys.get(&key.to_lowercase()))
            .map(|&i| &self.provinces[i])
    }

    /// A city by code (`"440300"`), full Chinese name (`"深圳市"`) or the name without
    /// its `市`/`地区`/`盟` suffix (`"深圳"`). Full and short names are unique in the
    /// data (checked by the tests); a municipality's name (`"北京市"`) finds its city.
    pub fn city(&self, code_or_name: &str) -> Option<&City> {
        self.city_keys
            .get(code_or_name.trim())
            .map(|&(p, c)| &self.provinces[p].cities[c])
    }

    /// A city that must belong to the given province (code or name).
    pub fn city_in_province(
        &self,
        province_code: &str,
        code_or_name: &str,
    ) -> Result<&City, CityLookupError> {
        let city = self
            .city(code_or_name)
            .ok_or_else(|| CityLookupError::Unknown(code_or_name.to_string()))?;
        match self.province(province_code) {
            Some(p) if p.code == city.province_code => Ok(city),
            _ => Err(CityLookupError::NotInProvince {
                city_code: city.code.clone(),
                province_code: province_code.to_string(),
            }),
        }
    }

    /// The province a city belongs to.
    pub fn province_of(&self, city: &City) -> Option<&Province> {
        self.province(&city.province_code)
    }

    /// The city whose boundary contains the point, if any. Where simplified neighbouring
    /// boundaries overlap, the city with the lowest code wins.
    pub fn locate(&self, lat: f64, lon: f64) -> Option<&City> {
        self.shapes
            .locate(lat, lon)
            .and_then(|code| self.city(code))
    }

    /// Classifies a pickup point against a city's service area (see the module doc).
    /// Costs a few microseconds: a bounding-box test and point-in-polygon test on the
    /// city's own polygons, then an R-tree query only when the point is outside them.
    pub fn service_area(&self, city_code: &str, lat: f64, lon: f64) -> ServiceArea {
        let Some(city) = self.city(city_code) else {
            return ServiceArea::UnknownCity;
        };
        match self.shapes.contains(&city.code, lat, lon) {
            None => ServiceArea::NoGeometry,
            Some(true) => {
                if geometry::haversine_km(city.lat, city.lon, lat, lon) <= city.service_radius_km {
                    ServiceArea::Inside
                } else {
                    ServiceArea::RemotePart
                }
            }
            Some(false) => match self.shapes.locate(lat, lon) {
                Some(code) => ServiceArea::OtherCity {
                    city_code: code.to_string(),
                },
                None => ServiceArea::Unmapped,
            },
        }
    }

    /// Whether the city has a boundary in the data.
    pub fn has_boundary(&self, city_code: &str) -> bool {
        self.shapes.has(city_code)
    }

    /// The sorting centers and warehouses, `SZX` and `YIW` first.
    pub fn sorting_centers(&self) -> &[SortingCenter] {
        &self.sorting_centers
    }

    /// A sorting center by code.
    pub fn sorting_center(&self, code: &str) -> Option<&SortingCenter> {
        self.sorting_centers.iter().find(|s| s.code == code)
    }

    /// The coverage announced in 2020: one row per province and per city.
    pub fn coverage_seed(&self) -> &[CoverageSeed] {
        &self.coverage
    }

    /// Expected transit hours from pickup to intake, from the city (or, when the city
    /// code is empty or has no row, the province) to a sorting center accepting
    /// consolidation. `None` for unknown regions and for other sorting centers.
    pub fn transit_hours(
        &self,
        province_code: &str,
        city_code: &str,
        sorting_center: &str,
    ) -> Option<u32> {
        let get = |code: &str| {
            self.transit
                .get(&(code.to_string(), sorting_center.to_string()))
                .copied()
        };
        get(city_code).or_else(|| get(province_code))
    }
}
