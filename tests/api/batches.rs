//! Scan batches (docs/rules.md, rule 14): the events of one request are applied in
//! order, each one seeing what the events before it did, and the batch stores the
//! same handovers, bags, histories and events as posting them one by one would.

use crate::both;
use crate::events::feed;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A handover of the given bags (lists of tracking numbers), each 60 × 50 × 40 cm.
async fn book_bags(app: &TestApp, seller: &crate::helpers::Seller, bags: &[&[&str]]) -> Value {
    let bags: Vec<Value> = bags
        .iter()
        .map(|p| json!({"parcels": p, "length_cm": 60, "width_cm": 50, "height_cm": 40}))
        .collect();
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "bags": bags}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn post_batch(app: &TestApp, token: &str, events: Vec<Value>) -> Vec<Value> {
    let (status, body) = app
        .post("/v1/scans", token, json!({ "events": events }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"].as_array().cloned().unwrap_or_default()
}

async fn events_in_one_batch_see_the_ones_before_them(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    app.register_many(&seller, "BAT", 4, 500).await;
    let first = book_bags(&app, &seller, &[&["BAT0001", "BAT0002"], &["BAT0003"]]).await;
    let second = book_bags(&app, &seller, &[&["BAT0004"]]).await;
    let (h1, h2) = (
        first["id"].as_str().unwrap_or(""),
        second["id"].as_str().unwrap_or(""),
    );
    let a = first["bags"][0]["id"].as_str().unwrap_or("").to_owned();
    let b = first["bags"][1]["id"].as_str().unwrap_or("").to_owned();
    let c = second["bags"][0]["id"].as_str().unwrap_or("").to_owned();
    let now = app.now();
    let pick = |id: &str, bag: &str, g: i64| {
        json!({"event_id": id, "type": "picked_up", "bag_id": bag, "occurred_at": now,
               "measured_weight_g": g})
    };
    let results = post_batch(
        &app,
        &courier,
        vec![
            json!({"event_id": "b-1", "type": "pickup_failed", "bag_id": a, "occurred_at": now,
                   "reason": "not_ready"}),
            pick("b-2", &a, 1_100),
            pick("b-3", &a, 1_100),
            pick("b-4", &b, 60_000),
            pick("b-5", &c, 700),
            json!({"event_id": "b-6", "type": "pickup_failed", "bag_id": c, "occurred_at": now,
                   "reason": "seller_absent"}),
            pick("b-7", "NO-SUCH-BAG", 700),
        ],
    )
    .await;
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        codes,
        [
            "pickup_failed",
            "picked_up",
            "already_picked_up",
            "bag_over_limits",
            "picked_up",
            "handover_not_booked",
            "bag_not_found"
        ],
        "{results:?}"
    );
    // The failure first, then the pickup that clears it; the over-limit bag stays open
    // and its refusal is in the history.
    let one = app.handover(&seller, h1).await;
    assert_eq!(one["status"], "picked_up", "{one}");
    assert_eq!(one["failure_reason"], Value::Null);
    assert_eq!(one["picked_up_at"], now.as_str());
    assert_eq!(one["bags"][0]["status"], "picked_up");
    assert_eq!(one["bags"][0]["measured_weight_g"], 1_100);
    assert_eq!(one["bags"][0]["picked_up_at"], now.as_str());
    assert_eq!(one["bags"][1]["status"], "open");
    assert_eq!(one["bags"][1]["measured_weight_g"], Value::Null);
    let history: Vec<(String, String)> = one["history"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|e| e["actor_role"] == "courier")
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["detail"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[0], ("pickup_failed".into(), "not_ready".into()));
    assert_eq!(
        history[1],
        ("picked_up".into(), format!("bag {a}, measured 1100 g"))
    );
    assert_eq!(history[2].0, "pickup_failed");
    assert!(
        history[2].1.starts_with(&format!("bag {b}: ")),
        "{history:?}"
    );
    let two = app.handover(&seller, h2).await;
    assert_eq!(two["status"], "picked_up", "{two}");
    assert_eq!(two["bags"][0]["measured_weight_g"], 700);
    // The seller's events, in the order the batch's events happened.
    let types: Vec<(String, String)> = feed(&app, &seller)
        .await
        .iter()
        .filter(|e| e["type"].as_str().is_some_and(|t| t.starts_with("bag.")))
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_owned(),
                e["data"]["bag_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("bag.pickup_failed".to_owned(), a.clone()),
            ("bag.picked_up".to_owned(), a.clone()),
            ("bag.pickup_failed".to_owned(), b.clone()),
            ("bag.picked_up".to_owned(), c.clone()),
        ]
    );
    // Two intakes in one batch, the second in another handover; then the rest of the
    // first handover, which the first intake changed.
    app.advance_hours(3);
    let later = app.now();
    let results = post_batch(
        &app,
        &center,
        vec![
            json!({"event_id": "r-1", "type": "received", "bag_id": a, "occurred_at": later,
                   "parcels_found": ["BAT0001", "BAT0002"]}),
            json!({"event_id": "r-2", "type": "received", "bag_id": c, "occurred_at": later,
                   "parcels_found": ["BAT0004"]}),
            json!({"event_id": "r-3", "type": "received", "bag_id": a, "occurred_at": later,
                   "parcels_found": ["BAT0001", "BAT0002"]}),
        ],
    )
    .await;
    assert_eq!(results[0]["accepted"], true, "{results:?}");
    assert_eq!(results[0]["first_scans_set"], 2);
    assert_eq!(results[1]["accepted"], true);
    assert_eq!(results[1]["first_scans_set"], 1);
    assert_eq!(results[2]["accepted"], false);
    assert_eq!(results[2]["code"], "already_received");
    let (_, tracked) = app.get("/v1/tracking/BAT0002", &seller.token).await;
    assert_eq!(tracked["first_scan_at"], now.as_str(), "{tracked}");
    // A repeat of the whole first batch is acknowledged, and changes nothing.
    let again = post_batch(&app, &courier, vec![pick("b-2", &a, 1_100)]).await;
    assert_eq!(again[0]["duplicate"], true);
    assert_eq!(again[0]["code"], "picked_up");
    assert_eq!(
        app.handover(&seller, h1).await["bags"][0]["status"],
        "received"
    );
}

