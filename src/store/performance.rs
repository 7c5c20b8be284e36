//! What the seller-performance views read and keep (docs/rules.md, rules 21 to 23):
//! the daily order counts, the vacation decisions taken once per day with the rule's
//! state after the last one, and the parcel times of the first-scan SLA.
//!
//! Every read is one indexed range: a year of a seller's performance is about 370 rows
//! of `seller_order_day` and as many of `vacation_day`, whatever the number of orders.

use super::{Store, StoreResult};
use crate::domain::FirstScanBasis;
use crate::domain::performance::{DayCheck, DayCounts, DayReason, VacationState};
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::BTreeMap;

/// Where a seller's vacation decisions stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecidedState {
    pub decided_through: NaiveDate,
    pub state: VacationState,
}

/// One stored decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecidedDay {
    pub date: NaiveDate,
    pub in_vacation: bool,
    pub reason: DayReason,
}

/// One parcel of the first-scan SLA: times in epoch ms.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstScanRow {
    pub sorting_center: String,
    /// RTS when the seller gave it, else the registration.
    pub start_ms: i64,
    pub first_scan_at_ms: i64,
    pub basis: FirstScanBasis,
    /// The intake of the parcel (the bag's, or its own when it came unregistered).
    pub intake_at_ms: i64,
}

/// A bagged parcel still waiting for its first scan.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitingParcel {
    pub tracking_number: String,
    pub bag_id: String,
    pub sorting_center: String,
    pub start_ms: i64,
}

fn parse_day(raw: &str) -> Result<NaiveDate, sqlx::Error> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

