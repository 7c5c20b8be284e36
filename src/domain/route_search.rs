//! The route search beyond the exact limit (see [`route`](super::route)): a short open
//! path through many stops in milliseconds.
//!
//! - Stops are projected to a plane around their mean latitude (metres); over a city
//!   the error against great-circle distance is far below a route's slack.
//! - Each stop's [`NEIGHBOURS`] nearest stops come from an R-tree: O(n log n).
//! - Construction: greedy edges, shortest first, among neighbour pairs (no stop gets
//!   a third edge, no cycle), then the fragments joined nearest end first.
//! - The open path is a closed tour through one extra "free" node at distance 0 from
//!   every stop; the tour's two edges at that node are the path's two ends, so moves
//!   that re-choose the ends need no special case.
//! - Local search: 2-opt and Or-opt (segments of 1 to 3 stops, either way round),
//!   each move only towards a stop's neighbours, driven by a queue of stops whose
//!   surroundings changed ("don't-look bits").
//! - Then a fixed number of rounds of iterated local search: a segment swap between a
//!   stop and two of its neighbours, local search around it, kept only if shorter.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Candidate neighbours per stop.
pub const NEIGHBOURS: usize = 10;
/// Perturbation rounds per stop (a fixed count keeps the result deterministic).
pub const ROUNDS_PER_STOP: usize = 4;
const EPS: f64 = 1e-7;
const EARTH_RADIUS_M: f64 = 6_371_008.8;
const NONE: usize = usize::MAX;

/// A short open path through `points` ((lat, lon) pairs), as indices.
pub fn search(points: &[(f64, f64)], budget: Duration) -> Vec<usize> {
    search_rounds(points, ROUNDS_PER_STOP * points.len(), budget)
}

/// [`search`] with an explicit number of perturbation rounds (benchmarks use a long
/// run as a reference).
pub fn search_rounds(points: &[(f64, f64)], rounds: usize, budget: Duration) -> Vec<usize> {
    let n = points.len();
    if n <= 3 {
        return (0..n).collect();
    }
    let deadline = Instant::now() + budget;
    let mut s = Search::new(points);
    let path = s.greedy_edges();
    s.load(path);
    let all: Vec<usize> = (0..n).collect();
    s.local_search(&all, deadline);
    s.perturb(rounds, deadline);
    s.path()
}

struct Search {
    xy: Vec<[f64; 2]>,
    /// Sorted nearest-first, without the stop itself.
    near: Vec<Vec<usize>>,
    /// The tour over n stops plus the free node `n`.
    order: Vec<usize>,
    pos: Vec<usize>,
    length: f64,
    queued: Vec<bool>,
}

impl Search {
    fn new(points: &[(f64, f64)]) -> Self {
        let n = points.len();
        let lat0 = points.iter().map(|p| p.0).sum::<f64>() / n as f64;
        let k = lat0.to_radians().cos() * EARTH_RADIUS_M;
        let xy: Vec<[f64; 2]> = points
            .iter()
            .map(|p| [p.1.to_radians() * k, p.0.to_radians() * EARTH_RADIUS_M])
            .collect();
        let tree = RTree::bulk_load(
            xy.iter()
                .enumerate()
                .map(|(i, p)| GeomWithData::new(*p, i))
                .collect(),
        );
        let near = xy
            .iter()
            .enumerate()
            .map(|(i, p)| {
                tree.nearest_neighbor_iter(p)
                    .filter(|g| g.data != i)
                    .take(NEIGHBOURS)
                    .map(|g| g.data)
                    .collect()
            })
            .collect();
        Self {
            xy,
            near,
            order: Vec::new(),
            pos: vec![0; n + 1],
            length: 0.0,
            queued: vec![false; n + 1],
        }
    }

    fn free(&self) -> usize {
        self.xy.len()
    }

    fn d(&self, a: usize, b: usize) -> f64 {
        if a == self.free() || b == self.free() {
            return 0.0;
        }
        let (p, q) = (self.xy[a], self.xy[b]);
        (p[0] - q[0]).hypot(p[1] - q[1])
    }

