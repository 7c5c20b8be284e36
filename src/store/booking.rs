//! Booking a handover (docs/rules.md, rules 1, 2 and 13): one transaction holds the
//! handover, its bags (one multi-row INSERT) and one guarded `UPDATE parcel SET
//! bag_id = ... WHERE bag_id IS NULL` per bag whose row count must match, so two
//! bookings racing for a parcel cannot both take it.

use super::NewEvent;
use super::handovers::insert_event;
use super::{
    HandoverView, NewHandover, Store, StoreError, StoreResult, key_guard, placeholders, values_rows,
};
use crate::domain::{
    BagLimits, BagStatus, DeclaredBag, EventType, HandoverStatus, ParcelStatus, Principal, new_id,
};
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};

/// The parcel facts a booking or bag edit checks.
struct ParcelFacts {
    weight_g: i64,
    sorting_center: String,
    status: ParcelStatus,
    bag_id: Option<String>,
}

impl Store {
    /// Books a handover with its bags in one transaction, checking every parcel and
    /// every bag against the limits (weights are the parcels' declared weights).
    pub async fn insert_handover(
        &self,
        new: &NewHandover,
        limits: &BagLimits,
        actor: &Principal,
        now_ms: i64,
    ) -> StoreResult<HandoverView> {
        let mut tx = self.begin_write().await?;
        let all: Vec<String> = new
            .bags
            .iter()
            .flat_map(|b| b.parcels.iter().cloned())
            .collect();
        let mut seen = HashSet::new();
        if let Some(dup) = all.iter().find(|t| !seen.insert(t.as_str())) {
            return Err(StoreError::Invalid(
                "parcel_listed_twice",
                format!("parcel {dup} is listed more than once in this handover"),
            ));
        }
        // The parcels are locked (in id order) before they are read, so a booking
        // racing this one for a parcel waits here and then finds it bagged.
        let locks = super::locks::LockSet {
            parcels: all.clone(),
            sellers: vec![new.seller_id.clone()],
            ..Default::default()
        };
        super::locks::lock_in_order(&mut tx, &locks).await?;
        let facts = load_parcel_facts(&mut tx, &new.seller_id, &all).await?;
        for (i, b) in new.bags.iter().enumerate() {
            check_parcels_free(&facts, &b.parcels, &new.sorting_center)?;
            let weight_g = b
                .parcels
                .iter()
                .filter_map(|t| facts.get(t))
                .map(|f| f.weight_g)
                .sum();
            let declared = DeclaredBag {
                parcels: u32::try_from(b.parcels.len()).unwrap_or(u32::MAX),
                weight_g,
                sides_cm: b.sides_cm,
            };
            limits
                .bag(declared)
                .map_err(|e| StoreError::Invalid(e.code(), format!("bag {}: {e}", i + 1)))?;
        }
        let handover_id = new_id("HO");
        let a = &new.address;
        sqlx::query(
            "INSERT INTO handover (handover_id, seller_id, sorting_center, pickup_date, status, province_code,
                                   city_code, street, lat, lon, created_at_ms, updated_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&handover_id)
        .bind(&new.seller_id)
        .bind(&new.sorting_center)
        .bind(&new.pickup_date)
        .bind(HandoverStatus::Booked.as_str())
        .bind(&a.province_code)
        .bind(&a.city_code)
        .bind(&a.street)
        .bind(a.lat)
        .bind(a.lon)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let bag_ids: Vec<String> = new.bags.iter().map(|_| new_id("MB")).collect();
        if !bag_ids.is_empty() {
            let sql = format!(
                "INSERT INTO bag (bag_id, handover_id, seller_id, sorting_center, status, length_cm, width_cm,
                                  height_cm, created_at_ms, transit_ms, updated_at_ms, bag_position)
                 VALUES {}",
                values_rows(bag_ids.len(), 12)
            );
            let mut query = sqlx::query(&sql);
            for (position, (bag_id, b)) in bag_ids.iter().zip(&new.bags).enumerate() {
                query = query
                    .bind(bag_id)
                    .bind(&handover_id)
                    .bind(&new.seller_id)
                    .bind(&new.sorting_center)
                    .bind(BagStatus::Open.as_str())
                    .bind(b.sides_cm[0])
                    .bind(b.sides_cm[1])
                    .bind(b.sides_cm[2])
                    .bind(now_ms)
                    .bind(new.transit_hours * 3_600_000)
                    .bind(now_ms)
                    .bind(i64::try_from(position).unwrap_or(i64::MAX));
            }
            query.execute(&mut *tx).await?;
        }
        for (bag_id, b) in bag_ids.iter().zip(&new.bags) {
            assign_parcels(&mut tx, &new.seller_id, bag_id, &b.parcels, now_ms).await?;
        }
        insert_event(&mut tx, &handover_id, actor, "created", None, now_ms).await?;
        let data = serde_json::json!({"handover_id": handover_id, "sorting_center": new.sorting_center,
                                      "pickup_date": new.pickup_date, "bag_ids": bag_ids});
        let booked = NewEvent::new(EventType::HandoverBooked, data);
        super::events::append(&mut tx, &new.seller_id, &[booked], now_ms).await?;
        tx.commit().await?;
        self.get_handover(&new.seller_id, &handover_id).await
    }
}

