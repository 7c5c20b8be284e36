//! Pool-and-swap improvement (after Alvim et al.'s hybrid improvement heuristic for
//! bin packing): take the weakest bag apart into a pool, then visit other bags and
//! put pool items in directly, or swap a pool item for a smaller item of the bag
//! (1-1), or two pool items for one bag item (2-1). Every swap moves size from the pool
//! into the bags, so the pool shrinks; when it is empty, one bag was saved. If it does
//! not empty within a visit budget, everything is rolled back.
//!
//! Key decisions:
//! * "Size" of an item is the sum of its (count, weight, volume) shares of a bag,
//!   weighted by how much each resource is demanded in total, like the greedy's score:
//!   the scarce resource is what the pool must shed. The volume share is taken of the
//!   item's own largest envelope, so a long parcel (which shrinks any bag it is in)
//!   counts as big, and swapping it out of the pool counts as progress.
//! * Swap feasibility is checked in O(1) with a conservative capacity: the bag's
//!   largest sides are taken *with* the leaving item's sides (the true maxima can only
//!   be smaller, so the true capacity only larger); the bag is then rebuilt exactly.
//!   So every bag stays valid and the bag count never grows.
//! * Bags are visited in a pseudo-random order (fixed seed, so plans are
//!   deterministic), and the work is capped by a budget linear in the number of items.

use super::envelope::Limits;
use super::items::{Bag, Item, max3};

/// Bag visits per victim before it is given up.
const VISITS: usize = 4_000;
/// Second pool items tried with each first one in 2-1 swaps.
const PAIRS: usize = 4;
/// Victims given up in a row before the search stops.
const FAILS: usize = 6;

/// Bags from which [`pool_swap_2`] splits the work over both cores.
const SPLIT_AT: usize = 2_000;

/// [`pool_swap`] with `budget` in all; on many bags, the bags are dealt into two
/// halves searched on the two cores at once (each with half the budget and a
/// proportional share of `bound`), which halves the wall time of the search.
pub(crate) fn pool_swap_2(
    mut bags: Vec<Bag>,
    items: &[Item],
    lim: &Limits,
    bound: usize,
    budget: i64,
) -> Vec<Bag> {
    if bags.len() < SPLIT_AT {
        pool_swap(&mut bags, items, lim, bound, budget);
        return bags;
    }
    let n = bags.len();
    let mut a: Vec<Bag> = Vec::with_capacity(n / 2 + 1);
    let mut b: Vec<Bag> = Vec::with_capacity(n / 2 + 1);
    for (i, bag) in bags.into_iter().enumerate() {
        if i % 2 == 0 { a.push(bag) } else { b.push(bag) }
    }
    let (la, lb) = (bound * a.len() / n, bound * b.len() / n);
    std::thread::scope(|s| {
        let h = s.spawn(|| pool_swap(&mut b, items, lim, lb, budget / 2));
        pool_swap(&mut a, items, lim, la, budget / 2);
        let _ = h.join();
    });
    a.append(&mut b);
    a
}

/// Tries to save bags by emptying the weakest ones; stops at `bound` bags.
pub(crate) fn pool_swap(
    bags: &mut Vec<Bag>,
    items: &[Item],
    lim: &Limits,
    bound: usize,
    budget: i64,
) {
    let mut tot = [0.0f64; 3];
    for it in items {
        let d = share3(it, lim);
        for k in 0..3 {
            tot[k] += d[k];
        }
    }
    let top = tot[0].max(tot[1]).max(tot[2]).max(f64::MIN_POSITIVE);
    let wgt = tot.map(|t| t / top);
    let size: Vec<f64> = items
        .iter()
        .map(|it| {
            let d = share3(it, lim);
            wgt[0] * d[0] + wgt[1] * d[1] + wgt[2] * d[2]
        })
        .collect();
    let mut budget = budget;
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut tried = vec![false; bags.len()];
    let mut fails = 0;
    let mut is_saved = vec![false; bags.len()];
    while bags.len() > bound.max(1) && budget > 0 && fails < FAILS {
        // Victim: the bag least full for its own envelope (fewest items to re-home).
        let fill = |b: &Bag| b.load(lim);
        let Some(v) = (0..bags.len())
            .filter(|&b| !tried[b])
            .min_by(|&a, &b| fill(&bags[a]).total_cmp(&fill(&bags[b])))
        else {
            break;
        };
        budget -= bags.len() as i64;
        let victim = bags.swap_remove(v);
        tried.swap_remove(v);
        let mut pool = victim.items.clone();
        let mut saved: Vec<(usize, Bag)> = Vec::new();
        let mut visits = 0;
        while !pool.is_empty() && visits < VISITS && budget > 0 && !bags.is_empty() {
            visits += 1;
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let b = (rng % bags.len() as u64) as usize;
            budget -= (pool.len() * (bags[b].items.len() + 2)) as i64;
            pool.sort_by(|&x, &y| size[y as usize].total_cmp(&size[x as usize]));
            if is_saved[b] {
                visit(&mut bags[b], &mut pool, items, &size, lim);
            } else {
                let before = bags[b].clone();
                if visit(&mut bags[b], &mut pool, items, &size, lim) {
                    is_saved[b] = true;
                    saved.push((b, before));
                }
            }
        }
        for (b, _) in &saved {
            is_saved[*b] = false;
        }
        if pool.is_empty() {
            fails = 0;
            tried.iter_mut().for_each(|t| *t = false);
        } else {
            for (b, bag) in saved.into_iter().rev() {
                bags[b] = bag;
            }
            bags.push(victim);
            tried.push(true);
            fails += 1;
        }
    }
}

