//! All SQL lives here. One [`Store`] serves SQLite (the embedded default) and
//! PostgreSQL (production) with one query text per statement.
//!
//! Key decision: `sqlx::AnyPool` with runtime queries. `$n` placeholders, `ON
//! CONFLICT`, `RETURNING` and `CAST` are portable; the `Any` driver decodes only bools,
//! integers, floats, strings and bytes (sqlx issues #2778, #3571), so the schema uses
//! TEXT ids, BIGINT epoch-millisecond times, BIGINT 0/1 flags and TEXT statuses with
//! CHECK constraints. Every integer column is BIGINT so both databases decode `i64`.
//!
//! SQLite allows one writer at a time. Rather than retrying "database is locked",
//! the store keeps two pools on SQLite: a single-connection writer pool (writes queue
//! in the pool, never in SQLite's lock) and a reader pool that WAL lets run beside it.
//! On PostgreSQL both are the same pool, and races (cancel against pickup, two
//! servers) are decided by row locks in guarded `UPDATE ... WHERE status IN (...)`.

mod bags;
mod booking;
mod claims;
mod coverage;
mod events;
mod handover_records;
mod handover_states;
mod handovers;
mod idempotency;
mod intake;
mod keys;
mod locks;
mod orders;
mod parcels;
mod partners;
mod performance;
mod pickups;
mod retention;
mod scan_batch;
mod scan_groups;
mod scans;
mod sellers;
mod together;
mod tracking;
mod web_sessions;
mod webhooks;

pub use bags::*;
pub use claims::*;
pub use coverage::*;
pub use events::{EventRecord, NewEvent};
pub use handover_records::*;
pub use idempotency::*;
pub use keys::*;
pub use locks::is_retryable;
pub use orders::*;
pub use parcels::*;
pub use performance::*;
pub use retention::ArchiveCounts;
pub use scans::*;
pub use sellers::*;
pub use tracking::*;
pub use web_sessions::*;
pub use webhooks::*;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

/// The schema, embedded in the binary and applied at start on either database.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Scan transactions a server runs at once on PostgreSQL by default
/// (`FIRSTMILE_DB_SCAN_WRITERS`; BENCHMARKS.md, "Group commit", has the measurements).
pub const DEFAULT_SCAN_WRITERS: usize = 4;

/// The `BEGIN` of a scan transaction on PostgreSQL ([`Store::begin_scan_write`]): no
/// plan of its statements scans a table whole or joins by hashing or merging where an
/// index lookup can serve.
const KEYED_BEGIN: &str = "BEGIN; SET LOCAL enable_seqscan = off; \
     SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";

/// Which database the store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The storage layer: a writer pool and a reader pool (the same pool on PostgreSQL).
#[derive(Clone, Debug)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
    /// Scan requests waiting for a writer, applied together (`scan_groups.rs`).
    scan_groups: std::sync::Arc<scan_groups::ScanGroups>,
}

/// Errors of the store. Rule refusals carry the stable API code they map to.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{1}")]
    NotFound(&'static str, String),
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether a database error is a unique-key violation (classified by kind, not by
    /// constraint name: SQLite reports none).
    pub fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// SQLite settings that trade speed against durability or memory (BENCHMARKS.md,
/// "SQLite settings", has what each is measured to cost). WAL mode, foreign keys and
/// the busy timeout are always on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqliteSettings {
    /// `synchronous`: `NORMAL` (the default) syncs the WAL at checkpoints, so a power
    /// loss (not a crash of the process) may undo the last transactions; `FULL` syncs
    /// every commit.
    pub synchronous: Synchronous,
    /// Bytes of the file read through a memory map (`mmap_size`); 0 turns it off.
    pub mmap_bytes: u64,
    /// Page cache per connection, in KiB (`cache_size = -N`).
    pub cache_kib: u64,
}

/// SQLite's `synchronous` levels firstmile allows (`OFF` is not among them: a crash of
/// the machine could corrupt the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synchronous {
    Normal,
    Full,
}

impl std::str::FromStr for Synchronous {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "normal" => Ok(Self::Normal),
            "full" => Ok(Self::Full),
            _ => Err(format!("`{s}` is not normal or full")),
        }
    }
}

