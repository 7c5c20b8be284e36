//! Rules 1, 2, 7, 9, 15 and 17 of docs/rules.md over HTTP: bag limits at their boundaries,
//! consolidation, cancellation until pickup (and the race with a pickup), the
//! backdated first scan, and the tracking timeline.

use crate::both;
use crate::helpers::{OPERATOR, TestApp, parcel};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn bag_id(handover: &Value) -> String {
    handover["bags"][0]["id"]
        .as_str()
        .expect("bag id")
        .to_owned()
}

async fn a_bag_of_300_parcels_is_accepted_and_301_refused(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "CNT", 601, 100).await;
    let (status, body) = app
        .try_book(&seller, &parcels[..301], [60.0, 60.0, 60.0])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "bag_too_many_parcels");
    let (status, body) = app
        .try_book(&seller, &parcels[301..], [60.0, 60.0, 60.0])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["bags"][0]["parcel_count"], 300);
    // The refused booking left nothing behind: its parcels are still free.
    app.book(&seller, &parcels[..1]).await;
}

async fn a_bag_of_50000_g_is_accepted_and_50001_refused(app: TestApp) {
    let seller = app.seller().await;
    app.register(
        &seller,
        &[
            parcel("HVY0001", 25_000),
            parcel("HVY0002", 25_000),
            parcel("HVY0003", 25_001),
        ],
    )
    .await;
    let (status, body) = app
        .try_book(
            &seller,
            &["HVY0001".into(), "HVY0003".into()],
            [60.0, 60.0, 60.0],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "bag_too_heavy");
    let body = app
        .book(&seller, &["HVY0001".into(), "HVY0002".into()])
        .await;
    assert_eq!(body["bags"][0]["weight_g"], 50_000);
}

async fn sides_of_120_cm_and_a_sum_of_180_are_accepted_one_more_refused(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "DIM", 4, 100).await;
    let cases = [
        ([121.0, 30.0, 29.0], Some("bag_side_too_long")),
        ([120.0, 31.0, 30.0], Some("bag_dimensions_sum_too_large")),
        ([61.0, 60.0, 60.0], Some("bag_dimensions_sum_too_large")),
        ([120.0, 30.0, 30.0], None),
        ([60.0, 60.0, 60.0], None),
    ];
    let mut next = 0;
    for (sides, refusal) in cases {
        let (status, body) = app.try_book(&seller, &parcels[next..=next], sides).await;
        match refusal {
            Some(code) => {
                assert_eq!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{sides:?}: {body}"
                );
                assert_eq!(body["code"], code, "{sides:?}");
            }
            None => {
                assert_eq!(status, StatusCode::CREATED, "{sides:?}: {body}");
                next += 1;
            }
        }
    }
}

async fn parcels_must_be_registered_before_they_are_bagged(app: TestApp) {
    let seller = app.seller().await;
    let (status, body) = app
        .try_book(&seller, &["NOPE0001".into()], [60.0, 50.0, 40.0])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "parcel_not_found");
}

async fn a_parcel_cannot_be_in_two_open_bags(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "TWO", 2, 500).await;
    app.book(&seller, &parcels).await;
    let (status, body) = app
        .try_book(&seller, &parcels[1..], [60.0, 50.0, 40.0])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "parcel_already_bagged");
}

async fn a_parcel_bound_elsewhere_is_refused(app: TestApp) {
    let seller = app.seller().await;
    let mut p = parcel("YIW00001", 500);
    p["sorting_center"] = json!("YIW");
    app.register(&seller, &[p]).await;
    let (status, body) = app
        .try_book(&seller, &["YIW00001".into()], [60.0, 50.0, 40.0])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "parcel_wrong_sorting_center");
}

