//! Scan events from couriers (pickup, pickup failure) and sorting centers (intake),
//! posted in batches (docs/rules.md, rule 14).
//!
//! A batch is one transaction. Events posted before are found with one query and
//! acknowledged again; the facts of the batch's bags are read with one query (see
//! `scan_batch.rs`), pickups and pickup failures are decided on them and stored with
//! one statement per table, and the batch's new events are stored with their results
//! in one multi-row insert at the end, which also detects a repeat racing on another
//! server (the batch then rolls back and runs again). Only an intake writes as it
//! goes: on PostgreSQL inside a savepoint, so a refused intake leaves nothing
//! half-written; on SQLite, the single writer, its refusals are decided before any
//! write and need none.
//! One event is applied in `pickups.rs` (the checks every event passes, pickups and
//! pickup failures) and `intake.rs` (intake, with the backdated first scan).

use super::pickups::apply_one;
use super::scan_batch::Batch;
use super::together::{Arg, Outcome, Together};
use super::{Backend, InOrder, Store, StoreResult};
use crate::domain::{
    BagLimits, BagStatus, HandoverStatus, PickupFailureReason, Principal, Role, ScanType,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// What a scan reports.
#[derive(Clone, Debug, PartialEq)]
pub enum ScanKind {
    PickedUp {
        measured_weight_g: i64,
        measured_sides_cm: Option<[f64; 3]>,
    },
    PickupFailed {
        reason: PickupFailureReason,
    },
    Received {
        parcels_found: Vec<String>,
    },
}

impl ScanKind {
    /// The type of scan this is.
    pub fn scan_type(&self) -> ScanType {
        match self {
            Self::PickedUp { .. } => ScanType::PickedUp,
            Self::PickupFailed { .. } => ScanType::PickupFailed,
            Self::Received { .. } => ScanType::Received,
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.scan_type().as_str()
    }
}

/// One scan event as posted.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanEvent {
    pub event_id: String,
    pub bag_id: String,
    pub occurred_at_ms: i64,
    pub kind: ScanKind,
}

impl ScanEvent {
    /// A hash of what the event reports (its type, bag, time and the type's fields;
    /// the order of `parcels_found` does not count), stored with the event: a repeat
    /// of the event id with another hash is refused (`event_id_reused`).
    pub fn payload_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.kind.as_str(),
            self.bag_id,
            self.occurred_at_ms
        );
        match &self.kind {
            ScanKind::PickedUp {
                measured_weight_g,
                measured_sides_cm,
            } => {
                text.push_str(&measured_weight_g.to_string());
                if let Some(sides) = measured_sides_cm {
                    for side in sides {
                        text.push_str(&format!("\n{:x}", side.to_bits()));
                    }
                }
            }
            ScanKind::PickupFailed { reason } => text.push_str(reason.as_str()),
            ScanKind::Received { parcels_found } => {
                let mut found: Vec<&str> = parcels_found.iter().map(String::as_str).collect();
                found.sort_unstable();
                text.push_str(&found.join("\n"));
            }
        }
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// The result of an event whose id was used before for another payload.
fn reused(event_id: &str) -> ScanResult {
    ScanResult {
        event_id: event_id.to_owned(),
        code: "event_id_reused".into(),
        message: Some(
            "this event id was posted before with another payload; use a new id for a new event"
                .into(),
        ),
        ..ScanResult::default()
    }
}

/// The result of an event whose id the same batch gave to an earlier event (at
/// `first`): the first counts, this one is refused and not stored.
fn named_earlier(event_id: &str, first: usize) -> ScanResult {
    ScanResult {
        event_id: event_id.to_owned(),
        code: "duplicate_event_id".into(),
        message: Some(format!(
            "events[{first}] of this batch has the same event id; one event id names one event"
        )),
        ..ScanResult::default()
    }
}

/// The result of one event, stored with it and replayed for a repeat.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanResult {
    pub event_id: String,
    /// Whether the event took effect as what it reports.
    pub accepted: bool,
    /// True when this event id was seen before and this is the first result again.
    #[serde(default)]
    pub duplicate: bool,
    /// `picked_up`, `pickup_failed`, `received` when accepted; otherwise why not.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// At intake: registered parcels not found in the bag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// At intake: parcels found in the bag that were not registered in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unregistered: Vec<String>,
    /// At intake: parcels found whose order was cancelled or found invalid after the
    /// pickup (rule 20): to hold, not forward.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_cancelled: Vec<String>,
    /// At intake: how many parcels got their first scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_scans_set: Option<u64>,
}

