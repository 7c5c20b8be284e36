//! Scan events from couriers (pickup, pickup failure) and sorting centers (intake),
//! and the backdated first scan (docs/rules.md, rule 15).
//!
//! A batch is one transaction. Events posted before are found with one query and
//! acknowledged again; the batch's new events are stored with their results in one
//! multi-row insert at the end, which also detects a repeat racing on another server
//! (the batch then rolls back and runs again). On PostgreSQL each event runs inside a
//! savepoint, so a refused event leaves nothing half-written; on SQLite, the single
//! writer, refusals are decided before any write and need none.
//! Intake, with the backdated first scan, is in `intake.rs`.

use super::handovers::insert_event;
use super::{Store, StoreError, StoreResult, placeholders, values_rows};
use crate::domain::{
    BagLimits, BagStatus, HandoverStatus, PickupFailureReason, Principal, Role, ScanType,
};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};

/// What a scan reports.
#[derive(Clone, Debug, PartialEq)]
pub enum ScanKind {
    PickedUp {
        measured_weight_g: i64,
        measured_sides_cm: Option<[f64; 3]>,
    },
    PickupFailed {
        reason: String,
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
    /// At intake: how many parcels got their first scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_scans_set: Option<u64>,
}

/// A refusal of one event: nothing of it is applied.
pub(super) struct Refusal(pub(super) &'static str, pub(super) String);

pub(super) type EventOutcome = Result<ScanResult, Refusal>;

pub(super) struct BagFacts {
    pub(super) handover_id: String,
    pub(super) handover_status: HandoverStatus,
    pub(super) city_code: String,
    pub(super) bag_status: BagStatus,
    pub(super) sorting_center: String,
    pub(super) picked_up_at_ms: Option<i64>,
}

impl Store {
    /// Applies a batch of scans from one poster in one transaction; one result per
    /// event, in order.
    pub async fn apply_scans(
        &self,
        poster: &Principal,
        events: &[ScanEvent],
        limits: &BagLimits,
        now_ms: i64,
    ) -> StoreResult<Vec<ScanResult>> {
        let courier_cities: HashSet<String> = match poster.role {
            Role::Courier => self
                .list_courier_cities(&poster.id)
                .await?
                .into_iter()
                .collect(),
            _ => HashSet::new(),
        };
        // A repeat racing its first posting on another server makes the final insert
        // of the event rows conflict: the batch then rolls back and runs again, and
        // finds the first posting stored (PostgreSQL; SQLite has a single writer).
        for _ in 0..3 {
            if let Some(results) = self
                .try_apply_scans(poster, &courier_cities, events, limits, now_ms)
                .await?
            {
                return Ok(results);
            }
        }
        Err(StoreError::Conflict(
            "scan_conflict",
            "these events are being posted by another request at the same time; retry".into(),
        ))
    }

    /// One attempt at a batch; `None` when another request stored one of its events
    /// meanwhile (nothing of this attempt is kept).
    async fn try_apply_scans(
        &self,
        poster: &Principal,
        courier_cities: &HashSet<String>,
        events: &[ScanEvent],
        limits: &BagLimits,
        now_ms: i64,
    ) -> StoreResult<Option<Vec<ScanResult>>> {
        let poster_key = poster.key();
        let mut tx = self.begin_write().await?;
        let stored = stored_results(&mut tx, &poster_key, events).await?;
        let mut results: Vec<ScanResult> = Vec::with_capacity(events.len());
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        let mut fresh: Vec<usize> = Vec::new();
        for event in events {
            if let Some(json) = stored.get(&event.event_id) {
                results.push(replayed(json, &event.event_id));
                continue;
            }
            if let Some(&i) = first_of.get(event.event_id.as_str()) {
                let mut again = results[i].clone();
                again.duplicate = true;
                results.push(again);
                continue;
            }
            let result = match self.backend {
                // On SQLite the batch is the only writer and every refusal is decided
                // on facts read in this transaction before anything is written, so no
                // refusal follows a write and no savepoint is needed.
                super::Backend::Sqlite => {
                    apply_one(&mut tx, poster, courier_cities, event, limits, now_ms).await?
                }
                // On PostgreSQL a concurrent transaction may change a row between the
                // read and the guarded UPDATE: a savepoint undoes a refused event.
                super::Backend::Postgres => {
                    let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
                    let outcome = apply_one(
                        &mut savepoint,
                        poster,
                        courier_cities,
                        event,
                        limits,
                        now_ms,
                    )
                    .await?;
                    match outcome {
                        Ok(_) => savepoint.commit().await?,
                        Err(_) => savepoint.rollback().await?,
                    }
                    outcome
                }
            };
            let result = result.unwrap_or_else(|Refusal(code, message)| ScanResult {
                event_id: event.event_id.clone(),
                code: code.into(),
                message: Some(message),
                ..ScanResult::default()
            });
            first_of.insert(&event.event_id, results.len());
            fresh.push(results.len());
            results.push(result);
        }
        let columns = 9;
        let mut inserted = 0;
        for chunk in fresh.chunks(super::rows_per_statement(self.backend, columns)) {
            let sql = format!(
                "INSERT INTO scan_event (principal_id, event_id, event_type, bag_id, occurred_at_ms, recorded_at_ms,
                                         accepted, result_code, result_json)
                 VALUES {} ON CONFLICT (principal_id, event_id) DO NOTHING",
                values_rows(chunk.len(), columns)
            );
            let mut query = sqlx::query(&sql);
            for &i in chunk {
                let (event, result) = (&events[i], &results[i]);
                query = query
                    .bind(&poster_key)
                    .bind(&event.event_id)
                    .bind(event.kind.as_str())
                    .bind(&event.bag_id)
                    .bind(event.occurred_at_ms)
                    .bind(now_ms)
                    .bind(i64::from(result.accepted))
                    .bind(&result.code)
                    .bind(serde_json::to_string(result).unwrap_or_default());
            }
            inserted += query.execute(&mut *tx).await?.rows_affected();
        }
        if inserted != fresh.len() as u64 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(results))
    }
}

