//! Exact search for small sorting centers: a depth-first branch and bound that either
//! finds a plan with fewer bags than the heuristics' or proves that none exists, within
//! a time budget.
//!
//! For a target `k` (one below the best plan so far) it asks whether the parcels fit
//! `k` bags; if yes it keeps the plan and asks again with `k - 1`, down to the lower
//! bound; if the search space is exhausted, `k + 1` is proven optimal. Time out and the
//! best plan found stands, with the bound proven so far.
//!
//! Key decisions (after Martello and Toth's MTP branch and bound for bin packing,
//! "Knapsack Problems", 1990, ch. 8, and Korf's bin completion, "An improved algorithm
//! for optimal bin packing", IJCAI 2003, for the symmetry rules):
//! * Parcels are placed largest first (largest share of a bag in any resource, own
//!   envelope counted), each into one of the bags opened so far or into one new bag:
//!   empty bags are interchangeable, so trying only the first empty one loses no plan.
//! * Identical parcels are placed in non-decreasing bag order (any plan can be
//!   relabelled so), which removes the permutations of identical parcels.
//! * Pruning: the parcels left must fit the room the `k` bags leave, resource by
//!   resource (count, weight, volume), counting only bags that can still take the
//!   smallest parcel left in every resource. A bag's volume room uses its present
//!   capacity, an upper bound since capacity only shrinks as longer parcels join.
//! * Bags are tried fullest first (best fit, which finds tight plans early), and the
//!   bag already holding a parcel of the same order before all others, so among plans
//!   of equal size the search reaches those that keep orders whole first.

use super::envelope::Limits;
use super::items::{Bag, Item, max3};
use super::output::NO_ORDER;
use std::time::Instant;

/// Result of [`search`].
pub(crate) struct Found {
    /// A plan with fewer bags than the incumbent, if one was found.
    pub bags: Option<Vec<Bag>>,
    /// A proven lower bound: the bound given, or the optimum once it is proven.
    pub proven: usize,
}

/// Searches for plans of fewer than `incumbent` bags over `items` (one parcel each),
/// down to `bound`, until `deadline`. `order` is each item's dense order number.
pub(crate) fn search(
    items: &[Item],
    lim: &Limits,
    bound: usize,
    incumbent: usize,
    order: Vec<u32>,
    deadline: Instant,
) -> Found {
    let mut found = Found {
        bags: None,
        proven: bound,
    };
    if items.is_empty() || incumbent <= bound.max(1) {
        return found;
    }
    let mut s = Search::new(items, lim, order, deadline);
    let mut k = incumbent - 1;
    loop {
        match s.feasible(k) {
            Outcome::Yes(bags) => {
                let n = bags.len();
                found.bags = Some(bags);
                if n <= bound.max(1) {
                    break;
                }
                k = n - 1;
            }
            Outcome::No => {
                found.proven = found.proven.max(k + 1);
                break;
            }
            Outcome::TimedOut => break,
        }
    }
    found
}

enum Outcome {
    Yes(Vec<Bag>),
    No,
    TimedOut,
}

/// A bag's running totals in the search.
#[derive(Clone, Copy)]
struct Load {
    count: u32,
    weight: u64,
    volume: f64,
    lo: [f64; 3],
    cap: f64,
}

struct Search<'a> {
    items: &'a [Item],
    lim: &'a Limits,
    /// Items in placement order.
    ord: Vec<u32>,
    /// Whether item `ord[p]` equals `ord[p - 1]` in every attribute.
    same_as_prev: Vec<bool>,
    /// Local order number of `ord[p]` (`NO_ORDER` for none).
    order: Vec<u32>,
    /// Suffix sums from position `p`: count, weight, volume; and suffix minima.
    suf: Vec<[f64; 3]>,
    min: Vec<[f64; 3]>,
    deadline: Instant,
    nodes: u64,
    timed_out: bool,
}

impl<'a> Search<'a> {
    fn new(items: &'a [Item], lim: &'a Limits, order: Vec<u32>, deadline: Instant) -> Self {
        let size = |it: &Item| {
            let own = lim.capacity(it.lo).unwrap_or(lim.cube_cap).max(1e-9);
            let c = f64::from(it.count) / f64::from(lim.max_parcels.max(1));
            let w = it.weight as f64 / lim.wcap.max(1) as f64;
            c.max(w).max(it.volume / own)
        };
        let mut ord: Vec<u32> = (0..items.len() as u32).collect();
        ord.sort_by(|&a, &b| {
            let (x, y) = (&items[a as usize], &items[b as usize]);
            size(y)
                .total_cmp(&size(x))
                .then(y.weight.cmp(&x.weight))
                .then(y.volume.total_cmp(&x.volume))
                .then(y.lo[0].total_cmp(&x.lo[0]))
                .then(y.lo[1].total_cmp(&x.lo[1]))
                .then(y.lo[2].total_cmp(&x.lo[2]))
                .then(order[a as usize].cmp(&order[b as usize]))
        });
        let same_as_prev = (0..ord.len())
            .map(|p| {
                p > 0 && {
                    let (x, y) = (&items[ord[p] as usize], &items[ord[p - 1] as usize]);
                    x.count == y.count
                        && x.weight == y.weight
                        && x.volume == y.volume
                        && x.lo == y.lo
                }
            })
            .collect();
        let n = ord.len();
        let mut suf = vec![[0.0; 3]; n + 1];
        let mut min = vec![[f64::INFINITY; 3]; n + 1];
        for p in (0..n).rev() {
            let it = &items[ord[p] as usize];
            let r = [f64::from(it.count), it.weight as f64, it.volume];
            for k in 0..3 {
                suf[p][k] = suf[p + 1][k] + r[k];
                min[p][k] = min[p + 1][k].min(r[k]);
            }
        }
        let order = ord.iter().map(|&i| order[i as usize]).collect();
        Search {
            items,
            lim,
            ord,
            same_as_prev,
            order,
            suf,
            min,
            deadline,
            nodes: 0,
            timed_out: false,
        }
    }

