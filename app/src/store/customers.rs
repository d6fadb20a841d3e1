//! Credit files: customers, their limits, status and grade.
//!
//! Invariant: reads that take a `Scope` never return a customer outside it.
use super::*;

#[async_trait]
pub trait CustomerStore: Send + Sync {
    async fn insert_customers(
        &self,
        customers: &[NewCustomer],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError>;
    async fn update_customer(
        &self,
        id: i64,
        patch: &CustomerPatch,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<CustomerFile, StoreError>;
    async fn count_customers(&self) -> Result<i64, StoreError>;
    async fn customer_id_by_code(&self, code: &str) -> Result<Option<i64>, StoreError>;
    /// The distinct customer regions, sorted.
    async fn regions(&self) -> Result<Vec<String>, StoreError>;
    /// The known customers among `codes`, by code.
    async fn customers_by_code(
        &self,
        codes: &[String],
    ) -> Result<HashMap<String, CustomerRef>, StoreError>;
    async fn list_customers(
        &self,
        q: &CustomerQuery,
        scope: Scope,
        as_of: NaiveDate,
    ) -> Result<Vec<CustomerRow>, StoreError>;
    async fn customer_file(
        &self,
        id: i64,
        scope: Scope,
    ) -> Result<Option<CustomerFile>, StoreError>;
}
