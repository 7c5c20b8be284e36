//! Cost of the seller-performance view (`service::performance::get_performance`) for
//! one seller with 365 days of 5,000 orders a day (1,825,000 orders, about a fifth of
//! them cancelled for the buyer or late intake), over the whole year and over the
//! default 30 days.
//!
//! The orders go in through the real feed (`Store::apply_order_updates`, 1,000 a
//! batch), so the daily counts are the ones the service keeps. Seeding takes a while;
//! the seeded databases are kept and reused by later runs: a SQLite file under
//! `target/` and, when `FIRSTMILE_TEST_POSTGRES_URL` is set, a PostgreSQL database
//! `bench_performance` on that server.
//!
//! `cargo bench --bench performance -- --warm-up-time 1 --measurement-time 3`

use chrono::{DateTime, Days, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use firstmile::config::Settings;
use firstmile::domain::keys::{KeyMode, mint_token};
use firstmile::domain::{CancelReason, Clock, OrderStatus, Principal, Role};
use firstmile::service::Ctx;
use firstmile::service::performance::get_performance;
use firstmile::store::{Address, OrderUpdate, SellerRecord, Store};
use sqlx::Connection;
use tokio::runtime::Runtime;

const SELLER: &str = "SLBENCHPERF00";
const DAYS: u64 = 365;
const ORDERS_PER_DAY: usize = 5_000;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

async fn open(url: &str) -> Store {
    let store = Store::connect(url, 4).await.expect("connect the store");
    if store.first_order_day(SELLER).await.expect("read") == Some(first_day()) {
        return store;
    }
    let seller = SellerRecord {
        seller_id: SELLER.into(),
        name: "Bench seller".into(),
        address: Address {
            province_code: "440000".into(),
            city_code: "440300".into(),
            district: None,
            street: "1 Bench Road".into(),
            lat: 22.5431,
            lon: 114.0579,
        },
        created_at_ms: 0,
        test_mode: false,
    };
    store
        .insert_seller(&seller, &mint_token(KeyMode::Live))
        .await
        .expect("insert the seller");
    let actor = Principal {
        role: Role::Seller,
        id: SELLER.into(),
    };
    let started = std::time::Instant::now();
    for d in 0..DAYS {
        let day = first_day() + Days::new(d);
        let noon = day
            .and_hms_opt(4, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_millis();
        let orders: Vec<OrderUpdate> = (0..ORDERS_PER_DAY)
            .map(|k| {
                // Some weeks run hot, so the year has vacation periods.
                let share = if (d / 7) % 9 == 4 { 40 } else { 15 };
                let (status, cancel_reason) = match k % 100 {
                    x if x < share / 2 => (OrderStatus::Cancelled, Some(CancelReason::Buyer)),
                    x if x < share => (OrderStatus::Cancelled, Some(CancelReason::LateIntake)),
                    _ => (OrderStatus::Valid, None),
                };
                OrderUpdate {
                    order_id: format!("B{d:03}-{k:05}"),
                    created_at_ms: noon + k as i64,
                    status,
                    cancel_reason,
                    cancelled_at_ms: None,
                }
            })
            .collect();
        for chunk in orders.chunks(1_000) {
            store
                .apply_order_updates(SELLER, chunk, &actor, noon)
                .await
                .expect("apply orders");
        }
    }
    eprintln!("seeded {url} in {:?}", started.elapsed());
    store
}

fn bench_backend(c: &mut Criterion, rt: &Runtime, label: &str, url: &str) {
    let store = rt.block_on(open(url));
    let settings = Settings::default();
    let now: DateTime<Utc> = "2027-01-01T02:00:00Z".parse().expect("time");
    let clock = Clock::fixed(now);
    let ctx = Ctx::new(&store, &settings, &clock);
    let operator = Principal {
        role: Role::Operator,
        id: "operator".into(),
    };
    // The first read takes the year's decisions; the measured ones read them.
    let perf = rt
        .block_on(get_performance(
            ctx,
            &operator,
            SELLER,
            Some("2026-01-02"),
            Some("2027-01-01"),
        ))
        .expect("performance");
    assert_eq!(perf.days.len(), 365);
    eprintln!(
        "{label}: {} vacation periods in the year",
        perf.vacation_periods.len()
    );
    let mut group = c.benchmark_group(format!("performance_{label}"));
    group.bench_function("year_of_5000_orders_a_day", |b| {
        b.iter(|| {
            rt.block_on(get_performance(
                ctx,
                &operator,
                SELLER,
                Some("2026-01-02"),
                Some("2027-01-01"),
            ))
            .expect("performance")
        })
    });
    group.bench_function("last_30_days", |b| {
        b.iter(|| {
            rt.block_on(get_performance(ctx, &operator, SELLER, None, None))
                .expect("performance")
        })
    });
    group.finish();
    rt.block_on(store.close());
}

fn performance(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-performance.db");
    bench_backend(
        c,
        &rt,
        "sqlite",
        &format!("sqlite://{}?mode=rwc", path.display()),
    );
    if let Ok(admin_url) = std::env::var("FIRSTMILE_TEST_POSTGRES_URL") {
        let url = rt.block_on(async {
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("postgres");
            let _ = sqlx::query("CREATE DATABASE bench_performance")
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin_url.clone());
            format!("{base}/bench_performance")
        });
        bench_backend(c, &rt, "postgres", &url);
    }
}

criterion_group!(benches, performance);
criterion_main!(benches);
