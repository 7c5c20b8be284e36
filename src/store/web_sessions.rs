//! Seller-center sessions (docs/rules.md, rule 18): stored by the hash of their id,
//! with an idle and an absolute expiry, revoked at sign-out. Reading a live session
//! slides its idle expiry in the same statement, so there is no read-then-write race.

use super::{Store, StoreResult};
use crate::domain::keys::hash_token;
use crate::domain::{Principal, Role};
use sqlx::Row;

/// A live session.
#[derive(Clone, Debug, PartialEq)]
pub struct WebSessionRecord {
    pub principal: Principal,
    /// The seller it acts for (an ISV's picked seller; none before the pick).
    pub seller_id: Option<String>,
    /// The per-session CSRF token every state-changing form carries.
    pub csrf_token: String,
}

/// A new session to store.
#[derive(Clone, Debug)]
pub struct NewWebSession<'a> {
    pub session_id: &'a str,
    pub principal: &'a Principal,
    pub seller_id: Option<&'a str>,
    pub csrf_token: &'a str,
    pub now_ms: i64,
    pub expires_at_ms: i64,
}

impl Store {
    /// Stores a session under the hash of its id.
    pub async fn insert_web_session(&self, s: &NewWebSession<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO web_session (session_hash, role, principal_id, seller_id, csrf_token,
                                      created_at_ms, last_seen_ms, expires_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(hash_token(s.session_id))
        .bind(s.principal.role.as_str())
        .bind(&s.principal.id)
        .bind(s.seller_id.map(str::to_owned))
        .bind(s.csrf_token)
        .bind(s.now_ms)
        .bind(s.expires_at_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The live session with this id, its idle expiry slid to `now_ms`; none when
    /// unknown, revoked, idle longer than `idle_ms` or past its absolute expiry.
    pub async fn touch_web_session(
        &self,
        session_id: &str,
        now_ms: i64,
        idle_ms: i64,
    ) -> StoreResult<Option<WebSessionRecord>> {
        let row = sqlx::query(
            "UPDATE web_session SET last_seen_ms = $2
             WHERE session_hash = $1 AND revoked_at_ms IS NULL
               AND last_seen_ms + $3 > $2 AND expires_at_ms > $2
             RETURNING role, principal_id, seller_id, csrf_token",
        )
        .bind(hash_token(session_id))
        .bind(now_ms)
        .bind(idle_ms)
        .fetch_optional(&self.writer)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role")?;
        let Some(role) = Role::parse(&role) else {
            return Ok(None);
        };
        Ok(Some(WebSessionRecord {
            principal: Principal {
                role,
                id: row.try_get("principal_id")?,
            },
            seller_id: row.try_get("seller_id")?,
            csrf_token: row.try_get("csrf_token")?,
        }))
    }

    /// Sets the seller a live session acts for.
    pub async fn set_web_session_seller(
        &self,
        session_id: &str,
        seller_id: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE web_session SET seller_id = $2 WHERE session_hash = $1 AND revoked_at_ms IS NULL")
            .bind(hash_token(session_id))
            .bind(seller_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Revokes a session: its cookie no longer works, even if a copy survives.
    pub async fn revoke_web_session(&self, session_id: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE web_session SET revoked_at_ms = $2 WHERE session_hash = $1 AND revoked_at_ms IS NULL",
        )
        .bind(hash_token(session_id))
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The sellers that granted an ISV, by name: (seller id, name).
    pub async fn list_granting_sellers(&self, isv_id: &str) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT s.seller_id, s.name FROM isv_grant g JOIN seller s ON s.seller_id = g.seller_id
             WHERE g.isv_id = $1 ORDER BY s.name, s.seller_id",
        )
        .bind(isv_id)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|r| Ok((r.try_get("seller_id")?, r.try_get("name")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
