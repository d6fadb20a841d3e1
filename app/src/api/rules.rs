//! Collection rules: the rule list and builder, the dry-run preview, the back-test (a
//! background job the page polls), the run history, the dunning terms, and the
//! notification settings (SMTP and webhooks).
//!
//! Invariants, and why they hold:
//! - Every function authorises first and denies by default: rules, runs, previews,
//!   back-tests and dunning terms need `ConfigureFinance`; the SMTP and webhook settings
//!   are the admin's alone (they hold credentials).
//! - A draft reaches the store only after `Rule::try_from` accepted it. A refused draft
//!   comes back as `Checked::Invalid` with every `FieldError` (paths such as
//!   `groups[0].predicates[1].value`), so the builder puts each message next to its
//!   field instead of parsing one joined string.
//! - Preview and back-test call the engine's read-only functions: trying a rule never
//!   writes, notifies or charges anything.
//! - Passwords and webhook secrets never travel to the browser: the settings page gets
//!   drafts made with `keep = false` and a flag saying a secret is stored; an empty
//!   field on save keeps the stored one (`keep_password_of` / `keep_secret_of`).
//! - A back-test job is visible only to the user who started it, and finished jobs are
//!   forgotten after ten minutes, so the registry stays small.
use crate::domain::documents::FieldError;
use crate::domain::money::Money;
use crate::domain::notify::{SmtpDraft, WebhookDraft};
use crate::domain::rules::RuleDraft;
use crate::error::AppError;
use crate::records::{FiringView, RuleRun, StoredRule};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The answer to a save or a check of user input: done, or refused with every problem
/// named by its field path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Checked<T> {
    Done(T),
    Invalid(Vec<FieldError>),
}

/// How many preview targets the page lists (the count covers all of them).
pub const PREVIEW_KEEP: usize = 50;
/// Runs shown in the history.
pub const RUN_HISTORY: i64 = 100;
/// Firings listed on a run's page.
pub const RUN_FIRINGS: i64 = 500;
/// Days a back-test replays, ending today.
pub const BACKTEST_DAYS: i64 = 365;

/// A person a task can be assigned to (`user:ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub role: crate::domain::auth::Role,
}

/// What the builder needs: the rule (or a starting draft), the webhook keys an action
/// may name, and the people a task may be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleForm {
    pub id: Option<i64>,
    pub draft: RuleDraft,
    pub webhooks: Vec<String>,
    pub people: Vec<Person>,
    pub today: NaiveDate,
    /// The viewer may open the notification settings (admin).
    pub can_configure_notify: bool,
}

/// A new rule's starting point: a daily invoice rule with one empty condition and one
/// notification, so the builder opens with a row of each to fill in.
pub fn starter_draft() -> RuleDraft {
    use crate::domain::rules::{ActionDraft, GroupDraft, PredicateDraft};
    RuleDraft {
        name: String::new(),
        enabled: true,
        trigger: "daily".into(),
        at: "08:00".into(),
        event: String::new(),
        scope: "invoice".into(),
        repeat: "once".into(),
        all: true,
        groups: vec![GroupDraft {
            all: true,
            predicates: vec![PredicateDraft {
                field: "days_past_due".into(),
                op: "ge".into(),
                value: String::new(),
            }],
        }],
        actions: vec![ActionDraft {
            kind: "notify".into(),
            ..ActionDraft::default()
        }],
    }
}

/// One target a preview lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub invoice_number: Option<String>,
    pub overdue: Money,
}

/// "Today this rule would fire for `count` targets"; the first `PREVIEW_KEEP` listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePreview {
    pub as_of: NaiveDate,
    pub count: i64,
    pub targets: Vec<PreviewRow>,
}

/// A finished back-test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleBacktest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub firings: i64,
    pub customers: i64,
    pub overdue: Money,
}

/// Where a back-test job is: `done` of `total` days replayed, then its result or error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestProgress {
    pub done: i64,
    pub total: i64,
    pub result: Option<RuleBacktest>,
    pub error: Option<String>,
}

