//! Parsing of the files in `data/` (JSON and simple CSV without quoting) into
//! [`Regions`]. The CSV files are generated and hold no commas inside fields.

use std::collections::HashMap;

use serde::Deserialize;

use super::geometry::{RawPolygon, Shapes};
use super::{City, CoverageSeed, Province, RegionLevel, Regions, SortingCenter};

/// The contents of the data files, as text.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// `data/regions.json`.
    pub regions_json: &'a str,
    /// `data/boundaries.geojson`.
    pub boundaries_geojson: &'a str,
    /// `data/sorting_centers.json`.
    pub sorting_centers_json: &'a str,
    /// `data/coverage.csv`.
    pub coverage_csv: &'a str,
    /// `data/transit.csv`.
    pub transit_csv: &'a str,
}

impl Sources<'static> {
    /// The files embedded at compile time.
    pub fn embedded() -> Sources<'static> {
        Sources {
            regions_json: include_str!("../../data/regions.json"),
            boundaries_geojson: include_str!("../../data/boundaries.geojson"),
            sorting_centers_json: include_str!("../../data/sorting_centers.json"),
            coverage_csv: include_str!("../../data/coverage.csv"),
            transit_csv: include_str!("../../data/transit.csv"),
        }
    }
}

/// Region data that could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum RegionsError {
    /// A JSON file is malformed.
    #[error("{file}: {source}")]
    Json {
        /// Which file.
        file: &'static str,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A CSV line is malformed.
    #[error("{file} line {line}: {message}")]
    Csv {
        /// Which file.
        file: &'static str,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct RawRegions {
    provinces: Vec<RawProvince>,
}

#[derive(Deserialize)]
struct RawProvince {
    code: String,
    name: String,
    name_en: String,
    lat: f64,
    lon: f64,
    cities: Vec<RawCity>,
}

#[derive(Deserialize)]
struct RawCity {
    code: String,
    name: String,
    name_en: String,
    lat: f64,
    lon: f64,
    service_radius_km: f64,
}

#[derive(Deserialize)]
struct RawCenter {
    code: String,
    name: String,
    name_en: String,
    accepts_consolidation: bool,
    city_code: Option<String>,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: FeatureProps,
    geometry: MultiPolygonGeometry,
}

#[derive(Deserialize)]
struct FeatureProps {
    code: String,
}

#[derive(Deserialize)]
struct MultiPolygonGeometry {
    coordinates: Vec<RawPolygon>,
}

fn json<'a, T: Deserialize<'a>>(file: &'static str, text: &'a str) -> Result<T, RegionsError> {
    serde_json::from_str(text).map_err(|source| RegionsError::Json { file, source })
}

/// Data rows of a CSV file (header skipped), with their 1-based line numbers.
fn csv_rows<'a>(
    file: &'static str,
    text: &'a str,
    columns: usize,
) -> Result<Vec<(usize, Vec<&'a str>)>, RegionsError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != columns {
            return Err(RegionsError::Csv {
                file,
                line: i + 1,
                message: format!("expected {columns} fields, found {}", fields.len()),
            });
        }
        rows.push((i + 1, fields));
    }
    Ok(rows)
}

fn csv_err(file: &'static str, line: usize, message: impl Into<String>) -> RegionsError {
    RegionsError::Csv {
        file,
        line,
        message: message.into(),
    }
}

fn parse_bool(file: &'static str, line: usize, v: &str) -> Result<bool, RegionsError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(csv_err(file, line, format!("bad boolean {v:?}"))),
    }
}

fn parse_coverage(text: &str) -> Result<Vec<CoverageSeed>, RegionsError> {
    const F: &str = "coverage.csv";
    let mut out = Vec::new();
    for (line, f) in csv_rows(F, text, 6)? {
        let level = match f[0] {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            other => return Err(csv_err(F, line, format!("bad level {other:?}"))),
        };
        let launch_date = match f[4] {
            "" => None,
            d => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|e| csv_err(F, line, format!("bad date {d:?}: {e}")))?,
            ),
        };
        out.push(CoverageSeed {
            level,
            code: f[1].to_string(),
            covered: parse_bool(F, line, f[3])?,
            launch_date,
            announced: parse_bool(F, line, f[5])?,
        });
    }
    Ok(out)
}

fn parse_transit(text: &str) -> Result<HashMap<(String, String), u32>, RegionsError> {
    const F: &str = "transit.csv";
    let mut out = HashMap::new();
    for (line, f) in csv_rows(F, text, 5)? {
        let hours = f[4]
            .parse::<u32>()
            .map_err(|e| csv_err(F, line, format!("bad hours {:?}: {e}", f[4])))?;
        out.insert((f[1].to_string(), f[2].to_string()), hours);
    }
    Ok(out)
}

/// Short forms of a province name: `广东省` -> `广东`, `内蒙古自治区` -> `内蒙古`.
fn province_short(name: &str) -> String {
    let n = if name.starts_with("内蒙古") || name.starts_with("黑龙江") {
        3
    } else {
        2
    };
    name.chars().take(n).collect()
}

/// The name without a `市`, `地区` or `盟` suffix, when something meaningful is left.
fn city_short(name: &str) -> Option<&str> {
    ["市", "地区", "盟"]
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .find(|rest| rest.chars().count() >= 2)
}

/// Parses every file and builds the indexes.
pub(crate) fn parse(src: &Sources<'_>) -> Result<Regions, RegionsError> {
    let raw: RawRegions = json("regions.json", src.regions_json)?;
    let provinces: Vec<Province> = raw
        .provinces
        .into_iter()
        .map(|p| Province {
            cities: p
                .cities
                .into_iter()
                .map(|c| City {
                    code: c.code,
                    province_code: p.code.clone(),
                    name: c.name,
                    name_en: c.name_en,
                    lat: c.lat,
                    lon: c.lon,
                    service_radius_km: c.service_radius_km,
                })
                .collect(),
            code: p.code,
            name: p.name,
            name_en: p.name_en,
            lat: p.lat,
            lon: p.lon,
        })
        .collect();
    let mut province_keys = HashMap::new();
    let mut city_keys = HashMap::new();
    for (pi, p) in provinces.iter().enumerate() {
        for key in [p.code.clone(), p.name.clone(), province_short(&p.name)] {
            province_keys.insert(key, pi);
        }
        province_keys.insert(p.name_en.to_lowercase(), pi);
        for (ci, c) in p.cities.iter().enumerate() {
            city_keys.insert(c.code.clone(), (pi, ci));
            city_keys.insert(c.name.clone(), (pi, ci));
            if let Some(short) = city_short(&c.name) {
                city_keys.entry(short.to_string()).or_insert((pi, ci));
            }
        }
    }
    let boundaries: FeatureCollection = json("boundaries.geojson", src.boundaries_geojson)?;
    let shapes = Shapes::new(
        boundaries
            .features
            .into_iter()
            .map(|f| (f.properties.code, f.geometry.coordinates))
            .collect(),
    );
    let centers: Vec<RawCenter> = json("sorting_centers.json", src.sorting_centers_json)?;
    let sorting_centers = centers
        .into_iter()
        .map(|c| SortingCenter {
            code: c.code,
            name: c.name,
            name_en: c.name_en,
            accepts_consolidation: c.accepts_consolidation,
            city_code: c.city_code,
            lat: c.lat,
            lon: c.lon,
        })
        .collect();
    Ok(Regions {
        provinces,
        province_keys,
        city_keys,
        shapes,
        sorting_centers,
        coverage: parse_coverage(src.coverage_csv)?,
        transit: parse_transit(src.transit_csv)?,
    })
}
