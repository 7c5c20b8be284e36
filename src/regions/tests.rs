//! Tests on the embedded data: the announcement's counts, lookups, and service areas.

use chrono::NaiveDate;

use super::*;

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn regions() -> &'static Regions {
    Regions::embedded()
}

/// Central Shenzhen (Futian, near the civic center), GCJ-02.
const SHENZHEN: (f64, f64) = (22.5431, 114.0579);

#[test]
fn embedded_data_parses_with_31_provinces() {
    assert_eq!(regions().provinces().len(), 31);
    let cities: usize = regions().provinces().iter().map(|p| p.cities.len()).sum();
    assert!(cities > 360, "{cities} cities");
}

#[test]
fn coverage_seed_matches_the_2020_announcement() {
    let seed = regions().coverage_seed();
    let provinces: Vec<_> = seed
        .iter()
        .filter(|s| s.level == RegionLevel::Province)
        .collect();
    let cities: Vec<_> = seed
        .iter()
        .filter(|s| s.level == RegionLevel::City)
        .collect();
    assert_eq!(provinces.len(), 31);
    assert_eq!(provinces.iter().filter(|s| s.covered).count(), 27);
    assert_eq!(cities.iter().filter(|s| s.covered).count(), 203);
    let aug = cities
        .iter()
        .filter(|s| s.launch_date == date("2020-08-17"))
        .collect::<Vec<_>>();
    assert_eq!(aug.len(), 19);
    assert!(aug.iter().all(|s| s.code.starts_with("44")));
    let sept1: Vec<&str> = provinces
        .iter()
        .filter(|s| s.launch_date == date("2020-09-01"))
        .map(|s| s.code.as_str())
        .collect();
    assert_eq!(sept1, ["310000", "320000", "330000", "350000"]);
    let sept15 = provinces
        .iter()
        .filter(|s| s.launch_date == date("2020-09-15"))
        .count();
    assert_eq!(sept15, 22);
    let announced: Vec<_> = cities.iter().filter(|s| s.announced).collect();
    assert!(announced.len() >= 30);
    assert!(
        announced
            .iter()
            .all(|s| !s.covered && s.launch_date.is_none())
    );
    for s in seed {
        assert_eq!(s.covered, s.launch_date.is_some(), "{}", s.code);
    }
    // A covered city lies in a covered province launched no later than the city.
    for c in cities.iter().filter(|s| s.covered) {
        let p = provinces
            .iter()
            .find(|p| p.code[..2] == c.code[..2])
            .filter(|p| p.covered);
        assert!(
            p.is_some_and(|p| p.launch_date <= c.launch_date),
            "{}",
            c.code
        );
    }
}

#[test]
fn lookups_by_code_and_name() {
    let r = regions();
    assert_eq!(
        r.province("440000").map(|p| p.name.as_str()),
        Some("广东省")
    );
    assert_eq!(
        r.province("广东省").map(|p| p.code.as_str()),
        Some("440000")
    );
    assert_eq!(r.province("广东").map(|p| p.code.as_str()), Some("440000"));
    assert_eq!(
        r.province("内蒙古").map(|p| p.code.as_str()),
        Some("150000")
    );
    assert_eq!(
        r.province("shaanxi").map(|p| p.code.as_str()),
        Some("610000")
    );
    assert_eq!(r.city("440300").map(|c| c.name.as_str()), Some("深圳市"));
    assert_eq!(r.city("深圳市").map(|c| c.code.as_str()), Some("440300"));
    assert_eq!(r.city("深圳").map(|c| c.code.as_str()), Some("440300"));
    assert_eq!(r.city("北京市").map(|c| c.code.as_str()), Some("110100"));
    assert_eq!(
        r.city("仙桃市").map(|c| c.province_code.as_str()),
        Some("420000")
    );
    assert!(r.city("不存在市").is_none());
    assert!(r.province("999999").is_none());
}

#[test]
fn city_names_and_short_names_are_unique() {
    let r = regions();
    for p in r.provinces() {
        for c in &p.cities {
            assert_eq!(r.city(&c.name).map(|x| &x.code), Some(&c.code));
            if let Some(short) = load_short(&c.name) {
                assert_eq!(r.city(short).map(|x| &x.code), Some(&c.code), "{short}");
            }
        }
    }
}