/// Requests of one courier posted at once queue for the writer and share
/// transactions (group commit), and each still gets the results it would get alone:
/// a repeat racing its first posting is acknowledged as a repeat, a request naming
/// one event id twice refuses the second, and each bag is picked up once.
async fn concurrent_requests_of_one_poster_keep_their_own_results(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let tracking = app.register_many(&seller, "GRP", 41, 500).await;
    let singles: Vec<[&str; 1]> = tracking.iter().map(|t| [t.as_str()]).collect();
    let bags: Vec<&[&str]> = singles.iter().map(|p| p.as_slice()).collect();
    let handover = book_bags(&app, &seller, &bags).await;
    let bag_ids: Vec<String> = handover["bags"]
        .as_array()
        .expect("bags")
        .iter()
        .map(|b| b["id"].as_str().expect("id").to_owned())
        .collect();
    let now = app.now();
    let pick = |id: String, bag: &str| {
        json!({"event_id": id, "type": "picked_up", "bag_id": bag, "occurred_at": now,
               "measured_weight_g": 600})
    };
    let (requests_before, transactions_before) = app.state.store.scan_transactions();
    let mut posts: Vec<Vec<Value>> = (0..40)
        .map(|i| vec![pick(format!("g-{i}"), &bag_ids[i])])
        .collect();
    posts.extend((0..10).map(|i| vec![pick(format!("g-{i}"), &bag_ids[i])]));
    posts.push(vec![
        pick("g-dup".into(), &bag_ids[40]),
        pick("g-dup".into(), &bag_ids[40]),
    ]);
    let answers = futures::future::join_all(
        posts
            .into_iter()
            .map(|events| post_batch(&app, &courier, events)),
    )
    .await;
    for i in 0..10 {
        let (a, b) = (&answers[i][0], &answers[40 + i][0]);
        assert_eq!(
            (&a["code"], &b["code"]),
            (&json!("picked_up"), &json!("picked_up"))
        );
        let repeats = [a, b].iter().filter(|r| r["duplicate"] == true).count();
        assert_eq!(repeats, 1, "one of each pair is the repeat: {a} {b}");
    }
    for (i, answer) in answers.iter().enumerate().take(40) {
        assert_eq!(answer.len(), 1, "{answer:?}");
        assert_eq!(answer[0]["event_id"], format!("g-{i}"), "{answer:?}");
    }
    for answer in &answers[10..40] {
        assert_eq!(answer[0]["accepted"], true, "{answer:?}");
        assert_ne!(answer[0]["duplicate"], true, "{answer:?}");
    }
    let dup = &answers[50];
    assert_eq!(dup[0]["accepted"], true, "{dup:?}");
    assert_eq!(dup[1]["code"], "duplicate_event_id", "{dup:?}");
    let h = app
        .handover(&seller, handover["id"].as_str().expect("id"))
        .await;
    let statuses: Vec<&Value> = h["bags"]
        .as_array()
        .expect("bags")
        .iter()
        .map(|b| &b["status"])
        .collect();
    assert!(statuses.iter().all(|s| **s == "picked_up"), "{h}");
    let picked = feed(&app, &seller)
        .await
        .into_iter()
        .filter(|e| e["type"] == "bag.picked_up")
        .count();
    assert_eq!(picked, 41, "one event a bag");
    let (requests, transactions) = app.state.store.scan_transactions();
    let (requests, transactions) = (
        requests - requests_before,
        transactions - transactions_before,
    );
    assert_eq!(requests, 51, "every request committed once");
    assert!(
        transactions < requests,
        "queued requests shared transactions: {requests} requests, {transactions} transactions"
    );
}

both!(
    events_in_one_batch_see_the_ones_before_them,
    concurrent_requests_of_one_poster_keep_their_own_results,
);
