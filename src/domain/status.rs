//! The vocabularies of the domain as types: the states of a handover, a bag, a parcel
//! and a claim, a parcel's intake outcome, the scan types and the reasons of a pickup
//! failure. Each is stored as TEXT and shown in the API as its snake_case name:
//! parsed once at the store edge with `TryFrom<&str>`, bound in SQL with `as_str()`,
//! serialised by serde.
//!
//! The transitions themselves are guarded in the store's `UPDATE ... WHERE status IN
//! (...)`, so a race between two servers ends in exactly one outcome; the methods here
//! name the states each transition may start from (docs/rules.md, rules 7 to 9).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A name that is not one of a vocabulary's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {vocabulary}")]
pub struct UnknownName {
    pub vocabulary: &'static str,
    pub value: String,
}

/// Declares a string-backed enum: `as_str`, `ALL`, `TryFrom<&str>`, `Display`, serde.
macro_rules! names {
    ($(#[$meta:meta])* $name:ident, $vocabulary:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every name, in the order of the vocabulary.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and shown name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = UnknownName;
            fn try_from(raw: &str) -> Result<Self, Self::Error> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName {
                        vocabulary: $vocabulary,
                        value: raw.to_owned(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// A handover's state: `booked` -> `picked_up` -> `received`; `booked` ->
    /// `pickup_failed` -> `booked` (reschedule); `booked` or `pickup_failed` ->
    /// `cancelled`.
    HandoverStatus, "handover status" {
        Booked => "booked",
        PickedUp => "picked_up",
        PickupFailed => "pickup_failed",
        Received => "received",
        Cancelled => "cancelled",
    }
}

impl HandoverStatus {
    /// Whether the seller may still cancel (rule 7) or reschedule (rule 8): no pickup
    /// has been reported.
    pub fn before_pickup(self) -> bool {
        matches!(self, Self::Booked | Self::PickupFailed)
    }
}

names! {
    /// A bag's state: `open` until the courier picks it up, `received` at intake,
    /// `cancelled` with its handover.
    BagStatus, "bag status" {
        Open => "open",
        PickedUp => "picked_up",
        Received => "received",
        Cancelled => "cancelled",
    }
}

names! {
    /// A parcel's own state: its order is valid (`registered`) or was cancelled.
    ParcelStatus, "parcel status" {
        Registered => "registered",
        Cancelled => "cancelled",
    }
}

names! {
    /// What the intake of its bag found of a registered parcel.
    IntakeStatus, "intake status" {
        Received => "received",
        Missing => "missing",
    }
}

names! {
    /// A claim's state: `open` until the operator accepts or rejects it.
    ClaimStatus, "claim status" {
        Open => "open",
        Accepted => "accepted",
        Rejected => "rejected",
    }
}

names! {
    /// What a scan event reports.
    ScanType, "scan type" {
        PickedUp => "picked_up",
        PickupFailed => "pickup_failed",
        Received => "received",
    }
}

names! {
    /// Why a courier could not pick up (rule 8).
    PickupFailureReason, "pickup failure reason" {
        SellerAbsent => "seller_absent",
        NotReady => "not_ready",
        AddressNotFound => "address_not_found",
        BagOverLimits => "bag_over_limits",
        Other => "other",
    }
}

names! {
    /// What a parcel's first scan was taken from (rule 15).
    FirstScanBasis, "first-scan basis" {
        BagPickup => "bag_pickup",
        Intake => "intake",
    }
}

names! {
    /// A parcel as its public timeline shows it (rule 17).
    TrackingStatus, "tracking status" {
        Registered => "registered",
        Bagged => "bagged",
        Received => "received",
        Missing => "missing",
        Cancelled => "cancelled",
    }
}

names! {
    /// One event of a parcel's public timeline (rule 17).
    TrackingEventType, "tracking event type" {
        Registered => "registered",
        PickedUp => "picked_up",
        Received => "received",
        Missing => "missing",
        Cancelled => "cancelled",
        OrderCancelled => "order_cancelled",
    }
}

names! {
    /// An order's verification state as the order feed reports it (rule 20). Updates
    /// move it forward only, in this order of precedence: `pending` < `valid` <
    /// `invalid` < `cancelled`.
    OrderStatus, "order status" {
        Pending => "pending",
        Valid => "valid",
        Invalid => "invalid",
        Cancelled => "cancelled",
    }
}

impl OrderStatus {
    /// The precedence of rule 20: an update replaces the stored status only if it ranks
    /// higher, so updates arriving in any order end in the same state.
    pub fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Valid => 1,
            Self::Invalid => 2,
            Self::Cancelled => 3,
        }
    }

    /// Whether the order's parcels must not travel (rule 20).
    pub fn is_void(self) -> bool {
        matches!(self, Self::Invalid | Self::Cancelled)
    }
}

names! {
    /// Why an order was cancelled; `buyer` and `late_intake` count in the store's
    /// cancellation rate (rule 21).
    CancelReason, "cancel reason" {
        Buyer => "buyer",
        LateIntake => "late_intake",
        Seller => "seller",
        Invalid => "invalid",
        Other => "other",
    }
}

names! {
    /// What a claim rests on (rule 16): its bag is overdue, or the parcels it names
    /// were missing at intake.
    ClaimBasis, "claim basis" {
        OverdueBag => "overdue_bag",
        MissingParcels => "missing_parcels",
    }
}

names! {
    /// Where a webhook delivery stands: a retry is scheduled, or it is done one way or
    /// the other (docs/api.md, "Webhooks").
    DeliveryStatus, "delivery status" {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

names! {
    /// What became of one item of a parcel registration (rule 19).
    RegistrationStatus, "registration status" {
        Registered => "registered",
        Rejected => "rejected",
    }
}

/// Which bags a list shows: those in one status, or the overdue ones: picked up and
/// not received within the route's expected transit time (rule 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BagSelector {
    Status(BagStatus),
    Overdue,
}

impl BagSelector {
    /// Every name the bag list's filter takes: the bag statuses, then `overdue`.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = BagStatus::ALL.iter().map(|s| s.as_str()).collect();
        names.push("overdue");
        names
    }
}

impl TryFrom<&str> for BagSelector {
    type Error = UnknownName;
    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        match raw {
            "overdue" => Ok(Self::Overdue),
            other => BagStatus::try_from(other)
                .map(Self::Status)
                .map_err(|_| UnknownName {
                    vocabulary: "bag filter",
                    value: raw.to_owned(),
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for s in HandoverStatus::ALL {
            assert_eq!(HandoverStatus::try_from(s.as_str()), Ok(*s));
        }
        for r in PickupFailureReason::ALL {
            assert_eq!(PickupFailureReason::try_from(r.as_str()), Ok(*r));
        }
        assert!(BagStatus::try_from("lost").is_err());
        assert_eq!(
            serde_json::to_string(&ScanType::PickupFailed)
                .ok()
                .as_deref(),
            Some("\"pickup_failed\"")
        );
    }

    #[test]
    fn only_a_handover_before_pickup_can_be_cancelled() {
        let open: Vec<_> = HandoverStatus::ALL
            .iter()
            .filter(|s| s.before_pickup())
            .collect();
        assert_eq!(
            open,
            [&HandoverStatus::Booked, &HandoverStatus::PickupFailed]
        );
    }
}
