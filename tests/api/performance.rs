//! The store cancellation-rate rule over HTTP (docs/rules.md, rule 21) on the source's
//! own example (2028 is a leap year), its edges and late data; the first-scan SLA
//! (rule 22) against figures worked out by hand; the plots.

use crate::both;
use crate::helpers::{OPERATOR, Seller, TestApp, parcel};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Sets the test clock to 10:00 in China on `day`.
fn set_day(app: &TestApp, day: &str) {
    let at: DateTime<Utc> = format!("{day}T02:00:00Z").parse().expect("time");
    app.clock.set_ms(at.timestamp_millis());
}

/// `orders` orders created at noon (China) on `day`, the first `buyer` of them
/// cancelled by the buyer, the rest valid.
fn day_orders(day: &str, orders: usize, buyer: usize, tag: &str) -> Vec<Value> {
    (0..orders)
        .map(|k| {
            let mut o = json!({"order_id": format!("{tag}-{day}-{k}"), "created_at": format!("{day}T04:00:00Z"),
                               "status": "valid"});
            if k < buyer {
                o["status"] = json!("cancelled");
                o["cancel_reason"] = json!("buyer");
            }
            o
        })
        .collect()
}

/// Reports the orders of `days` (`(day, orders, buyer cancellations)`) for the seller.
pub async fn feed(app: &TestApp, seller: &Seller, days: &[(&str, usize, usize)], tag: &str) {
    let orders: Vec<Value> = days
        .iter()
        .flat_map(|(d, n, c)| day_orders(d, *n, *c, tag))
        .collect();
    for chunk in orders.chunks(1000) {
        let (status, body) = app
            .put(
                &format!("/v1/sellers/{}/orders", seller.id),
                &seller.token,
                json!({"orders": chunk}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

fn feb(d: u32) -> String {
    format!("2028-02-{d:02}")
}

fn mar(d: u32) -> String {
    format!("2028-03-{d:02}")
}

async fn performance(app: &TestApp, seller: &Seller, from: &str, to: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/performance?from={from}&to={to}", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn day<'a>(perf: &'a Value, date: &str) -> &'a Value {
    perf["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == date)
        .unwrap_or_else(|| panic!("no {date} in {perf}"))
}

fn periods(perf: &Value) -> Vec<(String, String)> {
    perf["vacation_periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| {
            (
                p["from"].as_str().unwrap_or_default().to_owned(),
                p["to"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Feb 7-13: 30 clean orders a day (no check before Feb 21 is above 30%); Feb 14-20:
/// 10 orders a day, 4 cancelled by the buyer: 40% on Feb 21.
fn example_start() -> Vec<(String, usize, usize)> {
    (7..=13)
        .map(|d| (feb(d), 30, 0))
        .chain((14..=20).map(|d| (feb(d), 10, 4)))
        .collect()
}

async fn feed_owned(app: &TestApp, seller: &Seller, days: &[(String, usize, usize)]) {
    let days: Vec<(&str, usize, usize)> =
        days.iter().map(|(d, n, c)| (d.as_str(), *n, *c)).collect();
    feed(app, seller, &days, "E").await;
}

async fn the_example_recovers_and_is_back_on_feb_29(app: TestApp) {
    set_day(&app, &mar(10));
    let seller = app.seller().await;
    let mut days = example_start();
    // Many clean orders on Feb 21-23: the re-check of Feb 24 (Feb 17-23) is 16 of 130.
    days.extend((21..=23).map(|d| (feb(d), 30, 0)));
    feed_owned(&app, &seller, &days).await;
    let perf = performance(&app, &seller, &feb(20), &mar(8)).await;
    let feb21 = day(&perf, &feb(21));
    assert_eq!(
        (feb21["orders"].as_i64(), feb21["cancelled_buyer"].as_i64()),
        (Some(70), Some(28))
    );
    assert_eq!(feb21["cancellation_rate"], 0.4);
    assert_eq!(
        (&feb21["in_vacation"], &feb21["reason"]),
        (&json!(false), &json!("above_threshold"))
    );
    assert_eq!(day(&perf, &feb(24))["reason"], "vacation_recovering");
    assert_eq!(periods(&perf), [(feb(22), feb(28))]);
    assert_eq!(day(&perf, &feb(29))["in_vacation"], false);
    // The operator sees the store in vacation on Feb 24.
    let (status, list) = app
        .get(
            &format!("/v1/performance/vacations?date={}", feb(24)),
            OPERATOR,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"][0]["seller_id"], seller.id.as_str());
    assert_eq!(list["items"][0]["status"], "in_vacation");
    let (status, _) = app.get("/v1/performance/vacations", &seller.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn the_example_without_recovery_runs_until_mar_6(app: TestApp) {
    set_day(&app, &mar(10));
    let seller = app.seller().await;
    let mut days = example_start();
    days.extend((21..=29).map(|d| (feb(d), 10, 5)));
    days.extend((1..=6).map(|d| (mar(d), 10, 0)));
    feed_owned(&app, &seller, &days).await;
    let perf = performance(&app, &seller, &feb(20), &mar(8)).await;
    assert_eq!(periods(&perf), [(feb(22), mar(6))]);
    assert_eq!(day(&perf, &feb(28))["reason"], "vacation");
    assert_eq!(day(&perf, &mar(1))["reason"], "vacation_extended");
    assert_eq!(day(&perf, &mar(7))["in_vacation"], false);
}

async fn a_store_enters_again_right_after_its_vacation(app: TestApp) {
    set_day(&app, &mar(15));
    let seller = app.seller().await;
    let mut days = example_start();
    days.push((feb(21), 100, 0));
    days.extend((22..=29).map(|d| (feb(d), 10, 4)));
    days.extend((1..=14).map(|d| (mar(d), 10, 4)));
    feed_owned(&app, &seller, &days).await;
    let perf = performance(&app, &seller, &feb(20), &mar(15)).await;
    // Back on Feb 29, whose own check (Feb 22-28, 40%) puts it in again from Mar 1.
    assert_eq!(periods(&perf), [(feb(22), feb(28)), (mar(1), mar(14))]);
    assert_eq!(day(&perf, &feb(29))["reason"], "above_threshold");
    assert_eq!(day(&perf, &mar(15))["reason"], "above_threshold");
}

async fn exactly_thirty_percent_is_not_above(app: TestApp) {
    set_day(&app, &feb(25));
    let seller = app.seller().await;
    let days: Vec<(String, usize, usize)> = (14..=20).map(|d| (feb(d), 10, 3)).collect();
    feed_owned(&app, &seller, &days).await;
    let perf = performance(&app, &seller, &feb(21), &feb(25)).await;
    assert_eq!(day(&perf, &feb(21))["cancellation_rate"], 0.3);
    assert_eq!(day(&perf, &feb(21))["reason"], "normal");
    assert_eq!(periods(&perf), Vec::<(String, String)>::new());
}

async fn no_orders_is_a_rate_of_zero(app: TestApp) {
    let seller = app.seller().await;
    let (status, perf) = app
        .get(
            &format!("/v1/sellers/{}/performance", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{perf}");
    let days = perf["days"].as_array().expect("days");
    assert_eq!(days.len(), 30);
    assert!(
        days.iter().all(|d| d["orders"] == 0
            && d["cancellation_rate"] == 0.0
            && d["in_vacation"] == false)
    );
    assert_eq!(perf["forecast"]["cancellations_to_exceed"], Value::Null);
    assert_eq!(perf["vacation_periods"], json!([]));
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/performance?to=2099-01-01", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "to");
}

async fn late_data_changes_the_rate_but_not_a_decision_taken(app: TestApp) {
    set_day(&app, &feb(21));
    let seller = app.seller().await;
    // Feb 14-20: 10 a day, 2 cancelled (20%): Feb 21 is a normal day.
    let days: Vec<(String, usize, usize)> = (14..=20).map(|d| (feb(d), 10, 2)).collect();
    feed_owned(&app, &seller, &days).await;
    let perf = performance(&app, &seller, &feb(21), &feb(21)).await;
    assert_eq!(day(&perf, &feb(21))["reason"], "normal");
    // Tomorrow (Feb 22) counts Feb 15-21: 12 of 60; 19 of 60 would be above 30%.
    assert_eq!(perf["forecast"]["cancellations_to_exceed"], 7, "{perf}");
    // Later the same day: two more buyer cancellations a day on Feb 14-20 (40%).
    let late: Vec<Value> = (14..=20)
        .flat_map(|d| {
            (2..4).map(move |k| {
                json!({"order_id": format!("E-{}-{k}", feb(d)), "created_at": format!("{}T04:00:00Z", feb(d)),
                       "status": "cancelled", "cancel_reason": "buyer"})
            })
        })
        .collect();
    let (status, body) = app
        .put(
            &format!("/v1/sellers/{}/orders", seller.id),
            &seller.token,
            json!({"orders": late}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let perf = performance(&app, &seller, &feb(21), &feb(21)).await;
    let feb21 = day(&perf, &feb(21));
    assert_eq!(
        feb21["cancellation_rate"], 0.4,
        "the day's rate follows the data"
    );
    assert_eq!(
        (&feb21["in_vacation"], &feb21["reason"]),
        (&json!(false), &json!("normal")),
        "the decision is kept"
    );
    // Tomorrow's check takes the new data: vacation from Feb 23.
    app.advance_hours(24);
    let perf = performance(&app, &seller, &feb(21), &feb(22)).await;
    assert_eq!(day(&perf, &feb(22))["reason"], "above_threshold");
    assert_eq!(day(&perf, &feb(21))["reason"], "normal");
}

async fn first_scan_sla_matches_figures_worked_by_hand(app: TestApp) {
    // 02:00Z: P2 and P3 registered now; P1 was ready to ship an hour before.
    let seller = app.seller().await;
    let mut p1 = parcel("SLA00001", 400);
    p1["rts_at"] = json!("2026-11-26T01:00:00Z");
    let mut p4 = parcel("SLA00004", 400);
    p4["rts_at"] = json!("2026-11-25T00:00:00Z");
    app.register(
        &seller,
        &[p1, parcel("SLA00002", 300), parcel("SLA00003", 200), p4],
    )
    .await;
    let handover = app
        .book(&seller, &["SLA00001".to_owned(), "SLA00002".to_owned()])
        .await;
    app.book(&seller, &["SLA00004".to_owned()]).await;
    let bag = handover["bags"][0]["id"].as_str().expect("bag").to_owned();
    // At risk: SLA00004 is bagged, 26 hours after its RTS, with no first scan.
    let (status, risk) = app
        .get(
            &format!("/v1/sellers/{}/first-scan-sla/at-risk", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{risk}");
    let listed: Vec<&str> = risk["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["tracking_number"].as_str())
        .collect();
    assert_eq!(listed, ["SLA00004"]);
    app.advance_hours(2); // 04:00Z: pickup
    let courier = app.courier().await;
    assert_eq!(
        app.pick_up(&courier, &bag, &app.now(), 700).await["accepted"],
        true
    );
    app.advance_hours(10); // 14:00Z (22:00 in China): intake, SLA00003 found unregistered
    let center = app.sorting_center("SZX").await;
    app.receive(
        &center,
        &bag,
        &app.now(),
        &["SLA00001", "SLA00002", "SLA00003"],
    )
    .await;
    let (status, sla) = app
        .get(
            &format!(
                "/v1/sellers/{}/first-scan-sla?from=2026-11-26&to=2026-11-26",
                seller.id
            ),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sla}");
    let d = &sla["days"][0];
    // To first scan: 3 h (RTS 01:00), 2 h, 12 h; to intake: 13 h, 12 h, 12 h.
    assert_eq!(
        (&d["date"], &d["sorting_center"], &d["online"]),
        (&json!("2026-11-26"), &json!("SZX"), &json!(3))
    );
    let close = |v: &Value, x: f64| (v.as_f64().unwrap_or(f64::NAN) - x).abs() < 1e-9;
    assert!(close(&d["median_to_first_scan_h"], 3.0), "{d}");
    assert!(close(&d["p90_to_first_scan_h"], 10.2), "{d}");
    assert!(close(&d["median_to_intake_h"], 12.0), "{d}");
    assert!(close(&d["p90_to_intake_h"], 12.8), "{d}");
    assert!(close(&d["hours_gained"], 20.0), "{d}");
    assert!(close(&d["share_backdated"], 2.0 / 3.0), "{d}");
    assert!(close(&d["share_at_intake"], 1.0 / 3.0), "{d}");
    // The plots, as SVG.
    for plot in ["cancellation-rate.svg", "first-scan-lead-time.svg"] {
        let resp = app
            .client
            .get(app.url(&format!("/v1/sellers/{}/performance/{plot}", seller.id)))
            .bearer_auth(&seller.token)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "image/svg+xml");
        let text = resp.text().await.unwrap_or_default();
        assert!(
            text.starts_with("<svg") && text.contains("backdating") == plot.starts_with("first"),
            "{plot}"
        );
    }
}

both!(
    the_example_recovers_and_is_back_on_feb_29,
    the_example_without_recovery_runs_until_mar_6,
    a_store_enters_again_right_after_its_vacation,
    exactly_thirty_percent_is_not_above,
    no_orders_is_a_rate_of_zero,
    late_data_changes_the_rate_but_not_a_decision_taken,
    first_scan_sla_matches_figures_worked_by_hand,
);
