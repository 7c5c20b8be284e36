//! Row locks in one global order, and the retry that backs them up.
//!
//! Key decision: deadlocks are avoided by construction. Every write transaction that
//! changes handovers, bags or parcels takes its row locks up front, before any
//! `UPDATE`, in one order: handovers, then bags, then parcels, then the sellers' event
//! counters (`seller_event_seq`, which `events::append` updates), each sorted by id.
//! Two transactions then always meet at the first row they share and one waits for
//! the other; neither can hold a row the other needs first. On PostgreSQL this is
//! `SELECT ... ORDER BY id FOR NO KEY UPDATE` (the lock an `UPDATE` of non-key columns
//! takes anyway, so foreign-key checks of other transactions, which take `KEY SHARE`,
//! are not blocked). On SQLite, `BEGIN IMMEDIATE` already makes a write transaction
//! the only writer, so nothing is locked here.
//!
//! As a safety net, [`Store::retrying`] runs a transaction again when the database
//! still reports a deadlock (40P01) or a serialisation failure (40001): a few times,
//! with jitter, each retry logged and counted. When retries run out the error stays a
//! [`StoreError::Database`] that [`is_retryable`] recognises, which the API answers
//! with 503 and `Retry-After`, never 500.

use super::together::{Arg, Together};
use super::{Backend, InOrder, Store, StoreError, StoreResult, backend_of, placeholders};
use sqlx::{Any, Row, Transaction};
use std::future::Future;
use std::time::Duration;

/// The rows a transaction is about to change.
#[derive(Clone, Debug, Default)]
pub(crate) struct LockSet {
    pub handovers: Vec<String>,
    pub bags: Vec<String>,
    pub parcels: Vec<String>,
    /// Sellers whose event counter the transaction takes numbers from.
    pub sellers: Vec<String>,
}

