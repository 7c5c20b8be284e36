//! Property tests: every plan is valid under the envelope model (checked with
//! `validate_bag`), loses and duplicates no parcel, reports unplaceable parcels with the
//! right code, and its lower bound is at most its bag count; on tiny instances the
//! bound is at most the brute-force optimum. Also checks the closed-form envelope
//! against random envelopes, and the CSV reader's errors.

use super::envelope::Limits;
use super::*;
use proptest::prelude::*;
use std::collections::HashMap;

/// Asserts that `p` is a complete, valid plan of `parcels`.
pub(super) fn check_plan(parcels: &[PlanParcel], config: &PlanConfig, p: &Plan) {
    let lim = Limits::new(config);
    let by_tn: HashMap<&str, &PlanParcel> = parcels
        .iter()
        .map(|x| (x.tracking_number.as_str(), x))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for bag in &p.bags {
        let ps: Vec<&PlanParcel> = bag.parcels.iter().map(|t| by_tn[t.as_str()]).collect();
        if let Err(e) = validate_bag(&ps, bag.envelope_cm, config) {
            panic!("invalid bag {bag:?}: {e}");
        }
        assert!(ps.iter().all(|x| x.sorting_center == bag.sorting_center));
        let w: u64 =
            ps.iter().map(|x| u64::from(x.weight_g)).sum::<u64>() + u64::from(config.tare_g);
        assert_eq!(w, bag.weight_g);
        for t in &bag.parcels {
            *seen.entry(t.as_str()).or_default() += 1;
        }
    }
    for u in &p.unplaceable {
        *seen.entry(u.tracking_number.as_str()).or_default() += 1;
        assert_eq!(
            Some(u.code),
            lim.unplaceable(by_tn[u.tracking_number.as_str()])
        );
    }
    for x in parcels {
        assert_eq!(
            seen.get(x.tracking_number.as_str()),
            Some(&1),
            "{}",
            x.tracking_number
        );
    }
    assert_eq!(seen.len(), parcels.len());
    // The exact search may raise the bound to the proven optimum.
    assert!(p.lower_bound <= p.bags.len() as u64);
    assert!(p.lower_bound >= lower_bound(parcels, config));
    assert_eq!(p.optimal, p.lower_bound == p.bags.len() as u64);
    assert_eq!(p.orders_split, p.orders_split(parcels) as u64);
}

pub(super) fn parcel(
    i: usize,
    sides: [f64; 3],
    weight_g: u32,
    sc: &str,
    order: Option<usize>,
) -> PlanParcel {
    PlanParcel {
        tracking_number: format!("T{i:05}"),
        order_id: order.map(|o| format!("O{o}")),
        weight_g,
        length_cm: sides[0],
        width_cm: sides[1],
        height_cm: sides[2],
        sorting_center: sc.to_string(),
    }
}

fn arb_sides() -> impl Strategy<Value = [f64; 3]> {
    prop_oneof![
        4 => (1.0..40.0f64, 1.0..40.0f64, 0.5..30.0f64).prop_map(|(a, b, c)| [a, b, c]),
        2 => (60.0..125.0f64, 3.0..45.0f64, 1.0..30.0f64).prop_map(|(a, b, c)| [b, a, c]),
        1 => (30.0..70.0f64, 30.0..70.0f64, 0.001..0.05f64).prop_map(|(a, b, c)| [a, c, b]),
        1 => Just([120.0, 30.0, 30.0]),
        1 => Just([60.0, 60.0, 60.0]),
        1 => (40.0..80.0f64).prop_map(|a| [a, a, a]),
    ]
}

fn arb_weight() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 1u32..3_000,
        2 => 3_000u32..30_000,
        1 => Just(50_000u32),
        1 => 49_000u32..52_000,
        1 => Just(0u32),
    ]
}

fn arb_parcels(max: usize) -> impl Strategy<Value = Vec<PlanParcel>> {
    prop::collection::vec(
        (
            arb_sides(),
            arb_weight(),
            0..2usize,
            prop::option::of(0..6usize),
        ),
        1..max,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (s, w, sc, o))| parcel(i, s, w, ["SZX", "YIW"][sc], o))
            .collect()
    })
}

