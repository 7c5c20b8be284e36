//! Reference data the operator manages: sorting centers and pickup coverage (docs/rules.md,
//! rules 3 and 4). Both are seeded from `data/` at start without overwriting what is
//! there (`ON CONFLICT DO NOTHING`), so an operator's edit survives restarts and
//! several servers may seed at once.

use super::{Store, StoreResult, flag, get_flag, placeholders, values_rows};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashSet;

/// A sorting center and whether it accepts consolidated handovers.
#[derive(Clone, Debug, PartialEq)]
pub struct SortingCenterRecord {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub accepts_consolidation: bool,
    pub city_code: Option<String>,
    pub lat: f64,
    pub lon: f64,
}

impl TryFrom<AnyRow> for SortingCenterRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            name_en: row.try_get("name_en")?,
            accepts_consolidation: get_flag(&row, "accepts_consolidation")?,
            city_code: row.try_get("city_code")?,
            lat: row.try_get("lat")?,
            lon: row.try_get("lon")?,
        })
    }
}

/// Coverage of one province or city.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageRecord {
    pub code: String,
    /// `province` or `city`.
    pub level: String,
    pub covered: bool,
    /// `YYYY-MM-DD`, when door pickup opened (or opens) there.
    pub launch_date: Option<String>,
    /// Announced as coming, without a date.
    pub announced: bool,
    pub updated_at_ms: i64,
    pub updated_by: String,
}

impl TryFrom<AnyRow> for CoverageRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            code: row.try_get("code")?,
            level: row.try_get("level")?,
            covered: get_flag(&row, "covered")?,
            launch_date: row.try_get("launch_date")?,
            announced: get_flag(&row, "announced")?,
            updated_at_ms: row.try_get("updated_at_ms")?,
            updated_by: row.try_get("updated_by")?,
        })
    }
}

const COVERAGE_COLUMNS: usize = 7;

impl Store {
    /// Seeds sorting centers and coverage; rows already present are kept as they are.
    pub async fn seed_reference_data(
        &self,
        centers: &[SortingCenterRecord],
        coverage: &[CoverageRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if !centers.is_empty() {
            let sql = format!(
                "INSERT INTO sorting_center (code, name, name_en, accepts_consolidation, city_code, lat, lon)
                 VALUES {} ON CONFLICT (code) DO NOTHING",
                values_rows(centers.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for c in centers {
                query = query
                    .bind(&c.code)
                    .bind(&c.name)
                    .bind(&c.name_en)
                    .bind(flag(c.accepts_consolidation))
                    .bind(c.city_code.clone())
                    .bind(c.lat)
                    .bind(c.lon);
            }
            query.execute(&mut *tx).await?;
        }
        for chunk in coverage.chunks(super::rows_per_statement(self.backend, COVERAGE_COLUMNS)) {
            let sql = format!(
                "INSERT INTO coverage_area (code, level, covered, launch_date, announced, updated_at_ms, updated_by)
                 VALUES {} ON CONFLICT (code) DO NOTHING",
                values_rows(chunk.len(), COVERAGE_COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query
                    .bind(&c.code)
                    .bind(&c.level)
                    .bind(flag(c.covered))
                    .bind(c.launch_date.clone())
                    .bind(flag(c.announced))
                    .bind(c.updated_at_ms)
                    .bind(&c.updated_by);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_sorting_centers(&self) -> StoreResult<Vec<SortingCenterRecord>> {
        let rows = sqlx::query("SELECT * FROM sorting_center ORDER BY code")
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter()
            .map(|r| SortingCenterRecord::try_from(r).map_err(Into::into))
            .collect()
    }

    pub async fn get_sorting_center(&self, code: &str) -> StoreResult<Option<SortingCenterRecord>> {
        let row = sqlx::query("SELECT * FROM sorting_center WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(SortingCenterRecord::try_from).transpose()?)
    }

    /// Codes of the sorting centers that accept consolidated handovers.
    pub async fn list_consolidating_centers(&self) -> StoreResult<HashSet<String>> {
        let rows = sqlx::query("SELECT code FROM sorting_center WHERE accepts_consolidation = 1")
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter()
            .map(|r| r.try_get("code"))
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Coverage rows for the given codes (a province and a city, typically).
    pub async fn get_coverage(&self, codes: &[&str]) -> StoreResult<Vec<CoverageRecord>> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT * FROM coverage_area WHERE code IN ({})",
            placeholders(1, codes.len())
        );
        let mut query = sqlx::query(&sql);
        for code in codes {
            query = query.bind(*code);
        }
        query
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(|r| CoverageRecord::try_from(r).map_err(Into::into))
            .collect()
    }

    pub async fn list_coverage(&self) -> StoreResult<Vec<CoverageRecord>> {
        sqlx::query("SELECT * FROM coverage_area ORDER BY code")
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(|r| CoverageRecord::try_from(r).map_err(Into::into))
            .collect()
    }

    /// An operator's edit of one area's coverage; takes effect at once.
    pub async fn put_coverage(&self, record: &CoverageRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO coverage_area (code, level, covered, launch_date, announced, updated_at_ms, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (code) DO UPDATE SET covered = excluded.covered, launch_date = excluded.launch_date,
               announced = excluded.announced, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by",
        )
        .bind(&record.code)
        .bind(&record.level)
        .bind(flag(record.covered))
        .bind(record.launch_date.clone())
        .bind(flag(record.announced))
        .bind(record.updated_at_ms)
        .bind(&record.updated_by)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}
