//! The sandbox (docs/api.md, "Sandbox"): a test-mode seller's ERP can make firstmile
//! play the courier and the sorting center for one of its handovers, to see the events
//! and webhooks of a pickup, a failed pickup or an intake before a real courier comes.
//!
//! Key decision: a simulation is nothing but scans. Each step becomes the scan events a
//! real courier or sorting center would post, applied by [`record_scans`], the one path
//! of every scan, so the rows, the history, the events and the webhooks are the real
//! ones, and so are the refusals (a cancelled handover answers `handover_cancelled`).
//! The simulated courier is `courier:sandbox`, reaching only the handover's city; the
//! sorting center is the handover's own. Both reach only test-mode sellers' bags, and a
//! live seller cannot simulate at all (`not_test_mode`), so the sandbox never touches
//! live data.

use super::scans::record_scans;
use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::domain::{PickupFailureReason, Principal, Role, ScanType, new_id};
use crate::store::{CourierCities, HandoverView, ScanEvent, ScanKind, ScanReach, ScanResult};
use std::collections::HashSet;

/// The id of the courier the sandbox plays (in the handover's history).
pub const SANDBOX_COURIER: &str = "sandbox";

/// What to simulate, as asked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Simulation {
    /// `pickup_failed`, `picked_up`, `received`: one or more, each once, in this order.
    pub steps: Vec<String>,
    /// With `pickup_failed`: the courier's reason.
    pub reason: Option<String>,
    /// With `received`: registered parcels of the handover not found at intake.
    pub missing: Vec<String>,
    /// With `received`: parcels found in the (first) bag that are not registered in it.
    pub unregistered: Vec<String>,
}

/// One simulated step and the result of each scan it made.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatedStep {
    pub step: ScanType,
    pub results: Vec<ScanResult>,
}

/// The steps run (a step with a refused scan is the last) and the handover after them.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulated {
    pub steps: Vec<SimulatedStep>,
    pub handover: HandoverView,
}

/// The steps in the only order they can happen.
const ORDER: [ScanType; 3] = [
    ScanType::PickupFailed,
    ScanType::PickedUp,
    ScanType::Received,
];

/// The steps to run and, with `pickup_failed`, the courier's reason.
type Plan = (Vec<ScanType>, Option<PickupFailureReason>);

/// Parses the steps: known names, each once, in the order of [`ORDER`], with the
/// fields each needs and none it does not.
fn parse_steps(sim: &Simulation) -> ServiceResult<Plan> {
    let names: Vec<&str> = ORDER.iter().map(|s| s.as_str()).collect();
    if sim.steps.is_empty() {
        return Err(ServiceError::field(
            "steps",
            "required",
            format!("give one or more of: {}", names.join(", ")),
        ));
    }
    let mut steps = Vec::with_capacity(sim.steps.len());
    for (i, raw) in sim.steps.iter().enumerate() {
        let step = ScanType::try_from(raw.as_str()).map_err(|_| {
            ServiceError::field(
                format!("steps[{i}]"),
                "invalid",
                format!("{raw:?} is not one of: {}", names.join(", ")),
            )
        })?;
        let rank = |s: ScanType| ORDER.iter().position(|o| *o == s);
        if steps.last().is_some_and(|prev| rank(*prev) >= rank(step)) {
            return Err(ServiceError::field(
                format!("steps[{i}]"),
                "out_of_order",
                format!("steps run once each, in the order {}", names.join(", ")),
            ));
        }
        steps.push(step);
    }
    let failing = steps.contains(&ScanType::PickupFailed);
    let reason = match (&sim.reason, failing) {
        (None, true) => {
            return Err(ServiceError::field(
                "reason",
                "required",
                "pickup_failed needs a reason",
            ));
        }
        (Some(raw), true) => Some(PickupFailureReason::try_from(raw.as_str()).map_err(|_| {
            let names: Vec<&str> = PickupFailureReason::ALL
                .iter()
                .map(|r| r.as_str())
                .collect();
            ServiceError::field(
                "reason",
                "invalid",
                format!("{raw:?} is not one of: {}", names.join(", ")),
            )
        })?),
        (Some(_), false) => {
            return Err(ServiceError::field(
                "reason",
                "not_allowed",
                "a reason goes with pickup_failed only",
            ));
        }
        (None, false) => None,
    };
    if !steps.contains(&ScanType::Received) {
        for (field, list) in [
            ("missing", &sim.missing),
            ("unregistered", &sim.unregistered),
        ] {
            if !list.is_empty() {
                return Err(ServiceError::field(
                    field,
                    "not_allowed",
                    format!("{field} goes with received only"),
                ));
            }
        }
    }
    Ok((steps, reason))
}

/// Checks `missing` (parcels of the handover) and `unregistered` (parcels not in it).
fn check_parcels(sim: &Simulation, view: &HandoverView) -> ServiceResult<()> {
    let own: HashSet<&str> = view
        .bags
        .iter()
        .flat_map(|b| b.parcels.iter().map(String::as_str))
        .collect();
    for (i, t) in sim.missing.iter().enumerate() {
        if !own.contains(t.as_str()) {
            return Err(ServiceError::field(
                format!("missing[{i}]"),
                "not_in_handover",
                format!("{t} is not in a bag of this handover"),
            ));
        }
    }
    for (i, t) in sim.unregistered.iter().enumerate() {
        if own.contains(t.as_str()) {
            return Err(ServiceError::field(
                format!("unregistered[{i}]"),
                "in_handover",
                format!(
                    "{t} is registered in a bag of this handover; list it in missing or leave it out"
                ),
            ));
        }
        if crate::domain::TrackingNumber::parse(t).is_err() {
            return Err(ServiceError::field(
                format!("unregistered[{i}]"),
                "invalid",
                "a tracking number has 4 to 40 characters of A-Z a-z 0-9 - _",
            ));
        }
    }
    Ok(())
}

