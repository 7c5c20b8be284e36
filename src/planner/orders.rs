//! Order repair: after the bag count is settled, gather each split order's items into
//! one of the bags it already touches, so orders stay together where that costs no bag.
//!
//! Key decisions:
//! * The bag count never grows and every bag stays valid: the part of an order in bag
//!   `s` moves into its gathering bag `t` only as a trade ([`exchange`]) after which
//!   both bags pass the exact fit check; a bag emptied by it is dropped (a bag saved).
//! * A trade moves, besides the order's items, at most two "alone" items each way
//!   (items whose order has no other item), so repairing one order never splits
//!   another. It subsumes the plain move (nothing traded) and the 1-1 swap. On tight
//!   plans (weight-bound plans end within grams of the limit in most bags) a 1-1 swap
//!   almost never balances both bags; trading subsets of up to two items each way
//!   gives thousands of differences to choose from, and this gathered several times as
//!   many orders as swaps plus ejections into the least loaded bags did, for less work
//!   per attempt (ejection was dropped: a third of the pass for ~1% of the gain).
//! * An order is gathered all or nothing (rolled back otherwise). Orders touching
//!   fewest bags go first (one trade gathers them, so they are the cheapest gains);
//!   targets tried are the (at most `TARGETS`) bags holding most of the order's items.
//! * The pass has a work budget linear in the items (`WORK_PER_ITEM`), so it stays a
//!   small share of planning at 100,000 parcels; on smaller instances it gets more.

use super::envelope::Limits;
use super::exchange::{AloneSets, Scratch, exchange};
use super::items::{Bag, Instance, Item};
use super::output::NO_ORDER;

/// Work budget of the pass per item (units of `Scratch::work`, about an item or a
/// subset looked at), so it stays linear and cheap next to the constructions.
const WORK_PER_ITEM: i64 = 20;
/// Up to this many items the pass gets `SMALL_FACTOR` times the work per item.
const SMALL: usize = 25_000;
const SMALL_FACTOR: i64 = 8;
/// Bags of an order tried as its gathering bag.
const TARGETS: usize = 3;

/// Moves and trades items so that as many orders as possible sit in one bag, without
/// adding a bag; `order_of` maps parcel indices to dense order numbers.
pub(crate) fn keep_together(bags: &mut Vec<Bag>, inst: &Instance, order_of: &[u32], lim: &Limits) {
    let items = &inst.items;
    let n = items.len();
    let ord: Vec<u32> = (0..n)
        .map(|i| {
            inst.parcels_of(i)
                .first()
                .map_or(NO_ORDER, |&p| order_of[p as usize])
        })
        .collect();
    let mut bag_of = vec![0u32; n];
    for (b, bag) in bags.iter().enumerate() {
        for &i in &bag.items {
            bag_of[i as usize] = b as u32;
        }
    }
    let mut by: Vec<u32> = (0..n as u32)
        .filter(|&i| ord[i as usize] != NO_ORDER)
        .collect();
    by.sort_unstable_by_key(|&i| ord[i as usize]);
    let mut alone = vec![true; n];
    // Multi-item orders as (start, end) in `by` and the number of bags they touch.
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    let mut touch: Vec<(u32, usize)> = Vec::new();
    let mut s = 0;
    while s < by.len() {
        let mut e = s + 1;
        while e < by.len() && ord[by[e] as usize] == ord[by[s] as usize] {
            e += 1;
        }
        if e - s > 1 {
            for &i in &by[s..e] {
                alone[i as usize] = false;
            }
            bags_of(&by[s..e], &bag_of, &mut touch);
            if touch.len() > 1 {
                groups.push((s, e, touch.len()));
            }
        }
        s = e;
    }
    if groups.is_empty() {
        return;
    }
    groups.sort_by_key(|g| g.2);
    let per_item = if n <= SMALL {
        SMALL_FACTOR * WORK_PER_ITEM
    } else {
        WORK_PER_ITEM
    };
    let budget = per_item * n as i64 + 100_000;
    let mut sc = Scratch::new(AloneSets::new(bags, items, &alone));
    for (s, e, _) in groups {
        let members = &by[s..e];
        bags_of(members, &bag_of, &mut touch);
        if touch.len() < 2 {
            continue;
        }
        touch.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(t, _) in touch.iter().take(TARGETS) {
            let mut g = Gather {
                bags,
                items,
                bag_of: &mut bag_of,
                alone: &alone,
                lim,
                sc: &mut sc,
                saved: Vec::new(),
                moved: Vec::new(),
            };
            let done = g.run(members, t as usize);
            if !done {
                g.roll_back();
            }
            if done || sc.work >= budget {
                break;
            }
        }
        if sc.work >= budget {
            break;
        }
    }
    bags.retain(|b| !b.items.is_empty());
}

/// The bags holding `members`, with how many of them each holds.
fn bags_of(members: &[u32], bag_of: &[u32], touch: &mut Vec<(u32, usize)>) {
    touch.clear();
    for &i in members {
        let b = bag_of[i as usize];
        match touch.iter_mut().find(|t| t.0 == b) {
            Some(t) => t.1 += 1,
            None => touch.push((b, 1)),
        }
    }
}

/// One attempt to gather an order into bag `t`, with what is needed to undo it.
struct Gather<'a> {
    bags: &'a mut [Bag],
    items: &'a [Item],
    bag_of: &'a mut [u32],
    alone: &'a [bool],
    lim: &'a Limits,
    sc: &'a mut Scratch,
    /// Bags as they were before this attempt changed them.
    saved: Vec<(usize, Bag)>,
    /// Items moved, with the bag each came from.
    moved: Vec<(u32, u32)>,
}

impl Gather<'_> {
    fn save(&mut self, b: usize) {
        if !self.saved.iter().any(|(x, _)| *x == b) {
            self.saved.push((b, self.bags[b].clone()));
        }
    }

    fn relocate(&mut self, x: u32, from: usize, to: usize) {
        self.moved.push((x, from as u32));
        self.bag_of[x as usize] = to as u32;
    }

    fn refresh(&mut self, b: usize) {
        self.sc
            .sets
            .refresh(b, &self.bags[b], self.items, self.alone);
    }

    /// Moves every member into bag `t`, bag by bag; false if one part cannot go.
    fn run(&mut self, members: &[u32], t: usize) -> bool {
        for &x in members {
            let s = self.bag_of[x as usize] as usize;
            if s != t && !self.trade(members, s, t) {
                return false;
            }
        }
        true
    }

    /// Moves every member in bag `s` into `t`, trading alone items both ways.
    fn trade(&mut self, members: &[u32], s: usize, t: usize) -> bool {
        let p: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&i| self.bag_of[i as usize] as usize == s)
            .collect();
        let Some((ns, nt, to_t, to_s)) =
            exchange(self.bags, s, t, &p, self.items, self.lim, self.sc)
        else {
            return false;
        };
        self.save(s);
        self.save(t);
        self.bags[s] = ns;
        self.bags[t] = nt;
        self.refresh(s);
        self.refresh(t);
        for x in p.into_iter().chain(to_t) {
            self.relocate(x, s, t);
        }
        for y in to_s {
            self.relocate(y, t, s);
        }
        true
    }

    fn roll_back(&mut self) {
        while let Some((b, bag)) = self.saved.pop() {
            self.bags[b] = bag;
            self.refresh(b);
        }
        for (x, from) in self.moved.drain(..).rev() {
            self.bag_of[x as usize] = from;
        }
    }
}