/// A refusal of one event: nothing of it is applied.
pub(super) struct Refusal(pub(super) &'static str, pub(super) String);

pub(super) type EventOutcome = Result<ScanResult, Refusal>;

pub(super) struct BagFacts {
    pub(super) bag_id: String,
    pub(super) seller_id: String,
    pub(super) handover_id: String,
    pub(super) handover_status: HandoverStatus,
    pub(super) city_code: String,
    pub(super) bag_status: BagStatus,
    pub(super) sorting_center: String,
    pub(super) picked_up_at_ms: Option<i64>,
    /// Whether the bag is a test-mode seller's (the batch reaches only such bags then).
    pub(super) test_mode: bool,
    /// When the handover was booked.
    pub(super) booked_at_ms: i64,
}

/// One poster's batch of scans, what it may reach, the rules it is checked against
/// (bag limits, clock skew) and when it is recorded.
#[derive(Clone, Copy)]
pub(super) struct Posting<'a> {
    pub(super) poster: &'a Principal,
    pub(super) reach: &'a ScanReach,
    pub(super) events: &'a [ScanEvent],
    pub(super) rules: (&'a BagLimits, i64),
    pub(super) now_ms: i64,
}

/// Which bags a batch of scans may reach. A courier reaches the bags of handovers in
/// its cities; live scanners reach only live sellers' bags, and the sandbox (which
/// plays the courier and the sorting center for a test-mode seller) only test-mode
/// sellers' bags. Any other bag is `bag_not_found`, as if it did not exist.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanReach {
    /// A courier's cities; unused for a sorting center.
    pub courier_cities: CourierCities,
    /// Whether the batch acts on test-mode sellers' bags (the sandbox) or live ones.
    pub test_mode: bool,
}

/// Where a courier's cities come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum CourierCities {
    /// As the courier's assignments stand, read in the batch's transaction (with its
    /// other reads, in the same trip to the database: `together.rs`).
    #[default]
    Assigned,
    /// These city codes (the sandbox's courier).
    Fixed(HashSet<String>),
}

impl ScanReach {
    /// What a live poster reaches: for a courier, its assigned cities.
    pub fn live() -> Self {
        Self::default()
    }

    /// Whether a courier with this reach may scan bags of handovers in `city_code`.
    /// An `Assigned` reach not yet [`resolved`](Self::resolved) covers none.
    pub(super) fn covers(&self, city_code: &str) -> bool {
        match &self.courier_cities {
            CourierCities::Assigned => false,
            CourierCities::Fixed(cities) => cities.contains(city_code),
        }
    }

    /// Adds the read of a courier's assigned cities to `reads` when this reach needs
    /// them; returns the statement.
    fn push_reads(&self, reads: &mut Together, poster: &Principal) -> Option<usize> {
        if poster.role != Role::Courier || self.courier_cities != CourierCities::Assigned {
            return None;
        }
        let sql = super::partners::courier_cities_sql(reads.backend());
        Some(reads.push(sql, vec![(&poster.id).into()]))
    }

    /// This reach with the courier's assigned cities, read by [`ScanReach::push_reads`]
    /// (`read`, when it ran), filled in.
    fn resolved(&self, read: Option<&Outcome>) -> StoreResult<Self> {
        let Some(read) = read else {
            return Ok(self.clone());
        };
        Ok(Self {
            courier_cities: CourierCities::Fixed(super::partners::city_codes(&read.rows)?),
            test_mode: self.test_mode,
        })
    }
}

