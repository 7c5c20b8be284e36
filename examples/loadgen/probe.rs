//! `--probe N`: the latency of each hot-path operation, N times in a row from one
//! client, for a probe seller of its own (in Guangzhou, so its courier's day holds only
//! its own stops whatever the database holds). Run it on an empty database and on a
//! grown one: the two tables side by side are the growth figures of BENCHMARKS.md.

use super::{
    Api, BoxError, china_today, new_scanners, new_seller, none_rejected, quantile_ms, small_parcel,
    str_field,
};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Parcels a registration, a booking and an intake carry.
const PARCELS: usize = 300;

/// One operation's timings.
struct Timings {
    name: &'static str,
    took: Vec<Duration>,
}

impl Timings {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            took: Vec::new(),
        }
    }

    fn print(&mut self) {
        self.took.sort();
        println!(
            "probe {:<34} {:>5} {:>9.2} {:>9.2}",
            self.name,
            self.took.len(),
            quantile_ms(&self.took, 0.50),
            quantile_ms(&self.took, 0.99)
        );
    }
}

/// Times `call`, which must answer `expect`; returns its body.
async fn timed(
    api: &Api,
    t: &mut Timings,
    method: Method,
    path: &str,
    token: &str,
    body: &Value,
    expect: StatusCode,
) -> Result<Value, BoxError> {
    let started = Instant::now();
    let (status, value) = api.call(method.clone(), path, token, body).await?;
    t.took.push(started.elapsed());
    if status != expect {
        return Err(format!("{method} {path}: {status} (wanted {expect}): {value}").into());
    }
    Ok(value)
}

/// Times a GET of each path (each must answer 200) and prints the row; returns the
/// last body.
async fn gets(
    api: &Api,
    name: &'static str,
    token: &str,
    paths: impl IntoIterator<Item = String>,
) -> Result<Value, BoxError> {
    let mut t = Timings::new(name);
    let mut last = Value::Null;
    for path in paths {
        last = timed(
            api,
            &mut t,
            Method::GET,
            &path,
            token,
            &Value::Null,
            StatusCode::OK,
        )
        .await?;
    }
    t.print();
    Ok(last)
}

/// Runs every operation `n` times and prints `operation, n, p50_ms, p99_ms`.
pub(super) async fn run(api: &Api, operator: &str, n: usize) -> Result<(), BoxError> {
    let today = china_today()?;
    let address = json!({"province": "440000", "city": "440100", "street": "1 Probe Road, Tianhe",
                         "lat": 23.1291, "lon": 113.3245});
    let (seller_id, token) = new_seller(api, operator, "Probe Seller", address).await?;
    let (courier, center) = new_scanners(api, operator, "440100").await?;
    println!("probe operation                              n    p50_ms    p99_ms");

    let prefix = format!("PR{}", seller_id.trim_start_matches("SL"));
    let mut register = Timings::new("register 300 parcels");
    let mut lots = Vec::with_capacity(n);
    for i in 0..n {
        let lot: Vec<String> = (0..PARCELS)
            .map(|k| format!("{prefix}{i:04}{k:03}"))
            .collect();
        let parcels: Vec<Value> = lot.iter().map(|t| small_parcel(t)).collect();
        let body = timed(
            api,
            &mut register,
            Method::POST,
            &format!("/v1/sellers/{seller_id}/parcels"),
            &token,
            &json!({"parcels": parcels}),
            StatusCode::OK,
        )
        .await?;
        none_rejected(&body)?;
        lots.push(lot);
    }
    register.print();

    let mut book = Timings::new("book 300 declared parcels");
    let mut bags = Vec::with_capacity(n);
    for lot in &lots {
        let handover = timed(
            api,
            &mut book,
            Method::POST,
            &format!("/v1/sellers/{seller_id}/handovers"),
            &token,
            &json!({"sorting_center": "SZX", "pickup_date": today.to_string(),
                    "bags": [{"parcels": lot, "length_cm": 60.0, "width_cm": 50.0, "height_cm": 40.0}]}),
            StatusCode::CREATED,
        )
        .await?;
        bags.push(str_field(&handover["bags"][0], "id")?);
    }
    book.print();

    let day = format!("/v1/courier/pickups?date={today}");
    gets(
        api,
        "the courier's day",
        &courier,
        std::iter::repeat_n(day, n),
    )
    .await?;

    let run_id = Utc::now().timestamp_millis();
    for chunk in bags.chunks(100) {
        let events: Vec<Value> = chunk
            .iter()
            .map(|b| {
                json!({"event_id": format!("pr-{run_id}-pu-{b}"), "type": "picked_up", "bag_id": b,
                       "occurred_at": now(), "measured_weight_g": PARCELS * 100 + 200})
            })
            .collect();
        let body = api
            .expect(
                Method::POST,
                "/v1/scans",
                &courier,
                &json!({"events": events}),
                StatusCode::OK,
            )
            .await?;
        refused(&body)?;
    }
    let mut intake = Timings::new("a 300-parcel intake");
    for (bag, lot) in bags.iter().zip(&lots) {
        let body = timed(
            api,
            &mut intake,
            Method::POST,
            "/v1/scans",
            &center,
            &json!({"events": [{"event_id": format!("pr-{run_id}-rc-{bag}"), "type": "received",
                                "bag_id": bag, "occurred_at": now(), "parcels_found": lot}]}),
            StatusCode::OK,
        )
        .await?;
        refused(&body)?;
    }
    intake.print();

    let tracked = lots.iter().cycle().take(n);
    let paths = tracked.map(|lot| format!("/v1/tracking/{}", lot[PARCELS / 2]));
    gets(api, "tracking a parcel", &token, paths).await?;

    let list = format!("/v1/sellers/{seller_id}/handovers?limit=10");
    let page = gets(
        api,
        "handover list, first page (10)",
        &token,
        std::iter::repeat_n(list.clone(), n),
    )
    .await?;
    let cursor = page["next_cursor"].as_str().map(str::to_owned);
    // Three pages in: the page after the cursor of the third.
    let mut deep_cursor = cursor;
    for _ in 0..2 {
        let Some(c) = &deep_cursor else { break };
        let page = api
            .expect(
                Method::GET,
                &format!("{list}&cursor={c}"),
                &token,
                &Value::Null,
                StatusCode::OK,
            )
            .await?;
        deep_cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    if let Some(c) = deep_cursor {
        let deep = format!("{list}&cursor={c}");
        gets(
            api,
            "handover list, page 4 (a cursor)",
            &token,
            std::iter::repeat_n(deep, n),
        )
        .await?;
    }

    let eligibility = format!("/v1/sellers/{seller_id}/eligibility");
    gets(
        api,
        "eligibility",
        &token,
        std::iter::repeat_n(eligibility, n),
    )
    .await?;

    let discrepancies = format!("/v1/sorting-centers/SZX/discrepancies?date={today}");
    gets(
        api,
        "discrepancies of SZX today",
        &center,
        std::iter::repeat_n(discrepancies, n),
    )
    .await?;
    Ok(())
}

/// Now, RFC 3339 UTC: when a probe scan happened.
fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn refused(body: &Value) -> Result<(), BoxError> {
    let results = body["results"].as_array().ok_or("no results")?;
    match results.iter().find(|r| r["accepted"] != true) {
        Some(r) => Err(format!("a probe scan was refused: {r}").into()),
        None => Ok(()),
    }
}
