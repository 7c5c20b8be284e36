//! Target-count construction: decide the number of bags first, then deal the items
//! across exactly that many bags so that every resource is balanced, and repair.
//!
//! Why: the bin-centric greedy fills one bag at a time and puts the heavy and bulky
//! items together early; on a count-bound day those bags close on weight or volume well
//! below `max_parcels`, and the day then needs several per cent more bags than the count
//! bound. Dealing the items across `k` bags from the start spreads the heavy and bulky
//! ones thinly, like the "longest processing time" rule of multiprocessor scheduling
//! (Graham, "Bounds on multiprocessing timing anomalies", 1969) applied to a
//! scalarised vector load, as in the "dealing" and balancing heuristics for
//! vector bin packing with a fixed number of bins (Panigrahy et al., "Heuristics for
//! Vector Bin Packing", 2011; Caprara and Toth, "Lower bounds and algorithms for the
//! 2-dimensional vector packing problem", 2001).
//!
//! Key decisions:
//! * `k` starts at the proven lower bound. A resource is scarce when the `k` bags leave
//!   little of it over: each resource is weighted by the inverse of its slack
//!   `k - total share` (capped), so on a count-bound day the count is balanced to
//!   within an item while weight and volume only need to stay under their limits.
//! * Items go largest first (by the same weighted size) into the least loaded bag that
//!   takes them (exact fit check), found with a binary heap: O(n log k). A long item
//!   goes to the candidate bag whose capacity it shrinks least.
//! * Repair: items no bag takes are first put anywhere they fit, then packed into extra
//!   bags, which the pool-swap search (`improve.rs`, moves and 1-1 / 2-1 swaps toward
//!   bags with slack) then tries to empty again, down to `k`.
//! * If the repair leaves more than `k` bags, `k` is raised and the deal repeated, a few
//!   times at most; the best plan found is kept.

use super::envelope::Limits;
use super::improve::pool_swap;
use super::items::{Bag, Instance, Item};
use super::{Plan, PlanConfig, PlanParcel};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Deals tried per run: `k = bound`, then raised.
const ATTEMPTS: usize = 3;
/// Bags popped from the heap before an item is sent to the repair pool.
const TRIES: usize = 64;
/// Candidate bags compared for a long item (the least capacity lost wins).
const SHAPED_TRIES: usize = 8;
/// A deal leaving more than one item in `GIVE_UP` without a bag is abandoned.
const GIVE_UP: usize = 100;
/// Exact fit checks per pool item in the repair's first-fit scan, on average.
const SCAN_PER_ITEM: usize = 64;
/// Weight of a resource relative to the scarcest, at most this ratio.
const MAX_RATIO: f64 = 1_000.0;

/// The best plan of up to [`ATTEMPTS`] deals, starting with `k = bound`; `None` if the
/// first deal is abandoned (see [`deal_into`]).
pub(crate) fn deal(
    inst: &Instance,
    lim: &Limits,
    bound: usize,
    repair_budget: i64,
) -> Option<Vec<Bag>> {
    let items = &inst.items;
    if items.is_empty() {
        return Some(Vec::new());
    }
    let mut k = bound.max(1);
    let mut best: Option<Vec<Bag>> = None;
    for _ in 0..ATTEMPTS {
        let Some(bags) = deal_into(items, lim, k, repair_budget) else {
            break; // far from k: raising it a little will not help
        };
        let n = bags.len();
        if best.as_ref().is_none_or(|b| n < b.len()) {
            best = Some(bags);
        }
        if n <= k {
            break;
        }
        // Raise k halfway towards what the repair reached (at least by one).
        k = (k + 1).max((k + n).div_ceil(2).min(n - 1));
        if best.as_ref().is_some_and(|b| k >= b.len()) {
            break;
        }
    }
    best
}

/// Shares of a bag's limits an item takes: (count, weight, cube volume).
fn shares(it: &Item, lim: &Limits) -> [f64; 3] {
    [
        f64::from(it.count) / f64::from(lim.max_parcels.max(1)),
        it.weight as f64 / lim.wcap.max(1) as f64,
        it.volume / lim.cube_cap.max(f64::MIN_POSITIVE),
    ]
}

/// Resource weights for `k` bags: the inverse of each resource's slack, scaled so the
/// scarcest weighs 1 and none less than `1 / MAX_RATIO`.
fn weights(items: &[Item], lim: &Limits, k: usize) -> [f64; 3] {
    let mut tot = [0.0f64; 3];
    for it in items {
        let s = shares(it, lim);
        for r in 0..3 {
            tot[r] += s[r];
        }
    }
    let kf = k as f64;
    let inv = tot.map(|t| 1.0 / (kf - t).max(kf / MAX_RATIO).max(1e-9));
    let top = inv[0].max(inv[1]).max(inv[2]);
    inv.map(|x| (x / top).max(1.0 / MAX_RATIO))
}

/// Heap key of a non-negative load: its bits order like the value.
fn key(x: f64) -> Reverse<u64> {
    Reverse(x.max(0.0).to_bits())
}