/// The scans of one step: one event per bag of the handover, at `now_ms`.
fn step_events(
    step: ScanType,
    reason: Option<PickupFailureReason>,
    sim: &Simulation,
    view: &HandoverView,
    now_ms: i64,
) -> Vec<ScanEvent> {
    let missing: HashSet<&str> = sim.missing.iter().map(String::as_str).collect();
    view.bags
        .iter()
        .enumerate()
        .map(|(i, bag)| {
            let kind = match step {
                ScanType::PickupFailed => ScanKind::PickupFailed {
                    reason: reason.unwrap_or(PickupFailureReason::Other),
                },
                // The scale agrees with the parcels' declared weights.
                ScanType::PickedUp => ScanKind::PickedUp {
                    measured_weight_g: bag.weight_g,
                    measured_sides_cm: None,
                },
                ScanType::Received => {
                    let mut found: Vec<String> = bag
                        .parcels
                        .iter()
                        .filter(|t| !missing.contains(t.as_str()))
                        .cloned()
                        .collect();
                    if i == 0 {
                        found.extend(sim.unregistered.iter().cloned());
                    }
                    ScanKind::Received {
                        parcels_found: found,
                    }
                }
            };
            ScanEvent {
                event_id: new_id("SIM"),
                bag_id: bag.bag_id.clone(),
                occurred_at_ms: now_ms,
                kind,
            }
        })
        .collect()
}

/// `simulate_handover`: plays the courier and the sorting center for a test-mode
/// seller's handover, step by step; stops after a step with a refused scan.
pub async fn simulate_handover(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    handover_id: &str,
    sim: &Simulation,
) -> ServiceResult<Simulated> {
    let seller = seller_scope(ctx, caller, seller_id).await?;
    if !seller.test_mode {
        return Err(ServiceError::Conflict(
            "not_test_mode",
            format!("seller {seller_id} is live; only a test-mode seller can simulate"),
        ));
    }
    let (steps, reason) = parse_steps(sim)?;
    let view = ctx.store.get_handover(seller_id, handover_id).await?;
    check_parcels(sim, &view)?;
    let courier = Principal {
        role: Role::Courier,
        id: SANDBOX_COURIER.into(),
    };
    let center = Principal {
        role: Role::SortingCenter,
        id: view.handover.sorting_center.clone(),
    };
    let reach = ScanReach {
        courier_cities: CourierCities::Fixed(HashSet::from([view
            .handover
            .address
            .city_code
            .clone()])),
        test_mode: true,
    };
    let mut done = Vec::with_capacity(steps.len());
    for step in steps {
        let poster = if step == ScanType::Received {
            &center
        } else {
            &courier
        };
        let events = step_events(step, reason, sim, &view, ctx.clock.now_ms());
        let results = record_scans(ctx, poster, &reach, &events).await?;
        let refused = results.iter().any(|r| !r.accepted);
        done.push(SimulatedStep { step, results });
        if refused {
            break;
        }
    }
    tracing::info!(handover.id = %handover_id, seller.id = %seller_id, sandbox.steps = done.len(), "handover simulated");
    let handover = ctx.store.get_handover(seller_id, handover_id).await?;
    Ok(Simulated {
        steps: done,
        handover,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(steps: &[&str], reason: Option<&str>) -> Simulation {
        Simulation {
            steps: steps.iter().map(|s| (*s).to_owned()).collect(),
            reason: reason.map(str::to_owned),
            ..Simulation::default()
        }
    }

    fn field_of(err: ServiceError) -> (String, String) {
        match err {
            ServiceError::Field { field, code, .. } => (field, code.into_owned()),
            other => panic!("not a field error: {other:?}"),
        }
    }

    type Case<'a> = (&'a [&'a str], Option<&'a str>, (&'a str, &'a str));

    #[test]
    fn steps_run_once_each_in_their_order() {
        assert_eq!(
            parse_steps(&sim(&["picked_up", "received"], None)).unwrap(),
            (vec![ScanType::PickedUp, ScanType::Received], None)
        );
        assert_eq!(
            parse_steps(&sim(&["pickup_failed"], Some("not_ready"))).unwrap(),
            (
                vec![ScanType::PickupFailed],
                Some(PickupFailureReason::NotReady)
            )
        );
        // (steps, reason, the refused field and its code)
        let cases: &[Case] = &[
            (&[], None, ("steps", "required")),
            (&["lost"], None, ("steps[0]", "invalid")),
            (
                &["received", "picked_up"],
                None,
                ("steps[1]", "out_of_order"),
            ),
            (
                &["picked_up", "picked_up"],
                None,
                ("steps[1]", "out_of_order"),
            ),
            (&["pickup_failed"], None, ("reason", "required")),
            (&["pickup_failed"], Some("rain"), ("reason", "invalid")),
            (&["picked_up"], Some("not_ready"), ("reason", "not_allowed")),
        ];
        for (steps, reason, (field, code)) in cases {
            let err = parse_steps(&sim(steps, *reason)).unwrap_err();
            assert_eq!(
                field_of(err),
                ((*field).to_owned(), (*code).to_owned()),
                "{steps:?}"
            );
        }
        let mut missing_without_intake = sim(&["picked_up"], None);
        missing_without_intake.missing = vec!["TN0001".into()];
        assert_eq!(
            field_of(parse_steps(&missing_without_intake).unwrap_err()).0,
            "missing"
        );
    }
}
