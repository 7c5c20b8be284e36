//! Handovers and their bags: booking and reading (state changes are in
//! `handover_states.rs`, scans in `scans.rs`).
//!
//! Booking is one transaction: the handover, its bags (one multi-row INSERT) and one
//! guarded `UPDATE parcel SET bag_id = ... WHERE bag_id IS NULL` per bag whose row
//! count must match, so two bookings racing for a parcel cannot both take it.

use super::{Store, StoreError, StoreResult, placeholders, values_rows};
use crate::domain::{
    BagLimits, BagStatus, DeclaredBag, HandoverStatus, ParcelStatus, PickupFailureReason,
    Principal, Role, new_id,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};

/// A bag to book: its parcels and declared outer size.
#[derive(Clone, Debug, PartialEq)]
pub struct NewBag {
    pub parcels: Vec<String>,
    pub sides_cm: [f64; 3],
}

/// A handover to book; the address is a snapshot of the seller's pickup address.
#[derive(Clone, Debug, PartialEq)]
pub struct NewHandover {
    pub seller_id: String,
    pub sorting_center: String,
    pub pickup_date: String,
    pub address: super::Address,
    pub bags: Vec<NewBag>,
    /// Expected transit from pickup to intake, for the overdue check.
    pub transit_hours: i64,
}

/// A stored handover.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverRecord {
    pub handover_id: String,
    pub seller_id: String,
    pub sorting_center: String,
    pub pickup_date: String,
    pub status: HandoverStatus,
    pub address: super::Address,
    pub failure_reason: Option<PickupFailureReason>,
    pub created_at_ms: i64,
    pub picked_up_at_ms: Option<i64>,
    pub cancelled_at_ms: Option<i64>,
}

impl TryFrom<AnyRow> for HandoverRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            handover_id: row.try_get("handover_id")?,
            seller_id: row.try_get("seller_id")?,
            sorting_center: row.try_get("sorting_center")?,
            pickup_date: row.try_get("pickup_date")?,
            status: super::get_name(&row, "status")?,
            address: super::Address {
                province_code: row.try_get("province_code")?,
                city_code: row.try_get("city_code")?,
                district: None,
                street: row.try_get("street")?,
                lat: row.try_get("lat")?,
                lon: row.try_get("lon")?,
            },
            failure_reason: super::get_opt_name(&row, "failure_reason")?,
            created_at_ms: row.try_get("created_at_ms")?,
            picked_up_at_ms: row.try_get("picked_up_at_ms")?,
            cancelled_at_ms: row.try_get("cancelled_at_ms")?,
        })
    }
}

/// A stored bag with its current parcels and their declared weight.
#[derive(Clone, Debug, PartialEq)]
pub struct BagRecord {
    pub bag_id: String,
    pub handover_id: String,
    pub seller_id: String,
    pub sorting_center: String,
    pub status: BagStatus,
    pub sides_cm: [f64; 3],
    pub parcels: Vec<String>,
    pub weight_g: i64,
    pub picked_up_at_ms: Option<i64>,
    pub measured_weight_g: Option<i64>,
    pub received_at_ms: Option<i64>,
    pub pickup_not_reported: bool,
    pub transit_ms: i64,
}

impl TryFrom<AnyRow> for BagRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            bag_id: row.try_get("bag_id")?,
            handover_id: row.try_get("handover_id")?,
            seller_id: row.try_get("seller_id")?,
            sorting_center: row.try_get("sorting_center")?,
            status: super::get_name(&row, "status")?,
            sides_cm: [
                row.try_get("length_cm")?,
                row.try_get("width_cm")?,
                row.try_get("height_cm")?,
            ],
            parcels: Vec::new(),
            weight_g: 0,
            picked_up_at_ms: row.try_get("picked_up_at_ms")?,
            measured_weight_g: row.try_get("measured_weight_g")?,
            received_at_ms: row.try_get("received_at_ms")?,
            pickup_not_reported: super::get_flag(&row, "pickup_not_reported")?,
            transit_ms: row.try_get("transit_ms")?,
        })
    }
}