impl Default for SqliteSettings {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Normal,
            mmap_bytes: 0,
            cache_kib: 2_000,
        }
    }
}

impl SqliteSettings {
    /// The statements run on each new connection.
    fn pragmas(&self) -> Vec<String> {
        let synchronous = match self.synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        vec![
            "PRAGMA journal_mode = WAL".into(),
            format!("PRAGMA synchronous = {synchronous}"),
            "PRAGMA foreign_keys = ON".into(),
            "PRAGMA busy_timeout = 10000".into(),
            format!("PRAGMA mmap_size = {}", self.mmap_bytes),
            format!("PRAGMA cache_size = -{}", self.cache_kib),
        ]
    }
}

impl Store {
    /// Connects to `url` (`sqlite:` or `postgres:`), applies the migrations and seeds
    /// reference data when the database has none; SQLite with the default settings.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Self> {
        Self::connect_with(url, max_connections, SqliteSettings::default()).await
    }

    /// [`Store::connect`] with SQLite settings of the caller's choosing.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        settings: SqliteSettings,
    ) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let store = if url.starts_with("sqlite:") {
            let pragmas = std::sync::Arc::new(settings.pragmas());
            let options = || {
                let pragmas = pragmas.clone();
                AnyPoolOptions::new()
                    .acquire_timeout(Duration::from_secs(30))
                    // A connection to a file in this process cannot go stale: the ping
                    // that would test it at every acquire is a round trip to its
                    // worker thread for nothing (BENCHMARKS.md, "Statements sent
                    // together").
                    .test_before_acquire(false)
                    .after_connect(move |conn, _meta| {
                        let pragmas = pragmas.clone();
                        Box::pin(async move {
                            for pragma in pragmas.iter() {
                                conn.execute(pragma.as_str()).await?;
                            }
                            Ok(())
                        })
                    })
            };
            let writer = options().max_connections(1).connect(url).await?;
            MIGRATOR.run(&writer).await?;
            let reader = options()
                .max_connections(max_connections.max(1))
                .connect(url)
                .await?;
            Self {
                writer,
                reader,
                backend: Backend::Sqlite,
                scan_groups: std::sync::Arc::new(scan_groups::ScanGroups::new(1)),
            }
        } else {
            let pool = AnyPoolOptions::new()
                .max_connections(max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            // sqlx takes an advisory lock, so servers starting together migrate once.
            MIGRATOR.run(&pool).await?;
            Self {
                writer: pool.clone(),
                reader: pool,
                backend: Backend::Postgres,
                scan_groups: std::sync::Arc::new(scan_groups::ScanGroups::new(
                    DEFAULT_SCAN_WRITERS,
                )),
            }
        };
        Ok(store)
    }

    /// Runs at most `writers` scan transactions at once on PostgreSQL (one on SQLite,
    /// whatever `writers`); requests that queue meanwhile are applied together
    /// (`scan_groups.rs`). 0 turns grouping off: each request its own transaction.
    pub fn with_scan_writers(mut self, writers: usize) -> Self {
        let writers = match self.backend {
            Backend::Sqlite => writers.min(1),
            Backend::Postgres => writers,
        };
        self.scan_groups = std::sync::Arc::new(scan_groups::ScanGroups::new(writers));
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Each pool's connections now: name, open, idle and maximum (one pool on
    /// PostgreSQL, named `writer`).
    pub fn pool_usage(&self) -> Vec<(&'static str, u32, usize, u32)> {
        let usage = |p: &AnyPool| (p.size(), p.num_idle(), p.options().get_max_connections());
        let (open, idle, max) = usage(&self.writer);
        let mut out = vec![("writer", open, idle, max)];
        if self.backend == Backend::Sqlite {
            let (open, idle, max) = usage(&self.reader);
            out.push(("reader", open, idle, max));
        }
        out
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, taking the
    /// write lock at once, so a transaction that reads before it writes never fails
    /// with `SQLITE_BUSY` on upgrading (as it could with a second server on the file).
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        })
    }

    /// A write transaction of scans: [`Store::begin_write`], and on PostgreSQL its
    /// statements read by key whatever the statistics say. Every statement of a scan
    /// batch names its rows by key, yet on tables the planner believes small it
    /// scanned them whole and hashed them (the batch's bags, 40,000 rows read for 400
    /// updated; BENCHMARKS.md, "Scans read by key"). `SET LOCAL` lasts until the
    /// transaction ends and goes with the `BEGIN` in one trip.
    pub(crate) async fn begin_scan_write(
        &self,
    ) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.begin_write().await,
            Backend::Postgres => Ok(self.writer.begin_with(KEYED_BEGIN).await?),
        }
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Conditions on rows that a statement names by key (`tracking_number IN (...)`),
/// written as one `CASE` so that no index on their columns can serve them and the
/// statement takes the key whatever the planner estimates. Without it, booking 300
/// parcels read every parcel the seller ever registered through `parcel_by_seller`
/// (and every unbagged parcel through `parcel_by_bag` for `bag_id IS NULL`), so its
/// cost grew with the seller's history (docs/rules.md has the rules the conditions
/// check; BENCHMARKS.md, "Growth", the plans).
pub(crate) fn key_guard(conditions: &str) -> String {
    format!("(CASE WHEN {conditions} THEN 1 ELSE 0 END) = 1")
}

