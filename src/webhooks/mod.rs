//! The webhook worker (docs/api.md, "Webhooks"): started by [`crate::app::serve`], it
//! leases due outbox rows, sends each one signed (Standard Webhooks), records the
//! attempt and schedules a retry with backoff and jitter; and it finds bags overdue
//! in transit, writing `bag.overdue` once per bag however many servers look.
//!
//! It runs beside the HTTP server on its own task and client, so a slow or dead
//! receiver holds up only its own deliveries, never a request. An endpoint's
//! deliveries of one lease are sent one after another in event order; endpoints are
//! served side by side.

pub mod client;

use crate::domain::events::{WEBHOOK_DISABLE_AFTER_MS, next_attempt_at};
use crate::domain::signing::sign;
use crate::domain::time::format_ms;
use crate::domain::{Clock, new_id};
use crate::store::{AttemptOutcome, DueDelivery, Store};
use client::UrlPolicy;
use rand::Rng;
use std::time::Duration;

/// How the worker runs (from `FIRSTMILE_WEBHOOK_*`).
#[derive(Clone, Copy, Debug)]
pub struct WorkerConfig {
    pub policy: UrlPolicy,
    /// How often due deliveries are looked for.
    pub poll: Duration,
    /// Connect and response timeout of one attempt.
    pub timeout: Duration,
    /// How long a lease lasts (longer than an attempt can take).
    pub lease_ms: i64,
    /// Most deliveries leased at once.
    pub batch: usize,
}

/// How often the overdue sweep runs, on the service clock.
const OVERDUE_SWEEP_MS: i64 = 60_000;

/// Runs until the task is dropped.
pub async fn run(store: Store, clock: Clock, config: WorkerConfig) {
    let owner = new_id("WK");
    let http = client::build_client(config.policy, config.timeout);
    let mut tick = tokio::time::interval(config.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_sweep = i64::MIN;
    loop {
        tick.tick().await;
        let now = clock.now_ms();
        if now.saturating_sub(last_sweep) >= OVERDUE_SWEEP_MS || now < last_sweep {
            last_sweep = now;
            if let Err(e) = sweep_overdue(&store, now).await {
                tracing::warn!(error = %e, "overdue sweep failed");
            }
        }
        if let Err(e) = deliver_due(&store, &clock, &http, &config, &owner).await {
            tracing::warn!(error = %e, "webhook delivery round failed");
        }
    }
}

/// Writes `bag.overdue` for bags found overdue; returns how many it wrote.
pub async fn sweep_overdue(store: &Store, now_ms: i64) -> crate::store::StoreResult<usize> {
    let mut written = 0;
    for (seller_id, event) in store.overdue_bag_events(now_ms).await? {
        match store.append_events(&seller_id, &[event], now_ms).await {
            Ok(()) => written += 1,
            // Another server wrote it first.
            Err(crate::store::StoreError::Database(e))
                if crate::store::StoreError::is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}

/// One round: lease what is due and send it; returns how many attempts were made.
pub async fn deliver_due(
    store: &Store,
    clock: &Clock,
    http: &reqwest::Client,
    config: &WorkerConfig,
    owner: &str,
) -> crate::store::StoreResult<usize> {
    let now = clock.now_ms();
    let due = store
        .lease_deliveries(owner, now, now + config.lease_ms, config.batch)
        .await?;
    let count = due.len();
    let mut groups: Vec<Vec<DueDelivery>> = Vec::new();
    for d in due {
        match groups.last_mut() {
            Some(g) if g[0].webhook_id == d.webhook_id => g.push(d),
            _ => groups.push(vec![d]),
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for group in groups {
        let (store, clock, http, config, owner) = (
            store.clone(),
            clock.clone(),
            http.clone(),
            *config,
            owner.to_owned(),
        );
        tasks.spawn(async move {
            for d in group {
                if let Err(e) = attempt(&store, &clock, &http, &config, &owner, &d).await {
                    tracing::warn!(error = %e, delivery = %d.delivery_id, "recording a webhook attempt failed");
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(count)
}

/// The body of an event's webhook: `{type, timestamp, data}`.
pub fn webhook_body(event: &crate::store::EventRecord) -> Vec<u8> {
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or_default();
    serde_json::json!({"type": event.event_type, "timestamp": format_ms(event.created_at_ms), "data": data})
        .to_string()
        .into_bytes()
}

async fn attempt(
    store: &Store,
    clock: &Clock,
    http: &reqwest::Client,
    config: &WorkerConfig,
    owner: &str,
    d: &DueDelivery,
) -> crate::store::StoreResult<()> {
    let until = clock.now_ms() + config.lease_ms;
    if !store.renew_lease(&d.delivery_id, owner, until).await? {
        return Ok(());
    }
    let body = webhook_body(&d.event);
    // The attempt is dated when it is sent: its retry is scheduled from then, however
    // long the receiver takes to answer.
    let sent_at = clock.now_ms();
    let timestamp = sent_at.div_euclid(1000);
    let signatures: Vec<String> = d
        .secrets
        .iter()
        .filter_map(|s| sign(s, &d.event.event_id, timestamp, &body))
        .collect();
    let headers = [
        ("webhook-id", d.event.event_id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signatures.join(" ")),
    ];
    let sent = client::post(http, &d.url, config.policy, headers, body).await;
    let outcome = AttemptOutcome {
        ok: sent.error.is_none(),
        status_code: sent.status.map(i64::from),
        latency_ms: i64::try_from(sent.latency.as_millis()).unwrap_or(i64::MAX),
        error: sent.error,
    };
    let made = u32::try_from(d.attempts + 1).unwrap_or(u32::MAX);
    let retry_at = if outcome.ok {
        None
    } else {
        next_attempt_at(sent_at, made, rand::thread_rng().r#gen::<f64>())
    };
    crate::metrics::webhook_delivery(match (outcome.ok, retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "failed",
        (false, None) => "gave_up",
    });
    store
        .finish_attempt(
            d,
            owner,
            &outcome,
            retry_at,
            WEBHOOK_DISABLE_AFTER_MS,
            sent_at,
        )
        .await
}
