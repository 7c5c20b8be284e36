//! The people and programs around a seller: ISV apps and the grants sellers give them,
//! courier accounts and the cities they serve, sorting-center keys.

use super::{HandoverRecord, HandoverView};
use super::{Store, StoreError, StoreResult, hash_token, placeholders};
use sqlx::Row;

impl Store {
    /// Creates an ISV app and its key.
    pub async fn insert_isv(
        &self,
        isv_id: &str,
        name: &str,
        token: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO isv (isv_id, name, created_at_ms) VALUES ($1, $2, $3)")
            .bind(isv_id)
            .bind(name)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO api_key (key_hash, role, principal_id, created_at_ms) VALUES ($1, 'isv', $2, $3)")
            .bind(hash_token(token))
            .bind(isv_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a seller's grant to an ISV (granting twice is a no-op).
    pub async fn insert_grant(
        &self,
        seller_id: &str,
        isv_id: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let exists: i64 = sqlx::query("SELECT COUNT(*) AS n FROM isv WHERE isv_id = $1")
            .bind(isv_id)
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        if exists == 0 {
            return Err(StoreError::NotFound(
                "isv_not_found",
                format!("no ISV {isv_id}"),
            ));
        }
        sqlx::query(
            "INSERT INTO isv_grant (seller_id, isv_id, created_at_ms) VALUES ($1, $2, $3)
             ON CONFLICT (seller_id, isv_id) DO NOTHING",
        )
        .bind(seller_id)
        .bind(isv_id)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Revokes a grant; the ISV loses access at once. False if there was none.
    pub async fn delete_grant(&self, seller_id: &str, isv_id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM isv_grant WHERE seller_id = $1 AND isv_id = $2")
            .bind(seller_id)
            .bind(isv_id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The ISVs a seller has granted.
    pub async fn list_grants(&self, seller_id: &str) -> StoreResult<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT g.isv_id, i.name, g.created_at_ms FROM isv_grant g JOIN isv i ON i.isv_id = g.isv_id
             WHERE g.seller_id = $1 ORDER BY g.created_at_ms, g.isv_id",
        )
        .bind(seller_id)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.try_get("isv_id")?,
                    r.try_get("name")?,
                    r.try_get("created_at_ms")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Creates a courier account serving `cities`, and its key.
    pub async fn insert_courier(
        &self,
        courier_id: &str,
        name: &str,
        cities: &[String],
        token: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO courier (courier_id, name, created_at_ms) VALUES ($1, $2, $3)")
            .bind(courier_id)
            .bind(name)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        if !cities.is_empty() {
            let sql = format!(
                "INSERT INTO courier_city (courier_id, city_code) VALUES {}",
                super::values_rows(cities.len(), 2)
            );
            let mut query = sqlx::query(&sql);
            for city in cities {
                query = query.bind(courier_id).bind(city);
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO api_key (key_hash, role, principal_id, created_at_ms) VALUES ($1, 'courier', $2, $3)")
            .bind(hash_token(token))
            .bind(courier_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The city codes a courier serves.
    pub async fn list_courier_cities(&self, courier_id: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT city_code FROM courier_city WHERE courier_id = $1 ORDER BY city_code",
        )
        .bind(courier_id)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|r| r.try_get("city_code"))
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Issues a key for a sorting center.
    pub async fn insert_sorting_center_key(
        &self,
        code: &str,
        token: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let exists: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sorting_center WHERE code = $1")
            .bind(code)
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        if exists == 0 {
            return Err(StoreError::NotFound(
                "sorting_center_not_found",
                format!("no sorting center {code}"),
            ));
        }
        sqlx::query(
            "INSERT INTO api_key (key_hash, role, principal_id, created_at_ms) VALUES ($1, 'sorting_center', $2, $3)",
        )
        .bind(hash_token(token))
        .bind(code)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Booked handovers to pick up on `date` in the given cities, with their bags.
    pub async fn list_pickups(
        &self,
        date: &str,
        city_codes: &[String],
    ) -> StoreResult<Vec<HandoverView>> {
        if city_codes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT * FROM handover WHERE pickup_date = $1 AND status IN ('booked', 'picked_up')
               AND city_code IN ({}) ORDER BY handover_id",
            placeholders(2, city_codes.len())
        );
        let mut query = sqlx::query(&sql).bind(date);
        for c in city_codes {
            query = query.bind(c);
        }
        let records = query
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(HandoverRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_bags(records).await
    }
}
