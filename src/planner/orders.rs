//! Order repair: after the bag count is settled, gather each split order's items into
//! one of the bags it already touches, so orders stay together where that costs no bag.
//!
//! Key decisions:
//! * The bag count never grows and every bag stays valid: an item moves only into a
//!   bag whose exact fit check (`Bag::fits`) accepts it, and a bag it leaves only loses
//!   resources (its largest sides can only shrink, so its capacity only grows). A bag
//!   emptied by the moves is dropped, which can only save a bag.
//! * When the target bag is too full, the order's item is swapped with an item of the
//!   target that belongs to no other multi-item order ("alone"), when each fits the
//!   other's bag; so repairing one order never splits another.
//! * Failing a swap, an alone item of the target may be ejected into one of the
//!   least loaded bags to make room.
//! * An order is gathered all or nothing (rolled back otherwise), targets tried are the
//!   (at most three) bags holding most of its items, swap partners scanned per item
//!   are capped, and the whole pass has a work budget linear in the items.

use super::envelope::Limits;
use super::items::{Bag, Instance, Item};
use super::select::NO_ORDER;

/// Items of the target bag tried as swap partners per moved item.
const SWAP_SCAN: usize = 48;
/// Work budget of the pass per item (items looked at), so it stays linear and cheap
/// next to the constructions even when few orders can be gathered.
const WORK_PER_ITEM: i64 = 10;
/// Up to this many items the pass gets four times the work per item (it is cheap).
const SMALL: usize = 25_000;
/// Least loaded bags that may take an item ejected from a target bag.
const ROOMY: usize = 32;
/// Bags of an order tried as its gathering bag.
const TARGETS: usize = 3;

/// Moves and swaps items so that as many orders as possible sit in one bag, without
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
    let mut groups: Vec<(usize, usize)> = Vec::new();
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
            groups.push((s, e));
        }
        s = e;
    }
    // The least loaded bags take items ejected from a target bag (see `Gather::eject`).
    let load: Vec<f64> = bags.iter().map(|b| b.load(lim)).collect();
    let mut roomy: Vec<usize> = (0..bags.len()).collect();
    roomy.sort_by(|&a, &b| load[a].total_cmp(&load[b]));
    roomy.truncate(ROOMY);
    let per_item = if n <= SMALL {
        4 * WORK_PER_ITEM
    } else {
        WORK_PER_ITEM
    };
    let mut budget = per_item * n as i64 + 100_000;
    let mut touch: Vec<(u32, usize)> = Vec::new();
    for (s, e) in groups {
        let members = &by[s..e];
        touch.clear();
        for &i in members {
            let b = bag_of[i as usize];
            match touch.iter_mut().find(|t| t.0 == b) {
                Some(t) => t.1 += 1,
                None => touch.push((b, 1)),
            }
        }
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
                roomy: &roomy,
                lim,
                saved: Vec::new(),
                moved: Vec::new(),
                work: 0,
            };
            let done = g.run(members, t as usize);
            if !done {
                g.roll_back();
            }
            budget -= g.work + 1;
            if done || budget <= 0 {
                break;
            }
        }
        if budget <= 0 {
            break;
        }
    }
    bags.retain(|b| !b.items.is_empty());
}

/// One attempt to gather an order into bag `t`, with what is needed to undo it.
struct Gather<'a> {
    bags: &'a mut [Bag],
    items: &'a [Item],
    bag_of: &'a mut [u32],
    alone: &'a [bool],
    roomy: &'a [usize],
    lim: &'a Limits,
    /// Bags as they were before this attempt changed them.
    saved: Vec<(usize, Bag)>,
    /// Items moved, with the bag each came from.
    moved: Vec<(u32, u32)>,
    /// Work done (roughly, items looked at), for the pass's budget.
    work: i64,
}