/// `$start, $start+1, ...`: `n` numbered placeholders for an `IN (...)` list or a
/// multi-row `VALUES`, since the `Any` driver has no array binds.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    let mut out = String::with_capacity(n * 5);
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('$');
        out.push_str(&(start + i).to_string());
    }
    out
}

/// `($1, $2, $3), ($4, $5, $6), ...`: `rows` tuples of `cols` placeholders.
pub(crate) fn values_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(1 + r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholders of a statement whose parameters all appear once, in bind order.
///
/// Key decision: on SQLite they are anonymous (`?`). sqlx finds a named parameter's
/// number by asking SQLite its name, which SQLite looks up in a list of every name the
/// statement has, so binding b named parameters costs O(b²) (a tenth of a pickup
/// batch's CPU); anonymous ones cost O(b), and a statement can then carry thousands
/// of rows. sqlx numbers anonymous parameters in order and ignores names it is not
/// given, so a statement mixes no `$n` with `?`. On PostgreSQL they are `$1, $2, ...`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InOrder {
    backend: Backend,
    next: usize,
}

impl InOrder {
    pub(crate) fn new(backend: Backend) -> Self {
        Self { backend, next: 1 }
    }

    /// The next `n` placeholders, comma-separated.
    pub(crate) fn list(&mut self, n: usize) -> String {
        let out = match self.backend {
            Backend::Sqlite => vec!["?"; n].join(", "),
            Backend::Postgres => placeholders(self.next, n),
        };
        self.next += n;
        out
    }

