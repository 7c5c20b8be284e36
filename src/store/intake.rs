//! Intake at the sorting center (docs/rules.md, rule 15): the bag is received, the
//! parcels found in it are recorded, and the bag's registered parcels become received
//! (first scan backdated to the bag's pickup) or missing, set-based: one `UPDATE` for
//! those found, one for those missing. A parcel found but not registered in the bag is
//! accepted with the intake time as its first scan; a bag received with no pickup
//! reported gets the intake time for all, and is marked.

use super::InOrder;
use super::events::{IntakeEvents, NewEvent, append, push_intake_events};
use super::handovers::insert_events;
use super::pickups::accepted;
use super::placeholders;
use super::scans::{BagFacts, EventOutcome, Refusal, ScanEvent, ScanResult};
use super::together::{Arg, Outcome, Together};
use crate::domain::EventType;
use crate::domain::time::format_ms;
use crate::domain::{BagStatus, FirstScanBasis, Principal, ScanType};
use crate::store::StoreResult;
use serde_json::json;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeMap, HashSet};

/// Receives a bag: the steps below, in order; the first refusal stops it. The
/// statements travel in two trips (`together.rs`): the handover's lock with the read
/// of the bag's parcels, then everything the intake writes; only parcels found but
/// not registered in the bag, and void orders, take more.
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
    let backend = super::backend_of(tx);
    let mut reads = Together::new(backend);
    let lock = push_lock_handover(&mut reads, event, bag, now_ms);
    let parcels = push_registered_parcels(&mut reads, &event.bag_id);
    let outcomes = reads.run(tx).await?;
    if outcomes[lock].rows_affected == 0 {
        return Ok(Err(Refusal(
            "handover_cancelled",
            "the handover was cancelled".into(),
        )));
    }
    let (registered, unscanned) = registered_parcels(&outcomes[parcels])?;
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
    let unregistered: Vec<String> = found
        .iter()
        .filter(|t| !registered.contains(**t))
        .map(|t| (*t).clone())
        .collect();
    let counts = IntakeCounts {
        found: found.len(),
        first_scans: found.iter().filter(|t| unscanned.contains(**t)).count(),
        missing: missing.len(),
        unregistered: unregistered.len(),
    };
    let mut writes = Together::new(backend);
    let marked = push_mark_bag_received(&mut writes, event, bag, !missing.is_empty(), now_ms);
    push_record_found(&mut writes, event, bag, &found, &registered, now_ms);
    let history = (
        bag.handover_id.clone(),
        ScanType::Received.as_str(),
        intake_detail(event, bag, &counts),
    );
    insert_events(&mut writes, &[history], center, now_ms);
    let events = push_intake_events(
        &mut writes,
        &intake_events(event, bag, &counts, &missing, now_ms),
        now_ms,
    );
    push_backdate_first_scans(&mut writes, event, bag, &missing, now_ms);
    let void = push_void_order_parcels(&mut writes, &event.bag_id);
    let outcomes = writes.run(tx).await?;
    if outcomes[marked].rows_affected == 0 {
        let refusal = Refusal(
            "already_received",
            format!("bag {} was already received", event.bag_id),
        );
        return match backend {
            // The savepoint around the intake undoes what was written with it.
            super::Backend::Postgres => Ok(Err(refusal)),
            // SQLite's single writer read the bag as not received in this transaction
            // (`check_receivable`), so this cannot happen; if it did, nothing of the
            // transaction may stay.
            super::Backend::Sqlite => Err(sqlx::Error::Protocol(refusal.1).into()),
        };
    }
    events.check(&outcomes)?;
    events.append.finish(tx, &outcomes, now_ms).await?;
    let unregistered_known = first_scan_at_intake(tx, event, bag, &unregistered, now_ms).await?;
    let order_cancelled = mark_void_order_parcels(tx, &event.bag_id, &outcomes[void]).await?;
    let backdated = (registered.len() - missing.len()) as u64;
    Ok(Ok(ScanResult {
        order_cancelled,
        missing,
        unregistered,
        first_scans_set: Some(backdated + unregistered_known),
        ..accepted(event, ScanType::Received)
    }))
}

/// The intake's line in its handover's history.
fn intake_detail(event: &ScanEvent, bag: &BagFacts, counts: &IntakeCounts) -> String {
    format!(
        "bag {}: {} found, {} missing, {} unregistered{}",
        event.bag_id,
        counts.found,
        counts.missing,
        counts.unregistered,
        if bag.picked_up_at_ms.is_some() {
            ""
        } else {
            ", pickup not reported"
        }
    )
}

