//! Cost of the intake path against the real store (`firstmile::store::Store`):
//!
//! - `insert_parcels_300`: registering 300 parcels in one `Store::insert_parcels` call;
//! - `receive_bag_300`: `Store::apply_scans` with one `received` event listing all 300
//!   parcels of a bag that a courier has picked up, i.e. the set-based backdating of
//!   300 first scans. Each iteration gets its own seller-side setup (300 parcels of
//!   100 g, a handover with one 60x60x60 cm bag, a `picked_up` event), built by
//!   `iter_batched` outside the measurement.
//!
//! - `book_300` and `book_300_with_history`: `Store::insert_handover` of one declared bag
//!   of 300 freshly registered parcels, for a new seller and for a seller that already
//!   holds `FIRSTMILE_BENCH_HISTORY` parcels (default 300,000; nine in ten of them
//!   bagged and handed over), beside `insert_parcels_300_with_history` for the same
//!   seller: booking must cost what registering costs, whatever the seller's history.
//!
//! Runs on a SQLite temp file, and also on PostgreSQL when
//! `FIRSTMILE_TEST_POSTGRES_URL` is set: a fresh database `bench_<random>` is created on
//! that server and dropped at the end. Target: a few milliseconds each on SQLite.
//!
//! `cargo bench --bench intake` (add `-- receive` to run one group only).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use firstmile::domain::{BagLimits, KeyMode, Principal, Role, mint_token, new_id};
use firstmile::service::coverage::seed_reference_data;
use firstmile::store::{
    Address, HandoverView, NewBag, NewHandover, NewParcel, ParcelOutcome, ScanEvent, ScanKind,
    ScanReach, SellerRecord, Store,
};
use sqlx::Connection;
use tokio::runtime::Runtime;

const PARCELS_PER_BAG: usize = 300;
const PARCEL_WEIGHT_G: i64 = 100;
const COURIER_ID: &str = "CRBENCH";
const SHENZHEN: (f64, f64) = (22.5431, 114.0579);

/// A store on a fresh database, removed again on [`BenchDb::cleanup`].
struct BenchDb {
    label: &'static str,
    store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A run-unique tracking-number prefix (4 to 40 characters of `A-Za-z0-9-_`).
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("//").map_or(0, |i| i + 2);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl BenchDb {
    async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique("firstmile_bench_")));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Self::open("sqlite", &url, Cleanup::File(path)).await
    }

    async fn postgres(admin_url: &str) -> Self {
        let name = unique("bench_").to_lowercase();
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("FIRSTMILE_TEST_POSTGRES_URL is unreachable: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the bench database");
        let _ = admin.close().await;
        let url = with_database(admin_url, &name);
        let cleanup = Cleanup::Database {
            admin_url: admin_url.to_owned(),
            name,
        };
        Self::open("postgres", &url, cleanup).await
    }

    /// Connects (migrating), seeds sorting centers and coverage, adds a courier.
    async fn open(label: &'static str, url: &str, cleanup: Cleanup) -> Self {
        let store = Store::connect(url, 4).await.expect("connect the store");
        seed_reference_data(&store, now_ms())
            .await
            .expect("seed reference data");
        store
            .insert_courier(
                COURIER_ID,
                "Bench courier",
                &["440300".to_owned()],
                &mint_token(KeyMode::Live),
                now_ms(),
            )
            .await
            .expect("insert the courier");
        Self {
            label,
            store,
            cleanup,
        }
    }

    async fn cleanup(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            }
        }
    }

    async fn seller(&self) -> SellerRecord {
        let seller = SellerRecord {
            seller_id: new_id("SL"),
            name: "Bench seller".into(),
            address: shenzhen(),
            created_at_ms: now_ms(),
            test_mode: false,
        };
        self.store
            .insert_seller(&seller, &mint_token(KeyMode::Live))
            .await
            .expect("insert the seller");
        seller
    }

    /// Registers `PARCELS_PER_BAG` fresh parcels and returns their tracking numbers.
    async fn register(&self, seller_id: &str) -> Vec<String> {
        let parcels = parcels(PARCELS_PER_BAG);
        let outcomes = self
            .store
            .insert_parcels(seller_id, &parcels, now_ms())
            .await
            .expect("insert parcels");
        assert!(outcomes.iter().all(|o| *o == ParcelOutcome::Registered));
        parcels.into_iter().map(|p| p.tracking_number).collect()
    }

    /// Books one bag of `tracking` for `seller`.
    async fn book(&self, seller: &SellerRecord, tracking: Vec<String>) -> HandoverView {
        let actor = Principal {
            role: Role::Seller,
            id: seller.seller_id.clone(),
        };
        let new = NewHandover {
            seller_id: seller.seller_id.clone(),
            sorting_center: "SZX".into(),
            pickup_date: chrono::Utc::now().date_naive().to_string(),
            address: seller.address.clone(),
            bags: vec![NewBag {
                parcels: tracking,
                sides_cm: [60.0, 60.0, 60.0],
            }],
            transit_hours: 24,
        };
        self.store
            .insert_handover(&new, &BagLimits::default(), &actor, now_ms())
            .await
            .expect("book the handover")
    }

    /// A seller holding `n` parcels, nine in ten of them bagged and handed over.
    async fn veteran(&self, n: usize) -> SellerRecord {
        let seller = self.seller().await;
        let started = std::time::Instant::now();
        for i in 0..n.div_ceil(PARCELS_PER_BAG) {
            let tracking = self.register(&seller.seller_id).await;
            if i % 10 != 9 {
                self.book(&seller, tracking).await;
            }
        }
        eprintln!(
            "intake/{}: a seller with {n} parcels seeded in {:.1?}",
            self.label,
            started.elapsed()
        );
        seller
    }

    /// A seller, 300 parcels, a one-bag handover and its pickup; returns the bag id and
    /// the `received` event that lists all its parcels.
    async fn picked_up_bag(&self) -> ScanEvent {
        let seller = self.seller().await;
        let tracking = self.register(&seller.seller_id).await;
        let view = self.book(&seller, tracking.clone()).await;
        let limits = BagLimits::default();
        let bag_id = view.bags[0].bag_id.clone();
        let picked_at = now_ms() - 3_600_000;
        let courier = Principal {
            role: Role::Courier,
            id: COURIER_ID.into(),
        };
        let reach = ScanReach::live();
        let pickup = ScanEvent {
            event_id: unique("pu"),
            bag_id: bag_id.clone(),
            occurred_at_ms: picked_at,
            kind: ScanKind::PickedUp {
                measured_weight_g: PARCEL_WEIGHT_G * PARCELS_PER_BAG as i64 + 300,
                measured_sides_cm: None,
            },
        };
        let results = self
            .store
            .apply_scans(&courier, &reach, &[pickup], (&limits, 3_600_000), now_ms())
            .await
            .expect("apply the pickup");
        assert!(results[0].accepted, "pickup refused: {:?}", results[0]);
        ScanEvent {
            event_id: unique("rc"),
            bag_id,
            occurred_at_ms: now_ms(),
            kind: ScanKind::Received {
                parcels_found: tracking,
            },
        }
    }
}