    /// Greedy-edge construction over neighbour pairs; fragments joined nearest first.
    fn greedy_edges(&self) -> Vec<usize> {
        let n = self.xy.len();
        let mut edges: Vec<(f64, usize, usize)> = Vec::with_capacity(n * NEIGHBOURS);
        for (i, list) in self.near.iter().enumerate() {
            for &j in list {
                if i < j || !self.near[j].contains(&i) {
                    edges.push((self.d(i, j), i.min(j), i.max(j)));
                }
            }
        }
        edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        edges.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        let mut root: Vec<usize> = (0..n).collect();
        let mut adj = vec![[NONE; 2]; n];
        let degree = |adj: &[[usize; 2]], v: usize| adj[v].iter().filter(|&&x| x != NONE).count();
        for &(_, i, j) in &edges {
            if degree(&adj, i) == 2 || degree(&adj, j) == 2 {
                continue;
            }
            let (ri, rj) = (find(&mut root, i), find(&mut root, j));
            if ri == rj {
                continue;
            }
            root[ri] = rj;
            let (di, dj) = (degree(&adj, i), degree(&adj, j));
            adj[i][di] = j;
            adj[j][dj] = i;
        }
        let ends: Vec<usize> = (0..n).filter(|&v| degree(&adj, v) < 2).collect();
        let mut used = vec![false; n];
        let mut path = Vec::with_capacity(n);
        let mut start = ends.first().copied().unwrap_or(0);
        loop {
            let (mut prev, mut cur) = (NONE, start);
            while cur != NONE {
                used[cur] = true;
                path.push(cur);
                let next = adj[cur].iter().copied().find(|&x| x != NONE && x != prev);
                prev = cur;
                cur = next.unwrap_or(NONE);
            }
            let tail = path[path.len() - 1];
            let next = ends
                .iter()
                .copied()
                .filter(|&e| !used[e])
                .min_by(|&a, &b| self.d(tail, a).total_cmp(&self.d(tail, b)));
            match next {
                Some(e) => start = e,
                None => break,
            }
        }
        path
    }

    fn load(&mut self, mut path: Vec<usize>) {
        path.push(self.free());
        self.order = path;
        for (i, &v) in self.order.iter().enumerate() {
            self.pos[v] = i;
        }
        let m = self.order.len();
        self.length = (0..m)
            .map(|i| self.d(self.order[i], self.order[(i + 1) % m]))
            .sum();
    }

    fn next(&self, v: usize) -> usize {
        self.order[(self.pos[v] + 1) % self.order.len()]
    }

    fn prev(&self, v: usize) -> usize {
        let m = self.order.len();
        self.order[(self.pos[v] + m - 1) % m]
    }

    /// The stops in path order: the tour cut open at the free node.
    fn path(&self) -> Vec<usize> {
        let m = self.order.len();
        let at = self.pos[self.free()];
        (1..m).map(|k| self.order[(at + k) % m]).collect()
    }

    /// Replaces edges (a, b) and (c, d), with b after a and d after c, by (a, c) and
    /// (b, d), reversing the shorter side.
    fn two_opt_move(&mut self, a: usize, b: usize, c: usize, d: usize) {
        let m = self.order.len();
        let (mut i, mut j) = (self.pos[b], self.pos[c]);
        let mut len = (j + m - i) % m + 1;
        if 2 * len > m {
            (i, j) = (self.pos[d], self.pos[a]);
            len = m - len;
        }
        for s in 0..len / 2 {
            let (x, y) = ((i + s) % m, (j + m - s) % m);
            self.order.swap(x, y);
            self.pos[self.order[x]] = x;
            self.pos[self.order[y]] = y;
        }
    }

