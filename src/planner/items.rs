//! Items and bags as the heuristics see them. An item is one parcel, or all parcels of
//! one order when they fit one bag together (so an order is kept together by packing it
//! as one unit). A bag keeps its running totals and the largest sorted sides of its
//! parcels, from which its capacity follows in O(1) (see `envelope.rs`).

use super::PlanParcel;
use super::envelope::Limits;
use super::output::NO_ORDER;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: keys here are short ids from one trusted request, so a fast hash beats
/// SipHash's flooding protection (hashing was a third of the planning time).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A `HashMap` with the FNV hasher.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// An order is packed as one item only if it takes at most this share of a bag in every
/// resource: big items pack badly, so a large order is left to the parcel-level runs.
const MAX_ORDER_SHARE: f64 = 0.2;

/// The largest share of a bag's limits (count, weight, cube volume) an item takes.
pub(crate) fn share(it: &Item, lim: &Limits) -> f64 {
    let c = f64::from(it.count) / f64::from(lim.max_parcels.max(1));
    let w = it.weight as f64 / lim.wcap.max(1) as f64;
    let v = it.volume / lim.cube_cap.max(f64::MIN_POSITIVE);
    c.max(w).max(v)
}

/// A unit the heuristics place: one parcel or one whole order.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    /// Index of the item's first parcel in `Instance::members`.
    pub start: u32,
    pub count: u32,
    pub weight: u64,
    pub volume: f64,
    /// Largest sorted sides over the item's parcels.
    pub lo: [f64; 3],
}

/// The items of one sorting center.
#[derive(Clone, Debug, Default)]
pub(crate) struct Instance {
    /// Parcel indices (into the caller's parcel slice), item by item.
    pub members: Vec<u32>,
    pub items: Vec<Item>,
}

impl Instance {
    /// Builds the items for the placeable parcels `idx` of one sorting center. With
    /// `orders` (dense order numbers per parcel, `NO_ORDER` for none), the parcels of an
    /// order become one item if they fit one bag and take at most `MAX_ORDER_SHARE` of
    /// it. Grouping sorts by order number (no hashing, no per-group allocation).
    pub fn build(
        parcels: &[PlanParcel],
        idx: &[u32],
        orders: Option<&[u32]>,
        lim: &Limits,
    ) -> Self {
        Self::build_with(parcels, idx, orders, lim, MAX_ORDER_SHARE)
    }

    /// [`Instance::build`] with orders taking up to `max_share` of a bag as one item
    /// (`f64::INFINITY`: every order that fits one bag).
    pub fn build_with(
        parcels: &[PlanParcel],
        idx: &[u32],
        orders: Option<&[u32]>,
        lim: &Limits,
        max_share: f64,
    ) -> Self {
        let mut inst = Instance {
            members: Vec::with_capacity(idx.len()),
            items: Vec::with_capacity(idx.len()),
        };
        let Some(ord) = orders else {
            for &i in idx {
                inst.push(parcels, &[i]);
            }
            return inst;
        };
        let mut sorted = idx.to_vec();
        sorted.sort_by_key(|&i| ord[i as usize]);
        let mut s = 0;
        while s < sorted.len() {
            let o = ord[sorted[s] as usize];
            let mut e = s + 1;
            while o != NO_ORDER && e < sorted.len() && ord[sorted[e] as usize] == o {
                e += 1;
            }
            let g = &sorted[s..e];
            let whole = g.len() == 1 || {
                let it = item_of(parcels, g, 0);
                Bag::empty(lim).fits(&it, lim).is_some() && share(&it, lim) <= max_share
            };
            if whole {
                inst.push(parcels, g);
            } else {
                for &i in g {
                    inst.push(parcels, &[i]);
                }
            }
            s = e;
        }
        inst
    }

    fn push(&mut self, parcels: &[PlanParcel], g: &[u32]) {
        let start = self.members.len() as u32;
        self.members.extend_from_slice(g);
        self.items.push(item_of(parcels, g, start));
    }

    /// Parcel indices of item `i`.
    pub fn parcels_of(&self, i: usize) -> &[u32] {
        let it = &self.items[i];
        &self.members[it.start as usize..(it.start + it.count) as usize]
    }
}

fn item_of(parcels: &[PlanParcel], g: &[u32], start: u32) -> Item {
    let mut it = Item {
        start,
        count: g.len() as u32,
        weight: 0,
        volume: 0.0,
        lo: [0.0; 3],
    };
    for &i in g {
        let p = &parcels[i as usize];
        it.weight += u64::from(p.weight_g);
        it.volume += p.volume_cm3();
        it.lo = max3(it.lo, p.sorted_sides());
    }
    it
}

/// Elementwise maximum of two sorted side triples (the result is sorted too).
pub(crate) fn max3(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0].max(b[0]), a[1].max(b[1]), a[2].max(b[2])]
}

/// A bag being filled.
#[derive(Clone, Debug)]
pub(crate) struct Bag {
    pub items: Vec<u32>,
    pub count: u32,
    pub weight: u64,
    pub volume: f64,
    pub lo: [f64; 3],
    /// Parcel volume the largest envelope for `lo` holds.
    pub cap: f64,
}

impl Bag {
    pub fn empty(lim: &Limits) -> Bag {
        Bag {
            items: Vec::new(),
            count: 0,
            weight: 0,
            volume: 0.0,
            lo: [0.0; 3],
            cap: lim.cube_cap,
        }
    }

    /// If `it` fits, the bag's new sorted maxima and capacity.
    #[inline]
    pub fn fits(&self, it: &Item, lim: &Limits) -> Option<([f64; 3], f64)> {
        if self.count + it.count > lim.max_parcels || self.weight + it.weight > lim.wcap {
            return None;
        }
        let lo = max3(self.lo, it.lo);
        let cap = if lo == self.lo {
            self.cap
        } else {
            lim.capacity(lo)?
        };
        if self.count + it.count >= 2 && self.volume + it.volume > cap {
            return None;
        }
        Some((lo, cap))
    }

    /// Adds item `id` with the result of [`Bag::fits`].
    pub fn add(&mut self, id: u32, it: &Item, fit: ([f64; 3], f64)) {
        self.items.push(id);
        self.count += it.count;
        self.weight += it.weight;
        self.volume += it.volume;
        self.lo = fit.0;
        self.cap = fit.1;
    }

    /// Rebuilds a bag from item ids (after removals).
    pub fn from_items(ids: Vec<u32>, items: &[Item], lim: &Limits) -> Bag {
        let mut b = Bag::empty(lim);
        for &i in &ids {
            let it = &items[i as usize];
            b.count += it.count;
            b.weight += it.weight;
            b.volume += it.volume;
            b.lo = max3(b.lo, it.lo);
        }
        b.cap = lim.capacity(b.lo).unwrap_or(0.0);
        b.items = ids;
        b
    }

    /// How full the bag is: its fullest resource, as a share of the bag's limit.
    pub fn load(&self, lim: &Limits) -> f64 {
        let c = f64::from(self.count) / f64::from(lim.max_parcels.max(1));
        let w = self.weight as f64 / (lim.wcap.max(1)) as f64;
        let v = if self.cap > 0.0 {
            self.volume / self.cap
        } else {
            1.0
        };
        c.max(w).max(v)
    }
}
