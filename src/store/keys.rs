//! API keys (docs/api.md, "Keys"). Only a SHA-256 hash of each key is stored; the key
//! itself is shown once, when it is made. A key is looked up on every request, with no
//! cache, so a revoked key is refused at once by every server sharing the database.

use super::{Store, StoreError, StoreResult};
use crate::domain::keys::{LAST_USED_GRANULARITY_MS, token_hint};
use crate::domain::{Principal, Role, hash_token, new_id};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How a key came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Made through the API (or with its principal).
    Api,
    /// The operator token of `FIRSTMILE_OPERATOR_TOKEN`, reconciled at every start.
    Env,
    /// The operator token generated on the first start of an empty database.
    Generated,
}

impl KeyOrigin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Env => "env",
            Self::Generated => "generated",
        }
    }
}

/// A stored key, without its secret.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRecord {
    pub key_id: String,
    pub role: Role,
    pub principal_id: String,
    pub name: String,
    /// The key's prefix and first characters, when it has our prefix.
    pub hint: Option<String>,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
}

impl TryFrom<AnyRow> for KeyRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            key_id: row.try_get("key_id")?,
            role: super::get_name(&row, "role")?,
            principal_id: row.try_get("principal_id")?,
            name: row.try_get("name")?,
            hint: row.try_get("hint")?,
            created_at_ms: row.try_get("created_at_ms")?,
            last_used_at_ms: row.try_get("last_used_at_ms")?,
        })
    }
}

/// A page of keys, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyPage {
    pub items: Vec<KeyRecord>,
    pub next_cursor: Option<String>,
}

/// A key about to be stored: its principal, name and secret.
#[derive(Clone, Debug)]
pub struct NewKey<'a> {
    pub principal: &'a Principal,
    pub name: &'a str,
    pub token: &'a str,
    pub now_ms: i64,
}

/// What reconciling the operator's environment token did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OperatorReconciliation {
    /// A token generated because no operator key was left: print it once.
    pub generated: Option<String>,
    /// Earlier environment keys revoked.
    pub revoked: u64,
    /// The configured token is a key that was revoked: it stays revoked.
    pub configured_was_revoked: bool,
}

