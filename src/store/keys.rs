//! API keys. Only a SHA-256 hash of each token is stored; the token itself is shown
//! once, when it is issued.

use super::{Store, StoreResult};
use crate::domain::{Principal, Role};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A new random token for `role`: `fm_<role>_<40 random characters>`.
pub fn new_token(role: Role) -> String {
    let secret: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("fm_{}_{secret}", role.as_str())
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Stores the hash of `token` as a key of `principal`.
    pub async fn insert_key(
        &self,
        principal: &Principal,
        token: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_key (key_hash, role, principal_id, created_at_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_token(token))
        .bind(principal.role.as_str())
        .bind(&principal.id)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The principal a token belongs to, if any.
    pub async fn get_principal_by_token(&self, token: &str) -> StoreResult<Option<Principal>> {
        let row = sqlx::query("SELECT role, principal_id FROM api_key WHERE key_hash = $1")
            .bind(hash_token(token))
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role")?;
        let id: String = row.try_get("principal_id")?;
        Ok(Role::parse(&role).map(|role| Principal { role, id }))
    }

    /// Makes sure the operator can log in. With `configured` set, that token is
    /// registered (idempotently); otherwise, if no operator key exists yet, a new one
    /// is made and returned so the caller can print it once.
    pub async fn ensure_operator_key(
        &self,
        configured: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<Option<String>> {
        let operator = Principal {
            role: Role::Operator,
            id: "operator".into(),
        };
        if let Some(token) = configured {
            sqlx::query(
                "INSERT INTO api_key (key_hash, role, principal_id, created_at_ms) VALUES ($1, 'operator', 'operator', $2) ON CONFLICT (key_hash) DO NOTHING",
            )
            .bind(hash_token(token))
            .bind(now_ms)
            .execute(&self.writer)
            .await?;
            return Ok(None);
        }
        let existing: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM api_key WHERE role = 'operator'")
                .fetch_one(&self.writer)
                .await?
                .try_get("n")?;
        if existing > 0 {
            return Ok(None);
        }
        let token = new_token(Role::Operator);
        self.insert_key(&operator, &token, now_ms).await?;
        Ok(Some(token))
    }
}
