//! Handover state changes a seller makes: cancelling until the courier reports the
//! pickup (docs/rules.md, rule 7) and rescheduling after a failure. Each is one guarded
//! `UPDATE handover ... WHERE status IN (...)`: a pickup report takes the same row
//! first or finds it changed, so a race ends in exactly one outcome.

use super::handovers::{insert_event, not_found};
use super::{HandoverView, NewEvent};
use super::{Store, StoreError, StoreResult};
use crate::domain::{EventType, HandoverStatus, Principal};
use sqlx::{Any, Transaction};

impl Store {
    /// Cancels a handover until the courier reports the pickup; afterwards 409
    /// `already_picked_up`. Its bags are cancelled and their parcels freed.
    pub async fn cancel_handover(
        &self,
        seller_id: &str,
        handover_id: &str,
        actor: &Principal,
        now_ms: i64,
    ) -> StoreResult<HandoverView> {
        let mut tx = self.begin_write().await?;
        super::locks::lock_handover(&mut tx, handover_id, &[]).await?;
        let done = sqlx::query(
            "UPDATE handover SET status = 'cancelled', cancelled_at_ms = $3, updated_at_ms = $3
             WHERE handover_id = $1 AND seller_id = $2 AND status IN ('booked', 'pickup_failed')",
        )
        .bind(handover_id)
        .bind(seller_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let status = current_status(&mut tx, seller_id, handover_id).await?;
            if status != HandoverStatus::Cancelled {
                return Err(StoreError::Conflict(
                    "already_picked_up",
                    format!(
                        "handover {handover_id} is {status}: the courier has reported the pickup"
                    ),
                ));
            }
        } else {
            sqlx::query(
                "UPDATE parcel SET bag_id = NULL, updated_at_ms = $2
                 WHERE bag_id IN (SELECT bag_id FROM bag WHERE handover_id = $1)",
            )
            .bind(handover_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE bag SET status = 'cancelled', updated_at_ms = $2 WHERE handover_id = $1 AND status = 'open'",
            )
            .bind(handover_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            insert_event(
                &mut tx,
                handover_id,
                actor,
                HandoverStatus::Cancelled.as_str(),
                None,
                now_ms,
            )
            .await?;
            let data = serde_json::json!({"handover_id": handover_id});
            let cancelled = NewEvent::new(EventType::HandoverCancelled, data);
            super::events::append(&mut tx, seller_id, &[cancelled], now_ms).await?;
        }
        tx.commit().await?;
        self.get_handover(seller_id, handover_id).await
    }

    /// Moves a booked or failed handover to a new pickup date (back to `booked`).
    pub async fn reschedule_handover(
        &self,
        seller_id: &str,
        handover_id: &str,
        pickup_date: &str,
        actor: &Principal,
        now_ms: i64,
    ) -> StoreResult<HandoverView> {
        let mut tx = self.begin_write().await?;
        super::locks::lock_handover(&mut tx, handover_id, &[]).await?;
        let done = sqlx::query(
            "UPDATE handover SET status = 'booked', pickup_date = $3, failure_reason = NULL, updated_at_ms = $4
             WHERE handover_id = $1 AND seller_id = $2 AND status IN ('booked', 'pickup_failed')",
        )
        .bind(handover_id)
        .bind(seller_id)
        .bind(pickup_date)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let status = current_status(&mut tx, seller_id, handover_id).await?;
            return Err(StoreError::Conflict(
                "handover_not_reschedulable",
                format!(
                    "handover {handover_id} is {status}; only a booked or failed pickup can be rescheduled"
                ),
            ));
        }
        let detail = format!("pickup date {pickup_date}");
        insert_event(
            &mut tx,
            handover_id,
            actor,
            "rescheduled",
            Some(&detail),
            now_ms,
        )
        .await?;
        let data = serde_json::json!({"handover_id": handover_id, "pickup_date": pickup_date});
        let moved = NewEvent::new(EventType::HandoverRescheduled, data);
        super::events::append(&mut tx, seller_id, &[moved], now_ms).await?;
        tx.commit().await?;
        self.get_handover(seller_id, handover_id).await
    }
}

async fn current_status(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    handover_id: &str,
) -> StoreResult<HandoverStatus> {
    let row = sqlx::query("SELECT status FROM handover WHERE handover_id = $1 AND seller_id = $2")
        .bind(handover_id)
        .bind(seller_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found(handover_id))?;
    Ok(super::get_name(&row, "status")?)
}
