//! Scan events from couriers (pickup, pickup failure) and sorting centers (intake),
//! and the backdated first scan (SPEC rule 7).
//!
//! A batch is one transaction; each event runs inside its own savepoint, so a refused
//! event leaves nothing half-written while the others still apply. An event is keyed
//! by (poster, `event_id`) and its row is inserted before its effects: a repeat, even
//! one racing on another server, finds the row and gets the first result again.
//! At intake, the registered parcels found in the bag get their first scan set to the
//! bag's pickup time in one `UPDATE`; the rest of the bag is marked missing in another.

use super::handovers::insert_event;
use super::{Store, StoreResult, placeholders, values_rows};
use crate::domain::status::PICKUP_FAILURE_REASONS;
use crate::domain::{BagLimits, Principal, Role};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use std::collections::HashSet;

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
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::PickedUp { .. } => "picked_up",
            Self::PickupFailed { .. } => "pickup_failed",
            Self::Received { .. } => "received",
        }
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
struct Refusal(&'static str, String);

type EventOutcome = Result<ScanResult, Refusal>;

struct BagFacts {
    handover_id: String,
    handover_status: String,
    city_code: String,
    bag_status: String,
    sorting_center: String,
    picked_up_at_ms: Option<i64>,
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
        let poster_key = poster.key();
        let mut tx = self.begin_write().await?;
        let mut results = Vec::with_capacity(events.len());
        for event in events {
            let fresh = sqlx::query(
                "INSERT INTO scan_event (principal_id, event_id, event_type, bag_id, occurred_at_ms, recorded_at_ms,
                                         accepted, result_code, result_json)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, '', '') ON CONFLICT (principal_id, event_id) DO NOTHING",
            )
            .bind(&poster_key)
            .bind(&event.event_id)
            .bind(event.kind.as_str())
            .bind(&event.bag_id)
            .bind(event.occurred_at_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            if fresh.rows_affected() == 0 {
                results.push(replay(&mut tx, &poster_key, &event.event_id).await?);
                continue;
            }
            let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
            let outcome = apply_one(
                &mut savepoint,
                poster,
                &courier_cities,
                event,
                limits,
                now_ms,
            )
            .await?;
            let result = match outcome {
                Ok(result) => {
                    savepoint.commit().await?;
                    result
                }
                Err(Refusal(code, message)) => {
                    savepoint.rollback().await?;
                    ScanResult {
                        event_id: event.event_id.clone(),
                        code: code.into(),
                        message: Some(message),
                        ..ScanResult::default()
                    }
                }
            };
            sqlx::query(
                "UPDATE scan_event SET accepted = $3, result_code = $4, result_json = $5
                 WHERE principal_id = $1 AND event_id = $2",
            )
            .bind(&poster_key)
            .bind(&event.event_id)
            .bind(i64::from(result.accepted))
            .bind(&result.code)
            .bind(serde_json::to_string(&result).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
            results.push(result);
        }
        tx.commit().await?;
        Ok(results)
    }
}

