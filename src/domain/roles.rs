//! Who calls: the five kinds of token (docs/api.md, "Auth and tenancy"), and the actor recorded on every
//! change (a handover's history says which operator, seller, ISV, courier or sorting
//! center did what).

use serde::Serialize;

/// A token's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Seller,
    Isv,
    Courier,
    SortingCenter,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Seller => "seller",
            Self::Isv => "isv",
            Self::Courier => "courier",
            Self::SortingCenter => "sorting_center",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::try_from(raw).ok()
    }
}

impl TryFrom<&str> for Role {
    type Error = crate::domain::UnknownName;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Ok(match raw {
            "operator" => Self::Operator,
            "seller" => Self::Seller,
            "isv" => Self::Isv,
            "courier" => Self::Courier,
            "sorting_center" => Self::SortingCenter,
            _ => {
                return Err(crate::domain::UnknownName {
                    vocabulary: "role",
                    value: raw.to_owned(),
                });
            }
        })
    }
}

/// An authenticated caller: its role and the id of what it stands for (the seller,
/// ISV, courier or sorting-center code; `operator` for the operator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    pub id: String,
}

impl Principal {
    /// `role:id`, the key under which idempotency records and scan events are kept.
    pub fn key(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.id)
    }
}