/// Configurations with a short exact search (so 300 cases stay quick).
fn arb_config() -> impl Strategy<Value = PlanConfig> {
    let quick = PlanConfig {
        exact_budget_ms: 20,
        ..PlanConfig::default()
    };
    prop_oneof![
        3 => Just(quick.clone()),
        1 => (1u32..6, 0u32..2_000, 0.3..0.95f64).prop_map(move |(n, tare, fill)| PlanConfig {
            max_parcels: n,
            tare_g: tare,
            fill_factor: fill,
            ..quick.clone()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn plans_are_valid_and_complete(parcels in arb_parcels(120), config in arb_config()) {
        let p = plan(&parcels, &config);
        check_plan(&parcels, &config, &p);
        let b = baseline::first_fit_decreasing(&parcels, &config);
        check_plan(&parcels, &config, &b);
        prop_assert!(p.bags.len() <= b.bags.len());
    }

    #[test]
    fn bound_is_at_most_the_optimum(parcels in arb_parcels(8)) {
        let config = PlanConfig::default();
        let lim = Limits::new(&config);
        let ok: Vec<&PlanParcel> = parcels
            .iter()
            .filter(|p| lim.unplaceable(p).is_none() && p.sorting_center == "SZX")
            .collect();
        let only: Vec<PlanParcel> = ok.iter().map(|p| (*p).clone()).collect();
        let opt = brute_force(&only, &lim);
        prop_assert!(lower_bound(&only, &config) <= opt);
        prop_assert!(plan(&only, &config).bags.len() as u64 >= opt);
    }

    #[test]
    fn closed_form_envelope_is_largest(
        lo in (0.0..120.0f64, 0.0..1.0f64, 0.0..1.0f64),
        env in (0.0..120.0f64, 0.0..120.0f64, 0.0..120.0f64),
    ) {
        let lim = Limits::new(&PlanConfig::default());
        let a = lo.0;
        let b = a * lo.1;
        let c = b * lo.2;
        let mut e = [env.0, env.1, env.2];
        e.sort_by(|x, y| y.total_cmp(x));
        let feasible = e[0] <= 120.0 && e[0] + e[1] + e[2] <= 180.0
            && e[0] >= a && e[1] >= b && e[2] >= c;
        match lim.max_envelope([a, b, c]) {
            None => prop_assert!(!feasible || a + b + c > 180.0),
            Some(m) => {
                prop_assert!(m[0] >= m[1] && m[1] >= m[2] && m[0] <= 120.0);
                prop_assert!(m[0] + m[1] + m[2] <= 180.0 + 1e-9);
                prop_assert!(m[0] >= a && m[1] >= b && m[2] >= c);
                if feasible {
                    prop_assert!(e[0] * e[1] * e[2] <= m[0] * m[1] * m[2] * (1.0 + 1e-9));
                }
            }
        }
    }
}

/// Fewest bags for up to ~8 parcels, by trying every set partition.
pub(super) fn brute_force(parcels: &[PlanParcel], lim: &Limits) -> u64 {
    fn feasible(bag: &[&PlanParcel], lim: &Limits) -> bool {
        let mut lo = [0.0f64; 3];
        for p in bag {
            let s = p.sorted_sides();
            lo = [lo[0].max(s[0]), lo[1].max(s[1]), lo[2].max(s[2])];
        }
        let weight: u64 = bag.iter().map(|p| u64::from(p.weight_g)).sum();
        let volume: f64 = bag.iter().map(|p| p.volume_cm3()).sum();
        bag.len() <= lim.max_parcels as usize
            && weight <= lim.wcap
            && lim
                .capacity(lo)
                .is_some_and(|cap| bag.len() < 2 || volume <= cap)
    }
    fn go(i: usize, ps: &[PlanParcel], bags: &mut Vec<Vec<usize>>, best: &mut u64, lim: &Limits) {
        if bags.len() as u64 >= *best {
            return;
        }
        if i == ps.len() {
            *best = bags.len() as u64;
            return;
        }
        for b in 0..bags.len() {
            bags[b].push(i);
            let members: Vec<&PlanParcel> = bags[b].iter().map(|&j| &ps[j]).collect();
            if feasible(&members, lim) {
                go(i + 1, ps, bags, best, lim);
            }
            bags[b].pop();
        }
        bags.push(vec![i]);
        go(i + 1, ps, bags, best, lim);
        bags.pop();
    }
    let mut best = parcels.len() as u64;
    go(0, parcels, &mut Vec::new(), &mut best, lim);
    best
}

#[test]
fn csv_reads_any_column_order_and_orders() {
    let data = "sorting_center,height_cm,width_cm,length_cm,weight_g,tracking_number,order_id\n\
                szx,2,10,20,150,LZ1,O1\nYIW,3.5,12,25,1500.0,LZ2,\n";
    let ps = csv_input::read_parcels(data.as_bytes(), &["SZX", "YIW"]).unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].sorting_center, "SZX");
    assert_eq!(ps[0].order_id.as_deref(), Some("O1"));
    assert_eq!(ps[1].order_id, None);
    assert_eq!(ps[1].weight_g, 1500);
    assert_eq!(ps[1].height_cm, 3.5);
}

#[test]
fn csv_errors_name_the_line() {
    use csv_input::CsvInputError as E;
    let head = "tracking_number,weight_g,length_cm,width_cm,height_cm,sorting_center\n";
    let read = |rows: &str| csv_input::read_parcels(format!("{head}{rows}").as_bytes(), &["SZX"]);
    let ok = "A,1,1,1,1,SZX\n";
    assert!(matches!(
        read(&format!("{ok}B,x,1,1,1,SZX\n")),
        Err(E::NotANumber {
            line: 3,
            column: "weight_g",
            ..
        })
    ));
    assert!(matches!(
        read(&format!("{ok}B,1,1,-2,1,SZX\n")),
        Err(E::NotPositive {
            line: 3,
            column: "width_cm",
            ..
        })
    ));
    assert!(matches!(
        read(&format!("{ok}B,1,1,1,0,SZX\n")),
        Err(E::NotPositive {
            line: 3,
            column: "height_cm",
            ..
        })
    ));
    assert!(matches!(
        read(&format!("{ok}B,0,1,1,1,SZX\n")),
        Err(E::NotPositive { line: 3, .. })
    ));
    assert!(matches!(
        read(&format!("{ok}B,1.5,1,1,1,SZX\n")),
        Err(E::NotANumber { line: 3, .. })
    ));
    assert!(matches!(
        read(&format!("{ok}B,1,1,1,1,HKG\n")),
        Err(E::UnknownSortingCenter { line: 3, .. })
    ));
    assert!(matches!(
        read(&format!("{ok}{ok}")),
        Err(E::DuplicateTrackingNumber {
            line: 3,
            first_line: 2,
            ..
        })
    ));
    assert!(matches!(
        read(&format!("{ok}B,1,1,1\n")),
        Err(E::MissingValue { line: 3, .. })
    ));
    assert!(matches!(
        read(&format!("{ok}B,1,NaN,1,1,SZX\n")),
        Err(E::NotANumber { line: 3, .. })
    ));
    let no_col = csv_input::read_parcels("tracking_number,weight_g\nA,1\n".as_bytes(), &[]);
    assert!(matches!(
        no_col,
        Err(E::MissingColumn {
            column: "length_cm"
        })
    ));
    let msg = read(&format!("{ok}B,x,1,1,1,SZX\n"))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("line 3:"), "{msg}");
}

#[test]
fn plan_json_has_the_api_shape() {
    let ps = vec![
        parcel(1, [10.0, 10.0, 10.0], 100, "SZX", None),
        parcel(2, [130.0, 10.0, 10.0], 100, "SZX", None),
        parcel(3, [10.0, 10.0, 10.0], 60_000, "SZX", None),
    ];
    let v = serde_json::to_value(plan(&ps, &PlanConfig::default())).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5);
    assert_eq!(v["lower_bound"], 1);
    assert_eq!(v["optimal"], true);
    assert_eq!(v["orders_split"], 0);
    let bag = &v["bags"][0];
    for k in ["sorting_center", "parcels", "weight_g", "envelope_cm"] {
        assert!(bag.get(k).is_some(), "{k}");
    }
    assert_eq!(v["unplaceable"][0]["code"], "parcel_too_large");
    assert_eq!(v["unplaceable"][1]["code"], "parcel_too_heavy");
}
