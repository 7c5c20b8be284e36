//! Runs the heuristics per sorting center and keeps the best plan.
//!
//! Key decisions:
//! * Two cores, no more: core 1 runs the greedy with orders as items; core 2 the
//!   greedy with parcels as items (L2 score when there are no multi-parcel orders)
//!   and/or FFD ([`second_core`]). If core 1 reaches the proven bound with no order
//!   split, nothing can beat it: core 2 is stopped (the count-bound case costs one run).
//! * FFD runs up to `FFD_ALWAYS` items and, beyond, only where weight dominates: at
//!   100,000 parcels it costs more than a greedy run (its first-fit tree prunes badly
//!   when two resources bind) and lost by 5-15% on every other family, while on
//!   weight-bound instances it is the best construction. It gives up once it has
//!   opened as many bags as a greedy plan (bags are never closed, so it cannot win).
//! * The winner (fewest bags, then fewest split orders, then orders-as-items) alone
//!   gets the pool-swap search ([`pool_swap_2`]), then the straggler pass and the order
//!   repair ([`keep_together`]); none of them adds a bag or breaks one.
//! * Orders are numbered once (`order_index`), so split counting and grouping never
//!   hash strings in the hot path.

use super::baseline::{ffd, ffd_until};
use super::bound::sc_bound;
use super::envelope::Limits;
use super::greedy::{Scoring, pack, pack_until};
use super::improve::pool_swap_2;
use super::items::{Bag, FastMap, Instance, Item};
use super::local_search::even_out_straggler;
use super::orders::keep_together;
use super::{Plan, PlanConfig, PlanParcel, PlannedBag, Unplaceable};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Splits placeable parcels by sorting center (first-seen order) and lists the rest.
pub(crate) fn split<'a>(
    parcels: &'a [PlanParcel],
    lim: &Limits,
) -> (Vec<(&'a str, Vec<u32>)>, Vec<Unplaceable>) {
    let mut groups: Vec<(&str, Vec<u32>)> = Vec::new();
    let mut at: FastMap<&str, usize> = FastMap::default();
    let mut bad = Vec::new();
    for (i, p) in parcels.iter().enumerate() {
        if let Some(code) = lim.unplaceable(p) {
            bad.push(Unplaceable {
                tracking_number: p.tracking_number.clone(),
                code,
            });
            continue;
        }
        let g = *at.entry(p.sorting_center.as_str()).or_insert_with(|| {
            groups.push((p.sorting_center.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i as u32);
    }
    (groups, bad)
}

/// Plans with one packing function over parcel-per-item instances (the baseline).
pub(crate) fn plan_with(
    parcels: &[PlanParcel],
    config: &PlanConfig,
    pack_fn: impl Fn(&Instance, &Limits) -> Vec<Bag>,
) -> Plan {
    let lim = Limits::new(config);
    let (groups, unplaceable) = split(parcels, &lim);
    let mut out = Plan {
        bags: Vec::new(),
        unplaceable,
        lower_bound: 0,
    };
    for (sc, idx) in &groups {
        out.lower_bound += sc_bound(parcels, idx, &lim);
        let inst = Instance::build(parcels, idx, None, &lim);
        let bags = pack_fn(&inst, &lim);
        emit(&mut out, parcels, sc, &inst, &bags, &lim, config);
    }
    out
}

/// A finished construction: bags, orders split, and whether it packed `grouped` items.
struct Cand {
    bags: Vec<Bag>,
    split: usize,
    grouped: bool,
}

/// Work budget of the pool-swap search (see `improve.rs`; a unit is about one O(1)
/// swap check): generous up to `FFD_ALWAYS` items, where it costs tens of
/// milliseconds and a saved bag is a large share; fixed beyond, where the search
/// (on both cores) gets ~40 ms of the ~150 ms planning budget for 100,000 parcels.
fn ls_budget(items: usize) -> i64 {
    if items <= FFD_ALWAYS {
        4_000_000 + 20 * items as i64
    } else {
        2_500_000
    }
}

/// Bags from which `emit` uses both cores.
const EMIT_SPLIT_AT: usize = 2_000;

/// Items up to which FFD always runs beside the greedy (it then costs little).
const FFD_ALWAYS: usize = 25_000;

/// Which constructions run on the second core: (greedy over parcels, FFD). Both on
/// small instances; at scale FFD only where weight dominates (the nearly
/// one-dimensional case FFD is good at and its first-fit tree prunes well), else the
/// greedy only, since FFD then costs more than a greedy run and loses by 5-15%.
fn second_core(items: &[Item], lim: &Limits) -> (bool, bool) {
    if items.len() <= FFD_ALWAYS {
        return (true, true);
    }
    let (mut c, mut w, mut v) = (0.0f64, 0.0f64, 0.0f64);
    for it in items {
        c += f64::from(it.count);
        w += it.weight as f64;
        v += it.volume;
    }
    let c = c / f64::from(lim.max_parcels.max(1));
    let w = w / lim.wcap.max(1) as f64;
    let v = v / lim.cube_cap.max(f64::MIN_POSITIVE);
    let weight_bound = w >= 1.1 * c.max(v);
    (!weight_bound, weight_bound)
}

/// The planner: best of several heuristics per sorting center.
pub(crate) fn plan(parcels: &[PlanParcel], config: &PlanConfig) -> Plan {
    let lim = Limits::new(config);
    let (groups, unplaceable) = split(parcels, &lim);
    let orders = order_index(parcels);
    let mut out = Plan {
        bags: Vec::new(),
        unplaceable,
        lower_bound: 0,
    };
    for (sc, idx) in &groups {
        let bound = sc_bound(parcels, idx, &lim);
        out.lower_bound += bound;
        let grouped = Instance::build(parcels, idx, Some(&orders.0), &lim);
        let has_orders = grouped.items.len() < idx.len();
        let single = has_orders.then(|| Instance::build(parcels, idx, None, &lim));
        let single = single.as_ref().unwrap_or(&grouped);
        let inst_of = |g: bool| if g { &grouped } else { single };
        let cand = |g: bool, bags: Vec<Bag>| Cand {
            split: split_orders(&orders, inst_of(g), &bags),
            bags,
            grouped: g,
        };
        // Core 1: the greedy with orders as items. Core 2: the greedy with parcels as
        // items (or the L2 score) and/or FFD (see `second_core`); it stops early if
        // core 1's plan is provably optimal, and FFD gives up once it has opened as
        // many bags as the best greedy plan.
        let stop = AtomicBool::new(false);
        let beat = AtomicUsize::new(usize::MAX);
        let (run_greedy, run_ffd) = second_core(&single.items, &lim);
        let mut cands = std::thread::scope(|s| {
            let h = s.spawn(|| {
                let mut out = Vec::new();
                if run_greedy {
                    let scoring = if has_orders {
                        Scoring::Dot
                    } else {
                        Scoring::L2
                    };
                    let bags = pack_until(single, &lim, scoring, Some(&stop))?;
                    beat.fetch_min(bags.len(), Ordering::Relaxed);
                    out.push(cand(!has_orders, bags));
                }
                if run_ffd
                    && !stop.load(Ordering::Relaxed)
                    && let Some(bags) = ffd_until(single, &lim, Some(&beat))
                {
                    out.push(cand(!has_orders, bags));
                }
                Some(out)
            });
            let first = cand(true, pack(&grouped, &lim, Scoring::Dot));
            if first.bags.len() as u64 <= bound && first.split == 0 {
                stop.store(true, Ordering::Relaxed);
            } else {
                beat.fetch_min(first.bags.len(), Ordering::Relaxed);
            }
            let mut cands = vec![first];
            if let Ok(Some(more)) = h.join() {
                cands.extend(more);
            }
            cands
        });
        // Fewest bags, then fewest split orders, then the earliest (orders as items).
        let best = (0..cands.len()).min_by_key(|&i| (cands[i].bags.len(), cands[i].split, i));
        let Some(mut best) = best.map(|i| cands.swap_remove(i)) else {
            continue;
        };
        let inst = inst_of(best.grouped);
        if best.bags.len() as u64 > bound {
            let budget = ls_budget(inst.items.len());
            best.bags = pool_swap_2(best.bags, &inst.items, &lim, bound as usize, budget);
            even_out_straggler(&mut best.bags, &inst.items, &lim);
        }
        if has_orders {
            keep_together(&mut best.bags, inst, &orders.0, &lim);
        }
        // Never worse than the baseline: where a full FFD run is cheap, it is the last
        // word (the early-stopping runs above can, rarely, miss a better FFD plan).
        if idx.len() <= FFD_ALWAYS && best.bags.len() as u64 > bound {
            let plain = Instance::build(parcels, idx, None, &lim);
            let baseline = ffd(&plain, &lim);
            if baseline.len() < best.bags.len() {
                emit(&mut out, parcels, sc, &plain, &baseline, &lim, config);
                continue;
            }
        }
        emit(&mut out, parcels, sc, inst, &best.bags, &lim, config);
    }
    out
}

/// Dense order numbers per parcel (`NO_ORDER` without one) and the number of orders.
pub(crate) fn order_index(parcels: &[PlanParcel]) -> (Vec<u32>, usize) {
    let mut at: FastMap<&str, u32> = FastMap::default();
    let ix = parcels
        .iter()
        .map(|p| match &p.order_id {
            Some(o) => {
                let next = at.len() as u32;
                *at.entry(o.as_str()).or_insert(next)
            }
            None => NO_ORDER,
        })
        .collect();
    (ix, at.len())
}

/// Order number of a parcel without an order.
pub(crate) const NO_ORDER: u32 = u32::MAX;

/// Number of orders whose parcels are in more than one of `bags`.
fn split_orders(orders: &(Vec<u32>, usize), inst: &Instance, bags: &[Bag]) -> usize {
    let mut at = vec![u32::MAX; orders.1];
    let mut split = vec![false; orders.1];
    let mut n = 0;
    for (b, bag) in bags.iter().enumerate() {
        for &it in &bag.items {
            for &p in inst.parcels_of(it as usize) {
                let o = orders.0[p as usize];
                if o == NO_ORDER {
                    continue;
                }
                let o = o as usize;
                if at[o] == u32::MAX {
                    at[o] = b as u32;
                } else if at[o] != b as u32 && !split[o] {
                    split[o] = true;
                    n += 1;
                }
            }
        }
    }
    n
}

/// Orders split over more than one bag in a finished plan.
pub(crate) fn orders_split(plan: &Plan, parcels: &[PlanParcel]) -> usize {
    let order_of: FastMap<&str, &str> = parcels
        .iter()
        .filter_map(|p| Some((p.tracking_number.as_str(), p.order_id.as_deref()?)))
        .collect();
    let mut seen: FastMap<&str, (usize, bool)> = FastMap::default();
    for (b, bag) in plan.bags.iter().enumerate() {
        for t in &bag.parcels {
            if let Some(o) = order_of.get(t.as_str()) {
                let e = seen.entry(o).or_insert((b, false));
                if e.0 != b {
                    e.1 = true;
                }
            }
        }
    }
    seen.values().filter(|v| v.1).count()
}

fn emit(
    out: &mut Plan,
    parcels: &[PlanParcel],
    sc: &str,
    inst: &Instance,
    bags: &[Bag],
    lim: &Limits,
    config: &PlanConfig,
) {
    let one = |bag: &Bag| {
        let mut names = Vec::with_capacity(bag.count as usize);
        for &it in &bag.items {
            for &p in inst.parcels_of(it as usize) {
                names.push(parcels[p as usize].tracking_number.clone());
            }
        }
        // Every bag was built by exact fit checks, so an envelope exists; the fallback
        // (the parcels' own maxima) is never expected and would fail validate_bag.
        let envelope = lim
            .declared_envelope(bag.lo, bag.volume, bag.count)
            .unwrap_or(bag.lo);
        PlannedBag {
            sorting_center: sc.to_string(),
            parcels: names,
            weight_g: bag.weight + u64::from(config.tare_g),
            envelope_cm: envelope,
        }
    };
    // Copying 100,000 tracking numbers is a sizeable share of planning: on many bags
    // the second half is built on the second core.
    if bags.len() < EMIT_SPLIT_AT {
        out.bags.extend(bags.iter().map(one));
        return;
    }
    let (a, b) = bags.split_at(bags.len() / 2);
    let (first, second) = std::thread::scope(|s| {
        let h = s.spawn(|| b.iter().map(one).collect::<Vec<_>>());
        let first: Vec<PlannedBag> = a.iter().map(one).collect();
        (first, h.join())
    });
    out.bags.extend(first);
    match second {
        Ok(v) => out.bags.extend(v),
        Err(_) => out.bags.extend(b.iter().map(one)),
    }
}
