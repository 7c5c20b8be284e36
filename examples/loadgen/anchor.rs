//! The raw anchor of `loadgen --anchor-url`: a plain axum server on 127.0.0.1:0 with
//! one route, `POST /scans`, backed by a sqlx pool, to measure what the database does
//! with the same requests when nothing else runs (no authentication lookup, no rules,
//! no repeats check, no results table).
//!
//! Each request is one transaction with one `INSERT` per event into
//! `anchor_scan_event`; a `received` event also inserts its `parcels_found` into
//! `anchor_first_scan` in one multi-row `INSERT … ON CONFLICT DO NOTHING`. The principal
//! is the SHA-256 (hex) of the bearer token, looked up nowhere. The answer has the shape of firstmile's
//! (`accepted`, `rejected`, `results[]` with `event_id`, `accepted`, `code`).
//!
//! The server runs on its own two-worker tokio runtime in its own thread, so it does
//! not share workers with the load client.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::pool::PoolOptions;
use sqlx::{Database, Executor, Pool};
use std::net::SocketAddr;
use std::time::Duration;

use super::BoxError;

/// Which sqlx layer the anchor talks through.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// `sqlx::SqlitePool` or `sqlx::PgPool`.
    Native,
    /// `sqlx::AnyPool`, the layer firstmile uses.
    Any,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS anchor_scan_event (principal_id TEXT, event_id TEXT, \
     event_type TEXT, bag_id TEXT, occurred_at_ms BIGINT, measured_weight_g BIGINT, \
     recorded_at_ms BIGINT, PRIMARY KEY (principal_id, event_id))",
    "CREATE TABLE IF NOT EXISTS anchor_first_scan (tracking_number TEXT PRIMARY KEY, \
     bag_id TEXT, first_scan_at_ms BIGINT)",
];

const INSERT_EVENT: &str = "INSERT INTO anchor_scan_event (principal_id, event_id, event_type, \
     bag_id, occurred_at_ms, measured_weight_g, recorded_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The first-scan insert of `n` parcels: `$1` is the bag, `$2` the time, `$3…` the
/// tracking numbers (native SQLite, PostgreSQL and Any all take `$N`).
fn insert_first_scans(n: usize) -> String {
    let rows: Vec<String> = (0..n).map(|i| format!("(${}, $1, $2)", i + 3)).collect();
    format!(
        "INSERT INTO anchor_first_scan (tracking_number, bag_id, first_scan_at_ms) VALUES {} \
         ON CONFLICT (tracking_number) DO NOTHING",
        rows.join(", ")
    )
}

#[derive(Clone)]
enum AnchorPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    Any(sqlx::AnyPool),
}

impl AnchorPool {
    async fn connect(url: &str, driver: Driver) -> Result<Self, sqlx::Error> {
        let sqlite = url.starts_with("sqlite:");
        Ok(match (driver, sqlite) {
            (Driver::Native, true) => Self::Sqlite(connect(url, true).await?),
            (Driver::Native, false) => Self::Postgres(connect(url, false).await?),
            (Driver::Any, _) => {
                sqlx::any::install_default_drivers();
                Self::Any(connect(url, sqlite).await?)
            }
        })
    }

    async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
            Self::Any(p) => p.close().await,
        }
    }
}

/// A pool (one writer connection on SQLite, with WAL, synchronous=NORMAL and a busy
/// timeout as firstmile opens it; 8 connections on PostgreSQL) and the tables.
async fn connect<DB: Database>(url: &str, sqlite: bool) -> Result<Pool<DB>, sqlx::Error>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut options = PoolOptions::<DB>::new()
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(if sqlite { 1 } else { 8 });
    if sqlite {
        options = options.after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                Ok(())
            })
        });
    }
    let pool = options.connect(url).await?;
    for sql in SCHEMA {
        pool.execute(*sql).await?;
    }
    Ok(pool)
}

/// One event as the anchor stores it.
struct Event {
    event_id: String,
    event_type: String,
    bag_id: String,
    occurred_at_ms: i64,
    measured_weight_g: Option<i64>,
    parcels_found: Vec<String>,
}

