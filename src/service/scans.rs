//! `apply_scans`: couriers report pickups and pickup failures, sorting centers report
//! intakes (docs/rules.md, rules 1, 7, 14 and 15). A batch is one transaction in the
//! store; each event gets its own result, a repeated event id with the same payload is
//! acknowledged again with its first result, and one with another payload is refused
//! (`event_id_reused`).

use super::{Ctx, ServiceResult, require};
use crate::domain::{Principal, Role};
use crate::store::{ScanEvent, ScanReach, ScanResult};

/// `apply_scans`: one result per event, in order.
pub async fn apply_scans(
    ctx: Ctx<'_>,
    caller: &Principal,
    events: &[ScanEvent],
) -> ServiceResult<Vec<ScanResult>> {
    let poster = require(caller, &[Role::Courier, Role::SortingCenter], "post scans")?;
    let results = record_scans(ctx, poster, &ScanReach::live(), events).await?;
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
    let now_ms = ctx.clock.now_ms();
    let results = ctx
        .store
        .retrying("apply_scans", || {
            ctx.store.apply_scans(
                poster,
                reach,
                events,
                (&ctx.settings.limits, ctx.settings.rules.clock_skew_ms()),
                now_ms,
            )
        })
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
