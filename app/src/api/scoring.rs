//! Credit scoring: the scoring model, scores, rescoring and the back-test.
//!
//! Every function authorises first. Reading the scoring page and a customer's score
//! needs `ViewCustomers` (a customer outside the caller's scope is `NotFound`, as on the
//! customer page); rescoring one customer needs `RescoreCustomer`; editing, saving and
//! activating models, rescoring the whole book, back-testing and the manual factors need
//! `ConfigureFinance`. Inputs are parsed into domain types here (`ScoringModel::try_from`
//! names every bad field at once), so nothing unparsed reaches the store.
use crate::domain::indicators::ManualFactors;
use crate::domain::scoring::{Backtest, ModelDraft};
use crate::error::AppError;
use crate::records::{ModelVersion, ScorePoint, ScoringRun, StoredScore};
use chrono::NaiveDate;
use leptos::prelude::*;
use rust_decimal::Decimal;
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
pub async fn suggestion(
    store: &dyn crate::store::Store,
    customer_id: i64,
) -> Result<Option<Suggestion>, AppError> {
    let Some(latest) = store.latest_score(customer_id).await? else {
        return Ok(None);
    };
    let (_, model) = crate::ledger::active_model(store).await?;
    let grade = latest.card.grade;
    Ok(Some(Suggestion {
        score: latest.card.score,
        grade,
        limit: model.suggested_limit(grade, latest.sales_12m),
        terms_days: model.policy(grade).terms_days,
    }))
}

/// The scoring page: every version (0, the built-in default, first), the active one and
/// its draft for the editor, the recent runs and the industries' risk factors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringPage {
    pub versions: Vec<ModelVersion>,
    pub active: i64,
    pub draft: ModelDraft,
    pub runs: Vec<ScoringRun>,
    pub industries: Vec<(String, Option<Decimal>)>,
    pub can_edit: bool,
    pub today: NaiveDate,
}

#[server(prefix = "/sfn", endpoint = "scoring_page")]
pub async fn get_scoring_page() -> Result<ScoringPage, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::scoring::ScoringModel;
    let user = super::authorize(Permission::ViewCustomers)?;
    let store = super::store()?;
    let today = crate::domain::business_date(super::clock()?.now());
    let (active, model) = crate::ledger::active_model(store.as_ref()).await?;
    let mut versions = vec![ModelVersion {
        version: 0,
        note: String::new(),
        created_by: String::new(),
        created_at: None,
        model: ScoringModel::default_model(),
    }];
    versions.extend(store.model_versions().await?);
    Ok(ScoringPage {
        versions,
        active,
        draft: ModelDraft::from(&model),
        runs: store.scoring_runs(5).await?,
        industries: store.industry_risks().await?,
        can_edit: user.role.allows(Permission::ConfigureFinance),
        today,
    })
}

/// At most this many characters of a version's note.
pub const NOTE_MAX: usize = 200;

/// Stores the draft as a new version (not yet active); every bad field is named at once.
#[server(prefix = "/sfn", endpoint = "save_model_version")]
pub async fn save_model_version(draft: ModelDraft, note: String) -> Result<i64, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::scoring::ScoringModel;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let note = note.trim().to_string();
    if note.chars().count() > NOTE_MAX {
        return Err(AppError::Invalid(format!(
            "note: at most {NOTE_MAX} characters"
        )));
    }
    let model = ScoringModel::try_from(draft).map_err(AppError::fields)?;
    let store = super::store()?;
    Ok(store
        .save_model_version(&model, &note, &user.username, super::clock()?.now())
        .await?)
}