/// The stored results of the batch's events that were posted before.
async fn stored_results(
    tx: &mut Transaction<'_, Any>,
    poster_key: &str,
    events: &[ScanEvent],
) -> StoreResult<HashMap<String, String>> {
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let mut stored = HashMap::new();
    for chunk in ids.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = format!(
            "SELECT event_id, result_json FROM scan_event WHERE principal_id = $1 AND event_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(poster_key);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            stored.insert(row.try_get("event_id")?, row.try_get("result_json")?);
        }
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

async fn apply_one(
    tx: &mut Transaction<'_, Any>,
    poster: &Principal,
    courier_cities: &HashSet<String>,
    event: &ScanEvent,
    limits: &BagLimits,
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    let row = sqlx::query(
        "SELECT b.handover_id, h.status AS handover_status, h.city_code, b.status AS bag_status,
                b.sorting_center, b.picked_up_at_ms
         FROM bag b JOIN handover h ON h.handover_id = b.handover_id WHERE b.bag_id = $1",
    )
    .bind(&event.bag_id)
    .fetch_optional(&mut **tx)
    .await?;
    let bag_not_found = || {
        Refusal(
            "bag_not_found",
            format!("no bag {} for you to scan", event.bag_id),
        )
    };
    let Some(row) = row else {
        return Ok(Err(bag_not_found()));
    };
    let bag = BagFacts {
        handover_id: row.try_get("handover_id")?,
        handover_status: super::get_name(&row, "handover_status")?,
        city_code: row.try_get("city_code")?,
        bag_status: super::get_name(&row, "bag_status")?,
        sorting_center: row.try_get("sorting_center")?,
        picked_up_at_ms: row.try_get("picked_up_at_ms")?,
    };
    let allowed = matches!(
        (poster.role, &event.kind),
        (
            Role::Courier,
            ScanKind::PickedUp { .. } | ScanKind::PickupFailed { .. }
        ) | (Role::SortingCenter, ScanKind::Received { .. })
    );
    if !allowed {
        return Ok(Err(Refusal(
            "event_type_not_allowed",
            format!(
                "a {} may not post {} events",
                poster.role.as_str(),
                event.kind.as_str()
            ),
        )));
    }
    if poster.role == Role::Courier && !courier_cities.contains(&bag.city_code) {
        return Ok(Err(bag_not_found()));
    }
    if bag.handover_status == HandoverStatus::Cancelled {
        return Ok(Err(Refusal(
            "handover_cancelled",
            format!("bag {}'s handover was cancelled", event.bag_id),
        )));
    }
    match &event.kind {
        ScanKind::PickedUp {
            measured_weight_g,
            measured_sides_cm,
        } => {
            picked_up(
                tx,
                poster,
                event,
                &bag,
                *measured_weight_g,
                *measured_sides_cm,
                limits,
                now_ms,
            )
            .await
        }
        ScanKind::PickupFailed { reason } => {
            pickup_failed(tx, poster, event, &bag, reason, now_ms).await
        }
        ScanKind::Received { parcels_found } => {
            super::intake::received(tx, poster, event, &bag, parcels_found, now_ms).await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn picked_up(
    tx: &mut Transaction<'_, Any>,
    courier: &Principal,
    event: &ScanEvent,
    bag: &BagFacts,
    measured_weight_g: i64,
    measured_sides_cm: Option<[f64; 3]>,
    limits: &BagLimits,
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    if bag.bag_status != BagStatus::Open {
        return Ok(Err(Refusal(
            "already_picked_up",
            format!("bag {} is already {}", event.bag_id, bag.bag_status),
        )));
    }
    if let Err(broken) = limits.check_measured(measured_weight_g, measured_sides_cm) {
        // Not a pickup: the courier refuses an over-limit bag (docs/rules.md, rule 1).
        let failed = mark_failed(
            tx,
            courier,
            bag,
            PickupFailureReason::BagOverLimits,
            &broken.to_string(),
            now_ms,
        )
        .await?;
        if !failed {
            // Another bag of the handover is already picked up: the handover keeps its
            // status, and this bag's refusal is still recorded in its history.
            let detail = format!("bag {}: {broken}", event.bag_id);
            insert_event(
                tx,
                &bag.handover_id,
                courier,
                ScanType::PickupFailed.as_str(),
                Some(&detail),
                now_ms,
            )
            .await?;
        }
        return Ok(Ok(ScanResult {
            event_id: event.event_id.clone(),
            accepted: false,
            code: PickupFailureReason::BagOverLimits.as_str().into(),
            message: Some(format!("{broken}; recorded as a pickup failure")),
            ..ScanResult::default()
        }));
    }
    // The handover row first: a cancel racing this pickup holds or waits for it.
    let took = sqlx::query(
        "UPDATE handover SET status = 'picked_up', picked_up_at_ms = COALESCE(picked_up_at_ms, $2), failure_reason = NULL
         WHERE handover_id = $1 AND status IN ('booked', 'picked_up', 'pickup_failed')",
    )
    .bind(&bag.handover_id)
    .bind(event.occurred_at_ms)
    .execute(&mut **tx)
    .await?;
    if took.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "handover_cancelled",
            "the handover was cancelled before this pickup".into(),
        )));
    }
    let bagged = sqlx::query(
        "UPDATE bag SET status = 'picked_up', picked_up_at_ms = $2, pickup_recorded_at_ms = $3, measured_weight_g = $4
         WHERE bag_id = $1 AND status = 'open'",
    )
    .bind(&event.bag_id)
    .bind(event.occurred_at_ms)
    .bind(now_ms)
    .bind(measured_weight_g)
    .execute(&mut **tx)
    .await?;
    if bagged.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "already_picked_up",
            format!("bag {} is already picked up", event.bag_id),
        )));
    }
    let detail = format!("bag {}, measured {measured_weight_g} g", event.bag_id);
    insert_event(
        tx,
        &bag.handover_id,
        courier,
        ScanType::PickedUp.as_str(),
        Some(&detail),
        now_ms,
    )
    .await?;
    Ok(Ok(accepted(event, ScanType::PickedUp)))
}

