//! `apply_scans`: couriers report pickups and pickup failures, sorting centers report
//! intakes (docs/rules.md, rules 1, 7, 14 and 15). A batch is one transaction in the
//! store; each event gets its own result, a repeated event id with the same payload is
//! acknowledged again with its first result, and one with another payload is refused
//! (`event_id_reused`).

use super::{Ctx, ServiceError, ServiceResult, require};
use crate::domain::{Principal, Role};
use crate::store::{ScanEvent, ScanReach, ScanResult};

/// How far in the future an event's clock may run ahead of ours.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// Refuses an event time more than [`MAX_CLOCK_SKEW_MS`] ahead of `now_ms`.
pub fn check_not_future(field: &str, occurred_at_ms: i64, now_ms: i64) -> ServiceResult<()> {
    if occurred_at_ms > now_ms + MAX_CLOCK_SKEW_MS {
        return Err(ServiceError::field(
            field,
            "in_future",
            "the scan's time is in the future",
        ));
    }
    Ok(())
}

/// `apply_scans`: one result per event, in order.
pub async fn apply_scans(
    ctx: Ctx<'_>,
    caller: &Principal,
    events: &[ScanEvent],
) -> ServiceResult<Vec<ScanResult>> {
    let poster = require(caller, &[Role::Courier, Role::SortingCenter], "post scans")?;
    let reach = ctx.store.live_reach(poster).await?;
    let results = record_scans(ctx, poster, &reach, events).await?;
    for (event, result) in events.iter().zip(&results) {
        let code = if result.duplicate {
            "duplicate"
        } else {
            result.code.as_str()
        };
        crate::metrics::scan_event(event.kind.as_str(), code);
    }
    Ok(results)
}

/// Applies scans of `poster` on the bags it reaches: the one path of every scan, the
/// couriers' and sorting centers' (above) and the sandbox's (`service::sandbox`), so a
/// simulated pickup or intake changes the same rows and writes the same events and
/// webhooks as a real one. Simulated scans are not counted in the live metrics.
pub(crate) async fn record_scans(
    ctx: Ctx<'_>,
    poster: &Principal,
    reach: &ScanReach,
    events: &[ScanEvent],
) -> ServiceResult<Vec<ScanResult>> {
    let results = ctx
        .store
        .apply_scans(
            poster,
            reach,
            events,
            &ctx.settings.limits,
            ctx.clock.now_ms(),
        )
        .await?;
    let accepted = results.iter().filter(|r| r.accepted).count();
    tracing::info!(
        poster.role = poster.role.as_str(),
        poster.id = %poster.id,
        scans.events = results.len(),
        scans.accepted = accepted,
        scans.test_mode = reach.test_mode,
        "scans applied"
    );
    Ok(results)
}