/// Makes a version (0: the built-in default) the one rescoring uses; audited as a setting.
#[server(prefix = "/sfn", endpoint = "activate_model_version")]
pub async fn activate_model_version(version: i64) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let store = super::store()?;
    match crate::ledger::model_version(store.as_ref(), version).await {
        Ok(_) => {}
        Err(crate::store::StoreError::NotFound) => {
            return Err(AppError::Invalid(format!(
                "version: there is no version {version}"
            )))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(store
        .set_setting(
            crate::domain::settings::ACTIVE_MODEL.key,
            &version.to_string(),
            &user.username,
            super::clock()?.now(),
        )
        .await?)
}

/// Rescores every customer now with the active model; returns the run's counts.
#[server(prefix = "/sfn", endpoint = "rescore_all")]
pub async fn rescore_all() -> Result<ScoringRun, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    let key = format!("manual:{}", uuid::Uuid::new_v4());
    let run = crate::ledger::rescore(
        store.as_ref(),
        crate::ledger::Rescore::All,
        crate::domain::business_date(now),
        &key,
        &user.username,
        now,
    )
    .await?;
    run.ok_or_else(|| AppError::internal(format!("a fresh run key {key} was already claimed")))
}

/// A customer's score card: the latest score with its breakdown, its history, the
/// active model's suggestion, the manual factors, and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerScore {
    pub latest: Option<StoredScore>,
    pub history: Vec<ScorePoint>,
    pub suggestion: Option<Suggestion>,
    pub factors: ManualFactors,
    pub can_rescore: bool,
    pub can_edit_factors: bool,
}

/// Scores shown in a customer's history chart.
pub const HISTORY_POINTS: i64 = 24;

#[cfg(feature = "ssr")]
async fn customer_score(
    store: &dyn crate::store::Store,
    user: &crate::domain::auth::User,
    customer_id: i64,
) -> Result<CustomerScore, AppError> {
    use crate::domain::auth::Permission;
    // Out of scope looks exactly like absent, as on the customer page.
    store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CustomerScore {
        latest: store.latest_score(customer_id).await?,
        history: store.score_history(customer_id, HISTORY_POINTS).await?,
        suggestion: suggestion(store, customer_id).await?,
        factors: store.customer_factors(customer_id).await?,
        can_rescore: user.role.allows(Permission::RescoreCustomer),
        can_edit_factors: user.role.allows(Permission::ConfigureFinance),
    })
}

#[server(prefix = "/sfn", endpoint = "customer_score")]
pub async fn get_customer_score(customer_id: i64) -> Result<CustomerScore, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewCustomers)?;
    customer_score(super::store()?.as_ref(), &user, customer_id).await
}

/// Rescores one customer now with the active model (its grade changes are audited).
#[server(prefix = "/sfn", endpoint = "rescore_customer")]
pub async fn rescore_customer(customer_id: i64) -> Result<CustomerScore, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::RescoreCustomer)?;
    let store = super::store()?;
    store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let now = super::clock()?.now();
    let key = format!("manual:{}", uuid::Uuid::new_v4());
    let which = crate::ledger::Rescore::One(customer_id);
    crate::ledger::rescore(
        store.as_ref(),
        which,
        crate::domain::business_date(now),
        &key,
        &user.username,
        now,
    )
    .await?;
    customer_score(store.as_ref(), &user, customer_id).await
}

/// A decimal typed into a form: blank is None, anything else must parse.
pub fn optional_decimal(
    field: &str,
    text: &str,
) -> Result<Option<Decimal>, crate::domain::documents::FieldError> {
    use std::str::FromStr;
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(t).map(Some).map_err(|_| {
        crate::domain::documents::FieldError::new(field, format!("'{t}' is not a number"))
    })
}

