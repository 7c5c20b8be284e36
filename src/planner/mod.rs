//! Consolidation planner: puts registered parcels into master bags under the
//! "Bag envelope model", and proves a lower bound on the number of bags. Pure: no I/O
//! apart from the CSV reader in [`csv_input`], which takes any `Read`.
//!
//! # The problem
//! A bag holds at most `max_parcels` parcels and `max_weight_g - tare_g` grams of
//! parcels, and needs an envelope `L >= W >= H` with `L <= max_side_cm` and
//! `L + W + H <= max_sum_cm` into which every parcel fits side by side (sorted sides)
//! and whose volume, times the fill factor, holds the parcels' volumes (bags of two or
//! more parcels). So a bag is a vector bin with three additive resources (count, weight,
//! volume) whose volume capacity depends on the longest parcels in it. Sorting centers
//! are never mixed, so each sorting center is an independent instance.
//!
//! # Key decisions
//! * **Envelope in O(1)** ([`envelope`]): for the bag's maximal sorted sides the best
//!   envelope is found in closed form (cube `S/3` if the sides allow, else raise the
//!   constrained sides and split the rest equally), so fit checks are constant time.
//! * **Bin-centric vector greedy** ([`greedy`]): after Panigrahy et al., "Heuristics for
//!   Vector Bin Packing" (2011), one bag is filled at a time with the remaining item that
//!   maximises the weighted dot product of its (count, weight, volume) demand with the
//!   bag's residual, weights being the total demand per resource. Items are indexed in
//!   angle classes (weight/volume direction), each sorted by size with a skip list of
//!   taken items, so picking an item costs O(classes * log n), not O(n). Bags are
//!   seeded with the most envelope-constrained (long) parcels first, which fixes the
//!   reduced envelopes early and lets ordinary parcels fill them up.
//!   Within a bag, an item that failed a fit check fails for the rest of the bag
//!   (residuals only shrink), so each class's scan resumes after it and keeps its
//!   last candidate while it still fits: a step is close to O(classes).
//! * **Pool-swap search** ([`improve`]): after Alvim et al.'s improvement heuristic,
//!   the weakest bag is taken apart into a pool and other bags take pool items in,
//!   directly or by 1-1 and 2-1 swaps that move "size" from the pool into the bags,
//!   until the pool is empty (a bag saved) or a visit budget runs out (rolled back).
//!   On large instances the bags are dealt into two halves searched on both cores.
//!   Then [`local_search`] evens out a near-empty straggler bag.
//! * **Target-count construction** ([`deal`]): the bin-centric greedy fills one bag at
//!   a time and, on count-bound days, puts the heavy and bulky parcels together early;
//!   those bags close on weight or volume well below `max_parcels` and the day needs
//!   several per cent more bags than the count bound (356 instead of 334 on 100,000
//!   light parcels). So the number of bags is fixed first, at the lower bound `k`, and
//!   the items (orders as super-items) are dealt largest first into the least loaded of
//!   the `k` bags, the load weighing each resource by the inverse of the slack the `k`
//!   bags leave in it (Graham's LPT rule on a scalarised vector load; Panigrahy et al.
//!   2011 and Caprara and Toth 2001 on vector packing with a fixed number of bins).
//!   What no bag takes is repaired by moves and swaps (the pool-swap search below); if
//!   that fails, `k` is raised and the deal repeated, a few times at most.
//! * **Constructions and cores** ([`select`]): core 1 runs the greedy with orders as
//!   items; core 2 the target-count deal (where the count's total share is at least
//!   0.8 of the largest resource's: count-bound days and near them), then the greedy with parcels as items and/or the FFD [`baseline`]
//!   (both up to 25,000 items; at scale FFD only where weight dominates, the nearly
//!   one-dimensional case it is good at). A plan at the bound with no order split stops
//!   the other core; FFD stops as soon as it has opened as many bags as a plan found.
//!   Per sorting center the plan with fewest bags wins, ties going to fewer split
//!   orders; only the winner gets the search. So the plan is never worse than FFD
//!   wherever FFD runs; where it is skipped it measured 5-15% worse than the greedy.
//! * **Exact search** ([`exact`]) on sorting centers of at most 1,000 parcels whose plan
//!   is above the bound: a branch and bound (Martello and Toth's MTP scheme, with Korf's
//!   symmetry rules for empty bags and identical parcels) that looks for a plan with
//!   one bag fewer, again and again, until the bound is reached, the search space is
//!   exhausted (then the plan is proven optimal, and `lower_bound` is raised to it),
//!   or the time budget runs out (`exact_budget_ms`, default 1 s; the best plan stands).
//! * **Orders**: an order whose parcels fit one bag and take at most a fifth of it is
//!   one item (large items pack badly). After the search, [`orders`] gathers split
//!   orders into one of their bags by trades ([`exchange`]): the order's part moves,
//!   and up to two items that hold a whole order each (or no order) go each way
//!   between the two bags, so both stay valid (exact fit check), no other order is
//!   split and no bag is added; keeping orders together never costs a bag. Trades
//!   rather than 1-1 swaps because the searched plans are tight (most weight-bound bags
//!   end within grams of the limit), where a swap partner of nearly equal size rarely
//!   exists but some difference of small subsets nearly always fits. On small sorting
//!   centers split orders are a goal of the exact search too: it prefers the bag that
//!   already holds a parcel of the same order, and with orders still split it looks for
//!   a plan of as many bags in which every order that fits one bag is one item.
//!   `orders_split` in the plan counts the orders left in more than one bag.
//! * **Lower bound** ([`bound`]): per sorting center the maximum of the count bound, the
//!   Martello-Toth L2 bound on weight, a "staircase" volume bound that charges each
//!   bag holding a long parcel only its reduced envelope, Fekete and Schepers' dual
//!   feasible functions on weight and volume, and a bound from a set of pairwise
//!   incompatible parcels (too heavy, too big or too long for two to share a bag) and
//!   the rooms their bags leave. Each is proven in `bound.rs`. A plan whose bag count
//!   equals its bound says `optimal: true`.

