//! Retention (docs/operations.md, "Retention"): `firstmile archive` moves closed
//! handovers older than the window, with all their rows, to the archive tables, in
//! whole transactions, and leaves everything still moving or claimed live.

use crate::both;
use crate::helpers::*;
use firstmile::service::retention::{MIN_KEEP_MONTHS, archive_closed_handovers};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

/// The rows a table holds for a condition, on the app's database.
async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url)
        .await
        .expect("pool");
    let n: i64 = sqlx::query(sql)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .try_get(0)
        .expect("count");
    pool.close().await;
    n
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn closed_handovers_move_to_the_archive_with_all_their_rows(app: TestApp) {
    let seller = app.seller().await;
    let received = app.register_many(&seller, "ARCR", 3, 500).await;
    let cancelled = app.register_many(&seller, "ARCX", 2, 500).await;
    let booked = app.register_many(&seller, "ARCB", 1, 500).await;
    let claimed = app.register_many(&seller, "ARCC", 2, 500).await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;

    // Received (one parcel missing, claimed and decided), cancelled, still booked,
    // and received with an open claim.
    let a = app.book(&seller, &received).await;
    let b = app.book(&seller, &cancelled).await;
    let c = app.book(&seller, &booked).await;
    let d = app.book(&seller, &claimed).await;
    let bag = |h: &Value| h["bags"][0]["id"].as_str().expect("bag").to_owned();
    for h in [&a, &d] {
        let picked = app.pick_up(&courier, &bag(h), &app.now(), 900).await;
        assert_eq!(picked["accepted"], true, "{picked}");
    }
    let (status, body) = app.cancel(&seller, &id(&b)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.advance_hours(3);
    let got = app
        .receive(
            &center,
            &bag(&a),
            &app.now(),
            &["ARCR0001", "ARCR0002", "STRAY001"],
        )
        .await;
    assert_eq!(got["accepted"], true, "{got}");
    let got = app
        .receive(&center, &bag(&d), &app.now(), &["ARCC0001"])
        .await;
    assert_eq!(got["accepted"], true, "{got}");
    let mut claims = Vec::new();
    for (h, missing) in [(&a, "ARCR0003"), (&d, "ARCC0002")] {
        let (status, claim) = app
            .post(
                &format!("/v1/sellers/{}/claims", seller.id),
                &seller.token,
                json!({"bag_id": bag(h), "tracking_numbers": [missing], "description": "missing at intake"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{claim}");
        claims.push(id(&claim));
    }
    let (status, decided) = app
        .post(
            &format!("/v1/claims/{}/decision", claims[0]),
            OPERATOR,
            json!({"accepted": true, "note": "paid"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");

    // Inside the window nothing moves.
    let store = &app.state.store;
    let report = archive_closed_handovers(store, &app.clock, MIN_KEEP_MONTHS, 1)
        .await
        .expect("archive");
    assert_eq!(report.counts.handovers, 0, "{report:?}");

    // Fifteen months on, the received and the cancelled handovers move, one a
    // transaction (chunks of 1), with every row of theirs.
    app.advance_hours(24 * 31 * 15);
    let report = archive_closed_handovers(store, &app.clock, MIN_KEEP_MONTHS, 1)
        .await
        .expect("archive");
    let c_ = report.counts;
    assert_eq!((c_.handovers, c_.bags), (2, 2), "{report:?}");
    assert_eq!(
        report.chunks, 3,
        "two full chunks and an empty one: {report:?}"
    );
    // The received bag's three parcels (the cancelled handover's went back to the
    // seller, unbagged, and stay), its three intake rows, its pickup and intake scans,
    // its decided claim, and both handovers' history.
    assert_eq!(c_.parcels, 3, "{report:?}");
    assert_eq!(c_.intake_rows, 3, "{report:?}");
    assert_eq!(c_.scan_events, 2, "{report:?}");
    assert_eq!(c_.claims, 1, "{report:?}");
    assert!(c_.history >= 4, "{report:?}");
    let archived = count(&app, "SELECT COUNT(*) FROM archived_handover").await;
    assert_eq!(archived, 2);
    let months = count(
        &app,
        "SELECT COUNT(*) FROM archived_parcel WHERE archive_month = '2026-11'",
    )
    .await;
    assert_eq!(months, 3, "rows carry their handover's pickup month");
    for (table, n) in [
        ("archived_bag", 2),
        ("archived_intake_parcel", 3),
        ("archived_scan_event", 2),
        ("archived_claim", 1),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE archive_month = '2026-11'");
        assert_eq!(count(&app, &sql).await, n, "{table}");
    }

    // The live API no longer knows them ...
    let (status, _) = app
        .get(
            &format!("/v1/sellers/{}/handovers/{}", seller.id, id(&a)),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/v1/tracking/ARCR0001", OPERATOR).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // ... and keeps everything else as it was.
    assert_eq!(app.handover(&seller, &id(&c)).await["status"], "booked");
    assert_eq!(app.handover(&seller, &id(&d)).await["status"], "received");
    let (status, parcel) = app
        .get(
            &format!("/v1/sellers/{}/parcels/ARCX0001", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{parcel}");
    let (status, tracking) = app.get("/v1/tracking/ARCC0001", OPERATOR).await;
    assert_eq!(status, StatusCode::OK, "{tracking}");
    assert_eq!(app.handover_count(&seller).await, 2);

    // Once the claim is decided, its handover follows; a second run finds nothing.
    let (status, decided) = app
        .post(
            &format!("/v1/claims/{}/decision", claims[1]),
            OPERATOR,
            json!({"accepted": false, "note": "found"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let report = archive_closed_handovers(store, &app.clock, MIN_KEEP_MONTHS, 100)
        .await
        .expect("archive");
    assert_eq!(report.counts.handovers, 1, "{report:?}");
    let report = archive_closed_handovers(store, &app.clock, MIN_KEEP_MONTHS, 100)
        .await
        .expect("archive");
    assert_eq!(report.counts.handovers, 0, "{report:?}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM archived_handover").await,
        3
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM handover").await, 1);
}

async fn a_window_shorter_than_the_reports_reach_is_refused(app: TestApp) {
    let store = &app.state.store;
    let err = archive_closed_handovers(store, &app.clock, MIN_KEEP_MONTHS - 1, 100)
        .await
        .expect_err("too short");
    assert!(err.to_string().contains("keep at least 14 months"), "{err}");
    let err = archive_closed_handovers(store, &app.clock, MIN_KEEP_MONTHS, 0)
        .await
        .expect_err("empty chunk");
    assert!(err.to_string().contains("chunk"), "{err}");
}

both!(
    closed_handovers_move_to_the_archive_with_all_their_rows,
    a_window_shorter_than_the_reports_reach_is_refused,
);