/// Locks `ids` of `table` (key column `key`), in id order. Chunks are cut from the
/// sorted list, so the order holds across chunks too.
async fn lock_rows(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    key: &str,
    ids: &[String],
) -> StoreResult<()> {
    let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(super::rows_per_statement(Backend::Postgres, 1)) {
        let sql = format!(
            "SELECT COUNT(*) AS locked FROM
               (SELECT {key} FROM {table} WHERE {key} IN ({}) ORDER BY {key} FOR NO KEY UPDATE) AS rows_in_order",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        // One row back, not one per locked row.
        query.fetch_one(&mut **tx).await?;
    }
    Ok(())
}

/// Takes the locks of `set` in the global order (PostgreSQL; nothing on SQLite).
pub(crate) async fn lock_in_order(tx: &mut Transaction<'_, Any>, set: &LockSet) -> StoreResult<()> {
    if backend_of(tx) == Backend::Sqlite {
        return Ok(());
    }
    lock_rows(tx, "handover", "handover_id", &set.handovers).await?;
    lock_rows(tx, "bag", "bag_id", &set.bags).await?;
    lock_rows(tx, "parcel", "tracking_number", &set.parcels).await?;
    let mut sellers: Vec<&str> = set.sellers.iter().map(String::as_str).collect();
    sellers.sort_unstable();
    sellers.dedup();
    for seller_id in sellers {
        // The counter row may not exist yet: make it, or lock it as it is.
        sqlx::query(
            "INSERT INTO seller_event_seq (seller_id, last_seq) VALUES ($1, 0)
             ON CONFLICT (seller_id) DO UPDATE SET last_seq = seller_event_seq.last_seq",
        )
        .bind(seller_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Locks the bags, with their handovers, their parcels (and `extra_parcels`) and
/// their sellers' event counters, in the global order, for a scan batch with an
/// intake (one without takes its locks with its reads: [`push_lock_handovers_of`]).
/// The bag to handover map is read first without locks (a bag never changes
/// handover); a bag's parcels change only under its handover's lock, so they are read
/// once the handovers are locked.
pub(crate) async fn lock_bags(
    tx: &mut Transaction<'_, Any>,
    bag_ids: &[String],
    extra_parcels: &[String],
) -> StoreResult<()> {
    if backend_of(tx) == Backend::Sqlite || bag_ids.is_empty() {
        return Ok(());
    }
    let mut set = LockSet::default();
    let mut handovers = Vec::new();
    for chunk in bag_ids.chunks(super::rows_per_statement(Backend::Postgres, 1)) {
        let sql = format!(
            "SELECT bag_id, handover_id, seller_id FROM bag WHERE bag_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            set.bags.push(row.try_get("bag_id")?);
            handovers.push(row.try_get("handover_id")?);
            set.sellers.push(row.try_get("seller_id")?);
        }
    }
    lock_rows(tx, "handover", "handover_id", &handovers).await?;
    set.parcels = parcels_of_bags(tx, &set.bags).await?;
    set.parcels.extend_from_slice(extra_parcels);
    lock_in_order(tx, &set).await
}

/// Adds the lock of the handovers of `bag_ids`, in id order, to `together`
/// (PostgreSQL; nothing on SQLite), for a scan batch with no intake: one statement,
/// which reads the bags' handovers itself (a bag never changes handover). Such a batch
/// locks its bags with the read of their facts that follows, in id order
/// (`scan_batch.rs`), and its sellers' counters last, when it stores its events, so
/// the global order holds. A batch's 1,000 bags at most fit one statement.
pub(crate) fn push_lock_handovers_of(together: &mut Together, bag_ids: &[String]) {
    if together.backend() == Backend::Sqlite || bag_ids.is_empty() {
        return;
    }
    let mut ids: Vec<&str> = bag_ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let sql = format!(
        "SELECT COUNT(*) AS locked FROM
           (SELECT handover_id FROM handover
            WHERE handover_id IN (SELECT handover_id FROM bag WHERE bag_id IN ({}))
            ORDER BY handover_id FOR NO KEY UPDATE) AS rows_in_order",
        InOrder::new(Backend::Postgres).list(ids.len())
    );
    together.push(sql, ids.into_iter().map(Arg::from).collect());
}

/// The tracking numbers in the bags (PostgreSQL). Each bag's parcels are read through
/// the bag index in a `LATERAL` subquery that `OFFSET 0` keeps apart: on tables not
/// yet analysed, `bag_id IN (...)` was a scan of every parcel (24 ms at 60,000).
async fn parcels_of_bags(
    tx: &mut Transaction<'_, Any>,
    bag_ids: &[String],
) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in bag_ids.chunks(super::rows_per_statement(backend_of(tx), 1)) {
        let sql = format!(
            "SELECT string_agg(p.tracking_number, ',') AS parcels FROM (VALUES {}) AS v (bag_id)
             CROSS JOIN LATERAL (SELECT tracking_number FROM parcel WHERE bag_id = v.bag_id OFFSET 0) AS p",
            InOrder::new(Backend::Postgres).cast_rows(chunk.len(), &["TEXT"])
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        let row = query.fetch_one(&mut **tx).await?;
        out.extend(super::split_list(row.try_get("parcels")?));
    }
    Ok(out)
}

/// Locks a handover, its bags and their parcels (and `extra_parcels`), and its
/// seller's event counter, in the global order (for the changes of one handover:
/// cancel, reschedule, bag edits).
pub(crate) async fn lock_handover(
    tx: &mut Transaction<'_, Any>,
    handover_id: &str,
    extra_parcels: &[String],
) -> StoreResult<()> {
    if backend_of(tx) == Backend::Sqlite {
        return Ok(());
    }
    let handover = vec![handover_id.to_owned()];
    lock_rows(tx, "handover", "handover_id", &handover).await?;
    let mut set = LockSet::default();
    let seller = sqlx::query("SELECT seller_id FROM handover WHERE handover_id = $1")
        .bind(handover_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = seller {
        set.sellers.push(row.try_get("seller_id")?);
    }
    for row in sqlx::query("SELECT bag_id FROM bag WHERE handover_id = $1")
        .bind(handover_id)
        .fetch_all(&mut **tx)
        .await?
    {
        set.bags.push(row.try_get("bag_id")?);
    }
    set.parcels = parcels_of_bags(tx, &set.bags).await?;
    set.parcels.extend_from_slice(extra_parcels);
    lock_in_order(tx, &set).await
}

/// Whether a store error is a deadlock or serialisation failure the database gave up
/// on: the transaction was rolled back and may simply run again.
pub fn is_retryable(err: &StoreError) -> bool {
    match err {
        StoreError::Database(sqlx::Error::Database(db)) => {
            matches!(db.code().as_deref(), Some("40P01" | "40001"))
        }
        _ => false,
    }
}

/// Attempts of a transaction before its conflict is answered 503.
const ATTEMPTS: u32 = 4;

impl Store {
    /// Runs `attempt` (one whole transaction) again while it fails with a deadlock or
    /// a serialisation failure, up to [`ATTEMPTS`] times, waiting a jittered few
    /// milliseconds between; each retry is logged and counted (`operation` names it).
    pub async fn retrying<T, F, Fut>(
        &self,
        operation: &'static str,
        mut attempt: F,
    ) -> StoreResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = StoreResult<T>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Err(err) if tries < ATTEMPTS && is_retryable(&err) => {
                    let wait_ms = rand::random::<u64>() % (20 * u64::from(tries)) + 5;
                    tracing::warn!(
                        db.operation = operation,
                        db.attempt = tries,
                        db.wait_ms = wait_ms,
                        error = %err,
                        "transaction conflict; running it again"
                    );
                    crate::metrics::db_retry(operation);
                    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                }
                other => return other,
            }
        }
    }
}
