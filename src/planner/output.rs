//! From bags of items to the plan format: tracking numbers, declared envelopes, and the
//! tally of split orders (`orders_split`), counted on dense order numbers as the bags
//! are written, so the count costs no string hashing.
//!
//! Key decision: an order counts as split when its parcels end in more than one bag,
//! across sorting centers too (an order sent to two centers cannot be kept whole).

use super::envelope::Limits;
use super::items::{Bag, FastMap, Instance};
use super::{Plan, PlanConfig, PlanParcel, PlannedBag};

/// Order number of a parcel without an order.
pub(crate) const NO_ORDER: u32 = u32::MAX;

/// Bags from which `emit` uses both cores.
const EMIT_SPLIT_AT: usize = 2_000;

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

/// Split orders of a plan being written: the first bag seen per order.
pub(crate) struct Tally {
    at: Vec<u32>,
    split: Vec<bool>,
    bags: u32,
    /// Orders seen in more than one bag so far.
    pub n: usize,
}

impl Tally {
    pub fn new(orders: usize) -> Tally {
        Tally {
            at: vec![u32::MAX; orders],
            split: vec![false; orders],
            bags: 0,
            n: 0,
        }
    }

    /// Counts the bags of one sorting center.
    fn add(&mut self, order_of: &[u32], inst: &Instance, bags: &[Bag]) {
        for bag in bags {
            let b = self.bags;
            self.bags += 1;
            for &it in &bag.items {
                for &p in inst.parcels_of(it as usize) {
                    let o = order_of[p as usize];
                    if o == NO_ORDER {
                        continue;
                    }
                    let o = o as usize;
                    if self.at[o] == u32::MAX {
                        self.at[o] = b;
                    } else if self.at[o] != b && !self.split[o] {
                        self.split[o] = true;
                        self.n += 1;
                    }
                }
            }
        }
    }
}

/// Number of orders whose parcels are in more than one of `bags`.
pub(crate) fn split_orders(orders: &(Vec<u32>, usize), inst: &Instance, bags: &[Bag]) -> usize {
    let mut t = Tally::new(orders.1);
    t.add(&orders.0, inst, bags);
    t.n
}

/// Orders split over more than one bag in a finished plan, from its tracking numbers.
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

/// What `emit` needs besides the bags.
pub(crate) struct Out<'a> {
    pub plan: Plan,
    pub parcels: &'a [PlanParcel],
    pub order_of: &'a [u32],
    pub tally: Tally,
    pub lim: Limits,
    pub config: &'a PlanConfig,
}

impl Out<'_> {
    /// The finished plan, with its split-order count.
    pub fn finish(mut self) -> Plan {
        self.plan.orders_split = self.tally.n as u64;
        self.plan
    }
}

/// Appends the bags of sorting center `sc` to the plan.
pub(crate) fn emit(out: &mut Out, sc: &str, inst: &Instance, bags: &[Bag]) {
    out.tally.add(out.order_of, inst, bags);
    let (parcels, lim, tare) = (out.parcels, &out.lim, out.config.tare_g);
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
            weight_g: bag.weight + u64::from(tare),
            envelope_cm: envelope,
        }
    };
    // Copying 100,000 tracking numbers is a sizeable share of planning: on many bags
    // the second half is built on the second core.
    if bags.len() < EMIT_SPLIT_AT {
        out.plan.bags.extend(bags.iter().map(one));
        return;
    }
    let (a, b) = bags.split_at(bags.len() / 2);
    let (first, second) = std::thread::scope(|s| {
        let h = s.spawn(|| b.iter().map(one).collect::<Vec<_>>());
        let first: Vec<PlannedBag> = a.iter().map(one).collect();
        (first, h.join())
    });
    out.plan.bags.extend(first);
    match second {
        Ok(v) => out.plan.bags.extend(v),
        Err(_) => out.plan.bags.extend(b.iter().map(one)),
    }
}
