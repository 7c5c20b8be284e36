//! Webhook deliveries per second to a local receiver (loopback only).
//!
//! Setup, on the real store: a seller, `--endpoints` webhook endpoints of it pointing
//! at an axum receiver on 127.0.0.1 (port 0) that answers 204, and `--events` events
//! appended to its log (each fanned out to every endpoint by the outbox). Then the
//! worker's own delivery round (`webhooks::deliver_due`: lease, sign, POST, record the
//! attempt) runs until every delivery arrived, and the example prints deliveries per
//! second. Bounded: it stops after `--max-seconds` whatever arrived.
//!
//! ```text
//! cargo run --release --example webhook_throughput -- --events 2000 --endpoints 1
//! cargo run --release --example webhook_throughput -- --database-url postgres://postgres@127.0.0.1:5432/wh_bench
//! ```
//! With no `--database-url` it runs on a SQLite temp file, removed at the end.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use clap::Parser;
use firstmile::domain::{Clock, EventType, KeyMode, mint_token, new_id};
use firstmile::store::{Address, NewEvent, SellerRecord, Store};
use firstmile::webhooks::client::{UrlPolicy, build_client};
use firstmile::webhooks::{WorkerConfig, deliver_due};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Webhook deliveries per second to a local receiver")]
struct Args {
    /// Events appended to the seller's log.
    #[arg(long, default_value_t = 2_000)]
    events: usize,
    /// Webhook endpoints subscribed to every event (deliveries = events x endpoints).
    #[arg(long, default_value_t = 1)]
    endpoints: usize,
    /// A database URL (default: a SQLite temp file).
    #[arg(long)]
    database_url: Option<String>,
    /// Stop after this long, delivered or not.
    #[arg(long, default_value_t = 120)]
    max_seconds: u64,
}

/// The Standard Webhooks README's example secret (any base64 secret signs).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let got = Arc::new(AtomicUsize::new(0));
    let counter = got.clone();
    let receiver = Router::new().route(
        "/hook",
        post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, receiver).await;
    });

    let temp = std::env::temp_dir().join(format!("firstmile_wh_{}.db", std::process::id()));
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", temp.display()));
    let store = Store::connect(&database_url, 8).await?;
    let clock = Clock::System;
    let now = clock.now_ms();
    let seller = SellerRecord {
        seller_id: new_id("SL"),
        name: "Throughput seller".into(),
        address: Address {
            province_code: "440000".into(),
            city_code: "440300".into(),
            district: None,
            street: "1 Bench Road".into(),
            lat: 22.5431,
            lon: 114.0579,
        },
        created_at_ms: now,
        test_mode: false,
    };
    store
        .insert_seller(&seller, &mint_token(KeyMode::Live))
        .await?;
    for _ in 0..args.endpoints {
        store
            .insert_webhook(&seller.seller_id, &url, &[], SECRET, now)
            .await?;
    }
    let events: Vec<NewEvent> = (0..args.events)
        .map(|i| {
            NewEvent::new(
                EventType::BagPickedUp,
                json!({"handover_id": format!("HO{i:012}"), "bag_id": format!("MB{i:012}"),
                       "picked_up_at": "2026-12-02T08:00:00.000Z", "measured_weight_g": 1200}),
            )
        })
        .collect();
    for chunk in events.chunks(500) {
        store.append_events(&seller.seller_id, chunk, now).await?;
    }

    let policy = UrlPolicy {
        allow_http: true,
        allow_private: true,
    };
    let config = WorkerConfig {
        policy,
        poll: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        lease_ms: 30_000,
        batch: 100,
    };
    let http = build_client(policy, config.timeout);
    let owner = new_id("WK");
    let expected = args.events * args.endpoints;
    let started = Instant::now();
    let limit = Duration::from_secs(args.max_seconds);
    while got.load(Ordering::Relaxed) < expected && started.elapsed() < limit {
        if deliver_due(&store, &clock, &http, &config, &owner).await? == 0 {
            tokio::time::sleep(config.poll).await;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let delivered = got.load(Ordering::Relaxed);
    println!(
        "{} deliveries ({} events x {} endpoints) in {elapsed:.2} s: {:.0} deliveries/s ({})",
        delivered,
        args.events,
        args.endpoints,
        delivered as f64 / elapsed,
        if database_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    store.close().await;
    if args.database_url.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = temp.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(())
}