/// Reads the parcels found in the bag whose order is void (rule 20), sorted (after
/// the intake rows are written); returns the statement's index.
fn push_void_order_parcels(together: &mut Together, bag_id: &str) -> usize {
    let bag = InOrder::new(together.backend()).one();
    together.push(
        format!(
            "SELECT i.tracking_number FROM intake_parcel i
             JOIN parcel p ON p.tracking_number = i.tracking_number
             JOIN seller_order o ON o.seller_id = p.seller_id AND o.order_id = p.order_id
             WHERE i.bag_id = {bag} AND o.status IN ('invalid', 'cancelled') ORDER BY i.tracking_number"
        ),
        vec![bag_id.into()],
    )
}

/// Marks the intake rows of the parcels read by [`push_void_order_parcels`], for the
/// sorting center's discrepancies; returns their tracking numbers.
async fn mark_void_order_parcels(
    tx: &mut Transaction<'_, Any>,
    bag_id: &str,
    read: &Outcome,
) -> StoreResult<Vec<String>> {
    let void: Vec<String> = read
        .rows
        .iter()
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
/// `picked_up`, so it can no longer be cancelled or failed. No row changed: the
/// handover was cancelled. Returns the statement's index.
fn push_lock_handover(
    together: &mut Together,
    event: &ScanEvent,
    bag: &BagFacts,
    now_ms: i64,
) -> usize {
    let mut b = InOrder::new(together.backend());
    let (handover, bag_id, now, handover_again) = (b.one(), b.one(), b.one(), b.one());
    together.push(
        format!(
            "UPDATE handover SET
               status = CASE
                 WHEN (SELECT COUNT(*) FROM bag WHERE handover_id = {handover} AND bag_id <> {bag_id}
                         AND status IN ('open', 'picked_up')) = 0 THEN 'received'
                 WHEN status IN ('booked', 'pickup_failed') THEN 'picked_up'
                 ELSE status END,
               failure_reason = CASE WHEN status IN ('booked', 'pickup_failed') THEN NULL ELSE failure_reason END,
               updated_at_ms = {now}
             WHERE handover_id = {handover_again} AND status <> 'cancelled'"
        ),
        vec![
            (&bag.handover_id).into(),
            (&event.bag_id).into(),
            now_ms.into(),
            (&bag.handover_id).into(),
        ],
    )
}

/// Step 3: the bag is received (marked when no pickup was reported, and when parcels
/// of it are missing, for the sorting center's discrepancies). No row changed: it was
/// received before. Returns the statement's index.
fn push_mark_bag_received(
    together: &mut Together,
    event: &ScanEvent,
    bag: &BagFacts,
    has_missing: bool,
    now_ms: i64,
) -> usize {
    let mut b = InOrder::new(together.backend());
    let (at, now, not_reported, now_again, missing, bag_id) =
        (b.one(), b.one(), b.one(), b.one(), b.one(), b.one());
    together.push_counted(
        format!(
            "UPDATE bag SET status = 'received', received_at_ms = {at}, received_recorded_at_ms = {now},
                           pickup_not_reported = {not_reported}, updated_at_ms = {now_again}, has_missing = {missing}
             WHERE bag_id = {bag_id} AND status IN ('open', 'picked_up')"
        ),
        vec![
            event.occurred_at_ms.into(),
            now_ms.into(),
            i64::from(bag.picked_up_at_ms.is_none()).into(),
            now_ms.into(),
            i64::from(has_missing).into(),
            (&event.bag_id).into(),
        ],
    )
}

/// Reads the parcels registered in the bag, and those of them with no first scan yet,
/// as one row, not one per parcel: each row a query returns is a hand-off from the
/// database driver's worker (see `store::split_list`). Returns the statement's index.
fn push_registered_parcels(together: &mut Together, bag_id: &str) -> usize {
    let bag = InOrder::new(together.backend()).one();
    together.push(
        format!(
            "SELECT string_agg(tracking_number, ',') AS registered,
                    string_agg(CASE WHEN first_scan_at_ms IS NULL THEN tracking_number END, ',') AS unscanned
             FROM parcel WHERE bag_id = {bag}"
        ),
        vec![bag_id.into()],
    )
}

/// The parcels read by [`push_registered_parcels`].
fn registered_parcels(read: &Outcome) -> StoreResult<(HashSet<String>, HashSet<String>)> {
    let row = read
        .rows
        .first()
        .ok_or_else(|| sqlx::Error::Protocol("the bag's parcels returned no row".into()))?;
    let registered = super::split_list(row.try_get("registered")?);
    let unscanned = super::split_list(row.try_get("unscanned")?);
    Ok((
        registered.into_iter().collect(),
        unscanned.into_iter().collect(),
    ))
}

/// Step 4: every parcel found in the bag is recorded, registered in it or not.
fn push_record_found(
    together: &mut Together,
    event: &ScanEvent,
    bag: &BagFacts,
    found: &[&String],
    registered: &HashSet<String>,
    now_ms: i64,
) {
    for chunk in found.chunks(InOrder::rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO intake_parcel (bag_id, tracking_number, registered, sorting_center, received_at_ms, recorded_at_ms)
             VALUES {} ON CONFLICT (bag_id, tracking_number) DO NOTHING",
            InOrder::new(together.backend()).rows(chunk.len(), 6)
        );
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 6);
        for t in chunk {
            args.extend([
                Arg::from(&event.bag_id),
                (*t).into(),
                i64::from(registered.contains(*t)).into(),
                (&bag.sorting_center).into(),
                event.occurred_at_ms.into(),
                now_ms.into(),
            ]);
        }
        together.push_counted(sql, args);
    }
}

