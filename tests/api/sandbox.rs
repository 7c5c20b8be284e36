//! The sandbox (docs/api.md, "Sandbox"): a test-mode seller's keys say so, its
//! simulated pickups and intakes go through the real scan path (the feed and a real
//! webhook receiver get the real events), its data stays out of every live list,
//! count and report, and a live seller cannot simulate.

use crate::both;
use crate::events::{feed, subscribe};
use crate::helpers::{OPERATOR, SHENZHEN, Seller, TestApp, parcel};
use crate::performance::feed as feed_orders;
use crate::receiver::Receiver;
use chrono::Days;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A test-mode seller in central Shenzhen, eligible (60 orders a day).
async fn test_seller(app: &TestApp) -> Seller {
    let (status, body) = app
        .post(
            "/v1/sellers",
            OPERATOR,
            json!({"name": "Sandbox Seller", "test_mode": true, "pickup_address": {"province": "440000",
                   "city": "440300", "street": "2 Sandbox Road", "lat": SHENZHEN.0, "lon": SHENZHEN.1}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["test_mode"], true, "{body}");
    let seller = Seller {
        id: body["id"].as_str().expect("id").to_owned(),
        token: body["api_key"].as_str().expect("api_key").to_owned(),
    };
    app.set_daily_orders(&seller, 30, 60).await;
    seller
}

async fn simulate(
    app: &TestApp,
    seller: &Seller,
    handover_id: &str,
    body: Value,
) -> (StatusCode, Value) {
    app.post(
        &format!("/v1/sellers/{}/handovers/{handover_id}/simulate", seller.id),
        &seller.token,
        body,
    )
    .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

async fn test_keys_say_test_and_live_keys_say_live(app: TestApp) {
    let sandbox = test_seller(&app).await;
    assert!(sandbox.token.starts_with("fm_test_"), "{}", sandbox.token);
    let live = app.seller().await;
    assert!(live.token.starts_with("fm_live_"), "{}", live.token);
    // A key made later for the test seller is a test key too.
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/keys", sandbox.id),
            &sandbox.token,
            json!({"name": "erp"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        body["api_key"].as_str().unwrap().starts_with("fm_test_"),
        "{body}"
    );
    let (_, me) = app
        .get(&format!("/v1/sellers/{}", sandbox.id), &sandbox.token)
        .await;
    assert_eq!(me["test_mode"], true, "{me}");
    let (_, me) = app
        .get(&format!("/v1/sellers/{}", live.id), &live.token)
        .await;
    assert_eq!(me["test_mode"], false, "{me}");
}

async fn a_simulated_lifecycle_reaches_the_feed_and_a_real_receiver(app: TestApp) {
    let receiver = Receiver::start().await;
    let seller = test_seller(&app).await;
    subscribe(&app, &seller, &receiver).await;
    app.register(
        &seller,
        &[
            parcel("SB0001", 400),
            parcel("SB0002", 300),
            parcel("SB0003", 200),
            parcel("SB0004", 100),
        ],
    )
    .await;
    let booked = app
        .book(
            &seller,
            &["SB0001".into(), "SB0002".into(), "SB0003".into()],
        )
        .await;
    let handover_id = id(&booked);
    let bag_id = id(&booked["bags"][0]);
    let (status, body) = simulate(
        &app,
        &seller,
        &handover_id,
        json!({"steps": ["picked_up", "received"], "missing": ["SB0003"], "unregistered": ["SB0004"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let steps = body["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2, "{body}");
    assert_eq!(steps[0]["step"], "picked_up");
    assert_eq!(steps[0]["results"][0]["accepted"], true, "{body}");
    let intake = &steps[1]["results"][0];
    assert_eq!(steps[1]["step"], "received");
    assert_eq!(intake["accepted"], true, "{body}");
    assert_eq!(intake["missing"], json!(["SB0003"]));
    assert_eq!(intake["unregistered"], json!(["SB0004"]));
    assert_eq!(intake["first_scans_set"], 3);
    // The handover moved as by real scans, and its history names the sandbox courier.
    let handover = &body["handover"];
    assert_eq!(handover["status"], "received", "{handover}");
    assert_eq!(handover["bags"][0]["measured_weight_g"], 900);
    let history = app.handover(&seller, &handover_id).await["history"].clone();
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["actor_role"] == "courier"
                && h["actor_id"] == "sandbox"
                && h["action"] == "picked_up"),
        "{history}"
    );
    let (_, tracking) = app.get("/v1/tracking/SB0001", &seller.token).await;
    assert_eq!(tracking["first_scan_basis"], "bag_pickup", "{tracking}");

    let events = feed(&app, &seller).await;
    assert_eq!(
        types(&events),
        [
            "handover.booked",
            "bag.picked_up",
            "bag.received",
            "parcel.first_scan",
            "parcel.first_scan",
            "parcel.missing",
            "parcel.first_scan"
        ]
    );
    assert_eq!(events[2]["data"]["bag_id"], bag_id.as_str());
    assert_eq!(events[2]["data"]["parcels_missing"], 1);
    assert_eq!(events[5]["data"]["tracking_number"], "SB0003");
    // The parcel found in a bag other than its own: first scanned at intake.
    let stray = &events[6]["data"];
    assert_eq!(stray["tracking_number"], "SB0004", "{stray}");
    assert_eq!(stray["bag_id"], bag_id.as_str());
    assert_eq!(stray["registered_bag_id"], Value::Null);
    assert_eq!(stray["basis"], "intake");

    let got = receiver.wait_for(events.len(), 30).await;
    assert_eq!(got.len(), events.len());
    assert!(got.iter().all(|d| d.verified));
    let fed: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let pushed: Vec<&str> = got.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(fed, pushed);
    for (e, d) in events.iter().zip(&got) {
        assert_eq!(e["data"], d.body["data"]);
    }

    // A second intake is refused by the scan path itself, and stops there.
    let (status, body) =
        simulate(&app, &seller, &handover_id, json!({"steps": ["received"]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["steps"][0]["results"][0]["code"], "already_received",
        "{body}"
    );
    assert_eq!(feed(&app, &seller).await.len(), events.len());
}

async fn a_simulated_pickup_failure_carries_its_reason(app: TestApp) {
    let seller = test_seller(&app).await;
    app.register(&seller, &[parcel("SF0001", 400)]).await;
    let booked = app.book(&seller, &["SF0001".into()]).await;
    let (status, body) = simulate(
        &app,
        &seller,
        &id(&booked),
        json!({"steps": ["pickup_failed"], "reason": "not_ready"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["handover"]["status"], "pickup_failed", "{body}");
    assert_eq!(body["handover"]["failure_reason"], "not_ready");
    let events = feed(&app, &seller).await;
    assert_eq!(types(&events), ["handover.booked", "bag.pickup_failed"]);
    assert_eq!(events[1]["data"]["reason"], "not_ready");
}

async fn a_test_sellers_data_stays_out_of_live_lists_and_reports(app: TestApp) {
    let live = app.seller().await;
    let sandbox = test_seller(&app).await;
    app.register(&live, &[parcel("LV0001", 400), parcel("LV0002", 300)])
        .await;
    app.register(&sandbox, &[parcel("TS0001", 400), parcel("TS0002", 300)])
        .await;
    let live_booked = app.book(&live, &["LV0001".into(), "LV0002".into()]).await;
    let test_booked = app
        .book(&sandbox, &["TS0001".into(), "TS0002".into()])
        .await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;

    // The courier's route has the live pickup only, and cannot scan the test bag.
    let pickups = format!("/v1/courier/pickups?date={}", app.today());
    let (status, route) = app.get(&pickups, &courier).await;
    assert_eq!(status, StatusCode::OK, "{route}");
    let stops: Vec<&Value> = route["items"].as_array().unwrap().iter().collect();
    assert_eq!(stops.len(), 1, "{route}");
    assert_eq!(stops[0]["handover_id"], live_booked["id"]);
    let test_bag = id(&test_booked["bags"][0]);
    let refused = app.pick_up(&courier, &test_bag, &app.now(), 700).await;
    assert_eq!(refused["code"], "bag_not_found", "{refused}");

    // Both lose a parcel at intake: only the live one is in the day's discrepancies.
    let live_bag = id(&live_booked["bags"][0]);
    assert_eq!(
        app.pick_up(&courier, &live_bag, &app.now(), 700).await["accepted"],
        true
    );
    let received = app
        .receive(&center, &live_bag, &app.now(), &["LV0001", "STRAY01"])
        .await;
    assert_eq!(received["accepted"], true, "{received}");
    let (status, body) = simulate(
        &app,
        &sandbox,
        &id(&test_booked),
        json!({"steps": ["picked_up", "received"], "missing": ["TS0002"], "unregistered": ["STRAY02"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["handover"]["status"], "received", "{body}");
    let path = format!("/v1/sorting-centers/SZX/discrepancies?date={}", app.today());
    for token in [center.as_str(), OPERATOR] {
        let (status, report) = app.get(&path, token).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let numbers = |list: &str| -> Vec<String> {
            report[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["tracking_number"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(numbers("missing"), ["LV0002"], "{report}");
        assert_eq!(numbers("unregistered"), ["STRAY01"], "{report}");
    }

    // Both cancel half of yesterday's orders: only the live store is at risk.
    let yesterday = (app.clock.today() - Days::new(1)).to_string();
    for seller in [&live, &sandbox] {
        feed_orders(&app, seller, &[(yesterday.as_str(), 10, 5)], "V").await;
    }
    let (status, list) = app
        .get(
            &format!("/v1/performance/vacations?date={}", app.today()),
            OPERATOR,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let sellers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["seller_id"].as_str().unwrap())
        .collect();
    assert_eq!(sellers, [live.id.as_str()], "{list}");
}

async fn a_live_seller_cannot_simulate(app: TestApp) {
    let live = app.seller().await;
    app.register(&live, &[parcel("NS0001", 400)]).await;
    let booked = app.book(&live, &["NS0001".into()]).await;
    let (status, body) = simulate(&app, &live, &id(&booked), json!({"steps": ["picked_up"]})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "not_test_mode");
    // The operator cannot simulate for it either, and a courier may not call the route.
    let path = format!("/v1/sellers/{}/handovers/{}/simulate", live.id, id(&booked));
    let (status, body) = app
        .post(&path, OPERATOR, json!({"steps": ["picked_up"]}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_test_mode"))
    );
    let courier = app.courier().await;
    let (status, _) = app
        .post(&path, &courier, json!({"steps": ["picked_up"]}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.handover(&live, &id(&booked)).await["status"], "booked");
    assert_eq!(types(&feed(&app, &live).await), ["handover.booked"]);
}

async fn bad_simulations_are_refused_with_the_field(app: TestApp) {
    let seller = test_seller(&app).await;
    app.register(&seller, &[parcel("BS0001", 400), parcel("BS0002", 300)])
        .await;
    let booked = app.book(&seller, &["BS0001".into()]).await;
    let handover_id = id(&booked);
    let cases = [
        (json!({"steps": []}), "steps"),
        (json!({"steps": ["lost"]}), "steps[0]"),
        (json!({"steps": ["received", "picked_up"]}), "steps[1]"),
        (json!({"steps": ["pickup_failed"]}), "reason"),
        (
            json!({"steps": ["pickup_failed"], "reason": "rain"}),
            "reason",
        ),
        (
            json!({"steps": ["picked_up"], "missing": ["BS0001"]}),
            "missing",
        ),
        (
            json!({"steps": ["picked_up", "received"], "missing": ["BS0002"]}),
            "missing[0]",
        ),
        (
            json!({"steps": ["received"], "unregistered": ["BS0001"]}),
            "unregistered[0]",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = simulate(&app, &seller, &handover_id, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["code"], "validation_failed", "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let (status, problem) = simulate(
        &app,
        &seller,
        "HONOSUCHTHING",
        json!({"steps": ["picked_up"]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "handover_not_found");
    // Nothing happened.
    assert_eq!(
        app.handover(&seller, &handover_id).await["status"],
        "booked"
    );
    assert_eq!(types(&feed(&app, &seller).await), ["handover.booked"]);
}

both!(
    test_keys_say_test_and_live_keys_say_live,
    a_simulated_lifecycle_reaches_the_feed_and_a_real_receiver,
    a_simulated_pickup_failure_carries_its_reason,
    a_test_sellers_data_stays_out_of_live_lists_and_reports,
    a_live_seller_cannot_simulate,
    bad_simulations_are_refused_with_the_field,
);
