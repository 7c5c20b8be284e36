//! The comparison baseline: plain first-fit decreasing, every parcel its own item,
//! sorted by one key, the largest share of a bag's limit it takes in any resource
//! (count, weight, or volume of the largest envelope). First fit goes through a
//! residual segment tree, so the baseline is O(n log n) too and can be benchmarked on
//! 100,000 parcels (a query that visits `FIT_BUDGET` tree nodes falls back to the `RECENT`
//! most recent bags, which only happens when two resources bind at once and pruning
//! weakens). [`super::plan`] also runs it and keeps it when it is better, so the
//! planner is never worse than this baseline.

use super::envelope::Limits;
use super::items::{Bag, Instance};
use super::segtree::ResidualTree;
use super::{Plan, PlanConfig, PlanParcel};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Tree nodes a first-fit query may visit before the item opens a new bag.
const FIT_BUDGET: usize = 300;

/// Bags (most recently opened) checked one by one when the tree budget is spent.
const RECENT: usize = 64;

/// Plans with plain first-fit decreasing (by the largest normalised demand), orders
/// ignored; the same output format and lower bound as [`super::plan`].
pub fn first_fit_decreasing(parcels: &[PlanParcel], config: &PlanConfig) -> Plan {
    super::select::plan_with(parcels, config, false, |inst, lim, _| ffd(inst, lim))
}

/// First-fit decreasing over the items of one sorting center.
pub(crate) fn ffd(inst: &Instance, lim: &Limits) -> Vec<Bag> {
    ffd_until(inst, lim, None).unwrap_or_default()
}

/// [`ffd`] that gives up (`None`) once it has opened `beat` bags or more: the planner
/// runs it after its own heuristics with `beat` set to the fewest bags they found
/// (lowered as more finish), so a run that can no longer win stops early (bags are
/// never closed, so the count only grows).
pub(crate) fn ffd_until(
    inst: &Instance,
    lim: &Limits,
    beat: Option<&AtomicUsize>,
) -> Option<Vec<Bag>> {
    let items = &inst.items;
    let key = |i: usize| {
        let it = &items[i];
        let c = f64::from(it.count) / f64::from(lim.max_parcels.max(1));
        let w = it.weight as f64 / lim.wcap.max(1) as f64;
        let v = it.volume / lim.cube_cap.max(f64::MIN_POSITIVE);
        c.max(w).max(v)
    };
    let keys: Vec<f64> = (0..items.len()).map(key).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]));
    let mut bags: Vec<Bag> = Vec::new();
    let mut tree = ResidualTree::new(items.len());
    for (n, i) in order.into_iter().enumerate() {
        if n % 256 == 0 && beat.is_some_and(|b| bags.len() >= b.load(Ordering::Relaxed)) {
            return None;
        }
        let it = &items[i];
        let need = [f64::from(it.count), it.weight as f64, it.volume];
        let found = tree
            .first_fit(need, FIT_BUDGET, |b| bags[b].fits(it, lim).is_some())
            .or_else(|| {
                // Budget spent: first fit among the most recently opened bags.
                let from = bags.len().saturating_sub(RECENT);
                (from..bags.len()).find(|&b| bags[b].fits(it, lim).is_some())
            });
        let b = match found {
            Some(b) => b,
            None => {
                bags.push(Bag::empty(lim));
                bags.len() - 1
            }
        };
        match bags[b].fits(it, lim) {
            Some(fit) => bags[b].add(i as u32, it, fit),
            // An item always fits an empty bag (items.rs builds only such items);
            // should that ever fail, the bag is still recorded and caught by tests.
            None => bags[b] = Bag::from_items(vec![i as u32], items, lim),
        }
        let bag = &bags[b];
        tree.set(
            b,
            Some([
                f64::from(lim.max_parcels) - f64::from(bag.count),
                lim.wcap as f64 - bag.weight as f64,
                bag.cap - bag.volume,
            ]),
        );
    }
    Some(bags)
}