impl BacktestProgress {
    pub fn finished(&self) -> bool {
        self.result.is_some() || self.error.is_some()
    }

    /// Whole percent done, 0–100.
    pub fn percent(&self) -> i64 {
        if self.result.is_some() {
            100
        } else if self.total <= 0 {
            0
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

/// A run with what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RuleRun,
    pub firings: Vec<FiringView>,
    /// True when the run has more firings than listed.
    pub truncated: bool,
}

/// The dunning terms as the form shows them (decimal strings; the rate in percent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningForm {
    pub friendly_fee: String,
    pub formal_fee: String,
    pub legal_fee: String,
    pub rate_percent: String,
}

impl DunningForm {
    pub fn of(t: &crate::domain::rules::DunningTerms) -> DunningForm {
        let plain = |d: rust_decimal::Decimal| d.normalize().to_string();
        DunningForm {
            friendly_fee: plain(t.friendly_fee),
            formal_fee: plain(t.formal_fee),
            legal_fee: plain(t.legal_fee),
            rate_percent: plain(t.annual_rate * rust_decimal::Decimal::ONE_HUNDRED),
        }
    }
}

/// The notification settings without their secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifySettings {
    /// Empty password always; `password_set` says whether one is stored.
    pub smtp: SmtpDraft,
    pub smtp_configured: bool,
    pub password_set: bool,
    /// Empty secrets always; `secret_set[i]` says whether webhook i has one stored.
    pub webhooks: Vec<WebhookDraft>,
    pub secret_set: Vec<bool>,
}

// ------------------------------------------------------------------ ssr helpers

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::auth::{Permission, Role, User};
    use crate::domain::notify::{SmtpSettings, WebhookTarget};
    use crate::domain::rules::{DunningTerms, Rule};
    use crate::store::Store;

    pub fn finance() -> Result<User, AppError> {
        crate::api::authorize(Permission::ConfigureFinance)
    }

    pub fn admin() -> Result<User, AppError> {
        let user = crate::api::viewer().ok_or(AppError::Unauthenticated)?;
        if user.role != Role::Admin {
            tracing::warn!(user = %user.username, "notification settings: not an admin");
            return Err(AppError::Forbidden);
        }
        Ok(user)
    }

    /// The stored SMTP settings, if any. A stored value that no longer parses is an
    /// internal error (logged), never silently replaced.
    pub async fn smtp(store: &dyn Store) -> Result<Option<SmtpSettings>, AppError> {
        Ok(crate::settings::get(store, &crate::domain::settings::SMTP).await?)
    }

    pub async fn webhooks(store: &dyn Store) -> Result<Vec<WebhookTarget>, AppError> {
        Ok(crate::settings::get(store, &crate::domain::settings::WEBHOOKS).await?)
    }

    pub async fn dunning(store: &dyn Store) -> Result<DunningTerms, AppError> {
        Ok(crate::settings::get(store, &crate::domain::settings::DUNNING).await?)
    }

    pub fn parse(draft: &RuleDraft) -> Result<Rule, Vec<FieldError>> {
        Rule::try_from(draft)
    }

    /// The business date now, from the injected clock.
    pub fn today() -> Result<NaiveDate, AppError> {
        Ok(crate::domain::business_date(crate::api::clock()?.now()))
    }
}

#[cfg(feature = "ssr")]
mod jobs {
    //! The back-test registry: one entry per job, keyed by a random id, holding who
    //! started it and how far it got. Finished jobs are pruned after `KEEP`.
    use super::{BacktestProgress, RuleBacktest};
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    use std::time::{Duration, Instant};

    const KEEP: Duration = Duration::from_secs(600);
    /// Running back-tests one user may have at once (each replays a year of the book).
    pub const PER_USER: usize = 2;

