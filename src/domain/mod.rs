//! Pure domain types and rules: identifiers, bag limits, the handover state machine,
//! eligibility and time. Nothing here touches a database or HTTP, so every rule can be
//! tested on its own and reused by the store, the API and the CLI.

pub mod eligibility;
pub mod events;
pub mod first_scan;
pub mod ids;
pub mod keys;
pub mod limits;
pub mod performance;
pub mod roles;
pub mod route;
pub mod route_search;
pub mod signing;
pub mod status;
pub mod time;

pub use events::EventType;
pub use ids::{TrackingNumber, new_id};
pub use keys::{KeyMode, hash_token, mint_token};
pub use limits::{Bag, BagLimitError, BagLimits, DeclaredBag};
pub use roles::{Principal, Role};
pub use status::{
    BagSelector, BagStatus, CancelReason, ClaimBasis, ClaimStatus, DeliveryStatus, FirstScanBasis,
    HandoverStatus, IntakeStatus, OrderStatus, ParcelStatus, PickupFailureReason,
    RegistrationStatus, ScanType, TrackingEventType, TrackingStatus, UnknownName,
};
pub use time::Clock;