/// One entry of a handover's history: who did what, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverEvent {
    pub at_ms: i64,
    pub actor_role: Role,
    pub actor_id: String,
    pub action: String,
    pub detail: Option<String>,
}

/// A handover with its bags and history.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverView {
    pub handover: HandoverRecord,
    pub bags: Vec<BagRecord>,
    pub history: Vec<HandoverEvent>,
}

/// A page of handovers, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverPage {
    pub items: Vec<HandoverView>,
    pub next_cursor: Option<String>,
}

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
                                   city_code, street, lat, lon, created_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
                                  height_cm, created_at_ms, transit_ms)
                 VALUES {}",
                values_rows(bag_ids.len(), 10)
            );
            let mut query = sqlx::query(&sql);
            for (bag_id, b) in bag_ids.iter().zip(&new.bags) {
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
                    .bind(new.transit_hours * 3_600_000);
            }
            query.execute(&mut *tx).await?;
        }
        for (bag_id, b) in bag_ids.iter().zip(&new.bags) {
            assign_parcels(&mut tx, &new.seller_id, bag_id, &b.parcels, now_ms).await?;
        }
        insert_event(&mut tx, &handover_id, actor, "created", None, now_ms).await?;
        tx.commit().await?;
        self.get_handover(&new.seller_id, &handover_id).await
    }

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
    pub async fn list_handovers(
        &self,
        seller_id: &str,
        status: Option<&str>,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<HandoverPage> {
        let (before_ms, before_id) = match cursor {
            Some(c) => decode_cursor(c).ok_or_else(|| {
                StoreError::Invalid(
                    "invalid_cursor",
                    "the cursor is not one this service issued".into(),
                )
            })?,
            None => (i64::MAX, String::new()),
        };
        let rows = sqlx::query(
            "SELECT * FROM handover WHERE seller_id = $1 AND ($2 = '' OR status = $2)
               AND (created_at_ms < $3 OR (created_at_ms = $3 AND ($4 = '' OR handover_id < $4)))
             ORDER BY created_at_ms DESC, handover_id DESC LIMIT $5",
        )
        .bind(seller_id)
        .bind(status.unwrap_or(""))
        .bind(before_ms)
        .bind(&before_id)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .fetch_all(&self.reader)
        .await?;
        let mut records = rows
            .into_iter()
            .map(HandoverRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if records.len() > limit {
            records.truncate(limit);
            records
                .last()
                .map(|h| encode_cursor(h.created_at_ms, &h.handover_id))
        } else {
            None
        };
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
            "SELECT * FROM bag WHERE handover_id IN ({list}) ORDER BY created_at_ms, bag_id"
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
        Ok(handovers
            .into_iter()
            .map(|h| {
                let own = bags
                    .iter()
                    .filter(|b| b.handover_id == h.handover_id)
                    .cloned()
                    .collect();
                HandoverView {
                    handover: h,
                    bags: own,
                    history: Vec::new(),
                }
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

async fn load_parcel_facts(
    tx: &mut Transaction<'_, Any>,
    seller_id: &str,
    tracking_numbers: &[String],
) -> StoreResult<HashMap<String, ParcelFacts>> {
    let mut facts = HashMap::with_capacity(tracking_numbers.len());
    for chunk in tracking_numbers.chunks(super::rows_per_statement(super::backend_of(tx), 1)) {
        let sql = format!(
            "SELECT tracking_number, weight_g, sorting_center, status, bag_id FROM parcel
             WHERE seller_id = $1 AND tracking_number IN ({})",
            placeholders(2, chunk.len())
        );
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
        let sql = format!(
            "UPDATE parcel SET bag_id = $1, bagged_at_ms = $2
             WHERE seller_id = $3 AND status = 'registered' AND bag_id IS NULL AND tracking_number IN ({})",
            placeholders(4, chunk.len())
        );
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

fn encode_cursor(created_at_ms: i64, handover_id: &str) -> String {
    format!("{created_at_ms}.{handover_id}")
}

fn decode_cursor(cursor: &str) -> Option<(i64, String)> {
    let (ms, id) = cursor.split_once('.')?;
    Some((ms.parse().ok()?, id.to_owned()))
}