impl Store {
    /// One attempt at a batch; `None` when another request stored one of its events
    /// meanwhile (nothing of this attempt is kept).
    pub(super) async fn try_apply_scans(
        &self,
        posting: Posting<'_>,
    ) -> StoreResult<Option<Vec<ScanResult>>> {
        let Posting {
            poster,
            reach,
            events,
            rules,
            now_ms,
        } = posting;
        let poster_key = poster.key();
        let mut tx = self.begin_scan_write().await?;
        let bag_ids: Vec<String> = events.iter().map(|e| e.bag_id.clone()).collect();
        // Only an intake changes parcels: a batch without one locks none.
        let intakes: Vec<&Vec<String>> = events
            .iter()
            .filter_map(|e| match &e.kind {
                ScanKind::Received { parcels_found } => Some(parcels_found),
                _ => None,
            })
            .collect();
        let found = (!intakes.is_empty()).then(|| {
            intakes
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<String>>()
        });
        if let Some(found) = &found {
            super::locks::lock_bags(&mut tx, &bag_ids, found).await?;
        }
        // What was stored of these events before, a courier's cities and the facts of
        // the batch's bags: read together (`together.rs`). A batch with no intake
        // takes its locks in the same trip, between them: its handovers', then its
        // bags' with their facts (PostgreSQL; `locks.rs`). An event stored meanwhile
        // by another request is caught when this batch stores its own (see above).
        let mut reads = Together::new(self.backend);
        let stored_at = push_stored_results(&mut reads, &poster_key, events);
        let cities_at = reach.push_reads(&mut reads, poster);
        if found.is_none() {
            super::locks::push_lock_handovers_of(&mut reads, &bag_ids);
        }
        let ids: Vec<&str> = events.iter().map(|e| e.bag_id.as_str()).collect();
        let facts = Batch::push_reads(&mut reads, &ids);
        let outcomes = reads.run(&mut tx).await?;
        let stored = stored_results(&outcomes[stored_at])?;
        let reach = &reach.resolved(cities_at.map(|at| &outcomes[at]))?;
        let mut batch = Batch::default();
        batch.absorb(facts, &outcomes)?;
        let mut results: Vec<ScanResult> = Vec::with_capacity(events.len());
        let hashes: Vec<String> = events.iter().map(ScanEvent::payload_hash).collect();
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        let mut fresh: Vec<usize> = Vec::new();
        for (k, event) in events.iter().enumerate() {
            if let Some(&i) = first_of.get(event.event_id.as_str()) {
                results.push(named_earlier(&event.event_id, i));
                continue;
            }
            first_of.insert(&event.event_id, k);
            if let Some((json, hash)) = stored.get(&event.event_id) {
                // Events stored before payloads were hashed are not compared.
                results.push(if hash.as_ref().is_some_and(|h| *h != hashes[k]) {
                    reused(&event.event_id)
                } else {
                    replayed(json, &event.event_id)
                });
                continue;
            }
            let result =
                apply_one(&mut tx, &mut batch, poster, reach, event, rules, now_ms).await?;
            let result = result.unwrap_or_else(|Refusal(code, message)| ScanResult {
                event_id: event.event_id.clone(),
                code: code.into(),
                message: Some(message),
                ..ScanResult::default()
            });
            // An event for a bag that does not exist (for this poster) is not stored:
            // its id stays free for the event the poster meant.
            if result.code != "bag_not_found" {
                fresh.push(results.len());
            }
            results.push(result);
        }
        // Rows in event-id order: two batches storing the same ids wait on each other
        // at the first id they share, never in a cycle.
        fresh.sort_by(|&a, &b| events[a].event_id.cmp(&events[b].event_id));
        // The scan events, then the gathered writes, sent together (`together.rs`);
        // the sellers' events last: on PostgreSQL their counters serialise their
        // sellers' writers until the commit.
        let mut together = Together::new(self.backend);
        let columns = 10;
        let mut scan_rows = 0..0;
        for chunk in fresh.chunks(InOrder::rows_per_statement(columns)) {
            let sql = format!(
                "INSERT INTO scan_event (principal_id, event_id, event_type, bag_id, occurred_at_ms, recorded_at_ms,
                                         accepted, result_code, result_json, payload_hash)
                 VALUES {} ON CONFLICT (principal_id, event_id) DO NOTHING",
                InOrder::new(self.backend).rows(chunk.len(), columns)
            );
            let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * columns);
            for &i in chunk {
                let (event, result) = (&events[i], &results[i]);
                args.extend([
                    Arg::from(&poster_key),
                    (&event.event_id).into(),
                    event.kind.as_str().into(),
                    (&event.bag_id).into(),
                    event.occurred_at_ms.into(),
                    now_ms.into(),
                    i64::from(result.accepted).into(),
                    (&result.code).into(),
                    serde_json::to_string(result).unwrap_or_default().into(),
                    (&hashes[i]).into(),
                ]);
            }
            scan_rows.end = together.push_counted(sql, args) + 1;
        }
        let appends = batch.gather(&mut together, poster, now_ms);
        let outcomes = together.run(&mut tx).await?;
        let inserted: u64 = outcomes[scan_rows].iter().map(|o| o.rows_affected).sum();
        if inserted != fresh.len() as u64 {
            tx.rollback().await?;
            return Ok(None);
        }
        super::scan_batch::finish_appends(&mut tx, appends, &outcomes, now_ms).await?;
        tx.commit().await?;
        Ok(Some(results))
    }
}

/// Adds the reads of the stored results (and payload hashes) of the batch's events
/// posted before to `reads`; returns their statements.
fn push_stored_results(
    reads: &mut Together,
    poster_key: &str,
    events: &[ScanEvent],
) -> std::ops::Range<usize> {
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let mut at = reads.len()..reads.len();
    for chunk in ids.chunks(InOrder::rows_per_statement(1)) {
        let sql = stored_results_sql(reads.backend(), chunk.len());
        let mut args = vec![Arg::from(poster_key)];
        args.extend(chunk.iter().map(|id| Arg::from(*id)));
        at.end = reads.push(sql, args) + 1;
    }
    at
}

