//! `apply_scans`: couriers report pickups and pickup failures, sorting centers report
//! intakes (docs/rules.md, rules 1, 7, 14 and 15). A batch is one transaction in the
//! store; each event gets its own result, a repeated event id with the same payload is
//! acknowledged again with its first result, and one with another payload is refused
//! (`event_id_reused`).

use super::{Ctx, ServiceResult, require};
use crate::domain::{Principal, Role};
use crate::store::{ScanEvent, ScanResult};

/// `apply_scans`: one result per event, in order.
pub async fn apply_scans(
    ctx: Ctx<'_>,
    caller: &Principal,
    events: &[ScanEvent],
) -> ServiceResult<Vec<ScanResult>> {
    let poster = require(caller, &[Role::Courier, Role::SortingCenter], "post scans")?;
    let now_ms = ctx.clock.now_ms();
    let results = ctx
        .store
        .retrying("apply_scans", || {
            ctx.store.apply_scans(
                poster,
                events,
                &ctx.settings.limits,
                ctx.settings.rules.clock_skew_ms(),
                now_ms,
            )
        })
        .await?;
    let accepted = results.iter().filter(|r| r.accepted).count();
    for (event, result) in events.iter().zip(&results) {
        let code = if result.duplicate {
            "duplicate"
        } else {
            result.code.as_str()
        };
        crate::metrics::scan_event(event.kind.as_str(), code);
    }
    tracing::info!(
        poster.role = poster.role.as_str(),
        poster.id = %poster.id,
        scans.events = results.len(),
        scans.accepted = accepted,
        "scans applied"
    );
    Ok(results)
}