/// Reads `n` parcels of seller `$1` by tracking number (`$2...`), by the key.
pub(crate) fn parcel_facts_sql(n: usize) -> String {
    format!(
        "SELECT tracking_number, weight_g, sorting_center, status, bag_id FROM parcel
         WHERE tracking_number IN ({}) AND {}",
        placeholders(2, n),
        key_guard("seller_id = $1")
    )
}

/// Puts `n` unbagged, registered parcels of seller `$3` (`$4...`) into bag `$1` at
/// `$2`, by the key.
pub(crate) fn bag_parcels_sql(n: usize) -> String {
    format!(
        "UPDATE parcel SET bag_id = $1, bagged_at_ms = $2, updated_at_ms = $2
         WHERE tracking_number IN ({}) AND {}",
        placeholders(4, n),
        key_guard("seller_id = $3 AND status = 'registered' AND bag_id IS NULL")
    )
}

async fn load_parcel_facts(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    tracking_numbers: &[String],
) -> StoreResult<HashMap<String, ParcelFacts>> {
    let mut facts = HashMap::with_capacity(tracking_numbers.len());
    for chunk in tracking_numbers.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = parcel_facts_sql(chunk.len());
        let mut query = sqlx::query(&sql).bind(seller_id);
        for t in chunk {
            query = query.bind(t);
        }
        for row in query.fetch_all(&mut **tx).await? {
            facts.insert(
                row.try_get("tracking_number")?,
                ParcelFacts {
                    weight_g: row.try_get("weight_g")?,
                    sorting_center: row.try_get("sorting_center")?,
                    status: super::get_name(&row, "status")?,
                    bag_id: row.try_get("bag_id")?,
                },
            );
        }
    }
    Ok(facts)
}

/// Refuses parcels that are unknown, cancelled, already in a bag, or bound for
/// another sorting center (docs/rules.md, rule 2: only registered parcels are bagged).
fn check_parcels_free(
    facts: &HashMap<String, ParcelFacts>,
    parcels: &[String],
    sorting_center: &str,
) -> StoreResult<()> {
    for t in parcels {
        let Some(f) = facts.get(t) else {
            return Err(StoreError::Invalid(
                "parcel_not_found",
                format!("parcel {t} is not registered for this seller; register it first"),
            ));
        };
        if f.status != ParcelStatus::Registered {
            return Err(StoreError::Conflict(
                "parcel_cancelled",
                format!("parcel {t} was cancelled"),
            ));
        }
        if let Some(bag_id) = &f.bag_id {
            return Err(StoreError::Conflict(
                "parcel_already_bagged",
                format!("parcel {t} is already in bag {bag_id}"),
            ));
        }
        if f.sorting_center != sorting_center {
            return Err(StoreError::Invalid(
                "parcel_wrong_sorting_center",
                format!(
                    "parcel {t} is bound for {}, not {sorting_center}",
                    f.sorting_center
                ),
            ));
        }
    }
    Ok(())
}

/// Puts parcels into a bag; the guard `bag_id IS NULL` makes a racing booking of the
/// same parcel fail here rather than take it twice.
async fn assign_parcels(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    bag_id: &str,
    parcels: &[String],
    now_ms: i64,
) -> StoreResult<()> {
    for chunk in parcels.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = bag_parcels_sql(chunk.len());
        let mut query = sqlx::query(&sql).bind(bag_id).bind(now_ms).bind(seller_id);
        for t in chunk {
            query = query.bind(t);
        }
        let done = query.execute(&mut **tx).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(StoreError::Conflict(
                "parcel_already_bagged",
                "a parcel of this bag was put into another bag at the same time".into(),
            ));
        }
    }
    Ok(())
}