fn load_short(name: &str) -> Option<&str> {
    ["市", "地区", "盟"]
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .find(|rest| rest.chars().count() >= 2)
}

#[test]
fn city_in_province_checks_membership() {
    let r = regions();
    assert_eq!(
        r.city_in_province("440000", "深圳")
            .map(|c| c.code.as_str()),
        Ok("440300")
    );
    assert_eq!(
        r.city_in_province("广东省", "440300")
            .map(|c| c.code.as_str()),
        Ok("440300")
    );
    assert!(matches!(
        r.city_in_province("330000", "440300"),
        Err(CityLookupError::NotInProvince { .. })
    ));
    assert!(matches!(
        r.city_in_province("440000", "nowhere"),
        Err(CityLookupError::Unknown(_))
    ));
}

#[test]
fn central_shenzhen_is_inside_shenzhen_and_another_city_for_guangzhou() {
    let r = regions();
    let (lat, lon) = SHENZHEN;
    assert_eq!(r.service_area("440300", lat, lon), ServiceArea::Inside);
    assert_eq!(
        r.service_area("440100", lat, lon),
        ServiceArea::OtherCity {
            city_code: "440300".to_string()
        }
    );
    assert_eq!(r.locate(lat, lon).map(|c| c.code.as_str()), Some("440300"));
}

#[test]
fn remote_parts_and_unmapped_points() {
    let r = regions();
    // Hulunbuir's seat (Hailar) vs. a point inside Hulunbuir far to the north-east.
    let far = r
        .locate(52.0, 122.5)
        .map(|c| c.code.clone())
        .unwrap_or_default();
    assert_eq!(far, "150700");
    assert_eq!(
        r.service_area("150700", 52.0, 122.5),
        ServiceArea::RemotePart
    );
    // Tokyo and the open Pacific are outside every boundary.
    assert_eq!(
        r.service_area("440300", 35.68, 139.76),
        ServiceArea::Unmapped
    );
    assert_eq!(r.service_area("440300", 0.0, -150.0), ServiceArea::Unmapped);
    assert_eq!(
        r.service_area("000000", 22.5, 114.0),
        ServiceArea::UnknownCity
    );
}

#[test]
fn every_seat_point_is_inside_its_own_city() {
    let r = regions();
    for p in r.provinces() {
        for c in &p.cities {
            assert!(r.has_boundary(&c.code), "{} has no boundary", c.code);
            assert_eq!(
                r.service_area(&c.code, c.lat, c.lon),
                ServiceArea::Inside,
                "{}",
                c.code
            );
        }
    }
}

#[test]
fn sorting_centers_and_transit() {
    let r = regions();
    let codes: Vec<(&str, bool)> = r
        .sorting_centers()
        .iter()
        .map(|s| (s.code.as_str(), s.accepts_consolidation))
        .collect();
    assert_eq!(
        codes,
        [
            ("SZX", true),
            ("YIW", true),
            ("SEA", false),
            ("HKG", false),
            ("KOR", false)
        ]
    );
    let szx_local = r.transit_hours("440000", "440300", "SZX");
    assert_eq!(szx_local, Some(24));
    let far = r.transit_hours("540000", "540100", "SZX").unwrap_or(0);
    assert!(far > 100, "Lhasa to Shenzhen {far} h");
    assert_eq!(
        r.transit_hours("440000", "", "YIW"),
        r.transit_hours("440000", "x", "YIW")
    );
    assert_eq!(r.transit_hours("440000", "440300", "HKG"), None);
}

#[test]
fn every_seat_point_locates_to_its_own_city() {
    let r = regions();
    for p in r.provinces() {
        for c in &p.cities {
            assert_eq!(
                r.locate(c.lat, c.lon).map(|x| &x.code),
                Some(&c.code),
                "{}",
                c.name
            );
        }
    }
}

#[test]
fn yiwu_sorting_center_lies_in_jinhua() {
    let r = regions();
    let yiw = r.sorting_center("YIW").map(|s| (s.lat, s.lon));
    let (lat, lon) = yiw.unwrap_or_default();
    assert_eq!(r.service_area("330700", lat, lon), ServiceArea::Inside);
    assert_eq!(
        r.service_area("330100", lat, lon),
        ServiceArea::OtherCity {
            city_code: "330700".to_string()
        }
    );
}
