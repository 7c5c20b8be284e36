//! `track_parcel` (docs/rules.md, rule 17): anyone holding a tracking number, with any
//! valid token, sees its logistics timeline and nothing of the seller.

use super::{Ctx, ServiceError, ServiceResult};
use crate::store::TrackingView;

/// `track_parcel`: a parcel's timeline.
pub async fn track_parcel(ctx: Ctx<'_>, tracking_number: &str) -> ServiceResult<TrackingView> {
    ctx.store
        .get_tracking(tracking_number)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(
                "tracking_number_not_found",
                format!("no parcel {tracking_number}"),
            )
        })
}
