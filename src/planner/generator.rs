//! Synthetic planning instances for tests, benchmarks and the report, deterministic by
//! seed (`StdRng::seed_from_u64`).
//!
//! Key decision: parcels come in orders (one parcel 70%, two 18%, three 7%, four to six
//! 5%), an order goes to one sorting center and draws its parcels from one kind, and
//! sizes and weights are log-normal (a median and a spread), as parcel data is. Shapes
//! are drawn as a volume (or weight and density) and side ratios, sides rounded to
//! 0.1 cm, weights to 1 g. Every generated parcel is placeable under the default limits.

use super::PlanParcel;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

/// A documented instance family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Many light small parcels (jewellery, phone cases: ~0.3 L, ~90 g): count-bound.
    SmallLight,
    /// Heavy dense parcels (median 6 kg, up to 30 kg, ~0.6 kg/L): weight-bound.
    Heavy,
    /// Light bulky boxes (median 18 L) with 25% long items (62-118 cm): volume- and
    /// envelope-bound.
    BulkyLong,
    /// Heavy dense parcels (median 7 kg) mixed half and half with light bulky ones
    /// (median 22 L, ~1.3 kg): weight and volume both binding.
    DenseAndBulky,
    /// A marketplace day: mostly small parcels, some medium, heavy, bulky and long ones.
    MixedDay,
    /// A count-bound day of parcels that are not tiny: weights log-normal around 120 g
    /// (1% heavier, up to 2 kg), sides up to 20 x 15 x 6 cm, mean volume ~390 cm³; 300
    /// of them weigh ~40 kg and fill ~118 L, so a bag could hold 300 but one filled
    /// greedily with the heavy and bulky ones first closes on weight or volume early.
    LightDay,
}

impl Family {
    /// All families, in report order.
    pub const ALL: [Family; 6] = [
        Family::SmallLight,
        Family::LightDay,
        Family::Heavy,
        Family::BulkyLong,
        Family::DenseAndBulky,
        Family::MixedDay,
    ];

    /// Short name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Family::SmallLight => "small",
            Family::Heavy => "heavy",
            Family::BulkyLong => "bulky",
            Family::DenseAndBulky => "dense",
            Family::MixedDay => "mixed",
            Family::LightDay => "light",
        }
    }

    /// The family with this short name.
    pub fn from_name(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Small,
    Medium,
    Heavy,
    Dense,
    Bulky,
    Long,
    Light,
}

