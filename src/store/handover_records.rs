//! What the store reads of handovers and bags: the records and views it hands to the
//! use cases, parsed from rows once (statuses into their domain types).

use crate::domain::{BagStatus, HandoverStatus, PickupFailureReason, Role};
use sqlx::Row;
use sqlx::any::AnyRow;

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
    /// The last change of the handover or of its bags (`updated_since` filters on it).
    pub updated_at_ms: i64,
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
            updated_at_ms: row.try_get("updated_at_ms")?,
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
    /// The last change of the bag or of its set of parcels.
    pub updated_at_ms: i64,
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
            updated_at_ms: row.try_get("updated_at_ms")?,
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
