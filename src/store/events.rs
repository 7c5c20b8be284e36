//! The event log (docs/api.md, "Events"): rows written in the transaction of the
//! change they report, numbered per seller, and fanned out to the seller's webhook
//! endpoints in the same transaction (the outbox, see `webhooks.rs`).
//!
//! Key decision: a per-seller counter row (`seller_event_seq`) hands out the numbers.
//! Taking numbers updates that row, so on PostgreSQL a second writer for the seller
//! waits for the first to commit: events become visible in number order, and a
//! poller reading `seq > cursor` never skips one that commits later with a smaller
//! number. A rolled-back change rolls back its numbers and its events with it.

use super::together::{Arg, Outcome, Together};
use super::{Backend, InOrder, Store, StoreResult, placeholders};
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

impl Reserved {
    /// Reads the counter's row returned by [`push_reserve`], for `n` numbers.
    fn of(outcome: &Outcome, n: i64) -> StoreResult<Self> {
        let row = outcome
            .rows
            .first()
            .ok_or_else(|| sqlx::Error::Protocol("the event counter returned no row".into()))?;
        let last: i64 = row.try_get("last_seq")?;
        Ok(Self {
            first: last - n + 1,
            has_endpoints: super::get_flag(row, "has_endpoints")?,
        })
    }
}

/// Takes `n` numbers of the seller's sequence and inserts `events` numbered up to
/// `after` numbers before its new value (the caller inserts the `after` events
/// numbered after them, by [`push_numbered`]). Returns the index of the statement
/// whose row [`Reserved::of`] reads. On PostgreSQL the counter and the first rows of
/// events travel as one statement: the insert reads its numbers from the counter's
/// `RETURNING` row (the counter's lock is still the last a transaction takes, and is
/// held one trip fewer).
fn push_reserve(
    together: &mut Together,
    seller_id: &str,
    n: i64,
    events: &[NewEvent],
    after: i64,
    now_ms: i64,
) -> usize {
    let mut binds = InOrder::new(together.backend());
    let (seller, first_n, more_n) = (binds.one(), binds.one(), binds.one());
    let counter = format!(
        "INSERT INTO seller_event_seq (seller_id, last_seq) VALUES ({seller}, {first_n})
         ON CONFLICT (seller_id) DO UPDATE SET last_seq = seller_event_seq.last_seq + {more_n}
         RETURNING seller_id, last_seq, has_endpoints"
    );
    let mut args: Vec<Arg> = vec![seller_id.into(), n.into(), n.into()];
    let per = InOrder::rows_per_statement(NUMBERED_COLUMNS);
    match together.backend() {
        Backend::Postgres if !events.is_empty() => {
            let first = &events[..events.len().min(per)];
            let insert = numbered_insert(
                &mut binds,
                &mut args,
                first,
                |i| after + (events.len() - 1 - i) as i64,
                now_ms,
            );
            let at = together.push(
                format!(
                    "WITH c AS ({counter}), e AS ({insert} CROSS JOIN c)
                     SELECT last_seq, has_endpoints FROM c"
                ),
                args,
            );
            push_numbered(together, seller_id, events, per, after, now_ms);
            at
        }
        _ => {
            let at = together.push(counter, args);
            push_numbered(together, seller_id, events, 0, after, now_ms);
            at
        }
    }
}

/// Marks that the seller has a webhook endpoint, under its counter's lock (see
/// [`push_reserve`]); in the transaction that creates the endpoint.
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
    let mut together = Together::new(super::backend_of(tx));
    let pending = push_append(&mut together, seller_id, events, now_ms);
    let outcomes = together.run(tx).await?;
    pending.finish(tx, &outcomes, now_ms).await
}

/// An append whose statements were added to a [`Together`]: [`PendingAppend::finish`]
/// fans its events out once they have run.
pub(crate) struct PendingAppend {
    seller_id: String,
    n: i64,
    /// The counter's statement, `None` when there were no events.
    reserve: Option<usize>,
}