    pub struct Job {
        pub owner: String,
        pub done: i64,
        pub total: i64,
        pub result: Option<RuleBacktest>,
        pub error: Option<String>,
        pub finished_at: Option<Instant>,
    }

    static JOBS: LazyLock<Mutex<HashMap<String, Job>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));

    fn with<T>(f: impl FnOnce(&mut HashMap<String, Job>) -> T) -> T {
        // A panic while holding the lock only ever leaves counters half-updated; the
        // map itself stays usable.
        let mut guard = JOBS.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Registers a job for `owner`, or None when they already run `PER_USER`.
    pub fn start(owner: &str, total: i64) -> Option<String> {
        with(|jobs| {
            jobs.retain(|_, j| j.finished_at.is_none_or(|t| t.elapsed() < KEEP));
            if jobs
                .values()
                .filter(|j| j.owner == owner && j.finished_at.is_none())
                .count()
                >= PER_USER
            {
                return None;
            }
            let id = uuid::Uuid::new_v4().simple().to_string();
            jobs.insert(
                id.clone(),
                Job {
                    owner: owner.to_string(),
                    done: 0,
                    total,
                    result: None,
                    error: None,
                    finished_at: None,
                },
            );
            Some(id)
        })
    }

    pub fn progress(id: &str, done: i64, total: i64) {
        with(|jobs| {
            if let Some(j) = jobs.get_mut(id) {
                j.done = done;
                j.total = total;
            }
        })
    }

    pub fn finish(id: &str, outcome: Result<RuleBacktest, String>) {
        with(|jobs| {
            if let Some(j) = jobs.get_mut(id) {
                match outcome {
                    Ok(r) => {
                        j.done = j.total;
                        j.result = Some(r);
                    }
                    Err(e) => j.error = Some(e),
                }
                j.finished_at = Some(Instant::now());
            }
        })
    }

    /// The job's state, if it exists and `owner` started it.
    pub fn get(id: &str, owner: &str) -> Option<BacktestProgress> {
        with(|jobs| {
            jobs.get(id)
                .filter(|j| j.owner == owner)
                .map(|j| BacktestProgress {
                    done: j.done,
                    total: j.total,
                    result: j.result.clone(),
                    error: j.error.clone(),
                })
        })
    }
}

// ------------------------------------------------------------------ rules

/// The rules not archived, oldest first.
#[server(prefix = "/sfn", endpoint = "list_rules")]
pub async fn list_rules() -> Result<Vec<StoredRule>, AppError> {
    ssr::finance()?;
    Ok(crate::api::store()?.rules().await?)
}

/// The builder's data for a rule (`id`) or a new one (None).
#[server(prefix = "/sfn", endpoint = "rule_form")]
pub async fn get_rule_form(id: Option<i64>) -> Result<RuleForm, AppError> {
    let user = ssr::finance()?;
    let store = crate::api::store()?;
    let draft = match id {
        Some(id) => {
            store
                .rules()
                .await?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or(AppError::NotFound)?
                .draft
        }
        None => starter_draft(),
    };
    let webhooks = ssr::webhooks(store.as_ref())
        .await?
        .into_iter()
        .map(|w| w.key)
        .collect();
    let people = store
        .list_users()
        .await?
        .into_iter()
        .map(|u| Person {
            id: u.id,
            name: u.display_name,
            role: u.role,
        })
        .collect();
    Ok(RuleForm {
        id,
        draft,
        webhooks,
        people,
        today: ssr::today()?,
        can_configure_notify: user.role == crate::domain::auth::Role::Admin,
    })
}

/// Saves a new rule (`id` None) or replaces one; a refused draft names every field.
/// JSON in: a rule is nested data that form encoding cannot carry.
#[server(prefix = "/sfn", endpoint = "save_rule", input = server_fn::codec::Json)]
pub async fn save_rule(id: Option<i64>, draft: RuleDraft) -> Result<Checked<i64>, AppError> {
    let user = ssr::finance()?;
    if let Err(errors) = ssr::parse(&draft) {
        return Ok(Checked::Invalid(errors));
    }
    let store = crate::api::store()?;
    let now = crate::api::clock()?.now();
    let created_on = match id {
        Some(id) => {
            store
                .rules()
                .await?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or(AppError::NotFound)?
                .created_on
        }
        None => crate::domain::business_date(now),
    };
    Ok(Checked::Done(
        store
            .save_rule(id, &draft, created_on, &user.username, now)
            .await?,
    ))
}

