//! Intake at the sorting center (docs/rules.md, rule 15): the bag is received, the
//! parcels found in it are recorded, and the bag's registered parcels become received
//! (first scan backdated to the bag's pickup) or missing, set-based: one `UPDATE` for
//! those found, one for those missing. A parcel found but not registered in the bag is
//! accepted with the intake time as its first scan; a bag received with no pickup
//! reported gets the intake time for all, and is marked.

use super::events::{IntakeEvents, NewEvent, append, append_intake_events};
use super::handovers::insert_event;
use super::pickups::accepted;
use super::placeholders;
use super::scans::{BagFacts, EventOutcome, Refusal, ScanEvent, ScanResult};
use crate::domain::EventType;
use crate::domain::time::format_ms;
use crate::domain::{BagStatus, FirstScanBasis, Principal, ScanType};
use crate::store::StoreResult;
use serde_json::json;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeMap, HashSet};

/// Receives a bag: the steps below, in order; the first refusal stops it.
pub(super) async fn received(
    tx: &mut Transaction<'_, Any>,
    center: &Principal,
    event: &ScanEvent,
    bag: &BagFacts,
    parcels_found: &[String],
    now_ms: i64,
) -> StoreResult<EventOutcome> {
    if let Err(refusal) = check_receivable(center, event, bag) {
        return Ok(Err(refusal));
    }
    if let Err(refusal) = lock_handover(tx, event, bag, now_ms).await? {
        return Ok(Err(refusal));
    }
    let (registered, unscanned) = registered_parcels(tx, &event.bag_id).await?;
    let mut found: Vec<&String> = parcels_found.iter().collect();
    found.sort();
    found.dedup();
    let found_set: HashSet<&str> = found.iter().map(|t| t.as_str()).collect();
    let mut missing: Vec<String> = registered
        .iter()
        .filter(|t| !found_set.contains(t.as_str()))
        .cloned()
        .collect();
    missing.sort();
    if let Err(refusal) = mark_bag_received(tx, event, bag, !missing.is_empty(), now_ms).await? {
        return Ok(Err(refusal));
    }
    let unregistered: Vec<String> = found
        .iter()
        .filter(|t| !registered.contains(**t))
        .map(|t| (*t).clone())
        .collect();
    record_found(tx, event, bag, &found, &registered, now_ms).await?;
    let backdated = (registered.len() - missing.len()) as u64;
    let detail = format!(
        "bag {}: {} found, {} missing, {} unregistered{}",
        event.bag_id,
        found.len(),
        missing.len(),
        unregistered.len(),
        if bag.picked_up_at_ms.is_some() {
            ""
        } else {
            ", pickup not reported"
        }
    );
    insert_event(
        tx,
        &bag.handover_id,
        center,
        ScanType::Received.as_str(),
        Some(&detail),
        now_ms,
    )
    .await?;
    let counts = IntakeCounts {
        found: found.len(),
        first_scans: found.iter().filter(|t| unscanned.contains(**t)).count(),
        missing: missing.len(),
        unregistered: unregistered.len(),
    };
    intake_events(tx, event, bag, &counts, &missing, now_ms).await?;
    backdate_first_scans(tx, event, bag, &missing, now_ms).await?;
    let unregistered_known = first_scan_at_intake(tx, event, bag, &unregistered, now_ms).await?;
    let order_cancelled = void_order_parcels(tx, &event.bag_id).await?;
    Ok(Ok(ScanResult {
        order_cancelled,
        missing,
        unregistered,
        first_scans_set: Some(backdated + unregistered_known),
        ..accepted(event, ScanType::Received)
    }))
}

