//! The use cases themselves, called as the web pages and any other way in call them:
//! through `firstmile::service` with a `Ctx` on the test database, never through
//! HTTP. Each runs on SQLite and on PostgreSQL.

use crate::both;
use crate::helpers::{OPERATOR, SHENZHEN, TestApp};
use chrono::Days;
use firstmile::domain::{FirstScanBasis, HandoverStatus, Principal, Role, TrackingStatus};
use firstmile::service::address::AddressInput;
use firstmile::service::handover_changes::cancel_handover;
use firstmile::service::handovers::{Booking, book_handover, get_handover};
use firstmile::service::keys::create_key;
use firstmile::service::parcels::register_parcels;
use firstmile::service::partners::create_courier;
use firstmile::service::scans::apply_scans;
use firstmile::service::sellers::{DayOrders, NewSeller, create_seller, report_order_volumes};
use firstmile::service::tracking::track_parcel;
use firstmile::service::{Ctx, ServiceError};
use firstmile::store::{NewBag, NewParcel, ScanEvent, ScanKind};

both!(
    booking_refusals_come_in_their_order,
    cancel_against_pickup_ends_in_one_outcome,
    intake_backdates_found_parcels_to_the_bags_pickup,
);

/// A use case's refusal code, or `ok`.
fn code<T>(result: &Result<T, ServiceError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(ServiceError::Field { code, .. }) => code.to_string(),
        Err(e) => e.code().to_owned(),
    }
}

async fn principal(ctx: Ctx<'_>, token: &str) -> Principal {
    ctx.store
        .get_principal_by_token(token)
        .await
        .expect("look the key up")
        .expect("a known key")
}

/// A seller made by the operator's use case, at `(province, city, point)`, with
/// `daily` orders on each of the 30 days before today; its principal.
async fn seller(
    app: &TestApp,
    province: &str,
    city: &str,
    point: (f64, f64),
    daily: i64,
) -> Principal {
    let ctx = app.state.ctx();
    let operator = principal(ctx, OPERATOR).await;
    let input = NewSeller {
        name: "深圳小店".into(),
        pickup_address: AddressInput {
            province: province.into(),
            city: city.into(),
            district: None,
            street: "福华路 1 号".into(),
            lat: point.0,
            lon: point.1,
        },
        test_mode: false,
    };
    let (record, token) = create_seller(ctx, &operator, &input).await.expect("seller");
    let me = principal(ctx, &token).await;
    assert_eq!(
        (me.role, me.id.as_str()),
        (Role::Seller, record.seller_id.as_str())
    );
    set_daily_orders(app, &me, daily).await;
    me
}

async fn set_daily_orders(app: &TestApp, seller: &Principal, daily: i64) {
    let today = app.clock.today();
    let days: Vec<DayOrders> = (1..=30)
        .map(|back| DayOrders {
            date: (today - Days::new(back)).to_string(),
            orders: daily,
        })
        .collect();
    report_order_volumes(app.state.ctx(), seller, &seller.id, &days)
        .await
        .expect("order volumes");
}

/// Registers parcels `PREFIX0001...` of `weight_g` each, bound for SZX.
async fn register(
    app: &TestApp,
    seller: &Principal,
    prefix: &str,
    n: usize,
    weight_g: i64,
) -> Vec<String> {
    let parcels: Vec<NewParcel> = (1..=n)
        .map(|i| NewParcel {
            rts_at_ms: None,
            tracking_number: format!("{prefix}{i:04}"),
            order_id: format!("ORD-{prefix}-{i}"),
            weight_g,
            length_cm: 20.0,
            width_cm: 15.0,
            height_cm: 10.0,
            sorting_center: "SZX".into(),
        })
        .collect();
    let outcomes = register_parcels(app.state.ctx(), seller, &seller.id, parcels)
        .await
        .expect("register");
    outcomes.into_iter().map(|o| o.tracking_number).collect()
}