/// One deal into `k` bags, repaired; may return more than `k` bags. `None` when more
/// than `1 / GIVE_UP` of the items found no bag: the deal is then far from `k` (a day
/// bound by volume and long parcels, say) and the repair would cost more than it wins.
fn deal_into(items: &[Item], lim: &Limits, k: usize, repair_budget: i64) -> Option<Vec<Bag>> {
    let w = weights(items, lim, k);
    let size: Vec<f64> = items
        .iter()
        .map(|it| {
            let s = shares(it, lim);
            w[0] * s[0] + w[1] * s[1] + w[2] * s[2]
        })
        .collect();
    let own_cap: Vec<f64> = items
        .iter()
        .map(|it| lim.capacity(it.lo).unwrap_or(0.0))
        .collect();
    let shaped = |i: usize| own_cap[i] < lim.cube_cap * (1.0 - 1e-12);
    // Long items first (most constrained first), then by size, largest first.
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        shaped(b)
            .cmp(&shaped(a))
            .then(own_cap[a].total_cmp(&own_cap[b]))
            .then(size[b].total_cmp(&size[a]))
    });
    let mut bags: Vec<Bag> = (0..k).map(|_| Bag::empty(lim)).collect();
    let mut load = vec![0.0f64; k];
    let mut heap: BinaryHeap<(Reverse<u64>, u32)> = (0..k as u32).map(|b| (key(0.0), b)).collect();
    let mut popped: Vec<u32> = Vec::with_capacity(TRIES);
    let mut pool: Vec<u32> = Vec::new();
    for &i in &order {
        let it = &items[i as usize];
        let long = shaped(i as usize);
        // (bag, fit, capacity lost)
        let mut pick: Option<(u32, ([f64; 3], f64), f64)> = None;
        while popped.len() < TRIES {
            let Some((_, b)) = heap.pop() else { break };
            popped.push(b);
            let bag = &bags[b as usize];
            if let Some(fit) = bag.fits(it, lim) {
                let lost = if bag.count == 0 { 0.0 } else { bag.cap - fit.1 };
                if pick.is_none_or(|p| lost < p.2) {
                    pick = Some((b, fit, lost));
                }
                // A parcel that keeps the bag's envelope takes the least loaded bag.
                if lost <= 0.0 || !long || popped.len() >= SHAPED_TRIES {
                    break;
                }
            }
        }
        match pick {
            Some((b, fit, _)) => {
                let bag = &mut bags[b as usize];
                bag.add(i, it, fit);
                load[b as usize] += size[i as usize];
            }
            None => pool.push(i),
        }
        for b in popped.drain(..) {
            heap.push((key(load[b as usize]), b));
        }
    }
    if pool.len() * GIVE_UP > items.len() {
        return None;
    }
    bags.retain(|b| !b.items.is_empty());
    repair(&mut bags, pool, items, lim, k, repair_budget);
    Some(bags)
}

/// Places the pool: anywhere it fits, else in extra bags, which the pool-swap search
/// then tries to empty down to `k` bags.
fn repair(
    bags: &mut Vec<Bag>,
    pool: Vec<u32>,
    items: &[Item],
    lim: &Limits,
    k: usize,
    budget: i64,
) {
    if pool.is_empty() {
        return;
    }
    let mut extra: Vec<Bag> = Vec::new();
    let mut scan = SCAN_PER_ITEM * pool.len();
    for i in pool {
        let it = &items[i as usize];
        let slot = bags
            .iter()
            .chain(extra.iter())
            .enumerate()
            .take_while(|_| {
                scan = scan.saturating_sub(1);
                scan > 0
            })
            .find_map(|(b, bag)| bag.fits(it, lim).map(|f| (b, f)))
            .or_else(|| {
                let e = extra.len().checked_sub(1)?;
                extra[e].fits(it, lim).map(|f| (bags.len() + e, f))
            });
        match slot {
            Some((b, fit)) if b < bags.len() => bags[b].add(i, it, fit),
            Some((b, fit)) => extra[b - bags.len()].add(i, it, fit),
            None => {
                let mut bag = Bag::empty(lim);
                match bag.fits(it, lim) {
                    Some(fit) => bag.add(i, it, fit),
                    None => bag = Bag::from_items(vec![i], items, lim),
                }
                extra.push(bag);
            }
        }
    }
    bags.extend(extra);
    if bags.len() > k {
        pool_swap(bags, items, lim, k, budget);
    }
}

/// Plans with the target-count construction alone (orders as items), for measuring it
/// apart from the planner; the same output format and lower bound as [`super::plan`].
/// Where the deal is abandoned, the sorting center gets a bag per item (so such a
/// plan shows the construction's failure rather than hiding it).
pub fn target_count(parcels: &[PlanParcel], config: &PlanConfig) -> Plan {
    super::select::plan_with(parcels, config, true, |inst, lim, bound| {
        deal(inst, lim, bound as usize, 2_500_000).unwrap_or_else(|| {
            (0..inst.items.len() as u32)
                .map(|i| Bag::from_items(vec![i], &inst.items, lim))
                .collect()
        })
    })
}