/// Stores a key on a connection (inside the caller's transaction).
pub(crate) async fn insert_key_on(
    conn: &mut sqlx::AnyConnection,
    key: &NewKey<'_>,
    origin: KeyOrigin,
) -> StoreResult<KeyRecord> {
    let record = KeyRecord {
        key_id: new_id("AK"),
        role: key.principal.role,
        principal_id: key.principal.id.clone(),
        name: key.name.to_owned(),
        hint: token_hint(key.token),
        created_at_ms: key.now_ms,
        last_used_at_ms: None,
    };
    sqlx::query(
        "INSERT INTO api_key (key_hash, role, principal_id, created_at_ms, key_id, name, hint, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash_token(key.token))
    .bind(record.role.as_str())
    .bind(&record.principal_id)
    .bind(record.created_at_ms)
    .bind(&record.key_id)
    .bind(&record.name)
    .bind(record.hint.clone())
    .bind(origin.as_str())
    .execute(conn)
    .await?;
    Ok(record)
}

/// The key a principal is made with, named `default`, in its creating transaction.
pub(crate) async fn insert_first_key(
    conn: &mut sqlx::AnyConnection,
    principal: &Principal,
    token: &str,
    now_ms: i64,
) -> StoreResult<KeyRecord> {
    let key = NewKey {
        principal,
        name: "default",
        token,
        now_ms,
    };
    insert_key_on(conn, &key, KeyOrigin::Api).await
}

impl Store {
    /// Stores a new key of an existing principal.
    pub async fn insert_key(&self, key: &NewKey<'_>) -> StoreResult<KeyRecord> {
        let mut conn = self.writer.acquire().await?;
        insert_key_on(&mut conn, key, KeyOrigin::Api).await
    }

    /// The principal a live (not revoked) key belongs to, if any; no write.
    pub async fn get_principal_by_token(&self, token: &str) -> StoreResult<Option<Principal>> {
        Ok(self.find_key(token).await?.map(|(p, _)| p))
    }

    async fn find_key(&self, token: &str) -> StoreResult<Option<(Principal, Option<i64>)>> {
        let row = sqlx::query(
            "SELECT role, principal_id, last_used_at_ms FROM api_key
             WHERE key_hash = $1 AND revoked_at_ms IS NULL",
        )
        .bind(hash_token(token))
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let role: Role = super::get_name(&row, "role")?;
        let id: String = row.try_get("principal_id")?;
        let last_used: Option<i64> = row.try_get("last_used_at_ms")?;
        Ok(Some((Principal { role, id }, last_used)))
    }

    /// The principal of a live key, recording its use: `last_used_at` is written only
    /// when it is older than [`LAST_USED_GRANULARITY_MS`], so most requests only read.
    pub async fn authenticate(&self, token: &str, now_ms: i64) -> StoreResult<Option<Principal>> {
        let Some((principal, last_used)) = self.find_key(token).await? else {
            return Ok(None);
        };
        let stale = now_ms - LAST_USED_GRANULARITY_MS;
        if last_used.is_none_or(|t| t < stale) {
            // Guarded, so servers racing on one key write once; a failure to record
            // the use does not refuse the request.
            let touched = sqlx::query(
                "UPDATE api_key SET last_used_at_ms = $2 WHERE key_hash = $1
                   AND revoked_at_ms IS NULL AND (last_used_at_ms IS NULL OR last_used_at_ms < $3)",
            )
            .bind(hash_token(token))
            .bind(now_ms)
            .bind(stale)
            .execute(&self.writer)
            .await;
            if let Err(e) = touched {
                tracing::warn!(error = %e, "could not record a key's last use");
            }
        }
        Ok(Some(principal))
    }

    /// A principal's live keys, oldest first.
    pub async fn list_keys(
        &self,
        principal: &Principal,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<KeyPage> {
        let (after_ms, after_id) = match cursor {
            Some(c) => super::decode_cursor(c)?,
            None => (i64::MIN, String::new()),
        };
        let rows = sqlx::query(
            "SELECT * FROM api_key WHERE role = $1 AND principal_id = $2 AND revoked_at_ms IS NULL
               AND (created_at_ms > $3 OR (created_at_ms = $3 AND key_id > $4))
             ORDER BY created_at_ms, key_id LIMIT $5",
        )
        .bind(principal.role.as_str())
        .bind(&principal.id)
        .bind(after_ms)
        .bind(&after_id)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .fetch_all(&self.reader)
        .await?;
        let mut items = rows
            .into_iter()
            .map(KeyRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = super::end_page(&mut items, limit, |k| {
            super::encode_cursor(k.created_at_ms, &k.key_id)
        });
        Ok(KeyPage { items, next_cursor })
    }

    /// Revokes one of a principal's live keys: from now on every server refuses it.
    /// `keep_one` refuses to revoke the principal's last live key (`last_key`).
    pub async fn revoke_key(
        &self,
        principal: &Principal,
        key_id: &str,
        keep_one: bool,
        now_ms: i64,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE api_key SET revoked_at_ms = $1
             WHERE key_id = $2 AND role = $3 AND principal_id = $4 AND revoked_at_ms IS NULL
               AND ($5 = 0 OR EXISTS (SELECT 1 FROM api_key o WHERE o.role = $3 AND o.principal_id = $4
                                        AND o.revoked_at_ms IS NULL AND o.key_id <> $2))",
        )
        .bind(now_ms)
        .bind(key_id)
        .bind(principal.role.as_str())
        .bind(&principal.id)
        .bind(i64::from(keep_one))
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM api_key WHERE key_id = $1 AND role = $2 AND principal_id = $3
               AND revoked_at_ms IS NULL",
        )
        .bind(key_id)
        .bind(principal.role.as_str())
        .bind(&principal.id)
        .fetch_one(&self.writer)
        .await?
        .try_get("n")?;
        Err(if live > 0 {
            StoreError::Conflict(
                "last_key",
                "this is the last live key: create another before revoking it".into(),
            )
        } else {
            StoreError::NotFound("key_not_found", format!("no live key {key_id}"))
        })
    }

    /// Whether the seller, ISV, courier or sorting center `principal` names exists
    /// (the operator always does).
    pub async fn principal_exists(&self, principal: &Principal) -> StoreResult<bool> {
        let sql = match principal.role {
            Role::Operator => return Ok(principal.id == "operator"),
            Role::Seller => "SELECT COUNT(*) AS n FROM seller WHERE seller_id = $1",
            Role::Isv => "SELECT COUNT(*) AS n FROM isv WHERE isv_id = $1",
            Role::Courier => "SELECT COUNT(*) AS n FROM courier WHERE courier_id = $1",
            Role::SortingCenter => "SELECT COUNT(*) AS n FROM sorting_center WHERE code = $1",
        };
        let n: i64 = sqlx::query(sql)
            .bind(&principal.id)
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        Ok(n > 0)
    }

    /// Reconciles the operator's environment token, in one transaction. With
    /// `configured` set, that token is the live environment key (made if new; a key
    /// revoked before stays revoked) and every other environment key is revoked.
    /// Without it, every environment key is revoked. Then, if the operator has no
    /// live key left, `generate` makes one, returned to be printed once.
    pub async fn reconcile_operator_key(
        &self,
        configured: Option<&str>,
        generate: impl FnOnce() -> String,
        now_ms: i64,
    ) -> StoreResult<OperatorReconciliation> {
        let operator = Principal {
            role: Role::Operator,
            id: "operator".into(),
        };
        let mut outcome = OperatorReconciliation::default();
        let mut tx = self.begin_write().await?;
        let keep = configured.map(hash_token).unwrap_or_default();
        if let Some(token) = configured {
            let row = sqlx::query("SELECT role, revoked_at_ms FROM api_key WHERE key_hash = $1")
                .bind(&keep)
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                None => {
                    let key = NewKey {
                        principal: &operator,
                        name: "FIRSTMILE_OPERATOR_TOKEN",
                        token,
                        now_ms,
                    };
                    insert_key_on(&mut tx, &key, KeyOrigin::Env).await?;
                }
                Some(row) => {
                    let role: Role = super::get_name(&row, "role")?;
                    if role != Role::Operator {
                        return Err(StoreError::Invalid(
                            "operator_token_in_use",
                            "FIRSTMILE_OPERATOR_TOKEN is another principal's key".into(),
                        ));
                    }
                    let revoked: Option<i64> = row.try_get("revoked_at_ms")?;
                    outcome.configured_was_revoked = revoked.is_some();
                    sqlx::query("UPDATE api_key SET origin = 'env' WHERE key_hash = $1")
                        .bind(&keep)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        outcome.revoked = sqlx::query(
            "UPDATE api_key SET revoked_at_ms = $1
             WHERE role = 'operator' AND origin = 'env' AND revoked_at_ms IS NULL AND key_hash <> $2",
        )
        .bind(now_ms)
        .bind(&keep)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM api_key WHERE role = 'operator' AND revoked_at_ms IS NULL",
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if live == 0 {
            let token = generate();
            let key = NewKey {
                principal: &operator,
                name: "generated at start",
                token: &token,
                now_ms,
            };
            insert_key_on(&mut tx, &key, KeyOrigin::Generated).await?;
            outcome.generated = Some(token);
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
