//! A scan batch applied as sets (docs/rules.md, rule 14).
//!
//! Key decision: a batch reads the facts of all its bags in one query, once their
//! rows are locked (PostgreSQL) or the batch is the only writer (SQLite), so no other
//! transaction can change them until it commits. Pickups and pickup failures are
//! then decided against those facts in memory, event by event, each one seeing what
//! the events before it did; their writes are gathered and stored at the end with one
//! statement per table: one `UPDATE ... FROM (VALUES ...)` for the handovers, one for
//! the bags, one multi-row insert for the handover histories and one append of the
//! sellers' events. An intake (which changes parcels, set-based in `intake.rs`) first
//! stores what the batch gathered, then runs on the database, and its handover's
//! facts are read again when a later event needs them.

use super::events::{NewEvent, PendingAppend, push_append};
use super::handovers::insert_events;
use super::together::{Arg, Outcome, Together};
use super::{Backend, InOrder, StoreResult, backend_of};
use crate::domain::{BagStatus, HandoverStatus, Principal};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

use super::scans::BagFacts;

/// What the batch knows of one bag.
#[derive(Clone)]
struct BagRow {
    seller_id: String,
    handover_id: String,
    status: BagStatus,
    sorting_center: String,
    picked_up_at_ms: Option<i64>,
    measured_weight_g: Option<i64>,
    test_mode: bool,
}

/// What the batch knows of one handover.
#[derive(Clone)]
pub(super) struct HandoverState {
    pub(super) status: HandoverStatus,
    pub(super) city_code: String,
    pub(super) booked_at_ms: i64,
    pub(super) picked_up_at_ms: Option<i64>,
    pub(super) failure_reason: Option<String>,
}

/// Reads of bags' facts sent in a [`Together`]: the bags asked for and the reads'
/// statements.
pub(super) struct Reads {
    ids: Vec<String>,
    at: std::ops::Range<usize>,
}