fn share3(it: &Item, lim: &Limits) -> [f64; 3] {
    [
        f64::from(it.count) / f64::from(lim.max_parcels.max(1)),
        it.weight as f64 / lim.wcap.max(1) as f64,
        it.volume
            / lim
                .capacity(it.lo)
                .unwrap_or(lim.cube_cap)
                .max(f64::MIN_POSITIVE),
    ]
}

/// Whether bag `b` may swap out `out` (items, with their summed resources) for `inn`,
/// by the conservative O(1) test described in the module doc.
fn swap_fits(b: &Bag, out: &[&Item], inn: &[&Item], lim: &Limits) -> bool {
    let mut count = i64::from(b.count);
    let mut weight = b.weight as i64;
    let mut volume = b.volume;
    let mut lo = b.lo;
    for it in out {
        count -= i64::from(it.count);
        weight -= it.weight as i64;
        volume -= it.volume;
    }
    for it in inn {
        count += i64::from(it.count);
        weight += it.weight as i64;
        volume += it.volume;
        lo = max3(lo, it.lo);
    }
    if count > i64::from(lim.max_parcels) || weight > lim.wcap as i64 {
        return false;
    }
    if count < 2 {
        return lim.capacity(lo).is_some();
    }
    if volume > b.cap.max(lim.cube_cap) {
        return false;
    }
    let cap = if lo == b.lo {
        Some(b.cap)
    } else {
        lim.capacity(lo)
    };
    cap.is_some_and(|cap| volume <= cap)
}

/// One visit of bag `b`: direct inserts, then the best 1-1 or 2-1 swap that moves size
/// from the pool into the bag. Returns whether the bag changed.
fn visit(b: &mut Bag, pool: &mut Vec<u32>, items: &[Item], size: &[f64], lim: &Limits) -> bool {
    let mut changed = false;
    let mut k = 0;
    while k < pool.len() {
        let id = pool[k];
        if let Some(fit) = b.fits(&items[id as usize], lim) {
            b.add(id, &items[id as usize], fit);
            pool.remove(k);
            changed = true;
        } else {
            k += 1;
        }
    }
    // Best swap: (gain, pool positions, bag position).
    let mut best: Option<(f64, usize, Option<usize>, usize)> = None;
    for (qi, &q) in b.items.iter().enumerate() {
        let iq = &items[q as usize];
        let sq = size[q as usize];
        for (pi, &p) in pool.iter().enumerate() {
            let sp = size[p as usize];
            if sp > sq
                && best.is_none_or(|x| sp - sq > x.0)
                && swap_fits(b, &[iq], &[&items[p as usize]], lim)
            {
                best = Some((sp - sq, pi, None, qi));
            }
            for (pj, &p2) in pool.iter().enumerate().skip(pi + 1).take(PAIRS) {
                let s2 = sp + size[p2 as usize];
                if s2 > sq
                    && best.is_none_or(|x| s2 - sq > x.0)
                    && swap_fits(b, &[iq], &[&items[p as usize], &items[p2 as usize]], lim)
                {
                    best = Some((s2 - sq, pi, Some(pj), qi));
                }
            }
        }
    }
    let Some((_, pi, pj, qi)) = best else {
        return changed;
    };
    let q = b.items[qi];
    let mut ids: Vec<u32> = b.items.iter().copied().filter(|&x| x != q).collect();
    ids.push(pool[pi]);
    if let Some(pj) = pj {
        ids.push(pool[pj]);
    }
    let nb = Bag::from_items(ids, items, lim);
    if nb.count > lim.max_parcels || nb.weight > lim.wcap || (nb.count >= 2 && nb.volume > nb.cap) {
        return changed; // never expected: swap_fits is conservative
    }
    *b = nb;
    let (a, c) = match pj {
        Some(pj) => (pi.max(pj), Some(pi.min(pj))),
        None => (pi, None),
    };
    pool.swap_remove(a);
    if let Some(c) = c {
        pool.swap_remove(c);
    }
    pool.push(q);
    true
}