fn parse(body: &Value) -> Result<Vec<Event>, String> {
    let events = body["events"].as_array().ok_or("body without events[]")?;
    events
        .iter()
        .map(|e| {
            let text = |name: &str| {
                e[name]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("event without {name}: {e}"))
            };
            let occurred_at = chrono::DateTime::parse_from_rfc3339(&text("occurred_at")?)
                .map_err(|err| format!("occurred_at: {err}"))?;
            Ok(Event {
                event_id: text("event_id")?,
                event_type: text("type")?,
                bag_id: text("bag_id")?,
                occurred_at_ms: occurred_at.timestamp_millis(),
                measured_weight_g: e["measured_weight_g"].as_i64(),
                parcels_found: e["parcels_found"]
                    .as_array()
                    .map(|p| {
                        p.iter()
                            .filter_map(|t| t.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// One transaction: one insert per event, and a `received` event's parcels in one more.
async fn store<DB: Database>(
    pool: &Pool<DB>,
    principal: &str,
    events: &[Event],
    recorded_at_ms: i64,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut tx = pool.begin().await?;
    for e in events {
        sqlx::query(INSERT_EVENT)
            .bind(principal)
            .bind(e.event_id.as_str())
            .bind(e.event_type.as_str())
            .bind(e.bag_id.as_str())
            .bind(e.occurred_at_ms)
            .bind(e.measured_weight_g)
            .bind(recorded_at_ms)
            .execute(&mut *tx)
            .await?;
        if e.event_type == "received" && !e.parcels_found.is_empty() {
            let sql = insert_first_scans(e.parcels_found.len());
            let mut query = sqlx::query(&sql)
                .bind(e.bag_id.as_str())
                .bind(e.occurred_at_ms);
            for t in &e.parcels_found {
                query = query.bind(t.as_str());
            }
            query.execute(&mut *tx).await?;
        }
    }
    tx.commit().await
}

async fn scans(State(pool): State<AnchorPool>, headers: HeaderMap, body: Bytes) -> Response {
    let fail = |status: StatusCode, message: String| {
        (status, axum::Json(json!({"error": message}))).into_response()
    };
    let principal = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(principal) = principal.map(|t| hex::encode(Sha256::digest(t))) else {
        return fail(StatusCode::UNAUTHORIZED, "no bearer token".into());
    };
    let principal = principal.as_str();
    let events = match serde_json::from_slice::<Value>(&body) {
        Ok(v) => parse(&v),
        Err(e) => Err(e.to_string()),
    };
    let events = match events {
        Ok(events) => events,
        Err(e) => return fail(StatusCode::BAD_REQUEST, e),
    };
    let now = chrono::Utc::now().timestamp_millis();
    let stored = match &pool {
        AnchorPool::Sqlite(p) => store(p, principal, &events, now).await,
        AnchorPool::Postgres(p) => store(p, principal, &events, now).await,
        AnchorPool::Any(p) => store(p, principal, &events, now).await,
    };
    if let Err(e) = stored {
        return fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    }
    let results: Vec<Value> = events
        .iter()
        .map(|e| json!({"event_id": e.event_id, "accepted": true, "code": e.event_type}))
        .collect();
    axum::Json(json!({"accepted": events.len(), "rejected": 0, "results": results})).into_response()
}

/// The running anchor: its address, and how to stop it.
pub struct Anchor {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Anchor {
    /// Opens the database, creates the tables and starts serving on 127.0.0.1:0.
    pub async fn start(url: &str, driver: Driver) -> Result<Self, BoxError> {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<SocketAddr, String>>();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let url = url.to_owned();
        let thread = std::thread::Builder::new()
            .name("anchor".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("anchor-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("anchor runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(async move {
                    let pool = match AnchorPool::connect(&url, driver).await {
                        Ok(pool) => pool,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("anchor database {url}: {e}")));
                            return;
                        }
                    };
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("anchor listener: {e}")));
                            return;
                        }
                    };
                    let _ = ready_tx.send(listener.local_addr().map_err(|e| e.to_string()));
                    let app = Router::new()
                        .route("/scans", post(scans))
                        .layer(DefaultBodyLimit::max(64 << 20))
                        .with_state(pool.clone());
                    let served = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                    if let Err(e) = served {
                        eprintln!("anchor: {e}");
                    }
                    pool.close().await;
                });
            })?;
        let addr = ready_rx.await.map_err(|_| "anchor thread ended")??;
        Ok(Self { addr, stop, thread })
    }

    /// Stops serving, closes the pool and waits for the thread.
    pub async fn stop(self) -> Result<(), BoxError> {
        let _ = self.stop.send(());
        let thread = self.thread;
        tokio::task::spawn_blocking(move || thread.join())
            .await?
            .map_err(|_| "anchor thread panicked")?;
        Ok(())
    }
}