/// The read of the stored results of `n` event ids of one poster (its key, then the
/// ids). Each id is looked up by the whole primary key, whatever the statistics say:
/// PostgreSQL, on a table it has not analysed yet, reads `principal_id = $1 AND
/// event_id IN (...)` as every event the poster ever posted, filtered (52 ms a batch of
/// 100 under load at 40,000 stored). There each id is looked up in a
/// `LATERAL` subquery that `LIMIT 1` keeps from being merged into a join.
fn stored_results_sql(backend: Backend, n: usize) -> String {
    let mut binds = InOrder::new(backend);
    let poster = binds.one();
    match backend {
        Backend::Sqlite => format!(
            "SELECT event_id, result_json, payload_hash FROM scan_event WHERE principal_id = {poster} AND event_id IN ({})",
            binds.list(n)
        ),
        Backend::Postgres => format!(
            "SELECT s.event_id, s.result_json, s.payload_hash
             FROM (VALUES {}) AS v (event_id)
             CROSS JOIN LATERAL (SELECT event_id, result_json, payload_hash FROM scan_event
                                 WHERE principal_id = {poster} AND event_id = v.event_id LIMIT 1) AS s",
            binds.cast_rows(n, &["TEXT"])
        ),
    }
}

/// The stored results read by [`push_stored_results`], by event id.
fn stored_results(outcomes: &[Outcome]) -> StoreResult<HashMap<String, (String, Option<String>)>> {
    let mut stored = HashMap::new();
    for row in outcomes.iter().flat_map(|o| &o.rows) {
        stored.insert(
            row.try_get("event_id")?,
            (row.try_get("result_json")?, row.try_get("payload_hash")?),
        );
    }
    Ok(stored)
}

/// A stored result, acknowledged again.
fn replayed(json: &str, event_id: &str) -> ScanResult {
    let mut result: ScanResult = serde_json::from_str(json).unwrap_or_else(|_| ScanResult {
        event_id: event_id.to_owned(),
        code: "event_id_reused".into(),
        ..ScanResult::default()
    });
    result.duplicate = true;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    /// The plan PostgreSQL gives `sql` (bound to `poster` and `ids`), one line each.
    async fn plan(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        sql: &str,
        poster: &str,
        ids: &[String],
    ) -> String {
        let explain = format!("EXPLAIN {sql}");
        let mut query = sqlx::query(&explain).bind(poster);
        for id in ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&mut **tx).await.expect("explain");
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).expect("plan line"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// With no statistics and 20,000 events of the poster stored, the read of 100
    /// stored results looks each id up by the whole key; the plain `IN` list, the
    /// form SQLite keeps, does not there.
    #[tokio::test]
    async fn stored_results_take_the_whole_key_on_postgres() {
        let Some(url) = crate::store::test_postgres_url() else {
            return;
        };
        let pool = crate::store::test_pool(&url).await;
        let mut tx = pool.begin().await.expect("begin");
        // A temporary table of the same name is read instead of any real one.
        sqlx::query(
            "CREATE TEMPORARY TABLE scan_event (principal_id TEXT NOT NULL, event_id TEXT NOT NULL,
               result_json TEXT NOT NULL, payload_hash TEXT, PRIMARY KEY (principal_id, event_id))",
        )
        .execute(&mut *tx)
        .await
        .expect("create");
        sqlx::query(
            "INSERT INTO scan_event SELECT 'courier:C1', 'E' || i, '{}', NULL
             FROM generate_series(1, 20000) AS i",
        )
        .execute(&mut *tx)
        .await
        .expect("fill");
        let ids: Vec<String> = (19_901..=20_000).map(|i| format!("E{i}")).collect();
        // Every index condition names both columns of the key.
        let whole_key = |plan: &str| {
            plan.lines()
                .filter(|l| l.contains("Index Cond"))
                .all(|l| l.contains("principal_id") && l.contains("event_id"))
        };
        let sql = stored_results_sql(Backend::Postgres, 100);
        let guarded = plan(&mut tx, &sql, "courier:C1", &ids).await;
        assert!(
            whole_key(&guarded) && guarded.contains("Index"),
            "{guarded}"
        );
        let sql = format!(
            "SELECT event_id, result_json, payload_hash FROM scan_event WHERE principal_id = $1 AND event_id IN ({})",
            super::super::placeholders(2, 100)
        );
        let plain = plan(&mut tx, &sql, "courier:C1", &ids).await;
        assert!(!whole_key(&plain), "{plain}");
        tx.rollback().await.expect("rollback");
        pool.close().await;
    }
}
