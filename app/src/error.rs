//! The error every server function returns.
//!
//! Invariant: what reaches the browser is a variant a user can act on, or `Internal`
//! with only a correlation id. Driver errors, SQL and stack traces stay in the server
//! log under that id.
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("please sign in")]
    Unauthenticated,
    #[error("you do not have permission for this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("wrong username or password")]
    BadCredentials,
    /// Sign-in refused for this many seconds (too many wrong passwords).
    #[error("too many sign-in attempts; try again in {0} s")]
    TooManyAttempts(u64),
    /// Bad input, with a message naming the field and the problem.
    #[error("{0}")]
    Invalid(String),
    /// The request clashes with work in progress or with the current state.
    #[error("{0}")]
    Conflict(String),
    #[error("internal error (reference {0})")]
    Internal(String),
    /// Transport-level failures (network down, bad encoding).
    #[error("request failed: {0}")]
    Request(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

impl AppError {
    /// The HTTP status that tells the truth about this error: a user's mistake is a 4xx,
    /// only `Internal` is a 500. (`Request` reaching the server is a request it could
    /// not decode: the caller's fault.)
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Invalid(_) => 422,
            AppError::TooManyAttempts(_) => 429,
            AppError::Request(_) => 400,
            AppError::Internal(_) => 500,
        }
    }

    /// Field errors as one message naming every field.
    pub fn fields(errors: impl IntoIterator<Item = crate::domain::documents::FieldError>) -> Self {
        AppError::Invalid(
            errors
                .into_iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs the details with a fresh correlation id and returns only the id.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        tracing::error!(correlation_id = %id, "{detail}");
        AppError::Internal(id)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Invalid(m),
            StoreError::Rejected(f) => AppError::Invalid(f.to_string()),
            StoreError::Other(m) => AppError::internal(m),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::ledger::LedgerError> for AppError {
    fn from(e: crate::ledger::LedgerError) -> Self {
        use crate::ledger::LedgerError;
        match e {
            LedgerError::Invalid(errors) => AppError::fields(errors.into_iter().map(|(_, f)| f)),
            LedgerError::Store(s) => s.into(),
        }
    }
}
