//! The people and programs around a seller: ISV apps and the grants sellers give them,
//! courier accounts and the cities they serve, sorting-center keys.

use super::HandoverRecord;
use super::{Store, StoreError, StoreResult, placeholders};
use crate::domain::{Principal, Role};
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
        let principal = Principal {
            role: Role::Isv,
            id: isv_id.to_owned(),
        };
        super::keys::insert_first_key(&mut tx, &principal, token, now_ms).await?;
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

    /// A page of the ISVs a seller has granted (ISV id, name, granted at), oldest
    /// first, and the cursor of the next page.
    pub async fn list_grants(
        &self,
        seller_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<(Vec<(String, String, i64)>, Option<String>)> {
        let (after_ms, after_id) = match cursor {
            Some(c) => super::decode_cursor(c)?,
            None => (i64::MIN, String::new()),
        };
        let rows = sqlx::query(
            "SELECT g.isv_id, i.name, g.created_at_ms FROM isv_grant g JOIN isv i ON i.isv_id = g.isv_id
             WHERE g.seller_id = $1 AND (g.created_at_ms > $2 OR (g.created_at_ms = $2 AND g.isv_id > $3))
             ORDER BY g.created_at_ms, g.isv_id LIMIT $4",
        )
        .bind(seller_id)
        .bind(after_ms)
        .bind(&after_id)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .fetch_all(&self.reader)
        .await?;
        let mut grants = rows
            .into_iter()
            .map(|r| {
                Ok((
                    r.try_get("isv_id")?,
                    r.try_get("name")?,
                    r.try_get("created_at_ms")?,
                ))
            })
            .collect::<Result<Vec<(String, String, i64)>, sqlx::Error>>()?;
        let next = super::end_page(&mut grants, limit, |(id, _, at)| {
            super::encode_cursor(*at, id)
        });
        Ok((grants, next))
    }

    /// One grant (ISV name, granted at), if the seller gave it.
    pub async fn get_grant(
        &self,
        seller_id: &str,
        isv_id: &str,
    ) -> StoreResult<Option<(String, i64)>> {
        let row = sqlx::query(
            "SELECT i.name, g.created_at_ms FROM isv_grant g JOIN isv i ON i.isv_id = g.isv_id
             WHERE g.seller_id = $1 AND g.isv_id = $2",
        )
        .bind(seller_id)
        .bind(isv_id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| Ok((r.try_get("name")?, r.try_get("created_at_ms")?)))
            .transpose()
            .map_err(|e: sqlx::Error| e.into())
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
        let principal = Principal {
            role: Role::Courier,
            id: courier_id.to_owned(),
        };
        super::keys::insert_first_key(&mut tx, &principal, token, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The city codes a courier serves.
    pub async fn list_courier_cities(&self, courier_id: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(&courier_cities_sql(self.backend))
            .bind(courier_id)
            .fetch_all(&self.reader)
            .await?;
        city_codes(&rows)
    }
}

/// The read of a courier's city codes, in code order; one placeholder, the courier.
pub(super) fn courier_cities_sql(backend: super::Backend) -> String {
    format!(
        "SELECT city_code FROM courier_city WHERE courier_id = {} ORDER BY city_code",
        super::InOrder::new(backend).one()
    )
}

/// The city codes of the rows [`courier_cities_sql`] read.
pub(super) fn city_codes<C: FromIterator<String>>(rows: &[sqlx::any::AnyRow]) -> StoreResult<C> {
    rows.iter()
        .map(|r| r.try_get("city_code"))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

impl Store {
    /// Live sellers' booked handovers to pick up on `date` in the given cities, with
    /// their bags.
    pub async fn list_pickups(
        &self,
        date: &str,
        city_codes: &[String],
    ) -> StoreResult<Vec<HandoverRecord>> {
        if city_codes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            // A test-mode seller's handovers are never on a courier's route.
            "SELECT h.* FROM handover h JOIN seller s ON s.seller_id = h.seller_id
             WHERE h.pickup_date = $1 AND h.status IN ('booked', 'picked_up') AND s.test_mode = 0
               AND h.city_code IN ({}) ORDER BY h.handover_id",
            placeholders(2, city_codes.len())
        );
        let mut query = sqlx::query(&sql).bind(date);
        for c in city_codes {
            query = query.bind(c);
        }
        Ok(query
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(HandoverRecord::try_from)
            .collect::<Result<_, _>>()?)
    }
}
