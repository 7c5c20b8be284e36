//! Response bodies shared by several resources: a bag, a handover with its bags and
//! history, a pickup address. They live here, apart from any one resource's module,
//! so that the resource modules never import one another (each maps its own use
//! case's result to JSON, and uses these where the same shape appears).

use crate::domain::time::format_ms;
use crate::domain::{BagStatus, HandoverStatus, PickupFailureReason, Role};
use crate::store::{Address, BagRecord, HandoverEvent, HandoverView};
use serde::Serialize;
use utoipa::ToSchema;

/// A pickup address as stored: codes resolved, names for people.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"province": "440000", "province_name": "广东省", "city": "440300", "city_name": "深圳市", "district": "南山区", "street": "1 Keyuan Road", "lat": 22.5431, "lon": 114.0579})))]
pub struct AddressView {
    pub province: String,
    pub province_name: String,
    pub city: String,
    pub city_name: String,
    pub district: Option<String>,
    pub street: String,
    /// GCJ-02 latitude.
    pub lat: f64,
    /// GCJ-02 longitude.
    pub lon: f64,
}

pub fn address_view(a: &Address) -> AddressView {
    let regions = crate::regions::Regions::embedded();
    AddressView {
        province: a.province_code.clone(),
        province_name: regions
            .province(&a.province_code)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        city: a.city_code.clone(),
        city_name: regions
            .city(&a.city_code)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        district: a.district.clone(),
        street: a.street.clone(),
        lat: a.lat,
        lon: a.lon,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "MB4K2R9XQ7M1ZT", "label_code": "MB4K2R9XQ7M1ZT", "status": "open", "sorting_center": "SZX", "parcels": ["LZ0001", "LZ0002"], "parcel_count": 2, "weight_g": 730, "length_cm": 30.0, "width_cm": 22.0, "height_cm": 14.0, "measured_weight_g": null, "picked_up_at": null, "received_at": null, "pickup_not_reported": false, "expected_by": null, "updated_at": "2026-11-26T02:00:00.000Z"})))]
pub struct BagResponse {
    /// The bag's id, which is also the code on its label.
    pub id: String,
    pub label_code: String,
    pub status: BagStatus,
    pub sorting_center: String,
    pub parcels: Vec<String>,
    pub parcel_count: usize,
    /// Sum of the parcels' declared weights.
    pub weight_g: i64,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
    pub measured_weight_g: Option<i64>,
    pub picked_up_at: Option<String>,
    pub received_at: Option<String>,
    /// Received at the sorting center with no pickup reported.
    pub pickup_not_reported: bool,
    /// When intake is due: pickup plus the route's expected transit.
    pub expected_by: Option<String>,
    /// The bag's last change (what `updated_since` compares).
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    /// `operator`, `seller`, `isv`, `courier` or `sorting_center`.
    #[schema(value_type = String)]
    pub actor_role: Role,
    pub actor_id: String,
    pub action: String,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "HO8D3F6KQ2M9XT", "seller_id": "SL7Q2M9XK4R1ZT", "sorting_center": "SZX", "pickup_date": "2026-11-26", "status": "booked", "pickup_address": {"province": "440000", "province_name": "广东省", "city": "440300", "city_name": "深圳市", "district": "南山区", "street": "1 Keyuan Road", "lat": 22.5431, "lon": 114.0579}, "failure_reason": null, "created_at": "2026-11-26T02:00:00.000Z", "picked_up_at": null, "cancelled_at": null, "updated_at": "2026-11-26T02:00:00.000Z", "bags": [{"id": "MB4K2R9XQ7M1ZT", "label_code": "MB4K2R9XQ7M1ZT", "status": "open", "sorting_center": "SZX", "parcels": ["LZ0001", "LZ0002"], "parcel_count": 2, "weight_g": 730, "length_cm": 30.0, "width_cm": 22.0, "height_cm": 14.0, "measured_weight_g": null, "picked_up_at": null, "received_at": null, "pickup_not_reported": false, "expected_by": null, "updated_at": "2026-11-26T02:00:00.000Z"}]})))]
pub struct HandoverResponse {
    pub id: String,
    pub seller_id: String,
    pub sorting_center: String,
    pub pickup_date: String,
    pub status: HandoverStatus,
    pub pickup_address: AddressView,
    pub failure_reason: Option<PickupFailureReason>,
    pub created_at: String,
    pub picked_up_at: Option<String>,
    pub cancelled_at: Option<String>,
    /// The handover's last change, its bags' included (what `updated_since` compares).
    pub updated_at: String,
    pub bags: Vec<BagResponse>,
    /// Who changed the handover, and when (only on a single handover).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

pub fn bag_response(b: BagRecord) -> BagResponse {
    BagResponse {
        label_code: b.bag_id.clone(),
        id: b.bag_id,
        status: b.status,
        sorting_center: b.sorting_center,
        parcel_count: b.parcels.len(),
        parcels: b.parcels,
        weight_g: b.weight_g,
        length_cm: b.sides_cm[0],
        width_cm: b.sides_cm[1],
        height_cm: b.sides_cm[2],
        measured_weight_g: b.measured_weight_g,
        picked_up_at: b.picked_up_at_ms.map(format_ms),
        received_at: b.received_at_ms.map(format_ms),
        pickup_not_reported: b.pickup_not_reported,
        expected_by: b.picked_up_at_ms.map(|p| format_ms(p + b.transit_ms)),
        updated_at: format_ms(b.updated_at_ms),
    }
}

fn history_entry(e: HandoverEvent) -> HistoryEntry {
    HistoryEntry {
        at: format_ms(e.at_ms),
        actor_role: e.actor_role,
        actor_id: e.actor_id,
        action: e.action,
        detail: e.detail,
    }
}

pub fn handover_response(v: HandoverView) -> HandoverResponse {
    let h = v.handover;
    HandoverResponse {
        pickup_address: address_view(&h.address),
        id: h.handover_id,
        seller_id: h.seller_id,
        sorting_center: h.sorting_center,
        pickup_date: h.pickup_date,
        status: h.status,
        failure_reason: h.failure_reason,
        created_at: format_ms(h.created_at_ms),
        picked_up_at: h.picked_up_at_ms.map(format_ms),
        cancelled_at: h.cancelled_at_ms.map(format_ms),
        updated_at: format_ms(h.updated_at_ms),
        bags: v.bags.into_iter().map(bag_response).collect(),
        history: v.history.into_iter().map(history_entry).collect(),
    }
}

/// `?limit=&cursor=`: which page of a list (docs/api.md, "Paging and filters").
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl From<PageQuery> for crate::service::PageRequest {
    fn from(q: PageQuery) -> Self {
        Self {
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}
