//! The event log, the feed and webhooks (docs/api.md, "Events" and "Webhooks"):
//! events commit with their change, feed and webhooks carry the same events in the
//! same order, deliveries are signed, retried on schedule, survive a killed server,
//! and two servers never send one attempt twice.

use crate::both;
use crate::helpers::{TestApp, parcel};
use crate::receiver::Receiver;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

/// Every event of the seller's feed, paging through it.
pub async fn feed(app: &TestApp, seller: &crate::helpers::Seller) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let (status, body) = app
            .get(
                &format!("/v1/sellers/{}/events?limit=500&after={after}", seller.id),
                &seller.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().cloned().unwrap_or_default();
        after = body["next_cursor"].as_str().unwrap().to_owned();
        if items.is_empty() {
            return all;
        }
        all.extend(items);
    }
}

/// Subscribes `receiver` to every event type of the seller; returns the webhook id.
pub async fn subscribe(
    app: &TestApp,
    seller: &crate::helpers::Seller,
    receiver: &Receiver,
) -> String {
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/webhooks", seller.id),
            &seller.token,
            json!({"url": receiver.url, "event_types": []}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret = body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    receiver.set_secret(secret);
    body["id"].as_str().unwrap().to_owned()
}

/// Books 300 parcels in one bag, picks it up and receives it with 298 found.
async fn full_lifecycle(app: &TestApp, seller: &crate::helpers::Seller) {
    let parcels = app.register_many(seller, "EVT", 300, 100).await;
    let booked = app.book(seller, &parcels).await;
    let bag_id = booked["bags"][0]["id"].as_str().unwrap().to_owned();
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let at = app.now();
    assert_eq!(
        app.pick_up(&courier, &bag_id, &at, 30_000).await["accepted"],
        true
    );
    let found: Vec<&str> = parcels[..298].iter().map(String::as_str).collect();
    let received = app.receive(&center, &bag_id, &app.now(), &found).await;
    assert_eq!(received["accepted"], true, "{received}");
}

async fn rolled_back_booking_emits_no_event(app: TestApp) {
    let seller = app.seller().await;
    app.register(&seller, &[parcel("RB0001", 500), parcel("RB0002", 500)])
        .await;
    let (status, body) = app
        .try_book(&seller, &["RB0001".into()], [130.0, 50.0, 40.0])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(feed(&app, &seller).await.is_empty());
    app.book(&seller, &["RB0002".into()]).await;
    let events = feed(&app, &seller).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "handover.booked");
    assert_eq!(events[0]["version"], 1);
}

async fn feed_and_webhooks_carry_the_same_events(app: TestApp) {
    let receiver = Receiver::start().await;
    let seller = app.seller().await;
    subscribe(&app, &seller, &receiver).await;
    let started = std::time::Instant::now();
    full_lifecycle(&app, &seller).await;
    let events = feed(&app, &seller).await;
    // booked, picked up, received, 298 first scans, 2 missing.
    assert_eq!(events.len(), 303);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        &types[..3],
        ["handover.booked", "bag.picked_up", "bag.received"]
    );
    assert_eq!(
        types.iter().filter(|t| **t == "parcel.first_scan").count(),
        298
    );
    assert_eq!(types.iter().filter(|t| **t == "parcel.missing").count(), 2);
    let first_scan = events
        .iter()
        .find(|e| e["type"] == "parcel.first_scan")
        .unwrap();
    assert_eq!(first_scan["data"]["basis"], "bag_pickup");
    let got = receiver.wait_for(303, 30).await;
    assert_eq!(got.len(), 303, "delivered in {:?}", started.elapsed());
    assert!(got.iter().all(|d| d.verified));
    let fed: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let pushed: Vec<&str> = got.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(fed, pushed);
    for (e, d) in events.iter().zip(&got) {
        assert_eq!(e["type"], d.body["type"]);
        assert_eq!(e["data"], d.body["data"]);
    }
    // Filtering by type, and a cursor at the end that stays put.
    let (_, body) = app
        .get(
            &format!("/v1/sellers/{}/events?types=parcel.missing", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/events?types=bag.lost", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn failing_receiver_gets_retries_on_schedule(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.fail_next(3);
    let seller = app.seller().await;
    let webhook = subscribe(&app, &seller, &receiver).await;
    app.register(&seller, &[parcel("RT0001", 500)]).await;
    app.book(&seller, &["RT0001".into()]).await;
    assert_eq!(receiver.wait_for(1, 10).await.len(), 1);
    // Attempts 2, 3 and 4 come 5 s, 5 min and 30 min (plus at most 10 %) after the
    // failure before them; none comes early.
    for delay_ms in [5_000, 300_000, 1_800_000] {
        let before = receiver.got().len();
        app.clock.set_ms(app.clock.now_ms() + delay_ms - 1_000);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(receiver.got().len(), before, "early retry");
        app.clock.set_ms(app.clock.now_ms() + delay_ms / 10 + 2_000);
        assert_eq!(receiver.wait_for(before + 1, 10).await.len(), before + 1);
    }
    app.advance_hours(30);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.got();
    assert_eq!(got.len(), 4, "exactly once more after the failures");
    assert!(got.iter().all(|d| d.verified && d.id == got[0].id));
    let (status, log) = app
        .get(
            &format!("/v1/sellers/{}/webhooks/{webhook}/deliveries", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["ok"], true);
    assert_eq!(items[0]["delivery_status"], "delivered");
    assert_eq!(items[3]["status_code"], 500);
    // Replay sends it once more.
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/webhooks/{webhook}/replay", seller.id),
            &seller.token,
            json!({"event_id": got[0].id}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(receiver.wait_for(5, 10).await.len(), 5);
}

async fn killed_server_delivers_after_restart(mut app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.hang_next();
    let seller = app.seller().await;
    subscribe(&app, &seller, &receiver).await;
    app.register(&seller, &[parcel("KR0001", 500)]).await;
    app.book(&seller, &["KR0001".into()]).await;
    // The first attempt is under way when the server dies.
    assert_eq!(receiver.wait_for(1, 10).await.len(), 1);
    app.kill();
    app.clock.set_ms(app.clock.now_ms() + 60_000);
    let revived = app.another_server().await;
    let got = receiver.wait_for(2, 10).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id);
    assert!(got[1].verified);
    assert_eq!(feed(&revived, &seller).await.len(), 1);
}

async fn two_servers_deliver_every_event_once(app: TestApp) {
    let other = app.another_server().await;
    let receiver = Receiver::start().await;
    let seller = app.seller().await;
    subscribe(&app, &seller, &receiver).await;
    full_lifecycle(&other, &seller).await;
    let events = feed(&app, &seller).await;
    let got = receiver.wait_for(events.len(), 30).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_after = receiver.got();
    assert_eq!(got.len(), events.len());
    assert_eq!(got_after.len(), events.len(), "an attempt was sent twice");
    let ids: HashSet<&str> = got_after.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), events.len());
}