fn booking(center: &str, date: &str, parcels: &[String]) -> Booking {
    Booking {
        sorting_center: center.into(),
        pickup_date: date.into(),
        bags: Some(vec![NewBag {
            parcels: parcels.to_vec(),
            sides_cm: [60.0, 50.0, 40.0],
        }]),
        auto_plan: false,
        tracking_numbers: None,
    }
}

/// Booking checks the destination, the date, coverage, eligibility, then the bags
/// (docs/rules.md, rule 13): a booking wrong in every way gets the first refusal,
/// and mending each in turn uncovers the next.
async fn booking_refusals_come_in_their_order(app: TestApp) {
    let ctx = app.state.ctx();
    let today = app.today();
    let yesterday = (app.clock.today() - Days::new(1)).to_string();
    // Eligible by nothing: 10 orders a day; two parcels of 30 kg make one bag too heavy.
    let seller = seller(&app, "440000", "440300", SHENZHEN, 10).await;
    let heavy = register(&app, &seller, "ORD", 2, 30_000).await;
    let book = |center: &str, date: &str, parcels: &[String]| {
        book_handover(ctx, &seller, &seller.id, booking(center, date, parcels))
    };
    assert_eq!(
        code(&book("SEA", &yesterday, &heavy).await),
        "sorting_center_not_supported"
    );
    assert_eq!(
        code(&book("SZX", &yesterday, &heavy).await),
        "pickup_date_in_past"
    );
    assert_eq!(
        code(&book("SZX", &today, &heavy).await),
        "seller_not_eligible"
    );
    set_daily_orders(&app, &seller, 60).await;
    assert_eq!(code(&book("SZX", &today, &heavy).await), "bag_too_heavy");
    let view = book("SZX", &today, &heavy[..1]).await.expect("booked");
    assert_eq!(view.handover.status, HandoverStatus::Booked);
    // A refused booking left nothing behind: the other parcel is still free.
    assert_eq!(code(&book("SZX", &today, &heavy[1..]).await), "ok");

    // Coverage comes before eligibility: an uncovered, ineligible seller hears about
    // coverage (Urumqi, Xinjiang, is outside the service area).
    let far = self::seller(&app, "650000", "650100", (43.8256, 87.6168), 10).await;
    let parcels = register(&app, &far, "FAR", 1, 500).await;
    let result = book_handover(ctx, &far, &far.id, booking("SZX", &today, &parcels)).await;
    assert_eq!(code(&result), "area_not_covered");
}

async fn courier_and_center(app: &TestApp) -> (Principal, Principal) {
    let ctx = app.state.ctx();
    let operator = principal(ctx, OPERATOR).await;
    let courier = create_courier(ctx, &operator, "顺丰深圳", &["440300".to_owned()])
        .await
        .expect("courier");
    let szx = Principal {
        role: Role::SortingCenter,
        id: "SZX".into(),
    };
    let (_, center) = create_key(ctx, &operator, &szx, Some("intake"))
        .await
        .expect("center key");
    (
        principal(ctx, &courier.api_key).await,
        principal(ctx, &center).await,
    )
}

fn pickup(event_id: &str, bag_id: &str, at_ms: i64) -> ScanEvent {
    ScanEvent {
        event_id: event_id.into(),
        bag_id: bag_id.into(),
        occurred_at_ms: at_ms,
        kind: ScanKind::PickedUp {
            measured_weight_g: 1_000,
            measured_sides_cm: None,
        },
    }
}

