//! Editing a bag before pickup (docs/rules.md, rule 9: a seller may take a parcel out of a bag
//! or add one, within the limits), and listing a seller's bags, overdue ones included
//! (rule 16).

use super::BagRecord;
use super::handovers::insert_event;
use super::{Store, StoreError, StoreResult, key_guard, placeholders};
use crate::domain::{BagLimits, BagSelector, BagStatus, DeclaredBag, ParcelStatus, Principal};
use sqlx::Row;

/// Whether parcels go into the bag or come out of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BagEdit {
    Add,
    Remove,
}

impl Store {
    /// Adds parcels to, or removes them from, an open bag of a handover that is not
    /// picked up. The handover row is locked first (the same order as a pickup), and
    /// the bag's new count and weight are checked against the limits.
    #[allow(clippy::too_many_arguments)]
    pub async fn edit_bag(
        &self,
        seller_id: &str,
        handover_id: &str,
        bag_id: &str,
        edit: BagEdit,
        tracking_numbers: &[String],
        limits: &BagLimits,
        actor: &Principal,
        now_ms: i64,
    ) -> StoreResult<BagRecord> {
        let mut tx = self.begin_write().await?;
        super::locks::lock_handover(&mut tx, handover_id, tracking_numbers).await?;
        let locked = sqlx::query(
            "UPDATE handover SET updated_at_ms = $3
             WHERE handover_id = $1 AND seller_id = $2 AND status IN ('booked', 'pickup_failed')",
        )
        .bind(handover_id)
        .bind(seller_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let bag_row = sqlx::query(
            "SELECT * FROM bag WHERE bag_id = $1 AND handover_id = $2 AND seller_id = $3",
        )
        .bind(bag_id)
        .bind(handover_id)
        .bind(seller_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(
                "bag_not_found",
                format!("no bag {bag_id} in handover {handover_id}"),
            )
        })?;
        let bag = BagRecord::try_from(bag_row)?;
        if locked.rows_affected() == 0 || bag.status != BagStatus::Open {
            return Err(StoreError::Conflict(
                "already_picked_up",
                format!(
                    "bag {bag_id} can no longer be edited: its handover is picked up, received or cancelled"
                ),
            ));
        }
        match edit {
            BagEdit::Remove => {
                let sql = format!(
                    "UPDATE parcel SET bag_id = NULL, updated_at_ms = $3
                     WHERE bag_id = $1 AND seller_id = $2 AND tracking_number IN ({})",
                    placeholders(4, tracking_numbers.len())
                );
                let mut query = sqlx::query(&sql).bind(bag_id).bind(seller_id).bind(now_ms);
                for t in tracking_numbers {
                    query = query.bind(t);
                }
                if query.execute(&mut *tx).await?.rows_affected() != tracking_numbers.len() as u64 {
                    return Err(StoreError::Invalid(
                        "parcel_not_in_bag",
                        format!("not every parcel listed is in bag {bag_id}"),
                    ));
                }
            }
            BagEdit::Add => {
                let sql = format!(
                    "SELECT tracking_number, status, bag_id, sorting_center FROM parcel
                     WHERE tracking_number IN ({}) AND {}",
                    placeholders(2, tracking_numbers.len()),
                    key_guard("seller_id = $1")
                );
                let mut query = sqlx::query(&sql).bind(seller_id);
                for t in tracking_numbers {
                    query = query.bind(t);
                }
                let rows = query.fetch_all(&mut *tx).await?;
                for t in tracking_numbers {
                    let Some(row) = rows.iter().find(|r| {
                        r.try_get::<String, _>("tracking_number").ok().as_ref() == Some(t)
                    }) else {
                        return Err(StoreError::Invalid(
                            "parcel_not_found",
                            format!("parcel {t} is not registered for this seller"),
                        ));
                    };
                    let status: ParcelStatus = super::get_name(row, "status")?;
                    let in_bag: Option<String> = row.try_get("bag_id")?;
                    let center: String = row.try_get("sorting_center")?;
                    if status != ParcelStatus::Registered {
                        return Err(StoreError::Conflict(
                            "parcel_cancelled",
                            format!("parcel {t} was cancelled"),
                        ));
                    }
                    if let Some(other) = in_bag {
                        return Err(StoreError::Conflict(
                            "parcel_already_bagged",
                            format!("parcel {t} is already in bag {other}"),
                        ));
                    }
                    if center != bag.sorting_center {
                        return Err(StoreError::Invalid(
                            "parcel_wrong_sorting_center",
                            format!(
                                "parcel {t} is bound for {center}, not {}",
                                bag.sorting_center
                            ),
                        ));
                    }
                }
                let sql = super::booking::bag_parcels_sql(tracking_numbers.len());
                let mut query = sqlx::query(&sql).bind(bag_id).bind(now_ms).bind(seller_id);
                for t in tracking_numbers {
                    query = query.bind(t);
                }
                if query.execute(&mut *tx).await?.rows_affected() != tracking_numbers.len() as u64 {
                    return Err(StoreError::Conflict(
                        "parcel_already_bagged",
                        "a parcel listed was put into another bag at the same time".into(),
                    ));
                }
                let totals = sqlx::query(
                    "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(weight_g), 0) AS BIGINT) AS w FROM parcel WHERE bag_id = $1",
                )
                .bind(bag_id)
                .fetch_one(&mut *tx)
                .await?;
                let declared = DeclaredBag {
                    parcels: u32::try_from(totals.try_get::<i64, _>("n")?).unwrap_or(u32::MAX),
                    weight_g: totals.try_get("w")?,
                    sides_cm: bag.sides_cm,
                };
                limits
                    .bag(declared)
                    .map_err(|e| StoreError::Invalid(e.code(), format!("bag {bag_id}: {e}")))?;
            }
        }
        sqlx::query("UPDATE bag SET updated_at_ms = $2 WHERE bag_id = $1")
            .bind(bag_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        let action = match edit {
            BagEdit::Add => "parcels_added",
            BagEdit::Remove => "parcels_removed",
        };
        let detail = format!("bag {bag_id}: {}", tracking_numbers.join(", "));
        insert_event(&mut tx, handover_id, actor, action, Some(&detail), now_ms).await?;
        tx.commit().await?;
        let view = self.get_handover(seller_id, handover_id).await?;
        view.bags
            .into_iter()
            .find(|b| b.bag_id == bag_id)
            .ok_or_else(|| StoreError::NotFound("bag_not_found", format!("no bag {bag_id}")))
    }
}

/// A page of bags.
#[derive(Clone, Debug, PartialEq)]
pub struct BagPage {
    pub items: Vec<BagRecord>,
    pub next_cursor: Option<String>,
}

/// Missing and unregistered parcels found at a sorting center's intakes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Discrepancies {
    /// (tracking number, bag id, handover id)
    pub missing: Vec<(String, String, String)>,
    /// (tracking number, bag id, handover id)
    pub unregistered: Vec<(String, String, String)>,
    /// Found, but their order was cancelled or found invalid (rule 20): to hold.
    pub order_cancelled: Vec<(String, String, String)>,
}

