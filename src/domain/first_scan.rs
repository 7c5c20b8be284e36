//! Rule 22 of docs/rules.md, the first-scan SLA figures of a group of parcels (one
//! seller, one day, one sorting center): how long from RTS (or registration) to the
//! first scan buyers see, how long to the intake (what the first scan was before
//! backdating), and how much the backdating gained.
//!
//! Percentiles interpolate linearly between the two nearest ranks (the common
//! spreadsheet definition), so the median of an even count is the mean of the middle two.

/// One parcel's lead times, in hours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeadTimes {
    pub to_first_scan_h: f64,
    pub to_intake_h: f64,
    /// Whether the first scan was backdated to the bag's pickup.
    pub backdated: bool,
}

/// The figures of a group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlaFigures {
    pub online: usize,
    pub median_to_first_scan_h: f64,
    pub p90_to_first_scan_h: f64,
    pub median_to_intake_h: f64,
    pub p90_to_intake_h: f64,
    /// Sum over the parcels of intake minus first scan.
    pub hours_gained: f64,
    pub share_backdated: f64,
    pub share_at_intake: f64,
}

/// The `p` quantile (0 to 1) of sorted values, interpolated; `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = p.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

impl SlaFigures {
    /// The figures of a non-empty group; `None` for an empty one.
    pub fn of(parcels: &[LeadTimes]) -> Option<Self> {
        if parcels.is_empty() {
            return None;
        }
        let first = sorted(parcels.iter().map(|p| p.to_first_scan_h).collect());
        let intake = sorted(parcels.iter().map(|p| p.to_intake_h).collect());
        let backdated = parcels.iter().filter(|p| p.backdated).count();
        let n = parcels.len();
        Some(Self {
            online: n,
            median_to_first_scan_h: percentile(&first, 0.5)?,
            p90_to_first_scan_h: percentile(&first, 0.9)?,
            median_to_intake_h: percentile(&intake, 0.5)?,
            p90_to_intake_h: percentile(&intake, 0.9)?,
            hours_gained: parcels
                .iter()
                .map(|p| p.to_intake_h - p.to_first_scan_h)
                .sum(),
            share_backdated: backdated as f64 / n as f64,
            share_at_intake: (n - backdated) as f64 / n as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert!((percentile(&v, 0.9).unwrap_or_default() - 3.7).abs() < 1e-9);
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
    }

    #[test]
    fn figures_of_a_small_group() {
        let p = |f, i, b| LeadTimes {
            to_first_scan_h: f,
            to_intake_h: i,
            backdated: b,
        };
        let figures =
            SlaFigures::of(&[p(2.0, 20.0, true), p(4.0, 22.0, true), p(30.0, 30.0, false)])
                .expect("figures");
        assert_eq!(figures.online, 3);
        assert_eq!(figures.median_to_first_scan_h, 4.0);
        assert_eq!(figures.median_to_intake_h, 22.0);
        assert_eq!(figures.hours_gained, 36.0);
        assert!((figures.share_backdated - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(SlaFigures::of(&[]), None);
    }
}
