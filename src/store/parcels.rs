//! Parcels: bulk registration with per-item results, and the seller's cancellation of
//! a parcel whose order was cancelled (docs/rules.md, rules 11 and 19).
//!
//! Registration is set-based: one multi-row `INSERT ... ON CONFLICT DO NOTHING
//! RETURNING` per chunk, so a 300-parcel intake is a handful of statements and a
//! tracking number registered by anyone, even concurrently, comes back as a duplicate.

use super::{Store, StoreError, StoreResult, key_guard, placeholders, values_rows};
use crate::domain::{BagStatus, FirstScanBasis, IntakeStatus, ParcelStatus};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashSet;

/// A parcel to register, checked at the edge.
#[derive(Clone, Debug, PartialEq)]
pub struct NewParcel {
    pub tracking_number: String,
    pub order_id: String,
    pub weight_g: i64,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
    pub sorting_center: String,
    /// Ready to ship, if the seller gave it (rule 22).
    pub rts_at_ms: Option<i64>,
}

/// The outcome of one item of a bulk registration.
#[derive(Clone, Debug, PartialEq)]
pub enum ParcelOutcome {
    Registered,
    Rejected { code: &'static str, message: String },
}

/// A stored parcel.
#[derive(Clone, Debug, PartialEq)]
pub struct ParcelRecord {
    pub tracking_number: String,
    pub seller_id: String,
    pub order_id: String,
    pub weight_g: i64,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
    pub sorting_center: String,
    pub status: ParcelStatus,
    pub bag_id: Option<String>,
    pub intake_status: Option<IntakeStatus>,
    pub first_scan_at_ms: Option<i64>,
    pub first_scan_basis: Option<FirstScanBasis>,
    pub first_scan_recorded_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub cancelled_at_ms: Option<i64>,
    /// The parcel's last change (`updated_since` filters on it).
    pub updated_at_ms: i64,
}

impl TryFrom<AnyRow> for ParcelRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            tracking_number: row.try_get("tracking_number")?,
            seller_id: row.try_get("seller_id")?,
            order_id: row.try_get("order_id")?,
            weight_g: row.try_get("weight_g")?,
            length_cm: row.try_get("length_cm")?,
            width_cm: row.try_get("width_cm")?,
            height_cm: row.try_get("height_cm")?,
            sorting_center: row.try_get("sorting_center")?,
            status: super::get_name(&row, "status")?,
            bag_id: row.try_get("bag_id")?,
            intake_status: super::get_opt_name(&row, "intake_status")?,
            first_scan_at_ms: row.try_get("first_scan_at_ms")?,
            first_scan_basis: super::get_opt_name(&row, "first_scan_basis")?,
            first_scan_recorded_at_ms: row.try_get("first_scan_recorded_at_ms")?,
            created_at_ms: row.try_get("created_at_ms")?,
            cancelled_at_ms: row.try_get("cancelled_at_ms")?,
            updated_at_ms: row.try_get("updated_at_ms")?,
        })
    }
}

const PARCEL_COLUMNS: usize = 12;

/// Which of a seller's parcels a list shows; every filter is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParcelQuery {
    pub status: Option<ParcelStatus>,
    pub sorting_center: Option<String>,
    pub bag_id: Option<String>,
    /// Only parcels changed at or after this time.
    pub updated_since_ms: Option<i64>,
}

/// A page of parcels, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct ParcelPage {
    pub items: Vec<ParcelRecord>,
    pub next_cursor: Option<String>,
}

