//! The order feed (docs/rules.md, rule 20): a batch of order updates is one
//! transaction that moves each order forward by the status precedence, refreshes the
//! daily counts of the days it touched, and takes the parcels of orders that became
//! invalid or cancelled out of their open bags, with one `parcel.voided` event per
//! parcel in the same transaction.
//!
//! Key decisions:
//! - the precedence is enforced in the upsert itself (`DO UPDATE ... WHERE` the stored
//!   rank is lower), so two servers applying updates of one order in either order end
//!   in the same row;
//! - the daily counts (`seller_order_day`) are recomputed from the orders of the days
//!   touched, one `INSERT ... SELECT ... GROUP BY` a batch, never incremented, so they
//!   cannot drift;
//! - the parcels' handovers are locked before their bags are read (handover -> bag ->
//!   parcel, the order every other write takes), so a pickup report racing the feed
//!   either sees the parcels gone or makes the feed leave them in the picked-up bag.

use super::events::{NewEvent, append};
use super::handovers::insert_event;
use super::{Store, StoreResult, key_guard, placeholders, values_rows};
use crate::domain::time::china_date;
use crate::domain::{CancelReason, EventType, OrderStatus, Principal};
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One update of the feed, checked at the edge.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderUpdate {
    pub order_id: String,
    pub created_at_ms: i64,
    pub status: OrderStatus,
    pub cancel_reason: Option<CancelReason>,
    pub cancelled_at_ms: Option<i64>,
}

/// What an update did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderOutcome {
    /// A new order, or a status of higher precedence than the stored one.
    Applied,
    /// The order already has this status: a repeat, nothing changed.
    Unchanged,
    /// The order already has a status of higher precedence: a late update, ignored.
    Superseded,
}

impl OrderOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Unchanged => "unchanged",
            Self::Superseded => "superseded",
        }
    }
}

/// A parcel the batch acted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParcelEffect {
    pub tracking_number: String,
    pub order_id: String,
    /// The bag it left (removed) or stays in (flagged).
    pub bag_id: Option<String>,
}

/// The result of a batch: one outcome per update, in input order, and the parcels
/// taken out of the service (with the bag they left, if any) or flagged in bags
/// already picked up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderBatch {
    pub outcomes: Vec<(String, OrderOutcome)>,
    pub parcels_removed: Vec<ParcelEffect>,
    pub parcels_flagged: Vec<ParcelEffect>,
}

/// The rank of a stored status, in SQL (the same order as [`OrderStatus::rank`]).
fn rank_sql(column: &str) -> String {
    format!(
        "CASE {column} WHEN 'pending' THEN 0 WHEN 'valid' THEN 1 WHEN 'invalid' THEN 2 ELSE 3 END"
    )
}

const ORDER_COLUMNS: usize = 8;

impl Store {
    /// Applies a batch of order updates for a seller in one transaction.
    pub async fn apply_order_updates(
        &self,
        seller_id: &str,
        updates: &[OrderUpdate],
        actor: &Principal,
        now_ms: i64,
    ) -> StoreResult<OrderBatch> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<&str> = updates.iter().map(|u| u.order_id.as_str()).collect();
        let stored = stored_orders(&mut tx, seller_id, &ids).await?;
        // Replay the batch on what is stored: the final row per order, and each
        // update's outcome against the state before it.
        let mut current: HashMap<&str, (OrderStatus, String)> = stored
            .iter()
            .map(|(id, (status, day))| (id.as_str(), (*status, day.clone())))
            .collect();
        let mut finals: BTreeMap<&str, &OrderUpdate> = BTreeMap::new();
        let mut batch = OrderBatch::default();
        for u in updates {
            let outcome = match current.get(u.order_id.as_str()) {
                Some((s, _)) if *s == u.status => OrderOutcome::Unchanged,
                Some((s, _)) if s.rank() > u.status.rank() => OrderOutcome::Superseded,
                _ => OrderOutcome::Applied,
            };
            if outcome == OrderOutcome::Applied {
                // A known order keeps the day it was first reported with.
                let day = current
                    .get(u.order_id.as_str())
                    .map(|(_, d)| d.clone())
                    .unwrap_or_else(|| china_date(u.created_at_ms).to_string());
                current.insert(&u.order_id, (u.status, day));
                finals.insert(&u.order_id, u);
            }
            batch.outcomes.push((u.order_id.clone(), outcome));
        }
        let rows: Vec<&OrderUpdate> = finals.values().copied().collect();
        upsert_orders(&mut tx, seller_id, &rows, now_ms).await?;
        let days: BTreeSet<String> = rows
            .iter()
            .filter_map(|u| current.get(u.order_id.as_str()).map(|(_, d)| d.clone()))
            .collect();
        refresh_days(&mut tx, seller_id, &days).await?;
        // Orders that became void in this batch (from no row, pending or valid).
        let voided: Vec<&OrderUpdate> = rows
            .iter()
            .copied()
            .filter(|u| u.status.is_void())
            .filter(|u| stored.get(&u.order_id).is_none_or(|(s, _)| !s.is_void()))
            .collect();
        void_parcels(&mut tx, seller_id, &voided, actor, now_ms, &mut batch).await?;
        tx.commit().await?;
        Ok(batch)
    }
}

