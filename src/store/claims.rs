//! Claims for bags lost in transit (docs/rules.md, rule 16): a seller opens one for an overdue
//! bag or for parcels missing at intake; only the operator decides it.

use super::{NewEvent, Store, StoreError, StoreResult};
use crate::domain::{BagStatus, ClaimBasis, ClaimStatus, EventType, new_id};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored claim.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRecord {
    pub claim_id: String,
    pub seller_id: String,
    pub bag_id: String,
    pub tracking_numbers: Vec<String>,
    pub description: String,
    /// `overdue_bag` or `missing_parcels`.
    pub basis: ClaimBasis,
    pub status: ClaimStatus,
    pub decision_note: Option<String>,
    pub created_at_ms: i64,
    pub decided_at_ms: Option<i64>,
}

impl TryFrom<AnyRow> for ClaimRecord {
    type Error = sqlx::Error;
    fn try_from(row: AnyRow) -> Result<Self, Self::Error> {
        let list: String = row.try_get("tracking_numbers")?;
        Ok(Self {
            claim_id: row.try_get("claim_id")?,
            seller_id: row.try_get("seller_id")?,
            bag_id: row.try_get("bag_id")?,
            tracking_numbers: list
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            description: row.try_get("description")?,
            basis: super::get_name(&row, "basis")?,
            status: super::get_name(&row, "status")?,
            decision_note: row.try_get("decision_note")?,
            created_at_ms: row.try_get("created_at_ms")?,
            decided_at_ms: row.try_get("decided_at_ms")?,
        })
    }
}

impl Store {
    /// Opens a claim if the bag is overdue (no parcels named) or every named parcel
    /// was missing at its intake; otherwise 409 `claim_not_allowed`.
    pub async fn insert_claim(
        &self,
        seller_id: &str,
        bag_id: &str,
        tracking_numbers: &[String],
        description: &str,
        now_ms: i64,
    ) -> StoreResult<ClaimRecord> {
        let bag = self.get_bag(seller_id, bag_id).await?;
        let overdue = bag.status == BagStatus::PickedUp
            && bag
                .picked_up_at_ms
                .is_some_and(|p| p + bag.transit_ms < now_ms);
        let basis = if tracking_numbers.is_empty() {
            if !overdue {
                return Err(StoreError::Conflict(
                    "claim_not_allowed",
                    format!(
                        "bag {bag_id} is not overdue: a claim is open to an overdue bag or to missing parcels"
                    ),
                ));
            }
            ClaimBasis::OverdueBag
        } else {
            let missing: Vec<String> = sqlx::query(
                "SELECT tracking_number FROM parcel WHERE bag_id = $1 AND intake_status = 'missing'",
            )
            .bind(bag_id)
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(|r| r.try_get("tracking_number"))
            .collect::<Result<_, _>>()?;
            let in_bag = |t: &String| bag.parcels.contains(t);
            let all_missing = tracking_numbers.iter().all(|t| missing.contains(t));
            let overdue_parcels = overdue && tracking_numbers.iter().all(in_bag);
            if !(all_missing || overdue_parcels) {
                return Err(StoreError::Conflict(
                    "claim_not_allowed",
                    "a claim names parcels that were missing at intake, or parcels of an overdue bag".into(),
                ));
            }
            if overdue {
                ClaimBasis::OverdueBag
            } else {
                ClaimBasis::MissingParcels
            }
        };
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM claim WHERE bag_id = $1 AND tracking_numbers = $2 AND status = 'open'",
        )
        .bind(bag_id)
        .bind(tracking_numbers.join(","))
        .fetch_one(&self.reader)
        .await?
        .try_get("n")?;
        if open > 0 {
            return Err(StoreError::Conflict(
                "claim_exists",
                format!("an open claim already covers bag {bag_id} and these parcels"),
            ));
        }
        let claim = ClaimRecord {
            claim_id: new_id("CL"),
            seller_id: seller_id.to_owned(),
            bag_id: bag_id.to_owned(),
            tracking_numbers: tracking_numbers.to_vec(),
            description: description.to_owned(),
            basis,
            status: ClaimStatus::Open,
            decision_note: None,
            created_at_ms: now_ms,
            decided_at_ms: None,
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO claim (claim_id, seller_id, bag_id, tracking_numbers, description, basis, status, created_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)",
        )
        .bind(&claim.claim_id)
        .bind(seller_id)
        .bind(bag_id)
        .bind(tracking_numbers.join(","))
        .bind(description)
        .bind(basis.as_str())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let data = serde_json::json!({"claim_id": claim.claim_id, "bag_id": bag_id,
                                      "tracking_numbers": tracking_numbers, "basis": basis.as_str()});
        let opened = NewEvent::new(EventType::ClaimOpened, data);
        super::events::append(&mut tx, seller_id, &[opened], now_ms).await?;
        tx.commit().await?;
        Ok(claim)
    }

    /// A seller's claims, newest first.
    pub async fn list_claims(
        &self,
        seller_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> StoreResult<(Vec<ClaimRecord>, Option<String>)> {
        let (before_ms, before_id) = match cursor {
            Some(c) => super::decode_cursor(c)?,
            None => (i64::MAX, String::new()),
        };
        let mut claims = sqlx::query(
            "SELECT * FROM claim WHERE seller_id = $1
               AND (created_at_ms < $2 OR (created_at_ms = $2 AND ($3 = '' OR claim_id < $3)))
             ORDER BY created_at_ms DESC, claim_id DESC LIMIT $4",
        )
        .bind(seller_id)
        .bind(before_ms)
        .bind(&before_id)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .map(ClaimRecord::try_from)
        .collect::<Result<Vec<_>, _>>()?;
        let next = super::end_page(&mut claims, limit, |c| {
            super::encode_cursor(c.created_at_ms, &c.claim_id)
        });
        Ok((claims, next))
    }

    /// The operator's decision; a claim is decided once.
    pub async fn decide_claim(
        &self,
        claim_id: &str,
        accepted: bool,
        note: &str,
        now_ms: i64,
    ) -> StoreResult<ClaimRecord> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE claim SET status = $2, decision_note = $3, decided_at_ms = $4 WHERE claim_id = $1 AND status = 'open'",
        )
        .bind(claim_id)
        .bind(if accepted {
            ClaimStatus::Accepted.as_str()
        } else {
            ClaimStatus::Rejected.as_str()
        })
        .bind(note)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM claim WHERE claim_id = $1")
            .bind(claim_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound("claim_not_found", format!("no claim {claim_id}"))
            })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "claim_already_decided",
                format!("claim {claim_id} was already decided"),
            ));
        }
        let claim = ClaimRecord::try_from(row)?;
        let data = serde_json::json!({"claim_id": claim.claim_id, "bag_id": claim.bag_id,
                                      "status": claim.status.as_str(), "note": claim.decision_note});
        let decided = NewEvent::new(EventType::ClaimDecided, data);
        super::events::append(&mut tx, &claim.seller_id, &[decided], now_ms).await?;
        tx.commit().await?;
        Ok(claim)
    }
}
