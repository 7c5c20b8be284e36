//! Rule 1 of docs/rules.md, bag limits: at most 300 parcels and 50 kg, no side over 120 cm, the
//! three sides summing to at most 180 cm. The limits are configuration with these
//! defaults. The same check serves a bag as declared at booking and as measured by the
//! courier at pickup (where a break is a pickup failure, not a pickup).

/// The configured limits of one master bag.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BagLimits {
    pub max_parcels: u32,
    pub max_weight_g: i64,
    pub max_side_cm: f64,
    pub max_sum_cm: f64,
}

impl Default for BagLimits {
    fn default() -> Self {
        Self {
            max_parcels: 300,
            max_weight_g: 50_000,
            max_side_cm: 120.0,
            max_sum_cm: 180.0,
        }
    }
}

/// A bag as declared (or measured): how many parcels, their weight, its outer size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeclaredBag {
    pub parcels: u32,
    pub weight_g: i64,
    pub sides_cm: [f64; 3],
}

/// The first limit a bag breaks; each maps to a stable API code.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum BagLimitError {
    #[error("the bag holds {parcels} parcels; at most {max} are allowed")]
    TooManyParcels { parcels: u32, max: u32 },
    #[error("the bag weighs {weight_g} g; at most {max_g} g are allowed")]
    TooHeavy { weight_g: i64, max_g: i64 },
    #[error("a side of the bag is {side_cm} cm; at most {max_cm} cm are allowed")]
    SideTooLong { side_cm: f64, max_cm: f64 },
    #[error("the bag's three sides sum to {sum_cm} cm; at most {max_cm} cm are allowed")]
    DimensionsSumTooLarge { sum_cm: f64, max_cm: f64 },
    #[error("a bag's sides must be positive numbers of centimetres")]
    InvalidSize,
}

impl BagLimitError {
    /// The stable code clients branch on (docs/api.md, "Errors").
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooManyParcels { .. } => "bag_too_many_parcels",
            Self::TooHeavy { .. } => "bag_too_heavy",
            Self::SideTooLong { .. } => "bag_side_too_long",
            Self::DimensionsSumTooLarge { .. } => "bag_dimensions_sum_too_large",
            Self::InvalidSize => "bag_invalid_size",
        }
    }
}

/// A bag known to meet the limits in force: the only way to make one is
/// [`BagLimits::bag`], so code holding a `Bag` never checks it again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bag {
    declared: DeclaredBag,
}

impl Bag {
    pub fn parcels(&self) -> u32 {
        self.declared.parcels
    }

    pub fn weight_g(&self) -> i64 {
        self.declared.weight_g
    }

    pub fn sides_cm(&self) -> [f64; 3] {
        self.declared.sides_cm
    }
}

impl BagLimits {
    /// A bag within every limit, or the first limit it breaks.
    pub fn bag(&self, declared: DeclaredBag) -> Result<Bag, BagLimitError> {
        self.check(&declared)?;
        Ok(Bag { declared })
    }

    /// Checks a bag against every limit, in the order of the business rules.
    ///
    /// ```
    /// use firstmile::domain::{BagLimits, DeclaredBag};
    /// let limits = BagLimits::default();
    /// let bag = |parcels, weight_g| DeclaredBag { parcels, weight_g, sides_cm: [60.0, 60.0, 60.0] };
    /// assert!(limits.check(&bag(300, 50_000)).is_ok());
    /// assert_eq!(limits.check(&bag(301, 100)).map_err(|e| e.code()), Err("bag_too_many_parcels"));
    /// assert_eq!(limits.check(&bag(1, 50_001)).map_err(|e| e.code()), Err("bag_too_heavy"));
    /// ```
    pub fn check(&self, bag: &DeclaredBag) -> Result<(), BagLimitError> {
        if bag.parcels > self.max_parcels {
            return Err(BagLimitError::TooManyParcels {
                parcels: bag.parcels,
                max: self.max_parcels,
            });
        }
        self.check_measured(bag.weight_g, Some(bag.sides_cm))
    }

    /// Checks a measured weight and, when the courier measured them, the sides.
    pub fn check_measured(
        &self,
        weight_g: i64,
        sides_cm: Option<[f64; 3]>,
    ) -> Result<(), BagLimitError> {
        if weight_g > self.max_weight_g {
            return Err(BagLimitError::TooHeavy {
                weight_g,
                max_g: self.max_weight_g,
            });
        }
        let Some(sides) = sides_cm else {
            return Ok(());
        };
        if sides.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(BagLimitError::InvalidSize);
        }
        let longest = sides.iter().copied().fold(0.0_f64, f64::max);
        if longest > self.max_side_cm {
            return Err(BagLimitError::SideTooLong {
                side_cm: longest,
                max_cm: self.max_side_cm,
            });
        }
        let sum: f64 = sides.iter().sum();
        if sum > self.max_sum_cm {
            return Err(BagLimitError::DimensionsSumTooLarge {
                sum_cm: sum,
                max_cm: self.max_sum_cm,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(parcels: u32, weight_g: i64, sides_cm: [f64; 3]) -> DeclaredBag {
        DeclaredBag {
            parcels,
            weight_g,
            sides_cm,
        }
    }

    #[test]
    fn each_limit_holds_at_its_boundary_and_breaks_one_past_it() {
        let limits = BagLimits::default();
        let ok = [60.0, 60.0, 60.0];
        assert!(limits.check(&bag(300, 50_000, ok)).is_ok());
        let cases = [
            (bag(301, 1, ok), "bag_too_many_parcels"),
            (bag(1, 50_001, ok), "bag_too_heavy"),
            (bag(1, 1, [121.0, 29.0, 29.0]), "bag_side_too_long"),
            (
                bag(1, 1, [61.0, 60.0, 60.0]),
                "bag_dimensions_sum_too_large",
            ),
            (bag(1, 1, [0.0, 60.0, 60.0]), "bag_invalid_size"),
        ];
        for (b, code) in cases {
            assert_eq!(limits.check(&b).map_err(|e| e.code()), Err(code));
        }
        assert!(limits.check(&bag(1, 1, [120.0, 30.0, 30.0])).is_ok());
        let checked = limits.bag(bag(300, 50_000, ok));
        assert_eq!(checked.map(|b| b.parcels()), Ok(300));
        assert!(limits.bag(bag(301, 1, ok)).is_err());
    }
}
