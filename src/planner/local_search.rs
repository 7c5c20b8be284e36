//! Finishing touch after the search: even out a near-empty straggler bag with items
//! from full ones, at no extra bag. Every move is checked with the exact fit of
//! `items.rs`, so no bag breaks. (Emptying whole bags is `improve.rs`'s job.)

use super::envelope::Limits;
use super::items::{Bag, Item};

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
