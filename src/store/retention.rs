//! Retention: closed handovers move to the archive tables (docs/operations.md,
//! "Retention"). One call archives one chunk of handovers in one transaction: the
//! live tables lose them and the archive tables gain them, or neither.

use super::{Backend, Store, StoreResult, backend_of, placeholders};
use sqlx::{Any, Row, Transaction};

/// What one chunk moved to the archive, table by table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArchiveCounts {
    pub handovers: u64,
    pub bags: u64,
    pub parcels: u64,
    pub intake_rows: u64,
    pub scan_events: u64,
    pub history: u64,
    pub claims: u64,
}

impl ArchiveCounts {
    /// Adds another chunk's counts.
    pub fn add(&mut self, other: ArchiveCounts) {
        self.handovers += other.handovers;
        self.bags += other.bags;
        self.parcels += other.parcels;
        self.intake_rows += other.intake_rows;
        self.scan_events += other.scan_events;
        self.history += other.history;
        self.claims += other.claims;
    }
}

/// The rows of each table that belong to the chunk's handovers (`{h}` is the list of
/// handover-id placeholders), children before parents: the order rows are deleted
/// in. Copying goes the same way; the archive tables have no foreign keys.
const TABLES: [(&str, &str); 7] = [
    (
        "claim",
        "bag_id IN (SELECT bag_id FROM bag WHERE handover_id IN ({h}))",
    ),
    (
        "intake_parcel",
        "bag_id IN (SELECT bag_id FROM bag WHERE handover_id IN ({h}))",
    ),
    (
        "scan_event",
        "bag_id IN (SELECT bag_id FROM bag WHERE handover_id IN ({h}))",
    ),
    (
        "parcel",
        "bag_id IN (SELECT bag_id FROM bag WHERE handover_id IN ({h}))",
    ),
    ("handover_event", "handover_id IN ({h})"),
    ("bag", "handover_id IN ({h})"),
    ("handover", "handover_id IN ({h})"),
];

impl Store {
    /// Archives up to `limit` handovers picked up (or due) before `before_date`
    /// (`YYYY-MM-DD`) that are closed: received or cancelled, with no open claim on
    /// any of their bags. Handovers still moving (booked, picked up, failed) stay
    /// live whatever their age. Returns what moved; fewer than `limit` handovers
    /// means nothing older is left to archive.
    pub async fn archive_handovers(
        &self,
        before_date: &str,
        limit: usize,
    ) -> StoreResult<ArchiveCounts> {
        let mut tx = self.begin_write().await?;
        let ids = closed_handovers(&mut tx, before_date, limit).await?;
        let mut counts = ArchiveCounts::default();
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(counts);
        }
        let h = placeholders(1, ids.len());
        for (table, rows) in TABLES {
            let rows = rows.replace("{h}", &h);
            // The month of the row's handover.
            let month = match table {
                "handover" => "substr(handover.pickup_date, 1, 7)".to_owned(),
                "bag" | "handover_event" => format!(
                    "(SELECT substr(h.pickup_date, 1, 7) FROM handover h WHERE h.handover_id = {table}.handover_id)"
                ),
                _ => format!(
                    "(SELECT substr(h.pickup_date, 1, 7) FROM bag b JOIN handover h \
                     ON h.handover_id = b.handover_id WHERE b.bag_id = {table}.bag_id)"
                ),
            };
            let copy = format!(
                "INSERT INTO archived_{table} SELECT {month}, {table}.* FROM {table} WHERE {rows}"
            );
            let mut query = sqlx::query(&copy);
            for id in &ids {
                query = query.bind(id);
            }
            let moved = query.execute(&mut *tx).await?.rows_affected();
            let delete = format!("DELETE FROM {table} WHERE {rows}");
            let mut query = sqlx::query(&delete);
            for id in &ids {
                query = query.bind(id);
            }
            let deleted = query.execute(&mut *tx).await?.rows_affected();
            if deleted != moved {
                // Cannot happen under the locks taken; refuse rather than lose rows.
                return Err(super::StoreError::Conflict(
                    "transaction_conflict",
                    format!("{table}: {moved} rows copied, {deleted} deleted"),
                ));
            }
            let slot = match table {
                "claim" => &mut counts.claims,
                "intake_parcel" => &mut counts.intake_rows,
                "scan_event" => &mut counts.scan_events,
                "parcel" => &mut counts.parcels,
                "handover_event" => &mut counts.history,
                "bag" => &mut counts.bags,
                _ => &mut counts.handovers,
            };
            *slot = moved;
        }
        tx.commit().await?;
        Ok(counts)
    }
}

/// The chunk's handovers, locked (on PostgreSQL) with their bags and parcels in the
/// global lock order: handovers, bags, parcels, each in key order. The closed
/// condition is checked again under the lock, so a handover that changed meanwhile
/// is left alone.
async fn closed_handovers(
    tx: &mut Transaction<'_, Any>,
    before_date: &str,
    limit: usize,
) -> StoreResult<Vec<String>> {
    // Oldest first, through `handover_by_pickup`.
    let closed = "status IN ('received', 'cancelled') AND NOT EXISTS (SELECT 1 FROM bag b \
         JOIN claim c ON c.bag_id = b.bag_id AND c.status = 'open' WHERE b.handover_id = handover.handover_id)";
    let candidates: Vec<String> = sqlx::query(&format!(
        "SELECT handover_id FROM handover WHERE pickup_date < $1 AND {closed}
         ORDER BY pickup_date LIMIT $2"
    ))
    .bind(before_date)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| r.try_get("handover_id"))
    .collect::<Result<_, _>>()?;
    if candidates.is_empty() || backend_of(tx) == Backend::Sqlite {
        // SQLite: the write lock of `begin_write` already excludes every writer.
        return Ok(candidates);
    }
    let h = placeholders(1, candidates.len());
    let sql = format!(
        "SELECT handover_id FROM handover WHERE handover_id IN ({h}) AND {closed}
         ORDER BY handover_id FOR UPDATE"
    );
    let mut query = sqlx::query(&sql);
    for id in &candidates {
        query = query.bind(id);
    }
    let locked: Vec<String> = query
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|r| r.try_get("handover_id"))
        .collect::<Result<_, _>>()?;
    // A handover that changed between the read and the lock is left for later.
    lock_children(tx, locked).await
}

/// Locks the bags and parcels of locked handovers, in key order.
async fn lock_children(
    tx: &mut Transaction<'_, Any>,
    handovers: Vec<String>,
) -> StoreResult<Vec<String>> {
    if handovers.is_empty() {
        return Ok(handovers);
    }
    let h = placeholders(1, handovers.len());
    for sql in [
        format!("SELECT bag_id FROM bag WHERE handover_id IN ({h}) ORDER BY bag_id FOR UPDATE"),
        format!(
            "SELECT tracking_number FROM parcel WHERE bag_id IN
               (SELECT bag_id FROM bag WHERE handover_id IN ({h})) ORDER BY tracking_number FOR UPDATE"
        ),
    ] {
        let mut query = sqlx::query(&sql);
        for id in &handovers {
            query = query.bind(id);
        }
        query.fetch_all(&mut **tx).await?;
    }
    Ok(handovers)
}
