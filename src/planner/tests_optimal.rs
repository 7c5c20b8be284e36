//! Instances whose optimum is known by construction: the planner must hit it (and the
//! lower bound must prove it), and generated families must stay valid.

use super::tests::{check_plan, parcel};
use super::*;

fn solve(ps: &[PlanParcel]) -> Plan {
    let config = PlanConfig::default();
    let p = plan(ps, &config);
    check_plan(ps, &config, &p);
    p
}

fn many(n: usize, sides: [f64; 3], w: u32) -> Vec<PlanParcel> {
    (0..n).map(|i| parcel(i, sides, w, "SZX", None)).collect()
}

#[test]
fn count_bound_600_small_parcels_make_2_bags() {
    let p = solve(&many(600, [10.0, 10.0, 5.0], 80));
    assert_eq!((p.bags.len(), p.lower_bound), (2, 2));
}

#[test]
fn parcels_301_identical_make_2_bags() {
    let p = solve(&many(301, [10.0, 8.0, 2.0], 10));
    assert_eq!((p.bags.len(), p.lower_bound), (2, 2));
}

#[test]
fn four_25kg_parcels_make_2_bags() {
    let p = solve(&many(4, [30.0, 20.0, 20.0], 25_000));
    assert_eq!((p.bags.len(), p.lower_bound), (2, 2));
}

#[test]
fn heavy_pairs_30_and_20_kg_make_10_bags() {
    let mut ps = many(10, [30.0, 20.0, 20.0], 30_000);
    ps.extend((10..20).map(|i| parcel(i, [25.0, 20.0, 20.0], 20_000, "SZX", None)));
    let p = solve(&ps);
    assert_eq!((p.bags.len(), p.lower_bound), (10, 10));
}

#[test]
fn forty_cm_cubes_go_two_per_bag() {
    // 2 x 64 L = 128 L <= 0.7 * 216 L = 151.2 L, 3 x 64 L is over.
    let p = solve(&many(10, [40.0, 40.0, 40.0], 1_000));
    assert_eq!((p.bags.len(), p.lower_bound), (5, 5));
}

#[test]
fn long_parcels_that_fill_their_envelope_go_alone() {
    // 110 x 35 x 35 fills the only envelope for a 110 cm side: each needs a bag.
    let p = solve(&many(4, [110.0, 35.0, 35.0], 2_000));
    assert_eq!((p.bags.len(), p.lower_bound), (4, 4));
}

#[test]
fn limits_exactly_reached_are_placeable() {
    let ps = vec![
        parcel(0, [120.0, 30.0, 30.0], 1_000, "SZX", None),
        parcel(1, [60.0, 60.0, 60.0], 50_000, "SZX", None),
        parcel(2, [10.0, 10.0, 10.0], 50_001, "SZX", None),
        parcel(3, [120.1, 10.0, 10.0], 1_000, "SZX", None),
        parcel(4, [100.0, 50.0, 30.1], 1_000, "SZX", None),
    ];
    let p = solve(&ps);
    assert_eq!(p.bags.len(), 2);
    let codes: Vec<UnplaceableCode> = p.unplaceable.iter().map(|u| u.code).collect();
    assert_eq!(
        codes,
        [
            UnplaceableCode::ParcelTooHeavy,
            UnplaceableCode::ParcelTooLarge,
            UnplaceableCode::ParcelTooLarge
        ]
    );
}

#[test]
fn weight_and_volume_complement_each_other() {
    // 4 x 12 kg (4 L) + 4 x 0.5 kg (33.6 L) = 50 kg, 150.4 L <= 151.2 L per bag.
    let mut ps = many(8, [20.0, 20.0, 10.0], 12_000);
    ps.extend((8..16).map(|i| parcel(i, [40.0, 30.0, 28.0], 500, "SZX", None)));
    let p = solve(&ps);
    assert_eq!((p.bags.len(), p.lower_bound), (2, 2));
}

#[test]
fn orders_stay_together_and_centers_never_mix() {
    // 200 orders of 3 small parcels per center: 2 bags per center, no order split.
    let mut ps = Vec::new();
    for i in 0..1200 {
        let sc = if i < 600 { "SZX" } else { "YIW" };
        ps.push(parcel(i, [12.0, 8.0, 2.0], 50, sc, Some(i / 3)));
    }
    let p = solve(&ps);
    assert_eq!((p.bags.len(), p.lower_bound), (4, 4));
    assert_eq!(p.orders_split(&ps), 0);
}

#[test]
fn flat_and_zero_weight_parcels_are_fine() {
    let mut ps = many(50, [40.0, 30.0, 0.01], 0);
    ps.push(parcel(50, [40.0, 30.0, 0.0], 0, "SZX", None));
    let p = solve(&ps);
    assert_eq!(p.bags.len(), 1);
}

#[test]
fn generated_families_are_valid_and_beat_or_match_ffd() {
    use generator::{Family, generate};
    let config = PlanConfig::default();
    for family in Family::ALL {
        for centers in [&["SZX"][..], &["SZX", "YIW"][..]] {
            let ps = generate(family, 1_500, centers, 7);
            assert_eq!(ps, generate(family, 1_500, centers, 7), "deterministic");
            let p = solve(&ps);
            assert!(p.unplaceable.is_empty());
            let b = baseline::first_fit_decreasing(&ps, &config);
            check_plan(&ps, &config, &b);
            assert!(p.bags.len() <= b.bags.len(), "{family:?}");
            let ratio = p.bags.len() as f64 / p.lower_bound as f64;
            assert!(ratio <= 1.06, "{family:?}: {ratio}");
        }
    }
}

#[test]
fn light_family_matches_its_description() {
    use generator::{Family, generate};
    let ps = generate(Family::LightDay, 20_000, &["SZX"], 42);
    let n = ps.len() as f64;
    let grams: f64 = ps.iter().map(|p| f64::from(p.weight_g)).sum();
    let cm3: f64 = ps.iter().map(PlanParcel::volume_cm3).sum();
    assert!((115.0..140.0).contains(&(grams / n)), "{}", grams / n);
    assert!((370.0..410.0).contains(&(cm3 / n)), "{}", cm3 / n);
    assert!(ps.iter().all(|p| p.weight_g <= 2_000));
    assert!(ps.iter().any(|p| p.weight_g >= 1_000));
    for p in &ps {
        let s = p.sorted_sides();
        assert!(s[0] <= 20.0 && s[1] <= 15.0 && s[2] <= 6.0, "{s:?}");
    }
}

#[test]
fn light_family_reaches_the_count_bound_at_20000() {
    use generator::{Family, generate};
    for centers in [&["SZX"][..], &["SZX", "YIW"][..]] {
        let ps = generate(Family::LightDay, 20_000, centers, 42);
        let p = solve(&ps);
        assert!(
            p.bags.len() as f64 <= 1.005 * p.lower_bound as f64,
            "{} bags, bound {}",
            p.bags.len(),
            p.lower_bound
        );
    }
}
