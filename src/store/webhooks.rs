//! Webhook endpoints and their outbox (docs/api.md, "Webhooks"). Outbox rows are
//! made with the events (`events.rs`); here a worker leases due rows, records each
//! attempt, and schedules the next one or gives up.
//!
//! Key decision: a lease column (`lease_owner`, `lease_until_ms`) rather than a held
//! row lock, so a delivery is never sent inside an open transaction and the same
//! text works on SQLite and PostgreSQL. On PostgreSQL the claiming `UPDATE` picks
//! rows with `FOR UPDATE SKIP LOCKED` and re-checks the lease, so two servers never
//! lease one row at once; a server killed mid-attempt leaves a lease that expires,
//! and the attempt is made again (at least once).

use super::events::{NewEvent, append, event_from_row};
use super::{Backend, EventRecord, Store, StoreError, StoreResult};
use crate::domain::{DeliveryStatus, EventType, new_id};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A webhook endpoint (its secrets are never listed).
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookRecord {
    pub webhook_id: String,
    pub seller_id: String,
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub created_at_ms: i64,
    pub disabled_at_ms: Option<i64>,
}

impl TryFrom<&AnyRow> for WebhookRecord {
    type Error = sqlx::Error;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        let types: String = row.try_get("event_types")?;
        Ok(Self {
            webhook_id: row.try_get("webhook_id")?,
            seller_id: row.try_get("seller_id")?,
            url: row.try_get("url")?,
            event_types: types
                .split(',')
                .filter(|t| !t.is_empty() && *t != "*")
                .map(str::to_owned)
                .collect(),
            enabled: super::get_flag(row, "enabled")?,
            created_at_ms: row.try_get("created_at_ms")?,
            disabled_at_ms: row.try_get("disabled_at_ms")?,
        })
    }
}

/// A delivery leased by a worker, with what it sends.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub delivery_id: String,
    pub webhook_id: String,
    pub url: String,
    /// The secrets to sign with: the current one, and the previous one until it expires.
    pub secrets: Vec<String>,
    /// Attempts made before this one.
    pub attempts: i64,
    pub event: EventRecord,
}

/// How one attempt went.
#[derive(Clone, Debug, Default)]
pub struct AttemptOutcome {
    pub ok: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

/// One line of the delivery log.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub at_ms: i64,
    pub ok: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The delivery's state now: `pending`, `delivered` or `failed`.
    pub delivery_status: DeliveryStatus,
}

fn types_column(types: &[String]) -> String {
    if types.is_empty() {
        "*".into()
    } else {
        format!(",{},", types.join(","))
    }
}

const ENDPOINT_COLUMNS: &str =
    "webhook_id, seller_id, url, event_types, enabled, created_at_ms, disabled_at_ms";

impl Store {
    pub async fn insert_webhook(
        &self,
        seller_id: &str,
        url: &str,
        event_types: &[String],
        secret: &str,
        now_ms: i64,
    ) -> StoreResult<WebhookRecord> {
        let webhook_id = new_id("WH");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO webhook_endpoint (webhook_id, seller_id, url, event_types, secret, created_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&webhook_id)
        .bind(seller_id)
        .bind(url)
        .bind(types_column(event_types))
        .bind(secret)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        super::events::note_endpoint(&mut tx, seller_id).await?;
        tx.commit().await?;
        self.get_webhook(seller_id, &webhook_id).await
    }

