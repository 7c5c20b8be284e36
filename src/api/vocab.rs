//! The closed vocabularies of the domain as OpenAPI enums: each schema is made from
//! the domain type's `ALL` list and `as_str`, the same names the store writes and
//! serde shows, so the document cannot list a status the server never sends or miss
//! one it does (docs/api.md, "Vocabularies"). Fields typed with a domain enum refer
//! to these schemas by name; fields and query parameters that stay `String` (parsed
//! later, to answer with the field's path) name them with `value_type`.

use crate::domain::{
    BagSelector, BagStatus, CancelReason, ClaimBasis, ClaimStatus, DeliveryStatus, EventType,
    FirstScanBasis, HandoverStatus, IntakeStatus, OrderStatus, ParcelStatus, PickupFailureReason,
    RegistrationStatus, ScanType, TrackingEventType, TrackingStatus,
};
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A string schema whose values are exactly `names`.
fn string_enum(description: &str, names: Vec<&'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .into()
}

/// Implements `PartialSchema` and `ToSchema` for domain enums with an `ALL` list.
macro_rules! vocabulary {
    ($($ty:ty => $name:literal, $description:literal;)+) => {
        $(
            impl utoipa::PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    string_enum($description, <$ty>::ALL.iter().map(|v| v.as_str()).collect())
                }
            }

            impl utoipa::ToSchema for $ty {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed($name)
                }
            }
        )+

        /// Every vocabulary schema's name with its values, for the document's
        /// components and for the test that compares them with the domain.
        pub fn all() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$(($name, <$ty>::ALL.iter().map(|v| v.as_str()).collect())),+]
        }

        /// Every vocabulary schema, to register in the document's components.
        pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
            vec![$(($name.to_owned(), <$ty as utoipa::PartialSchema>::schema())),+]
        }
    };
}

vocabulary! {
    HandoverStatus => "HandoverStatus", "A handover's state (rules 7 to 9).";
    BagStatus => "BagStatus", "A bag's state.";
    ParcelStatus => "ParcelStatus", "A parcel's own state: its order is valid or was cancelled.";
    IntakeStatus => "IntakeStatus", "What the intake of its bag found of a registered parcel.";
    ClaimStatus => "ClaimStatus", "A claim's state.";
    ClaimBasis => "ClaimBasis", "What a claim rests on: an overdue bag, or parcels missing at intake (rule 16).";
    DeliveryStatus => "DeliveryStatus", "Where a webhook delivery stands.";
    RegistrationStatus => "RegistrationStatus", "What became of one item of a parcel registration.";
    OrderStatus => "OrderStatus", "An order's verification state (rule 20).";
    CancelReason => "CancelReason", "Why an order was cancelled (rule 21).";
    ScanType => "ScanType", "What a scan event reports.";
    PickupFailureReason => "PickupFailureReason", "Why a courier could not pick up (rule 8).";
    FirstScanBasis => "FirstScanBasis", "What a parcel's first scan was taken from (rule 15).";
    TrackingStatus => "TrackingStatus", "A parcel as its public timeline shows it (rule 17).";
    TrackingEventType => "TrackingEventType", "One event of a parcel's public timeline (rule 17).";
    EventType => "EventType", "The type of an event of the seller's feed and webhooks.";
}

/// The filter of the bag list: a bag status, or `overdue` (rule 16).
pub struct BagFilterName;

impl utoipa::PartialSchema for BagFilterName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            "A bag status, or `overdue`: picked up and not received within the route's expected transit time (rule 16).",
            BagSelector::names(),
        )
    }
}

impl utoipa::ToSchema for BagFilterName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BagFilter")
    }
}