fn lognormal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    // sigma > 0 and a finite mean are guaranteed by the constants used below.
    match LogNormal::new(median.ln(), sigma) {
        Ok(d) => d.sample(rng),
        Err(_) => median,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Sides for a box of `volume` cm³ with random proportions, longest side capped.
fn box_of(rng: &mut StdRng, volume: f64, max_a: f64) -> [f64; 3] {
    let r2 = rng.gen_range(0.5..0.9);
    let r3 = rng.gen_range(0.3..0.7) * r2;
    let a = (volume / (r2 * r3)).cbrt().min(max_a);
    [
        round1(a).max(0.5),
        round1(a * r2).max(0.5),
        round1(a * r3).max(0.3),
    ]
}

fn parcel_of(rng: &mut StdRng, kind: Kind) -> ([f64; 3], u32) {
    let (dims, grams) = match kind {
        Kind::Small => {
            let l = lognormal(rng, 13.0, 0.3).clamp(5.0, 35.0);
            let w = l * rng.gen_range(0.5..0.85);
            let h = lognormal(rng, 2.5, 0.45).clamp(0.3, 10.0);
            let g = lognormal(rng, 90.0, 0.5).clamp(10.0, 1500.0);
            ([round1(l), round1(w), round1(h)], g)
        }
        Kind::Medium => {
            let v = lognormal(rng, 5_000.0, 0.6).clamp(500.0, 40_000.0);
            let dens = lognormal(rng, 0.3, 0.4); // g per cm³ = kg per L
            (box_of(rng, v, 58.0), (v * dens).clamp(50.0, 20_000.0))
        }
        Kind::Heavy => {
            let g = lognormal(rng, 6_000.0, 0.55).clamp(1_000.0, 30_000.0);
            let dens = lognormal(rng, 0.6, 0.3);
            (box_of(rng, g / dens, 58.0), g)
        }
        Kind::Dense => {
            let g = lognormal(rng, 7_000.0, 0.4).clamp(1_500.0, 24_000.0);
            let dens = lognormal(rng, 1.5, 0.25);
            (box_of(rng, g / dens, 58.0), g)
        }
        Kind::Bulky => {
            let v = lognormal(rng, 20_000.0, 0.45).clamp(2_000.0, 80_000.0);
            let dens = lognormal(rng, 0.06, 0.4);
            (box_of(rng, v, 58.0), (v * dens).clamp(100.0, 10_000.0))
        }
        Kind::Long => {
            let a = rng.gen_range(62.0..118.0);
            let b = rng.gen_range(8.0..30.0);
            let c = rng.gen_range(4.0..b);
            let v: f64 = a * b * c;
            let g = (v * lognormal(rng, 0.15, 0.3)).clamp(100.0, 15_000.0);
            ([round1(a), round1(b), round1(c)], g)
        }
        Kind::Light => {
            let l = lognormal(rng, 13.5, 0.22).clamp(6.0, 20.0);
            let w = (l * rng.gen_range(0.55..0.8)).min(15.0);
            let h = lognormal(rng, 2.7, 0.35).clamp(0.5, 6.0);
            let g = if rng.gen_bool(0.01) {
                lognormal(rng, 700.0, 0.5).clamp(300.0, 2_000.0)
            } else {
                lognormal(rng, 100.0, 0.6).clamp(10.0, 1_500.0)
            };
            ([round1(l), round1(w), round1(h)], g)
        }
    };
    (dims, grams.round() as u32)
}

fn kind_for(rng: &mut StdRng, family: Family) -> Kind {
    let u: f64 = rng.r#gen();
    match family {
        Family::SmallLight => Kind::Small,
        Family::LightDay => Kind::Light,
        Family::Heavy => Kind::Heavy,
        Family::BulkyLong if u < 0.25 => Kind::Long,
        Family::BulkyLong => Kind::Bulky,
        Family::DenseAndBulky if u < 0.5 => Kind::Dense,
        Family::DenseAndBulky => Kind::Bulky,
        Family::MixedDay if u < 0.55 => Kind::Small,
        Family::MixedDay if u < 0.80 => Kind::Medium,
        Family::MixedDay if u < 0.88 => Kind::Heavy,
        Family::MixedDay if u < 0.96 => Kind::Bulky,
        Family::MixedDay => Kind::Long,
    }
}

/// `n` parcels of `family`, spread over `sorting_centers` by order (`SZX` if empty),
/// the same for the same seed. Tracking numbers are `LZ` plus 8 digits, orders `OD`
/// plus 8 digits.
pub fn generate(family: Family, n: usize, sorting_centers: &[&str], seed: u64) -> Vec<PlanParcel> {
    let mut rng = StdRng::seed_from_u64(seed);
    let centers: &[&str] = if sorting_centers.is_empty() {
        &["SZX"]
    } else {
        sorting_centers
    };
    let mut out = Vec::with_capacity(n);
    let mut order = 0usize;
    while out.len() < n {
        let u: f64 = rng.r#gen();
        let size = if u < 0.70 {
            1
        } else if u < 0.88 {
            2
        } else if u < 0.95 {
            3
        } else {
            rng.gen_range(4..=6)
        };
        let sc = centers[rng.gen_range(0..centers.len())];
        let kind = kind_for(&mut rng, family);
        order += 1;
        for _ in 0..size.min(n - out.len()) {
            let (d, g) = parcel_of(&mut rng, kind);
            out.push(PlanParcel {
                tracking_number: format!("LZ{:08}", out.len() + 1),
                order_id: Some(format!("OD{order:08}")),
                weight_g: g,
                length_cm: d[0],
                width_cm: d[1],
                height_cm: d[2],
                sorting_center: sc.to_string(),
            });
        }
    }
    out
}
