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
use super::deal::deal;
use super::envelope::Limits;
use super::exact;
use super::greedy::{Scoring, pack, pack_until};
use super::improve::pool_swap_2;
use super::items::{Bag, FastMap, Instance, Item};
use super::local_search::even_out_straggler;
use super::orders::keep_together;
use super::output::{NO_ORDER, Out, Tally, emit, order_index, split_orders};
use super::{Plan, PlanConfig, PlanParcel, Unplaceable};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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
/// With `grouped`, orders are items (as in [`Instance::build`]); `pack_fn` gets the
/// instance, the limits and the center's lower bound.
pub(crate) fn plan_with(
    parcels: &[PlanParcel],
    config: &PlanConfig,
    grouped: bool,
    pack_fn: impl Fn(&Instance, &Limits, u64) -> Vec<Bag>,
) -> Plan {
    let lim = Limits::new(config);
    let (groups, unplaceable) = split(parcels, &lim);
    let orders = order_index(parcels);
    let mut out = Out {
        plan: Plan {
            bags: Vec::new(),
            unplaceable,
            lower_bound: 0,
            optimal: true,
            orders_split: 0,
        },
        parcels,
        order_of: &orders.0,
        tally: Tally::new(orders.1),
        lim,
        config,
    };
    for (sc, idx) in &groups {
        let bound = sc_bound(parcels, idx, &lim);
        out.plan.lower_bound += bound;
        let inst = Instance::build(parcels, idx, grouped.then_some(orders.0.as_slice()), &lim);
        let bags = pack_fn(&inst, &lim, bound);
        out.plan.optimal &= bags.len() as u64 <= bound;
        emit(&mut out, sc, &inst, &bags);
    }
    out.finish()
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

/// Parcels per sorting center up to which the exact search runs.
const EXACT_MAX_PARCELS: usize = 1_000;

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

/// Whether the target-count construction runs: where the count's total share is at
/// least `DEAL_COUNT_SHARE` of the largest (count-bound days and near them). On weight-
/// and volume-bound days it measured no better than the greedy (the deal leaves many
/// items without a bag and is abandoned), so those days pay nothing for it.
fn run_deal(items: &[Item], lim: &Limits) -> bool {
    let (mut c, mut w, mut v) = (0.0f64, 0.0f64, 0.0f64);
    for it in items {
        c += f64::from(it.count);
        w += it.weight as f64;
        v += it.volume;
    }
    let c = c / f64::from(lim.max_parcels.max(1));
    let w = w / lim.wcap.max(1) as f64;
    let v = v / lim.cube_cap.max(f64::MIN_POSITIVE);
    c >= DEAL_COUNT_SHARE * w.max(v)
}

/// See [`run_deal`].
const DEAL_COUNT_SHARE: f64 = 0.8;

/// The planner: best of several heuristics per sorting center.
pub(crate) fn plan(parcels: &[PlanParcel], config: &PlanConfig) -> Plan {
    let lim = Limits::new(config);
    let (groups, unplaceable) = split(parcels, &lim);
    let orders = order_index(parcels);
    let mut out = Out {
        plan: Plan {
            bags: Vec::new(),
            unplaceable,
            lower_bound: 0,
            optimal: true,
            orders_split: 0,
        },
        parcels,
        order_of: &orders.0,
        tally: Tally::new(orders.1),
        lim,
        config,
    };
    // The exact search's time is shared by the sorting centers small enough for it.
    let small = groups
        .iter()
        .filter(|(_, idx)| idx.len() <= EXACT_MAX_PARCELS)
        .count()
        .max(1) as u32;
    let exact_time = Duration::from_millis(config.exact_budget_ms) / small;
    for (sc, idx) in &groups {
        let (inst, bags, proven) = plan_center(parcels, idx, &orders, &lim, exact_time);
        out.plan.lower_bound += proven;
        out.plan.optimal &= bags.len() as u64 <= proven;
        emit(&mut out, sc, &inst, &bags);
    }
    out.finish()
}

/// Plans one sorting center: its instance, bags and proven lower bound (raised to the
/// optimum when the exact search proves it).
fn plan_center(
    parcels: &[PlanParcel],
    idx: &[u32],
    orders: &(Vec<u32>, usize),
    lim: &Limits,
    exact_time: Duration,
) -> (Instance, Vec<Bag>, u64) {
    let started = Instant::now();
    let lim = *lim;
    let bound = sc_bound(parcels, idx, &lim);
    let grouped = Instance::build(parcels, idx, Some(&orders.0), &lim);
    let has_orders = grouped.items.len() < idx.len();
    let single = has_orders.then(|| Instance::build(parcels, idx, None, &lim));
    let single_ref = single.as_ref().unwrap_or(&grouped);
    let inst_of = |g: bool| if g { &grouped } else { single_ref };
    let cand = |g: bool, bags: Vec<Bag>| Cand {
        split: split_orders(orders, inst_of(g), &bags),
        bags,
        grouped: g,
    };
    let done = |c: &Cand| c.bags.len() as u64 <= bound && c.split == 0;
    // Core 1: the greedy with orders as items. Core 2: the target-count deal (orders as
    // items), then the greedy with parcels as items (or the L2 score) and/or FFD (see
    // `second_core`). A plan at the bound with no order split stops the other core;
    // FFD gives up once it has opened as many bags as the best plan so far.
    let stop = AtomicBool::new(false);
    let beat = AtomicUsize::new(usize::MAX);
    let (run_greedy, run_ffd) = second_core(&single_ref.items, &lim);
    let deal_first = run_deal(&grouped.items, &lim);
    let mut cands = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let mut out = Vec::new();
            if deal_first {
                let budget = ls_budget(grouped.items.len()) / 2;
                if let Some(bags) = deal(&grouped, &lim, bound as usize, budget) {
                    let c = cand(true, bags);
                    beat.fetch_min(c.bags.len(), Ordering::Relaxed);
                    if done(&c) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    out.push(c);
                }
            }
            if run_greedy
                && !stop.load(Ordering::Relaxed)
                && let Some(bags) = pack_until(
                    single_ref,
                    &lim,
                    if has_orders {
                        Scoring::Dot
                    } else {
                        Scoring::L2
                    },
                    Some(&stop),
                )
            {
                beat.fetch_min(bags.len(), Ordering::Relaxed);
                out.push(cand(!has_orders, bags));
            }
            if run_ffd
                && !stop.load(Ordering::Relaxed)
                && let Some(bags) = ffd_until(single_ref, &lim, Some(&beat))
            {
                out.push(cand(!has_orders, bags));
            }
            out
        });
        let mut cands = Vec::new();
        if let Some(bags) = pack_until(&grouped, &lim, Scoring::Dot, Some(&stop)) {
            let first = cand(true, bags);
            if done(&first) {
                stop.store(true, Ordering::Relaxed);
            } else {
                beat.fetch_min(first.bags.len(), Ordering::Relaxed);
            }
            cands.push(first);
        }
        if let Ok(more) = h.join() {
            cands.extend(more);
        }
        cands
    });
    // Fewest bags, then fewest split orders, then the earliest (orders as items).
    let best = (0..cands.len()).min_by_key(|&i| (cands[i].bags.len(), cands[i].split, i));
    let mut best = match best.map(|i| cands.swap_remove(i)) {
        Some(b) => b,
        None => cand(true, pack(&grouped, &lim, Scoring::Dot)),
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
    let mut proven = bound;
    let mut plain: Option<(Instance, Vec<Bag>)> = None;
    // Never worse than the baseline: where a full FFD run is cheap, it is the last
    // word (the early-stopping runs above can, rarely, miss a better FFD plan).
    if idx.len() <= FFD_ALWAYS && best.bags.len() as u64 > bound {
        let inst = Instance::build(parcels, idx, None, &lim);
        let baseline = ffd(&inst, &lim);
        if baseline.len() < best.bags.len() {
            plain = Some((inst, baseline));
        }
    }
    let now = plain.as_ref().map_or(best.bags.len(), |p| p.1.len());
    let small = idx.len() <= EXACT_MAX_PARCELS && !exact_time.is_zero();
    let deadline = started + exact_time;
    // Small instances: the exact search proves the plan optimal or finds a better one.
    let mut result = match plain {
        Some((inst, bags)) => (inst, bags),
        None => {
            let bags = std::mem::take(&mut best.bags);
            match (best.grouped, single) {
                (false, Some(s)) => (s, bags),
                _ => (grouped, bags),
            }
        }
    };
    if small && now as u64 > bound {
        let inst = Instance::build(parcels, idx, None, &lim);
        let order = orders_of(&inst, orders);
        let found = exact::search(&inst.items, &lim, bound as usize, now, order, deadline);
        proven = proven.max(found.proven as u64);
        if let Some(mut bags) = found.bags {
            if has_orders {
                keep_together(&mut bags, &inst, &orders.0, &lim);
            }
            result = (inst, bags);
        }
    }
    // Orders as the search's second goal: with bags to spare in time, look for a plan
    // of as many bags with every order that fits one bag as one item. (A failure
    // proves nothing about the bag count: the items are restricted.)
    if small && split_orders(orders, &result.0, &result.1) > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        let whole = Instance::build_with(parcels, idx, Some(&orders.0), &lim, f64::INFINITY);
        let order = orders_of(&whole, orders);
        let n = result.1.len();
        let until = Instant::now() + left.min(exact_time / 4);
        if let Some(bags) = exact::search(&whole.items, &lim, 0, n + 1, order, until).bags
            && split_orders(orders, &whole, &bags) < split_orders(orders, &result.0, &result.1)
        {
            result = (whole, bags);
        }
    }
    (result.0, result.1, proven)
}

/// Dense order number of each item of a parcel-per-item instance.
fn orders_of(inst: &Instance, orders: &(Vec<u32>, usize)) -> Vec<u32> {
    (0..inst.items.len())
        .map(|i| {
            inst.parcels_of(i)
                .first()
                .map_or(NO_ORDER, |&p| orders.0[p as usize])
        })
        .collect()
}
