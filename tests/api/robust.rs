//! Never a 500, and never an answer that cannot be (docs/api.md, "Input",
//! "Concurrency", "Idempotency"; docs/rules.md, rules 14 and 23): races on two
//! servers, odd input sent to both databases alike, times that cannot be, and the
//! courier's cached route.

use crate::both;
use crate::helpers::{Backend, OPERATOR, Seller, TestApp};
use firstmile::config::RuleArgs;
use rand::seq::SliceRandom;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Instant;

fn bag_of(handover: &Value, i: usize) -> String {
    handover["bags"][i]["id"]
        .as_str()
        .expect("bag id")
        .to_owned()
}

/// A request with a raw body (or none), answered as (status, JSON or text).
async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn pickup(event_id: &str, bag: &str, at: &str) -> Value {
    json!({"event_id": event_id, "type": "picked_up", "bag_id": bag, "occurred_at": at,
           "measured_weight_g": 600})
}

/// Latencies, sorted, as (p50, p99, max) in milliseconds.
fn spread(latencies: &mut [u128]) -> (u128, u128, u128) {
    latencies.sort_unstable();
    (
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 99 / 100],
        *latencies.last().unwrap_or(&0),
    )
}

const PAIRS: usize = 200;

/// Transactions run again after a deadlock or serialisation failure, so far (the
/// metrics recorder is the process's, shared by every test server).
async fn retries(app: &TestApp) -> f64 {
    crate::ops::metrics_text(app)
        .await
        .lines()
        .filter(|l| l.starts_with("firstmile_db_transaction_retries_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Two servers on one database: 200 pairs of scan batches naming the same two
/// handovers' bags in opposite orders (pickups, then intakes), and 200 pairs of
/// bookings of the same two parcels in reversed bag order. Every answer is 200 or
/// the loser's 409; each bag is picked up and received once, each parcel booked once.
async fn racing_batches_and_bookings_on_two_servers_never_fail(app: TestApp) {
    let other = app.another_server().await;
    let seller = app.seller().await;
    let (courier_a, courier_b) = (app.courier().await, app.courier().await);
    let (center_a, center_b) = (
        app.sorting_center("SZX").await,
        app.sorting_center("SZX").await,
    );
    let parcels = app.register_many(&seller, "RACE", 2 * PAIRS, 100).await;
    let mut bags = Vec::with_capacity(2 * PAIRS);
    for tn in &parcels {
        bags.push(bag_of(
            &app.book(&seller, std::slice::from_ref(tn)).await,
            0,
        ));
    }
    let retried_before = retries(&app).await;
    let mut latencies = Vec::new();
    let mut rng = rand::thread_rng();
    for phase in ["picked_up", "received"] {
        for (k, pair) in bags.chunks(2).enumerate() {
            let event = |who: &str, bag: &str| {
                let id = format!("{phase}-{who}-{k}-{bag}");
                if phase == "picked_up" {
                    pickup(&id, bag, &app.now())
                } else {
                    json!({"event_id": id, "type": "received", "bag_id": bag,
                           "occurred_at": app.now(), "parcels_found": []})
                }
            };
            let mut first = vec![event("a", &pair[0]), event("a", &pair[1])];
            first.shuffle(&mut rng);
            let second: Vec<Value> = first
                .iter()
                .rev()
                .map(|e| event("b", e["bag_id"].as_str().expect("bag")))
                .collect();
            let (token_a, token_b) = if phase == "picked_up" {
                (&courier_a, &courier_b)
            } else {
                (&center_a, &center_b)
            };
            let started = Instant::now();
            let ((status_a, a), (status_b, b)) = tokio::join!(
                app.post("/v1/scans", token_a, json!({"events": first})),
                other.post("/v1/scans", token_b, json!({"events": second})),
            );
            latencies.push(started.elapsed().as_millis());
            assert_eq!(
                (status_a, status_b),
                (StatusCode::OK, StatusCode::OK),
                "{a} {b}"
            );
            let loser = if phase == "picked_up" {
                "already_picked_up"
            } else {
                "already_received"
            };
            for bag in pair {
                let codes: Vec<&str> = a["results"]
                    .as_array()
                    .into_iter()
                    .chain(b["results"].as_array())
                    .flatten()
                    .filter(|r| {
                        r["event_id"]
                            .as_str()
                            .is_some_and(|id| id.ends_with(bag.as_str()))
                    })
                    .filter_map(|r| r["code"].as_str())
                    .collect();
                let mut sorted = codes.clone();
                sorted.sort_unstable();
                let mut expected = vec![phase, loser];
                expected.sort_unstable();
                assert_eq!(sorted, expected, "bag {bag}: {a} {b}");
            }
        }
    }
    let more = app.register_many(&seller, "BOOK", 2 * PAIRS, 100).await;
    let path = format!("/v1/sellers/{}/handovers", seller.id);
    for pair in more.chunks(2) {
        let booking = |order: [&String; 2]| {
            json!({"sorting_center": "SZX", "pickup_date": app.today(),
                   "bags": order.iter().map(|tn| json!({"parcels": [tn], "length_cm": 30, "width_cm": 20, "height_cm": 10})).collect::<Vec<_>>()})
        };
        let started = Instant::now();
        let ((status_a, a), (status_b, b)) = tokio::join!(
            app.post(&path, &seller.token, booking([&pair[0], &pair[1]])),
            other.post(&path, &seller.token, booking([&pair[1], &pair[0]])),
        );
        latencies.push(started.elapsed().as_millis());
        let mut statuses = [status_a, status_b];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{a} {b}"
        );
        let loser = if status_a == StatusCode::CONFLICT {
            &a
        } else {
            &b
        };
        assert_eq!(loser["code"], "parcel_already_bagged", "{loser}");
    }
    let (p50, p99, max) = spread(&mut latencies);
    eprintln!(
        "racing pairs: {} pairs, p50 {p50} ms, p99 {p99} ms, max {max} ms",
        latencies.len()
    );
    // The locks are taken in one order: no deadlock ever needed the retry.
    assert_eq!(
        retries(&app).await,
        retried_before,
        "deadlocks were retried"
    );
}

/// The odd-input corpus: (method, path, body) and the status and code every backend
/// must answer.
fn corpus(seller: &Seller, handover_id: &str) -> Vec<(reqwest::Method, String, Option<Vec<u8>>)> {
    use reqwest::Method;
    let s = &seller.id;
    let address = r#""pickup_address": {"province": "440000", "city": "440300", "street": "1 Road", "lat": 22.5, "lon": 114.0}"#;
    let good_parcel = r#"{"tracking_number": "ODD00001", "order_id": "O-1", "weight_g": 100, "length_cm": 10, "width_cm": 10, "height_cm": 10, "sorting_center": "SZX"}"#;
    let body = |text: &str| Some(text.as_bytes().to_vec());
    let deep = format!("{{\"zzz\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        (
            Method::POST,
            "/v1/sellers".into(),
            body(&format!(r#"{{"name": "A\u0000B", {address}}}"#)),
        ),
        (
            Method::POST,
            "/v1/sellers".into(),
            body(&format!(
                r#"{{"name": "A", {}}}"#,
                address.replace("1 Road", "1\\u0000Road")
            )),
        ),
        (
            Method::POST,
            "/v1/isvs".into(),
            body(r#"{"name": "isv\u0000"}"#),
        ),
        (
            Method::POST,
            "/v1/couriers".into(),
            body(r#"{"name": "c\u0001", "cities": ["440300"]}"#),
        ),
        (
            Method::PUT,
            format!("/v1/sellers/{s}/order-volumes"),
            body(
                r#"{"days": [{"date": "2026-11-01", "orders": 5}, {"date": "2026-11-01", "orders": 7}]}"#,
            ),
        ),
        (
            Method::PUT,
            format!("/v1/sellers/{s}/order-volumes"),
            body(r#"{"days": [{"date": "2020-1-1", "orders": 5}]}"#),
        ),
        (
            Method::PUT,
            format!("/v1/sellers/{s}/order-volumes"),
            body(r#"{"days": [{"date": "+10000-01-01", "orders": 5}]}"#),
        ),
        (
            Method::PUT,
            format!("/v1/sellers/{s}/order-volumes"),
            body(r#"{"days": [{"date": "2026-11-01", "orders": 1e300}]}"#),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/parcels"),
            body(&format!(r#"{{"parcels": [{good_parcel}]}} garbage"#)),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/parcels"),
            body(&format!(
                r#"{{"parcels": []}} {{"parcels": [{good_parcel}]}}"#
            )),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/parcels"),
            body(&format!(
                r#"{{"parcels": [{}]}}"#,
                good_parcel.replace("O-1", "O\\u0000")
            )),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/parcels"),
            body(&format!(
                r#"{{"parcels": [{}]}}"#,
                good_parcel.replace("100,", "99999999999999999999999,")
            )),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/parcels"),
            body(&format!(
                r#"{{"parcels": [{}]}}"#,
                good_parcel.replace("\"weight_g\"", "\"wieght_g\"")
            )),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/parcels"),
            body(r#"{"parcels": [], "parcels": []}"#),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/plans"),
            body("{} garbage"),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/plans"),
            Some(deep.into_bytes()),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/plans"),
            Some(b"{\"x\": \"\xff\xfe\"}".to_vec()),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/handovers"),
            body(
                r#"{"sorting_center": "SZX", "pickup_date": "2026-11-26", "bags": [{"parcels": ["AB\u0000CD"], "length_cm": 10, "width_cm": 10, "height_cm": 10}]}"#,
            ),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/handovers/{handover_id}/reschedule"),
            body(r#"{"pickup_date": "2026-1-1"}"#),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/handovers/{handover_id}/bags/MB000000000000/parcels"),
            body(r#"{"tracking_numbers": ["ODD\u0000"]}"#),
        ),
        (
            Method::POST,
            format!("/v1/sellers/{s}/claims"),
            body(r#"{"bag_id": "MB000000000000", "description": "lost\u0000"}"#),
        ),
        (
            Method::POST,
            "/v1/scans".into(),
            body(
                r#"{"events": [{"event_id": "e-1", "type": "picked_up", "bag_id": "MB\u0000", "occurred_at": "2026-11-26T02:00:00Z", "measured_weight_g": 5}]}"#,
            ),
        ),
        (
            Method::POST,
            "/v1/scans".into(),
            body(
                r#"{"events": [{"event_id": "e\u0000", "type": "received", "bag_id": "MB000000000000", "occurred_at": "2026-11-26T02:00:00Z", "parcels_found": ["LZ\u00001"]}]}"#,
            ),
        ),
        (
            Method::POST,
            "/v1/claims/CL000000000000/decision".into(),
            body(r#"{"accepted": true, "note": "ok\u0000"}"#),
        ),
        (Method::GET, "/v1/tracking/LZ%00".into(), None),
        (
            Method::GET,
            format!("/v1/sellers/{s}/handovers/HO%00"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/sellers/{s}/handovers?status=%00"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/sellers/{s}/bags?cursor=garbage"),
            None,
        ),
    ]
}

/// What each corpus entry must get: status, code and (for 422) the first field.
const EXPECTED: &[(u16, &str, &str)] = &[
    (422, "validation_failed", "name"),
    (422, "validation_failed", "pickup_address.street"),
    (422, "validation_failed", "name"),
    (422, "validation_failed", "name"),
    (422, "validation_failed", "days[1].date"),
    (422, "validation_failed", "days[0].date"),
    (422, "validation_failed", "days[0].date"),
    (422, "validation_failed", "days[0].orders"),
    (400, "malformed_json", ""),
    (400, "malformed_json", ""),
    (422, "validation_failed", "parcels[0].order_id"),
    (422, "validation_failed", "parcels[0].weight_g"),
    (422, "validation_failed", "parcels[0].wieght_g"),
    (422, "validation_failed", "parcels"),
    (400, "malformed_json", ""),
    (400, "json_too_deep", ""),
    (400, "malformed_json", ""),
    (422, "validation_failed", "bags[0].parcels[0]"),
    (422, "validation_failed", "pickup_date"),
    (422, "validation_failed", "tracking_numbers[0]"),
    (422, "validation_failed", "description"),
    (422, "validation_failed", "events[0].bag_id"),
    (422, "validation_failed", "events[0].event_id"),
    (422, "validation_failed", "note"),
    (422, "validation_failed", "path"),
    (422, "validation_failed", "path"),
    (422, "validation_failed", "status"),
    (422, "invalid_cursor", ""),
];

/// Sends the corpus to a server; the answers as (status, code, first field).
async fn answers(app: &TestApp) -> Vec<(u16, String, String)> {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "ODDH", 1, 100).await;
    let handover = app.book(&seller, &parcels).await;
    let handover_id = handover["id"].as_str().expect("id").to_owned();
    let courier = app.courier().await;
    let mut out = Vec::new();
    for (method, path, body) in corpus(&seller, &handover_id) {
        let token = if path == "/v1/scans" {
            courier.as_str()
        } else if path.starts_with("/v1/isvs")
            || path.starts_with("/v1/claims")
            || path.starts_with("/v1/couriers")
            || path == "/v1/sellers"
        {
            OPERATOR
        } else {
            seller.token.as_str()
        };
        let (status, answer) = raw(app, method.clone(), &path, token, body).await;
        assert!(
            !status.is_server_error(),
            "{method} {path}: {status} {answer}"
        );
        out.push((
            status.as_u16(),
            answer["code"].as_str().unwrap_or_default().to_owned(),
            answer["errors"][0]["field"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    out
}

/// The same odd input gets the same answers on SQLite and PostgreSQL, and never a
/// 5xx: NUL bytes in bodies and paths, duplicate dates and keys, trailing data,
/// extreme numbers, deep nesting, invalid UTF-8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_input_gets_the_same_answer_on_both_databases() {
    let mut runs = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(app) = TestApp::spawn(backend, RuleArgs::default()).await {
            runs.push((backend, answers(&app).await));
        }
    }
    for (backend, got) in &runs {
        for (i, (answer, expected)) in got.iter().zip(EXPECTED).enumerate() {
            assert_eq!(
                (answer.0, answer.1.as_str(), answer.2.as_str()),
                *expected,
                "{backend:?}: corpus entry {i}"
            );
        }
        assert_eq!(got.len(), EXPECTED.len());
    }
    if let [(_, sqlite), (_, postgres)] = runs.as_slice() {
        assert_eq!(sqlite, postgres);
    }
}

/// Rule 23, each refusal per event with its own code, beside an accepted event.
async fn times_and_measurements_that_cannot_be_are_refused_per_event(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let parcels = app.register_many(&seller, "TIME", 5, 100).await;
    let bags: Vec<String> = {
        let mut out = Vec::new();
        for tn in &parcels {
            out.push(bag_of(
                &app.book(&seller, std::slice::from_ref(tn)).await,
                0,
            ));
        }
        out
    };
    let in_two_hours = firstmile::domain::time::format_ms(app.clock.now_ms() + 2 * 3_600_000);
    let mut zero_weight = pickup("t-3", &bags[2], &app.now());
    zero_weight["measured_weight_g"] = json!(0);
    let (status, body) = app
        .post(
            "/v1/scans",
            &courier,
            json!({"events": [
                pickup("t-1", &bags[0], "0001-01-01T00:00:00Z"),
                pickup("t-2", &bags[1], &in_two_hours),
                zero_weight,
                pickup("t-5", &bags[4], &app.now()),
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<&str> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        codes,
        [
            "pickup_before_booking",
            "occurred_in_future",
            "measurement_not_positive",
            "picked_up"
        ],
        "{body}"
    );
    let mut zero_sides = pickup("t-4", &bags[3], &app.now());
    zero_sides["length_cm"] = json!(0);
    zero_sides["width_cm"] = json!(10);
    zero_sides["height_cm"] = json!(10);
    // A zero measured side is not a value at all: the request is refused, at the edge.
    let (status, body) = app
        .post("/v1/scans", &courier, json!({"events": [zero_sides]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "events[0].length_cm", "{body}");
    // A bag picked up an hour from now (within the tolerance) cannot be received now.
    let later = firstmile::domain::time::format_ms(app.clock.now_ms() + 30 * 60_000);
    assert_eq!(
        app.pick_up(&courier, &bags[0], &later, 600).await["accepted"],
        true
    );
    let early = app.receive(&center, &bags[0], &app.now(), &[]).await;
    assert_eq!(early["code"], "received_before_pickup", "{early}");
    let year_one = app
        .receive(&center, &bags[1], "0001-01-01T00:00:00Z", &[])
        .await;
    assert_eq!(year_one["code"], "received_before_booking", "{year_one}");
    // Nothing of the refused events was applied.
    let bag = &app
        .handover(&seller, &handover_of(&app, &seller, &bags[1]).await)
        .await["bags"][0];
    assert_eq!(bag["status"], "open", "{bag}");
}

async fn handover_of(app: &TestApp, seller: &Seller, bag_id: &str) -> String {
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/handovers?limit=500", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|h| h["bags"][0]["id"] == bag_id)
        .and_then(|h| h["id"].as_str())
        .expect("the bag's handover")
        .to_owned()
}

/// Ten identical POSTs with one key, released together on two servers: one handover,
/// and every one of them gets its 201.
async fn concurrent_repeats_of_an_idempotency_key_all_get_the_first_response(app: TestApp) {
    let other = app.another_server().await;
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "IDEM", 3, 100).await;
    let body = json!({"sorting_center": "SZX", "pickup_date": app.today(),
                      "bags": [{"parcels": parcels, "length_cm": 30, "width_cm": 20, "height_cm": 10}]});
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let url = if i % 2 == 0 {
            app.url("")
        } else {
            other.url("")
        };
        let (client, token, body, barrier) = (
            app.client.clone(),
            seller.token.clone(),
            body.clone(),
            barrier.clone(),
        );
        let path = format!("{url}/v1/sellers/{}/handovers", seller.id);
        tasks.spawn(async move {
            barrier.wait().await;
            let resp = client
                .post(path)
                .bearer_auth(token)
                .header("idempotency-key", "book-once")
                .json(&body)
                .send()
                .await
                .expect("send");
            let status = resp.status();
            (status, resp.json::<Value>().await.expect("json"))
        });
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (status, body) = done.expect("task");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_str().expect("id").to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.handover_count(&seller).await, 1);
}

/// The handover ids of the courier's route today, in route order.
async fn route(server: &TestApp, courier: &str) -> Vec<String> {
    let path = format!("/v1/courier/pickups?date={}", server.today());
    let (status, body) = server.get(&path, courier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["handover_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The cached route follows the day: a booking adds its stop, a cancel removes it,
/// whichever server answers.
async fn a_booking_or_a_cancel_changes_the_couriers_route(app: TestApp) {
    let other = app.another_server().await;
    let courier = app.courier().await;
    let first = app.seller().await;
    let second = app.seller_at("440000", "440300", (22.60, 114.10), 60).await;
    let a = app.register_many(&first, "RTA", 1, 100).await;
    let h1 = app.book(&first, &a).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(route(&app, &courier).await, std::slice::from_ref(&h1));
    assert_eq!(route(&other, &courier).await, std::slice::from_ref(&h1));
    let b = app.register_many(&second, "RTB", 1, 100).await;
    let h2 = other.book(&second, &b).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let both_stops = route(&app, &courier).await;
    assert_eq!(both_stops.len(), 2, "{both_stops:?}");
    assert!(both_stops.contains(&h2));
    let (status, body) = other.cancel(&first, &h1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(route(&app, &courier).await, [h2]);
}

/// An event id first used for a bag that does not exist is not spent on that
/// rejection: the poster resends it with the right bag, and it counts.
async fn an_event_id_refused_for_an_unknown_bag_stays_free(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "FREE", 1, 100).await;
    let bag = bag_of(&app.book(&seller, &parcels).await, 0);
    let wrong = app
        .scan(&courier, pickup("typo-1", "MB000000000000", &app.now()))
        .await;
    assert_eq!(wrong["code"], "bag_not_found", "{wrong}");
    let right = app.scan(&courier, pickup("typo-1", &bag, &app.now())).await;
    assert_eq!(
        (&right["code"], &right["duplicate"]),
        (&json!("picked_up"), &json!(false)),
        "{right}"
    );
}

async fn a_garbage_bag_cursor_is_422(app: TestApp) {
    let seller = app.seller().await;
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/bags?cursor=zz%20top", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_cursor");
}

async fn discrepancies_of_an_unknown_sorting_center_are_404(app: TestApp) {
    let (status, body) = app
        .get("/v1/sorting-centers/ZZZ/discrepancies", OPERATOR)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "sorting_center_not_found");
    let (status, _) = app
        .get("/v1/sorting-centers/SZX/discrepancies", OPERATOR)
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// A handover's bags come back in the order they were sent, on booking and after.
async fn a_handovers_bags_come_back_in_the_order_sent(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "ORD", 6, 100).await;
    let bags: Vec<Value> = parcels
        .iter()
        .rev()
        .map(|tn| json!({"parcels": [tn], "length_cm": 30, "width_cm": 20, "height_cm": 10}))
        .collect();
    let (status, booked) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "bags": bags}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let sent: Vec<String> = parcels.iter().rev().cloned().collect();
    let order = |h: &Value| -> Vec<String> {
        h["bags"]
            .as_array()
            .expect("bags")
            .iter()
            .map(|b| b["parcels"][0].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(order(&booked), sent);
    let again = app
        .handover(&seller, booked["id"].as_str().expect("id"))
        .await;
    assert_eq!(order(&again), sent);
}

/// A misspelt field is refused with its path, not silently ignored.
async fn unknown_fields_are_refused_with_their_path(app: TestApp) {
    let seller = app.seller().await;
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/plans", seller.id),
            &seller.token,
            json!({"sorting_centre": "SZX"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "sorting_centre", "{body}");
    assert_eq!(body["errors"][0]["code"], "unknown_field", "{body}");
}

both!(
    racing_batches_and_bookings_on_two_servers_never_fail,
    times_and_measurements_that_cannot_be_are_refused_per_event,
    concurrent_repeats_of_an_idempotency_key_all_get_the_first_response,
    a_booking_or_a_cancel_changes_the_couriers_route,
    an_event_id_refused_for_an_unknown_bag_stays_free,
    a_garbage_bag_cursor_is_422,
    discrepancies_of_an_unknown_sorting_center_are_404,
    a_handovers_bags_come_back_in_the_order_sent,
    unknown_fields_are_refused_with_their_path,
);