/// Parcels found in the bag whose order is void (rule 20), sorted; their intake
/// rows are marked for the sorting center's discrepancies.
async fn void_order_parcels(
    tx: &mut Transaction<'_, Any>,
    bag_id: &str,
) -> StoreResult<Vec<String>> {
    let void: Vec<String> = sqlx::query(
        "SELECT i.tracking_number FROM intake_parcel i
         JOIN parcel p ON p.tracking_number = i.tracking_number
         JOIN seller_order o ON o.seller_id = p.seller_id AND o.order_id = p.order_id
         WHERE i.bag_id = $1 AND o.status IN ('invalid', 'cancelled') ORDER BY i.tracking_number",
    )
    .bind(bag_id)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| r.try_get("tracking_number"))
    .collect::<Result<_, _>>()?;
    if !void.is_empty() {
        let sql = format!(
            "UPDATE intake_parcel SET order_void = 1 WHERE bag_id = $1 AND tracking_number IN ({})",
            placeholders(2, void.len())
        );
        let mut query = sqlx::query(&sql).bind(bag_id);
        for t in &void {
            query = query.bind(t);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(void)
}

/// Step 1: only the bag's destination receives it, and only once.
fn check_receivable(center: &Principal, event: &ScanEvent, bag: &BagFacts) -> Result<(), Refusal> {
    if center.id != bag.sorting_center {
        return Err(Refusal(
            "wrong_sorting_center",
            format!(
                "bag {} is bound for {}, not {}",
                event.bag_id, bag.sorting_center, center.id
            ),
        ));
    }
    if bag.bag_status == BagStatus::Received {
        return Err(Refusal(
            "already_received",
            format!("bag {} was already received", event.bag_id),
        ));
    }
    Ok(())
}

/// Step 2: takes the handover row first (lock order handover -> bag -> parcels, as
/// everywhere else) and sets its status after this intake: `received` once no other
/// bag is still out; else, a bag that left the seller with no pickup reported makes it
/// `picked_up`, so it can no longer be cancelled or failed.
async fn lock_handover(
    tx: &mut Transaction<'_, Any>,
    event: &ScanEvent,
    bag: &BagFacts,
    now_ms: i64,
) -> StoreResult<Result<(), Refusal>> {
    let locked = sqlx::query(
        "UPDATE handover SET
           status = CASE
             WHEN (SELECT COUNT(*) FROM bag WHERE handover_id = $1 AND bag_id <> $2
                     AND status IN ('open', 'picked_up')) = 0 THEN 'received'
             WHEN status IN ('booked', 'pickup_failed') THEN 'picked_up'
             ELSE status END,
           failure_reason = CASE WHEN status IN ('booked', 'pickup_failed') THEN NULL ELSE failure_reason END,
           updated_at_ms = $3
         WHERE handover_id = $1 AND status <> 'cancelled'",
    )
    .bind(&bag.handover_id)
    .bind(&event.bag_id)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    if locked.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "handover_cancelled",
            "the handover was cancelled".into(),
        )));
    }
    Ok(Ok(()))
}

/// Step 3: the bag is received (marked when no pickup was reported, and when parcels
/// of it are missing, for the sorting center's discrepancies), or refused when it was
/// received before.
async fn mark_bag_received(
    tx: &mut Transaction<'_, Any>,
    event: &ScanEvent,
    bag: &BagFacts,
    has_missing: bool,
    now_ms: i64,
) -> StoreResult<Result<(), Refusal>> {
    let pickup_reported = bag.picked_up_at_ms.is_some();
    let done = sqlx::query(
        "UPDATE bag SET status = 'received', received_at_ms = $2, received_recorded_at_ms = $3, pickup_not_reported = $4,
                       updated_at_ms = $3, has_missing = $5
         WHERE bag_id = $1 AND status IN ('open', 'picked_up')",
    )
    .bind(&event.bag_id)
    .bind(event.occurred_at_ms)
    .bind(now_ms)
    .bind(i64::from(!pickup_reported))
    .bind(i64::from(has_missing))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(Err(Refusal(
            "already_received",
            format!("bag {} was already received", event.bag_id),
        )));
    }
    Ok(Ok(()))
}