impl Store {
    /// Registers parcels for a seller; one outcome per input item, in input order.
    pub async fn insert_parcels(
        &self,
        seller_id: &str,
        parcels: &[NewParcel],
        now_ms: i64,
    ) -> StoreResult<Vec<ParcelOutcome>> {
        let consolidating: HashSet<String> = self.list_consolidating_centers().await?;
        let mut outcomes = vec![ParcelOutcome::Registered; parcels.len()];
        let mut seen = HashSet::new();
        let mut to_insert = Vec::with_capacity(parcels.len());
        for (i, p) in parcels.iter().enumerate() {
            if !seen.insert(p.tracking_number.as_str()) {
                outcomes[i] = duplicate(&p.tracking_number, "appears twice in this request");
            } else if !consolidating.contains(&p.sorting_center) {
                outcomes[i] = ParcelOutcome::Rejected {
                    code: "sorting_center_not_supported",
                    message: format!(
                        "sorting center {} does not take consolidated handovers",
                        p.sorting_center
                    ),
                };
            } else {
                to_insert.push(i);
            }
        }
        let mut tx = self.begin_write().await?;
        let mut inserted = HashSet::new();
        for chunk in to_insert.chunks(super::rows_per_statement(self.backend, PARCEL_COLUMNS)) {
            let sql = format!(
                "INSERT INTO parcel (tracking_number, seller_id, order_id, weight_g, length_cm, width_cm,
                                     height_cm, sorting_center, status, created_at_ms, rts_at_ms, updated_at_ms)
                 VALUES {} ON CONFLICT (tracking_number) DO NOTHING RETURNING tracking_number",
                values_rows(chunk.len(), PARCEL_COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for &i in chunk {
                let p = &parcels[i];
                query = query
                    .bind(&p.tracking_number)
                    .bind(seller_id)
                    .bind(&p.order_id)
                    .bind(p.weight_g)
                    .bind(p.length_cm)
                    .bind(p.width_cm)
                    .bind(p.height_cm)
                    .bind(&p.sorting_center)
                    .bind(ParcelStatus::Registered.as_str())
                    .bind(now_ms)
                    .bind(p.rts_at_ms)
                    .bind(now_ms);
            }
            for row in query.fetch_all(&mut *tx).await? {
                inserted.insert(row.try_get::<String, _>("tracking_number")?);
            }
        }
        tx.commit().await?;
        for i in to_insert {
            if !inserted.contains(&parcels[i].tracking_number) {
                outcomes[i] = duplicate(&parcels[i].tracking_number, "is already registered");
            }
        }
        Ok(outcomes)
    }

    /// A seller's parcel.
    pub async fn get_parcel(
        &self,
        seller_id: &str,
        tracking_number: &str,
    ) -> StoreResult<Option<ParcelRecord>> {
        let row = sqlx::query("SELECT * FROM parcel WHERE tracking_number = $1 AND seller_id = $2")
            .bind(tracking_number)
            .bind(seller_id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(ParcelRecord::try_from).transpose()?)
    }

    /// A seller's parcels, newest registration first, `limit` a page. The cursor is
    /// opaque (`created_at_ms.tracking_number` of the last row shown); the order is
    /// total, so no parcel is skipped or repeated between pages.
    pub async fn list_parcels(
        &self,
        seller_id: &str,
        query: &ParcelQuery,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<ParcelPage> {
        let (before_ms, before_tn) = super::decode_cursor_or_start(cursor)?;
        // Empty strings stand for "no filter": one query text for every combination.
        // Every filter is written so that no index can serve it: the page is read
        // through `parcel_by_seller_created` in list order, however many parcels the
        // seller has (BENCHMARKS.md, "Hot-path plans").
        let rows = sqlx::query(
            "SELECT * FROM parcel WHERE seller_id = $1 AND ($2 = '' OR status = $2)
               AND ($3 = '' OR sorting_center = $3) AND ($4 = '' OR bag_id = $4)
               AND (created_at_ms < $5 OR (created_at_ms = $5 AND ($6 = '' OR tracking_number < $6)))
               AND ($9 = '' OR updated_at_ms >= $8)
             ORDER BY created_at_ms DESC, tracking_number DESC LIMIT $7",
        )
        .bind(seller_id)
        .bind(query.status.map_or("", ParcelStatus::as_str))
        .bind(query.sorting_center.as_deref().unwrap_or(""))
        .bind(query.bag_id.as_deref().unwrap_or(""))
        .bind(before_ms)
        .bind(&before_tn)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .bind(query.updated_since_ms.unwrap_or(i64::MIN))
        .bind(if query.updated_since_ms.is_some() { "y" } else { "" })
        .fetch_all(&self.reader)
        .await?;
        let mut items = rows
            .into_iter()
            .map(ParcelRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items
                .last()
                .map(|p| super::encode_cursor(p.created_at_ms, &p.tracking_number))
        } else {
            None
        };
        Ok(ParcelPage { items, next_cursor })
    }

    /// The given parcels of a seller, or all its registered unbagged ones.
    pub async fn list_plannable_parcels(
        &self,
        seller_id: &str,
        tracking_numbers: Option<&[String]>,
    ) -> StoreResult<Vec<ParcelRecord>> {
        let rows = match tracking_numbers {
            None => {
                sqlx::query(
                    // Rule 20: a parcel whose order is known and not valid is not planned;
                    // one with no order row is (the seller does not use the order feed).
                    "SELECT * FROM parcel WHERE seller_id = $1 AND status = 'registered' AND bag_id IS NULL
                       AND NOT EXISTS (SELECT 1 FROM seller_order o WHERE o.seller_id = parcel.seller_id
                                       AND o.order_id = parcel.order_id AND o.status <> 'valid')
                     ORDER BY created_at_ms, tracking_number",
                )
                .bind(seller_id)
                .fetch_all(&self.reader)
                .await?
            }
            Some(list) => {
                let mut rows = Vec::with_capacity(list.len());
                for chunk in list.chunks(super::rows_per_statement(self.backend, 1)) {
                    let sql = format!(
                        "SELECT * FROM parcel WHERE tracking_number IN ({}) AND {}",
                        placeholders(2, chunk.len()),
                        key_guard("seller_id = $1")
                    );
                    let mut query = sqlx::query(&sql).bind(seller_id);
                    for t in chunk {
                        query = query.bind(t);
                    }
                    rows.extend(query.fetch_all(&self.reader).await?);
                }
                rows
            }
        };
        rows.into_iter()
            .map(|r| ParcelRecord::try_from(r).map_err(Into::into))
            .collect()
    }

    /// Which of the given parcels of a seller belong to an order that is known and not
    /// valid, with the order's status (rule 20).
    pub async fn list_parcels_of_unready_orders(
        &self,
        seller_id: &str,
        tracking_numbers: &[String],
    ) -> StoreResult<Vec<(String, crate::domain::OrderStatus)>> {
        let mut out = Vec::new();
        for chunk in tracking_numbers.chunks(super::rows_per_statement(self.backend, 1)) {
            let sql = format!(
                "SELECT p.tracking_number, o.status FROM parcel p
                 JOIN seller_order o ON o.seller_id = p.seller_id AND o.order_id = p.order_id
                 WHERE p.tracking_number IN ({}) AND {} AND o.status <> 'valid'",
                placeholders(2, chunk.len()),
                key_guard("p.seller_id = $1")
            );
            let mut query = sqlx::query(&sql).bind(seller_id);
            for t in chunk {
                query = query.bind(t);
            }
            for row in query.fetch_all(&self.reader).await? {
                out.push((
                    row.try_get("tracking_number")?,
                    super::get_name(&row, "status")?,
                ));
            }
        }
        Ok(out)
    }

    /// Cancels a parcel whose order was cancelled: it leaves its bag if the bag is not
    /// picked up yet; after pickup the cancellation is refused (409).
    pub async fn cancel_parcel(
        &self,
        seller_id: &str,
        tracking_number: &str,
        now_ms: i64,
    ) -> StoreResult<ParcelRecord> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT * FROM parcel WHERE tracking_number = $1 AND seller_id = $2")
            .bind(tracking_number)
            .bind(seller_id)
            .fetch_optional(&mut *tx)
            .await?;
        let parcel = row
            .map(ParcelRecord::try_from)
            .transpose()?
            .ok_or_else(|| {
                StoreError::NotFound("parcel_not_found", format!("no parcel {tracking_number}"))
            })?;
        if let Some(bag_id) = &parcel.bag_id {
            // Lock the bag row while it is still open: a pickup racing this cancel
            // either sees the parcel gone or makes this UPDATE find no open bag.
            let locked =
                sqlx::query("UPDATE bag SET updated_at_ms = $3 WHERE bag_id = $1 AND status = $2")
                    .bind(bag_id)
                    .bind(BagStatus::Open.as_str())
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
            if locked.rows_affected() == 0 {
                return Err(StoreError::Conflict(
                    "already_picked_up",
                    format!(
                        "parcel {tracking_number} is in bag {bag_id}, which the courier has picked up"
                    ),
                ));
            }
        }
        sqlx::query(
            "UPDATE parcel SET status = 'cancelled', bag_id = NULL, cancelled_at_ms = COALESCE(cancelled_at_ms, $3),
                               updated_at_ms = CASE WHEN status = 'cancelled' THEN updated_at_ms ELSE $3 END
             WHERE tracking_number = $1 AND seller_id = $2",
        )
        .bind(tracking_number)
        .bind(seller_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM parcel WHERE tracking_number = $1")
            .bind(tracking_number)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ParcelRecord::try_from(row)?)
    }
}

fn duplicate(tracking_number: &str, why: &str) -> ParcelOutcome {
    ParcelOutcome::Rejected {
        code: "duplicate_tracking_number",
        message: format!("tracking number {tracking_number} {why}"),
    }
}
