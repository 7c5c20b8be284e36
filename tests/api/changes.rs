//! "What changed since" (docs/api.md, "Paging and filters"): `updated_since` on the
//! parcel, handover and bag lists keeps exactly the rows a change touched after the
//! given time; and a parcel found at intake in a bag other than its own gets its
//! `parcel.first_scan` event (docs/api.md, "Events").

use crate::both;
use crate::events::feed;
use crate::helpers::{Seller, TestApp, parcel};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The ids (`id`, or `tracking_number` for parcels) of a list's items.
async fn listed(app: &TestApp, seller: &Seller, list: &str, since: &str) -> BTreeSet<String> {
    let path = format!("/v1/sellers/{}/{list}?updated_since={since}", seller.id);
    let (status, body) = app.get(&path, &seller.token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            i.get("tracking_number")
                .unwrap_or(&i["id"])
                .as_str()
                .expect("an id")
                .to_owned()
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn updated_since_keeps_what_changed_and_leaves_the_rest(app: TestApp) {
    let seller = app.seller().await;
    app.register(
        &seller,
        &[
            parcel("US0001", 400),
            parcel("US0002", 300),
            parcel("US0003", 200),
        ],
    )
    .await;
    let first = app.book(&seller, &["US0001".into()]).await;
    let second = app.book(&seller, &["US0002".into()]).await;
    let (first_bag, second_bag) = (id(&first["bags"][0]), id(&second["bags"][0]));
    let booked_at = app.now();
    assert_eq!(
        listed(&app, &seller, "handovers", &booked_at).await,
        set(&[&id(&first), &id(&second)])
    );
    assert_eq!(first["updated_at"], first["created_at"], "{first}");
    app.advance_hours(1);
    let since = app.now();
    for list in ["parcels", "handovers", "bags"] {
        assert!(
            listed(&app, &seller, list, &since).await.is_empty(),
            "{list}"
        );
    }

    // A pickup moves the first handover and its bag into the window, not its parcel.
    let courier = app.courier().await;
    assert_eq!(
        app.pick_up(&courier, &first_bag, &since, 400).await["accepted"],
        true
    );
    assert_eq!(
        listed(&app, &seller, "handovers", &since).await,
        set(&[&id(&first)])
    );
    assert_eq!(
        listed(&app, &seller, "bags", &since).await,
        set(&[&first_bag])
    );
    assert!(listed(&app, &seller, "parcels", &since).await.is_empty());

    // Cancelling an unbagged parcel moves it in; the intake moves its bag's parcel in.
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/parcels/US0003/cancel", seller.id),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["updated_at"], since, "{body}");
    assert_eq!(
        listed(&app, &seller, "parcels", &since).await,
        set(&["US0003"])
    );
    let center = app.sorting_center("SZX").await;
    app.advance_hours(1);
    assert_eq!(
        app.receive(&center, &first_bag, &app.now(), &["US0001"])
            .await["accepted"],
        true
    );
    assert_eq!(
        listed(&app, &seller, "parcels", &since).await,
        set(&["US0001", "US0003"])
    );

    // The untouched handover, its bag and its parcel stayed out all along; a later
    // time (with an offset) keeps only the intake.
    assert_eq!(
        listed(&app, &seller, "handovers", &since).await,
        set(&[&id(&first)])
    );
    assert!(
        !listed(&app, &seller, "bags", &since)
            .await
            .contains(&second_bag)
    );
    let later = "2026-11-26T11:30:00%2B08:00"; // 03:30Z, between the cancel and the intake
    assert_eq!(
        listed(&app, &seller, "parcels", later).await,
        set(&["US0001"])
    );
    assert_eq!(
        listed(&app, &seller, "bags", later).await,
        set(&[&first_bag])
    );
}

async fn a_bad_updated_since_is_refused_with_its_field(app: TestApp) {
    let seller = app.seller().await;
    for list in ["parcels", "handovers", "bags"] {
        for bad in ["yesterday", "2026-11-26", "2026-13-01T00:00:00Z", ""] {
            let path = format!("/v1/sellers/{}/{list}?updated_since={bad}", seller.id);
            let (status, body) = app.get(&path, &seller.token).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
            assert_eq!(body["code"], "validation_failed", "{body}");
            assert_eq!(body["errors"][0]["field"], "updated_since", "{body}");
            assert_eq!(body["errors"][0]["code"], "invalid_time", "{body}");
        }
    }
}

async fn a_parcel_found_in_another_bag_gets_one_first_scan_event(app: TestApp) {
    let seller = app.seller().await;
    app.register(&seller, &[parcel("OB0001", 400), parcel("OB0002", 300)])
        .await;
    let first = app.book(&seller, &["OB0001".into()]).await;
    let second = app.book(&seller, &["OB0002".into()]).await;
    let (first_bag, second_bag) = (id(&first["bags"][0]), id(&second["bags"][0]));
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let picked_at = app.now();
    app.pick_up(&courier, &first_bag, &picked_at, 400).await;
    app.advance_hours(2);
    let intake_at = app.now();
    let received = app
        .receive(&center, &first_bag, &intake_at, &["OB0001", "OB0002"])
        .await;
    assert_eq!(received["unregistered"], json!(["OB0002"]), "{received}");
    assert_eq!(received["first_scans_set"], 2, "{received}");
    let first_scans = |events: &[Value], t: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["type"] == "parcel.first_scan" && e["data"]["tracking_number"] == t)
            .map(|e| e["data"].clone())
            .collect()
    };
    let events = feed(&app, &seller).await;
    let stray = first_scans(&events, "OB0002");
    assert_eq!(stray.len(), 1, "{events:?}");
    assert_eq!(stray[0]["bag_id"], first_bag.as_str());
    assert_eq!(stray[0]["registered_bag_id"], second_bag.as_str());
    assert_eq!(stray[0]["basis"], "intake");
    assert_eq!(stray[0]["at"], intake_at);
    let own = first_scans(&events, "OB0001");
    assert_eq!(own[0]["basis"], "bag_pickup");
    assert!(own[0].get("registered_bag_id").is_none(), "{own:?}");

    // Its own bag's intake later sets no second first scan, and writes no event for it.
    app.pick_up(&courier, &second_bag, &app.now(), 300).await;
    app.receive(&center, &second_bag, &app.now(), &["OB0002"])
        .await;
    assert_eq!(first_scans(&feed(&app, &seller).await, "OB0002").len(), 1);
}

both!(
    updated_since_keeps_what_changed_and_leaves_the_rest,
    a_bad_updated_since_is_refused_with_its_field,
    a_parcel_found_in_another_bag_gets_one_first_scan_event,
);