    /// Whether the items fit `k` bags.
    fn feasible(&mut self, k: usize) -> Outcome {
        let empty = Load {
            count: 0,
            weight: 0,
            volume: 0.0,
            lo: [0.0; 3],
            cap: self.lim.cube_cap,
        };
        let mut st = State {
            bags: vec![empty; k],
            used: 0,
            at: vec![0; self.ord.len()],
            lead: Default::default(),
        };
        if self.dfs(0, &mut st) {
            let mut ids: Vec<Vec<u32>> = vec![Vec::new(); st.used];
            for (p, &b) in st.at.iter().enumerate() {
                ids[b as usize].push(self.ord[p]);
            }
            let bags = ids
                .into_iter()
                .map(|v| Bag::from_items(v, self.items, self.lim))
                .collect();
            Outcome::Yes(bags)
        } else if self.timed_out {
            Outcome::TimedOut
        } else {
            Outcome::No
        }
    }

    fn dfs(&mut self, p: usize, st: &mut State) -> bool {
        if p == self.ord.len() {
            return true;
        }
        self.nodes += 1;
        if self.nodes.is_multiple_of(512) && Instant::now() >= self.deadline {
            self.timed_out = true;
        }
        if self.timed_out || !self.room_suffices(p, st) {
            return false;
        }
        let it = &self.items[self.ord[p] as usize];
        let k = st.bags.len();
        let first = if self.same_as_prev[p] {
            st.at[p - 1] as usize
        } else {
            0
        };
        let last = st.used.min(k.saturating_sub(1));
        let o = self.order[p];
        let lead = (o != NO_ORDER)
            .then(|| st.lead.get(&o).map(|&(_, b)| b as usize))
            .flatten();
        let mut cands: Vec<(f64, usize)> = (first..=last)
            .filter(|&b| b < st.used || b == st.used && st.used < k)
            .map(|b| {
                let l = &st.bags[b];
                let prio = if Some(b) == lead {
                    f64::INFINITY
                } else {
                    fullness(l, self.lim)
                };
                (prio, b)
            })
            .collect();
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, b) in cands {
            let Some(next) = fit(&st.bags[b], it, self.lim) else {
                continue;
            };
            let before = st.bags[b];
            let opened = b == st.used;
            st.bags[b] = next;
            st.at[p] = b as u32;
            if opened {
                st.used += 1;
            }
            let leads = o != NO_ORDER && !st.lead.contains_key(&o);
            if leads {
                st.lead.insert(o, (p, b as u32));
            }
            if self.dfs(p + 1, st) {
                return true;
            }
            if leads {
                st.lead.remove(&o);
            }
            if opened {
                st.used -= 1;
            }
            st.bags[b] = before;
            if self.timed_out {
                return false;
            }
        }
        false
    }

    /// Whether the room the bags leave can hold the items from position `p` on, in
    /// every resource, counting only bags that can take the smallest item left.
    fn room_suffices(&self, p: usize, st: &State) -> bool {
        let lim = self.lim;
        let m = self.min[p];
        let mut room = [0.0f64; 3];
        for l in &st.bags {
            let r = [
                f64::from(lim.max_parcels) - f64::from(l.count),
                lim.wcap as f64 - l.weight as f64,
                if l.count == 0 {
                    f64::INFINITY
                } else {
                    l.cap - l.volume
                },
            ];
            if r[0] >= m[0] && r[1] >= m[1] && r[2] >= m[2] * (1.0 - 1e-12) {
                for k in 0..3 {
                    room[k] += r[k];
                }
            }
        }
        let need = self.suf[p];
        need[0] <= room[0] && need[1] <= room[1] && need[2] <= room[2] * (1.0 + 1e-12)
    }
}

/// Assignment, bags and the bag of each order's first placed item.
struct State {
    bags: Vec<Load>,
    used: usize,
    at: Vec<u32>,
    lead: std::collections::HashMap<u32, (usize, u32)>,
}

/// How full a bag is: its fullest resource as a share of the limit.
fn fullness(l: &Load, lim: &Limits) -> f64 {
    let c = f64::from(l.count) / f64::from(lim.max_parcels.max(1));
    let w = l.weight as f64 / lim.wcap.max(1) as f64;
    let v = if l.cap > 0.0 { l.volume / l.cap } else { 1.0 };
    c.max(w).max(v)
}

/// The bag with `it` added, if it fits (the same rule as `Bag::fits`).
fn fit(l: &Load, it: &Item, lim: &Limits) -> Option<Load> {
    if l.count + it.count > lim.max_parcels || l.weight + it.weight > lim.wcap {
        return None;
    }
    let lo = max3(l.lo, it.lo);
    let cap = if lo == l.lo && l.count > 0 {
        l.cap
    } else {
        lim.capacity(lo)?
    };
    let volume = l.volume + it.volume;
    if l.count + it.count >= 2 && volume > cap {
        return None;
    }
    Some(Load {
        count: l.count + it.count,
        weight: l.weight + it.weight,
        volume,
        lo,
        cap,
    })
}