async fn webhook_urls_are_checked(app: TestApp) {
    let seller = app.seller().await;
    let path = format!("/v1/sellers/{}/webhooks", seller.id);
    let (status, body) = app
        .post(&path, &seller.token, json!({"url": "ftp://example.com/x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("url_not_https"), "{body}");
    let (status, body) = app
        .post(
            &path,
            &seller.token,
            json!({"url": "https://example.com/x", "event_types": ["bag.lost"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .post(
            &path,
            &seller.token,
            json!({"url": "http://127.0.0.1:9/x", "event_types": ["bag.received"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let (_, list) = app.get(&path, &seller.token).await;
    assert_eq!(list["items"][0]["event_types"], json!(["bag.received"]));
    assert!(list["items"][0].get("secret").is_none());
    let (status, rotated) = app
        .post(
            &format!("{path}/{id}/rotate-secret"),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["secret"], body["secret"]);
    let (status, _) = app
        .delete(&format!("{path}/{id}"), &seller.token, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete(&format!("{path}/{id}"), &seller.token, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// `bag.overdue` is written once per bag however many servers look (its dedup key is
/// unique): sweeping twice adds nothing, and appending the same key again is refused.
async fn an_overdue_bag_is_reported_once(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "OVD", 1, 500).await;
    let booked = app.book(&seller, &parcels).await;
    let bag = booked["bags"][0]["id"].as_str().expect("bag").to_owned();
    let picked = app.pick_up(&courier, &bag, &app.now(), 500).await;
    assert_eq!(picked["accepted"], true, "{picked}");
    app.advance_hours(24 * 5);
    let store = &app.state.store;
    let now = app.clock.now_ms();
    firstmile::webhooks::sweep_overdue(store, now)
        .await
        .expect("sweep");
    assert_eq!(
        firstmile::webhooks::sweep_overdue(store, now)
            .await
            .expect("sweep"),
        0
    );
    let due = store.overdue_bag_events(now).await.expect("due");
    assert!(due.is_empty(), "{due:?}");
    let again = firstmile::store::NewEvent {
        event_type: firstmile::domain::EventType::BagOverdue,
        data: json!({"bag_id": bag}),
        dedup_key: Some(format!("bag.overdue:{bag}")),
    };
    match store.append_events(&seller.id, &[again], now).await {
        Err(firstmile::store::StoreError::Database(e)) => {
            assert!(firstmile::store::StoreError::is_unique_violation(&e), "{e}")
        }
        other => panic!("a second bag.overdue was not refused: {other:?}"),
    }
    let overdue: Vec<Value> = feed(&app, &seller)
        .await
        .into_iter()
        .filter(|e| e["type"] == "bag.overdue")
        .collect();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0]["data"]["bag_id"], bag.as_str());
}

/// The event log keeps no foreign key of its own: an event is numbered from its
/// seller's counter, whose row does, so no event is stored for a seller that does not
/// exist.
async fn no_event_is_stored_for_an_unknown_seller(app: TestApp) {
    let seller = app.seller().await;
    let store = &app.state.store;
    let now = app.clock.now_ms();
    let event = firstmile::store::NewEvent {
        event_type: firstmile::domain::EventType::BagOverdue,
        data: json!({"bag_id": "MB_NONE"}),
        dedup_key: None,
    };
    match store
        .append_events("SL_NO_SUCH_SELLER", std::slice::from_ref(&event), now)
        .await
    {
        Err(firstmile::store::StoreError::Database(sqlx::Error::Database(e))) => {
            assert_eq!(e.kind(), sqlx::error::ErrorKind::ForeignKeyViolation, "{e}")
        }
        other => panic!("an event of an unknown seller was stored: {other:?}"),
    }
    let listed = store
        .list_events("SL_NO_SUCH_SELLER", 0, &[], 10)
        .await
        .expect("list");
    assert!(listed.is_empty(), "{listed:?}");
    // A seller that exists still gets it.
    store
        .append_events(&seller.id, &[event], now)
        .await
        .expect("append");
}

both!(
    no_event_is_stored_for_an_unknown_seller,
    rolled_back_booking_emits_no_event,
    feed_and_webhooks_carry_the_same_events,
    failing_receiver_gets_retries_on_schedule,
    killed_server_delivers_after_restart,
    two_servers_deliver_every_event_once,
    webhook_urls_are_checked,
    an_overdue_bag_is_reported_once,
);