/// The parcels registered in the bag, and those of them with no first scan yet.
/// One row, not one per parcel: each row a query returns is a hand-off from the
/// database driver's worker (see `store::split_list`).
async fn registered_parcels(
    tx: &mut Transaction<'_, Any>,
    bag_id: &str,
) -> StoreResult<(HashSet<String>, HashSet<String>)> {
    let row = sqlx::query(
        "SELECT string_agg(tracking_number, ',') AS registered,
                string_agg(CASE WHEN first_scan_at_ms IS NULL THEN tracking_number END, ',') AS unscanned
         FROM parcel WHERE bag_id = $1",
    )
    .bind(bag_id)
    .fetch_one(&mut **tx)
    .await?;
    let registered = super::split_list(row.try_get("registered")?);
    let unscanned = super::split_list(row.try_get("unscanned")?);
    Ok((
        registered.into_iter().collect(),
        unscanned.into_iter().collect(),
    ))
}

/// Step 4: every parcel found in the bag is recorded, registered in it or not.
async fn record_found(
    tx: &mut Transaction<'_, Any>,
    event: &ScanEvent,
    bag: &BagFacts,
    found: &[&String],
    registered: &HashSet<String>,
    now_ms: i64,
) -> StoreResult<()> {
    let backend = super::backend_of(tx);
    for chunk in found.chunks(super::InOrder::rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO intake_parcel (bag_id, tracking_number, registered, sorting_center, received_at_ms, recorded_at_ms)
             VALUES {} ON CONFLICT (bag_id, tracking_number) DO NOTHING",
            super::InOrder::new(backend).rows(chunk.len(), 6)
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
    Ok(())
}

/// Step 6 (rule 15), after the events of step 5: the bag's parcels found (all but
/// `missing`, sorted) are received, with the bag's pickup as first scan (the intake
/// time when no pickup was reported), unless they have one already; the others are
/// missing. One statement each.
async fn backdate_first_scans(
    tx: &mut Transaction<'_, Any>,
    event: &ScanEvent,
    bag: &BagFacts,
    missing: &[String],
    now_ms: i64,
) -> StoreResult<()> {
    let (basis_at, basis) = match bag.picked_up_at_ms {
        Some(at) => (at, FirstScanBasis::BagPickup),
        None => (event.occurred_at_ms, FirstScanBasis::Intake),
    };
    let sql = format!(
        "UPDATE parcel SET
           intake_status = 'received',
           first_scan_basis = CASE WHEN first_scan_at_ms IS NULL THEN $3 ELSE first_scan_basis END,
           first_scan_recorded_at_ms = CASE WHEN first_scan_at_ms IS NULL THEN $4 ELSE first_scan_recorded_at_ms END,
           first_scan_at_ms = CASE WHEN first_scan_at_ms IS NULL THEN $2 ELSE first_scan_at_ms END,
           updated_at_ms = $4
         WHERE bag_id = $1{}",
        super::tracking_not_in(5, missing.len())
    );
    let mut query = sqlx::query(&sql)
        .bind(&event.bag_id)
        .bind(basis_at)
        .bind(basis.as_str())
        .bind(now_ms);
    for t in missing {
        query = query.bind(t);
    }
    query.execute(&mut **tx).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE parcel SET intake_status = 'missing', updated_at_ms = $2
         WHERE bag_id = $1 AND tracking_number IN ({})",
        placeholders(3, missing.len())
    );
    let mut query = sqlx::query(&sql).bind(&event.bag_id).bind(now_ms);
    for t in missing {
        query = query.bind(t);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Step 7: parcels registered with firstmile but not in this bag (of the same mode,
/// live or test, as the bag: the sandbox never touches a live parcel) get their first
/// scan at intake, each with its `parcel.first_scan` event in its own seller's log;
/// returns how many. Such parcels are few, so their events are appended per seller.
async fn first_scan_at_intake(
    tx: &mut Transaction<'_, Any>,
    event: &ScanEvent,
    bag: &BagFacts,
    unregistered: &[String],
    now_ms: i64,
) -> StoreResult<u64> {
    if unregistered.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE parcel SET first_scan_at_ms = $1, first_scan_basis = 'intake', first_scan_recorded_at_ms = $2,
                           intake_status = 'received', updated_at_ms = $2
         WHERE first_scan_at_ms IS NULL AND tracking_number IN ({})
           AND seller_id IN (SELECT seller_id FROM seller WHERE test_mode = $3)
         RETURNING tracking_number, seller_id, bag_id",
        placeholders(4, unregistered.len())
    );
    let mut query = sqlx::query(&sql)
        .bind(event.occurred_at_ms)
        .bind(now_ms)
        .bind(i64::from(bag.test_mode));
    for t in unregistered {
        query = query.bind(t);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    let mut by_seller: BTreeMap<String, Vec<NewEvent>> = BTreeMap::new();
    for row in &rows {
        let tracking_number: String = row.try_get("tracking_number")?;
        let own_bag: Option<String> = row.try_get("bag_id")?;
        let data = json!({"tracking_number": tracking_number, "bag_id": bag.bag_id,
                          "registered_bag_id": own_bag,
                          "at": format_ms(event.occurred_at_ms), "recorded_at": format_ms(now_ms),
                          "basis": FirstScanBasis::Intake.as_str()});
        by_seller
            .entry(row.try_get("seller_id")?)
            .or_default()
            .push(NewEvent::new(EventType::ParcelFirstScan, data));
    }
    for (seller_id, events) in &by_seller {
        append(tx, seller_id, events, now_ms).await?;
    }
    Ok(rows.len() as u64)
}

/// How many parcels an intake found, of which how many get their first scan from it,
/// how many of the bag's are missing and how many found were not registered in it.
struct IntakeCounts {
    found: usize,
    first_scans: usize,
    missing: usize,
    unregistered: usize,
}

/// Step 5: `bag.received`, then one `parcel.first_scan` per parcel whose first scan
/// this intake sets (step 6) and one `parcel.missing` per missing parcel, set-based (a
/// bag of 300 parcels costs a few statements, not 300).
async fn intake_events(
    tx: &mut Transaction<'_, Any>,
    event: &ScanEvent,
    bag: &BagFacts,
    counts: &IntakeCounts,
    missing: &[String],
    now_ms: i64,
) -> StoreResult<()> {
    let data = json!({"handover_id": bag.handover_id, "bag_id": bag.bag_id,
                      "received_at": format_ms(event.occurred_at_ms),
                      "pickup_reported": bag.picked_up_at_ms.is_some(),
                      "parcels_found": counts.found, "parcels_missing": counts.missing,
                      "parcels_unregistered": counts.unregistered});
    let (at, basis) = match bag.picked_up_at_ms {
        Some(at) => (at, FirstScanBasis::BagPickup),
        None => (event.occurred_at_ms, FirstScanBasis::Intake),
    };
    // The shared tail of every parcel's `data`; ids and times need no escaping.
    let bag_id = serde_json::Value::from(bag.bag_id.as_str());
    let first_scan_tail = format!(
        "\",\"bag_id\":{bag_id},\"at\":\"{}\",\"recorded_at\":\"{}\",\"basis\":\"{}\"}}",
        format_ms(at),
        format_ms(now_ms),
        basis.as_str()
    );
    let missing_tail = format!("\",\"bag_id\":{bag_id}}}");
    append_intake_events(
        tx,
        IntakeEvents {
            seller_id: &bag.seller_id,
            bag_id: &bag.bag_id,
            received: NewEvent::new(EventType::BagReceived, data),
            first_scans: (counts.first_scans as u64, &first_scan_tail),
            missing: (counts.missing as u64, &missing_tail),
            missing_parcels: missing,
        },
        now_ms,
    )
    .await
}
