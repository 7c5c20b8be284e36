//! Two-bag exchange for the order repair ([`super::orders`]): moves the part `P` of a
//! split order from bag `s` into bag `t` and makes room by trading up to two alone
//! items each way between the two bags, so that both bags stay valid.
//!
//! Key decisions:
//! * Why: when bags are nearly full (weight-bound plans end most bags within grams of
//!   the limit), a 1-1 swap needs a partner within a few grams of the moved parcel and
//!   almost never has one. Trading subsets of up to two items each way gives thousands of
//!   combinations per pair of bags, and far more often one of their differences lands in
//!   the window the two bags' slacks leave.
//! * Only "alone" items move (their order has no other item), so no other order is
//!   split; the order's own items outside `P` stay where they are.
//! * With `d` the (count, weight, volume) that goes from `t` to `s` minus what goes from
//!   `s` to `t` besides `P`, both bags fit when `P - slack(t) <= d <= P + slack(s)` in
//!   every resource. Subsets from `s` are sorted by the tightest resource; for each
//!   subset from `t` a binary search finds the window, the other resources are checked
//!   in O(1) and only survivors get the exact fit check (`Bag::from_items`, which also
//!   recomputes the envelopes from the bags' new longest sides).
//! * Singles are tried before pairs (cheap, and enough where bags have some slack).
//!   The work is bounded: at most `ALONE` alone items per bag (kept per bag in one
//!   flat array, [`AloneSets`], since reading items where they live cost a cache miss
//!   each), `WINDOW` entries per window and `EXACT` exact checks per attempt.

use super::envelope::Limits;
use super::items::{Bag, Item, max3};

/// Alone items of each bag taken into the subsets (the first ones of the bag).
const ALONE: usize = 10;
/// Entries scanned per binary-searched window.
const WINDOW: usize = 8;
/// Exact fit checks per attempt.
const EXACT: usize = 6;

/// A subset of at most two alone items of one bag and its resources.
#[derive(Clone, Copy)]
struct Sub {
    a: u32,
    b: u32,
    r: [f64; 3],
}

const NONE: u32 = u32::MAX;

/// The first `ALONE` alone items of every bag with their resources, kept in one flat
/// array: reading an item's data where it lives costs a cache miss per item at scale,
/// which dominated the pass; this is refreshed only for bags that change.
#[derive(Default)]
pub(crate) struct AloneSets {
    subs: Vec<Sub>,
    len: Vec<u8>,
}

impl AloneSets {
    pub fn new(bags: &[Bag], items: &[Item], alone: &[bool]) -> AloneSets {
        let mut a = AloneSets {
            subs: vec![EMPTY; bags.len() * ALONE],
            len: vec![0; bags.len()],
        };
        for (b, bag) in bags.iter().enumerate() {
            a.refresh(b, bag, items, alone);
        }
        a
    }

    /// Recomputes bag `b`'s entry after it changed.
    pub fn refresh(&mut self, b: usize, bag: &Bag, items: &[Item], alone: &[bool]) {
        let mut k = 0;
        for &i in &bag.items {
            if k == ALONE {
                break;
            }
            if alone[i as usize] {
                let it = &items[i as usize];
                self.subs[b * ALONE + k] = Sub {
                    a: i,
                    b: NONE,
                    r: [f64::from(it.count), it.weight as f64, it.volume],
                };
                k += 1;
            }
        }
        self.len[b] = k as u8;
    }

    fn of(&self, b: usize) -> &[Sub] {
        &self.subs[b * ALONE..b * ALONE + usize::from(self.len[b])]
    }
}

const EMPTY: Sub = Sub {
    a: NONE,
    b: NONE,
    r: [0.0; 3],
};

/// The empty subset, the singles and (with `pairs`) the pairs of `ones`.
fn subsets(ones: &[Sub], pairs: bool, out: &mut Vec<Sub>) {
    out.clear();
    out.push(EMPTY);
    for (x, sx) in ones.iter().enumerate() {
        out.push(*sx);
        if !pairs {
            continue;
        }
        for sy in &ones[x + 1..] {
            out.push(Sub {
                a: sx.a,
                b: sy.a,
                r: [sx.r[0] + sy.r[0], sx.r[1] + sy.r[1], sx.r[2] + sy.r[2]],
            });
        }
    }
}

/// Work counter and scratch space, reused over attempts.
pub(crate) struct Scratch {
    from_s: Vec<Sub>,
    from_t: Vec<Sub>,
    pub work: i64,
    pub sets: AloneSets,
}

impl Scratch {
    pub fn new(sets: AloneSets) -> Scratch {
        Scratch {
            from_s: Vec::new(),
            from_t: Vec::new(),
            work: 0,
            sets,
        }
    }
}