impl Store {
    /// A seller's bags, oldest first; `overdue` means picked up and not received
    /// within the route's expected transit time as of `now_ms` (rule 16);
    /// `updated_since_ms` keeps the bags changed since then.
    pub async fn list_bags(
        &self,
        seller_id: &str,
        selector: Option<BagSelector>,
        updated_since_ms: Option<i64>,
        now_ms: i64,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<BagPage> {
        // A bag cursor is the last bag id of the page before.
        if cursor.is_some_and(|c| !crate::domain::is_our_id("MB", c)) {
            return Err(StoreError::Invalid(
                "invalid_cursor",
                "the cursor is not one this service issued".into(),
            ));
        }
        let after = cursor.unwrap_or("");
        let (status_filter, overdue) = match selector {
            Some(BagSelector::Overdue) => (BagStatus::PickedUp.as_str(), 1_i64),
            Some(BagSelector::Status(s)) => (s.as_str(), 0),
            None => ("", 0),
        };
        let rows = sqlx::query(
            "SELECT * FROM bag WHERE seller_id = $1 AND ($2 = '' OR status = $2)
               AND ($3 = 0 OR picked_up_at_ms + transit_ms < $4) AND bag_id > $5 AND updated_at_ms >= $7
             ORDER BY bag_id LIMIT $6",
        )
        .bind(seller_id)
        .bind(status_filter)
        .bind(overdue)
        .bind(now_ms)
        .bind(after)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .bind(updated_since_ms.unwrap_or(i64::MIN))
        .fetch_all(&self.reader)
        .await?;
        let mut items = rows
            .into_iter()
            .map(BagRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = super::end_page(&mut items, limit, |b| b.bag_id.clone());
        self.fill_bag_parcels(&mut items).await?;
        Ok(BagPage { items, next_cursor })
    }

    /// Loads the current parcels and declared weight of the given bags (through the
    /// `parcel_by_bag` index, a chunk of bags a statement).
    pub(crate) async fn fill_bag_parcels(&self, bags: &mut [BagRecord]) -> StoreResult<()> {
        let position: std::collections::HashMap<String, usize> = bags
            .iter()
            .enumerate()
            .map(|(i, b)| (b.bag_id.clone(), i))
            .collect();
        let ids: Vec<String> = bags.iter().map(|b| b.bag_id.clone()).collect();
        for chunk in ids.chunks(super::rows_per_statement(self.backend, 1)) {
            let sql = format!(
                "SELECT bag_id, tracking_number, weight_g FROM parcel WHERE bag_id IN ({}) ORDER BY tracking_number",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.reader).await? {
                let bag_id: String = row.try_get("bag_id")?;
                if let Some(&i) = position.get(&bag_id) {
                    bags[i].parcels.push(row.try_get("tracking_number")?);
                    bags[i].weight_g += row.try_get::<i64, _>("weight_g")?;
                }
            }
        }
        Ok(())
    }

    /// A seller's bag.
    pub async fn get_bag(&self, seller_id: &str, bag_id: &str) -> StoreResult<BagRecord> {
        let row = sqlx::query("SELECT * FROM bag WHERE bag_id = $1 AND seller_id = $2")
            .bind(bag_id)
            .bind(seller_id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| StoreError::NotFound("bag_not_found", format!("no bag {bag_id}")))?;
        let mut bags = vec![BagRecord::try_from(row)?];
        self.fill_bag_parcels(&mut bags).await?;
        bags.pop()
            .ok_or_else(|| StoreError::NotFound("bag_not_found", format!("no bag {bag_id}")))
    }

    /// Missing and unregistered parcels of the live sellers' bags a sorting center
    /// received between `from_ms` (included) and `to_ms` (excluded); test-mode
    /// sellers' bags (the sandbox) are left out.
    pub async fn list_discrepancies(
        &self,
        sorting_center: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Discrepancies> {
        let missing = sqlx::query(
            "SELECT p.tracking_number, b.bag_id, b.handover_id FROM parcel p JOIN bag b ON b.bag_id = p.bag_id
             JOIN seller s ON s.seller_id = b.seller_id AND s.test_mode = 0
             WHERE b.sorting_center = $1 AND b.received_at_ms >= $2 AND b.received_at_ms < $3 AND b.has_missing = 1
               AND p.intake_status = 'missing' ORDER BY b.bag_id, p.tracking_number",
        )
        .bind(sorting_center)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.reader)
        .await?;
        let unregistered = sqlx::query(
            "SELECT i.tracking_number, b.bag_id, b.handover_id FROM intake_parcel i JOIN bag b ON b.bag_id = i.bag_id
             JOIN seller s ON s.seller_id = b.seller_id AND s.test_mode = 0
             WHERE i.sorting_center = $1 AND i.received_at_ms >= $2 AND i.received_at_ms < $3 AND i.registered = 0
             ORDER BY b.bag_id, i.tracking_number",
        )
        .bind(sorting_center)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.reader)
        .await?;
        let order_cancelled = sqlx::query(
            "SELECT i.tracking_number, b.bag_id, b.handover_id FROM intake_parcel i JOIN bag b ON b.bag_id = i.bag_id
             JOIN seller s ON s.seller_id = b.seller_id AND s.test_mode = 0
             WHERE i.sorting_center = $1 AND i.received_at_ms >= $2 AND i.received_at_ms < $3
               AND i.order_void = 1
             ORDER BY b.bag_id, i.tracking_number",
        )
        .bind(sorting_center)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.reader)
        .await?;
        let triple = |r: sqlx::any::AnyRow| -> Result<(String, String, String), sqlx::Error> {
            Ok((
                r.try_get("tracking_number")?,
                r.try_get("bag_id")?,
                r.try_get("handover_id")?,
            ))
        };
        Ok(Discrepancies {
            missing: missing.into_iter().map(triple).collect::<Result<_, _>>()?,
            unregistered: unregistered
                .into_iter()
                .map(triple)
                .collect::<Result<_, _>>()?,
            order_cancelled: order_cancelled
                .into_iter()
                .map(triple)
                .collect::<Result<_, _>>()?,
        })
    }
}