async fn pickup_failed(
    tx: &mut Transaction<'_, Any>,
    courier: &Principal,
    event: &ScanEvent,
    bag: &BagFacts,
    reason: &str,
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    let Ok(reason) = PickupFailureReason::try_from(reason) else {
        let names: Vec<&str> = PickupFailureReason::ALL
            .iter()
            .map(|r| r.as_str())
            .collect();
        return Ok(Err(Refusal(
            "invalid_reason",
            format!("reason must be one of {}", names.join(", ")),
        )));
    };
    if !mark_failed(tx, courier, bag, reason, reason.as_str(), now_ms).await? {
        return Ok(Err(Refusal(
            "handover_not_booked",
            format!(
                "handover {} is {}, not booked",
                bag.handover_id, bag.handover_status
            ),
        )));
    }
    Ok(Ok(accepted(event, ScanType::PickupFailed)))
}

/// Records a pickup failure on a booked handover; false if it was not booked.
async fn mark_failed(
    tx: &mut Transaction<'_, Any>,
    courier: &Principal,
    bag: &BagFacts,
    reason: PickupFailureReason,
    detail: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE handover SET status = 'pickup_failed', failure_reason = $2
         WHERE handover_id = $1 AND status IN ('booked', 'pickup_failed')",
    )
    .bind(&bag.handover_id)
    .bind(reason.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    insert_event(
        tx,
        &bag.handover_id,
        courier,
        ScanType::PickupFailed.as_str(),
        Some(detail),
        now_ms,
    )
    .await?;
    Ok(true)
}

pub(super) fn accepted(event: &ScanEvent, scan: ScanType) -> ScanResult {
    ScanResult {
        event_id: event.event_id.clone(),
        accepted: true,
        code: scan.as_str().into(),
        ..ScanResult::default()
    }
}