impl Store {
    /// A seller's daily counts between two days, both included; days without orders
    /// are absent.
    pub async fn list_order_days(
        &self,
        seller_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<BTreeMap<NaiveDate, DayCounts>> {
        let rows = sqlx::query(
            "SELECT day, orders, cancelled_buyer, cancelled_late_intake FROM seller_order_day
             WHERE seller_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(seller_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.reader)
        .await?;
        let mut out = BTreeMap::new();
        for row in rows {
            out.insert(
                parse_day(&row.try_get::<String, _>("day")?)?,
                DayCounts {
                    orders: row.try_get("orders")?,
                    cancelled_buyer: row.try_get("cancelled_buyer")?,
                    cancelled_late_intake: row.try_get("cancelled_late_intake")?,
                },
            );
        }
        Ok(out)
    }

    /// The first day a seller has orders on, if any.
    pub async fn first_order_day(&self, seller_id: &str) -> StoreResult<Option<NaiveDate>> {
        let row = sqlx::query("SELECT MIN(day) AS day FROM seller_order_day WHERE seller_id = $1")
            .bind(seller_id)
            .fetch_one(&self.reader)
            .await?;
        let day: Option<String> = row.try_get("day")?;
        Ok(day.as_deref().map(parse_day).transpose()?)
    }

    /// The live sellers with any order, for the operator's view (test-mode sellers
    /// are left out).
    pub async fn list_sellers_with_orders(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT d.seller_id FROM seller_order_day d
             JOIN seller s ON s.seller_id = d.seller_id AND s.test_mode = 0 ORDER BY d.seller_id",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| r.try_get("seller_id"))
            .collect::<Result<_, _>>()?)
    }

    /// Where a seller's decisions stand, if any was taken.
    pub async fn get_vacation_state(&self, seller_id: &str) -> StoreResult<Option<DecidedState>> {
        let row = sqlx::query("SELECT * FROM vacation_state WHERE seller_id = $1")
            .bind(seller_id)
            .fetch_optional(&self.writer)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let start: Option<String> = row.try_get("vacation_start")?;
        Ok(Some(DecidedState {
            decided_through: parse_day(&row.try_get::<String, _>("decided_through")?)?,
            state: VacationState {
                vacation_start: start.as_deref().map(parse_day).transpose()?,
                recovered: super::get_flag(&row, "recovered")?,
            },
        }))
    }

    /// Keeps new decisions and the state after the last, in one transaction. A decision
    /// already stored is never replaced; when another server got there first (the
    /// state moved past `previous`), nothing is written.
    pub async fn insert_vacation_decisions(
        &self,
        seller_id: &str,
        previous: Option<NaiveDate>,
        checks: &[DayCheck],
        state: VacationState,
        now_ms: i64,
    ) -> StoreResult<()> {
        let Some(last) = checks.last() else {
            return Ok(());
        };
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "INSERT INTO vacation_state (seller_id, decided_through, vacation_start, recovered)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (seller_id) DO UPDATE SET decided_through = excluded.decided_through,
               vacation_start = excluded.vacation_start, recovered = excluded.recovered
             WHERE vacation_state.decided_through = $5",
        )
        .bind(seller_id)
        .bind(last.date.to_string())
        .bind(state.vacation_start.map(|d| d.to_string()))
        .bind(super::flag(state.recovered))
        .bind(previous.map(|d| d.to_string()).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(());
        }
        // Years of days at once when a seller's first order is long past: thousands of
        // rows a statement (anonymous placeholders on SQLite, `store::InOrder`).
        for chunk in checks.chunks(super::InOrder::rows_per_statement(5)) {
            let sql = format!(
                "INSERT INTO vacation_day (seller_id, day, in_vacation, reason, decided_at_ms) VALUES {}
                 ON CONFLICT (seller_id, day) DO NOTHING",
                super::InOrder::new(self.backend).rows(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query
                    .bind(seller_id)
                    .bind(c.date.to_string())
                    .bind(super::flag(c.in_vacation))
                    .bind(c.reason.as_str())
                    .bind(now_ms);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A seller's stored decisions between two days, both included.
    pub async fn list_vacation_days(
        &self,
        seller_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DecidedDay>> {
        let rows = sqlx::query(
            "SELECT day, in_vacation, reason FROM vacation_day
             WHERE seller_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(seller_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.writer)
        .await?;
        rows.into_iter()
            .map(|row| {
                let reason: String = row.try_get("reason")?;
                Ok(DecidedDay {
                    date: parse_day(&row.try_get::<String, _>("day")?)?,
                    in_vacation: super::get_flag(&row, "in_vacation")?,
                    reason: DayReason::parse(&reason).unwrap_or(DayReason::NoDecision),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The first-scan times of a seller's parcels first scanned between `from_ms`
    /// (included) and `to_ms` (excluded), with their intake.
    pub async fn list_first_scans(
        &self,
        seller_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<FirstScanRow>> {
        let rows = sqlx::query(
            "SELECT p.sorting_center, COALESCE(p.rts_at_ms, p.created_at_ms) AS start_ms,
                    p.first_scan_at_ms, p.first_scan_basis,
                    CASE WHEN p.first_scan_basis = 'bag_pickup' THEN COALESCE(b.received_at_ms, p.first_scan_at_ms)
                         ELSE p.first_scan_at_ms END AS intake_at_ms
             FROM parcel p LEFT JOIN bag b ON b.bag_id = p.bag_id
             WHERE p.seller_id = $1 AND p.first_scan_at_ms >= $2 AND p.first_scan_at_ms < $3
             ORDER BY p.first_scan_at_ms",
        )
        .bind(seller_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(FirstScanRow {
                    sorting_center: row.try_get("sorting_center")?,
                    start_ms: row.try_get("start_ms")?,
                    first_scan_at_ms: row.try_get("first_scan_at_ms")?,
                    basis: super::get_name(&row, "first_scan_basis")?,
                    intake_at_ms: row.try_get("intake_at_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Bagged parcels with no first scan whose RTS (or registration) is before
    /// `started_before_ms`, oldest first.
    pub async fn list_waiting_parcels(
        &self,
        seller_id: &str,
        started_before_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<WaitingParcel>> {
        let rows = sqlx::query(
            "SELECT tracking_number, bag_id, sorting_center, COALESCE(rts_at_ms, created_at_ms) AS start_ms
             FROM parcel WHERE seller_id = $1 AND status = 'registered' AND bag_id IS NOT NULL
               AND first_scan_at_ms IS NULL AND COALESCE(rts_at_ms, created_at_ms) < $2
             ORDER BY start_ms, tracking_number LIMIT $3",
        )
        .bind(seller_id)
        .bind(started_before_ms)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(WaitingParcel {
                    tracking_number: row.try_get("tracking_number")?,
                    bag_id: row.try_get("bag_id")?,
                    sorting_center: row.try_get("sorting_center")?,
                    start_ms: row.try_get("start_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
