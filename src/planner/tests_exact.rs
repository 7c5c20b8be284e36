//! The exact search and the target-count construction: known optima that first-fit
//! decreasing and the greedy miss by one bag, optima above the lower bound that only
//! the exact search proves, and the exact search's proof checked against brute force.

use super::envelope::Limits;
use super::greedy::{Scoring, pack};
use super::items::Instance;
use super::output::NO_ORDER;
use super::tests::{brute_force, check_plan, parcel};
use super::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn solve(ps: &[PlanParcel], config: &PlanConfig) -> Plan {
    let p = plan(ps, config);
    check_plan(ps, config, &p);
    p
}

/// Bags of first-fit decreasing and of the bin-centric greedy alone.
fn ffd_and_greedy(ps: &[PlanParcel], config: &PlanConfig) -> (usize, usize) {
    let lim = Limits::new(config);
    let idx: Vec<u32> = (0..ps.len() as u32).collect();
    let inst = Instance::build(ps, &idx, None, &lim);
    let ffd = baseline::first_fit_decreasing(ps, config).bags.len();
    (ffd, pack(&inst, &lim, Scoring::Dot).len())
}

fn weights(ws: &[u32]) -> Vec<PlanParcel> {
    ws.iter()
        .enumerate()
        .map(|(i, &w)| parcel(i, [20.0, 15.0, 10.0], w, "SZX", None))
        .collect()
}

#[test]
fn weight_instance_ffd_and_greedy_miss_by_one() {
    // 25 + 15 + 10 and 20 + 20 + 10 kg, three times: 6 full bags. FFD pairs 25 with 20
    // and needs 7; the greedy too.
    let mut ws = Vec::new();
    for _ in 0..3 {
        ws.extend([25_000, 20_000, 20_000, 15_000, 10_000, 10_000]);
    }
    let ps = weights(&ws);
    let config = PlanConfig::default();
    let (ffd, greedy) = ffd_and_greedy(&ps, &config);
    assert_eq!((ffd, greedy), (7, 7));
    let p = solve(&ps, &config);
    assert_eq!((p.bags.len(), p.lower_bound, p.optimal), (6, 6, true));
}

#[test]
fn count_bound_instance_ffd_and_greedy_miss_by_one() {
    // 30 parcels of 1.6 kg and 870 of 40 g: 3 bags of 300 (10 heavy each, 27.6 kg).
    // Taking the heavy ones together closes a bag on weight at 80 parcels: 4 bags.
    let mut ps: Vec<PlanParcel> = (0..30)
        .map(|i| parcel(i, [15.0, 10.0, 5.0], 1_600, "SZX", None))
        .collect();
    ps.extend((30..900).map(|i| parcel(i, [12.0, 8.0, 3.0], 40, "SZX", None)));
    let config = PlanConfig::default();
    let (ffd, greedy) = ffd_and_greedy(&ps, &config);
    assert_eq!((ffd, greedy), (4, 4));
    let p = solve(&ps, &config);
    assert_eq!((p.bags.len(), p.lower_bound, p.optimal), (3, 3, true));
    let deal = deal::target_count(&ps, &config);
    check_plan(&ps, &config, &deal);
    assert_eq!(deal.bags.len(), 3);
}

#[test]
fn dual_feasible_bound_sees_that_no_bag_takes_three() {
    // Five 17 kg parcels weigh 85 kg (2 bags by weight, and by L2), but no bag takes
    // three of them: 3 bags, proven by the bound alone.
    let ps = weights(&[17_000; 5]);
    let config = PlanConfig::default();
    assert_eq!(lower_bound(&ps, &config), 3);
    let p = solve(&ps, &config);
    assert_eq!((p.bags.len(), p.lower_bound, p.optimal), (3, 3, true));
}

#[test]
fn exact_search_proves_an_optimum_above_the_bound() {
    // 29 + 26 + 14 + 13 + 12 kg = 94 kg: every bound says 2, yet no two bags hold them.
    let ps = weights(&[29_000, 26_000, 14_000, 13_000, 12_000]);
    let config = PlanConfig::default();
    assert_eq!(lower_bound(&ps, &config), 2);
    let p = solve(&ps, &config);
    assert_eq!((p.bags.len(), p.lower_bound, p.optimal), (3, 3, true));
    // Without the exact search the plan is the same but not proven.
    let off = PlanConfig {
        exact_budget_ms: 0,
        ..PlanConfig::default()
    };
    let p = solve(&ps, &off);
    assert_eq!((p.bags.len(), p.lower_bound, p.optimal), (3, 2, false));
}