    /// The best-first improving 2-opt move from `a`, applied; the stops it touched.
    fn try_two_opt(&mut self, a: usize) -> Option<[usize; 4]> {
        for forward in [true, false] {
            let step = |s: &Self, v| if forward { s.next(v) } else { s.prev(v) };
            let b = step(self, a);
            let dab = self.d(a, b);
            let free = self.free();
            for c in std::iter::once(free).chain(self.near[a].iter().copied()) {
                let g1 = dab - self.d(a, c);
                if g1 <= EPS {
                    break;
                }
                let d = step(self, c);
                if c == b || d == a {
                    continue;
                }
                let gain = g1 + self.d(c, d) - self.d(b, d);
                if gain > EPS {
                    if forward {
                        self.two_opt_move(a, b, c, d);
                    } else {
                        self.two_opt_move(b, a, d, c);
                    }
                    self.length -= gain;
                    return Some([a, b, c, d]);
                }
            }
        }
        None
    }

    /// An improving Or-opt move of the 1 to 3 stops from `a` onwards, applied.
    fn try_or_opt(&mut self, a: usize) -> Option<[usize; 6]> {
        let free = self.free();
        let m = self.order.len();
        let mut seg = vec![a];
        for k in 1..=3 {
            if k > 1 {
                let v = self.next(seg[k - 2]);
                seg.push(v);
            }
            if seg.contains(&free) || m < k + 3 {
                return None;
            }
            let (s1, s2) = (seg[0], seg[k - 1]);
            let (p, nx) = (self.prev(s1), self.next(s2));
            let removed = self.d(p, s1) + self.d(s2, nx) - self.d(p, nx);
            if removed <= EPS {
                continue;
            }
            for (x, y) in [(s1, s2), (s2, s1)] {
                for c in std::iter::once(free).chain(self.near[x].iter().copied()) {
                    if seg.contains(&c) {
                        continue;
                    }
                    let g1 = removed - self.d(c, x);
                    if g1 <= EPS {
                        break;
                    }
                    for e in [self.next(c), self.prev(c)] {
                        if seg.contains(&e) {
                            continue;
                        }
                        let gain = g1 + self.d(c, e) - self.d(y, e);
                        if gain > EPS {
                            self.move_segment(&seg, c, e, x);
                            self.length -= gain;
                            return Some([p, nx, s1, s2, c, e]);
                        }
                    }
                }
            }
        }
        None
    }

    /// Moves `seg` (consecutive, in tour order) between the adjacent `c` and `e`, its
    /// end `x` next to `c`.
    fn move_segment(&mut self, seg: &[usize], c: usize, e: usize, x: usize) {
        let m = self.order.len();
        let after = self.next(seg[seg.len() - 1]);
        let start = self.pos[after];
        let mut out = Vec::with_capacity(m);
        for k in 0..m - seg.len() {
            let v = self.order[(start + k) % m];
            out.push(v);
            let w = self.order[(start + k + 1) % m];
            let w = if seg.contains(&w) { after } else { w };
            if (v == c && w == e) || (v == e && w == c) {
                // The block starts beside `v`: with `x` when `v` is `c`.
                let first = if v == c { x } else { other_end(seg, x) };
                if first == seg[0] {
                    out.extend_from_slice(seg);
                } else {
                    out.extend(seg.iter().rev());
                }
            }
        }
        self.order = out;
        for (i, &v) in self.order.iter().enumerate() {
            self.pos[v] = i;
        }
    }

    fn local_search(&mut self, start: &[usize], deadline: Instant) {
        let mut queue: VecDeque<usize> = VecDeque::new();
        for &v in start {
            if !self.queued[v] {
                self.queued[v] = true;
                queue.push_back(v);
            }
        }
        let mut pops = 0usize;
        while let Some(a) = queue.pop_front() {
            self.queued[a] = false;
            pops += 1;
            if pops.is_multiple_of(64) && Instant::now() > deadline {
                break;
            }
            if a == self.free() {
                continue;
            }
            let touched: Vec<usize> = if let Some(t) = self.try_two_opt(a) {
                t.to_vec()
            } else if let Some(t) = self.try_or_opt(a) {
                t.to_vec()
            } else {
                continue;
            };
            for v in touched {
                if !self.queued[v] {
                    self.queued[v] = true;
                    queue.push_back(v);
                }
            }
        }
        for v in queue {
            self.queued[v] = false;
        }
    }

