//! The event log (docs/api.md, "Events"): rows written in the transaction of the
//! change they report, numbered per seller, and fanned out to the seller's webhook
//! endpoints in the same transaction (the outbox, see `webhooks.rs`).
//!
//! Key decision: a per-seller counter row (`seller_event_seq`) hands out the numbers.
//! Taking numbers updates that row, so on PostgreSQL a second writer for the seller
//! waits for the first to commit: events become visible in number order, and a
//! poller reading `seq > cursor` never skips one that commits later with a smaller
//! number. A rolled-back change rolls back its numbers and its events with it.

use super::{Store, StoreResult, placeholders};
use crate::domain::{EventType, new_id};
use sqlx::{Any, Row, Transaction};

/// One event to append.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_type: EventType,
    pub data: serde_json::Value,
    /// Makes the event unique: a second append with the same key fails.
    pub dedup_key: Option<String>,
}

impl NewEvent {
    pub fn new(event_type: EventType, data: serde_json::Value) -> Self {
        Self {
            event_type,
            data,
            dedup_key: None,
        }
    }
}

/// A stored event.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub created_at_ms: i64,
    /// The `data` object, as JSON text.
    pub data: String,
}

/// Which parcels of a bag a set-based append reports. Both are read before the
/// intake updates the parcels, so "first scan not set yet" names exactly the parcels
/// this intake gives one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ParcelEvents {
    /// Parcels of the bag found at its intake that have no first scan yet.
    FirstScan,
    /// Parcels of the bag not found at its intake.
    Missing,
}

impl Store {
    /// A seller's events after `after` (a sequence number), oldest first, optionally
    /// of some types only.
    pub async fn list_events(
        &self,
        seller_id: &str,
        after: i64,
        types: &[EventType],
        limit: usize,
    ) -> StoreResult<Vec<EventRecord>> {
        let filter = if types.is_empty() {
            String::new()
        } else {
            format!(" AND event_type IN ({})", placeholders(4, types.len()))
        };
        let sql = format!(
            "SELECT seq, event_id, event_type, created_at_ms, data FROM event
             WHERE seller_id = $1 AND seq > $2{filter} ORDER BY seq LIMIT $3"
        );
        let mut query = sqlx::query(&sql)
            .bind(seller_id)
            .bind(after)
            .bind(limit as i64);
        for t in types {
            query = query.bind(t.as_str());
        }
        query
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(|r| event_from_row(&r).map_err(Into::into))
            .collect()
    }

    /// One event by id, for a seller.
    pub async fn get_event(
        &self,
        seller_id: &str,
        event_id: &str,
    ) -> StoreResult<Option<EventRecord>> {
        let row = sqlx::query(
            "SELECT seq, event_id, event_type, created_at_ms, data FROM event WHERE seller_id = $1 AND event_id = $2",
        )
        .bind(seller_id)
        .bind(event_id)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.map(|r| event_from_row(&r)).transpose()?)
    }

    /// Appends events in a transaction of their own (for changes that are nothing
    /// but the event, like a bag found overdue). A duplicate `dedup_key` is a unique
    /// violation, and nothing is written.
    pub async fn append_events(
        &self,
        seller_id: &str,
        events: &[NewEvent],
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, seller_id, events, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) fn event_from_row(row: &sqlx::any::AnyRow) -> Result<EventRecord, sqlx::Error> {
    Ok(EventRecord {
        seq: row.try_get("seq")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        created_at_ms: row.try_get("created_at_ms")?,
        data: row.try_get("data")?,
    })
}

/// Numbers taken from a seller's sequence.
struct Reserved {
    first: i64,
    /// Whether the seller has ever had a webhook endpoint (else there is nothing to
    /// fan out).
    has_endpoints: bool,
}

/// Takes `n` numbers of the seller's sequence.
async fn reserve(tx: &mut Transaction<'_, Any>, seller_id: &str, n: i64) -> StoreResult<Reserved> {
    let row = sqlx::query(
        "INSERT INTO seller_event_seq (seller_id, last_seq) VALUES ($1, $2)
         ON CONFLICT (seller_id) DO UPDATE SET last_seq = seller_event_seq.last_seq + $2
         RETURNING last_seq, has_endpoints",
    )
    .bind(seller_id)
    .bind(n)
    .fetch_one(&mut **tx)
    .await?;
    let last: i64 = row.try_get("last_seq")?;
    Ok(Reserved {
        first: last - n + 1,
        has_endpoints: super::get_flag(&row, "has_endpoints")?,
    })
}