/// Step 6 (rule 15), after the events of step 5: the bag's parcels found (all but
/// `missing`, sorted) are received, with the bag's pickup as first scan (the intake
/// time when no pickup was reported), unless they have one already; the others are
/// missing. One statement each.
fn push_backdate_first_scans(
    together: &mut Together,
    event: &ScanEvent,
    bag: &BagFacts,
    missing: &[String],
    now_ms: i64,
) {
    let (basis_at, basis) = match bag.picked_up_at_ms {
        Some(at) => (at, FirstScanBasis::BagPickup),
        None => (event.occurred_at_ms, FirstScanBasis::Intake),
    };
    let mut b = InOrder::new(together.backend());
    let (basis_p, recorded, at, now, bag_id) = (b.one(), b.one(), b.one(), b.one(), b.one());
    let not_missing = if missing.is_empty() {
        String::new()
    } else {
        format!(" AND tracking_number NOT IN ({})", b.list(missing.len()))
    };
    let mut args: Vec<Arg> = vec![
        basis.as_str().into(),
        now_ms.into(),
        basis_at.into(),
        now_ms.into(),
        (&event.bag_id).into(),
    ];
    args.extend(missing.iter().map(Arg::from));
    together.push(
        format!(
            "UPDATE parcel SET
               intake_status = 'received',
               first_scan_basis = CASE WHEN first_scan_at_ms IS NULL THEN {basis_p} ELSE first_scan_basis END,
               first_scan_recorded_at_ms = CASE WHEN first_scan_at_ms IS NULL THEN {recorded} ELSE first_scan_recorded_at_ms END,
               first_scan_at_ms = CASE WHEN first_scan_at_ms IS NULL THEN {at} ELSE first_scan_at_ms END,
               updated_at_ms = {now}
             WHERE bag_id = {bag_id}{not_missing}"
        ),
        args,
    );
    if missing.is_empty() {
        return;
    }
    let mut b = InOrder::new(together.backend());
    let (now, bag_id) = (b.one(), b.one());
    let mut args: Vec<Arg> = vec![now_ms.into(), (&event.bag_id).into()];
    args.extend(missing.iter().map(Arg::from));
    together.push(
        format!(
            "UPDATE parcel SET intake_status = 'missing', updated_at_ms = {now}
             WHERE bag_id = {bag_id} AND tracking_number IN ({})",
            b.list(missing.len())
        ),
        args,
    );
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
fn intake_events<'a>(
    event: &ScanEvent,
    bag: &'a BagFacts,
    counts: &IntakeCounts,
    missing: &'a [String],
    now_ms: i64,
) -> IntakeEvents<'a> {
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
    IntakeEvents {
        seller_id: &bag.seller_id,
        bag_id: &bag.bag_id,
        received: NewEvent::new(EventType::BagReceived, data),
        first_scans: (counts.first_scans as u64, first_scan_tail),
        missing: (counts.missing as u64, missing_tail),
        missing_parcels: missing,
    }
}
