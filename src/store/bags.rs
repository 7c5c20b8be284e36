//! Editing a bag before pickup (SPEC rule 6: a seller may take a parcel out of a bag
//! or add one, within the limits), and listing a seller's bags, overdue ones included
//! (SPEC rule 9).

use super::handovers::{BagRecord, insert_event};
use super::{Store, StoreError, StoreResult, placeholders};
use crate::domain::{BagLimits, DeclaredBag, Principal};
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
        let mut tx = self.writer.begin().await?;
        let locked = sqlx::query(
            "UPDATE handover SET status = status
             WHERE handover_id = $1 AND seller_id = $2 AND status IN ('booked', 'pickup_failed')",
        )
        .bind(handover_id)
        .bind(seller_id)
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
        if locked.rows_affected() == 0 || bag.status != "open" {
            return Err(StoreError::Conflict(
                "already_picked_up",
                format!(
                    "bag {bag_id} can no longer be edited: its handover is picked up, received or cancelled"
                ),
            ));
        }
        let list = placeholders(3, tracking_numbers.len());
        match edit {
            BagEdit::Remove => {
                let sql = format!(
                    "UPDATE parcel SET bag_id = NULL WHERE bag_id = $1 AND seller_id = $2 AND tracking_number IN ({list})"
                );
                let mut query = sqlx::query(&sql).bind(bag_id).bind(seller_id);
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
                     WHERE seller_id = $1 AND tracking_number IN ({})",
                    placeholders(2, tracking_numbers.len())
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
                    let status: String = row.try_get("status")?;
                    let in_bag: Option<String> = row.try_get("bag_id")?;
                    let center: String = row.try_get("sorting_center")?;
                    if status != "registered" {
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
                let sql = format!(
                    "UPDATE parcel SET bag_id = $1, bagged_at_ms = $2
                     WHERE seller_id = $3 AND status = 'registered' AND bag_id IS NULL AND tracking_number IN ({})",
                    placeholders(4, tracking_numbers.len())
                );
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
                    .check(&declared)
                    .map_err(|e| StoreError::Invalid(e.code(), format!("bag {bag_id}: {e}")))?;
            }
        }
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