/// Archives a rule: it stops running and leaves the list; its runs stay in the history.
#[server(prefix = "/sfn", endpoint = "archive_rule")]
pub async fn archive_rule(id: i64) -> Result<(), AppError> {
    let user = ssr::finance()?;
    let store = crate::api::store()?;
    Ok(store
        .archive_rule(id, &user.username, crate::api::clock()?.now())
        .await?)
}

/// Whom the draft would fire for today (the business date), without doing anything.
#[server(prefix = "/sfn", endpoint = "preview_rule", input = server_fn::codec::Json)]
pub async fn preview_rule(draft: RuleDraft) -> Result<Checked<RulePreview>, AppError> {
    ssr::finance()?;
    let rule = match ssr::parse(&draft) {
        Ok(r) => r,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let store = crate::api::store()?;
    let p = crate::engine::preview(store.as_ref(), &rule, ssr::today()?, PREVIEW_KEEP).await?;
    let targets = p
        .targets
        .into_iter()
        .map(|t| PreviewRow {
            customer_id: t.customer_id,
            customer_name: t.customer_name,
            invoice_number: t.invoice_number,
            overdue: t.overdue,
        })
        .collect();
    Ok(Checked::Done(RulePreview {
        as_of: p.as_of,
        count: p.count,
        targets,
    }))
}

/// Starts replaying the draft over the last `BACKTEST_DAYS` days in the background;
/// returns the job id to poll with `rule_backtest_progress`.
#[server(prefix = "/sfn", endpoint = "start_rule_backtest", input = server_fn::codec::Json)]
pub async fn start_rule_backtest(draft: RuleDraft) -> Result<Checked<String>, AppError> {
    let user = ssr::finance()?;
    let rule = match ssr::parse(&draft) {
        Ok(r) => r,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let store = crate::api::store()?;
    let to = ssr::today()?;
    let from = to - chrono::Duration::days(BACKTEST_DAYS - 1);
    let id = jobs::start(&user.username, BACKTEST_DAYS).ok_or_else(|| {
        AppError::Invalid(format!(
            "backtest: you already have {} back-tests running; wait for one to finish",
            jobs::PER_USER
        ))
    })?;
    let job = id.clone();
    leptos::task::spawn(async move {
        let report = |done: i64, total: i64| jobs::progress(&job, done, total);
        let outcome = crate::engine::backtest(store.as_ref(), &rule, from, to, &report).await;
        let outcome = match outcome {
            Ok(r) => Ok(RuleBacktest {
                from: r.from.unwrap_or(from),
                to: r.to.unwrap_or(to),
                firings: r.firings,
                customers: r.customers,
                overdue: r
                    .overdue
                    .unwrap_or_else(|| Money::zero(crate::domain::BOOK_CURRENCY)),
            }),
            // The page gets the reference only; the details go to the log.
            Err(e) => Err(AppError::internal(format!("back-test {job}: {e}")).to_string()),
        };
        jobs::finish(&job, outcome);
    });
    Ok(Checked::Done(id))
}

#[server(prefix = "/sfn", endpoint = "rule_backtest_progress")]
pub async fn rule_backtest_progress(job: String) -> Result<BacktestProgress, AppError> {
    let user = ssr::finance()?;
    jobs::get(job.trim(), &user.username).ok_or(AppError::NotFound)
}

// ------------------------------------------------------------------ runs

/// The latest runs, newest first.
#[server(prefix = "/sfn", endpoint = "rule_runs")]
pub async fn rule_runs() -> Result<Vec<RuleRun>, AppError> {
    ssr::finance()?;
    Ok(crate::api::store()?.rule_runs(RUN_HISTORY).await?)
}

#[server(prefix = "/sfn", endpoint = "rule_run_detail")]
pub async fn rule_run_detail(id: i64) -> Result<RunDetail, AppError> {
    ssr::finance()?;
    let store = crate::api::store()?;
    let run = store.rule_run(id).await?.ok_or(AppError::NotFound)?;
    let mut firings = store.run_firings(id, RUN_FIRINGS + 1).await?;
    let truncated = firings.len() as i64 > RUN_FIRINGS;
    firings.truncate(RUN_FIRINGS as usize);
    Ok(RunDetail {
        run,
        firings,
        truncated,
    })
}

// ------------------------------------------------------------------ dunning terms

#[server(prefix = "/sfn", endpoint = "dunning_terms")]
pub async fn get_dunning_terms() -> Result<DunningForm, AppError> {
    ssr::finance()?;
    Ok(DunningForm::of(
        &ssr::dunning(crate::api::store()?.as_ref()).await?,
    ))
}

#[server(prefix = "/sfn", endpoint = "save_dunning_terms")]
pub async fn save_dunning_terms(terms: DunningForm) -> Result<Checked<DunningForm>, AppError> {
    use crate::domain::rules::DunningTerms;
    let user = ssr::finance()?;
    let parsed = match DunningTerms::parse(
        &terms.friendly_fee,
        &terms.formal_fee,
        &terms.legal_fee,
        &terms.rate_percent,
    ) {
        Ok(t) => t,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let json = serde_json::to_string(&parsed).map_err(AppError::internal)?;
    let store = crate::api::store()?;
    store
        .set_setting(
            crate::domain::rules::DUNNING_SETTING,
            &json,
            &user.username,
            crate::api::clock()?.now(),
        )
        .await?;
    Ok(Checked::Done(DunningForm::of(&parsed)))
}

// ------------------------------------------------------------------ notification settings

#[server(prefix = "/sfn", endpoint = "notify_settings")]
pub async fn get_notify_settings() -> Result<NotifySettings, AppError> {
    ssr::admin()?;
    let store = crate::api::store()?;
    let (smtp, webhooks) = (
        ssr::smtp(store.as_ref()).await?,
        ssr::webhooks(store.as_ref()).await?,
    );
    Ok(NotifySettings {
        smtp_configured: smtp.is_some(),
        password_set: smtp.as_ref().is_some_and(|s| s.password.is_some()),
        smtp: smtp
            .map(|s| s.to_draft(false))
            .unwrap_or_else(|| SmtpDraft {
                tls: "starttls".into(),
                ..SmtpDraft::default()
            }),
        secret_set: webhooks.iter().map(|w| w.secret.is_some()).collect(),
        webhooks: crate::domain::notify::webhooks_to_drafts(&webhooks, false),
    })
}

/// Saves the SMTP settings. An empty password with the stored username keeps the
/// stored password.
#[server(prefix = "/sfn", endpoint = "save_smtp_settings", input = server_fn::codec::Json)]
pub async fn save_smtp_settings(smtp: SmtpDraft) -> Result<Checked<()>, AppError> {
    use crate::domain::notify::{SmtpSettings, NOTIFY_SMTP_SETTING};
    let user = ssr::admin()?;
    let store = crate::api::store()?;
    let stored = ssr::smtp(store.as_ref()).await?;
    let settings = match SmtpSettings::try_from(smtp.keep_password_of(stored.as_ref())) {
        Ok(s) => s,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let json = serde_json::to_string(&settings.to_draft(true)).map_err(AppError::internal)?;
    store
        .set_setting(
            NOTIFY_SMTP_SETTING,
            &json,
            &user.username,
            crate::api::clock()?.now(),
        )
        .await?;
    Ok(Checked::Done(()))
}

/// Replaces the webhook list. An empty secret keeps the one stored under the same key
/// and URL.
#[server(prefix = "/sfn", endpoint = "save_webhooks", input = server_fn::codec::Json)]
pub async fn save_webhooks(webhooks: Vec<WebhookDraft>) -> Result<Checked<()>, AppError> {
    use crate::domain::notify::{parse_webhooks, webhooks_to_drafts, NOTIFY_WEBHOOKS_SETTING};
    let user = ssr::admin()?;
    let store = crate::api::store()?;
    let stored = ssr::webhooks(store.as_ref()).await?;
    let drafts = webhooks
        .into_iter()
        .map(|w| w.keep_secret_of(&stored))
        .collect();
    let targets = match parse_webhooks(drafts) {
        Ok(t) => t,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let json =
        serde_json::to_string(&webhooks_to_drafts(&targets, true)).map_err(AppError::internal)?;
    store
        .set_setting(
            NOTIFY_WEBHOOKS_SETTING,
            &json,
            &user.username,
            crate::api::clock()?.now(),
        )
        .await?;
    Ok(Checked::Done(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::{DunningTerms, Rule};

    #[test]
    fn the_starter_draft_asks_for_exactly_a_value_and_a_recipient() {
        let mut d = starter_draft();
        d.name = "10 days overdue".into();
        let fields: Vec<String> = Rule::try_from(&d)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["groups[0].predicates[0].value", "actions[0].to"]);
        d.groups[0].predicates[0].value = "10".into();
        d.actions[0].to = vec!["role:finance".into()];
        assert!(Rule::try_from(&d).is_ok());
    }

    #[test]
    fn progress_is_a_whole_percent_and_full_only_with_a_result() {
        let p = |done, total, result: Option<RuleBacktest>| BacktestProgress {
            done,
            total,
            result,
            error: None,
        };
        assert_eq!(p(0, 0, None).percent(), 0);
        assert_eq!(p(73, 365, None).percent(), 20);
        assert_eq!(p(365, 365, None).percent(), 100);
        assert!(!p(365, 365, None).finished());
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let r = RuleBacktest {
            from: day,
            to: day,
            firings: 1,
            customers: 1,
            overdue: Money::zero(crate::domain::BOOK_CURRENCY),
        };
        assert!(p(10, 365, Some(r.clone())).finished());
        assert_eq!(p(10, 365, Some(r)).percent(), 100);
    }

    #[test]
    fn dunning_terms_show_as_typed_and_parse_back() {
        let t = DunningTerms::parse("0", "200.5", "1000", "4.35").unwrap();
        let f = DunningForm::of(&t);
        assert_eq!(
            (f.formal_fee.as_str(), f.rate_percent.as_str()),
            ("200.5", "4.35")
        );
        assert_eq!(
            DunningTerms::parse(
                &f.friendly_fee,
                &f.formal_fee,
                &f.legal_fee,
                &f.rate_percent
            )
            .unwrap(),
            t
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_backtest_job_is_seen_only_by_its_owner_and_each_owner_runs_a_few() {
        let owner = format!("tester-{}", uuid::Uuid::new_v4());
        let a = jobs::start(&owner, 365).unwrap();
        jobs::progress(&a, 10, 365);
        assert_eq!(
            jobs::get(&a, &owner).map(|p| (p.done, p.total)),
            Some((10, 365))
        );
        assert_eq!(jobs::get(&a, "someone-else"), None);
        let b = jobs::start(&owner, 365).unwrap();
        assert_eq!(
            jobs::start(&owner, 365),
            None,
            "at most {} running per user",
            jobs::PER_USER
        );
        jobs::finish(&b, Err("internal error (reference x)".into()));
        assert!(
            jobs::start(&owner, 365).is_some(),
            "a finished job frees its slot"
        );
        assert_eq!(
            jobs::get(&b, &owner).and_then(|p| p.error).as_deref(),
            Some("internal error (reference x)")
        );
    }
}
