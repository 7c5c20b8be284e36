//! The one error type of the use cases. Every refusal carries the stable snake_case
//! code clients branch on (docs/api.md, "Errors"); the kind says what went wrong
//! (not allowed, not there, a state that forbids it, a rule or a value broken), and
//! the HTTP layer alone turns the kind into a status.

use crate::store::StoreError;
use std::borrow::Cow;

/// Why a use case refused, or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's role may never do this; the text completes "may not ...".
    #[error("this token's role may not {0}")]
    Forbidden(String),
    /// What the caller named does not exist for it (tenancy hides others' things).
    #[error("{1}")]
    NotFound(&'static str, String),
    /// The thing's current state forbids the change.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// A business rule refuses the request.
    #[error("{1}")]
    Rule(Cow<'static, str>, String),
    /// A value of the request is not acceptable: which field, why, in words.
    #[error("{field}: {message}")]
    Field {
        field: String,
        code: Cow<'static, str>,
        message: String,
    },
    /// The database failed or is busy (never a refusal).
    #[error(transparent)]
    Store(StoreError),
    /// Something on our side failed (a worker thread died, ...).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// A rule refusal with its code.
    pub fn rule(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::Rule(code.into(), detail.into())
    }

    /// A refused value: the field's path in the request, a code and a message.
    pub fn field(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self::Field {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// The stable code (`validation_failed` for a refused value, whose own code is
    /// the field's).
    pub fn code(&self) -> &str {
        match self {
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(code, _) | Self::Conflict(code, _) => code,
            Self::Rule(code, _) => code,
            Self::Field { .. } => "validation_failed",
            Self::Store(StoreError::NotFound(code, _))
            | Self::Store(StoreError::Conflict(code, _))
            | Self::Store(StoreError::Invalid(code, _)) => code,
            Self::Store(_) | Self::Internal(_) => "internal_error",
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(code, detail) => Self::NotFound(code, detail),
            StoreError::Conflict(code, detail) => Self::Conflict(code, detail),
            StoreError::Invalid(code, detail) => Self::Rule(Cow::Borrowed(code), detail),
            other => Self::Store(other),
        }
    }
}