/// The stored status and day of the batch's orders.
async fn stored_orders(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    ids: &[&str],
) -> StoreResult<HashMap<String, (OrderStatus, String)>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = format!(
            "SELECT order_id, status, day FROM seller_order WHERE seller_id = $1 AND order_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(seller_id);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            out.insert(
                row.try_get("order_id")?,
                (super::get_name(&row, "status")?, row.try_get("day")?),
            );
        }
    }
    Ok(out)
}

/// Writes the final row of each order; a row of higher precedence already stored (a
/// concurrent batch) wins.
async fn upsert_orders(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    rows: &[&OrderUpdate],
    now_ms: i64,
) -> StoreResult<()> {
    for chunk in rows.chunks(super::rows_per_statement(
        super::backend_of(tx),
        ORDER_COLUMNS,
    )) {
        let sql = format!(
            "INSERT INTO seller_order (seller_id, order_id, created_at_ms, day, status, cancel_reason,
                                       cancelled_at_ms, updated_at_ms)
             VALUES {}
             ON CONFLICT (seller_id, order_id) DO UPDATE SET
               status = excluded.status, cancel_reason = excluded.cancel_reason,
               cancelled_at_ms = excluded.cancelled_at_ms, updated_at_ms = excluded.updated_at_ms
             WHERE {} < {}",
            values_rows(chunk.len(), ORDER_COLUMNS),
            rank_sql("seller_order.status"),
            rank_sql("excluded.status"),
        );
        let mut query = sqlx::query(&sql);
        for u in chunk {
            let cancelled = u.status == OrderStatus::Cancelled;
            query = query
                .bind(seller_id)
                .bind(&u.order_id)
                .bind(u.created_at_ms)
                .bind(china_date(u.created_at_ms).to_string())
                .bind(u.status.as_str())
                .bind(if cancelled {
                    Some(u.cancel_reason.unwrap_or(CancelReason::Other).as_str())
                } else {
                    None
                })
                .bind(if cancelled {
                    Some(u.cancelled_at_ms.unwrap_or(now_ms))
                } else {
                    None
                })
                .bind(now_ms);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Recomputes the daily counts of `days` from the orders, set-based.
async fn refresh_days(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    days: &BTreeSet<String>,
) -> StoreResult<()> {
    let days: Vec<&String> = days.iter().collect();
    for chunk in days.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = format!(
            "INSERT INTO seller_order_day (seller_id, day, orders, cancelled_buyer, cancelled_late_intake)
             SELECT seller_id, day, COUNT(*),
                    CAST(SUM(CASE WHEN status = 'cancelled' AND cancel_reason = 'buyer' THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN status = 'cancelled' AND cancel_reason = 'late_intake' THEN 1 ELSE 0 END) AS BIGINT)
             FROM seller_order WHERE seller_id = $1 AND day IN ({})
             GROUP BY seller_id, day
             ON CONFLICT (seller_id, day) DO UPDATE SET orders = excluded.orders,
               cancelled_buyer = excluded.cancelled_buyer, cancelled_late_intake = excluded.cancelled_late_intake",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(seller_id);
        for d in chunk {
            query = query.bind(*d);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A parcel of a voided order, with its bag as read after the handover lock.
struct Affected {
    tracking_number: String,
    order_id: String,
    bag_id: Option<String>,
    handover_id: Option<String>,
}

/// Takes the parcels of voided orders out of service: out of their bags while the
/// bags are open, flagged in bags already picked up (rule 20).
async fn void_parcels(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    voided: &[&OrderUpdate],
    actor: &Principal,
    now_ms: i64,
    batch: &mut OrderBatch,
) -> StoreResult<()> {
    if voided.is_empty() {
        return Ok(());
    }
    let by_order: HashMap<&str, &OrderUpdate> =
        voided.iter().map(|u| (u.order_id.as_str(), *u)).collect();
    let mut affected = Vec::new();
    let ids: Vec<&str> = by_order.keys().copied().collect();
    for chunk in ids.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = format!(
            "SELECT p.tracking_number, p.order_id, p.bag_id, b.handover_id FROM parcel p
             LEFT JOIN bag b ON b.bag_id = p.bag_id
             WHERE p.seller_id = $1 AND p.status = 'registered' AND p.order_id IN ({})
             ORDER BY p.tracking_number",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(seller_id);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            affected.push(Affected {
                tracking_number: row.try_get("tracking_number")?,
                order_id: row.try_get("order_id")?,
                bag_id: row.try_get("bag_id")?,
                handover_id: row.try_get("handover_id")?,
            });
        }
    }
    let handovers: BTreeSet<&str> = affected
        .iter()
        .filter_map(|a| a.handover_id.as_deref())
        .collect();
    let open_bags = lock_open_bags(tx, &handovers).await?;
    // The parcels next, so that an intake of their bag (which locks the parcels it
    // finds) is either wholly before this batch or wholly after it.
    let tracking: Vec<String> = affected.iter().map(|a| a.tracking_number.clone()).collect();
    super::locks::lock_in_order(
        tx,
        &super::locks::LockSet {
            parcels: tracking.clone(),
            ..Default::default()
        },
    )
    .await?;
    mark_void_at_intake(tx, &tracking).await?;
    let mut removed = Vec::new();
    let mut events = Vec::with_capacity(affected.len());
    let mut notes: BTreeMap<(String, String, &str), Vec<String>> = BTreeMap::new();
    for a in &affected {
        let leaves = a.bag_id.as_ref().is_none_or(|b| open_bags.contains(b));
        if leaves {
            removed.push(a.tracking_number.clone());
        }
        let effect = ParcelEffect {
            tracking_number: a.tracking_number.clone(),
            order_id: a.order_id.clone(),
            bag_id: a.bag_id.clone(),
        };
        if let (Some(h), Some(b)) = (&a.handover_id, &a.bag_id) {
            let what = if leaves {
                "left bag"
            } else {
                "flagged in picked-up bag"
            };
            notes
                .entry((h.clone(), a.order_id.clone(), what))
                .or_default()
                .push(format!("{} ({b})", a.tracking_number));
        }
        events.push(voided_event(a, by_order.get(a.order_id.as_str()), leaves));
        if leaves {
            batch.parcels_removed.push(effect);
        } else {
            batch.parcels_flagged.push(effect);
        }
    }
    for chunk in removed.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        // The bags they leave change too (after their handovers, before the parcels:
        // the lock order of every change).
        let list = placeholders(3, chunk.len());
        let guard = key_guard("seller_id = $1 AND status = 'registered'");
        for sql in [
            format!(
                "UPDATE bag SET updated_at_ms = $2 WHERE bag_id IN
                   (SELECT bag_id FROM parcel WHERE tracking_number IN ({list}) AND {guard})"
            ),
            format!(
                "UPDATE parcel SET status = 'cancelled', bag_id = NULL, cancelled_at_ms = $2, updated_at_ms = $2
                 WHERE tracking_number IN ({list}) AND {guard}"
            ),
        ] {
            let mut query = sqlx::query(&sql).bind(seller_id).bind(now_ms);
            for t in chunk {
                query = query.bind(t);
            }
            query.execute(&mut **tx).await?;
        }
    }
    for ((handover_id, order_id, what), parcels) in notes {
        let update = by_order.get(order_id.as_str());
        let why = match update {
            Some(u) if u.status == OrderStatus::Invalid => "invalid".to_owned(),
            Some(u) => format!(
                "cancelled ({})",
                u.cancel_reason.unwrap_or(CancelReason::Other)
            ),
            None => "void".to_owned(),
        };
        let action = if what == "left bag" {
            "order_void_parcels_removed"
        } else {
            "order_void_parcels_flagged"
        };
        let detail = format!("order {order_id} {why}: {what}: {}", parcels.join(", "));
        sqlx::query("UPDATE handover SET updated_at_ms = $2 WHERE handover_id = $1")
            .bind(&handover_id)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
        insert_event(tx, &handover_id, actor, action, Some(&detail), now_ms).await?;
    }
    append(tx, seller_id, &events, now_ms).await
}

/// The `parcel.voided` event of one parcel (docs/api.md, "Events").
fn voided_event(a: &Affected, update: Option<&&OrderUpdate>, removed: bool) -> NewEvent {
    NewEvent::new(
        EventType::ParcelVoided,
        serde_json::json!({
            "tracking_number": a.tracking_number,
            "order_id": a.order_id,
            "order_status": update.map(|u| u.status.as_str()),
            "cancel_reason": update.and_then(|u| u.cancel_reason).map(|r| r.as_str()),
            "effect": if removed { "removed" } else { "flagged" },
            "bag_id": a.bag_id,
            "handover_id": a.handover_id,
        }),
    )
}

/// Marks the intake rows of parcels whose order became void, for the sorting
/// center's discrepancies (their `order_void` partial index). Rows of parcels found
/// in a bag they were not registered in are found by tracking number (a partial
/// index); rows of parcels found in their own bag by that bag (the primary key).
async fn mark_void_at_intake(
    tx: &mut Transaction<'_, Any>,
    tracking: &[String],
) -> StoreResult<()> {
    for chunk in tracking.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let list = placeholders(1, chunk.len());
        for sql in [
            format!(
                "UPDATE intake_parcel SET order_void = 1
                 WHERE tracking_number IN ({list}) AND registered = 0 AND order_void = 0"
            ),
            format!(
                "UPDATE intake_parcel SET order_void = 1
                 WHERE bag_id IN (SELECT bag_id FROM parcel WHERE tracking_number IN ({list}))
                   AND tracking_number IN ({list}) AND registered = 1 AND order_void = 0"
            ),
        ] {
            let mut query = sqlx::query(&sql);
            for t in chunk {
                query = query.bind(t);
            }
            query.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// Locks the handovers not yet picked up among `handovers` and returns their open
/// bags, read after the lock.
async fn lock_open_bags(
    tx: &mut Transaction<'_, Any>,
    handovers: &BTreeSet<&str>,
) -> StoreResult<BTreeSet<String>> {
    let mut open = BTreeSet::new();
    let list: Vec<&str> = handovers.iter().copied().collect();
    for chunk in list.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let marks = placeholders(1, chunk.len());
        let sql = format!(
            "UPDATE handover SET status = status
             WHERE handover_id IN ({marks}) AND status IN ('booked', 'pickup_failed')"
        );
        let mut query = sqlx::query(&sql);
        for h in chunk {
            query = query.bind(*h);
        }
        query.execute(&mut **tx).await?;
        let sql = format!(
            "SELECT b.bag_id FROM bag b JOIN handover h ON h.handover_id = b.handover_id
             WHERE b.handover_id IN ({marks}) AND b.status = 'open' AND h.status IN ('booked', 'pickup_failed')"
        );
        let mut query = sqlx::query(&sql);
        for h in chunk {
            query = query.bind(*h);
        }
        for row in query.fetch_all(&mut **tx).await? {
            open.insert(row.try_get("bag_id")?);
        }
    }
    Ok(open)
}
