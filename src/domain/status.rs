//! Status vocabularies stored as TEXT and shown in the API. The transitions
//! themselves are guarded in the store's `UPDATE ... WHERE status IN (...)`, so a
//! race between two servers ends in exactly one outcome; these lists name the states
//! each transition may start from, in one place.

/// Handover states: `booked` -> `picked_up` -> `received`; `booked` or
/// `pickup_failed` -> `cancelled`; `booked` -> `pickup_failed` -> `booked` (reschedule).
pub mod handover {
    pub const BOOKED: &str = "booked";
    pub const PICKED_UP: &str = "picked_up";
    pub const PICKUP_FAILED: &str = "pickup_failed";
    pub const RECEIVED: &str = "received";
    pub const CANCELLED: &str = "cancelled";
}

/// Bag states: `open` until the courier picks it up; `received` at intake.
pub mod bag {
    pub const OPEN: &str = "open";
    pub const PICKED_UP: &str = "picked_up";
    pub const RECEIVED: &str = "received";
    pub const CANCELLED: &str = "cancelled";
}

/// Why a courier could not pick up (docs/rules.md, rule 8).
pub const PICKUP_FAILURE_REASONS: [&str; 5] = [
    "seller_absent",
    "not_ready",
    "address_not_found",
    "bag_over_limits",
    "other",
];