    /// The next `rows` tuples of `cols` placeholders.
    pub(crate) fn rows(&mut self, rows: usize, cols: usize) -> String {
        (0..rows)
            .map(|_| format!("({})", self.list(cols)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The next placeholder.
    pub(crate) fn one(&mut self) -> String {
        self.list(1)
    }

    /// The next `rows` tuples of placeholders, each cast to its column's type in
    /// `types` (for a `VALUES` list that both databases type alike, nulls included).
    pub(crate) fn cast_rows(&mut self, rows: usize, types: &[&str]) -> String {
        (0..rows)
            .map(|_| {
                let cells: Vec<String> = types
                    .iter()
                    .map(|t| format!("CAST({} AS {t})", self.one()))
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Rows of `columns` parameters per statement (below both databases' limits:
    /// SQLite's 32,766 and PostgreSQL's 65,535).
    pub(crate) fn rows_per_statement(columns: usize) -> usize {
        (MAX_BINDS / columns.max(1)).max(1)
    }
}

/// Parameters per statement on PostgreSQL (its limit is 65,535).
pub(crate) const MAX_BINDS: usize = 30_000;

/// Parameters per statement on SQLite. sqlx binds each `$n` by name, and SQLite finds a
/// name by a linear scan of the statement's parameters, so binding b parameters costs
/// O(b²): statements of a few hundred binds are several times faster than one huge one.
const SQLITE_BINDS: usize = 300;

/// Rows per multi-row statement (or list items per `IN (...)`) for `columns` binds a row.
pub(crate) fn rows_per_statement(backend: Backend, columns: usize) -> usize {
    let binds = match backend {
        Backend::Sqlite => SQLITE_BINDS,
        Backend::Postgres => MAX_BINDS,
    };
    (binds / columns.max(1)).max(1)
}

/// The backend a connection (or transaction) talks to.
pub(crate) fn backend_of(conn: &sqlx::AnyConnection) -> Backend {
    if conn.backend_name() == "SQLite" {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

/// The items of a `string_agg(x, ',')` (`None` when it aggregated no row). Reading a
/// bag's 300 tracking numbers as one row instead of 300 saves, on SQLite, 300
/// hand-offs between sqlx's worker thread and the task reading them (about a
/// millisecond an intake). Only for values that cannot hold a comma, like tracking
/// numbers (see `domain::ids`).
pub(crate) fn split_list(joined: Option<String>) -> Vec<String> {
    match joined {
        Some(list) if !list.is_empty() => list.split(',').map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Ends a page read with `LIMIT limit + 1`: drops the extra row and returns the
/// cursor of the next page (made from the page's last row), or None on the last page.
pub(crate) fn end_page<T>(
    rows: &mut Vec<T>,
    limit: usize,
    cursor_of: impl Fn(&T) -> String,
) -> Option<String> {
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(cursor_of)
    } else {
        None
    }
}

/// A list cursor after (or before) the row of time `ms` and id `id`.
pub fn encode_cursor(ms: i64, id: &str) -> String {
    format!("{ms}.{id}")
}

/// Reads a cursor [`encode_cursor`] made: `invalid_cursor` for any other.
pub fn decode_cursor(cursor: &str) -> StoreResult<(i64, String)> {
    cursor
        .split_once('.')
        .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_owned())))
        .ok_or_else(|| {
            StoreError::Invalid(
                "invalid_cursor",
                "the cursor is not one this service issued".into(),
            )
        })
}

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// A vocabulary column (a status, a reason, ...) parsed into its domain type: a name
/// the domain does not know is a decoding error, never a string passed along.
pub(crate) fn get_name<T>(row: &AnyRow, column: &str) -> Result<T, sqlx::Error>
where
    T: for<'a> TryFrom<&'a str, Error = crate::domain::UnknownName>,
{
    let raw: String = row.try_get(column)?;
    T::try_from(raw.as_str()).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A nullable vocabulary column.
pub(crate) fn get_opt_name<T>(row: &AnyRow, column: &str) -> Result<Option<T>, sqlx::Error>
where
    T: for<'a> TryFrom<&'a str, Error = crate::domain::UnknownName>,
{
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|r| T::try_from(r.as_str()).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

pub(crate) fn get_flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// The (time, id) a cursor stands after; no cursor starts at the newest row. A cursor
/// this service did not issue is `invalid_cursor`.
pub(crate) fn decode_cursor_or_start(cursor: Option<&str>) -> StoreResult<(i64, String)> {
    cursor.map_or_else(|| Ok((i64::MAX, String::new())), decode_cursor)
}

/// The PostgreSQL database of the store's unit tests (`FIRSTMILE_TEST_POSTGRES_URL`);
/// `None` skips a test, unless `FIRSTMILE_REQUIRE_POSTGRES` is set, which fails it.
#[cfg(test)]
pub(crate) fn test_postgres_url() -> Option<String> {
    let url = std::env::var("FIRSTMILE_TEST_POSTGRES_URL").ok();
    assert!(
        url.is_some() || std::env::var("FIRSTMILE_REQUIRE_POSTGRES").is_err(),
        "FIRSTMILE_REQUIRE_POSTGRES is set but FIRSTMILE_TEST_POSTGRES_URL is not"
    );
    url
}

/// A pool of one connection to `url`, for the store's tests that run statements of
/// their own.
#[cfg(test)]
pub(crate) async fn test_pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for `sql`, one line per step.
    async fn sqlite_plan(store: &Store, sql: &str, binds: usize) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query(&explain);
        for _ in 0..binds {
            query = query.bind("x");
        }
        let rows = query.fetch_all(&store.reader).await.expect("explain");
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail").expect("detail"))
            .collect()
    }

    #[tokio::test]
    async fn booking_takes_the_tracking_number_key_whatever_the_seller_holds() {
        let path =
            std::env::temp_dir().join(format!("firstmile_plan_{}.db", crate::domain::new_id("T")));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect(&url, 1).await.expect("store");
        for (sql, binds) in [
            (booking::parcel_facts_sql(300), 301),
            (booking::bag_parcels_sql(300), 303),
        ] {
            let plan = sqlite_plan(&store, &sql, binds).await;
            assert_eq!(plan.len(), 1, "{plan:?}");
            assert!(
                plan[0].contains("sqlite_autoindex_parcel_1 (tracking_number=?)"),
                "{sql}: {plan:?}"
            );
        }
        // Without the guard the same statement takes the seller's index.
        let unguarded = format!(
            "UPDATE parcel SET bag_id = $1, bagged_at_ms = $2 WHERE seller_id = $3
             AND status = 'registered' AND bag_id IS NULL AND tracking_number IN ({})",
            placeholders(4, 300)
        );
        let plan = sqlite_plan(&store, &unguarded, 303).await;
        assert!(!plan[0].contains("tracking_number=?"), "{plan:?}");
        store.writer.close().await;
        store.reader.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }

    #[test]
    fn placeholders_are_numbered_from_start() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(values_rows(2, 2), "($1, $2), ($3, $4)");
    }

    /// The plan of a 100-bag update by key on an unanalysed table of 20,000 bags, in
    /// `tx` (rolled back).
    async fn bag_update_plan(mut tx: sqlx::Transaction<'static, sqlx::Any>) -> String {
        // A temporary table of the same name is read instead of the real one.
        for sql in [
            "CREATE TEMPORARY TABLE bag (bag_id TEXT PRIMARY KEY, status TEXT NOT NULL,
               updated_at_ms BIGINT NOT NULL)",
            "INSERT INTO bag SELECT 'B' || i, 'open', 0 FROM generate_series(1, 20000) AS i",
        ] {
            sqlx::query(sql).execute(&mut *tx).await.expect("fill");
        }
        let values: Vec<String> = (19_901..=20_000)
            .map(|i| format!("(CAST('B{i}' AS TEXT), CAST('picked_up' AS TEXT))"))
            .collect();
        let explain = format!(
            "EXPLAIN UPDATE bag SET status = v.column2, updated_at_ms = 1 FROM (VALUES {}) AS v
             WHERE bag.bag_id = v.column1",
            values.join(", ")
        );
        let rows = sqlx::query(&explain)
            .fetch_all(&mut *tx)
            .await
            .expect("explain");
        tx.rollback().await.expect("rollback");
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).expect("plan line"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A new database on the test PostgreSQL server: its URL, and a pool on the
    /// server's own database to drop it with ([`drop_postgres_database`]).
    async fn new_postgres_database(admin: &str) -> (String, AnyPool, String) {
        let name = crate::domain::new_id("store_test_").to_lowercase();
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        let pool = test_pool(admin).await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("create");
        (format!("{base}/{name}"), pool, name)
    }

    async fn drop_postgres_database(pool: AnyPool, name: &str) {
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("drop");
        pool.close().await;
    }

    /// A scan transaction on PostgreSQL updates its bags through the key; a plain
    /// write transaction reads the whole unanalysed table for them.
    #[tokio::test]
    async fn scan_transactions_update_by_key_whatever_the_statistics_say() {
        let Some(admin) = test_postgres_url() else {
            return;
        };
        let (url, admin_pool, name) = new_postgres_database(&admin).await;
        let store = Store::connect(&url, 2).await.expect("store");
        let keyed = bag_update_plan(store.begin_scan_write().await.expect("begin")).await;
        assert!(
            keyed.contains("Index Scan using bag_pkey") && !keyed.contains("Seq Scan"),
            "{keyed}"
        );
        let plain = bag_update_plan(store.begin_write().await.expect("begin")).await;
        assert!(plain.contains("Seq Scan on bag"), "{plain}");
        store.close().await;
        drop_postgres_database(admin_pool, &name).await;
    }

    /// Rows written before migration `20261206000001` (which rebuilds the event log
    /// and the handovers' histories without their foreign keys) come through it
    /// unchanged, on `url`'s database.
    async fn logs_survive_their_rebuild(url: &str) {
        let pool = test_pool(url).await;
        // The migrations before the rebuild, as the files they came from.
        let dir = std::env::temp_dir().join(crate::domain::new_id("firstmile_migrations_"));
        std::fs::create_dir_all(&dir).expect("dir");
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for entry in std::fs::read_dir(&source).expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if name.as_str() < "20261206000001" {
                std::fs::copy(&path, dir.join(&name)).expect("copy");
            }
        }
        let before = sqlx::migrate::Migrator::new(dir.as_path())
            .await
            .expect("migrator");
        let _ = std::fs::remove_dir_all(&dir);
        before
            .run(&pool)
            .await
            .expect("migrations before the rebuild");
        let mut conn = pool.acquire().await.expect("connection");
        // The rows' parents do not matter here: their checks are off for this session.
        let off = if url.starts_with("sqlite:") {
            "PRAGMA foreign_keys = OFF"
        } else {
            "SET session_replication_role = replica"
        };
        for sql in [
            off,
            "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key)
             VALUES ('S1', 1, 'EV1', 'bag.overdue', 5, '{\"bag_id\":\"B1\"}', 'bag.overdue:B1'),
                    ('S1', 2, 'EV2', 'parcel.first_scan', 6, '{}', NULL)",
            "INSERT INTO handover_event (handover_event_id, handover_id, at_ms, actor_role, actor_id, action, detail)
             VALUES ('HE1', 'H1', 7, 'courier', 'C1', 'picked_up', 'bag B1')",
        ] {
            sqlx::query(sql).execute(&mut *conn).await.expect(sql);
        }
        drop(conn);
        MIGRATOR.run(&pool).await.expect("the rebuild");
        type EventRow = (String, i64, String, String, i64, String, Option<String>);
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key
                 FROM event ORDER BY seq",
        )
        .fetch_all(&pool)
        .await
        .expect("events");
        assert_eq!(
            events,
            vec![
                (
                    "S1".into(),
                    1,
                    "EV1".into(),
                    "bag.overdue".into(),
                    5,
                    "{\"bag_id\":\"B1\"}".into(),
                    Some("bag.overdue:B1".into())
                ),
                (
                    "S1".into(),
                    2,
                    "EV2".into(),
                    "parcel.first_scan".into(),
                    6,
                    "{}".into(),
                    None
                ),
            ]
        );
        type HistoryRow = (String, String, i64, String, String, String, Option<String>);
        let history: Vec<HistoryRow> = sqlx::query_as("SELECT * FROM handover_event")
            .fetch_all(&pool)
            .await
            .expect("history");
        assert_eq!(
            history,
            vec![(
                "HE1".into(),
                "H1".into(),
                7,
                "courier".into(),
                "C1".into(),
                "picked_up".into(),
                Some("bag B1".into())
            )]
        );
        // The keys are still unique.
        for sql in [
            "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data)
             VALUES ('S2', 1, 'EV1', 'bag.overdue', 5, '{}')",
            "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key)
             VALUES ('S2', 2, 'EV3', 'bag.overdue', 5, '{}', 'bag.overdue:B1')",
        ] {
            let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
            assert!(
                matches!(&err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation),
                "{err}"
            );
        }
        pool.close().await;
    }

    #[tokio::test]
    async fn logs_survive_their_rebuild_on_sqlite() {
        let path = std::env::temp_dir().join(format!(
            "firstmile_rebuild_{}.db",
            crate::domain::new_id("T")
        ));
        logs_survive_their_rebuild(&format!("sqlite://{}?mode=rwc", path.display())).await;
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn logs_survive_their_rebuild_on_postgres() {
        let Some(admin) = test_postgres_url() else {
            return;
        };
        let (url, admin_pool, name) = new_postgres_database(&admin).await;
        logs_survive_their_rebuild(&url).await;
        drop_postgres_database(admin_pool, &name).await;
    }
}