async fn replay(
    tx: &mut Transaction<'_, Any>,
    poster_key: &str,
    event_id: &str,
) -> StoreResult<ScanResult> {
    let row =
        sqlx::query("SELECT result_json FROM scan_event WHERE principal_id = $1 AND event_id = $2")
            .bind(poster_key)
            .bind(event_id)
            .fetch_one(&mut **tx)
            .await?;
    let json: String = row.try_get("result_json")?;
    let mut result: ScanResult = serde_json::from_str(&json).unwrap_or_else(|_| ScanResult {
        event_id: event_id.to_owned(),
        code: "event_id_reused".into(),
        message: Some("this event id was used earlier in the same batch".into()),
        ..ScanResult::default()
    });
    result.duplicate = true;
    Ok(result)
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
        handover_status: row.try_get("handover_status")?,
        city_code: row.try_get("city_code")?,
        bag_status: row.try_get("bag_status")?,
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
    if bag.handover_status == "cancelled" {
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
            received(tx, poster, event, &bag, parcels_found, now_ms).await
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
    if bag.bag_status != "open" {
        return Ok(Err(Refusal(
            "already_picked_up",
            format!("bag {} is already {}", event.bag_id, bag.bag_status),
        )));
    }
    if let Err(broken) = limits.check_measured(measured_weight_g, measured_sides_cm) {
        // Not a pickup: the courier refuses an over-limit bag (SPEC rule 1).
        let failed = mark_failed(
            tx,
            courier,
            bag,
            "bag_over_limits",
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
                "pickup_failed",
                Some(&detail),
                now_ms,
            )
            .await?;
        }
        return Ok(Ok(ScanResult {
            event_id: event.event_id.clone(),
            accepted: false,
            code: "bag_over_limits".into(),
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
        "picked_up",
        Some(&detail),
        now_ms,
    )
    .await?;
    Ok(Ok(accepted(event, "picked_up")))
}

async fn pickup_failed(
    tx: &mut Transaction<'_, Any>,
    courier: &Principal,
    event: &ScanEvent,
    bag: &BagFacts,
    reason: &str,
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    if !PICKUP_FAILURE_REASONS.contains(&reason) {
        return Ok(Err(Refusal(
            "invalid_reason",
            format!(
                "reason must be one of {}",
                PICKUP_FAILURE_REASONS.join(", ")
            ),
        )));
    }
    if !mark_failed(tx, courier, bag, reason, reason, now_ms).await? {
        return Ok(Err(Refusal(
            "handover_not_booked",
            format!(
                "handover {} is {}, not booked",
                bag.handover_id, bag.handover_status
            ),
        )));
    }
    Ok(Ok(accepted(event, "pickup_failed")))
}

/// Records a pickup failure on a booked handover; false if it was not booked.
async fn mark_failed(
    tx: &mut Transaction<'_, Any>,
    courier: &Principal,
    bag: &BagFacts,
    reason: &str,
    detail: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE handover SET status = 'pickup_failed', failure_reason = $2
         WHERE handover_id = $1 AND status IN ('booked', 'pickup_failed')",
    )
    .bind(&bag.handover_id)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    insert_event(
        tx,
        &bag.handover_id,
        courier,
        "pickup_failed",
        Some(detail),
        now_ms,
    )
    .await?;
    Ok(true)
}

async fn received(
    tx: &mut Transaction<'_, Any>,
    center: &Principal,
    event: &ScanEvent,
    bag: &BagFacts,
    parcels_found: &[String],
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    if center.id != bag.sorting_center {
        return Ok(Err(Refusal(
            "wrong_sorting_center",
            format!(
                "bag {} is bound for {}, not {}",
                event.bag_id, bag.sorting_center, center.id
            ),
        )));
    }
    if bag.bag_status == "received" {
        return Ok(Err(Refusal(
            "already_received",
            format!("bag {} was already received", event.bag_id),
        )));
    }
    // Lock order handover -> bag -> parcels, as everywhere else.
    let locked = sqlx::query(
        "UPDATE handover SET status = status WHERE handover_id = $1 AND status <> 'cancelled'",
    )
    .bind(&bag.handover_id)
    .execute(&mut **tx)
    .await?;
    if locked.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "handover_cancelled",
            "the handover was cancelled".into(),
        )));
    }
    let pickup_reported = bag.picked_up_at_ms.is_some();
    let done = sqlx::query(
        "UPDATE bag SET status = 'received', received_at_ms = $2, received_recorded_at_ms = $3, pickup_not_reported = $4
         WHERE bag_id = $1 AND status IN ('open', 'picked_up')",
    )
    .bind(&event.bag_id)
    .bind(event.occurred_at_ms)
    .bind(now_ms)
    .bind(i64::from(!pickup_reported))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "already_received",
            format!("bag {} was already received", event.bag_id),
        )));
    }
    if !pickup_reported {
        // The bag has left the seller though no pickup was reported: its handover can
        // no longer be cancelled (which would free this bag's parcels) or failed.
        sqlx::query(
            "UPDATE handover SET status = 'picked_up', failure_reason = NULL
             WHERE handover_id = $1 AND status IN ('booked', 'pickup_failed')",
        )
        .bind(&bag.handover_id)
        .execute(&mut **tx)
        .await?;
    }
    let registered: HashSet<String> =
        sqlx::query("SELECT tracking_number FROM parcel WHERE bag_id = $1")
            .bind(&event.bag_id)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|r| r.try_get("tracking_number"))
            .collect::<Result<_, _>>()?;
    let mut found: Vec<&String> = parcels_found.iter().collect();
    found.sort();
    found.dedup();
    let unregistered: Vec<String> = found
        .iter()
        .filter(|t| !registered.contains(**t))
        .map(|t| (*t).clone())
        .collect();
    let rows_per_insert = super::rows_per_statement(super::backend_of(tx), 6);
    for chunk in found.chunks(rows_per_insert) {
        let sql = format!(
            "INSERT INTO intake_parcel (bag_id, tracking_number, registered, sorting_center, received_at_ms, recorded_at_ms)
             VALUES {} ON CONFLICT (bag_id, tracking_number) DO NOTHING",
            values_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for t in chunk {
            query = query
                .bind(&event.bag_id)
                .bind(*t)
                .bind(i64::from(registered.contains(*t)))
                .bind(&bag.sorting_center)
                .bind(event.occurred_at_ms)
                .bind(now_ms);
        }
        query.execute(&mut **tx).await?;
    }
    // SPEC rule 7: registered parcels found get the bag's pickup time as first scan;
    // with no pickup reported, the intake time is the first scan.
    let (basis_at, basis) = match bag.picked_up_at_ms {
        Some(at) => (at, "bag_pickup"),
        None => (event.occurred_at_ms, "intake"),
    };
    let backdated = sqlx::query(
        "UPDATE parcel SET first_scan_at_ms = $2, first_scan_basis = $3, first_scan_recorded_at_ms = $4,
                           intake_status = 'received'
         WHERE bag_id = $1 AND first_scan_at_ms IS NULL
           AND tracking_number IN (SELECT tracking_number FROM intake_parcel WHERE bag_id = $1)",
    )
    .bind(&event.bag_id)
    .bind(basis_at)
    .bind(basis)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let missing: Vec<String> = sqlx::query(
        "UPDATE parcel SET intake_status = 'missing' WHERE bag_id = $1 AND intake_status IS NULL RETURNING tracking_number",
    )
    .bind(&event.bag_id)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| r.try_get("tracking_number"))
    .collect::<Result<_, _>>()?;
    let mut unregistered_known = 0;
    if !unregistered.is_empty() {
        // Parcels registered with firstmile but not in this bag: first scan at intake.
        let sql = format!(
            "UPDATE parcel SET first_scan_at_ms = $1, first_scan_basis = 'intake', first_scan_recorded_at_ms = $2,
                               intake_status = 'received'
             WHERE first_scan_at_ms IS NULL AND tracking_number IN ({})",
            placeholders(3, unregistered.len())
        );
        let mut query = sqlx::query(&sql).bind(event.occurred_at_ms).bind(now_ms);
        for t in &unregistered {
            query = query.bind(t);
        }
        unregistered_known = query.execute(&mut **tx).await?.rows_affected();
    }
    sqlx::query(
        "UPDATE handover SET status = 'received'
         WHERE handover_id = $1 AND (SELECT COUNT(*) FROM bag WHERE handover_id = $1 AND status IN ('open', 'picked_up')) = 0",
    )
    .bind(&bag.handover_id)
    .execute(&mut **tx)
    .await?;
    let detail = format!(
        "bag {}: {} found, {} missing, {} unregistered{}",
        event.bag_id,
        found.len(),
        missing.len(),
        unregistered.len(),
        if pickup_reported {
            ""
        } else {
            ", pickup not reported"
        }
    );
    insert_event(
        tx,
        &bag.handover_id,
        center,
        "received",
        Some(&detail),
        now_ms,
    )
    .await?;
    let mut missing = missing;
    missing.sort();
    Ok(Ok(ScanResult {
        missing,
        unregistered,
        first_scans_set: Some(backdated + unregistered_known),
        ..accepted(event, "received")
    }))
}

fn accepted(event: &ScanEvent, code: &str) -> ScanResult {
    ScanResult {
        event_id: event.event_id.clone(),
        accepted: true,
        code: code.into(),
        ..ScanResult::default()
    }
}
