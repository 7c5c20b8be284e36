//! Rules 3, 4, 5 and 6 of docs/rules.md over HTTP, on the real region data of `data/`: the 2020
//! coverage (27 of 31 provinces, 203 cities, three launch waves, 30+ announced), the
//! sorting centers that take consolidation, the coverage check (by code or name, by
//! launch date, by the pickup point against the city's boundary and service radius),
//! address validation at seller creation, operator edits that take effect at once, and
//! the 30-day eligibility window with its refusal.

use crate::both;
use crate::helpers::{OPERATOR, SHENZHEN, Seller, TestApp};
use chrono::Days;
use firstmile::regions::{Regions, ServiceArea};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Wanzhou, a district of Chongqing (500100) about 225 km from its seat: inside the
/// city's boundary, beyond its 120 km service radius.
const WANZHOU: (f64, f64) = (30.8075, 108.3801);

async fn regions(app: &TestApp) -> Value {
    let (status, body) = app.get("/v1/coverage/regions", OPERATOR).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The array under `key`.
fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value[key].as_array().map(Vec::as_slice).expect(key)
}

fn covered(items: &[Value]) -> Vec<&Value> {
    items.iter().filter(|i| i["covered"] == true).collect()
}

fn find<'a>(items: &'a [Value], code: &str) -> &'a Value {
    let found = items.iter().find(|i| i["code"] == code);
    found.unwrap_or_else(|| panic!("no {code}"))
}

/// The seat of a city, from the regions list.
fn seat(regions: &Value, province: &str, city: &str) -> (f64, f64) {
    let city = find(
        list(find(list(regions, "provinces"), province), "cities"),
        city,
    );
    let degrees = |key: &str| city[key].as_f64().expect(key);
    (degrees("lat"), degrees("lon"))
}

/// GET /v1/coverage/check of an area, with `more` query (`&date=...`, [`at`]).
async fn check(app: &TestApp, province: &str, city: &str, more: &str) -> (StatusCode, Value) {
    let path = format!("/v1/coverage/check?province={province}&city={city}{more}");
    app.get(&path, OPERATOR).await
}

/// A check that must answer 200; returns its body.
async fn check_ok(app: &TestApp, province: &str, city: &str, more: &str) -> Value {
    let (status, body) = check(app, province, city, more).await;
    assert_eq!(status, StatusCode::OK, "{province} {city} {more}: {body}");
    body
}

/// A point as query parameters.
fn at((lat, lon): (f64, f64)) -> String {
    format!("&lat={lat}&lon={lon}")
}

fn assert_not_covered(body: &Value, code: &str) {
    assert_eq!(body["covered"], false, "{body}");
    assert_eq!(body["code"], code, "{body}");
}

fn assert_field_error(status: StatusCode, body: &Value, field: &str, code: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
    assert_eq!(body["errors"][0]["field"], field, "{body}");
    assert_eq!(body["errors"][0]["code"], code, "{body}");
}

/// Books one bag of `parcel` to `center` on `date`.
async fn book_to(
    app: &TestApp,
    s: &Seller,
    center: &str,
    date: &str,
    parcel: &str,
) -> (StatusCode, Value) {
    let bag = json!({"parcels": [parcel], "length_cm": 40, "width_cm": 30, "height_cm": 20});
    let body = json!({"sorting_center": center, "pickup_date": date, "bags": [bag]});
    app.post(&format!("/v1/sellers/{}/handovers", s.id), &s.token, body)
        .await
}

/// A refused booking of a parcel never registered: every refusal under test here
/// (sorting center, coverage, eligibility) comes before the parcels are looked at.
async fn refused(app: &TestApp, seller: &Seller, center: &str) -> Value {
    let (status, body) = book_to(app, seller, center, &app.today(), "NEVER0001").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    body
}

/// The code of a refused booking to SZX today.
async fn refusal(app: &TestApp, seller: &Seller) -> Value {
    refused(app, seller, "SZX").await["code"].clone()
}

