//! A parcel's public timeline (docs/rules.md, rule 17): logistics events only, nothing of the
//! seller. The pickup appears only once the bag is received (rule 17: until the
//! intake, buyers see no pickup), stamped with when it happened (`at`) and when
//! firstmile learned it (`recorded_at`), so a backdated first scan stays auditable.

use super::{Store, StoreResult};
use crate::domain::{
    FirstScanBasis, IntakeStatus, ParcelStatus, TrackingEventType as Event, TrackingStatus,
};
use sqlx::Row;

/// One event of a timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackingEvent {
    pub event_type: Event,
    pub at_ms: i64,
    pub recorded_at_ms: i64,
}

/// A parcel's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackingView {
    pub tracking_number: String,
    pub status: TrackingStatus,
    pub first_scan_at_ms: Option<i64>,
    pub first_scan_basis: Option<FirstScanBasis>,
    pub bag_id: Option<String>,
    pub events: Vec<TrackingEvent>,
}

impl Store {
    /// The timeline of a tracking number, whether registered with firstmile or only
    /// found in a bag at intake.
    pub async fn get_tracking(&self, tracking_number: &str) -> StoreResult<Option<TrackingView>> {
        let row = sqlx::query(
            "SELECT p.status, p.created_at_ms, p.cancelled_at_ms, p.intake_status, p.first_scan_at_ms,
                    p.first_scan_basis, p.first_scan_recorded_at_ms, p.bag_id,
                    b.picked_up_at_ms, b.pickup_recorded_at_ms, b.received_at_ms, b.received_recorded_at_ms,
                    CASE WHEN o.status IN ('invalid', 'cancelled') THEN COALESCE(o.cancelled_at_ms, o.updated_at_ms) END
                      AS order_void_at_ms,
                    CASE WHEN o.status IN ('invalid', 'cancelled') THEN o.updated_at_ms END AS order_void_recorded_at_ms
             FROM parcel p LEFT JOIN bag b ON b.bag_id = p.bag_id
             LEFT JOIN seller_order o ON o.seller_id = p.seller_id AND o.order_id = p.order_id
             WHERE p.tracking_number = $1",
        )
        .bind(tracking_number)
        .fetch_optional(&self.reader)
        .await?;
        let intake = sqlx::query(
            "SELECT bag_id, received_at_ms, recorded_at_ms FROM intake_parcel
             WHERE tracking_number = $1 AND registered = 0 ORDER BY received_at_ms LIMIT 1",
        )
        .bind(tracking_number)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else {
            // Never registered, but found in a bag at intake (docs/rules.md, rule 15).
            let Some(found) = intake else { return Ok(None) };
            let at_ms: i64 = found.try_get("received_at_ms")?;
            return Ok(Some(TrackingView {
                tracking_number: tracking_number.to_owned(),
                status: TrackingStatus::Received,
                first_scan_at_ms: Some(at_ms),
                first_scan_basis: Some(FirstScanBasis::Intake),
                bag_id: Some(found.try_get("bag_id")?),
                events: vec![TrackingEvent {
                    event_type: Event::Received,
                    at_ms,
                    recorded_at_ms: found.try_get("recorded_at_ms")?,
                }],
            }));
        };
        let created: i64 = row.try_get("created_at_ms")?;
        let mut events = vec![TrackingEvent {
            event_type: Event::Registered,
            at_ms: created,
            recorded_at_ms: created,
        }];
        let intake_status: Option<IntakeStatus> = super::get_opt_name(&row, "intake_status")?;
        let basis: Option<FirstScanBasis> = super::get_opt_name(&row, "first_scan_basis")?;
        let first_scan_at_ms: Option<i64> = row.try_get("first_scan_at_ms")?;
        let mut bag_id: Option<String> = row.try_get("bag_id")?;
        let received_at: Option<i64> = row.try_get("received_at_ms")?;
        let received_recorded: Option<i64> = row.try_get("received_recorded_at_ms")?;
        if let (Some(at), Some(recorded)) = (received_at, received_recorded) {
            if basis == Some(FirstScanBasis::BagPickup) {
                let picked: Option<i64> = row.try_get("picked_up_at_ms")?;
                let picked_recorded: Option<i64> = row.try_get("pickup_recorded_at_ms")?;
                if let (Some(p), Some(pr)) = (picked, picked_recorded) {
                    events.push(TrackingEvent {
                        event_type: Event::PickedUp,
                        at_ms: p,
                        recorded_at_ms: pr,
                    });
                }
            }
            let kind = if intake_status == Some(IntakeStatus::Missing) {
                Event::Missing
            } else {
                Event::Received
            };
            events.push(TrackingEvent {
                event_type: kind,
                at_ms: at,
                recorded_at_ms: recorded,
            });
        } else if let Some(found) = &intake {
            // Registered, but found at intake in a bag it was not registered in.
            bag_id = Some(found.try_get("bag_id")?);
            events.push(TrackingEvent {
                event_type: Event::Received,
                at_ms: found.try_get("received_at_ms")?,
                recorded_at_ms: found.try_get("recorded_at_ms")?,
            });
        }
        let status: ParcelStatus = super::get_name(&row, "status")?;
        let void_at: Option<i64> = row.try_get("order_void_at_ms")?;
        let void_recorded: Option<i64> = row.try_get("order_void_recorded_at_ms")?;
        if let (ParcelStatus::Registered, Some(at), Some(recorded)) =
            (status, void_at, void_recorded)
        {
            // Rule 20: the order was voided after the pickup; the parcel travels on
            // and the sorting center holds it.
            events.push(TrackingEvent {
                event_type: Event::OrderCancelled,
                at_ms: at,
                recorded_at_ms: recorded,
            });
        }
        if status == ParcelStatus::Cancelled {
            let at: Option<i64> = row.try_get("cancelled_at_ms")?;
            let at = at.unwrap_or(created);
            events.push(TrackingEvent {
                event_type: Event::Cancelled,
                at_ms: at,
                recorded_at_ms: at,
            });
        }
        let status = match (status, intake_status) {
            (ParcelStatus::Cancelled, _) => TrackingStatus::Cancelled,
            (_, Some(IntakeStatus::Missing)) => TrackingStatus::Missing,
            (_, Some(IntakeStatus::Received)) => TrackingStatus::Received,
            (_, None) if bag_id.is_some() => TrackingStatus::Bagged,
            (_, None) => TrackingStatus::Registered,
        };
        Ok(Some(TrackingView {
            tracking_number: tracking_number.to_owned(),
            status,
            first_scan_at_ms,
            first_scan_basis: basis,
            bag_id,
            events,
        }))
    }
}
