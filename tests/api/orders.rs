//! The order feed (docs/rules.md, rule 20): precedence and idempotency, the parcels of
//! an order voided before pickup leave their bag in one transaction, those voided
//! after pickup are flagged at intake, and parcels of orders not valid are not planned.

use crate::both;
use crate::helpers::{OPERATOR, Seller, TestApp, parcel};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn update(order_id: &str, status: &str, reason: Option<&str>) -> Value {
    let mut u =
        json!({"order_id": order_id, "created_at": "2026-11-25T04:00:00Z", "status": status});
    if let Some(r) = reason {
        u["cancel_reason"] = json!(r);
    }
    u
}

async fn put_orders(app: &TestApp, seller: &Seller, orders: Vec<Value>) -> Value {
    let (status, body) = app
        .put(
            &format!("/v1/sellers/{}/orders", seller.id),
            &seller.token,
            json!({"orders": orders}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn outcomes(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The seller's `parcel.voided` events, oldest first.
async fn voided_events(app: &TestApp, seller: &Seller) -> Vec<Value> {
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/events?types=parcel.voided", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().expect("items").clone()
}

fn with_order(tracking: &str, order: &str, weight_g: i64) -> Value {
    let mut p = parcel(tracking, weight_g);
    p["order_id"] = json!(order);
    p
}

async fn updates_move_forward_by_precedence_and_repeat_harmlessly(app: TestApp) {
    let seller = app.seller().await;
    let body = put_orders(&app, &seller, vec![update("A-1", "valid", None)]).await;
    assert_eq!(outcomes(&body), ["applied"]);
    let body = put_orders(&app, &seller, vec![update("A-1", "valid", None)]).await;
    assert_eq!(outcomes(&body), ["unchanged"]);
    let body = put_orders(&app, &seller, vec![update("A-1", "pending", None)]).await;
    assert_eq!(outcomes(&body), ["superseded"]);
    // Out of order within one batch: the cancellation wins, the late `valid` is moot.
    let body = put_orders(
        &app,
        &seller,
        vec![
            update("A-2", "cancelled", Some("buyer")),
            update("A-2", "valid", None),
        ],
    )
    .await;
    assert_eq!(outcomes(&body), ["applied", "superseded"]);
    let body = put_orders(
        &app,
        &seller,
        vec![update("A-1", "cancelled", Some("buyer"))],
    )
    .await;
    assert_eq!(outcomes(&body), ["applied"]);
    let body = put_orders(&app, &seller, vec![update("A-1", "invalid", None)]).await;
    assert_eq!(outcomes(&body), ["superseded"]);
}

async fn bad_order_batches_are_refused_with_their_field(app: TestApp) {
    let seller = app.seller().await;
    let path = format!("/v1/sellers/{}/orders", seller.id);
    let many: Vec<Value> = (0..1001)
        .map(|i| update(&format!("M-{i}"), "valid", None))
        .collect();
    let (status, body) = app.put(&path, &seller.token, json!({"orders": many})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "orders");
    let (status, body) = app
        .put(
            &path,
            &seller.token,
            json!({"orders": [update("B-1", "valid", Some("buyer"))]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "orders[0].cancel_reason");
    let (status, body) = app
        .put(
            &path,
            &seller.token,
            json!({"orders": [{"order_id": "B-2", "created_at": "yesterday", "status": "valid"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "orders[0].created_at");
    let (status, body) = app
        .put(&path, &seller.token, json!({"orders": [{"order_id": "B-3", "created_at": "2026-11-25T04:00:00Z", "status": "shipped"}]}))
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let other = app.seller().await;
    let (status, body) = app
        .put(
            &path,
            &other.token,
            json!({"orders": [update("B-4", "valid", None)]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

async fn an_order_cancelled_before_pickup_leaves_its_bag_in_one_transaction(app: TestApp) {
    let seller = app.seller().await;
    app.register(
        &seller,
        &[
            with_order("CXL00001", "O-1", 400),
            with_order("CXL00002", "O-1", 300),
            with_order("CXL00003", "O-2", 200),
        ],
    )
    .await;
    put_orders(
        &app,
        &seller,
        vec![update("O-1", "valid", None), update("O-2", "valid", None)],
    )
    .await;
    let parcels: Vec<String> = ["CXL00001", "CXL00002", "CXL00003"]
        .map(String::from)
        .to_vec();
    let handover = app.book(&seller, &parcels).await;
    let hid = handover["id"].as_str().expect("id").to_owned();
    let bag = handover["bags"][0]["id"].as_str().expect("bag").to_owned();
    let body = put_orders(
        &app,
        &seller,
        vec![update("O-1", "cancelled", Some("buyer"))],
    )
    .await;
    let removed: Vec<&str> = body["parcels_removed"]
        .as_array()
        .expect("removed")
        .iter()
        .map(|p| p["tracking_number"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(removed, ["CXL00001", "CXL00002"]);
    assert_eq!(body["parcels_removed"][0]["bag_id"], bag.as_str());
    let h = app.handover(&seller, &hid).await;
    assert_eq!(h["status"], "booked");
    assert_eq!(h["bags"][0]["status"], "open");
    assert_eq!(h["bags"][0]["parcels"], json!(["CXL00003"]));
    assert_eq!(h["bags"][0]["weight_g"], 200);
    let history = h["history"].as_array().expect("history");
    let entry = history
        .iter()
        .find(|e| e["action"] == "order_void_parcels_removed")
        .expect("history says why");
    let detail = entry["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("O-1 cancelled (buyer)") && detail.contains("CXL00001"),
        "{detail}"
    );
    let (_, p) = app
        .get(
            &format!("/v1/sellers/{}/parcels/CXL00001", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(p["status"], "cancelled", "{p}");
    // One event per parcel that left the bag, written with the change.
    let events = voided_events(&app, &seller).await;
    let data: Vec<&Value> = events.iter().map(|e| &e["data"]).collect();
    assert_eq!(data.len(), 2, "{events:?}");
    for (d, tracking) in data.iter().zip(["CXL00001", "CXL00002"]) {
        assert_eq!(d["tracking_number"], tracking);
        assert_eq!(d["order_id"], "O-1");
        assert_eq!(d["order_status"], "cancelled");
        assert_eq!(d["cancel_reason"], "buyer");
        assert_eq!(d["effect"], "removed");
        assert_eq!(d["bag_id"], bag.as_str());
        assert_eq!(d["handover_id"], hid.as_str());
    }
    // A repeat of the update voids nothing more, and says nothing more.
    put_orders(
        &app,
        &seller,
        vec![update("O-1", "cancelled", Some("buyer"))],
    )
    .await;
    assert_eq!(voided_events(&app, &seller).await.len(), 2);
    // The bag still meets its limits, and goes on to its pickup.
    let courier = app.courier().await;
    let result = app.pick_up(&courier, &bag, &app.now(), 200).await;
    assert_eq!(result["accepted"], true, "{result}");
    // A parcel of the cancelled order cannot go back into a bag.
    let (status, body) = app
        .try_book(&seller, &["CXL00001".to_owned()], [40.0, 30.0, 20.0])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "parcel_cancelled");
}

/// Books `parcels` of the seller in one handover and has a courier pick its bag up;
/// returns the handover and the bag's id.
async fn booked_and_picked_up(app: &TestApp, seller: &Seller, parcels: &[&str]) -> (Value, String) {
    let parcels: Vec<String> = parcels.iter().map(|p| (*p).to_owned()).collect();
    let handover = app.book(seller, &parcels).await;
    let bag = handover["bags"][0]["id"].as_str().expect("bag").to_owned();
    let courier = app.courier().await;
    let picked = app.pick_up(&courier, &bag, &app.now(), 700).await;
    assert_eq!(picked["accepted"], true, "{picked}");
    (handover, bag)
}

async fn an_order_cancelled_after_pickup_is_flagged_at_intake(app: TestApp) {
    let seller = app.seller().await;
    app.register(
        &seller,
        &[
            with_order("LATE0001", "L-1", 400),
            with_order("LATE0002", "L-2", 300),
        ],
    )
    .await;
    let (handover, bag) = booked_and_picked_up(&app, &seller, &["LATE0001", "LATE0002"]).await;
    app.advance_hours(1);
    let body = put_orders(&app, &seller, vec![update("L-1", "invalid", None)]).await;
    assert_eq!(body["parcels_removed"], json!([]));
    assert_eq!(body["parcels_flagged"][0]["tracking_number"], "LATE0001");
    let events = voided_events(&app, &seller).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let d = &events[0]["data"];
    assert_eq!(d["tracking_number"], "LATE0001");
    assert_eq!(d["order_status"], "invalid");
    assert_eq!(d["cancel_reason"], Value::Null);
    assert_eq!(d["effect"], "flagged");
    assert_eq!(d["bag_id"], bag.as_str());
    let h = app
        .handover(&seller, handover["id"].as_str().expect("id"))
        .await;
    assert_eq!(h["bags"][0]["parcels"], json!(["LATE0001", "LATE0002"]));
    app.advance_hours(5);
    let center = app.sorting_center("SZX").await;
    let result = app
        .receive(&center, &bag, &app.now(), &["LATE0001", "LATE0002"])
        .await;
    assert_eq!(result["accepted"], true, "{result}");
    assert_eq!(result["order_cancelled"], json!(["LATE0001"]));
    let (status, report) = app
        .get(
            &format!("/v1/sorting-centers/SZX/discrepancies?date={}", app.today()),
            &center,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["order_cancelled"][0]["tracking_number"], "LATE0001");
    let (_, tracking) = app.get("/v1/tracking/LATE0001", &seller.token).await;
    let kinds: Vec<&str> = tracking["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str().or(e["event_type"].as_str()))
        .collect();
    assert!(kinds.contains(&"order_cancelled"), "{tracking}");
    let (_, other) = app.get("/v1/tracking/LATE0002", OPERATOR).await;
    assert!(!other.to_string().contains("order_cancelled"), "{other}");
    // An order voided after the intake shows in that day's discrepancies too.
    let body = put_orders(&app, &seller, vec![update("L-2", "invalid", None)]).await;
    assert_eq!(body["parcels_flagged"][0]["tracking_number"], "LATE0002");
    let (_, report) = app
        .get(
            &format!("/v1/sorting-centers/SZX/discrepancies?date={}", app.today()),
            &center,
        )
        .await;
    let held: Vec<&str> = report["order_cancelled"]
        .as_array()
        .expect("order_cancelled")
        .iter()
        .filter_map(|p| p["tracking_number"].as_str())
        .collect();
    assert_eq!(held, ["LATE0001", "LATE0002"], "{report}");
}

async fn parcels_of_orders_not_valid_are_not_planned(app: TestApp) {
    let seller = app.seller().await;
    app.register(
        &seller,
        &[
            with_order("PLN00001", "P-1", 400),
            with_order("PLN00002", "P-2", 300),
            with_order("PLN00003", "P-3", 200),
        ],
    )
    .await;
    // P-1 invalid, P-2 still pending, P-3 unknown to the feed (planned as before).
    put_orders(
        &app,
        &seller,
        vec![
            update("P-1", "invalid", None),
            update("P-2", "pending", None),
        ],
    )
    .await;
    let (status, plan) = app
        .post(
            &format!("/v1/sellers/{}/plans", seller.id),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["bags"][0]["parcels"], json!(["PLN00003"]), "{plan}");
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/plans", seller.id),
            &seller.token,
            json!({"tracking_numbers": ["PLN00002"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "order_not_valid");
    put_orders(&app, &seller, vec![update("P-2", "valid", None)]).await;
    let (status, handover) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "auto_plan": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{handover}");
    let mut bagged: Vec<String> = handover["bags"]
        .as_array()
        .expect("bags")
        .iter()
        .flat_map(|b| b["parcels"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    bagged.sort();
    assert_eq!(bagged, ["PLN00002", "PLN00003"]);
}

/// A parcel found in a bag it was not registered in, whose order is voided after that
/// intake, shows in the sorting center's discrepancies under the bag it was found in.
async fn an_order_voided_after_a_stray_parcel_was_found_shows_in_discrepancies(app: TestApp) {
    let seller = app.seller().await;
    app.register(
        &seller,
        &[
            with_order("STRAY001", "ST-1", 400),
            with_order("BAGGED01", "ST-2", 300),
        ],
    )
    .await;
    let (_, bag) = booked_and_picked_up(&app, &seller, &["BAGGED01"]).await;
    app.advance_hours(5);
    let center = app.sorting_center("SZX").await;
    let result = app
        .receive(&center, &bag, &app.now(), &["BAGGED01", "STRAY001"])
        .await;
    assert_eq!(result["unregistered"], json!(["STRAY001"]), "{result}");
    assert_eq!(result["order_cancelled"], Value::Null, "{result}");
    let body = put_orders(&app, &seller, vec![update("ST-1", "invalid", None)]).await;
    assert_eq!(body["parcels_flagged"], json!([]), "{body}");
    let (_, report) = app
        .get(
            &format!("/v1/sorting-centers/SZX/discrepancies?date={}", app.today()),
            &center,
        )
        .await;
    let held: Vec<(&str, &str)> = report["order_cancelled"]
        .as_array()
        .expect("order_cancelled")
        .iter()
        .filter_map(|p| Some((p["tracking_number"].as_str()?, p["bag_id"].as_str()?)))
        .collect();
    assert_eq!(held, [("STRAY001", bag.as_str())], "{report}");
}

both!(
    updates_move_forward_by_precedence_and_repeat_harmlessly,
    bad_order_batches_are_refused_with_their_field,
    an_order_cancelled_before_pickup_leaves_its_bag_in_one_transaction,
    an_order_cancelled_after_pickup_is_flagged_at_intake,
    an_order_voided_after_a_stray_parcel_was_found_shows_in_discrepancies,
    parcels_of_orders_not_valid_are_not_planned,
);
