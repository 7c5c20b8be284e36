//! Idempotency keys (docs/api.md, "Idempotency"): the first response to a creating POST is saved with a
//! hash of the request and replayed for the same key; a different request under the
//! same key is refused. A key is claimed with an INSERT before the work is done, so
//! two servers handling the same key at once cannot both create.

use super::{Store, StoreResult};
use sqlx::Row;

/// What a claim found.
#[derive(Clone, Debug, PartialEq)]
pub enum IdempotencyClaim {
    /// The key is new and now ours: do the work, then save the response.
    Claimed,
    /// The same request was answered before: replay this.
    Replay { status: u16, body: String },
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still being handled.
    InFlight,
}

impl Store {
    /// Claims `key` for `principal` and a request hash.
    pub async fn claim_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        request_hash: &str,
        now_ms: i64,
    ) -> StoreResult<IdempotencyClaim> {
        let claimed = sqlx::query(
            "INSERT INTO idempotency (principal_id, idempotency_key, request_hash, created_at_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (principal_id, idempotency_key) DO NOTHING",
        )
        .bind(principal)
        .bind(key)
        .bind(request_hash)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        if claimed.rows_affected() == 1 {
            return Ok(IdempotencyClaim::Claimed);
        }
        let row = sqlx::query(
            "SELECT request_hash, status_code, response_body FROM idempotency WHERE principal_id = $1 AND idempotency_key = $2",
        )
        .bind(principal)
        .bind(key)
        .fetch_one(&self.writer)
        .await?;
        let stored: String = row.try_get("request_hash")?;
        if stored != request_hash {
            return Ok(IdempotencyClaim::Mismatch);
        }
        let status: Option<i64> = row.try_get("status_code")?;
        let body: Option<String> = row.try_get("response_body")?;
        Ok(match (status, body) {
            (Some(status), Some(body)) => IdempotencyClaim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            },
            _ => IdempotencyClaim::InFlight,
        })
    }

    /// Saves the response of a claimed key.
    pub async fn save_idempotent_response(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency SET status_code = $3, response_body = $4 WHERE principal_id = $1 AND idempotency_key = $2",
        )
        .bind(principal)
        .bind(key)
        .bind(i64::from(status))
        .bind(body)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Releases a claimed key whose request failed on our side, so it can be retried.
    pub async fn release_idempotency_key(&self, principal: &str, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency WHERE principal_id = $1 AND idempotency_key = $2 AND status_code IS NULL")
            .bind(principal)
            .bind(key)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Deletes the idempotency records made before `cutoff_ms`; how many. A plain
    /// guarded DELETE: servers sweeping at once delete each record once.
    pub async fn delete_idempotency_before(&self, cutoff_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM idempotency WHERE created_at_ms < $1")
            .bind(cutoff_ms)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