async fn eligibility(app: &TestApp, seller: &Seller) -> Value {
    let path = format!("/v1/sellers/{}/eligibility", seller.id);
    let (status, body) = app.get(&path, &seller.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn the_regions_list_has_27_of_31_provinces_and_203_cities_covered(app: TestApp) {
    let body = regions(&app).await;
    let provinces = list(&body, "provinces");
    assert_eq!(provinces.len(), 31);
    assert_eq!(body["provinces_covered"], 27);
    assert_eq!(body["cities_covered"], 203);
    let covered_provinces = covered(provinces);
    assert_eq!(covered_provinces.len(), 27);
    let cities = covered_provinces.iter().flat_map(|p| list(p, "cities"));
    assert_eq!(cities.filter(|c| c["covered"] == true).count(), 203);
    let announced: Vec<&Value> = provinces
        .iter()
        .flat_map(|p| list(p, "cities"))
        .filter(|c| c["announced"] == true)
        .collect();
    assert!(announced.len() >= 30, "{} announced", announced.len());
    for c in announced {
        assert_eq!(c["covered"], false, "announced means not yet covered: {c}");
        assert_eq!(c["launch_date"], Value::Null, "{c}");
    }
}

async fn coverage_opened_in_three_waves_from_guangdong_to_22_provinces(app: TestApp) {
    let body = regions(&app).await;
    let provinces = list(&body, "provinces");
    let guangdong = find(provinces, "440000");
    assert_eq!(guangdong["launch_date"], "2020-08-17");
    let cities = covered(list(guangdong, "cities"));
    assert_eq!(cities.len(), 19);
    assert!(cities.iter().all(|c| c["launch_date"] == "2020-08-17"));
    let wave2 = ["330000", "350000", "320000", "310000"];
    for code in wave2 {
        let p = find(provinces, code);
        assert_eq!(p["covered"], true, "{code}");
        assert_eq!(p["launch_date"], "2020-09-01", "{code}");
        for c in list(p, "cities") {
            assert_eq!(c["covered"], true, "every city of {code}: {}", c["code"]);
            assert_eq!(c["launch_date"], "2020-09-01", "{}", c["code"]);
        }
    }
    let wave3: Vec<&Value> = covered(provinces)
        .into_iter()
        .filter(|p| p["code"] != "440000" && !wave2.iter().any(|w| p["code"] == *w))
        .collect();
    assert_eq!(wave3.len(), 22);
    for p in wave3 {
        assert_eq!(p["launch_date"], "2020-09-15", "{}", p["code"]);
        for c in covered(list(p, "cities")) {
            assert_eq!(c["launch_date"], "2020-09-15", "{}", c["code"]);
        }
    }
}

async fn only_shenzhen_and_yiwu_take_consolidated_handovers(app: TestApp) {
    let (status, body) = app.get("/v1/sorting-centers", OPERATOR).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let centers = body.as_array().expect("a list of sorting centers");
    assert_eq!(find(centers, "SZX")["accepts_consolidation"], true);
    assert_eq!(find(centers, "YIW")["accepts_consolidation"], true);
    let others: Vec<&str> = centers
        .iter()
        .filter(|c| c["accepts_consolidation"] == false)
        .filter_map(|c| c["code"].as_str())
        .collect();
    for code in ["SEA", "HKG", "KOR"] {
        assert!(others.contains(&code), "{code} must not take consolidation");
    }
    let seller = app.seller().await;
    for code in others {
        let body = refused(&app, &seller, code).await;
        assert_eq!(body["code"], "sorting_center_not_supported", "{code}");
        assert!(body["detail"].as_str().expect("detail").contains(code));
    }
    let body = refused(&app, &seller, "NOWHERE").await;
    assert_eq!(body["errors"][0]["field"], "sorting_center", "{body}");
    assert_eq!(body["errors"][0]["code"], "unknown_sorting_center");
}

async fn the_check_places_a_point_in_its_city(app: TestApp) {
    let body = check_ok(&app, "440000", "440300", &at(SHENZHEN)).await;
    assert_eq!(body["covered"], true, "{body}");
    assert_eq!(body.get("code"), None, "{body}");
    assert_eq!(body["province"], "440000");
    assert_eq!(body["city"], "440300");
    assert_eq!(body["launch_date"], "2020-08-17");
    let guangzhou = seat(&regions(&app).await, "440000", "440100");
    let body = check_ok(&app, "440000", "440300", &at(guangzhou)).await;
    assert_not_covered(&body, "outside_service_area");
    assert!(body["detail"].as_str().expect("detail").contains("440100"));
}

async fn a_remote_part_of_a_covered_city_is_outside_the_service_area(app: TestApp) {
    let (lat, lon) = WANZHOU;
    assert_eq!(
        Regions::embedded().service_area("500100", lat, lon),
        ServiceArea::RemotePart
    );
    let body = check_ok(&app, "500000", "500100", &at(WANZHOU)).await;
    assert_not_covered(&body, "outside_service_area");
    // The city itself is covered: its seat is inside the service area.
    let seat = seat(&regions(&app).await, "500000", "500100");
    let body = check_ok(&app, "500000", "500100", &at(seat)).await;
    assert_eq!(body["covered"], true, "{body}");
    let seller = app.seller_at("500000", "500100", WANZHOU, 60).await;
    assert_eq!(refusal(&app, &seller).await, "outside_service_area");
}

async fn uncovered_provinces_and_cities_say_which(app: TestApp) {
    let body = check_ok(&app, "650000", "650100", "").await;
    assert_not_covered(&body, "province_not_covered");
    // Zhanjiang is announced but not covered; Zhangjiakou is neither.
    for (province, city) in [("440000", "440800"), ("130000", "130700")] {
        let body = check_ok(&app, province, city, "").await;
        assert_not_covered(&body, "city_not_covered");
        assert_eq!(body["launch_date"], Value::Null, "{body}");
    }
}

async fn a_date_before_launch_is_not_launched_yet_and_the_launch_day_is_covered(app: TestApp) {
    let cases = [
        ("440000", "440300", "2020-08-16", "2020-08-17"),
        ("330000", "330100", "2020-08-31", "2020-09-01"),
        ("510000", "510100", "2020-09-14", "2020-09-15"),
    ];
    for (province, city, before, launch) in cases {
        for date in ["2020-08-01", before] {
            let body = check_ok(&app, province, city, &format!("&date={date}")).await;
            assert_not_covered(&body, "not_launched_yet");
            assert_eq!(body["launch_date"], launch, "{body}");
        }
        let body = check_ok(&app, province, city, &format!("&date={launch}")).await;
        assert_eq!(body["covered"], true, "{city} on {launch}: {body}");
    }
}

async fn names_short_names_and_codes_give_the_same_answer(app: TestApp) {
    let point = at(SHENZHEN);
    let by_code = check_ok(&app, "440000", "440300", &point).await;
    let names = [("广东省", "深圳市"), ("广东", "深圳"), ("440000", "深圳")];
    for (province, city) in names {
        let body = check_ok(&app, province, city, &point).await;
        assert_eq!(body, by_code, "{province} {city}");
    }
    let by_code = check_ok(&app, "650000", "650100", "").await;
    let by_name = check_ok(&app, "新疆维吾尔自治区", "乌鲁木齐市", "").await;
    assert_eq!(by_name, by_code);
    assert_not_covered(&by_name, "province_not_covered");
}

async fn bad_check_queries_are_422_naming_the_field(app: TestApp) {
    let areas = [
        ("火星", "440300", "province", "unknown_province"),
        ("440000", "999999", "city", "unknown_city"),
        ("440000", "330100", "city", "city_not_in_province"),
    ];
    for (province, city, field, code) in areas {
        let (status, body) = check(&app, province, city, "").await;
        assert_field_error(status, &body, field, code);
    }
    let queries = [
        ("&lat=91&lon=114", "lat", "invalid_coordinates"),
        ("&lat=22.5&lon=181", "lon", "invalid_coordinates"),
        ("&lat=22.5", "lat", "required"),
        ("&date=2020-13-01", "date", "invalid_date"),
    ];
    for (more, field, code) in queries {
        let (status, body) = check(&app, "440000", "440300", more).await;
        assert_field_error(status, &body, field, code);
    }
}

async fn a_seller_address_is_given_by_name_or_code_and_checked(app: TestApp) {
    let create = |province: &str, city: &str, (lat, lon): (f64, f64)| {
        let address = json!({"province": province, "city": city, "street": "1 Test Road",
                             "lat": lat, "lon": lon});
        let body = json!({"name": "Address Test", "pickup_address": address});
        app.post("/v1/sellers", OPERATOR, body)
    };
    let names = [("广东省", "深圳市"), ("广东", "深圳"), ("440000", "440300")];
    for (province, city) in names {
        let (status, body) = create(province, city, SHENZHEN).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let address = &body["pickup_address"];
        assert_eq!(address["province"], "440000", "{body}");
        assert_eq!(address["city"], "440300");
        assert_eq!(address["province_name"], "广东省");
        assert_eq!(address["city_name"], "深圳市");
    }
    let (lat, lon) = SHENZHEN;
    let (bad_lat, bad_lon) = ((91.0, lon), (lat, 181.0));
    let cases = [
        ("火星省", "440300", SHENZHEN, "province", "unknown_province"),
        ("440000", "999999", SHENZHEN, "city", "unknown_city"),
        ("440000", "330100", SHENZHEN, "city", "city_not_in_province"),
        ("广东", "深圳", bad_lat, "lat", "invalid_coordinates"),
        ("广东", "深圳", bad_lon, "lon", "invalid_coordinates"),
    ];
    for (province, city, point, field, code) in cases {
        let (status, body) = create(province, city, point).await;
        assert_field_error(status, &body, &format!("pickup_address.{field}"), code);
    }
}

async fn an_operator_edit_of_a_city_takes_effect_at_once(app: TestApp) {
    let seller = app.seller().await;
    let put = |body: Value| app.put("/v1/coverage/cities/440300", OPERATOR, body);
    let (status, body) = put(json!({"covered": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["covered"], false);
    let body = check_ok(&app, "440000", "440300", "").await;
    assert_not_covered(&body, "city_not_covered");
    assert_eq!(refusal(&app, &seller).await, "area_not_covered");
    let tomorrow = (app.clock.today() + Days::new(1)).to_string();
    let (status, body) = put(json!({"covered": true, "launch_date": tomorrow})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["launch_date"], tomorrow.as_str());
    assert_eq!(refusal(&app, &seller).await, "not_launched_yet");
    let body = eligibility(&app, &seller).await;
    assert_eq!(body["reasons"], json!(["not_launched_yet"]), "{body}");
    // From the launch day on, door pickup is open.
    let parcels = app.register_many(&seller, "LCH", 1, 500).await;
    let (status, body) = book_to(&app, &seller, "SZX", &tomorrow, &parcels[0]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn an_operator_edit_of_a_province_takes_effect_at_once(app: TestApp) {
    let seller = app.seller().await;
    let path = "/v1/coverage/provinces/440000";
    let (status, body) = app.put(path, OPERATOR, json!({"covered": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body = check_ok(&app, "440000", "440300", "").await;
    assert_not_covered(&body, "province_not_covered");
    assert_eq!(refusal(&app, &seller).await, "area_not_covered");
    assert_eq!(regions(&app).await["provinces_covered"], 26);
}

async fn only_an_operator_edits_coverage_and_only_of_known_areas(app: TestApp) {
    let seller = app.seller().await;
    let body = json!({"covered": false});
    let path = "/v1/coverage/cities/440300";
    let (status, problem) = app.put(path, &seller.token, body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "forbidden");
    let unchanged = check_ok(&app, "440000", "440300", "").await;
    assert_eq!(unchanged["covered"], true, "{unchanged}");
    for path in [
        "/v1/coverage/cities/999999",
        "/v1/coverage/cities/440000",
        "/v1/coverage/provinces/990000",
    ] {
        let (status, problem) = app.put(path, OPERATOR, body.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {problem}");
        assert_eq!(problem["code"], "region_not_found");
    }
    let (status, problem) = app.put(path, OPERATOR, json!({"covered": true})).await;
    assert_field_error(status, &problem, "launch_date", "required");
}

async fn a_seller_whose_point_lies_in_another_city_is_refused(app: TestApp) {
    let guangzhou = seat(&regions(&app).await, "440000", "440100");
    let seller = app.seller_at("440000", "440300", guangzhou, 60).await;
    assert_eq!(refusal(&app, &seller).await, "outside_service_area");
}

async fn thirty_days_of_exactly_50_orders_are_eligible(app: TestApp) {
    let seller = app.seller_at("440000", "440300", SHENZHEN, 50).await;
    let body = eligibility(&app, &seller).await;
    let today = app.clock.today();
    assert_eq!(body["eligible"], true, "{body}");
    assert_eq!(body["average_daily_orders"], 50.0);
    assert_eq!(body["threshold"], 50.0);
    assert_eq!(body["window_days"], 30);
    assert_eq!(body["window_from"], (today - Days::new(30)).to_string());
    assert_eq!(body["window_to"], (today - Days::new(1)).to_string());
    assert_eq!(body["reasons"], json!([]));
    assert_eq!(body["coverage"]["covered"], true);
    let parcels = app.register_many(&seller, "ELG", 1, 500).await;
    app.book(&seller, &parcels).await;
}

async fn one_missing_day_makes_50_a_day_ineligible_with_a_specific_refusal(app: TestApp) {
    let seller = app.seller_at("440000", "440300", SHENZHEN, 0).await;
    app.set_daily_orders(&seller, 29, 50).await;
    let body = eligibility(&app, &seller).await;
    assert_eq!(body["eligible"], false, "{body}");
    assert_eq!(body["average_daily_orders"], 48.33);
    assert_eq!(body["reasons"], json!(["below_order_threshold"]));
    let refusal = refused(&app, &seller, "SZX").await;
    assert_eq!(refusal["code"], "seller_not_eligible", "{refusal}");
    let detail = refusal["detail"].as_str().expect("detail");
    for part in [
        "48.33",
        "at least 50 orders",
        "30 days",
        body["window_from"].as_str().expect("window_from"),
        body["window_to"].as_str().expect("window_to"),
    ] {
        assert!(detail.contains(part), "{part:?} missing from {detail:?}");
    }
}

async fn todays_count_and_one_from_31_days_ago_never_count(app: TestApp) {
    let seller = app.seller_at("440000", "440300", SHENZHEN, 0).await;
    app.set_daily_orders(&seller, 29, 50).await;
    let today = app.clock.today();
    let day = |n: u64| (today - Days::new(n)).to_string();
    let volumes = format!("/v1/sellers/{}/order-volumes", seller.id);
    let huge = json!({"days": [{"date": day(0), "orders": 1_000_000},
                               {"date": day(31), "orders": 1_000_000}]});
    let (status, body) = app.put(&volumes, &seller.token, huge).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body = eligibility(&app, &seller).await;
    assert_eq!(body["eligible"], false, "{body}");
    assert_eq!(body["average_daily_orders"], 48.33);
    assert_eq!(refusal(&app, &seller).await, "seller_not_eligible");
    // The 30th day back is the window's first day: 50 on it completes the window.
    let last = json!({"days": [{"date": day(30), "orders": 50}]});
    let (status, body) = app.put(&volumes, OPERATOR, last).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body = eligibility(&app, &seller).await;
    assert_eq!(body["eligible"], true, "{body}");
    assert_eq!(body["average_daily_orders"], 50.0);
}

both!(
    the_regions_list_has_27_of_31_provinces_and_203_cities_covered,
    coverage_opened_in_three_waves_from_guangdong_to_22_provinces,
    only_shenzhen_and_yiwu_take_consolidated_handovers,
    the_check_places_a_point_in_its_city,
    a_remote_part_of_a_covered_city_is_outside_the_service_area,
    uncovered_provinces_and_cities_say_which,
    a_date_before_launch_is_not_launched_yet_and_the_launch_day_is_covered,
    names_short_names_and_codes_give_the_same_answer,
    bad_check_queries_are_422_naming_the_field,
    a_seller_address_is_given_by_name_or_code_and_checked,
    an_operator_edit_of_a_city_takes_effect_at_once,
    an_operator_edit_of_a_province_takes_effect_at_once,
    only_an_operator_edits_coverage_and_only_of_known_areas,
    a_seller_whose_point_lies_in_another_city_is_refused,
    thirty_days_of_exactly_50_orders_are_eligible,
    one_missing_day_makes_50_a_day_ineligible_with_a_specific_refusal,
    todays_count_and_one_from_31_days_ago_never_count,
);