/// Adds an append of `events` for a seller to `together`: the numbers are taken from
/// the seller's counter and the events inserted with them, two statements that can
/// travel together because the insert reads its numbers from the counter's row.
pub(crate) fn push_append(
    together: &mut Together,
    seller_id: &str,
    events: &[NewEvent],
    now_ms: i64,
) -> PendingAppend {
    let n = events.len() as i64;
    let reserve =
        (!events.is_empty()).then(|| push_reserve(together, seller_id, n, events, 0, now_ms));
    PendingAppend {
        seller_id: seller_id.to_owned(),
        n,
        reserve,
    }
}

impl PendingAppend {
    /// Fans the appended events out to the seller's endpoints, if it ever had one.
    pub(crate) async fn finish(
        self,
        tx: &mut Transaction<'_, Any>,
        outcomes: &[Outcome],
        now_ms: i64,
    ) -> StoreResult<()> {
        let Some(at) = self.reserve else {
            return Ok(());
        };
        let reserved = Reserved::of(&outcomes[at], self.n)?;
        if !reserved.has_endpoints {
            return Ok(());
        }
        let last = reserved.first + self.n - 1;
        fan_out(tx, &self.seller_id, reserved.first, last, now_ms).await
    }
}

/// Columns of a numbered event row in [`numbered_insert`].
const NUMBERED_COLUMNS: usize = 6;

/// Inserts `events` from the `skip`th on, numbered in order up to `after` numbers
/// before the seller's counter as it stands (the caller took their numbers, and
/// `after` more, just before).
fn push_numbered(
    together: &mut Together,
    seller_id: &str,
    events: &[NewEvent],
    skip: usize,
    after: i64,
    now_ms: i64,
) {
    let per = InOrder::rows_per_statement(NUMBERED_COLUMNS);
    let mut start = skip;
    for chunk in events.get(skip..).unwrap_or_default().chunks(per) {
        let mut binds = InOrder::new(together.backend());
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * NUMBERED_COLUMNS + 1);
        let insert = numbered_insert(
            &mut binds,
            &mut args,
            chunk,
            |i| after + (events.len() - 1 - (start + i)) as i64,
            now_ms,
        );
        let sql = format!(
            "{insert} JOIN seller_event_seq c ON c.seller_id = {}",
            binds.one()
        );
        args.push(seller_id.into());
        together.push(sql, args);
        start += chunk.len();
    }
}

/// `INSERT INTO event ... SELECT ... FROM (VALUES ...) AS v`, to be joined to the
/// seller's counter row as `c`: the `i`th event of `chunk` is numbered `behind(i)`
/// before the counter's value. Its placeholders come from `binds`, its arguments are
/// added to `args`.
fn numbered_insert(
    binds: &mut InOrder,
    args: &mut Vec<Arg>,
    chunk: &[NewEvent],
    behind: impl Fn(usize) -> i64,
    now_ms: i64,
) -> String {
    let types = ["BIGINT", "TEXT", "TEXT", "BIGINT", "TEXT", "TEXT"];
    let rows = binds.cast_rows(chunk.len(), &types);
    for (i, e) in chunk.iter().enumerate() {
        args.extend([
            Arg::Int(behind(i)),
            new_id("EV").into(),
            e.event_type.as_str().into(),
            now_ms.into(),
            e.data.to_string().into(),
            e.dedup_key.clone().into(),
        ]);
    }
    format!(
        "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key)
         SELECT c.seller_id, c.last_seq - v.column1, v.column2, v.column3, v.column4, v.column5, v.column6
         FROM (VALUES {rows}) AS v"
    )
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
    pub first_scans: (u64, String),
    /// How many missing parcels, and the tail of their `data`.
    pub missing: (u64, String),
    /// The bag's parcels not found, sorted.
    pub missing_parcels: &'a [String],
}

