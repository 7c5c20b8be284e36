//! The documented schema of events, version 1 (docs/api.md, "Events"): one object
//! per event type for `data`, the same in the feed and in webhook bodies. These types
//! only document; events are written by the store. Within version 1 fields are only
//! added, never renamed or removed.

use serde::Serialize;
use utoipa::ToSchema;

/// An event, as the feed lists it; a webhook body is `{type, timestamp, data}` with
/// the same `data`, and its `webhook-id` header is the event's `id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// Unique; also the `webhook-id` of its deliveries.
    pub id: String,
    /// One of the event types (`handover.booked`, `bag.picked_up`, ...).
    #[serde(rename = "type")]
    pub event_type: String,
    /// RFC 3339, UTC: when the change committed.
    pub created_at: String,
    /// The schema version of `data`: 1.
    pub version: u32,
    /// The event's object, by type: see the `Event*` schemas.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// `handover.booked`
#[derive(Debug, Serialize, ToSchema)]
pub struct EventHandoverBooked {
    pub handover_id: String,
    pub sorting_center: String,
    pub pickup_date: String,
    pub bag_ids: Vec<String>,
}

/// `handover.cancelled`
#[derive(Debug, Serialize, ToSchema)]
pub struct EventHandoverCancelled {
    pub handover_id: String,
}

/// `handover.rescheduled`
#[derive(Debug, Serialize, ToSchema)]
pub struct EventHandoverRescheduled {
    pub handover_id: String,
    pub pickup_date: String,
}

/// `bag.picked_up`
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBagPickedUp {
    pub handover_id: String,
    pub bag_id: String,
    pub picked_up_at: String,
    pub measured_weight_g: i64,
}

/// `bag.pickup_failed`: `reason` is a pickup failure reason (`not_ready`,
/// `bag_over_limits`, ...).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBagPickupFailed {
    pub handover_id: String,
    pub bag_id: String,
    pub reason: String,
}

/// `bag.received`: counts of the intake; each parcel has its own event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBagReceived {
    pub handover_id: String,
    pub bag_id: String,
    pub received_at: String,
    pub pickup_reported: bool,
    pub parcels_found: u64,
    pub parcels_missing: u64,
    pub parcels_unregistered: u64,
}

/// `bag.overdue`: picked up, not received, past its transit time.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBagOverdue {
    pub handover_id: String,
    pub bag_id: String,
    pub picked_up_at: String,
    pub due_at: String,
}

/// `parcel.first_scan`: `at` is the first scan as carriers see it (backdated to the
/// bag's pickup when `basis` is `bag_pickup`), `recorded_at` when it was recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventParcelFirstScan {
    pub tracking_number: String,
    /// The bag the parcel was found in at intake.
    pub bag_id: String,
    pub at: String,
    pub recorded_at: String,
    pub basis: String,
    /// Only for a parcel found in a bag other than its own (`basis` `intake`): the
    /// bag it is registered in, null when in none.
    #[schema(required = false)]
    pub registered_bag_id: Option<String>,
}

/// `parcel.missing`: registered in the bag, not found at its intake.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventParcelMissing {
    pub tracking_number: String,
    pub bag_id: String,
}

/// `parcel.voided`: the parcel's order became `cancelled` or `invalid` (docs/rules.md,
/// rule 20). `effect` is `removed` (the parcel left its open bag, or was in none, and
/// is now `cancelled`) or `flagged` (its bag was already picked up: it stays in the bag
/// and the sorting center sees it as `order_cancelled`). `bag_id` and `handover_id` are
/// the bag it left or stays in, if any; `cancel_reason` goes with `order_status`
/// `cancelled`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventParcelVoided {
    pub tracking_number: String,
    pub order_id: String,
    pub order_status: String,
    pub cancel_reason: Option<String>,
    pub effect: String,
    pub bag_id: Option<String>,
    pub handover_id: Option<String>,
}

/// `claim.opened`
#[derive(Debug, Serialize, ToSchema)]
pub struct EventClaimOpened {
    pub claim_id: String,
    pub bag_id: String,
    pub tracking_numbers: Vec<String>,
    pub basis: String,
}

/// `claim.decided`: `status` is `accepted` or `rejected`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventClaimDecided {
    pub claim_id: String,
    pub bag_id: String,
    pub status: String,
    pub note: Option<String>,
}

/// `webhook.disabled`: an endpoint failed for days and was switched off.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventWebhookDisabled {
    pub webhook_id: String,
    pub url: String,
}
