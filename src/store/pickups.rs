//! Applying one scan event (docs/rules.md, rules 1, 8 and 14): the checks every event
//! passes (the bag exists for the poster, the poster may post this type, the handover
//! is not cancelled), then a pickup or a pickup failure. Intake is in `intake.rs`.
//! Each outcome is a result or a [`Refusal`]; a refusal is decided before anything of
//! the event is written, or undone by the batch's savepoint on PostgreSQL.

use super::StoreResult;
use super::events::{NewEvent, append};
use super::handovers::insert_event;
use super::scans::{BagFacts, EventOutcome, Refusal, ScanEvent, ScanKind, ScanReach, ScanResult};
use crate::domain::EventType;
use crate::domain::time::format_ms;
use crate::domain::{
    BagLimits, BagStatus, HandoverStatus, PickupFailureReason, Principal, Role, ScanType,
};
use serde_json::json;
use sqlx::{Any, Row, Transaction};

pub(super) async fn apply_one(
    tx: &mut Transaction<'_, Any>,
    poster: &Principal,
    reach: &ScanReach,
    event: &ScanEvent,
    (limits, skew_ms): (&BagLimits, i64),
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    let row = sqlx::query(
        "SELECT b.handover_id, b.seller_id, h.status AS handover_status, h.city_code, b.status AS bag_status,
                b.sorting_center, b.picked_up_at_ms, s.test_mode, h.created_at_ms AS booked_at_ms
         FROM bag b JOIN handover h ON h.handover_id = b.handover_id JOIN seller s ON s.seller_id = b.seller_id
         WHERE b.bag_id = $1",
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
    // Live scanners never see a test-mode seller's bags, nor the sandbox a live one's.
    if super::get_flag(&row, "test_mode")? != reach.test_mode {
        return Ok(Err(bag_not_found()));
    }
    let bag = BagFacts {
        bag_id: event.bag_id.clone(),
        seller_id: row.try_get("seller_id")?,
        handover_id: row.try_get("handover_id")?,
        handover_status: super::get_name(&row, "handover_status")?,
        city_code: row.try_get("city_code")?,
        bag_status: super::get_name(&row, "bag_status")?,
        sorting_center: row.try_get("sorting_center")?,
        picked_up_at_ms: row.try_get("picked_up_at_ms")?,
        test_mode: reach.test_mode,
        booked_at_ms: row.try_get("booked_at_ms")?,
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
    if poster.role == Role::Courier && !reach.courier_cities.contains(&bag.city_code) {
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
            pickup_failed(tx, poster, event, &bag, *reason, now_ms).await
        }
        ScanKind::Received { parcels_found } => {
            super::intake::received(tx, poster, event, &bag, parcels_found, now_ms).await
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
            pickup_failed_event(tx, bag, PickupFailureReason::BagOverLimits, now_ms).await?;
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
        "UPDATE handover SET status = 'picked_up', picked_up_at_ms = COALESCE(picked_up_at_ms, $2), failure_reason = NULL,
                            updated_at_ms = $3
         WHERE handover_id = $1 AND status IN ('booked', 'picked_up', 'pickup_failed')",
    )
    .bind(&bag.handover_id)
    .bind(event.occurred_at_ms)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    if took.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "handover_cancelled",
            "the handover was cancelled before this pickup".into(),
        )));
    }
    let bagged = sqlx::query(
        "UPDATE bag SET status = 'picked_up', picked_up_at_ms = $2, pickup_recorded_at_ms = $3, measured_weight_g = $4,
                       updated_at_ms = $3
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
    let data = json!({"handover_id": bag.handover_id, "bag_id": bag.bag_id,
                      "picked_up_at": format_ms(event.occurred_at_ms),
                      "measured_weight_g": measured_weight_g});
    append(
        tx,
        &bag.seller_id,
        &[NewEvent::new(EventType::BagPickedUp, data)],
        now_ms,
    )
    .await?;
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
    reason: PickupFailureReason,
    now_ms: i64,
) -> StoreResult<EventOutcome> {
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
        "UPDATE handover SET status = 'pickup_failed', failure_reason = $2, updated_at_ms = $3
         WHERE handover_id = $1 AND status IN ('booked', 'pickup_failed')",
    )
    .bind(&bag.handover_id)
    .bind(reason.as_str())
    .bind(now_ms)
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
    pickup_failed_event(tx, bag, reason, now_ms).await?;
    Ok(true)
}

/// The `bag.pickup_failed` event.
async fn pickup_failed_event(
    tx: &mut Transaction<'_, Any>,
    bag: &BagFacts,
    reason: PickupFailureReason,
    now_ms: i64,
) -> StoreResult<()> {
    let data =
        json!({"handover_id": bag.handover_id, "bag_id": bag.bag_id, "reason": reason.as_str()});
    append(
        tx,
        &bag.seller_id,
        &[NewEvent::new(EventType::BagPickupFailed, data)],
        now_ms,
    )
    .await
}

pub(super) fn accepted(event: &ScanEvent, scan: ScanType) -> ScanResult {
    ScanResult {
        event_id: event.event_id.clone(),
        accepted: true,
        code: scan.as_str().into(),
        ..ScanResult::default()
    }
}