    pub async fn get_webhook(
        &self,
        seller_id: &str,
        webhook_id: &str,
    ) -> StoreResult<WebhookRecord> {
        let row = sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE seller_id = $1 AND webhook_id = $2 AND deleted = 0"
        ))
        .bind(seller_id)
        .bind(webhook_id)
        .fetch_optional(&self.writer)
        .await?
        .ok_or_else(|| webhook_not_found(webhook_id))?;
        Ok(WebhookRecord::try_from(&row)?)
    }

    pub async fn list_webhooks(&self, seller_id: &str) -> StoreResult<Vec<WebhookRecord>> {
        sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE seller_id = $1 AND deleted = 0
             ORDER BY created_at_ms, webhook_id"
        ))
        .bind(seller_id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| WebhookRecord::try_from(r).map_err(Into::into))
        .collect()
    }

    /// Deletes an endpoint; its pending deliveries are dropped (marked failed).
    pub async fn delete_webhook(
        &self,
        seller_id: &str,
        webhook_id: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE webhook_endpoint SET deleted = 1, enabled = 0 WHERE seller_id = $1 AND webhook_id = $2 AND deleted = 0",
        )
        .bind(seller_id)
        .bind(webhook_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(webhook_not_found(webhook_id));
        }
        sqlx::query("UPDATE webhook_delivery SET status = 'failed', updated_at_ms = $2 WHERE webhook_id = $1 AND status = 'pending'")
            .bind(webhook_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new secret; the previous one keeps signing until `old_until_ms`. A
    /// disabled endpoint is enabled again.
    pub async fn rotate_webhook_secret(
        &self,
        seller_id: &str,
        webhook_id: &str,
        secret: &str,
        old_until_ms: i64,
    ) -> StoreResult<WebhookRecord> {
        let done = sqlx::query(
            "UPDATE webhook_endpoint SET old_secret = secret, old_secret_until_ms = $3, secret = $4,
                    enabled = 1, disabled_at_ms = NULL, failing_since_ms = NULL
             WHERE seller_id = $1 AND webhook_id = $2 AND deleted = 0",
        )
        .bind(seller_id)
        .bind(webhook_id)
        .bind(old_until_ms)
        .bind(secret)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(webhook_not_found(webhook_id));
        }
        self.get_webhook(seller_id, webhook_id).await
    }

    /// Leases up to `limit` due deliveries for `owner` until `lease_until_ms`,
    /// oldest first; none is leased by two workers at once.
    pub async fn lease_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<DueDelivery>> {
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_delivery SET lease_owner = $1, lease_until_ms = $2
             WHERE delivery_id IN (
                 SELECT delivery_id FROM webhook_delivery
                 WHERE status = 'pending' AND next_attempt_at_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms < $3)
                 ORDER BY next_attempt_at_ms, event_seq LIMIT $4{skip_locked})
               AND status = 'pending' AND (lease_until_ms IS NULL OR lease_until_ms < $3)"
        );
        let leased = sqlx::query(&sql)
            .bind(owner)
            .bind(lease_until_ms)
            .bind(now_ms)
            .bind(limit as i64)
            .execute(&self.writer)
            .await?;
        if leased.rows_affected() == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT d.delivery_id, d.webhook_id, d.attempts, w.url, w.secret, w.old_secret, w.old_secret_until_ms,
                    e.seq, e.event_id, e.event_type, e.created_at_ms, e.data
             FROM webhook_delivery d
             JOIN webhook_endpoint w ON w.webhook_id = d.webhook_id
             JOIN event e ON e.seller_id = d.seller_id AND e.seq = d.event_seq
             WHERE d.lease_owner = $1 AND d.lease_until_ms = $2 AND d.status = 'pending'
             ORDER BY d.webhook_id, d.event_seq",
        )
        .bind(owner)
        .bind(lease_until_ms)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|r| {
                let mut secrets = vec![r.try_get::<String, _>("secret")?];
                let old: Option<String> = r.try_get("old_secret")?;
                let until: Option<i64> = r.try_get("old_secret_until_ms")?;
                if let (Some(old), Some(until)) = (old, until)
                    && until > now_ms
                {
                    secrets.push(old);
                }
                Ok(DueDelivery {
                    delivery_id: r.try_get("delivery_id")?,
                    webhook_id: r.try_get("webhook_id")?,
                    url: r.try_get("url")?,
                    secrets,
                    attempts: r.try_get("attempts")?,
                    event: event_from_row(r)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Extends this worker's lease on a delivery just before its attempt; false if
    /// the lease was lost (it expired and another worker took the row), and then the
    /// attempt is not made. A batch sent one by one thus never outlives its lease.
    pub async fn renew_lease(
        &self,
        delivery_id: &str,
        owner: &str,
        until_ms: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE webhook_delivery SET lease_until_ms = $3
             WHERE delivery_id = $1 AND lease_owner = $2 AND status = 'pending'",
        )
        .bind(delivery_id)
        .bind(owner)
        .bind(until_ms)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records an attempt and moves its delivery on in one transaction: delivered;
    /// or pending again at `retry_at_ms`; or failed when that is `None`. An endpoint
    /// failing since longer than `disable_after_ms` is disabled, with a
    /// `webhook.disabled` event. Nothing is changed if the lease was lost meanwhile.
    pub async fn finish_attempt(
        &self,
        delivery: &DueDelivery,
        owner: &str,
        outcome: &AttemptOutcome,
        retry_at_ms: Option<i64>,
        disable_after_ms: i64,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let status = match (outcome.ok, retry_at_ms) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let moved = sqlx::query(
            "UPDATE webhook_delivery SET status = $3, attempts = attempts + 1, next_attempt_at_ms = $4,
                    lease_owner = NULL, lease_until_ms = NULL, updated_at_ms = $5
             WHERE delivery_id = $1 AND lease_owner = $2 AND status = 'pending'",
        )
        .bind(&delivery.delivery_id)
        .bind(owner)
        .bind(status)
        .bind(retry_at_ms.unwrap_or(now_ms))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO webhook_attempt (attempt_id, delivery_id, webhook_id, attempt, at_ms, ok, status_code, latency_ms, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id("WA"))
        .bind(&delivery.delivery_id)
        .bind(&delivery.webhook_id)
        .bind(delivery.attempts + 1)
        .bind(now_ms)
        .bind(super::flag(outcome.ok))
        .bind(outcome.status_code)
        .bind(outcome.latency_ms)
        .bind(outcome.error.clone())
        .execute(&mut *tx)
        .await?;
        if outcome.ok {
            sqlx::query(
                "UPDATE webhook_endpoint SET failing_since_ms = NULL WHERE webhook_id = $1",
            )
            .bind(&delivery.webhook_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE webhook_endpoint SET failing_since_ms = COALESCE(failing_since_ms, $2) WHERE webhook_id = $1",
            )
            .bind(&delivery.webhook_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            let disabled = sqlx::query(
                "UPDATE webhook_endpoint SET enabled = 0, disabled_at_ms = $2
                 WHERE webhook_id = $1 AND enabled = 1 AND failing_since_ms < $3
                 RETURNING seller_id, url",
            )
            .bind(&delivery.webhook_id)
            .bind(now_ms)
            .bind(now_ms - disable_after_ms)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = disabled {
                let seller_id: String = row.try_get("seller_id")?;
                let url: String = row.try_get("url")?;
                sqlx::query("UPDATE webhook_delivery SET status = 'failed', updated_at_ms = $2 WHERE webhook_id = $1 AND status = 'pending'")
                    .bind(&delivery.webhook_id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                let data = serde_json::json!({"webhook_id": delivery.webhook_id, "url": url});
                append(
                    &mut tx,
                    &seller_id,
                    &[NewEvent::new(EventType::WebhookDisabled, data)],
                    now_ms,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log of an endpoint, newest first.
    pub async fn list_attempts(
        &self,
        seller_id: &str,
        webhook_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<AttemptRecord>> {
        self.get_webhook(seller_id, webhook_id).await?;
        sqlx::query(
            "SELECT a.delivery_id, e.event_id, e.event_type, a.attempt, a.at_ms, a.ok, a.status_code, a.latency_ms,
                    a.error, d.status
             FROM webhook_attempt a
             JOIN webhook_delivery d ON d.delivery_id = a.delivery_id
             JOIN event e ON e.seller_id = d.seller_id AND e.seq = d.event_seq
             WHERE a.webhook_id = $1 ORDER BY a.at_ms DESC, e.seq DESC, a.attempt DESC LIMIT $2",
        )
        .bind(webhook_id)
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| {
            Ok(AttemptRecord {
                delivery_id: r.try_get("delivery_id")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("event_type")?,
                attempt: r.try_get("attempt")?,
                at_ms: r.try_get("at_ms")?,
                ok: super::get_flag(r, "ok")?,
                status_code: r.try_get("status_code")?,
                latency_ms: r.try_get("latency_ms")?,
                error: r.try_get("error")?,
                delivery_status: super::get_name(r, "status")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
    }

    /// Sends again: one event (`event_id`), or every failed delivery of events since
    /// `since_ms`. The delivery starts over with a fresh schedule. Returns how many.
    pub async fn replay_deliveries(
        &self,
        seller_id: &str,
        webhook_id: &str,
        event_id: Option<&str>,
        since_ms: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<u64> {
        self.get_webhook(seller_id, webhook_id).await?;
        let mut tx = self.begin_write().await?;
        let done = if let Some(event_id) = event_id {
            let row = sqlx::query("SELECT seq FROM event WHERE seller_id = $1 AND event_id = $2")
                .bind(seller_id)
                .bind(event_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::NotFound("event_not_found", format!("no event {event_id}"))
                })?;
            let seq: i64 = row.try_get("seq")?;
            sqlx::query(
                "INSERT INTO webhook_delivery (delivery_id, webhook_id, seller_id, event_seq, status, attempts,
                                               next_attempt_at_ms, created_at_ms, updated_at_ms)
                 VALUES ($1 || '.' || CAST($4 AS TEXT), $1, $2, $4, 'pending', 0, $3, $3, $3)
                 ON CONFLICT (delivery_id) DO UPDATE SET status = 'pending', attempts = 0,
                    next_attempt_at_ms = $3, lease_owner = NULL, lease_until_ms = NULL, updated_at_ms = $3",
            )
            .bind(webhook_id)
            .bind(seller_id)
            .bind(now_ms)
            .bind(seq)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE webhook_delivery SET status = 'pending', attempts = 0, next_attempt_at_ms = $3,
                        lease_owner = NULL, lease_until_ms = NULL, updated_at_ms = $3
                 WHERE webhook_id = $1 AND status = 'failed' AND event_seq IN
                   (SELECT seq FROM event WHERE seller_id = $2 AND created_at_ms >= $4)",
            )
            .bind(webhook_id)
            .bind(seller_id)
            .bind(now_ms)
            .bind(since_ms.unwrap_or(0))
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        tx.commit().await?;
        Ok(done)
    }
}

fn webhook_not_found(webhook_id: &str) -> StoreError {
    StoreError::NotFound("webhook_not_found", format!("no webhook {webhook_id}"))
}