/// Finds bags `s` and `t` rebuilt with `p` (items of bag `s`) moved into `t` and up
/// to two alone items traded each way; returns the new bags and the traded items
/// (`to_t`, `to_s`), or `None`.
pub(crate) fn exchange(
    bags: &[Bag],
    s: usize,
    t: usize,
    p: &[u32],
    items: &[Item],
    lim: &Limits,
    sc: &mut Scratch,
) -> Option<(Bag, Bag, Vec<u32>, Vec<u32>)> {
    let (bs, bt) = (&bags[s], &bags[t]);
    sc.work += 16;
    let mut pr = [0.0f64; 3];
    let mut plo = [0.0f64; 3];
    for &i in p {
        let it = &items[i as usize];
        pr[0] += f64::from(it.count);
        pr[1] += it.weight as f64;
        pr[2] += it.volume;
        plo = max3(plo, it.lo);
    }
    // Slack per resource. The volume one is a filter only: it takes `t`'s capacity
    // with `P`'s sides and `s`'s as it is (traded items rarely change a bag's longest
    // sides); the exact check decides.
    let cap_t = lim.capacity(max3(bt.lo, plo)).unwrap_or(0.0);
    let slack = |b: &Bag, cap: f64| {
        [
            f64::from(lim.max_parcels) - f64::from(b.count),
            lim.wcap as f64 - b.weight as f64,
            cap - b.volume,
        ]
    };
    let (st, ss) = (slack(bt, cap_t), slack(bs, bs.cap));
    let lo: [f64; 3] = [pr[0] - st[0], pr[1] - st[1], pr[2] - st[2]];
    let hi: [f64; 3] = [pr[0] + ss[0], pr[1] + ss[1], pr[2] + ss[2]];
    if (0..3).any(|k| lo[k] > hi[k]) {
        return None;
    }
    // Sort on the tightest resource relative to its limit.
    let scale = [
        f64::from(lim.max_parcels.max(1)),
        lim.wcap.max(1) as f64,
        lim.cube_cap.max(f64::MIN_POSITIVE),
    ];
    let key = (0..3)
        .min_by(|&a, &b| ((hi[a] - lo[a]) / scale[a]).total_cmp(&((hi[b] - lo[b]) / scale[b])))
        .unwrap_or(1);
    // Singles first (cheap, and enough when the bags have some slack), then pairs.
    let mut exact = 0;
    for pairs in [false, true] {
        subsets(sc.sets.of(s), pairs, &mut sc.from_s);
        subsets(sc.sets.of(t), pairs, &mut sc.from_t);
        sc.from_s
            .sort_unstable_by(|a, b| a.r[key].total_cmp(&b.r[key]));
        sc.work += (sc.from_s.len() + sc.from_t.len()) as i64 + 8;
        for bt_sub in &sc.from_t {
            // d = bt_sub - a must lie in [lo, hi]: a in [bt_sub - hi, bt_sub - lo].
            let (wlo, whi) = (bt_sub.r[key] - hi[key], bt_sub.r[key] - lo[key]);
            let start = sc.from_s.partition_point(|x| x.r[key] < wlo);
            sc.work += 4;
            for a in sc.from_s[start..].iter().take(WINDOW) {
                if a.r[key] > whi {
                    break;
                }
                let ok = (0..3).all(|k| {
                    let d = bt_sub.r[k] - a.r[k];
                    d >= lo[k] && d <= hi[k]
                });
                if !ok {
                    continue;
                }
                exact += 1;
                // Rebuilding both bags: allocations and a pass over their items.
                sc.work += 4 * (bs.items.len() + bt.items.len()) as i64 + 64;
                if let Some(r) = rebuild(bs, bt, p, a, bt_sub, items, lim) {
                    return Some(r);
                }
                if exact >= EXACT {
                    return None;
                }
            }
        }
    }
    None
}

/// Both bags rebuilt with the trade, if both pass the exact fit check.
fn rebuild(
    bs: &Bag,
    bt: &Bag,
    p: &[u32],
    from_s: &Sub,
    from_t: &Sub,
    items: &[Item],
    lim: &Limits,
) -> Option<(Bag, Bag, Vec<u32>, Vec<u32>)> {
    let to_t: Vec<u32> = [from_s.a, from_s.b]
        .into_iter()
        .filter(|&i| i != NONE)
        .collect();
    let to_s: Vec<u32> = [from_t.a, from_t.b]
        .into_iter()
        .filter(|&i| i != NONE)
        .collect();
    let mut ns: Vec<u32> = bs
        .items
        .iter()
        .copied()
        .filter(|i| !p.contains(i) && !to_t.contains(i))
        .collect();
    ns.extend_from_slice(&to_s);
    let mut nt: Vec<u32> = bt
        .items
        .iter()
        .copied()
        .filter(|i| !to_s.contains(i))
        .collect();
    nt.extend_from_slice(p);
    nt.extend_from_slice(&to_t);
    let ns = Bag::from_items(ns, items, lim);
    let nt = Bag::from_items(nt, items, lim);
    (valid(&ns, lim) && valid(&nt, lim)).then_some((ns, nt, to_t, to_s))
}

/// The exact fit of a rebuilt bag (the same conditions as `Bag::fits`).
fn valid(b: &Bag, lim: &Limits) -> bool {
    b.count <= lim.max_parcels
        && b.weight <= lim.wcap
        && lim.capacity(b.lo).is_some()
        && (b.count < 2 || b.volume <= b.cap)
}
