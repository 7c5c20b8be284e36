//! The bag envelope model: the best envelope for a set of parcels in closed form, the
//! envelope a planned bag declares, and [`validate_bag`], the independent check of a bag.
//!
//! Key decision: the envelope of largest volume for lower bounds `lo = (a, b, c)` (the
//! largest sorted sides of the bag's parcels, so `a >= b >= c`) under `L + W + H <= S`
//! and `L <= max_side` is found by water filling: every side is `max(lo_i, t)` for the
//! level `t` that uses the whole sum (the product of a fixed sum is largest when the
//! free sides are equal). That is the cube `S/3` when `a <= S/3`, else `L = a` and the
//! rest `180 - a` split equally, unless `b` is larger than half of it, in which case
//! `W = b` and `H` takes what is left. A side never needs to exceed `max_side` since the
//! level is at most `S/3`; if `3 * max_side <= S` the cube of `max_side` is best. So a
//! fit check is O(1).

use super::{PlanConfig, PlanParcel, UnplaceableCode};
use thiserror::Error;

/// Relative tolerance of [`validate_bag`] for floating-point sums (1e-9).
const EPS: f64 = 1e-9;

/// Limits derived from a [`PlanConfig`], in the units the planner computes with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_parcels: u32,
    /// Grams of parcels a bag may hold: `max_weight_g - tare_g`.
    pub wcap: u64,
    pub max_side: f64,
    pub max_sum: f64,
    pub fill: f64,
    /// Parcel volume (cm³) the largest envelope holds: fill * largest envelope volume.
    pub cube_cap: f64,
}

impl Limits {
    pub fn new(config: &PlanConfig) -> Limits {
        let wcap = u64::from(config.max_weight_g.saturating_sub(config.tare_g));
        let side = (config.max_sum_cm / 3.0).min(config.max_side_cm).max(0.0);
        Limits {
            max_parcels: config.max_parcels,
            wcap,
            max_side: config.max_side_cm,
            max_sum: config.max_sum_cm,
            fill: config.fill_factor,
            cube_cap: config.fill_factor * side * side * side,
        }
    }

    /// The largest envelope holding sorted maxima `lo`, or `None` if none exists.
    pub fn max_envelope(&self, lo: [f64; 3]) -> Option<[f64; 3]> {
        let [a, b, c] = lo;
        if !(a.is_finite() && b.is_finite() && c.is_finite()) {
            return None;
        }
        if a > self.max_side || a + b + c > self.max_sum {
            return None;
        }
        let s = self.max_sum;
        if 3.0 * self.max_side <= s {
            return Some([self.max_side; 3]);
        }
        if a <= s / 3.0 {
            return Some([s / 3.0; 3]);
        }
        let rest = s - a;
        if b <= rest / 2.0 {
            Some([a, rest / 2.0, rest / 2.0])
        } else {
            Some([a, b, (rest - b).max(c)])
        }
    }

    /// Parcel volume (cm³) a bag with sorted maxima `lo` may hold, `None` if no envelope.
    pub fn capacity(&self, lo: [f64; 3]) -> Option<f64> {
        self.max_envelope(lo)
            .map(|e| self.fill * e[0] * e[1] * e[2])
    }

    /// Why a parcel fits no bag, if it fits none.
    pub fn unplaceable(&self, p: &PlanParcel) -> Option<UnplaceableCode> {
        let s = p.sorted_sides();
        if s.iter().any(|x| !x.is_finite() || *x < 0.0) || self.max_envelope(s).is_none() {
            Some(UnplaceableCode::ParcelTooLarge)
        } else if u64::from(p.weight_g) > self.wcap {
            Some(UnplaceableCode::ParcelTooHeavy)
        } else {
            None
        }
    }

    /// The envelope a planned bag declares: the smallest point on the segment from the
    /// parcels' maxima `lo` to the largest envelope that still holds `volume`, each side
    /// rounded up to 0.1 cm without leaving the largest envelope. A bag of one parcel
    /// needs no fill check, so it declares the parcel's own sides (rounded up).
    pub fn declared_envelope(&self, lo: [f64; 3], volume: f64, count: u32) -> Option<[f64; 3]> {
        let max = self.max_envelope(lo)?;
        let need = if count <= 1 { 0.0 } else { volume / self.fill };
        let at = |t: f64| -> [f64; 3] {
            let mut e = [0.0; 3];
            for i in 0..3 {
                let raw = lo[i] + t * (max[i] - lo[i]);
                e[i] = ((raw * 10.0).ceil() / 10.0).clamp(lo[i], max[i]);
            }
            e
        };
        let holds = |e: [f64; 3]| e[0] * e[1] * e[2] >= need;
        if !holds(at(1.0)) {
            return Some(max);
        }
        let (mut lo_t, mut hi_t) = (0.0_f64, 1.0_f64);
        if holds(at(0.0)) {
            return Some(at(0.0));
        }
        for _ in 0..40 {
            let mid = 0.5 * (lo_t + hi_t);
            if holds(at(mid)) {
                hi_t = mid;
            } else {
                lo_t = mid;
            }
        }
        Some(at(hi_t))
    }
}

