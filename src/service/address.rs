//! Addresses as clients send them: province and city by GB/T 2260 code or Chinese
//! name, resolved against the embedded region data, and coordinates (GCJ-02) checked
//! for range. Every place that takes an address goes through here, so a bad one always
//! gets the same 422 with the same field codes.

use super::{ServiceError, ServiceResult};
use crate::regions::{CityLookupError, Regions};
use crate::store::Address;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// An address as a client sends it.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[schema(examples(json!({"province": "广东省", "city": "深圳市", "district": "南山区", "street": "1 Keyuan Road", "lat": 22.5431, "lon": 114.0579})))]
pub struct AddressInput {
    /// GB/T 2260 code (`440000`) or Chinese name (`广东省`).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub province: String,
    /// GB/T 2260 code (`440300`) or Chinese name (`深圳市`).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub city: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub district: Option<String>,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub street: String,
    /// GCJ-02 latitude.
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    /// GCJ-02 longitude.
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub lon: f64,
}

/// Resolves province and city (code or name) and checks the coordinates.
pub fn resolve_address(input: &AddressInput, prefix: &str) -> ServiceResult<Address> {
    let (province, city) = resolve_area(&input.province, &input.city, prefix)?;
    check_coordinates(input.lat, input.lon, prefix)?;
    Ok(Address {
        province_code: province,
        city_code: city,
        district: input.district.clone(),
        street: input.street.trim().to_owned(),
        lat: input.lat,
        lon: input.lon,
    })
}

/// Province and city codes for a province and city given by code or name.
pub fn resolve_area(province: &str, city: &str, prefix: &str) -> ServiceResult<(String, String)> {
    let regions = Regions::embedded();
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let p = regions.province(province).ok_or_else(|| {
        ServiceError::field(
            field("province"),
            "unknown_province",
            format!("no province {province:?}"),
        )
    })?;
    let c = regions
        .city_in_province(&p.code, city)
        .map_err(|e| match e {
            CityLookupError::Unknown(_) => {
                ServiceError::field(field("city"), "unknown_city", format!("no city {city:?}"))
            }
            CityLookupError::NotInProvince { city_code, .. } => ServiceError::field(
                field("city"),
                "city_not_in_province",
                format!("city {city_code} is not in province {}", p.code),
            ),
        })?;
    Ok((p.code.clone(), c.code.clone()))
}

pub fn check_coordinates(lat: f64, lon: f64, prefix: &str) -> ServiceResult<()> {
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(ServiceError::field(
            field("lat"),
            "invalid_coordinates",
            "latitude is from -90 to 90",
        ));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(ServiceError::field(
            field("lon"),
            "invalid_coordinates",
            "longitude is from -180 to 180",
        ));
    }
    Ok(())
}
