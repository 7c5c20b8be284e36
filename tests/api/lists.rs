//! Scan integrity (rule 14: a reused event id with another payload is refused), and
//! the list conventions of docs/api.md ("Paging and filters"): every list is paged,
//! an unknown filter value is 422 with the allowed values, an unknown query
//! parameter is 400 naming it; and idempotency records expire.

use crate::both;
use crate::helpers::{OPERATOR, TestApp, parcel};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn bag_of(handover: &Value) -> String {
    handover["bags"][0]["id"].as_str().expect("bag").to_owned()
}

async fn post_events(app: &TestApp, token: &str, events: Value) -> Vec<Value> {
    let (status, body) = app
        .post("/v1/scans", token, json!({"events": events}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"].as_array().expect("results").clone()
}

async fn a_reused_event_id_with_another_payload_is_refused(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let tns = app.register_many(&seller, "EVR", 2, 500).await;
    let bag = bag_of(&app.book(&seller, &tns).await);
    let at = app.now();
    let event = |weight: i64| {
        json!({"event_id": "ev-1", "type": "picked_up", "bag_id": bag, "occurred_at": at,
               "measured_weight_g": weight})
    };
    let first = post_events(&app, &courier, json!([event(1000)])).await;
    assert_eq!(
        (first[0]["accepted"].clone(), first[0]["duplicate"].clone()),
        (json!(true), json!(false))
    );
    let again = post_events(&app, &courier, json!([event(1000)])).await;
    assert_eq!(again[0]["accepted"], true, "{again:?}");
    assert_eq!(
        again[0]["duplicate"], true,
        "an identical repeat is acknowledged"
    );
    assert_eq!(again[0]["code"], first[0]["code"]);
    let changed = post_events(&app, &courier, json!([event(1200), event(1000)])).await;
    assert_eq!(changed[0]["accepted"], false, "{changed:?}");
    assert_eq!(changed[0]["code"], "event_id_reused");
    assert_eq!(changed[1]["code"], "duplicate_event_id", "{changed:?}");
    // Within one batch, an id names one event: later ones are refused, whatever they say.
    let failed = |reason: &str| json!({"event_id": "ev-2", "type": "pickup_failed", "bag_id": bag, "occurred_at": at, "reason": reason});
    let batch = post_events(
        &app,
        &courier,
        json!([failed("other"), failed("other"), failed("not_ready")]),
    )
    .await;
    assert_ne!(batch[0]["code"], "duplicate_event_id", "{batch:?}");
    for later in [1, 2] {
        assert_eq!(batch[later]["accepted"], false, "{batch:?}");
        assert_eq!(batch[later]["duplicate"], false, "{batch:?}");
        assert_eq!(batch[later]["code"], "duplicate_event_id", "{batch:?}");
    }
    // Only the first was stored: posted again alone, it is its first result again.
    let alone = post_events(&app, &courier, json!([failed("other")])).await;
    assert_eq!(alone[0]["duplicate"], true, "{alone:?}");
    assert_eq!(alone[0]["code"], batch[0]["code"], "{alone:?}");
    let other = post_events(&app, &courier, json!([failed("not_ready")])).await;
    assert_eq!(other[0]["code"], "event_id_reused", "{other:?}");
    // The first pickup stands, as first reported.
    let (_, h) = app
        .get(&format!("/v1/sellers/{}/bags", seller.id), &seller.token)
        .await;
    assert_eq!(h["items"][0]["measured_weight_g"], 1000, "{h}");
}

async fn unknown_filter_values_and_parameters_are_refused(app: TestApp) {
    let seller = app.seller().await;
    for (list, allowed) in [("handovers", "booked"), ("bags", "overdue")] {
        let path = format!("/v1/sellers/{}/{list}?status=bogus", seller.id);
        let (status, body) = app.get(&path, &seller.token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "status", "{body}");
        let message = body["errors"][0]["message"].as_str().expect("message");
        assert!(message.contains(allowed), "{message}");
    }
    let path = format!(
        "/v1/sellers/{}/handovers?stauts=booked&limit=5&colour=red",
        seller.id
    );
    let (status, body) = app.get(&path, &seller.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "unknown_query_parameter");
    let named: Vec<Value> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(named, vec![json!("stauts"), json!("colour")]);
    for path in [
        format!("/v1/sellers/{}/grants?page=2", seller.id),
        format!("/v1/sellers/{}/claims?sort=asc", seller.id),
        format!("/v1/sellers/{}/keys?all=1", seller.id),
        "/v1/courier/pickups?day=2026-11-26".to_owned(),
    ] {
        let token = if path.contains("courier") {
            app.courier().await
        } else {
            seller.token.clone()
        };
        let (status, body) = app.get(&path, &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/handovers?status=booked", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Follows a list at `path` in pages of `limit`; the pages' item counts and all items.
async fn pages(app: &TestApp, path: &str, token: &str, limit: usize) -> (Vec<usize>, Vec<Value>) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (mut sizes, mut items, mut cursor) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = app.get(&url, token).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        let page = body["items"].as_array().expect("items").clone();
        sizes.push(page.len());
        items.extend(page);
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (sizes, items),
        }
    }
}

async fn grants_claims_and_courier_pickups_are_paged(app: TestApp) {
    let seller = app.seller().await;
    let grants = format!("/v1/sellers/{}/grants", seller.id);
    for name in ["A", "B", "C"] {
        let (_, isv) = app.post("/v1/isvs", OPERATOR, json!({"name": name})).await;
        let (status, _) = app
            .post(&grants, &seller.token, json!({"isv_id": isv["id"]}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        app.clock.set_ms(app.clock.now_ms() + 1000);
    }
    let (sizes, items) = pages(&app, &grants, &seller.token, 2).await;
    assert_eq!(sizes, vec![2, 1]);
    let names: Vec<Value> = items.iter().map(|g| g["isv_name"].clone()).collect();
    assert_eq!(
        names,
        vec![json!("A"), json!("B"), json!("C")],
        "oldest first"
    );
    let (_, body) = app.get(&grants, &seller.token).await;
    assert_eq!(
        (
            body["items"].as_array().map(Vec::len),
            body["next_cursor"].clone()
        ),
        (Some(3), Value::Null)
    );
    let (status, body) = app
        .get(&format!("{grants}?cursor=nonsense"), &seller.token)
        .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_cursor"))
    );

    // Three claims for parcels missing at intake, newest first.
    let courier = app.courier().await;
    let szx = app.sorting_center("SZX").await;
    let tns = app.register_many(&seller, "PGC", 3, 400).await;
    let bag = bag_of(&app.book(&seller, &tns).await);
    app.pick_up(&courier, &bag, &app.now(), 1200).await;
    app.receive(&szx, &bag, &app.now(), &[]).await;
    let claims = format!("/v1/sellers/{}/claims", seller.id);
    for tn in &tns {
        app.clock.set_ms(app.clock.now_ms() + 1000);
        let body = json!({"bag_id": bag, "tracking_numbers": [tn], "description": "missing"});
        let (status, body) = app.post(&claims, &seller.token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (sizes, items) = pages(&app, &claims, &seller.token, 2).await;
    assert_eq!(sizes, vec![2, 1]);
    let claimed: Vec<Value> = items
        .iter()
        .map(|c| c["tracking_numbers"][0].clone())
        .collect();
    assert_eq!(
        claimed,
        vec![json!(tns[2]), json!(tns[1]), json!(tns[0])],
        "newest first"
    );

    // Three pickups in Shenzhen today, in route order over the pages.
    let mut sellers = Vec::new();
    for i in 0..3 {
        let s = app
            .seller_at(
                "440000",
                "440300",
                (22.54 + 0.01 * f64::from(i), 114.05),
                60,
            )
            .await;
        let tn = format!("PGP{i:04}");
        app.register(&s, &[parcel(&tn, 500)]).await;
        app.book(&s, &[tn]).await;
        sellers.push(s);
    }
    let route = format!("/v1/courier/pickups?date={}", app.today());
    let (_, whole) = app.get(&route, &courier).await;
    let (sizes, items) = pages(&app, &route, &courier, 2).await;
    assert_eq!(sizes, vec![2, 1]);
    assert_eq!(
        &items,
        whole["items"].as_array().expect("items"),
        "pages are stretches of one route"
    );
    let sequences: Vec<Value> = items.iter().map(|s| s["sequence"].clone()).collect();
    assert_eq!(sequences, vec![json!(1), json!(2), json!(3)]);
    // Each stop of every page carries its own handover's bags and parcels.
    let mut route_parcels: Vec<String> = items
        .iter()
        .flat_map(|s| {
            let bags = s["bags"].as_array().cloned().unwrap_or_default();
            assert_eq!(bags.len(), 1, "{s}");
            assert_eq!(s["declared_weight_g"], bags[0]["weight_g"], "{s}");
            bags[0]["parcels"].as_array().cloned().unwrap_or_default()
        })
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    route_parcels.sort();
    assert_eq!(route_parcels, ["PGP0000", "PGP0001", "PGP0002"]);
    for stop in &items {
        let seller = sellers
            .iter()
            .find(|s| stop["seller_id"] == s.id.as_str())
            .expect("the stop's seller");
        let (_, handover) = app
            .get(
                &format!(
                    "/v1/sellers/{}/handovers/{}",
                    seller.id,
                    stop["handover_id"].as_str().expect("id")
                ),
                &seller.token,
            )
            .await;
        assert_eq!(stop["bags"][0]["id"], handover["bags"][0]["id"], "{stop}");
    }
    let (_, first) = app.get(&format!("{route}&limit=2"), &courier).await;
    assert_eq!(first["route_length_m"], whole["route_length_m"]);
    let tomorrow = (app.clock.today() + chrono::Days::new(1)).to_string();
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let (status, body) = app
        .get(
            &format!("/v1/courier/pickups?date={tomorrow}&cursor={cursor}"),
            &courier,
        )
        .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_cursor"))
    );
}

/// POSTs an ISV creation under an `Idempotency-Key`; the status.
async fn keyed_isv(app: &TestApp, key: &str, name: &str) -> StatusCode {
    let request = app.client.post(app.url("/v1/isvs")).bearer_auth(OPERATOR);
    let request = request
        .header("Idempotency-Key", key)
        .json(&json!({"name": name}));
    request.send().await.expect("send").status()
}

async fn expired_idempotency_records_are_swept(app: TestApp) {
    assert_eq!(keyed_isv(&app, "once", "A").await, StatusCode::CREATED);
    // Kept while young: the test servers sweep every second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        keyed_isv(&app, "once", "B").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.advance_hours(23);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        keyed_isv(&app, "once", "B").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.advance_hours(2);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match keyed_isv(&app, "once", "B").await {
            StatusCode::CREATED => break,
            status => assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY),
        }
        assert!(Instant::now() < deadline, "the record was not swept");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

both!(
    a_reused_event_id_with_another_payload_is_refused,
    unknown_filter_values_and_parameters_are_refused,
    grants_claims_and_courier_pickups_are_paged,
    expired_idempotency_records_are_swept,
);
