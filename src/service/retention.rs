//! Retention (docs/operations.md, "Retention"): closed handovers whose pickup month
//! has left the retention window move to the archive tables, a chunk a transaction,
//! so the live tables (and every hot path's indexes) stay the size of the window.

use super::{ServiceError, ServiceResult};
use crate::domain::Clock;
use crate::store::{ArchiveCounts, Store};
use chrono::{Datelike, Months, NaiveDate};

/// The fewest whole months kept live before the current one. Seller performance
/// reports reach 400 days back and read the parcels, so a shorter window would change
/// reports of days still in reach.
pub const MIN_KEEP_MONTHS: u32 = 14;

/// Most handovers archived in one transaction.
pub const MAX_CHUNK: usize = 1000;

/// What a run archived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Handovers with a pickup date before this day (`YYYY-MM-DD`) were archived.
    pub before_date: String,
    /// Transactions committed.
    pub chunks: u64,
    pub counts: ArchiveCounts,
}

/// The first day of the month `keep_months` months before the current China month.
pub fn archive_cutoff(today: NaiveDate, keep_months: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?
        .checked_sub_months(Months::new(keep_months))
}

/// Archives every closed handover picked up before the retention window: the
/// current month and the `keep_months` before it stay live. Each chunk of `chunk`
/// handovers is one transaction, so a run can be stopped and started again.
pub async fn archive_closed_handovers(
    store: &Store,
    clock: &Clock,
    keep_months: u32,
    chunk: usize,
) -> ServiceResult<ArchiveReport> {
    if keep_months < MIN_KEEP_MONTHS {
        return Err(ServiceError::field(
            "keep_months",
            "too_small",
            format!(
                "keep at least {MIN_KEEP_MONTHS} months: performance reports read parcels 400 days back"
            ),
        ));
    }
    if !(1..=MAX_CHUNK).contains(&chunk) {
        return Err(ServiceError::field(
            "chunk",
            "out_of_range",
            format!("a chunk is 1 to {MAX_CHUNK} handovers"),
        ));
    }
    let before = archive_cutoff(clock.today(), keep_months)
        .ok_or_else(|| ServiceError::field("keep_months", "out_of_range", "too many months"))?
        .to_string();
    let mut report = ArchiveReport {
        before_date: before,
        chunks: 0,
        counts: ArchiveCounts::default(),
    };
    loop {
        let moved = store
            .archive_handovers(&report.before_date, chunk)
            .await
            .map_err(ServiceError::Store)?;
        report.chunks += 1;
        report.counts.add(moved);
        if moved.handovers < chunk as u64 {
            return Ok(report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_whole_months_before_the_current_one() {
        let day = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            archive_cutoff(day("2026-12-03"), 14),
            Some(day("2025-10-01"))
        );
        assert_eq!(
            archive_cutoff(day("2026-03-31"), 14),
            Some(day("2025-01-01"))
        );
        // 400 days before any day is inside the window.
        for d in ["2026-01-01", "2026-02-28", "2026-12-31"] {
            let today = day(d);
            let cutoff = archive_cutoff(today, MIN_KEEP_MONTHS).expect("cutoff");
            assert!(cutoff <= today - chrono::Days::new(400), "{d}: {cutoff}");
        }
    }
}
