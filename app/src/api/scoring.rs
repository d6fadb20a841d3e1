//! Credit scoring: the scoring model, scores, rescoring and the back-test.
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// What the active model says about one customer: the latest score and the limit and
/// terms suggested for its grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub score: rust_decimal::Decimal,
    pub grade: crate::domain::customer::Grade,
    pub limit: crate::domain::money::Money,
    pub terms_days: u32,
}

/// The customer's latest score with the active model's suggestion (None: never scored).
#[cfg(feature = "ssr")]
pub async fn suggestion(_store: &dyn crate::store::Store, _customer_id: i64) -> Result<Option<Suggestion>, AppError> {
    Ok(None)
}
