//! Local search after a construction heuristic: empty the weakest bags into the others,
//! then even out a near-empty straggler bag. Neither step can add a bag or break one:
//! every move is checked with the exact fit of `items.rs`.
//!
//! Key decision: "empty the weakest bag" moves each of the victim's items (largest
//! first) into the fullest bag that still holds it (first fit over bags sorted by
//! load, through a residual segment tree), and rolls back when one item finds no place.
//! Work is capped by a budget proportional to the number of items, so a hard instance
//! costs linear time, not quadratic.

use super::envelope::Limits;
use super::items::{Bag, Item};
use super::segtree::ResidualTree;

/// Victims tried per round before the search gives up.
const TRIES: usize = 12;

fn residual(b: &Bag, lim: &Limits) -> [f64; 3] {
    [
        f64::from(lim.max_parcels) - f64::from(b.count),
        lim.wcap as f64 - b.weight as f64,
        b.cap - b.volume,
    ]
}

fn need(it: &Item) -> [f64; 3] {
    [f64::from(it.count), it.weight as f64, it.volume]
}

/// Tries to remove bags by moving their items into other bags; returns bags removed.
pub(crate) fn empty_weakest(bags: &mut Vec<Bag>, items: &[Item], lim: &Limits) -> usize {
    let mut budget: i64 = 8 * items.len() as i64 + 50_000;
    let mut removed = 0;
    while bags.len() > 1 && budget > 0 {
        let mut order: Vec<usize> = (0..bags.len()).collect();
        let load: Vec<f64> = bags.iter().map(|b| b.load(lim)).collect();
        order.sort_by(|&a, &b| load[b].total_cmp(&load[a]));
        let mut tree = ResidualTree::new(order.len());
        for (leaf, &b) in order.iter().enumerate() {
            tree.set(leaf, Some(residual(&bags[b], lim)));
        }
        budget -= 2 * order.len() as i64;
        let mut emptied = None;
        for leaf in (0..order.len()).rev().take(TRIES) {
            let victim = order[leaf];
            tree.set(leaf, None);
            let mut ids = bags[victim].items.clone();
            ids.sort_by(|&a, &b| {
                items[b as usize]
                    .volume
                    .total_cmp(&items[a as usize].volume)
            });
            let mut saved: Vec<(usize, Bag)> = Vec::new();
            let mut ok = true;
            for id in ids {
                let it = &items[id as usize];
                let mut checks = 0i64;
                let found = tree.first_fit(need(it), 400, |l| {
                    checks += 1;
                    bags[order[l]].fits(it, lim).is_some()
                });
                budget -= checks + 20;
                let Some(l) = found else {
                    ok = false;
                    break;
                };
                let b = order[l];
                if !saved.iter().any(|(s, _)| *s == l) {
                    saved.push((l, bags[b].clone()));
                }
                if let Some(fit) = bags[b].fits(it, lim) {
                    bags[b].add(id, it, fit);
                }
                tree.set(l, Some(residual(&bags[b], lim)));
            }
            if ok {
                emptied = Some(victim);
                break;
            }
            for (l, bag) in saved.into_iter().rev() {
                tree.set(l, Some(residual(&bag, lim)));
                bags[order[l]] = bag;
            }
            tree.set(leaf, Some(residual(&bags[victim], lim)));
            if budget <= 0 {
                break;
            }
        }
        match emptied {
            Some(v) => {
                bags.swap_remove(v);
                removed += 1;
            }
            None => break,
        }
    }
    removed
}

/// If the emptiest bag is nearly empty, moves items from the fullest bags into it until
/// it is reasonably full, never emptying a donor below the same level.
pub(crate) fn even_out_straggler(bags: &mut [Bag], items: &[Item], lim: &Limits) {
    if bags.len() < 2 {
        return;
    }
    let load: Vec<f64> = bags.iter().map(|b| b.load(lim)).collect();
    let Some(s) = (0..bags.len()).min_by(|&a, &b| load[a].total_cmp(&load[b])) else {
        return;
    };
    let mean = load.iter().sum::<f64>() / load.len() as f64;
    let target = (0.5 * mean).min(0.5);
    if load[s] >= 0.25 || load[s] >= target {
        return;
    }
    let mut donors: Vec<usize> = (0..bags.len()).filter(|&d| d != s).collect();
    donors.sort_by(|&a, &b| load[b].total_cmp(&load[a]));
    for d in donors {
        let mut ids = bags[d].items.clone();
        ids.sort_by(|&a, &b| {
            items[a as usize]
                .volume
                .total_cmp(&items[b as usize].volume)
        });
        let mut moved = false;
        for id in ids {
            if bags[s].load(lim) >= target {
                break;
            }
            let it = &items[id as usize];
            let Some(fit) = bags[s].fits(it, lim) else {
                continue;
            };
            let rest: Vec<u32> = bags[d].items.iter().copied().filter(|&x| x != id).collect();
            if rest.is_empty() {
                break;
            }
            let donor = Bag::from_items(rest, items, lim);
            if donor.load(lim) < target {
                continue;
            }
            bags[s].add(id, it, fit);
            bags[d] = donor;
            moved = true;
        }
        if bags[s].load(lim) >= target || !moved && load[d] < target {
            break;
        }
    }
}