impl Gather<'_> {
    fn save(&mut self, b: usize) {
        if !self.saved.iter().any(|(x, _)| *x == b) {
            self.saved.push((b, self.bags[b].clone()));
        }
    }

    fn without(&mut self, b: usize, x: u32) -> Bag {
        self.work += self.bags[b].items.len() as i64 + 8;
        let rest: Vec<u32> = self.bags[b]
            .items
            .iter()
            .copied()
            .filter(|&i| i != x)
            .collect();
        Bag::from_items(rest, self.items, self.lim)
    }

    fn relocate(&mut self, x: u32, from: usize, to: usize) {
        self.moved.push((x, from as u32));
        self.bag_of[x as usize] = to as u32;
    }

    /// Moves every member into bag `t` (directly or by a swap); false if one cannot go.
    fn run(&mut self, members: &[u32], t: usize) -> bool {
        let (items, lim) = (self.items, self.lim);
        for &x in members {
            let s = self.bag_of[x as usize] as usize;
            if s == t {
                continue;
            }
            let it = &items[x as usize];
            let s_wo = self.without(s, x);
            if let Some(fit) = self.bags[t].fits(it, lim) {
                self.save(t);
                self.save(s);
                self.bags[s] = s_wo;
                self.bags[t].add(x, it, fit);
                self.relocate(x, s, t);
                continue;
            }
            if !self.swap(x, s, t, s_wo.clone()) && !self.eject(x, s, t, s_wo) {
                return false;
            }
        }
        true
    }

    /// Swaps `x` (in bag `s`, which is `s_wo` without it) with an alone item of `t`.
    fn swap(&mut self, x: u32, s: usize, t: usize, s_wo: Bag) -> bool {
        let (items, lim) = (self.items, self.lim);
        let it = &items[x as usize];
        let mut found = None;
        for k in 0..self.bags[t].items.len().min(SWAP_SCAN) {
            let tb = &self.bags[t];
            let y = tb.items[k];
            let iy = &items[y as usize];
            if !self.alone[y as usize]
                || tb.count - iy.count + it.count > lim.max_parcels
                || tb.weight - iy.weight + it.weight > lim.wcap
                || tb.volume - iy.volume + it.volume > lim.cube_cap
                || s_wo.fits(iy, lim).is_none()
            {
                continue;
            }
            let t_wo = self.without(t, y);
            if t_wo.fits(it, lim).is_some() {
                found = Some((y, t_wo));
                break;
            }
        }
        let Some((y, mut t_wo)) = found else {
            return false;
        };
        let mut s_new = s_wo;
        match (t_wo.fits(it, lim), s_new.fits(&items[y as usize], lim)) {
            (Some(ft), Some(fs)) => {
                t_wo.add(x, it, ft);
                s_new.add(y, &items[y as usize], fs);
            }
            _ => return false,
        }
        self.save(t);
        self.save(s);
        self.bags[t] = t_wo;
        self.bags[s] = s_new;
        self.relocate(x, s, t);
        self.relocate(y, t, s);
        true
    }

    /// Makes room for `x` in `t` by moving an alone item of `t` into one of the least
    /// loaded bags (neither `s` nor `t`); `s_wo` is `s` without `x`.
    fn eject(&mut self, x: u32, s: usize, t: usize, s_wo: Bag) -> bool {
        let (items, lim) = (self.items, self.lim);
        let it = &items[x as usize];
        for k in 0..self.bags[t].items.len().min(SWAP_SCAN) {
            let y = self.bags[t].items[k];
            let (tb, iy) = (&self.bags[t], &items[y as usize]);
            if !self.alone[y as usize]
                || tb.count - iy.count + it.count > lim.max_parcels
                || tb.weight - iy.weight + it.weight > lim.wcap
                || tb.volume - iy.volume + it.volume > lim.cube_cap
            {
                continue;
            }
            self.work += self.roomy.len() as i64;
            let dest = self
                .roomy
                .iter()
                .copied()
                .find(|&u| u != s && u != t && self.bags[u].fits(iy, lim).is_some());
            let Some(u) = dest else {
                continue;
            };
            let mut t_wo = self.without(t, y);
            let Some(ft) = t_wo.fits(it, lim) else {
                continue;
            };
            self.save(u);
            self.save(t);
            self.save(s);
            if let Some(fu) = self.bags[u].fits(iy, lim) {
                self.bags[u].add(y, iy, fu);
                t_wo.add(x, it, ft);
                self.bags[t] = t_wo;
                self.bags[s] = s_wo;
                self.relocate(x, s, t);
                self.relocate(y, t, u);
                return true;
            }
        }
        false
    }

    fn roll_back(&mut self) {
        for (b, bag) in self.saved.drain(..).rev() {
            self.bags[b] = bag;
        }
        for (x, from) in self.moved.drain(..).rev() {
            self.bag_of[x as usize] = from;
        }
    }
}
