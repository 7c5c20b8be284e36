//! Runs the heuristics per sorting center and keeps the best plan.
//!
//! Key decision: per sorting center the greedy runs first with orders as items (dot
//! product score); if that reaches the proven lower bound with no order split, nothing
//! can beat it and planning stops (the common count-bound case costs one run). Else two
//! more constructions run on the two cores: the greedy with every parcel its own item
//! (or the L2 score when there are no multi-parcel orders) and the FFD baseline. The
//! winner (fewest bags, then fewest split orders, then the earliest) gets the local
//! search, so the planner is never worse than the baseline.

use super::baseline::ffd;
use super::bound::sc_bound;
use super::envelope::Limits;
use super::greedy::{Scoring, pack};
use super::items::{Bag, FastMap, Instance};
use super::local_search::{empty_weakest, even_out_straggler};
use super::{Plan, PlanConfig, PlanParcel, PlannedBag, Unplaceable};

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
        let inst = Instance::build(parcels, idx, false, &lim);
        let bags = pack_fn(&inst, &lim);
        emit(&mut out, parcels, sc, &inst, &bags, &lim, config);
    }
    out
}

/// The planner: best of several heuristics per sorting center.
pub(crate) fn plan(parcels: &[PlanParcel], config: &PlanConfig) -> Plan {
    let lim = Limits::new(config);
    let (groups, unplaceable) = split(parcels, &lim);
    let mut out = Plan {
        bags: Vec::new(),
        unplaceable,
        lower_bound: 0,
    };
    for (sc, idx) in &groups {
        let bound = sc_bound(parcels, idx, &lim);
        out.lower_bound += bound;
        let grouped = Instance::build(parcels, idx, true, &lim);
        let has_orders = grouped.items.len() < idx.len();
        let single = if has_orders {
            Some(Instance::build(parcels, idx, false, &lim))
        } else {
            None
        };
        // Candidate constructions, run on both cores; local search on the winner.
        let items_of = |g: bool| {
            if g {
                &grouped
            } else {
                single.as_ref().unwrap_or(&grouped)
            }
        };
        let construct = |g: bool, kind: u8| -> (usize, usize, bool, Vec<Bag>) {
            let inst = items_of(g);
            let bags = match kind {
                0 => pack(inst, &lim, Scoring::Dot),
                1 => pack(inst, &lim, Scoring::L2),
                _ => ffd(inst, &lim),
            };
            let split = split_orders(parcels, inst, &bags);
            (bags.len(), split, g, bags)
        };
        let first = construct(true, 0);
        let mut cands = vec![first];
        let done = |c: &(usize, usize, bool, Vec<Bag>)| c.0 as u64 <= bound && c.1 == 0;
        if !done(&cands[0]) {
            let (a, b) = std::thread::scope(|s| {
                let h = s.spawn(|| construct(!has_orders, 2));
                let a = construct(!has_orders, if has_orders { 0 } else { 1 });
                (a, h.join())
            });
            cands.push(a);
            if let Ok(b) = b {
                cands.push(b);
            }
        }
        let best = cands
            .into_iter()
            .enumerate()
            .min_by_key(|(i, c)| (c.0, c.1, *i))
            .map(|(_, c)| c)
            .map(|(_, _, g, mut bags)| {
                let inst = items_of(g);
                empty_weakest(&mut bags, &inst.items, &lim);
                even_out_straggler(&mut bags, &inst.items, &lim);
                (0usize, 0usize, g, bags)
            });
        if let Some((_, _, from_grouped, bags)) = best {
            let inst = if from_grouped {
                &grouped
            } else {
                single.as_ref().unwrap_or(&grouped)
            };
            emit(&mut out, parcels, sc, inst, &bags, &lim, config);
        }
    }
    out
}

/// Number of orders (by `order_id`) whose parcels are in more than one of `bags`.
fn split_orders(parcels: &[PlanParcel], inst: &Instance, bags: &[Bag]) -> usize {
    let mut seen: FastMap<&str, (usize, bool)> = FastMap::default();
    for (b, bag) in bags.iter().enumerate() {
        for &it in &bag.items {
            for &p in inst.parcels_of(it as usize) {
                if let Some(o) = &parcels[p as usize].order_id {
                    let e = seen.entry(o.as_str()).or_insert((b, false));
                    if e.0 != b {
                        e.1 = true;
                    }
                }
            }
        }
    }
    seen.values().filter(|v| v.1).count()
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
    for bag in bags {
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
        out.bags.push(PlannedBag {
            sorting_center: sc.to_string(),
            parcels: names,
            weight_g: bag.weight + u64::from(config.tare_g),
            envelope_cm: envelope,
        });
    }
}