/// The facts of a batch's bags and handovers, and the writes gathered so far.
#[derive(Default)]
pub(super) struct Batch {
    /// `None`: no such bag.
    bags: HashMap<String, Option<BagRow>>,
    handovers: HashMap<String, HandoverState>,
    /// Changed since the last store (a handover may be listed more than once).
    dirty_bags: Vec<String>,
    dirty_handovers: Vec<String>,
    /// Sellers' events, in the order they happened.
    events: Vec<(String, NewEvent)>,
    /// Handover history rows: (handover, action, detail).
    history: Vec<(String, &'static str, String)>,
}

const FACTS: &str = "SELECT b.bag_id, b.handover_id, b.seller_id, h.status AS handover_status, h.city_code,
        b.status AS bag_status, b.sorting_center, b.picked_up_at_ms, b.measured_weight_g, s.test_mode,
        h.created_at_ms AS booked_at_ms, h.picked_up_at_ms AS handover_picked_up_at_ms, h.failure_reason
 FROM bag b JOIN handover h ON h.handover_id = b.handover_id JOIN seller s ON s.seller_id = b.seller_id
 WHERE b.bag_id IN";

impl Batch {
    /// Adds the reads of the facts of `bag_ids` to `together` (send them once their
    /// rows are locked); [`Batch::absorb`] takes in their outcomes.
    pub(super) fn push_reads(together: &mut Together, bag_ids: &[&str]) -> Reads {
        let mut ids: Vec<String> = bag_ids.iter().map(|id| (*id).to_owned()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut at = together.len()..together.len();
        // On PostgreSQL the read locks the bags, in id order (after their handovers:
        // `locks.rs`); it then returns them as they stand, even if it waited for them.
        let lock = match together.backend() {
            Backend::Postgres => " ORDER BY b.bag_id FOR NO KEY UPDATE OF b",
            Backend::Sqlite => "",
        };
        for chunk in ids.chunks(InOrder::rows_per_statement(1)) {
            let sql = format!(
                "{FACTS} ({}){lock}",
                InOrder::new(together.backend()).list(chunk.len())
            );
            at.end = together.push(sql, chunk.iter().map(Arg::from).collect()) + 1;
        }
        Reads { ids, at }
    }

    /// Takes in the facts read by [`Batch::push_reads`].
    pub(super) fn absorb(&mut self, reads: Reads, outcomes: &[Outcome]) -> StoreResult<()> {
        for id in reads.ids {
            self.bags.insert(id, None);
        }
        for row in outcomes[reads.at].iter().flat_map(|o| &o.rows) {
            let handover_id: String = row.try_get("handover_id")?;
            self.handovers
                .entry(handover_id.clone())
                .or_insert(HandoverState {
                    status: super::get_name(row, "handover_status")?,
                    city_code: row.try_get("city_code")?,
                    booked_at_ms: row.try_get("booked_at_ms")?,
                    picked_up_at_ms: row.try_get("handover_picked_up_at_ms")?,
                    failure_reason: row.try_get("failure_reason")?,
                });
            self.bags.insert(
                row.try_get("bag_id")?,
                Some(BagRow {
                    seller_id: row.try_get("seller_id")?,
                    handover_id,
                    status: super::get_name(row, "bag_status")?,
                    sorting_center: row.try_get("sorting_center")?,
                    picked_up_at_ms: row.try_get("picked_up_at_ms")?,
                    measured_weight_g: row.try_get("measured_weight_g")?,
                    test_mode: super::get_flag(row, "test_mode")?,
                }),
            );
        }
        Ok(())
    }

    async fn read(&mut self, tx: &mut Transaction<'_, Any>, bag_ids: &[&str]) -> StoreResult<()> {
        let mut together = Together::new(backend_of(tx));
        let reads = Self::push_reads(&mut together, bag_ids);
        let outcomes = together.run(tx).await?;
        self.absorb(reads, &outcomes)
    }

    /// The facts of a bag as the batch stands; `None` if there is no such bag.
    pub(super) async fn facts(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        bag_id: &str,
    ) -> StoreResult<Option<BagFacts>> {
        if !self.bags.contains_key(bag_id) {
            self.read(tx, &[bag_id]).await?;
        }
        let Some(Some(bag)) = self.bags.get(bag_id) else {
            return Ok(None);
        };
        let Some(handover) = self.handovers.get(&bag.handover_id) else {
            return Ok(None);
        };
        Ok(Some(BagFacts {
            bag_id: bag_id.to_owned(),
            seller_id: bag.seller_id.clone(),
            handover_id: bag.handover_id.clone(),
            handover_status: handover.status,
            city_code: handover.city_code.clone(),
            bag_status: bag.status,
            sorting_center: bag.sorting_center.clone(),
            picked_up_at_ms: bag.picked_up_at_ms,
            test_mode: bag.test_mode,
            booked_at_ms: handover.booked_at_ms,
        }))
    }

    /// The handover as the batch stands (its bag's facts were read).
    pub(super) fn handover(&self, handover_id: &str) -> Option<&HandoverState> {
        self.handovers.get(handover_id)
    }

    /// Changes a handover; stored at the end.
    pub(super) fn set_handover(
        &mut self,
        handover_id: &str,
        change: impl FnOnce(&mut HandoverState),
    ) {
        if let Some(state) = self.handovers.get_mut(handover_id) {
            change(state);
            // Deduplicated when stored.
            self.dirty_handovers.push(handover_id.to_owned());
        }
    }

    /// Records a bag's pickup; stored at the end.
    pub(super) fn pick_up_bag(&mut self, bag_id: &str, at_ms: i64, measured_weight_g: i64) {
        if let Some(Some(bag)) = self.bags.get_mut(bag_id) {
            bag.status = BagStatus::PickedUp;
            bag.picked_up_at_ms = Some(at_ms);
            bag.measured_weight_g = Some(measured_weight_g);
            self.dirty_bags.push(bag_id.to_owned());
        }
    }

    /// A seller's event; appended at the end, in order.
    pub(super) fn event(&mut self, seller_id: &str, event: NewEvent) {
        self.events.push((seller_id.to_owned(), event));
    }

    /// A line of a handover's history; inserted at the end, in order.
    pub(super) fn history(&mut self, handover_id: &str, action: &'static str, detail: String) {
        self.history.push((handover_id.to_owned(), action, detail));
    }

    /// Forgets what the batch knows of a handover and its bags (after a change made on
    /// the database, such as an intake): a later event reads them again.
    pub(super) fn forget_handover(&mut self, handover_id: &str) {
        self.handovers.remove(handover_id);
        self.bags.retain(|_, bag| {
            bag.as_ref()
                .is_none_or(|b| b.handover_id.as_str() != handover_id)
        });
    }

    /// Stores the gathered writes, a few statements for the lot.
    pub(super) async fn store(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        poster: &Principal,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut together = Together::new(backend_of(tx));
        let appends = self.gather(&mut together, poster, now_ms);
        let outcomes = together.run(tx).await?;
        finish_appends(tx, appends, &outcomes, now_ms).await
    }

    /// Adds the gathered writes to `together`: one statement each for the lot of
    /// handovers, bags and history lines, then each seller's events in their order,
    /// sellers in id order, as their counters are the last locks a batch takes (the
    /// global order of `locks.rs`). The appends are finished by [`finish_appends`]
    /// once the statements have run.
    pub(super) fn gather(
        &mut self,
        together: &mut Together,
        poster: &Principal,
        now_ms: i64,
    ) -> Vec<PendingAppend> {
        let mut handovers = std::mem::take(&mut self.dirty_handovers);
        handovers.sort_unstable();
        handovers.dedup();
        let rows: Vec<Vec<Arg>> = handovers
            .iter()
            .filter_map(|id| {
                let h = self.handovers.get(id)?;
                Some(vec![
                    id.into(),
                    h.status.as_str().into(),
                    h.picked_up_at_ms.into(),
                    h.failure_reason.clone().into(),
                ])
            })
            .collect();
        update_from_values(
            together,
            "UPDATE handover SET status = v.column2, picked_up_at_ms = v.column3, failure_reason = v.column4",
            &["updated_at_ms"],
            "handover.handover_id = v.column1",
            &["TEXT", "TEXT", "BIGINT", "TEXT"],
            rows,
            now_ms,
        );
        let mut bags = std::mem::take(&mut self.dirty_bags);
        bags.sort_unstable();
        bags.dedup();
        let rows: Vec<Vec<Arg>> = bags
            .iter()
            .filter_map(|id| {
                let b = self.bags.get(id)?.as_ref()?;
                Some(vec![
                    id.into(),
                    b.status.as_str().into(),
                    b.picked_up_at_ms.into(),
                    b.measured_weight_g.into(),
                ])
            })
            .collect();
        update_from_values(
            together,
            "UPDATE bag SET status = v.column2, picked_up_at_ms = v.column3, measured_weight_g = v.column4",
            &["pickup_recorded_at_ms", "updated_at_ms"],
            "bag.bag_id = v.column1",
            &["TEXT", "TEXT", "BIGINT", "BIGINT"],
            rows,
            now_ms,
        );
        let history = std::mem::take(&mut self.history);
        insert_events(together, &history, poster, now_ms);
        let mut by_seller: std::collections::BTreeMap<String, Vec<NewEvent>> = Default::default();
        for (seller, event) in std::mem::take(&mut self.events) {
            by_seller.entry(seller).or_default().push(event);
        }
        by_seller
            .iter()
            .map(|(seller, theirs)| push_append(together, seller, theirs, now_ms))
            .collect()
    }
}

/// Fans out the events of appends gathered into statements that have run.
pub(super) async fn finish_appends(
    tx: &mut Transaction<'_, Any>,
    appends: Vec<PendingAppend>,
    outcomes: &[Outcome],
    now_ms: i64,
) -> StoreResult<()> {
    for append in appends {
        append.finish(tx, outcomes, now_ms).await?;
    }
    Ok(())
}

/// `{update}, {now_columns} = now_ms FROM (VALUES ...) AS v WHERE {join}`, each
/// row's values cast to `types` (so both databases type a column of nulls alike).
fn update_from_values(
    together: &mut Together,
    update: &str,
    now_columns: &[&str],
    join: &str,
    types: &[&str],
    rows: Vec<Vec<Arg>>,
    now_ms: i64,
) {
    let columns = types.len();
    let per = InOrder::rows_per_statement(columns + now_columns.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per).collect();
        let mut binds = InOrder::new(together.backend());
        let set_now: String = now_columns
            .iter()
            .map(|c| format!(", {c} = {}", binds.one()))
            .collect();
        let values = binds.cast_rows(chunk.len(), types);
        let sql = format!("{update}{set_now} FROM (VALUES {values}) AS v WHERE {join}");
        let mut args: Vec<Arg> = now_columns.iter().map(|_| Arg::Int(now_ms)).collect();
        args.extend(chunk.into_iter().flatten());
        together.push_counted(sql, args);
    }
}
