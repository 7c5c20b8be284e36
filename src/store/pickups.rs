//! Applying one scan event (docs/rules.md, rules 1, 8 and 14): the checks every event
//! passes (the bag exists for the poster, the poster may post this type, the handover
//! is not cancelled), then a pickup or a pickup failure. Intake is in `intake.rs`.
//! Each outcome is a result or a [`Refusal`]. Pickups and pickup failures are decided
//! on the batch's facts and gather their writes in the [`Batch`], so a refusal writes
//! nothing; an intake runs on the database, in a savepoint on PostgreSQL.

use super::StoreResult;
use super::events::NewEvent;
use super::scan_batch::Batch;
use super::scans::{BagFacts, EventOutcome, Refusal, ScanEvent, ScanKind, ScanReach, ScanResult};
use crate::domain::EventType;
use crate::domain::time::format_ms;
use crate::domain::{
    BagLimits, BagStatus, HandoverStatus, PickupFailureReason, Principal, Role, ScanType,
};
use serde_json::json;
use sqlx::{Any, Transaction};

pub(super) async fn apply_one(
    tx: &mut Transaction<'_, Any>,
    batch: &mut Batch,
    poster: &Principal,
    reach: &ScanReach,
    event: &ScanEvent,
    (limits, skew_ms): (&BagLimits, i64),
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    let bag_not_found = || {
        Refusal(
            "bag_not_found",
            format!("no bag {} for you to scan", event.bag_id),
        )
    };
    let Some(bag) = batch.facts(tx, &event.bag_id).await? else {
        return Ok(Err(bag_not_found()));
    };
    // Live scanners never see a test-mode seller's bags, nor the sandbox a live one's.
    if bag.test_mode != reach.test_mode {
        return Ok(Err(bag_not_found()));
    }
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
    if poster.role == Role::Courier && !reach.covers(&bag.city_code) {
        return Ok(Err(bag_not_found()));
    }
    if bag.handover_status == HandoverStatus::Cancelled {
        return Ok(Err(Refusal(
            "handover_cancelled",
            format!("bag {}'s handover was cancelled", event.bag_id),
        )));
    }
    if let Err(refusal) = check_times_and_sizes(event, &bag, skew_ms, now_ms) {
        return Ok(Err(refusal));
    }
    match &event.kind {
        ScanKind::PickedUp {
            measured_weight_g,
            measured_sides_cm,
        } => Ok(picked_up(
            batch,
            event,
            &bag,
            *measured_weight_g,
            *measured_sides_cm,
            limits,
        )),
        ScanKind::PickupFailed { reason } => Ok(pickup_failed(batch, event, &bag, *reason)),
        ScanKind::Received { parcels_found } => {
            // The intake runs on the database: what the batch gathered goes first.
            batch.store(tx, poster, now_ms).await?;
            let outcome = match super::backend_of(tx) {
                // On SQLite the batch is the only writer and every refusal is decided
                // on facts read in this transaction before anything is written, so no
                // refusal follows a write and no savepoint is needed.
                super::Backend::Sqlite => {
                    super::intake::received(tx, poster, event, &bag, parcels_found, now_ms).await?
                }
                // On PostgreSQL a savepoint undoes a refused intake's writes.
                super::Backend::Postgres => {
                    let mut savepoint = sqlx::Connection::begin(&mut **tx).await?;
                    let outcome = super::intake::received(
                        &mut savepoint,
                        poster,
                        event,
                        &bag,
                        parcels_found,
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
            batch.forget_handover(&bag.handover_id);
            Ok(outcome)
        }
    }
}

/// The time and measurement sanity rules (docs/rules.md, rule 23): times that cannot
/// be, and measurements no scale or tape gives, are refused per event.
fn check_times_and_sizes(
    event: &ScanEvent,
    bag: &BagFacts,
    skew_ms: i64,
    now_ms: i64,
) -> Result<(), Refusal> {
    let at = event.occurred_at_ms;
    if at > now_ms.saturating_add(skew_ms) {
        return Err(Refusal(
            "occurred_in_future",
            format!(
                "the scan is dated {}, more than the clock-skew tolerance after now",
                format_ms(at)
            ),
        ));
    }
    let before_booking = at < bag.booked_at_ms.saturating_sub(skew_ms);
    match &event.kind {
        ScanKind::PickedUp {
            measured_weight_g,
            measured_sides_cm,
        } => {
            if before_booking {
                return Err(Refusal(
                    "pickup_before_booking",
                    format!(
                        "the pickup is dated {}, before its handover was booked ({})",
                        format_ms(at),
                        format_ms(bag.booked_at_ms)
                    ),
                ));
            }
            let sides_positive = measured_sides_cm.is_none_or(|s| s.iter().all(|&c| c > 0.0));
            if *measured_weight_g <= 0 || !sides_positive {
                return Err(Refusal(
                    "measurement_not_positive",
                    "a measured weight and measured sides are greater than zero".into(),
                ));
            }
        }
        ScanKind::Received { .. } => {
            if let Some(picked_up) = bag.picked_up_at_ms.filter(|&p| at < p) {
                return Err(Refusal(
                    "received_before_pickup",
                    format!(
                        "the intake is dated {}, before the bag's pickup ({})",
                        format_ms(at),
                        format_ms(picked_up)
                    ),
                ));
            }
            if before_booking {
                return Err(Refusal(
                    "received_before_booking",
                    format!(
                        "the intake is dated {}, before its handover was booked",
                        format_ms(at)
                    ),
                ));
            }
        }
        ScanKind::PickupFailed { .. } => {}
    }
    Ok(())
}

/// A pickup, decided on the batch's facts; its writes are gathered in the batch.
fn picked_up(
    batch: &mut Batch,
    event: &ScanEvent,
    bag: &BagFacts,
    measured_weight_g: i64,
    measured_sides_cm: Option<[f64; 3]>,
    limits: &BagLimits,
) -> EventOutcome {
    if bag.bag_status != BagStatus::Open {
        return Err(Refusal(
            "already_picked_up",
            format!("bag {} is already {}", event.bag_id, bag.bag_status),
        ));
    }
    if let Err(broken) = limits.check_measured(measured_weight_g, measured_sides_cm) {
        // Not a pickup: the courier refuses an over-limit bag (docs/rules.md, rule 1).
        let reason = PickupFailureReason::BagOverLimits;
        if !mark_failed(batch, bag, reason, broken.to_string()) {
            // Another bag of the handover is already picked up: the handover keeps its
            // status, and this bag's refusal is still recorded in its history.
            let detail = format!("bag {}: {broken}", event.bag_id);
            batch.history(&bag.handover_id, ScanType::PickupFailed.as_str(), detail);
            pickup_failed_event(batch, bag, reason);
        }
        return Ok(ScanResult {
            event_id: event.event_id.clone(),
            accepted: false,
            code: reason.as_str().into(),
            message: Some(format!("{broken}; recorded as a pickup failure")),
            ..ScanResult::default()
        });
    }
    // A cancel racing this pickup holds the handover's row or waits for the batch.
    let open = batch.handover(&bag.handover_id).is_some_and(|h| {
        matches!(
            h.status,
            HandoverStatus::Booked | HandoverStatus::PickedUp | HandoverStatus::PickupFailed
        )
    });
    if !open {
        return Err(Refusal(
            "handover_cancelled",
            "the handover was cancelled before this pickup".into(),
        ));
    }
    let at = event.occurred_at_ms;
    batch.set_handover(&bag.handover_id, |h| {
        h.status = HandoverStatus::PickedUp;
        h.picked_up_at_ms.get_or_insert(at);
        h.failure_reason = None;
    });
    batch.pick_up_bag(&bag.bag_id, at, measured_weight_g);
    let data = json!({"handover_id": bag.handover_id, "bag_id": bag.bag_id,
                      "picked_up_at": format_ms(at),
                      "measured_weight_g": measured_weight_g});
    batch.event(&bag.seller_id, NewEvent::new(EventType::BagPickedUp, data));
    let detail = format!("bag {}, measured {measured_weight_g} g", event.bag_id);
    batch.history(&bag.handover_id, ScanType::PickedUp.as_str(), detail);
    Ok(accepted(event, ScanType::PickedUp))
}

fn pickup_failed(
    batch: &mut Batch,
    event: &ScanEvent,
    bag: &BagFacts,
    reason: PickupFailureReason,
) -> EventOutcome {
    if !mark_failed(batch, bag, reason, reason.as_str().to_owned()) {
        return Err(Refusal(
            "handover_not_booked",
            format!(
                "handover {} is {}, not booked",
                bag.handover_id, bag.handover_status
            ),
        ));
    }
    Ok(accepted(event, ScanType::PickupFailed))
}

/// Records a pickup failure on a booked handover; false if it was not booked.
fn mark_failed(
    batch: &mut Batch,
    bag: &BagFacts,
    reason: PickupFailureReason,
    detail: String,
) -> bool {
    let booked = batch.handover(&bag.handover_id).is_some_and(|h| {
        matches!(
            h.status,
            HandoverStatus::Booked | HandoverStatus::PickupFailed
        )
    });
    if !booked {
        return false;
    }
    batch.set_handover(&bag.handover_id, |h| {
        h.status = HandoverStatus::PickupFailed;
        h.failure_reason = Some(reason.as_str().to_owned());
    });
    batch.history(&bag.handover_id, ScanType::PickupFailed.as_str(), detail);
    pickup_failed_event(batch, bag, reason);
    true
}

/// The `bag.pickup_failed` event.
fn pickup_failed_event(batch: &mut Batch, bag: &BagFacts, reason: PickupFailureReason) {
    let data =
        json!({"handover_id": bag.handover_id, "bag_id": bag.bag_id, "reason": reason.as_str()});
    batch.event(
        &bag.seller_id,
        NewEvent::new(EventType::BagPickupFailed, data),
    );
}

pub(super) fn accepted(event: &ScanEvent, scan: ScanType) -> ScanResult {
    ScanResult {
        event_id: event.event_id.clone(),
        accepted: true,
        code: scan.as_str().into(),
        ..ScanResult::default()
    }
}
