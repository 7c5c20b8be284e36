//! Rules 8, 12, 14, 15 and 16 of docs/rules.md over HTTP, the people around a seller:
//! ISVs acting only for the sellers that granted them (and recorded as such in a
//! handover's history), couriers' pickup lists (their cities only, in an optimal
//! order on a small set), pickup failures and reschedules, sorting-center intakes
//! (wrong center, no pickup reported, discrepancies), and overdue bags and claims.

use crate::both;
use crate::helpers::{OPERATOR, Seller, TestApp, parcel};
use firstmile::domain::time::{format_ms, parse_rfc3339};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn bag_id(handover: &Value) -> String {
    handover["bags"][0]["id"]
        .as_str()
        .expect("bag id")
        .to_owned()
}

/// The day `offset` days from today in China, `YYYY-MM-DD`.
fn day(app: &TestApp, offset: i64) -> String {
    (app.clock.today() + chrono::Duration::days(offset)).to_string()
}

async fn handover(app: &TestApp, seller: &Seller, handover_id: &str) -> Value {
    let path = format!("/v1/sellers/{}/handovers/{handover_id}", seller.id);
    let (status, body) = app.get(&path, &seller.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// POSTs with an `Idempotency-Key`; the status.
async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> StatusCode {
    let request = app.client.post(app.url(path)).bearer_auth(token);
    let request = request.header("Idempotency-Key", key).json(body);
    request.send().await.expect("send").status()
}

/// Posts courier event `ev-{n}` for `bag`, now, with the fields of `extra`.
async fn courier_event(app: &TestApp, courier: &str, n: u32, bag: &str, extra: Value) -> Value {
    let mut event = json!({"event_id": format!("ev-{n}"), "bag_id": bag, "occurred_at": app.now()});
    for (k, v) in extra.as_object().expect("object") {
        event[k] = v.clone();
    }
    app.scan(courier, event).await
}

async fn an_isv_acts_only_for_the_sellers_that_granted_it(app: TestApp) {
    let seller = app.seller().await;
    let other = app.seller().await;
    let (status, isv) = app
        .post("/v1/isvs", OPERATOR, json!({"name": "ERP Cloud"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{isv}");
    let isv_id = id(&isv);
    let isv_key = isv["api_key"].as_str().expect("api_key").to_owned();
    let handovers = format!("/v1/sellers/{}/handovers", seller.id);
    let parcels = format!("/v1/sellers/{}/parcels", seller.id);
    let some_parcels = json!({"parcels": [parcel("ISV00001", 500), parcel("ISV00002", 700)]});

    // Before any grant the seller does not exist for the ISV.
    let (status, body) = app.get(&handovers, &isv_key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "seller_not_found");
    let (status, _) = app.post(&parcels, &isv_key, some_parcels.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let grants = format!("/v1/sellers/{}/grants", seller.id);
    let revoke = format!("{grants}/{isv_id}");
    let (status, grant) = app
        .post(&grants, &seller.token, json!({"isv_id": isv_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    assert_eq!(grant["isv_id"], isv_id.as_str());
    assert_eq!(grant["isv_name"], "ERP Cloud");

    // Granted: the ISV registers parcels and books a pickup for the seller.
    let status = post_keyed(&app, &parcels, &isv_key, "isv-1", &some_parcels).await;
    assert_eq!(status, StatusCode::OK);
    let (status, booked) = app
        .post(
            &handovers,
            &isv_key,
            json!({"sorting_center": "SZX", "pickup_date": app.today(),
                   "bags": [{"parcels": ["ISV00001", "ISV00002"], "length_cm": 60, "width_cm": 50, "height_cm": 40}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["seller_id"], seller.id.as_str());
    assert_eq!(booked["bags"][0]["weight_g"], 1200);

    // A seller that did not grant it stays invisible.
    let path = format!("/v1/sellers/{}/handovers", other.id);
    let (status, body) = app.get(&path, &isv_key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let path = format!("/v1/sellers/{}/parcels", other.id);
    let one = json!({"parcels": [parcel("ISV00003", 500)]});
    let (status, _) = app.post(&path, &isv_key, one).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Grants are the seller's own business: an ISV cannot grant or revoke itself.
    let (status, body) = app.post(&grants, &isv_key, json!({"isv_id": isv_id})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "forbidden");
    let (status, _) = app.delete(&revoke, &isv_key, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The seller cancels; the history names who did what.
    let handover_path = format!("{handovers}/{}", id(&booked));
    let (status, body) = app
        .post(&format!("{handover_path}/cancel"), &seller.token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.get(&handover_path, &isv_key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let history = body["history"].as_array().expect("history");
    let entry = |action: &str| history.iter().find(|e| e["action"] == action).cloned();
    let created = entry("created").expect("created");
    assert_eq!(created["actor_role"], "isv", "{created}");
    assert_eq!(created["actor_id"], isv_id.as_str());
    let cancelled = entry("cancelled").expect("cancelled");
    assert_eq!(cancelled["actor_role"], "seller", "{cancelled}");
    assert_eq!(cancelled["actor_id"], seller.id.as_str());

    // Revoked: the ISV loses access at once, to replays of its earlier requests too.
    let (status, body) = app.delete(&revoke, &seller.token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for path in [&handovers, &handover_path] {
        let (status, _) = app.get(path, &isv_key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let status = post_keyed(&app, &parcels, &isv_key, "isv-1", &some_parcels).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.delete(&revoke, &seller.token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "grant_not_found");
}

/// Great-circle distance in metres (haversine, mean Earth radius).
fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let (dlat, dlon) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

fn open_path_m(points: &[(f64, f64)]) -> f64 {
    points.windows(2).map(|w| haversine_m(w[0], w[1])).sum()
}

/// The shortest open path through `points`, by trying every order.
fn shortest_open_path_m(points: &mut Vec<(f64, f64)>, k: usize) -> f64 {
    if k == points.len() {
        return open_path_m(points);
    }
    let mut best = f64::INFINITY;
    for i in k..points.len() {
        points.swap(k, i);
        best = best.min(shortest_open_path_m(points, k + 1));
        points.swap(k, i);
    }
    best
}

async fn couriers_see_their_cities_pickups_in_the_shortest_order(app: TestApp) {
    let points = [
        (22.52, 113.93),
        (22.55, 114.10),
        (22.60, 114.03),
        (22.57, 113.88),
        (22.65, 114.05),
    ];
    let mut booked = Vec::new();
    for (i, point) in points.iter().enumerate() {
        let seller = app.seller_at("440000", "440300", *point, 60).await;
        let tn = format!("RTE{i:05}");
        app.register(&seller, &[parcel(&tn, 1000 + 100 * i as i64)])
            .await;
        booked.push(id(&app.book(&seller, &[tn]).await));
    }
    let path = format!("/v1/courier/pickups?date={}", app.today());

    let guangzhou = app.courier_for(&["440100"]).await;
    let (status, body) = app.get(&path, &guangzhou).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"], json!([]), "{body}");

    let shenzhen = app.courier().await;
    let (status, body) = app.get(&path, &shenzhen).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), points.len(), "{body}");
    let mut route = Vec::new();
    for (k, stop) in items.iter().enumerate() {
        assert_eq!(stop["sequence"], k + 1, "{stop}");
        assert!(booked.iter().any(|h| stop["handover_id"] == h.as_str()));
        let address = &stop["pickup_address"];
        assert_eq!(address["city"], "440300");
        assert_eq!(address["street"], "1 Test Road");
        let at = (
            address["lat"].as_f64().expect("lat"),
            address["lon"].as_f64().expect("lon"),
        );
        let i = points.iter().position(|p| *p == at).expect("a known point");
        assert_eq!(stop["bags"][0]["parcels"], json!([format!("RTE{i:05}")]));
        assert_eq!(stop["declared_weight_g"], 1000 + 100 * i as i64, "{stop}");
        route.push(at);
    }
    let best = shortest_open_path_m(&mut points.to_vec(), 0);
    assert!(
        (open_path_m(&route) - best).abs() < 0.01,
        "route {} m, shortest {best} m",
        open_path_m(&route)
    );
    let reported = body["route_length_m"].as_f64().expect("route_length_m");
    assert!((reported - best).abs() <= 1.0, "{reported} vs {best}");

    // Another day has nothing; sellers and sorting centers may not ask.
    let other_day = format!("/v1/courier/pickups?date={}", day(&app, 1));
    let (_, body) = app.get(&other_day, &shenzhen).await;
    assert_eq!(body["items"], json!([]), "{body}");
    let seller = app.seller().await;
    let center = app.sorting_center("SZX").await;
    for token in [&seller.token, &center] {
        let (status, body) = app.get(&path, token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
}

/// Rule 7: a courier scans only bags of handovers in its own cities. A bag in another
/// city is `bag_not_found`, as if it did not exist, and its event id stays free; the
/// courier of that city picks it up, also in a batch beside another city's bag.
async fn couriers_scan_only_their_cities_bags(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "CTY", 2, 5_000).await;
    let bag = bag_id(&app.book(&seller, &parcels[..1]).await);
    let other_bag = bag_id(&app.book(&seller, &parcels[1..]).await);
    let guangzhou = app.courier_for(&["440100"]).await;
    let shenzhen = app.courier_for(&["440100", "440300"]).await;
    let pickup = json!({"type": "picked_up", "measured_weight_g": 5_000});

    let result = courier_event(&app, &guangzhou, 1, &bag, pickup.clone()).await;
    assert_eq!(result["accepted"], false, "{result}");
    assert_eq!(result["code"], "bag_not_found", "{result}");
    let result = courier_event(&app, &guangzhou, 1, &bag, pickup.clone()).await;
    assert_eq!(
        result["code"], "bag_not_found",
        "the id stays free: {result}"
    );

    let batch = |token: String, first: u32| {
        let events: Vec<Value> = [&bag, &other_bag]
            .iter()
            .enumerate()
            .map(|(k, bag)| {
                json!({"event_id": format!("ev-{}", first + k as u32), "bag_id": bag,
                       "occurred_at": app.now(), "type": "picked_up", "measured_weight_g": 5_000})
            })
            .collect();
        let app = &app;
        async move {
            let (status, body) = app
                .post("/v1/scans", &token, json!({"events": events}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["results"].as_array().expect("results").clone()
        }
    };
    for result in batch(guangzhou, 2).await {
        assert_eq!(result["code"], "bag_not_found", "{result}");
    }
    for result in batch(shenzhen, 1).await {
        assert_eq!(result["accepted"], true, "{result}");
    }
}

async fn a_failed_pickup_is_rescheduled_refused_over_limits_and_cancelled(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "FLD", 2, 5_000).await;
    let booked = app.book(&seller, &parcels).await;
    let (handover_id, bag) = (id(&booked), bag_id(&booked));
    let path = format!("/v1/sellers/{}/handovers/{handover_id}", seller.id);
    let scan = |n: u32, extra: Value| courier_event(&app, &courier, n, &bag, extra);

    // A reason outside the vocabulary is a malformed event: the request is refused.
    let event = json!({"event_id": "ev-1", "bag_id": &bag, "occurred_at": app.now(),
                       "type": "pickup_failed", "reason": "dog_ate_it"});
    let (status, body) = app
        .post("/v1/scans", &courier, json!({"events": [event]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "events[0].reason", "{body}");
    assert_eq!(body["errors"][0]["code"], "invalid_reason", "{body}");
    let h = handover(&app, &seller, &handover_id).await;
    assert_eq!(h["status"], "booked", "{h}");

    let result = scan(
        2,
        json!({"type": "pickup_failed", "reason": "seller_absent"}),
    )
    .await;
    assert_eq!(result["accepted"], true, "{result}");
    assert_eq!(result["code"], "pickup_failed");
    let h = handover(&app, &seller, &handover_id).await;
    assert_eq!(h["status"], "pickup_failed", "{h}");
    assert_eq!(h["failure_reason"], "seller_absent");

    // Rescheduling: never to a past day; tomorrow books it again.
    let reschedule = format!("{path}/reschedule");
    let yesterday = json!({"pickup_date": day(&app, -1)});
    let (status, body) = app.post(&reschedule, &seller.token, yesterday).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "pickup_date_in_past");
    let tomorrow = day(&app, 1);
    let (status, body) = app
        .post(&reschedule, &seller.token, json!({"pickup_date": tomorrow}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "booked");
    assert_eq!(body["pickup_date"], tomorrow.as_str());
    assert_eq!(body["failure_reason"], Value::Null);

    // A measured bag over a limit is not a pickup but a failure.
    let result = scan(3, json!({"type": "picked_up", "measured_weight_g": 50_001})).await;
    assert_eq!(result["accepted"], false, "{result}");
    assert_eq!(result["code"], "bag_over_limits");
    let h = handover(&app, &seller, &handover_id).await;
    assert_eq!(h["status"], "pickup_failed", "{h}");
    assert_eq!(h["failure_reason"], "bag_over_limits");
    assert_eq!(h["bags"][0]["status"], "open");
    assert_eq!(h["bags"][0]["picked_up_at"], Value::Null);

    let (status, body) = app
        .post(&reschedule, &seller.token, json!({"pickup_date": tomorrow}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result = scan(
        4,
        json!({"type": "picked_up", "measured_weight_g": 10_000,
               "length_cm": 121.0, "width_cm": 30.0, "height_cm": 20.0}),
    )
    .await;
    assert_eq!(result["accepted"], false, "{result}");
    assert_eq!(result["code"], "bag_over_limits");
    let h = handover(&app, &seller, &handover_id).await;
    assert_eq!(h["status"], "pickup_failed", "{h}");

    // After a failure the seller may still cancel.
    let (status, body) = app
        .post(&format!("{path}/cancel"), &seller.token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
}

async fn sorting_centers_receive_their_own_bags_and_report_discrepancies(app: TestApp) {
    let seller = app.seller().await;
    let szx = app.sorting_center("SZX").await;
    let yiw = app.sorting_center("YIW").await;
    app.register_many(&seller, "INT", 4, 500).await;
    let (status, booked) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "bags": [
                {"parcels": ["INT0001", "INT0002", "INT0003"], "length_cm": 60, "width_cm": 50, "height_cm": 40},
                {"parcels": ["INT0004"], "length_cm": 30, "width_cm": 30, "height_cm": 30}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let handover_id = id(&booked);
    // The bag of three parcels (bags of one handover come in no set order).
    let first = |h: &Value| -> Value {
        let bags = h["bags"].as_array().expect("bags");
        let three = bags.iter().find(|b| b["parcel_count"] == 3);
        three.expect("the bag of three").clone()
    };
    let bag = id(&first(&booked));

    let result = app.receive(&yiw, &bag, &app.now(), &["INT0001"]).await;
    assert_eq!(result["accepted"], false, "{result}");
    assert_eq!(result["code"], "wrong_sorting_center");

    // Received with no pickup reported: accepted, first scan at the intake time.
    let intake_at = app.now();
    app.advance_hours(2);
    let result = app
        .receive(&szx, &bag, &intake_at, &["INT0001", "INT0002", "STRAY001"])
        .await;
    assert_eq!(result["accepted"], true, "{result}");
    assert_eq!(result["missing"], json!(["INT0003"]));
    assert_eq!(result["unregistered"], json!(["STRAY001"]));
    let h = handover(&app, &seller, &handover_id).await;
    assert_eq!(first(&h)["pickup_not_reported"], true, "{h}");
    assert_eq!(first(&h)["received_at"], intake_at.as_str());
    // One bag has left the seller, so the handover can no longer be cancelled.
    assert_eq!(h["status"], "picked_up");
    let cancel = format!("/v1/sellers/{}/handovers/{handover_id}/cancel", seller.id);
    let (status, body) = app.post(&cancel, &seller.token, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_picked_up");
    let h = handover(&app, &seller, &handover_id).await;
    assert_eq!(
        first(&h)["parcels"],
        json!(["INT0001", "INT0002", "INT0003"])
    );
    for t in ["INT0001", "INT0002"] {
        let (status, body) = app.get(&format!("/v1/tracking/{t}"), &seller.token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["first_scan_basis"], "intake", "{body}");
        assert_eq!(body["first_scan_at"], intake_at.as_str());
    }

    let path = format!("/v1/sorting-centers/SZX/discrepancies?date={}", app.today());
    let (status, body) = app.get(&path, &szx).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let item = |t: &str| json!({"tracking_number": t, "bag_id": bag, "handover_id": handover_id});
    assert_eq!(body["missing"], json!([item("INT0003")]), "{body}");
    assert_eq!(body["unregistered"], json!([item("STRAY001")]), "{body}");
    let (status, _) = app.get(&path, OPERATOR).await;
    assert_eq!(status, StatusCode::OK);
    let other_day = format!(
        "/v1/sorting-centers/SZX/discrepancies?date={}",
        day(&app, -1)
    );
    let (_, body) = app.get(&other_day, &szx).await;
    assert_eq!(body["missing"], json!([]), "{body}");
    assert_eq!(body["unregistered"], json!([]), "{body}");

    let (status, body) = app.get(&path, &yiw).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app.get(&path, &seller.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

async fn overdue_bags_and_missing_parcels_can_be_claimed_and_the_operator_decides(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let szx = app.sorting_center("SZX").await;
    let parcels = app.register_many(&seller, "LOST", 2, 800).await;
    let booked = app.book(&seller, &parcels).await;
    let bag = bag_id(&booked);
    let picked_at = app.now();
    app.pick_up(&courier, &bag, &picked_at, 1600).await;

    let overdue = format!("/v1/sellers/{}/bags?status=overdue", seller.id);
    let (status, body) = app.get(&overdue, &seller.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"], json!([]), "{body}");
    let claims = format!("/v1/sellers/{}/claims", seller.id);
    let claim_bag = json!({"bag_id": bag, "description": "never arrived"});
    let (status, body) = app.post(&claims, &seller.token, claim_bag.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "claim_not_allowed");

    // Overdue once past the route's expected transit (24 h within Shenzhen).
    let h = handover(&app, &seller, &id(&booked)).await;
    let expected_by = h["bags"][0]["expected_by"].as_str().expect("expected_by");
    let expected_ms = parse_rfc3339(expected_by).expect("time");
    let picked_ms = parse_rfc3339(&picked_at).expect("time");
    assert_eq!(expected_ms - picked_ms, 24 * 3_600_000, "{expected_by}");
    app.clock.set_ms(expected_ms);
    let (_, body) = app.get(&overdue, &seller.token).await;
    assert_eq!(body["items"], json!([]), "due, not yet overdue: {body}");
    app.clock.set_ms(expected_ms + 60_000);
    let (_, body) = app.get(&overdue, &seller.token).await;
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["id"], bag.as_str());
    assert_eq!(items[0]["expected_by"], format_ms(expected_ms).as_str());

    let (status, claim) = app.post(&claims, &seller.token, claim_bag).await;
    assert_eq!(status, StatusCode::CREATED, "{claim}");
    assert_eq!(claim["status"], "open");
    assert_eq!(claim["basis"], "overdue_bag");
    let (status, body) = app.get(&claims, &seller.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["items"][0]["id"], claim["id"]);

    // Another seller cannot claim this bag.
    let other = app.seller().await;
    let path = format!("/v1/sellers/{}/claims", other.id);
    let (status, body) = app
        .post(
            &path,
            &other.token,
            json!({"bag_id": bag, "description": "mine?"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Only the operator decides, once.
    let decision = format!("/v1/claims/{}/decision", id(&claim));
    let verdict = json!({"accepted": true, "note": "lost by the courier; refunded"});
    let (status, body) = app.post(&decision, &seller.token, verdict.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app.post(&decision, OPERATOR, verdict.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["decision_note"], "lost by the courier; refunded");
    assert_eq!(body["decided_at"], app.now().as_str());
    let (status, body) = app.post(&decision, OPERATOR, verdict).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "claim_already_decided");
    let (_, body) = app.get(&claims, &seller.token).await;
    assert_eq!(body["items"][0]["status"], "accepted", "{body}");

    // Parcels missing at intake may be claimed; a parcel that was found may not.
    let parcels = app.register_many(&seller, "MISS", 2, 800).await;
    let booked = app.book(&seller, &parcels).await;
    let bag = bag_id(&booked);
    app.pick_up(&courier, &bag, &app.now(), 1600).await;
    app.advance_hours(3);
    let result = app.receive(&szx, &bag, &app.now(), &["MISS0001"]).await;
    assert_eq!(result["missing"], json!(["MISS0002"]), "{result}");
    let (status, body) = app
        .post(
            &claims,
            &seller.token,
            json!({"bag_id": bag, "tracking_numbers": ["MISS0001"], "description": "found?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "claim_not_allowed");
    let (status, body) = app
        .post(
            &claims,
            &seller.token,
            json!({"bag_id": bag, "description": "the bag arrived"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = app
        .post(
            &claims,
            &seller.token,
            json!({"bag_id": bag, "tracking_numbers": ["MISS0002"], "description": "missing at intake"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["basis"], "missing_parcels");
    assert_eq!(body["tracking_numbers"], json!(["MISS0002"]));
    assert_eq!(body["status"], "open");
}

both!(
    an_isv_acts_only_for_the_sellers_that_granted_it,
    couriers_see_their_cities_pickups_in_the_shortest_order,
    couriers_scan_only_their_cities_bags,
    a_failed_pickup_is_rescheduled_refused_over_limits_and_cancelled,
    sorting_centers_receive_their_own_bags_and_report_discrepancies,
    overdue_bags_and_missing_parcels_can_be_claimed_and_the_operator_decides,
);