/// Sets (blank clears) a customer's registered capital (in the book currency) and
/// external rating (0–100).
#[server(prefix = "/sfn", endpoint = "save_customer_factors")]
pub async fn save_customer_factors(
    customer_id: i64,
    registered_capital: String,
    external_rating: String,
) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::documents::FieldError;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let mut errors = Vec::new();
    let capital = match optional_decimal("registered_capital", &registered_capital) {
        Ok(Some(c)) if c < Decimal::ZERO => {
            errors.push(FieldError::new(
                "registered_capital",
                "must be zero or more",
            ));
            None
        }
        Ok(c) => c.and_then(|c| {
            crate::domain::money::Money::new(c, crate::domain::BOOK_CURRENCY)
                .map_err(|e| errors.push(FieldError::new("registered_capital", e.to_string())))
                .ok()
        }),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let rating = match optional_decimal("external_rating", &external_rating) {
        Ok(Some(r)) if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED => {
            errors.push(FieldError::new(
                "external_rating",
                format!("must be from 0 to 100, got {r}"),
            ));
            None
        }
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let store = super::store()?;
    store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(store
        .set_customer_factors(
            customer_id,
            capital,
            rating,
            &user.username,
            super::clock()?.now(),
        )
        .await?)
}

/// Sets an industry's risk factor (more than 0, at most 10; higher is riskier).
#[server(prefix = "/sfn", endpoint = "save_industry_risk")]
pub async fn save_industry_risk(industry: String, factor: String) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::documents::FieldError;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let industry = industry.trim().to_string();
    if industry.is_empty() || industry.chars().count() > 100 {
        return Err(AppError::fields([FieldError::new(
            "industry",
            "1 to 100 characters",
        )]));
    }
    let factor = match optional_decimal("factor", &factor).map_err(|e| AppError::fields([e]))? {
        Some(f) if f > Decimal::ZERO && f <= Decimal::TEN => f,
        other => {
            let got = other.map_or_else(|| "nothing".to_string(), |f| f.to_string());
            return Err(AppError::fields([FieldError::new(
                "factor",
                format!("must be more than 0 and at most 10, got {got}"),
            )]));
        }
    };
    let store = super::store()?;
    Ok(store
        .set_industry_risk(&industry, factor, &user.username, super::clock()?.now())
        .await?)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestArgs {
    /// YYYY-MM-DD; at least six months ago, so the outcome window has passed.
    pub as_of: String,
    pub version_a: i64,
    /// A second version to compare with, if any.
    pub version_b: Option<i64>,
}

/// One version's back-test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionBacktest {
    pub version: i64,
    pub result: Backtest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestResult {
    pub as_of: NaiveDate,
    /// The last day watched for defaults (as_of + 6 months).
    pub outcome_end: NaiveDate,
    pub a: VersionBacktest,
    pub b: Option<VersionBacktest>,
}

/// The as_of of a back-test: a date whose six-month outcome window has passed by `today`.
pub fn backtest_as_of(
    text: &str,
    today: NaiveDate,
) -> Result<NaiveDate, crate::domain::documents::FieldError> {
    use crate::domain::documents::FieldError;
    let as_of = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "as_of",
            format!("'{}' is not a date (YYYY-MM-DD)", text.trim()),
        )
    })?;
    let end = crate::domain::indicators::outcome_end(as_of);
    if end >= today {
        return Err(FieldError::new("as_of", format!("the six months after {as_of} end on {end}, not before today; choose an earlier date")));
    }
    Ok(as_of)
}

/// Back-tests version A (and B, to compare) at a past date: each customer scored from
/// what was known then, against whether it went 90+ days past due in the six months after.
#[server(prefix = "/sfn", endpoint = "run_backtest")]
pub async fn run_backtest(args: BacktestArgs) -> Result<BacktestResult, AppError> {
    use crate::domain::auth::Permission;
    super::authorize(Permission::ConfigureFinance)?;
    let store = super::store()?;
    let today = crate::domain::business_date(super::clock()?.now());
    let as_of = backtest_as_of(&args.as_of, today).map_err(|e| AppError::fields([e]))?;
    let mut versions = vec![args.version_a];
    versions.extend(args.version_b);
    let mut results =
        match crate::ledger::backtest_versions(store.as_ref(), &versions, as_of).await {
            Err(crate::store::StoreError::NotFound) => {
                return Err(AppError::Invalid("version: no such model version".into()))
            }
            other => other?,
        }
        .into_iter()
        .zip(versions)
        .map(|(result, version)| VersionBacktest { version, result });
    let a = results
        .next()
        .ok_or_else(|| AppError::internal("back-test returned no result"))?;
    Ok(BacktestResult {
        as_of,
        outcome_end: crate::domain::indicators::outcome_end(as_of),
        a,
        b: results.next(),
    })
}