    /// Iterated local search: segment swaps near a random stop, kept when shorter.
    fn perturb(&mut self, rounds: usize, deadline: Instant) {
        let n = self.xy.len();
        let mut rng = StdRng::seed_from_u64(0x0f1e_57ad);
        let mut best = (self.order.clone(), self.pos.clone(), self.length);
        for _ in 0..rounds {
            if Instant::now() > deadline {
                break;
            }
            let v = rng.gen_range(0..n);
            let near = &self.near[v];
            let (i, j) = (rng.gen_range(0..near.len()), rng.gen_range(0..near.len()));
            let mut cuts = [self.pos[v], self.pos[near[i]], self.pos[near[j]]];
            cuts.sort_unstable();
            if cuts[0] == cuts[1] || cuts[1] == cuts[2] {
                continue;
            }
            let touched = self.swap_segments(cuts);
            self.local_search(&touched, deadline);
            if self.length + EPS < best.2 {
                best.0.clone_from(&self.order);
                best.1.clone_from(&self.pos);
                best.2 = self.length;
            } else {
                self.order.clone_from(&best.0);
                self.pos.clone_from(&best.1);
                self.length = best.2;
            }
        }
    }

    /// Swaps the segments after the tour positions `q0 < q1 < q2`: A B C D -> A C B D.
    fn swap_segments(&mut self, [q0, q1, q2]: [usize; 3]) -> Vec<usize> {
        let o = &self.order;
        let ends = [o[q0], o[q0 + 1], o[q1], o[q1 + 1], o[q2]];
        let after = o.get(q2 + 1).copied().unwrap_or(o[0]);
        let before = self.d(ends[0], ends[1]) + self.d(ends[2], ends[3]) + self.d(ends[4], after);
        let now = self.d(ends[0], ends[3]) + self.d(ends[4], ends[1]) + self.d(ends[2], after);
        let mut block: Vec<usize> = o[q1 + 1..=q2].to_vec();
        block.extend_from_slice(&o[q0 + 1..=q1]);
        self.order[q0 + 1..=q2].copy_from_slice(&block);
        for k in q0 + 1..=q2 {
            self.pos[self.order[k]] = k;
        }
        self.length += now - before;
        let mut touched = ends.to_vec();
        touched.push(after);
        touched
    }
}

fn other_end(seg: &[usize], x: usize) -> usize {
    if seg[0] == x {
        seg[seg.len() - 1]
    } else {
        seg[0]
    }
}

fn find(root: &mut [usize], mut v: usize) -> usize {
    while root[v] != v {
        root[v] = root[root[v]];
        v = root[v];
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| {
                let (r, c) = (i / 10, i % 10);
                (22.5 + r as f64 * 0.01, 114.0 + c as f64 * 0.01)
            })
            .collect()
    }

    #[test]
    fn a_grid_is_routed_without_crossings() {
        // 100 stops on a 10 x 10 grid of about 1 km: the optimum is 99 steps.
        let points = grid(100);
        let order = search(&points, Duration::from_secs(5));
        let length = super::super::route::path_length(&points, &order);
        let step = super::super::route::distance_m(points[0], points[1]);
        assert!(length < 99.0 * step * 1.1, "{length} vs {}", 99.0 * step);
    }

    #[test]
    fn the_tour_length_is_tracked_exactly() {
        let points = grid(60);
        let mut s = Search::new(&points);
        let path = s.greedy_edges();
        s.load(path);
        s.local_search(
            &(0..60).collect::<Vec<_>>(),
            Instant::now() + Duration::from_secs(5),
        );
        s.perturb(200, Instant::now() + Duration::from_secs(5));
        let tracked = s.length;
        s.load(s.path());
        assert!(
            (tracked - s.length).abs() < 1e-3,
            "{tracked} vs {}",
            s.length
        );
    }
}