/// Marks that the seller has a webhook endpoint, under its counter's lock (see
/// [`reserve`]); in the transaction that creates the endpoint.
pub(crate) async fn note_endpoint(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO seller_event_seq (seller_id, last_seq, has_endpoints) VALUES ($1, 0, 1)
         ON CONFLICT (seller_id) DO UPDATE SET has_endpoints = 1",
    )
    .bind(seller_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends events for a seller inside the caller's transaction.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    events: &[NewEvent],
    now_ms: i64,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let reserved = reserve(tx, seller_id, events.len() as i64).await?;
    let first = reserved.first;
    insert_numbered(tx, seller_id, first, events, now_ms).await?;
    if !reserved.has_endpoints {
        return Ok(());
    }
    fan_out(
        tx,
        seller_id,
        first,
        first + events.len() as i64 - 1,
        now_ms,
    )
    .await
}

/// Inserts `events` numbered from `first` (numbers the caller reserved).
async fn insert_numbered(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    first: i64,
    events: &[NewEvent],
    now_ms: i64,
) -> StoreResult<()> {
    let columns = 7;
    let backend = super::backend_of(tx);
    let per = super::InOrder::rows_per_statement(columns);
    for (c, chunk) in events.chunks(per).enumerate() {
        let sql = format!(
            "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key) VALUES {}",
            super::InOrder::new(backend).rows(chunk.len(), columns)
        );
        let mut query = sqlx::query(&sql);
        for (i, e) in chunk.iter().enumerate() {
            query = query
                .bind(seller_id)
                .bind(first + (c * per + i) as i64)
                .bind(new_id("EV"))
                .bind(e.event_type.as_str())
                .bind(now_ms)
                .bind(e.data.to_string())
                .bind(e.dedup_key.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The events of a bag's intake, in this order: `bag.received`, one
/// `parcel.first_scan` per parcel found whose first scan this intake sets, one
/// `parcel.missing` per parcel of the bag not found. The caller knows how many of
/// each there are, so the numbers are reserved and fanned out once for all, and the
/// parcels' events are inserted set-based (an `INSERT ... SELECT` each).
pub(crate) struct IntakeEvents<'a> {
    pub seller_id: &'a str,
    pub bag_id: &'a str,
    pub received: NewEvent,
    /// How many first scans, and the tail of their `data` (see [`ParcelEvents`]).
    pub first_scans: (u64, &'a str),
    /// How many missing parcels, and the tail of their `data`.
    pub missing: (u64, &'a str),
    /// The bag's parcels not found, sorted.
    pub missing_parcels: &'a [String],
}

pub(crate) async fn append_intake_events(
    tx: &mut Transaction<'_, Any>,
    events: IntakeEvents<'_>,
    now_ms: i64,
) -> StoreResult<()> {
    let (first_scans, first_scan_tail) = events.first_scans;
    let (missing, missing_tail) = events.missing;
    let total = 1 + i64::try_from(first_scans + missing).unwrap_or(i64::MAX);
    let reserved = reserve(tx, events.seller_id, total).await?;
    let first = reserved.first;
    insert_numbered(
        tx,
        events.seller_id,
        first,
        std::slice::from_ref(&events.received),
        now_ms,
    )
    .await?;
    let mut next = first + 1;
    for (which, n, tail) in [
        (ParcelEvents::FirstScan, first_scans, first_scan_tail),
        (ParcelEvents::Missing, missing, missing_tail),
    ] {
        if n == 0 {
            continue;
        }
        let done = insert_parcel_events(tx, &events, which, next, now_ms, tail).await?;
        if done != n {
            // The caller's count and the rows disagree: nothing of the intake stays.
            return Err(sqlx::Error::Protocol(format!(
                "intake of bag {}: {n} {which:?} events expected, {done} written",
                events.bag_id
            ))
            .into());
        }
        next += i64::try_from(n).unwrap_or(i64::MAX);
    }
    if !reserved.has_endpoints {
        return Ok(());
    }
    fan_out(tx, events.seller_id, first, first + total - 1, now_ms).await
}

/// Inserts one event per parcel of the bag that `which` names, numbered from `first`
/// in tracking-number order; returns how many. Every parcel's `data` is
/// `{tracking_number` + `rest` (a JSON object tail shared by the bag's parcels,
/// starting with a comma, or `}`).
async fn insert_parcel_events(
    tx: &mut Transaction<'_, Any>,
    events: &IntakeEvents<'_>,
    which: ParcelEvents,
    first: i64,
    recorded_at_ms: i64,
    rest: &str,
) -> StoreResult<u64> {
    let missing = events.missing_parcels;
    let (event_type, condition) = match which {
        ParcelEvents::FirstScan => (
            EventType::ParcelFirstScan,
            format!(
                "bag_id = $1 AND first_scan_at_ms IS NULL{}",
                super::tracking_not_in(8, missing.len())
            ),
        ),
        ParcelEvents::Missing => (
            EventType::ParcelMissing,
            format!(
                "bag_id = $1 AND tracking_number IN ({})",
                placeholders(8, missing.len())
            ),
        ),
    };
    let sql = format!(
        "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data)
         SELECT $3, $4 + ROW_NUMBER() OVER (ORDER BY tracking_number) - 1,
                $5 || CAST(ROW_NUMBER() OVER (ORDER BY tracking_number) AS TEXT),
                $6, $2, '{{\"tracking_number\":\"' || tracking_number || $7
         FROM parcel WHERE {condition}"
    );
    let mut query = sqlx::query(&sql)
        .bind(events.bag_id)
        .bind(recorded_at_ms)
        .bind(events.seller_id)
        .bind(first)
        .bind(format!("{}_", new_id("EV")))
        .bind(event_type.as_str())
        .bind(rest);
    for t in missing {
        query = query.bind(t);
    }
    let done = query.execute(&mut **tx).await?;
    Ok(done.rows_affected())
}

/// Creates the outbox rows of events `first..=last` for every enabled endpoint of
/// the seller that subscribes to their type: one statement, not run for a seller that
/// never had an endpoint.
async fn fan_out(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    first: i64,
    last: i64,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhook_delivery (delivery_id, webhook_id, seller_id, event_seq, status, attempts,
                                       next_attempt_at_ms, created_at_ms, updated_at_ms)
         SELECT w.webhook_id || '.' || CAST(e.seq AS TEXT), w.webhook_id, e.seller_id, e.seq, 'pending', 0, $4, $4, $4
         FROM event e JOIN webhook_endpoint w ON w.seller_id = e.seller_id
         WHERE e.seller_id = $1 AND e.seq >= $2 AND e.seq <= $3 AND w.enabled = 1 AND w.deleted = 0
           AND (w.event_types = '*' OR w.event_types LIKE '%,' || e.event_type || ',%')",
    )
    .bind(seller_id)
    .bind(first)
    .bind(last)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// `bag.overdue` events due: bags picked up and not received past their transit
    /// time (the overdue rule of claims, docs/rules.md rule 16) with no such event
    /// yet. Each carries its dedup key, so it is written once.
    pub async fn overdue_bag_events(&self, now_ms: i64) -> StoreResult<Vec<(String, NewEvent)>> {
        let rows = sqlx::query(
            "SELECT b.bag_id, b.seller_id, b.handover_id, b.picked_up_at_ms, b.transit_ms FROM bag b
             WHERE b.status = 'picked_up' AND b.picked_up_at_ms + b.transit_ms < $1
               AND NOT EXISTS (SELECT 1 FROM event e WHERE e.dedup_key = 'bag.overdue:' || b.bag_id)
             ORDER BY b.picked_up_at_ms LIMIT 500",
        )
        .bind(now_ms)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let bag_id: String = r.try_get("bag_id")?;
                let picked_up: i64 = r.try_get("picked_up_at_ms")?;
                let transit: i64 = r.try_get("transit_ms")?;
                let data = serde_json::json!({
                    "handover_id": r.try_get::<String, _>("handover_id")?, "bag_id": bag_id,
                    "picked_up_at": crate::domain::time::format_ms(picked_up),
                    "due_at": crate::domain::time::format_ms(picked_up + transit)});
                let event = NewEvent {
                    event_type: EventType::BagOverdue,
                    data,
                    dedup_key: Some(format!("bag.overdue:{bag_id}")),
                };
                Ok((r.try_get("seller_id")?, event))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
