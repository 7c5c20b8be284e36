//! A segment tree over bag residuals (parcel count, weight, volume) for first-fit
//! queries: the leftmost bag whose residuals may hold an item, confirmed by an exact
//! check. Subtrees whose largest residual in some resource is too small are skipped,
//! which makes first fit close to O(log bags) per item instead of a scan of all bags.
//! The volume residual is an upper bound (a bag's capacity only shrinks as parcels with
//! longer sides join), so pruning never skips a bag that fits.

/// Max-residual segment tree over a growing list of bags.
pub(crate) struct ResidualTree {
    size: usize,
    max: Vec<[f64; 3]>,
}

const NONE: [f64; 3] = [f64::NEG_INFINITY; 3];

impl ResidualTree {
    /// A tree for up to `n` leaves, all empty (never matching).
    pub fn new(n: usize) -> Self {
        let size = n.max(1).next_power_of_two();
        ResidualTree {
            size,
            max: vec![NONE; 2 * size],
        }
    }

    /// Sets leaf `i`'s residuals (`None` removes it from queries).
    pub fn set(&mut self, i: usize, r: Option<[f64; 3]>) {
        let mut n = i + self.size;
        self.max[n] = r.unwrap_or(NONE);
        while n > 1 {
            n /= 2;
            let (a, b) = (self.max[2 * n], self.max[2 * n + 1]);
            self.max[n] = [a[0].max(b[0]), a[1].max(b[1]), a[2].max(b[2])];
        }
    }

    /// Leftmost leaf whose residuals are all at least `need` and that `exact` accepts,
    /// giving up (`None`) after `budget` visited nodes: when two resources bind, the
    /// largest residuals of a subtree may sit in different bags and pruning weakens, so
    /// the budget keeps a query bounded.
    pub fn first_fit(
        &self,
        need: [f64; 3],
        budget: usize,
        mut exact: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        let mut left = budget;
        self.descend(1, need, &mut left, &mut exact)
    }

    fn descend(
        &self,
        n: usize,
        need: [f64; 3],
        left: &mut usize,
        exact: &mut impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        let m = self.max[n];
        if *left == 0 || m[0] < need[0] || m[1] < need[1] || m[2] < need[2] {
            return None;
        }
        *left -= 1;
        if n >= self.size {
            let leaf = n - self.size;
            return if exact(leaf) { Some(leaf) } else { None };
        }
        self.descend(2 * n, need, left, exact)
            .or_else(|| self.descend(2 * n + 1, need, left, exact))
    }
}
