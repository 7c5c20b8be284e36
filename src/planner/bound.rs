//! Lower bounds on the number of bags, per sorting center (bags never mix centers, so
//! the per-center bounds add up). The bound is the largest of:
//!
//! 1. **Count**: `ceil(n / max_parcels)`.
//! 2. **Weight, Martello-Toth L2**: for a threshold `a <= C/2` (`C` the weight a bag
//!    may hold), parcels heavier than `C - a` (J1) and those in `(C/2, C - a]` (J2)
//!    each need a bag of their own, no J1 parcel's bag takes a parcel of at least `a`,
//!    and the room J2 bags leave, `|J2| C - w(J2)`, may absorb parcels in `[a, C/2]`
//!    (J3); what J3 weighs beyond that room needs more bags. `a = 0` gives the plain
//!    `ceil(weight / C)`.
//! 3. **Volume** (docs/rules.md, rule 10): `ceil(sum min(v, F) / F)` with `F = fill * (S/3)^3`, since a
//!    bag of two or more parcels holds at most `F` and a bag of one parcel holds one
//!    parcel counted at most `F`.
//! 4. **Volume staircase** (tighter when long parcels shrink envelopes): let `g(p)` be
//!    `fill` times the largest envelope volume for parcel `p`'s own sides. Capacity can
//!    only shrink as sides grow, so a bag holding `p` holds at most `g(p)` of parcel
//!    volume; counting each parcel as `v'(p) = min(v(p), g(p))` also covers a bag of
//!    one parcel (no fill check). For a level `y`, the parcels with `g <= y` all sit in
//!    bags of capacity at most `y`; there are at least `K(y)` such bags, `K(y)` being
//!    the count/weight/volume bound of those parcels alone (volume against `y`). So
//!    `sum over bags of capacity >= sum v'` and capacity at most `y_j` for the `K(y_j)`
//!    most constrained bags give, with `y_1 < y_2 < ...` the distinct values of `g`
//!    and `K_j` made non-decreasing, `N >= K_m + ceil((sum v' - sum_j (K_j - K_{j-1})
//!    y_j) / F)`: any packing's capacity is at most this staircase, and it must hold
//!    `sum v'`.
//!
//! Floating-point ratios are rounded up only past a 1e-9 tolerance, so a bound that is
//! exact in real arithmetic is never overstated by rounding.

use super::envelope::Limits;
use super::select::split;
use super::{PlanConfig, PlanParcel};

/// A proven lower bound on the number of bags for the placeable `parcels`.
pub fn lower_bound(parcels: &[PlanParcel], config: &PlanConfig) -> u64 {
    let lim = Limits::new(config);
    let (groups, _) = split(parcels, &lim);
    groups
        .iter()
        .map(|(_, idx)| sc_bound(parcels, idx, &lim))
        .sum()
}

/// `ceil(x)` unless `x` is within 1e-9 (relative) above an integer.
fn ceil_tol(x: f64) -> u64 {
    if x <= 0.0 || !x.is_finite() {
        return 0;
    }
    (x - 1e-9 * x.max(1.0)).ceil().max(0.0) as u64
}

/// The bound for the placeable parcels `idx` of one sorting center.
pub(crate) fn sc_bound(parcels: &[PlanParcel], idx: &[u32], lim: &Limits) -> u64 {
    if idx.is_empty() {
        return 0;
    }
    let maxp = u64::from(lim.max_parcels.max(1));
    let count = (idx.len() as u64).div_ceil(maxp);
    let weights: Vec<u64> = idx
        .iter()
        .map(|&i| u64::from(parcels[i as usize].weight_g))
        .collect();
    let weight = weight_l2(weights, lim.wcap);
    count.max(weight).max(volume_bound(parcels, idx, lim))
}

/// Martello-Toth L2 bound for one-dimensional bin packing of `w` into capacity `cap`.
pub(crate) fn weight_l2(mut w: Vec<u64>, cap: u64) -> u64 {
    if cap == 0 || w.is_empty() {
        return 0;
    }
    w.sort_unstable();
    let n = w.len();
    let mut pre = vec![0u128; n + 1];
    for i in 0..n {
        pre[i + 1] = pre[i] + u128::from(w[i]);
    }
    // index of the first weight > x / >= x
    let above = |x: u64| w.partition_point(|&v| v <= x);
    let at_least = |x: u64| w.partition_point(|&v| v < x);
    let half = above(cap / 2); // weights <= floor(C/2) are "<= C/2" for integers
    let cap128 = u128::from(cap);
    let mut best = 0u64;
    let mut alphas: Vec<u64> = w[..half].to_vec();
    alphas.dedup();
    alphas.insert(0, 0);
    for a in alphas {
        // J1: w > C - a; J2: C/2 < w <= C - a; J3: a <= w <= C/2
        let j1_start = above(cap - a);
        let j3_start = at_least(a);
        let j1 = (n - j1_start) as u64;
        let j2 = (j1_start - half) as u64;
        let w2 = pre[j1_start] - pre[half];
        let w3 = pre[half] - pre[j3_start];
        let room = u128::from(j2) * cap128 - w2;
        let extra = if w3 > room {
            (w3 - room).div_ceil(cap128) as u64
        } else {
            0
        };
        best = best.max(j1 + j2 + extra);
    }
    best
}

/// The larger of the volume bound of rule 10 and the staircase bound.
fn volume_bound(parcels: &[PlanParcel], idx: &[u32], lim: &Limits) -> u64 {
    let f = lim.cube_cap;
    if f <= 0.0 {
        return 0;
    }
    let maxp = f64::from(lim.max_parcels.max(1));
    let wcap = lim.wcap as f64;
    // (g, v', weight)
    let mut rows: Vec<(f64, f64, f64)> = idx
        .iter()
        .map(|&i| {
            let p = &parcels[i as usize];
            let g = lim.capacity(p.sorted_sides()).unwrap_or(f).min(f);
            (g, p.volume_cm3().min(g), f64::from(p.weight_g))
        })
        .collect();
    let spec = ceil_tol(
        idx.iter()
            .map(|&i| parcels[i as usize].volume_cm3().min(f))
            .sum::<f64>()
            / f,
    );
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut n, mut wsum, mut vsum) = (0.0f64, 0.0f64, 0.0f64);
    let (mut k, mut acc) = (0u64, 0.0f64);
    for (j, r) in rows.iter().enumerate() {
        n += 1.0;
        wsum += r.2;
        vsum += r.1;
        let last_of_level = rows.get(j + 1).is_none_or(|next| next.0 != r.0);
        if !last_of_level || r.0 <= 0.0 {
            continue;
        }
        let mut lb = ceil_tol(n / maxp).max(ceil_tol(vsum / r.0));
        if wcap > 0.0 {
            lb = lb.max(ceil_tol(wsum / wcap));
        }
        if lb > k {
            acc += (lb - k) as f64 * r.0;
            k = lb;
        }
    }
    let stair = k + ceil_tol((vsum - acc) / f);
    spec.max(stair)
}
