//! Credit reports and saved report templates. Reading a report needs the cockpit
//! permission (a sales rep's report is their own slice); reading and running templates
//! needs the receivables permission (within the caller's scope); designing them needs
//! `ConfigureFinance`. Every function authorises first.
use crate::domain::report::{CreditReport, PeriodKind, SavedTemplate, TemplateDraft};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportArgs {
    /// week, month (default) or quarter.
    pub kind: Option<String>,
    /// A period key (`2026-W07`, `2026-02`, `2026-Q1`); defaults to the last complete
    /// period of `kind`.
    pub period: Option<String>,
    pub rep: Option<String>,
    pub region: Option<String>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPage {
    pub report: CreditReport,
    /// The picker's choices: recent periods of each kind, newest first.
    pub choices: Vec<(PeriodKind, Vec<String>)>,
}

/// Recent periods of every kind for a picker, newest first.
pub fn period_choices(today: chrono::NaiveDate) -> Vec<(PeriodKind, Vec<String>)> {
    use crate::domain::report::Period;
    PeriodKind::ALL
        .into_iter()
        .map(|k| {
            let n = if k == PeriodKind::Quarter { 8 } else { 12 };
            (
                k,
                Period::recent(k, today, n)
                    .iter()
                    .map(Period::key)
                    .collect(),
            )
        })
        .collect()
}

/// The period a request names, or the last complete one of its kind.
pub fn chosen_period(
    kind: Option<&str>,
    key: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<crate::domain::report::Period, String> {
    use crate::domain::report::Period;
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Period::parse(k).map_err(|e| e.to_string()),
        None => {
            let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
                Some(k) => PeriodKind::parse(k).map_err(|e| e.to_string())?,
                None => PeriodKind::Month,
            };
            Ok(Period::containing(kind, today).previous())
        }
    }
}

#[server(prefix = "/sfn", endpoint = "credit_report")]
pub async fn get_credit_report(
    #[server(default)] args: ReportArgs,
) -> Result<ReportPage, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::business_date;
    let user = super::authorize(Permission::ViewCockpit)?;
    let store = super::store()?;
    let today = business_date(super::clock()?.now());
    let period = chosen_period(args.kind.as_deref(), args.period.as_deref(), today)
        .map_err(AppError::Invalid)?;
    if period.start() > today {
        return Err(AppError::Invalid(format!(
            "period: {} has not started yet",
            period.key()
        )));
    }
    let slice =
        super::cockpit::slice_for(&user, store.as_ref(), &args.rep, &args.region, &args.grade)
            .await?;
    let report = crate::ledger::credit_report(store.as_ref(), slice, period, today).await?;
    Ok(ReportPage {
        choices: period_choices(today),
        report,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatesPage {
    pub templates: Vec<SavedTemplate>,
    pub can_edit: bool,
}

#[server(prefix = "/sfn", endpoint = "report_templates")]
pub async fn list_report_templates() -> Result<TemplatesPage, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewReceivables)?;
    let store = super::store()?;
    Ok(TemplatesPage {
        templates: store.report_templates().await?,
        can_edit: user.role.allows(Permission::ConfigureFinance),
    })
}

/// Creates (`id` None) or replaces a template; the draft is parsed whole and every bad
/// field named at once.
#[server(prefix = "/sfn", endpoint = "save_report_template")]
pub async fn save_report_template(id: Option<i64>, draft: TemplateDraft) -> Result<i64, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::report::ReportTemplate;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let template = ReportTemplate::try_from(draft).map_err(|errors| {
        AppError::Invalid(
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let store = super::store()?;
    let now = super::clock()?.now();
    Ok(store
        .save_report_template(id, &template, &user.username, now)
        .await?)
}

#[server(prefix = "/sfn", endpoint = "delete_report_template")]
pub async fn delete_report_template(id: i64) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    Ok(store
        .delete_report_template(id, &user.username, now)
        .await?)
}

/// The first rows of a template's run, for the page (the files have them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePreview {
    pub template: SavedTemplate,
    pub period: String,
    pub as_of: chrono::NaiveDate,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The total row, over every matching customer.
    pub total: Vec<String>,
    /// Rows the run produced, shown or not (the total not counted).
    pub row_count: i64,
    pub periods: Vec<String>,
}

/// Rows shown on the page; the export has every row.
pub const PREVIEW_ROWS: usize = 100;

#[server(prefix = "/sfn", endpoint = "run_report_template")]
pub async fn run_report_template(
    id: i64,
    period: Option<String>,
) -> Result<TemplatePreview, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::business_date;
    use crate::domain::report::Period;
    let user = super::authorize(Permission::ViewReceivables)?;
    let store = super::store()?;
    let today = business_date(super::clock()?.now());
    let saved = store
        .report_templates()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    let period = chosen_period(
        Some(saved.template.period().as_str()),
        period.as_deref(),
        today,
    )
    .map_err(AppError::Invalid)?;
    let mut run =
        crate::ledger::TemplateRun::new(saved.template.clone(), user.scope(), period, today);
    let texts =
        |r: &[crate::domain::report::Value]| r.iter().map(|v| v.display()).collect::<Vec<_>>();
    let (mut rows, mut row_count) = (Vec::new(), 0i64);
    while let Some(page) = run.next_rows(store.as_ref()).await? {
        row_count += page.len() as i64;
        rows.extend(
            page.iter()
                .take(PREVIEW_ROWS.saturating_sub(rows.len()))
                .map(|r| texts(r)),
        );
    }
    let total = texts(&run.total());
    Ok(TemplatePreview {
        headers: run.headers(),
        as_of: run.as_of(),
        period: period.key(),
        periods: Period::recent(period.kind(), today, 12)
            .iter()
            .map(|p| p.key())
            .collect(),
        template: saved,
        rows,
        total,
        row_count,
    })
}