fn shenzhen() -> Address {
    Address {
        province_code: "440000".into(),
        city_code: "440300".into(),
        district: None,
        street: "1 Bench Road".into(),
        lat: SHENZHEN.0,
        lon: SHENZHEN.1,
    }
}

/// `n` fresh 100 g parcels to SZX.
fn parcels(n: usize) -> Vec<NewParcel> {
    let prefix = unique("BN");
    (0..n)
        .map(|i| NewParcel {
            rts_at_ms: None,
            tracking_number: format!("{prefix}n{i:04}"),
            order_id: format!("O{prefix}n{i:04}"),
            weight_g: PARCEL_WEIGHT_G,
            length_cm: 20.0,
            width_cm: 15.0,
            height_cm: 10.0,
            sorting_center: "SZX".into(),
        })
        .collect()
}

fn bench_db(c: &mut Criterion, rt: &Runtime, db: &BenchDb) {
    let mut group = c.benchmark_group(format!("intake/{}", db.label));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));

    let seller = rt.block_on(db.seller());
    group.bench_function("insert_parcels_300", |b| {
        b.iter_batched(
            || parcels(PARCELS_PER_BAG),
            |batch| {
                let outcomes = rt
                    .block_on(db.store.insert_parcels(&seller.seller_id, &batch, now_ms()))
                    .expect("insert parcels");
                debug_assert_eq!(outcomes.len(), PARCELS_PER_BAG);
                outcomes
            },
            BatchSize::PerIteration,
        )
    });

    let sorting_center = Principal {
        role: Role::SortingCenter,
        id: "SZX".into(),
    };
    let limits = BagLimits::default();
    group.bench_function("receive_bag_300", |b| {
        b.iter_batched(
            || rt.block_on(db.picked_up_bag()),
            |event| {
                let results = rt
                    .block_on(db.store.apply_scans(
                        &sorting_center,
                        &ScanReach::live(),
                        std::slice::from_ref(&event),
                        (&limits, 3_600_000),
                        now_ms(),
                    ))
                    .expect("apply the intake");
                let r = &results[0];
                assert!(
                    r.accepted && r.first_scans_set == Some(PARCELS_PER_BAG as u64),
                    "intake not fully applied: {r:?}"
                );
                results
            },
            BatchSize::PerIteration,
        )
    });

    let fresh = rt.block_on(db.seller());
    let history = std::env::var("FIRSTMILE_BENCH_HISTORY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let veteran = rt.block_on(db.veteran(history));
    for (name, seller) in [("book_300", &fresh), ("book_300_with_history", &veteran)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || rt.block_on(db.register(&seller.seller_id)),
                |tracking| rt.block_on(db.book(seller, tracking)),
                BatchSize::PerIteration,
            )
        });
    }
    group.bench_function("insert_parcels_300_with_history", |b| {
        b.iter_batched(
            || parcels(PARCELS_PER_BAG),
            |batch| {
                rt.block_on(
                    db.store
                        .insert_parcels(&veteran.seller_id, &batch, now_ms()),
                )
                .expect("insert parcels")
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn intake(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let sqlite = rt.block_on(BenchDb::sqlite());
    bench_db(c, &rt, &sqlite);
    rt.block_on(sqlite.cleanup());
    match std::env::var("FIRSTMILE_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let pg = rt.block_on(BenchDb::postgres(&admin_url));
            bench_db(c, &rt, &pg);
            rt.block_on(pg.cleanup());
        }
        Err(_) => eprintln!("intake: PostgreSQL skipped (FIRSTMILE_TEST_POSTGRES_URL is not set)"),
    }
}

criterion_group!(benches, intake);
criterion_main!(benches);