/// A cancel and a pickup of the same handover, started together, end in exactly one
/// outcome: cancelled with the pickup refused, or picked up with the cancel refused
/// (`already_picked_up`). The store decides it, on both databases.
async fn cancel_against_pickup_ends_in_one_outcome(app: TestApp) {
    let ctx = app.state.ctx();
    let seller = seller(&app, "440000", "440300", SHENZHEN, 60).await;
    let (courier, _) = courier_and_center(&app).await;
    let parcels = register(&app, &seller, "RACE", 12, 500).await;
    let today = app.today();
    let now = app.clock.now_ms();
    let (mut cancelled, mut picked) = (0, 0);
    for (i, pair) in parcels.chunks(1).enumerate() {
        let view = book_handover(ctx, &seller, &seller.id, booking("SZX", &today, pair))
            .await
            .expect("booked");
        let handover_id = view.handover.handover_id.clone();
        let bag_id = view.bags[0].bag_id.clone();
        let event = [pickup(&format!("EV-RACE-{i}"), &bag_id, now)];
        let (cancel, scan) = tokio::join!(
            cancel_handover(ctx, &seller, &seller.id, &handover_id),
            apply_scans(ctx, &courier, &event),
        );
        let scan = scan.expect("a scan batch is answered per event");
        let after = get_handover(ctx, &seller, &seller.id, &handover_id)
            .await
            .expect("handover");
        match (code(&cancel).as_str(), scan[0].accepted) {
            ("ok", false) => {
                assert_eq!(after.handover.status, HandoverStatus::Cancelled);
                assert_eq!(scan[0].code, "handover_cancelled", "{scan:?}");
                cancelled += 1;
            }
            ("already_picked_up", true) => {
                assert_eq!(after.handover.status, HandoverStatus::PickedUp);
                picked += 1;
            }
            other => panic!("two outcomes or none: {other:?} {scan:?}"),
        }
    }
    assert_eq!(cancelled + picked, 12);
}

/// At intake, each registered parcel found in the bag gets its first scan at the
/// bag's pickup time (basis `bag_pickup`), recorded at intake; a registered parcel
/// not found gets none and is `missing` (docs/rules.md, rule 15).
async fn intake_backdates_found_parcels_to_the_bags_pickup(app: TestApp) {
    let ctx = app.state.ctx();
    let seller = seller(&app, "440000", "440300", SHENZHEN, 60).await;
    let (courier, center) = courier_and_center(&app).await;
    let parcels = register(&app, &seller, "BACK", 3, 500).await;
    let view = book_handover(
        ctx,
        &seller,
        &seller.id,
        booking("SZX", &app.today(), &parcels),
    )
    .await
    .expect("booked");
    let bag_id = view.bags[0].bag_id.clone();
    let picked_at = app.clock.now_ms();
    let result = apply_scans(ctx, &courier, &[pickup("EV-BACK-1", &bag_id, picked_at)])
        .await
        .expect("pickup");
    assert!(result[0].accepted, "{result:?}");
    // Before intake, tracking shows no first scan.
    let early = track_parcel(ctx, &parcels[0]).await.expect("tracking");
    assert_eq!(early.first_scan_at_ms, None);

    app.advance_hours(20);
    let intake_at = app.clock.now_ms();
    let intake = ScanEvent {
        event_id: "EV-BACK-2".into(),
        bag_id,
        occurred_at_ms: intake_at,
        kind: ScanKind::Received {
            parcels_found: parcels[..2].to_vec(),
        },
    };
    let result = apply_scans(ctx, &center, &[intake]).await.expect("intake");
    assert!(result[0].accepted, "{result:?}");
    for found in &parcels[..2] {
        let t = track_parcel(ctx, found).await.expect("tracking");
        assert_eq!(t.status, TrackingStatus::Received, "{t:?}");
        assert_eq!(t.first_scan_at_ms, Some(picked_at), "{t:?}");
        assert_eq!(t.first_scan_basis, Some(FirstScanBasis::BagPickup), "{t:?}");
    }
    let missing = track_parcel(ctx, &parcels[2]).await.expect("tracking");
    assert_eq!(missing.status, TrackingStatus::Missing, "{missing:?}");
    assert_eq!(missing.first_scan_at_ms, None, "{missing:?}");
    assert_eq!(missing.first_scan_basis, None);
}