pub mod baseline;
pub mod bound;
pub mod csv_input;
pub mod deal;
pub mod envelope;
mod exact;
mod exchange;
pub mod generator;
mod greedy;
mod improve;
mod items;
mod local_search;
mod orders;
mod output;
mod segtree;
mod select;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exact;
#[cfg(test)]
mod tests_optimal;

pub use bound::lower_bound;
pub use envelope::{BagViolation, validate_bag};

use serde::{Deserialize, Serialize};

/// One parcel to plan, as registered by the seller (sizes in cm, weight in grams).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PlanParcel {
    /// The parcel's tracking number, unique in one planning request.
    pub tracking_number: String,
    /// The buyer order the parcel belongs to; parcels of one order are kept in one bag
    /// when that costs no extra bag.
    pub order_id: Option<String>,
    /// Weight in grams.
    pub weight_g: u32,
    /// Length in cm (any order of the three sides).
    pub length_cm: f64,
    /// Width in cm.
    pub width_cm: f64,
    /// Height in cm.
    pub height_cm: f64,
    /// Destination sorting center code (`SZX`, `YIW`, ...); never mixed in a bag.
    pub sorting_center: String,
}

impl PlanParcel {
    /// The parcel's sides sorted longest first.
    pub fn sorted_sides(&self) -> [f64; 3] {
        let mut s = [self.length_cm, self.width_cm, self.height_cm];
        s.sort_by(|a, b| b.total_cmp(a));
        s
    }

    /// The parcel's volume in cm³.
    pub fn volume_cm3(&self) -> f64 {
        self.length_cm * self.width_cm * self.height_cm
    }
}

/// Bag limits; every one is configuration (docs/rules.md, rules 1 and 10).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanConfig {
    /// Most parcels in one bag (default 300).
    pub max_parcels: u32,
    /// Most grams in one bag, tare included (default 50,000).
    pub max_weight_g: u32,
    /// Longest side of a bag's envelope in cm (default 120).
    pub max_side_cm: f64,
    /// Largest sum of the envelope's three sides in cm (default 180).
    pub max_sum_cm: f64,
    /// Weight of the empty bag in grams (default 0).
    pub tare_g: u32,
    /// Share of the envelope's volume that parcels may fill (default 0.70).
    pub fill_factor: f64,
    /// Time the exact search may take per plan, in milliseconds (default 1,000; 0
    /// turns it off). It runs on sorting centers of at most 1,000 parcels whose plan
    /// is above the bound.
    pub exact_budget_ms: u64,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            max_parcels: 300,
            max_weight_g: 50_000,
            max_side_cm: 120.0,
            max_sum_cm: 180.0,
            tare_g: 0,
            fill_factor: 0.70,
            exact_budget_ms: 1_000,
        }
    }
}

/// A consolidation plan in the API's plan format.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Plan {
    /// The planned bags, grouped by sorting center.
    pub bags: Vec<PlannedBag>,
    /// Parcels that fit no bag at all.
    pub unplaceable: Vec<Unplaceable>,
    /// A proven lower bound on the number of bags for the placeable parcels.
    pub lower_bound: u64,
    /// Whether the plan is proven to use the fewest bags possible (its bag count equals
    /// `lower_bound`).
    pub optimal: bool,
    /// Number of orders whose parcels are in more than one bag.
    pub orders_split: u64,
}

impl Plan {
    /// Number of orders whose parcels were put into more than one bag.
    pub fn orders_split(&self, parcels: &[PlanParcel]) -> usize {
        output::orders_split(self, parcels)
    }
}

/// One planned bag.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlannedBag {
    /// Sorting center of every parcel in the bag.
    pub sorting_center: String,
    /// Tracking numbers of the bag's parcels.
    pub parcels: Vec<String>,
    /// Parcels' weight plus tare, in grams.
    pub weight_g: u64,
    /// Outer size `[L, W, H]` in cm, `L >= W >= H`, that satisfies every limit and
    /// holds the parcels under the envelope model.
    pub envelope_cm: [f64; 3],
}

/// A parcel that fits no bag.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Unplaceable {
    /// The parcel's tracking number.
    pub tracking_number: String,
    /// Why it fits no bag.
    pub code: UnplaceableCode,
}

/// Why a parcel fits no bag.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnplaceableCode {
    /// No envelope within the side and sum limits holds it (or a size is not finite).
    ParcelTooLarge,
    /// Its weight plus the bag's tare is over the weight limit.
    ParcelTooHeavy,
}

/// Plans bags for `parcels`: every parcel ends in exactly one bag or in `unplaceable`,
/// every bag passes [`validate_bag`] with its `envelope_cm`.
pub fn plan(parcels: &[PlanParcel], config: &PlanConfig) -> Plan {
    select::plan(parcels, config)
}
