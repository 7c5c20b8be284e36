//! Reading handovers: one with its bags and history, a seller's list (newest first,
//! with an opaque cursor), and the history every change appends to. Booking is in
//! `booking.rs`, state changes in `handover_states.rs`, scans in `scans.rs`.

use super::together::{Arg, Together};
use super::{
    BagRecord, HandoverEvent, HandoverPage, HandoverRecord, HandoverView, Store, StoreError,
    StoreResult, placeholders,
};
use crate::domain::{Principal, new_id};
use sqlx::{Any, Row, Transaction};

impl Store {
    /// A seller's handover with its bags and history.
    pub async fn get_handover(
        &self,
        seller_id: &str,
        handover_id: &str,
    ) -> StoreResult<HandoverView> {
        let row = sqlx::query("SELECT * FROM handover WHERE handover_id = $1 AND seller_id = $2")
            .bind(handover_id)
            .bind(seller_id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| not_found(handover_id))?;
        let mut views = self
            .attach_bags(vec![HandoverRecord::try_from(row)?])
            .await?;
        let mut view = views.pop().ok_or_else(|| not_found(handover_id))?;
        let rows = sqlx::query(
            "SELECT * FROM handover_event WHERE handover_id = $1 ORDER BY at_ms, handover_event_id",
        )
        .bind(handover_id)
        .fetch_all(&self.reader)
        .await?;
        for r in rows {
            view.history.push(HandoverEvent {
                at_ms: r.try_get("at_ms")?,
                actor_role: super::get_name(&r, "actor_role")?,
                actor_id: r.try_get("actor_id")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
            });
        }
        Ok(view)
    }

    /// A seller's handovers, newest first, `limit` a page; the cursor is opaque.
    /// `pickup_date` (`YYYY-MM-DD`) keeps the handovers of one pickup day,
    /// `updated_since_ms` those changed since then.
    pub async fn list_handovers(
        &self,
        seller_id: &str,
        status: Option<&str>,
        pickup_date: Option<&str>,
        updated_since_ms: Option<i64>,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<HandoverPage> {
        let (before_ms, before_id) = super::decode_cursor_or_start(cursor)?;
        // As for parcels: no filter can take an index, so a page is read through
        // `handover_by_seller` in list order (BENCHMARKS.md, "Hot-path plans").
        let rows = sqlx::query(
            "SELECT * FROM handover WHERE seller_id = $1 AND ($2 = '' OR status = $2)
               AND (created_at_ms < $3 OR (created_at_ms = $3 AND ($4 = '' OR handover_id < $4)))
               AND ($6 = '' OR pickup_date = $6) AND ($8 = '' OR updated_at_ms >= $7)
             ORDER BY created_at_ms DESC, handover_id DESC LIMIT $5",
        )
        .bind(seller_id)
        .bind(status.unwrap_or(""))
        .bind(before_ms)
        .bind(&before_id)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .bind(pickup_date.unwrap_or(""))
        .bind(updated_since_ms.unwrap_or(i64::MIN))
        .bind(if updated_since_ms.is_some() { "y" } else { "" })
        .fetch_all(&self.reader)
        .await?;
        let mut records = rows
            .into_iter()
            .map(HandoverRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = super::end_page(&mut records, limit, |h| {
            super::encode_cursor(h.created_at_ms, &h.handover_id)
        });
        let items = self.attach_bags(records).await?;
        Ok(HandoverPage { items, next_cursor })
    }

    /// Loads the bags (with their parcels) of the given handovers: two queries.
    pub(crate) async fn attach_bags(
        &self,
        handovers: Vec<HandoverRecord>,
    ) -> StoreResult<Vec<HandoverView>> {
        if handovers.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = handovers.iter().map(|h| h.handover_id.as_str()).collect();
        let list = placeholders(1, ids.len());
        let sql = format!(
            "SELECT * FROM bag WHERE handover_id IN ({list}) ORDER BY created_at_ms, bag_position, bag_id"
        );
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let mut bags: Vec<BagRecord> = query
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(BagRecord::try_from)
            .collect::<Result<_, _>>()?;
        self.fill_bag_parcels(&mut bags).await?;
        let mut by_handover: std::collections::HashMap<String, Vec<BagRecord>> =
            std::collections::HashMap::new();
        for bag in bags {
            by_handover
                .entry(bag.handover_id.clone())
                .or_default()
                .push(bag);
        }
        Ok(handovers
            .into_iter()
            .map(|h| HandoverView {
                bags: by_handover.remove(&h.handover_id).unwrap_or_default(),
                handover: h,
                history: Vec::new(),
            })
            .collect())
    }
}

pub(crate) fn not_found(handover_id: &str) -> StoreError {
    StoreError::NotFound("handover_not_found", format!("no handover {handover_id}"))
}

static EVENT_SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A history entry's id, ordered by time and, within a millisecond, by this process's
/// sequence, so that a handover's history reads in the order it happened.
fn event_id(now_ms: i64) -> String {
    let seq = EVENT_SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 1_000_000;
    format!("HE{now_ms:013}{seq:06}{}", new_id(""))
}

/// Appends lines to handovers' histories, one multi-row insert: (handover, action,
/// detail), in order; sent with the other statements of `together`.
pub(crate) fn insert_events(
    together: &mut Together,
    lines: &[(String, &'static str, String)],
    actor: &Principal,
    now_ms: i64,
) {
    let columns = 7;
    for chunk in lines.chunks(super::InOrder::rows_per_statement(columns)) {
        let sql = format!(
            "INSERT INTO handover_event (handover_event_id, handover_id, at_ms, actor_role, actor_id, action, detail)
             VALUES {}",
            super::InOrder::new(together.backend()).rows(chunk.len(), columns)
        );
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * columns);
        for (handover_id, action, detail) in chunk {
            args.extend([
                Arg::from(event_id(now_ms)),
                handover_id.into(),
                now_ms.into(),
                actor.role.as_str().into(),
                (&actor.id).into(),
                (*action).into(),
                detail.into(),
            ]);
        }
        together.push_counted(sql, args);
    }
}

/// Appends to a handover's history.
pub(crate) async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    handover_id: &str,
    actor: &Principal,
    action: &str,
    detail: Option<&str>,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO handover_event (handover_event_id, handover_id, at_ms, actor_role, actor_id, action, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event_id(now_ms))
    .bind(handover_id)
    .bind(now_ms)
    .bind(actor.role.as_str())
    .bind(&actor.id)
    .bind(action)
    .bind(detail.map(str::to_owned))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