async fn a_tracking_number_registered_anywhere_is_a_duplicate(app: TestApp) {
    let a = app.seller().await;
    let b = app.seller().await;
    app.register(&a, &[parcel("DUP00001", 100)]).await;
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/parcels", b.id),
            &b.token,
            json!({"parcels": [parcel("DUP00001", 100), parcel("NEW00001", 100), parcel("NEW00001", 100)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["registered"], 1);
    assert_eq!(body["items"][0]["code"], "duplicate_tracking_number");
    assert_eq!(body["items"][1]["status"], "registered");
    assert_eq!(body["items"][2]["code"], "duplicate_tracking_number");
}

async fn parcels_for_routes_without_consolidation_are_refused_per_item(app: TestApp) {
    let seller = app.seller().await;
    let mut hk = parcel("HKG00001", 100);
    hk["sorting_center"] = json!("HKG");
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/parcels", seller.id),
            &seller.token,
            json!({"parcels": [parcel("OKAY0001", 100), hk]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["registered"].as_u64(), body["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(body["items"][1]["code"], "sorting_center_not_supported");
    assert_eq!(body["items"][1]["index"], 1);
}

async fn cancel_before_pickup_frees_the_parcels(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "CAN", 3, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let id = handover["id"].as_str().expect("id");
    let (status, body) = app.cancel(&seller, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["bags"][0]["status"], "cancelled");
    // The parcels can be booked again.
    app.book(&seller, &parcels).await;
}

async fn cancel_after_pickup_is_refused(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "PKD", 2, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let result = app
        .pick_up(&courier, &bag_id(&handover), &app.now(), 1000)
        .await;
    assert_eq!(result["accepted"], true, "{result}");
    let id = handover["id"].as_str().expect("id");
    let (status, body) = app.cancel(&seller, id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_picked_up");
    let (_, body) = app
        .get(
            &format!("/v1/sellers/{}/handovers/{id}", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(body["status"], "picked_up");
}

/// Books `n` one-parcel handovers on `canceller`, then for each races a cancel on
/// `canceller` against a pickup on `picker`: exactly one of the two must win.
async fn race_cancels_against_pickups(
    canceller: Arc<TestApp>,
    picker: Arc<TestApp>,
    prefix: &str,
    n: usize,
) {
    let seller = canceller.seller().await;
    let courier = canceller.courier().await;
    let parcels = canceller.register_many(&seller, prefix, n, 100).await;
    let mut handovers = Vec::new();
    for p in &parcels {
        handovers.push(canceller.book(&seller, std::slice::from_ref(p)).await);
    }
    let mut tasks = Vec::new();
    for h in &handovers {
        let (id, bag) = (h["id"].as_str().expect("id").to_owned(), bag_id(h));
        let (a, s) = (canceller.clone(), seller.clone());
        let cancel = tokio::spawn(async move { a.cancel(&s, &id).await });
        let (p, c) = (picker.clone(), courier.clone());
        let pickup = tokio::spawn(async move { p.pick_up(&c, &bag, &p.now(), 100).await });
        tasks.push((cancel, pickup));
    }
    for (cancel, pickup) in tasks {
        let (status, body) = cancel.await.expect("cancel task");
        let picked = pickup.await.expect("pickup task");
        let cancelled = status == StatusCode::OK;
        assert!(
            cancelled != (picked["accepted"] == true),
            "exactly one must win: cancel {status} {body}, pickup {picked}"
        );
        if cancelled {
            assert_eq!(picked["code"], "handover_cancelled");
        } else {
            assert_eq!(body["code"], "already_picked_up");
        }
    }
}

async fn a_cancel_racing_a_pickup_has_exactly_one_winner(app: TestApp) {
    let app = Arc::new(app);
    race_cancels_against_pickups(app.clone(), app, "RACE", 50).await;
}

async fn two_servers_on_one_database_agree_on_every_race(app: TestApp) {
    let other = Arc::new(app.another_server().await);
    let app = Arc::new(app);
    race_cancels_against_pickups(app.clone(), other.clone(), "TWIN", 20).await;
    // A parcel booked on both servers at once lands in exactly one bag.
    let seller = app.seller().await;
    let spare = app.register_many(&seller, "SPARE", 1, 100).await;
    let (a, b) = tokio::join!(
        app.try_book(&seller, &spare, [60.0, 50.0, 40.0]),
        other.try_book(&seller, &spare, [60.0, 50.0, 40.0])
    );
    let created = [a.0, b.0]
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{a:?} {b:?}");
}

async fn intake_backdates_the_first_scan_to_the_pickup(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let parcels = app.register_many(&seller, "BKD", 3, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let bag = bag_id(&handover);
    let picked_at = app.now();
    app.pick_up(&courier, &bag, &picked_at, 1500).await;
    // Before intake, buyers see no pickup and no first scan.
    let (_, before) = app.get("/v1/tracking/BKD0001", &courier).await;
    assert_eq!(before["first_scan_at"], Value::Null, "{before}");
    assert!(
        before["events"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["type"] != "picked_up")
    );
    app.advance_hours(20);
    let received_at = app.now();
    let result = app
        .receive(
            &center,
            &bag,
            &received_at,
            &["BKD0001", "BKD0002", "BKD0003"],
        )
        .await;
    assert_eq!(result["accepted"], true, "{result}");
    assert_eq!(result["first_scans_set"], 3);
    for t in &parcels {
        let (status, body) = app.get(&format!("/v1/tracking/{t}"), &seller.token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["first_scan_at"], picked_at.as_str(), "{body}");
        assert_eq!(body["first_scan_basis"], "bag_pickup");
        assert_eq!(body["status"], "received");
        let events = body["events"].as_array().expect("events");
        let pickup = events
            .iter()
            .find(|e| e["type"] == "picked_up")
            .expect("pickup event");
        assert_eq!(pickup["at"], picked_at.as_str());
        let intake = events
            .iter()
            .find(|e| e["type"] == "received")
            .expect("intake event");
        assert_eq!(intake["at"], received_at.as_str());
        assert_eq!(intake["recorded_at"], received_at.as_str());
    }
    let h = app
        .handover(&seller, handover["id"].as_str().unwrap_or(""))
        .await;
    assert_eq!(h["status"], "received");
}

async fn unregistered_parcels_take_the_intake_time_and_missing_ones_are_reported(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let parcels = app.register_many(&seller, "MIX", 2, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let bag = bag_id(&handover);
    app.pick_up(&courier, &bag, &app.now(), 1000).await;
    app.advance_hours(5);
    let received_at = app.now();
    let result = app
        .receive(&center, &bag, &received_at, &["MIX0001", "STRAY001"])
        .await;
    assert_eq!(result["missing"], json!(["MIX0002"]), "{result}");
    assert_eq!(result["unregistered"], json!(["STRAY001"]));
    let (_, stray) = app.get("/v1/tracking/STRAY001", &seller.token).await;
    assert_eq!(stray["first_scan_at"], received_at.as_str(), "{stray}");
    assert_eq!(stray["first_scan_basis"], "intake");
    let (_, missing) = app.get("/v1/tracking/MIX0002", &seller.token).await;
    assert_eq!(missing["status"], "missing", "{missing}");
    assert_eq!(missing["first_scan_at"], Value::Null);
}

async fn a_repeated_scan_is_accepted_once_and_acknowledged_again(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "REP", 1, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let event = json!({"event_id": "scan-1", "type": "picked_up", "bag_id": bag_id(&handover),
                       "occurred_at": app.now(), "measured_weight_g": 600});
    let first = app.scan(&courier, event.clone()).await;
    let again = app.scan(&courier, event).await;
    assert_eq!(first["accepted"], true);
    assert_eq!(first["duplicate"], false);
    assert_eq!(again["accepted"], true);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["code"], first["code"]);
    // Twice in one batch: applied once; the later one is refused (one id, one event).
    let second = app.register_many(&seller, "REQ", 1, 500).await;
    let other = app.book(&seller, &second).await;
    let event = json!({"event_id": "scan-2", "type": "picked_up", "bag_id": bag_id(&other),
                       "occurred_at": app.now(), "measured_weight_g": 600});
    let (status, body) = app
        .post(
            "/v1/scans",
            &courier,
            json!({"events": [event.clone(), event]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["accepted"], true);
    assert_eq!(body["results"][0]["duplicate"], false);
    assert_eq!(body["results"][1]["accepted"], false);
    assert_eq!(body["results"][1]["duplicate"], false);
    assert_eq!(body["results"][1]["code"], "duplicate_event_id");
    assert_eq!(body["accepted"], 1);
}

async fn a_replayed_idempotency_key_returns_the_first_response(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "IDM", 2, 500).await;
    let path = format!("/v1/sellers/{}/handovers", seller.id);
    let body = json!({"sorting_center": "SZX", "pickup_date": app.today(),
                      "bags": [{"parcels": [parcels[0]], "length_cm": 60, "width_cm": 50, "height_cm": 40}]});
    let send = |b: Value| {
        app.client
            .post(app.url(&path))
            .bearer_auth(&seller.token)
            .header("Idempotency-Key", "key-1")
            .json(&b)
            .send()
    };
    let first = send(body.clone()).await.expect("first");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("json");
    let second = send(body.clone()).await.expect("second");
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(
        second
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let second: Value = second.json().await.expect("json");
    assert_eq!(first["id"], second["id"]);
    let (_, list) = app.get(&path, &seller.token).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let mut other = body;
    other["bags"][0]["parcels"] = json!([parcels[1]]);
    let third = send(other).await.expect("third");
    assert_eq!(third.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let third: Value = third.json().await.expect("json");
    assert_eq!(third["code"], "idempotency_key_reused");
}

async fn a_cancelled_order_leaves_its_bag_until_pickup(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "ORD", 3, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/parcels/ORD0001/cancel", seller.id),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["bag_id"], Value::Null);
    let h = app
        .handover(&seller, handover["id"].as_str().unwrap_or(""))
        .await;
    assert_eq!(h["bags"][0]["parcels"], json!(["ORD0002", "ORD0003"]));
    app.pick_up(&courier, &bag_id(&handover), &app.now(), 1000)
        .await;
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/parcels/ORD0002/cancel", seller.id),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_picked_up");
}

async fn a_bag_is_edited_before_pickup_within_the_limits(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "EDT", 2, 20_000).await;
    app.register(&seller, &[parcel("EDTBIG01", 10_001)]).await;
    let handover = app.book(&seller, &parcels[..1]).await;
    let path = format!(
        "/v1/sellers/{}/handovers/{}/bags/{}/parcels",
        seller.id,
        handover["id"].as_str().unwrap_or(""),
        bag_id(&handover)
    );
    let (status, body) = app
        .post(
            &path,
            &seller.token,
            json!({"tracking_numbers": ["EDT0002"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["weight_g"], 40_000);
    let (status, body) = app
        .post(
            &path,
            &seller.token,
            json!({"tracking_numbers": ["EDTBIG01"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "bag_too_heavy");
    let (status, body) = app
        .delete(
            &path,
            &seller.token,
            Some(json!({"tracking_numbers": ["EDT0001"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["parcels"], json!(["EDT0002"]));
    app.pick_up(&courier, &bag_id(&handover), &app.now(), 20_000)
        .await;
    let (status, body) = app
        .post(
            &path,
            &seller.token,
            json!({"tracking_numbers": ["EDT0001"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_picked_up");
}

async fn handovers_are_listed_newest_first_with_a_cursor(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "LST", 3, 500).await;
    for p in &parcels {
        app.book(&seller, std::slice::from_ref(p)).await;
        app.advance_hours(1);
    }
    let path = format!("/v1/sellers/{}/handovers?limit=2", seller.id);
    let (_, page1) = app.get(&path, &seller.token).await;
    assert_eq!(page1["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page1["items"][0]["bags"][0]["parcels"], json!(["LST0003"]));
    let cursor = page1["next_cursor"].as_str().expect("cursor");
    let (_, page2) = app
        .get(&format!("{path}&cursor={cursor}"), &seller.token)
        .await;
    assert_eq!(page2["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page2["items"][0]["bags"][0]["parcels"], json!(["LST0001"]));
    assert_eq!(page2["next_cursor"], Value::Null);
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/handovers?limit=501", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn tracking_shows_logistics_events_only(app: TestApp) {
    let seller = app.seller().await;
    app.register(&seller, &[parcel("TRK00001", 500)]).await;
    let (status, body) = app.get("/v1/tracking/TRK00001", OPERATOR).await;
    assert_eq!(status, StatusCode::OK);
    let text = body.to_string();
    assert!(
        !text.contains(&seller.id) && !text.contains("Test Road") && !text.contains("order"),
        "{text}"
    );
    assert_eq!(body["status"], "registered");
    let (status, body) = app.get("/v1/tracking/UNKNOWN1", OPERATOR).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "tracking_number_not_found");
}

both!(
    a_bag_of_300_parcels_is_accepted_and_301_refused,
    a_bag_of_50000_g_is_accepted_and_50001_refused,
    sides_of_120_cm_and_a_sum_of_180_are_accepted_one_more_refused,
    parcels_must_be_registered_before_they_are_bagged,
    a_parcel_cannot_be_in_two_open_bags,
    a_parcel_bound_elsewhere_is_refused,
    a_tracking_number_registered_anywhere_is_a_duplicate,
    parcels_for_routes_without_consolidation_are_refused_per_item,
    cancel_before_pickup_frees_the_parcels,
    cancel_after_pickup_is_refused,
    a_cancel_racing_a_pickup_has_exactly_one_winner,
    two_servers_on_one_database_agree_on_every_race,
    intake_backdates_the_first_scan_to_the_pickup,
    unregistered_parcels_take_the_intake_time_and_missing_ones_are_reported,
    a_repeated_scan_is_accepted_once_and_acknowledged_again,
    a_replayed_idempotency_key_returns_the_first_response,
    a_cancelled_order_leaves_its_bag_until_pickup,
    a_bag_is_edited_before_pickup_within_the_limits,
    handovers_are_listed_newest_first_with_a_cursor,
    tracking_shows_logistics_events_only,
);

/// Rule 1: the limits are configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_bag_limits_replace_the_defaults() {
    let rules = firstmile::config::RuleArgs {
        bag_max_parcels: 2,
        bag_max_weight_g: 1_000,
        ..firstmile::config::RuleArgs::default()
    };
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite, rules)
        .await
        .expect("a SQLite app");
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "CFG", 3, 400).await;
    let (status, body) = app.try_book(&seller, &parcels, [60.0, 50.0, 40.0]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "bag_too_many_parcels");
    let (status, body) = app
        .try_book(&seller, &parcels[..2], [60.0, 50.0, 40.0])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let more = app.register_many(&seller, "CFH", 2, 600).await;
    let (status, body) = app.try_book(&seller, &more, [60.0, 50.0, 40.0]).await;
    assert_eq!(body["code"], "bag_too_heavy", "{status} {body}");
}
