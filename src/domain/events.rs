//! The event vocabulary: what a seller's ERP hears about (docs/api.md, "Events").
//! Every event is `{id, type, created_at, data}`; `data` follows schema version
//! [`EVENT_SCHEMA_VERSION`], whose fields only grow within a version.

use super::UnknownName;
use std::fmt;

/// The version of every event's `data` schema.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// The type of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    HandoverBooked,
    HandoverCancelled,
    HandoverRescheduled,
    BagPickedUp,
    BagPickupFailed,
    BagReceived,
    BagOverdue,
    ParcelFirstScan,
    ParcelMissing,
    ParcelVoided,
    ClaimOpened,
    ClaimDecided,
    WebhookDisabled,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        Self::HandoverBooked,
        Self::HandoverCancelled,
        Self::HandoverRescheduled,
        Self::BagPickedUp,
        Self::BagPickupFailed,
        Self::BagReceived,
        Self::BagOverdue,
        Self::ParcelFirstScan,
        Self::ParcelMissing,
        Self::ParcelVoided,
        Self::ClaimOpened,
        Self::ClaimDecided,
        Self::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HandoverBooked => "handover.booked",
            Self::HandoverCancelled => "handover.cancelled",
            Self::HandoverRescheduled => "handover.rescheduled",
            Self::BagPickedUp => "bag.picked_up",
            Self::BagPickupFailed => "bag.pickup_failed",
            Self::BagReceived => "bag.received",
            Self::BagOverdue => "bag.overdue",
            Self::ParcelFirstScan => "parcel.first_scan",
            Self::ParcelMissing => "parcel.missing",
            Self::ParcelVoided => "parcel.voided",
            Self::ClaimOpened => "claim.opened",
            Self::ClaimDecided => "claim.decided",
            Self::WebhookDisabled => "webhook.disabled",
        }
    }
}

impl TryFrom<&str> for EventType {
    type Error = UnknownName;
    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| UnknownName {
                vocabulary: "event type",
                value: raw.to_owned(),
            })
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The retry schedule of a webhook delivery: the wait before each attempt after the
/// first (about a day in all); after the last one fails the delivery is failed.
pub const WEBHOOK_RETRY_DELAYS_MS: [i64; 7] = [
    5_000,
    5 * 60_000,
    30 * 60_000,
    2 * 3_600_000,
    5 * 3_600_000,
    10 * 3_600_000,
    14 * 3_600_000,
];

/// An endpoint whose deliveries have failed for this long is disabled.
pub const WEBHOOK_DISABLE_AFTER_MS: i64 = 5 * 24 * 3_600_000;

/// When the attempt after `attempts` failed attempts is due, from `now_ms`, with a
/// jitter of 0 to 10 % (`jitter` from 0.0 to 1.0) so retries of many deliveries
/// spread out; `None` once the schedule is spent.
pub fn next_attempt_at(now_ms: i64, attempts: u32, jitter: f64) -> Option<i64> {
    let delay = *WEBHOOK_RETRY_DELAYS_MS.get(attempts.checked_sub(1)? as usize)?;
    let extra = (delay as f64 * 0.1 * jitter.clamp(0.0, 1.0)) as i64;
    Some(now_ms + delay + extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::try_from(t.as_str()), Ok(*t));
        }
        assert!(EventType::try_from("bag.lost").is_err());
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        assert_eq!(next_attempt_at(0, 1, 0.0), Some(5_000));
        assert_eq!(next_attempt_at(0, 1, 1.0), Some(5_500));
        assert_eq!(next_attempt_at(0, 3, 0.0), Some(30 * 60_000));
        assert_eq!(next_attempt_at(0, 7, 0.0), Some(14 * 3_600_000));
        assert_eq!(next_attempt_at(0, 8, 0.0), None);
        let total: i64 = WEBHOOK_RETRY_DELAYS_MS.iter().sum();
        assert!(total > 30 * 3_600_000 && total < 40 * 3_600_000);
    }
}
