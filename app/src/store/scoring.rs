//! Credit scoring: model versions, runs under a lease, scores and the factors they read.
//!
//! Invariants: a run key is claimed once; a score is recorded once per run and customer;
//! a grade change is audited and raises its domain event with the score.
use super::*;

#[async_trait]
pub trait ScoringStore: Send + Sync {
    /// One page of customers in id order after `after_id` (or just `only`), each with its
    /// ledger history dated ≤ `upto` (invoices with every allocation row) and its manual
    /// factors. Paging by id keeps a run over the whole book in bounded memory.
    async fn scoring_subjects(
        &self,
        after_id: i64,
        limit: i64,
        only: Option<i64>,
        upto: NaiveDate,
    ) -> Result<Vec<ScoringSubject>, StoreError>;
    /// The stored model versions, oldest first. A spec that no longer parses is an error
    /// naming its version.
    async fn model_versions(&self) -> Result<Vec<crate::records::ModelVersion>, StoreError>;
    /// Stores a parsed model as the next version, audited; returns the version.
    async fn save_model_version(
        &self,
        model: &crate::domain::scoring::ScoringModel,
        note: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// Claims the run `run_key` for `owner`: a new run, or the takeover of an unfinished
    /// one whose lease was last renewed before `stale_before`. None when it is finished
    /// or another caller holds it: only the claimer runs it.
    async fn claim_scoring_run(
        &self,
        run_key: &str,
        owner: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Option<RunLease>, StoreError>;
    /// Records scores under the run's lease in one transaction: each customer's score at
    /// most once per run, `customers.grade` where it changed (audited as a customer
    /// update with `{"grade": …}`, and the customer's open AR moved between the cockpit's
    /// grade slices), the lease renewed and the run's counts. Returns the grades changed;
    /// a lost lease is `Conflict` and writes nothing.
    async fn record_scores(
        &self,
        lease: &RunLease,
        scores: &[NewScore],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Marks the run finished under its lease.
    async fn finish_scoring_run(
        &self,
        lease: &RunLease,
        now: DateTime<Utc>,
    ) -> Result<crate::records::ScoringRun, StoreError>;
    /// The newest runs first.
    async fn scoring_runs(&self, limit: i64)
        -> Result<Vec<crate::records::ScoringRun>, StoreError>;
    async fn latest_score(
        &self,
        customer_id: i64,
    ) -> Result<Option<crate::records::StoredScore>, StoreError>;
    /// The customer's latest `limit` scores, oldest first.
    async fn score_history(
        &self,
        customer_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::records::ScorePoint>, StoreError>;
    /// The customer's manual factors, with its industry's risk factor.
    async fn customer_factors(
        &self,
        customer_id: i64,
    ) -> Result<crate::domain::indicators::ManualFactors, StoreError>;
    /// Sets (None clears) a customer's registered capital and external rating, audited.
    async fn set_customer_factors(
        &self,
        customer_id: i64,
        registered_capital: Option<Money>,
        external_rating: Option<rust_decimal::Decimal>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Every industry customers are in or a factor is set for, by name, with its risk
    /// factor (None: not set, the indicator is unknown for its customers).
    async fn industry_risks(
        &self,
    ) -> Result<Vec<(String, Option<rust_decimal::Decimal>)>, StoreError>;
    /// Sets one industry's risk factor, audited.
    async fn set_industry_risk(
        &self,
        industry: &str,
        factor: rust_decimal::Decimal,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}