/// Why a bag breaks the envelope model.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum BagViolation {
    /// The bag has no parcel.
    #[error("bag is empty")]
    Empty,
    /// More parcels than `max_parcels`.
    #[error("bag holds {count} parcels, more than {max}")]
    TooManyParcels { count: usize, max: u32 },
    /// Parcels plus tare weigh more than `max_weight_g`.
    #[error("bag weighs {weight_g} g with tare, more than {max_g} g")]
    TooHeavy { weight_g: u64, max_g: u32 },
    /// Parcels of more than one sorting center.
    #[error("bag mixes sorting centers {first} and {other}")]
    MixedSortingCenters { first: String, other: String },
    /// The envelope's sides are not finite, positive and sorted `L >= W >= H`.
    #[error("envelope {envelope:?} is not sorted L >= W >= H with non-negative sides")]
    EnvelopeNotSorted { envelope: [f64; 3] },
    /// The envelope's longest side is over `max_side_cm`.
    #[error("envelope side {side} cm is longer than {max} cm")]
    SideTooLong { side: f64, max: f64 },
    /// The envelope's sides sum to more than `max_sum_cm`.
    #[error("envelope sides sum to {sum} cm, more than {max} cm")]
    DimensionsSumTooLarge { sum: f64, max: f64 },
    /// A parcel's sorted sides do not fit the envelope's.
    #[error("parcel {tracking_number} does not fit the envelope")]
    ParcelDoesNotFit { tracking_number: String },
    /// The parcels' volumes exceed the fill factor times the envelope's volume.
    #[error("parcels fill {volume_cm3} cm³, more than {capacity_cm3} cm³ of the envelope")]
    OverFilled { volume_cm3: f64, capacity_cm3: f64 },
}

/// Checks one bag against the envelope model (docs/rules.md, rule 10), with `envelope` as `[L, W, H]`.
pub fn validate_bag(
    parcels: &[&PlanParcel],
    envelope: [f64; 3],
    config: &PlanConfig,
) -> Result<(), BagViolation> {
    let first = parcels.first().ok_or(BagViolation::Empty)?;
    if parcels.len() > config.max_parcels as usize {
        return Err(BagViolation::TooManyParcels {
            count: parcels.len(),
            max: config.max_parcels,
        });
    }
    let weight: u64 =
        parcels.iter().map(|p| u64::from(p.weight_g)).sum::<u64>() + u64::from(config.tare_g);
    if weight > u64::from(config.max_weight_g) {
        return Err(BagViolation::TooHeavy {
            weight_g: weight,
            max_g: config.max_weight_g,
        });
    }
    if let Some(p) = parcels
        .iter()
        .find(|p| p.sorting_center != first.sorting_center)
    {
        return Err(BagViolation::MixedSortingCenters {
            first: first.sorting_center.clone(),
            other: p.sorting_center.clone(),
        });
    }
    let [l, w, h] = envelope;
    if !(l.is_finite() && h >= 0.0 && l >= w && w >= h) {
        return Err(BagViolation::EnvelopeNotSorted { envelope });
    }
    if l > config.max_side_cm * (1.0 + EPS) {
        return Err(BagViolation::SideTooLong {
            side: l,
            max: config.max_side_cm,
        });
    }
    if l + w + h > config.max_sum_cm * (1.0 + EPS) {
        return Err(BagViolation::DimensionsSumTooLarge {
            sum: l + w + h,
            max: config.max_sum_cm,
        });
    }
    for p in parcels {
        let s = p.sorted_sides();
        if !(s[0] <= l && s[1] <= w && s[2] <= h) {
            return Err(BagViolation::ParcelDoesNotFit {
                tracking_number: p.tracking_number.clone(),
            });
        }
    }
    if parcels.len() >= 2 {
        let volume: f64 = parcels.iter().map(|p| p.volume_cm3()).sum();
        let capacity = config.fill_factor * l * w * h;
        if volume > capacity * (1.0 + EPS) {
            return Err(BagViolation::OverFilled {
                volume_cm3: volume,
                capacity_cm3: capacity,
            });
        }
    }
    Ok(())
}