/// Adds the intake's events to `together`: all its statements can travel together
/// (`together.rs`), as each insert reads its numbers from the counter's row (the first
/// `total - 1` before its value for `bag.received`).
pub(crate) fn push_intake_events(
    together: &mut Together,
    events: &IntakeEvents<'_>,
    now_ms: i64,
) -> PendingIntakeEvents {
    let (first_scans, first_scan_tail) = (events.first_scans.0, events.first_scans.1.as_str());
    let (missing, missing_tail) = (events.missing.0, events.missing.1.as_str());
    let parcels = i64::try_from(first_scans + missing).unwrap_or(i64::MAX);
    let total = 1 + parcels;
    let reserve = push_reserve(
        together,
        events.seller_id,
        total,
        std::slice::from_ref(&events.received),
        parcels,
        now_ms,
    );
    let mut expected = Vec::new();
    let mut behind = parcels;
    for (which, n, tail) in [
        (ParcelEvents::FirstScan, first_scans, first_scan_tail),
        (ParcelEvents::Missing, missing, missing_tail),
    ] {
        if n == 0 {
            continue;
        }
        let at = push_parcel_events(together, events, which, behind, now_ms, tail);
        expected.push((at, which, n));
        behind -= i64::try_from(n).unwrap_or(i64::MAX);
    }
    PendingIntakeEvents {
        append: PendingAppend {
            seller_id: events.seller_id.to_owned(),
            n: total,
            reserve: Some(reserve),
        },
        bag_id: events.bag_id.to_owned(),
        expected,
    }
}

/// An intake's events whose statements were added to a [`Together`]: once they have
/// run, [`PendingIntakeEvents::check`] them, then finish the append (its fan-out).
pub(crate) struct PendingIntakeEvents {
    pub(crate) append: PendingAppend,
    bag_id: String,
    /// Each parcel-event statement, what it reports and how many rows it must write.
    expected: Vec<(usize, ParcelEvents, u64)>,
}

impl PendingIntakeEvents {
    /// Checks that each parcel-event statement wrote one event per parcel the caller
    /// counted; else nothing of the intake may stay.
    pub(crate) fn check(&self, outcomes: &[Outcome]) -> StoreResult<()> {
        for &(at, which, n) in &self.expected {
            let done = outcomes[at].rows_affected;
            if done != n {
                return Err(sqlx::Error::Protocol(format!(
                    "intake of bag {}: {n} {which:?} events expected, {done} written",
                    self.bag_id
                ))
                .into());
            }
        }
        Ok(())
    }
}

/// Inserts one event per parcel of the bag that `which` names, in tracking-number
/// order, numbered up to `behind` before the seller's counter as it stands (the
/// caller took their numbers just before); returns the statement's index. Every
/// parcel's `data` is `{tracking_number` + `rest` (a JSON object tail shared by the
/// bag's parcels, starting with a comma, or `}`).
fn push_parcel_events(
    together: &mut Together,
    events: &IntakeEvents<'_>,
    which: ParcelEvents,
    behind: i64,
    recorded_at_ms: i64,
    rest: &str,
) -> usize {
    let missing = events.missing_parcels;
    let mut b = InOrder::new(together.backend());
    let (seller, counter_of, back) = (b.one(), b.one(), b.one());
    let (id_prefix, event_type, recorded, tail, bag) =
        (b.one(), b.one(), b.one(), b.one(), b.one());
    let (event_type_name, condition) = match which {
        ParcelEvents::FirstScan => (
            EventType::ParcelFirstScan,
            if missing.is_empty() {
                "p.first_scan_at_ms IS NULL".to_owned()
            } else {
                format!(
                    "p.first_scan_at_ms IS NULL AND p.tracking_number NOT IN ({})",
                    b.list(missing.len())
                )
            },
        ),
        ParcelEvents::Missing => (
            EventType::ParcelMissing,
            format!("p.tracking_number IN ({})", b.list(missing.len())),
        ),
    };
    let sql = format!(
        "INSERT INTO event (seller_id, seq, event_id, event_type, created_at_ms, data)
         SELECT {seller},
                (SELECT last_seq FROM seller_event_seq WHERE seller_id = {counter_of}) - {back}
                  + ROW_NUMBER() OVER (ORDER BY p.tracking_number),
                {id_prefix} || CAST(ROW_NUMBER() OVER (ORDER BY p.tracking_number) AS TEXT),
                {event_type}, {recorded}, '{{\"tracking_number\":\"' || p.tracking_number || {tail}
         FROM parcel p WHERE p.bag_id = {bag} AND {condition}"
    );
    let mut args: Vec<Arg> = vec![
        events.seller_id.into(),
        events.seller_id.into(),
        Arg::Int(behind),
        format!("{}_", new_id("EV")).into(),
        event_type_name.as_str().into(),
        recorded_at_ms.into(),
        rest.into(),
        events.bag_id.into(),
    ];
    args.extend(missing.iter().map(Arg::from));
    together.push(sql, args)
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