#[test]
fn incompatible_parcels_bound_combines_weight_and_volume() {
    // 30 kg parcels and 100 L parcels: no two of either kind share a bag, and a heavy
    // one with a bulky one is over the envelope's volume too (100 L + 60 L > 151.2 L):
    // 4 bags, though weight alone says 2 and volume alone 3.
    let mut ps = weights(&[30_000, 30_000]);
    ps.push(parcel(2, [50.0, 50.0, 40.0], 1_000, "SZX", None));
    ps.push(parcel(3, [50.0, 50.0, 40.0], 1_000, "SZX", None));
    for p in ps.iter_mut().take(2) {
        (p.length_cm, p.width_cm, p.height_cm) = (50.0, 40.0, 30.0);
    }
    let config = PlanConfig::default();
    assert_eq!(lower_bound(&ps, &config), 4);
    let p = solve(&ps, &config);
    assert_eq!((p.bags.len(), p.optimal), (4, true));
}

#[test]
fn exact_search_keeps_orders_whole_when_it_costs_nothing() {
    // 6 bags of 25 + 15 + 10 / 20 + 20 + 10 kg; orders pair parcels that fit together.
    let mut ps = Vec::new();
    for r in 0..3 {
        let base = r * 6;
        let o = |k: usize| Some(r * 10 + k);
        for (j, (w, ord)) in [
            (25_000, o(0)),
            (15_000, o(0)),
            (20_000, o(1)),
            (20_000, o(1)),
            (10_000, None),
            (10_000, None),
        ]
        .into_iter()
        .enumerate()
        {
            ps.push(parcel(base + j, [20.0, 15.0, 10.0], w, "SZX", ord));
        }
    }
    let p = solve(&ps, &PlanConfig::default());
    assert_eq!((p.bags.len(), p.optimal, p.orders_split), (6, true, 0));
}

#[test]
fn zero_budget_still_plans_and_default_is_one_second() {
    assert_eq!(PlanConfig::default().exact_budget_ms, 1_000);
    let ps = weights(&[17_000; 3]);
    let p = solve(
        &ps,
        &PlanConfig {
            exact_budget_ms: 0,
            ..PlanConfig::default()
        },
    );
    assert_eq!(p.bags.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// From the trivial plan (a bag per parcel), the exact search ends at the
    /// brute-force optimum and proves it.
    #[test]
    fn exact_search_matches_brute_force(
        ws in prop::collection::vec(1_000u32..40_000, 1..8),
        big in prop::collection::vec(prop::bool::ANY, 8),
    ) {
        let config = PlanConfig::default();
        let lim = Limits::new(&config);
        let ps: Vec<PlanParcel> = ws
            .iter()
            .zip(&big)
            .enumerate()
            .map(|(i, (&w, &b))| {
                let s = if b { [100.0, 30.0, 25.0] } else { [40.0, 35.0, 30.0] };
                parcel(i, s, w, "SZX", None)
            })
            .collect();
        let opt = brute_force(&ps, &lim);
        let idx: Vec<u32> = (0..ps.len() as u32).collect();
        let inst = Instance::build(&ps, &idx, None, &lim);
        let bound = bound::sc_bound(&ps, &idx, &lim) as usize;
        let deadline = Instant::now() + Duration::from_secs(10);
        let n = inst.items.len();
        let found = exact::search(&inst.items, &lim, bound, n + 1, vec![NO_ORDER; n], deadline);
        let bags = found.bags.map_or(n + 1, |b| b.len());
        prop_assert_eq!(bags as u64, opt);
        prop_assert_eq!(found.proven as u64, opt);
        let p = solve(&ps, &config);
        prop_assert_eq!((p.bags.len() as u64, p.lower_bound, p.optimal), (opt, opt, true));
    }
}
