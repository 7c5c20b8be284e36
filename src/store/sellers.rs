//! Sellers, their pickup address and their daily order volumes.

use super::{Store, StoreError, StoreResult, values_rows};
use crate::domain::{Principal, Role};
use chrono::NaiveDate;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A seller's pickup address, already resolved to GB/T 2260 codes.
#[derive(Clone, Debug, PartialEq)]
pub struct Address {
    pub province_code: String,
    pub city_code: String,
    pub district: Option<String>,
    pub street: String,
    pub lat: f64,
    pub lon: f64,
}

/// A stored seller.
#[derive(Clone, Debug, PartialEq)]
pub struct SellerRecord {
    pub seller_id: String,
    pub name: String,
    pub address: Address,
    pub created_at_ms: i64,
    /// A test-mode seller (the sandbox): its keys are `fm_test_` keys, its data stays
    /// out of every live list, count and report, and it may simulate its pickups.
    pub test_mode: bool,
}

impl TryFrom<AnyRow> for SellerRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            seller_id: row.try_get("seller_id")?,
            name: row.try_get("name")?,
            address: Address {
                province_code: row.try_get("province_code")?,
                city_code: row.try_get("city_code")?,
                district: row.try_get("district")?,
                street: row.try_get("street")?,
                lat: row.try_get("lat")?,
                lon: row.try_get("lon")?,
            },
            created_at_ms: row.try_get("created_at_ms")?,
            test_mode: super::get_flag(&row, "test_mode")?,
        })
    }
}

impl Store {
    /// Creates a seller and its first API key in one transaction.
    pub async fn insert_seller(&self, seller: &SellerRecord, token: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let a = &seller.address;
        sqlx::query(
            "INSERT INTO seller (seller_id, name, province_code, city_code, district, street, lat, lon, created_at_ms,
                                 test_mode)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&seller.seller_id)
        .bind(&seller.name)
        .bind(&a.province_code)
        .bind(&a.city_code)
        .bind(a.district.clone())
        .bind(&a.street)
        .bind(a.lat)
        .bind(a.lon)
        .bind(seller.created_at_ms)
        .bind(super::flag(seller.test_mode))
        .execute(&mut *tx)
        .await?;
        let principal = Principal {
            role: Role::Seller,
            id: seller.seller_id.clone(),
        };
        super::keys::insert_first_key(&mut tx, &principal, token, seller.created_at_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_seller(&self, seller_id: &str) -> StoreResult<Option<SellerRecord>> {
        let row = sqlx::query("SELECT * FROM seller WHERE seller_id = $1")
            .bind(seller_id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(SellerRecord::try_from).transpose()?)
    }

    /// Whether `principal` may act for `seller_id`: the seller itself, an ISV it
    /// granted, or the operator. Anything else is reported as not found, so that
    /// another tenant's existence is never revealed.
    pub async fn authorize_seller(
        &self,
        principal: &Principal,
        seller_id: &str,
    ) -> StoreResult<SellerRecord> {
        let not_found =
            || StoreError::NotFound("seller_not_found", format!("no seller {seller_id}"));
        let allowed = match principal.role {
            Role::Operator => true,
            Role::Seller => principal.id == seller_id,
            Role::Isv => {
                let n: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM isv_grant WHERE seller_id = $1 AND isv_id = $2",
                )
                .bind(seller_id)
                .bind(&principal.id)
                .fetch_one(&self.reader)
                .await?
                .try_get("n")?;
                n > 0
            }
            Role::Courier | Role::SortingCenter => false,
        };
        if !allowed {
            return Err(not_found());
        }
        self.get_seller(seller_id).await?.ok_or_else(not_found)
    }

    /// Sets the order counts of the given days (a day sent again is overwritten).
    pub async fn put_order_volumes(
        &self,
        seller_id: &str,
        days: &[(NaiveDate, i64)],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for chunk in days.chunks(super::rows_per_statement(self.backend, 3)) {
            let sql = format!(
                "INSERT INTO order_volume (seller_id, day, orders) VALUES {}
                 ON CONFLICT (seller_id, day) DO UPDATE SET orders = excluded.orders",
                values_rows(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for (day, orders) in chunk {
                query = query.bind(seller_id).bind(day.to_string()).bind(*orders);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The order counts of the days from `first` to `last`, both included.
    pub async fn list_order_volumes(
        &self,
        seller_id: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, i64)>> {
        let rows = sqlx::query(
            "SELECT day, orders FROM order_volume WHERE seller_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(seller_id)
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(&self.reader)
        .await?;
        let mut days = Vec::with_capacity(rows.len());
        for row in rows {
            let day: String = row.try_get("day")?;
            if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                days.push((day, row.try_get("orders")?));
            }
        }
        Ok(days)
    }
}
