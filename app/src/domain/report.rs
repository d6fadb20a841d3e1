//! Periodic credit reports (week, month, quarter) and finance's saved report templates.
//!
//! Invariants, and why they hold:
//! - A `Period` is a closed date range that is exactly one ISO week (Monday–Sunday), one
//!   calendar month or one calendar quarter; it is only made by `containing`/`parse`, so
//!   `start ≤ end` and `previous().end + 1 day = start` always hold (tested below).
//! - A report of a period still running is as of today, never of a future date: no figure
//!   pretends to know what has not been posted.
//! - The roll-forward balances: opening + invoiced − payments − credit notes − write-offs
//!   \+ reversals = closing. Opening and closing come from the maintained month-end
//!   snapshots, the movements from the ledger's documents; `Movements::unexplained` is
//!   the difference, which the store tests demand be zero on both databases.
//! - A template is parsed whole before it is stored or run: at least one column, each
//!   column once, a group-by only with columns that can be summed; errors name the field.
use crate::domain::customer::{CustomerStatus, Grade};
use crate::domain::dashboard::{Dashboard, Kpis};
use crate::domain::money::{Currency, Money};
use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("period: '{0}' is not a week (2026-W07), a month (2026-02) or a quarter (2026-Q1)")]
    PeriodKey(String),
    #[error("period kind: '{0}' is not week, month or quarter")]
    PeriodKind(String),
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
}

fn field(field: &'static str, message: impl Into<String>) -> ReportError {
    ReportError::Field {
        field,
        message: message.into(),
    }
}

/// The length of a reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Week,
    Month,
    Quarter,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Week, PeriodKind::Month, PeriodKind::Quarter];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
        }
    }

    pub fn parse(s: &str) -> Result<PeriodKind, ReportError> {
        PeriodKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| ReportError::PeriodKind(s.to_string()))
    }
}

/// One ISO week, calendar month or calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    kind: PeriodKind,
    start: NaiveDate,
    end: NaiveDate,
}

impl Period {
    /// The period of `kind` that contains `day`.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Period {
        let start = match kind {
            PeriodKind::Week => {
                day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
            }
            PeriodKind::Month => day.with_day(1).unwrap_or(day),
            PeriodKind::Quarter => {
                NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1).unwrap_or(day)
            }
        };
        let end = match kind {
            PeriodKind::Week => start + Duration::days(6),
            PeriodKind::Month => start
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(start),
            PeriodKind::Quarter => start
                .checked_add_months(Months::new(3))
                .and_then(|d| d.pred_opt())
                .unwrap_or(start),
        };
        Period { kind, start, end }
    }

    /// `2026-W07` (ISO week), `2026-02` or `2026-Q1`.
    pub fn parse(key: &str) -> Result<Period, ReportError> {
        let bad = || ReportError::PeriodKey(key.to_string());
        let key = key.trim();
        let (year, rest) = key.split_once('-').ok_or_else(bad)?;
        let year: i32 = year
            .parse()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .ok_or_else(bad)?;
        let number = |s: &str| {
            s.parse::<u32>()
                .ok()
                .filter(|_| s.len() == 2 || s.len() == 1)
        };
        if let Some(w) = rest.strip_prefix('W') {
            let w = number(w).ok_or_else(bad)?;
            let monday = NaiveDate::from_isoywd_opt(year, w, Weekday::Mon).ok_or_else(bad)?;
            Ok(Period::containing(PeriodKind::Week, monday))
        } else if let Some(q) = rest.strip_prefix('Q') {
            let q = number(q).filter(|q| (1..=4).contains(q)).ok_or_else(bad)?;
            let first = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).ok_or_else(bad)?;
            Ok(Period::containing(PeriodKind::Quarter, first))
        } else {
            let m = number(rest).filter(|_| rest.len() == 2).ok_or_else(bad)?;
            let first = NaiveDate::from_ymd_opt(year, m, 1).ok_or_else(bad)?;
            Ok(Period::containing(PeriodKind::Month, first))
        }
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// The key `parse` reads back.
    pub fn key(&self) -> String {
        match self.kind {
            PeriodKind::Week => {
                let w = self.start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Month => format!("{}-{:02}", self.start.year(), self.start.month()),
            PeriodKind::Quarter => {
                format!("{}-Q{}", self.start.year(), self.start.month0() / 3 + 1)
            }
        }
    }

    /// The period just before, of the same kind.
    pub fn previous(&self) -> Period {
        Period::containing(self.kind, self.start.pred_opt().unwrap_or(self.start))
    }

    /// The report's date: the period's end, or `today` while the period is running.
    pub fn as_of(&self, today: NaiveDate) -> NaiveDate {
        self.end.min(today).max(self.start)
    }

    /// Whether the period has ended by `today`.
    pub fn is_complete(&self, today: NaiveDate) -> bool {
        self.end < today
    }

    /// The period containing `today` and the `n - 1` before it, newest first (a picker).
    pub fn recent(kind: PeriodKind, today: NaiveDate, n: usize) -> Vec<Period> {
        let mut out = Vec::with_capacity(n);
        let mut p = Period::containing(kind, today);
        for _ in 0..n {
            out.push(p);
            p = p.previous();
        }
        out
    }
}

/// What moved open AR in a period, in minor units, as the ledger recorded it. An
/// allocation counts on its date, or on its invoice's date when that is later (an
/// invoice is open AR only from its date), the same rule the aggregates use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementFigures {
    pub invoiced_minor: i64,
    pub payments_minor: i64,
    pub credit_notes_minor: i64,
    pub write_offs_minor: i64,
    /// Reversed allocations of payments, credit notes and write-offs (adds back).
    pub reversals_minor: i64,
    /// Cash received in the period (payments' received date, less payment reversals),
    /// allocated or not.
    pub cash_minor: i64,
}

/// The period's roll-forward of open AR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movements {
    pub opening: Money,
    pub invoiced: Money,
    pub payments: Money,
    pub credit_notes: Money,
    pub write_offs: Money,
    pub reversals: Money,
    pub closing: Money,
    pub cash_received: Money,
}

impl Movements {
    pub fn new(
        opening_minor: i64,
        f: MovementFigures,
        closing_minor: i64,
        cur: Currency,
    ) -> Movements {
        let m = |minor| Money::from_minor(minor, cur);
        Movements {
            opening: m(opening_minor),
            invoiced: m(f.invoiced_minor),
            payments: m(f.payments_minor),
            credit_notes: m(f.credit_notes_minor),
            write_offs: m(f.write_offs_minor),
            reversals: m(f.reversals_minor),
            closing: m(closing_minor),
            cash_received: m(f.cash_minor),
        }
    }

    /// closing − (opening + invoiced − settled + reversed): zero when the ledger's
    /// documents explain every change of the snapshots.
    pub fn unexplained_minor(&self) -> i64 {
        self.closing.minor()
            - (self.opening.minor() + self.invoiced.minor()
                - self.payments.minor()
                - self.credit_notes.minor()
                - self.write_offs.minor()
                + self.reversals.minor())
    }
}

/// A customer's grade or status as changed by an audited update in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub on: NaiveDate,
    pub customer_code: String,
    pub customer_name: String,
    /// "grade" or "status".
    pub attribute: String,
    pub before: String,
    pub after: String,
    pub actor: String,
}

/// The grade and status changes in one audited customer update (`before`/`after` are
/// the audit row's JSON): one entry per attribute that differs.
pub fn attribute_changes(before: &str, after: &str) -> Vec<(String, String, String)> {
    let (Ok(b), Ok(a)) = (
        serde_json::from_str::<serde_json::Value>(before),
        serde_json::from_str::<serde_json::Value>(after),
    ) else {
        return Vec::new();
    };
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => "-".into(),
        Some(other) => other.to_string(),
    };
    ["grade", "status"]
        .into_iter()
        .filter(|k| a.get(*k).is_some() || b.get(*k).is_some())
        .map(|k| (k.to_string(), text(b.get(k)), text(a.get(k))))
        .filter(|(_, b, a)| b != a)
        .collect()
}

/// A KPI's value: money, a figure that may be unknown (a rate, days), or a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Figure {
    Money(Money),
    Number(#[serde(with = "rust_decimal::serde::str_option")] Option<rust_decimal::Decimal>),
    Count(i64),
}

impl Figure {
    pub fn display(&self) -> String {
        match self {
            Figure::Money(m) => m.display(),
            Figure::Number(n) => n.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
            Figure::Count(n) => n.to_string(),
        }
    }

    /// `self − earlier`, unknown when either is.
    pub fn since(&self, earlier: &Figure) -> Figure {
        match (self, earlier) {
            (Figure::Money(b), Figure::Money(a)) => {
                Figure::Money(Money::from_minor(b.minor() - a.minor(), b.currency()))
            }
            (Figure::Count(b), Figure::Count(a)) => Figure::Count(b - a),
            (Figure::Number(Some(b)), Figure::Number(Some(a))) => Figure::Number(Some(b - a)),
            _ => Figure::Number(None),
        }
    }

    /// Whether the value is above zero (a change's direction).
    pub fn is_positive(&self) -> bool {
        match self {
            Figure::Money(m) => m.minor() > 0,
            Figure::Number(n) => n.is_some_and(|d| d > rust_decimal::Decimal::ZERO),
            Figure::Count(n) => *n > 0,
        }
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Figure::Money(m) => m.minor() < 0,
            Figure::Number(n) => n.is_some_and(|d| d < rust_decimal::Decimal::ZERO),
            Figure::Count(n) => *n < 0,
        }
    }

    /// A change as people write it: "+1,200.00", "-3.5", "0".
    pub fn signed(&self) -> String {
        if self.is_positive() {
            format!("+{}", self.display())
        } else {
            self.display()
        }
    }
}

/// One KPI at the end of the previous period and at the report's as_of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiDelta {
    /// The i18n key of the KPI (`cockpit.<key>`).
    pub key: String,
    pub start: Figure,
    pub end: Figure,
    pub change: Figure,
    /// Whether a rise is good news (CEI) or bad (the rest).
    pub higher_is_better: bool,
}

/// The KPI comparison: the end of the previous period against the report's as_of.
pub fn kpi_deltas(start: &Kpis, end: &Kpis) -> Vec<KpiDelta> {
    let delta = |key: &str, a: Figure, b: Figure, up: bool| KpiDelta {
        key: key.into(),
        change: b.since(&a),
        start: a,
        end: b,
        higher_is_better: up,
    };
    let num = Figure::Number;
    vec![
        delta(
            "total_ar",
            Figure::Money(start.open),
            Figure::Money(end.open),
            false,
        ),
        delta(
            "overdue",
            Figure::Money(start.overdue),
            Figure::Money(end.overdue),
            false,
        ),
        delta(
            "overdue_rate",
            num(start.overdue_rate_pct),
            num(end.overdue_rate_pct),
            false,
        ),
        delta("dso", num(start.dso_days), num(end.dso_days), false),
        delta(
            "best_dso",
            num(start.best_possible_dso_days),
            num(end.best_possible_dso_days),
            false,
        ),
        delta("add", num(start.add_days), num(end.add_days), false),
        delta("cei", num(start.cei_pct), num(end.cei_pct), true),
        delta(
            "customers_overdue",
            Figure::Count(start.customers_overdue),
            Figure::Count(end.customers_overdue),
            false,
        ),
    ]
}

/// A weekly, monthly or quarterly credit report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditReport {
    pub period: Period,
    pub as_of: NaiveDate,
    pub complete: bool,
    /// The cockpit at `as_of` (aging, top overdue, grades, trend, alerts).
    pub end: Dashboard,
    pub kpis: Vec<KpiDelta>,
    pub movements: Movements,
    /// Collected in the period vs due (overdue at its start + falling due in it), per rep.
    pub reps: Vec<crate::domain::dashboard::RepPerformance>,
    pub changes: Vec<AttributeChange>,
}

// -------------------------------------------------------------------------------------
// Saved templates

/// What a template's rows are: one per customer, or one per group of customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Code,
    Name,
    Region,
    Industry,
    Rep,
    Grade,
    Status,
    Open,
    Current,
    Overdue,
    OverdueRate,
    MaxDaysPastDue,
    InvoicedInPeriod,
    CollectedInPeriod,
}

impl Column {
    pub const ALL: [Column; 14] = [
        Column::Code,
        Column::Name,
        Column::Region,
        Column::Industry,
        Column::Rep,
        Column::Grade,
        Column::Status,
        Column::Open,
        Column::Current,
        Column::Overdue,
        Column::OverdueRate,
        Column::MaxDaysPastDue,
        Column::InvoicedInPeriod,
        Column::CollectedInPeriod,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Column::Code => "code",
            Column::Name => "name",
            Column::Region => "region",
            Column::Industry => "industry",
            Column::Rep => "rep",
            Column::Grade => "grade",
            Column::Status => "status",
            Column::Open => "open",
            Column::Current => "current",
            Column::Overdue => "overdue",
            Column::OverdueRate => "overdue_rate",
            Column::MaxDaysPastDue => "max_days_past_due",
            Column::InvoicedInPeriod => "invoiced_in_period",
            Column::CollectedInPeriod => "collected_in_period",
        }
    }

    pub fn parse(s: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Money and counts add up within a group; the rate is recomputed from the sums; the
    /// max days is the group's maximum. Text columns describe one customer only.
    pub fn is_summable(self) -> bool {
        !matches!(
            self,
            Column::Code
                | Column::Name
                | Column::Industry
                | Column::Region
                | Column::Rep
                | Column::Grade
                | Column::Status
        )
    }

    pub fn is_money(self) -> bool {
        matches!(
            self,
            Column::Open
                | Column::Current
                | Column::Overdue
                | Column::InvoicedInPeriod
                | Column::CollectedInPeriod
        )
    }

    /// Whether the column needs the per-customer period sums (one extra read per page).
    pub fn needs_period(self) -> bool {
        matches!(self, Column::InvoicedInPeriod | Column::CollectedInPeriod)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Region,
    Rep,
    Grade,
    Status,
    Industry,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Region,
        GroupBy::Rep,
        GroupBy::Grade,
        GroupBy::Status,
        GroupBy::Industry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Region => "region",
            GroupBy::Rep => "rep",
            GroupBy::Grade => "grade",
            GroupBy::Status => "status",
            GroupBy::Industry => "industry",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }
}

/// Which customers a template keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    pub region: Option<String>,
    /// A sales rep's username.
    pub rep: Option<String>,
    /// "A".."D", or "-" for ungraded.
    pub grade: Option<String>,
    pub status: Option<CustomerStatus>,
    /// Only customers with at least this many days past due (1 = overdue at all).
    pub min_days_past_due: Option<i64>,
}

/// A saved report layout, as finance designs it in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTemplate {
    name: String,
    columns: Vec<Column>,
    filters: Filters,
    group_by: Option<GroupBy>,
    period: PeriodKind,
}

/// The template as a form or a JSON body sends it, before it is parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDraft {
    #[serde(default)]
    pub name: String,
    /// Column keys; a form sends them as `columns[i]` (any indexes, in order).
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub rep: String,
    #[serde(default)]
    pub grade: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub min_days_past_due: String,
    #[serde(default)]
    pub group_by: String,
    #[serde(default)]
    pub period: String,
}

impl TryFrom<TemplateDraft> for ReportTemplate {
    type Error = Vec<ReportError>;

    fn try_from(d: TemplateDraft) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let name = d.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(field(
                "name",
                "give the template a name of 1 to 60 characters",
            ));
        }
        let mut columns = Vec::new();
        for c in &d.columns {
            match Column::parse(c) {
                None => errors.push(field("columns", format!("'{c}' is not a column"))),
                Some(col) if columns.contains(&col) => {
                    errors.push(field("columns", format!("'{c}' is chosen twice")))
                }
                Some(col) => columns.push(col),
            }
        }
        if d.columns.is_empty() {
            errors.push(field("columns", "choose at least one column"));
        }
        let group_by = match d.group_by.trim() {
            "" => None,
            g => match GroupBy::parse(g) {
                Some(g) => Some(g),
                None => {
                    errors.push(field(
                        "group_by",
                        format!("'{g}' is not region, rep, grade, status or industry"),
                    ));
                    None
                }
            },
        };
        if group_by.is_some() {
            let text: Vec<&str> = columns
                .iter()
                .filter(|c| !c.is_summable())
                .map(|c| c.as_str())
                .collect();
            if !text.is_empty() {
                errors.push(field("columns", format!("{} describe one customer and cannot be grouped; remove them or the group-by", text.join(", "))));
            }
        }
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let grade = opt(&d.grade);
        if let Some(g) = grade.as_deref().filter(|g| *g != "-") {
            if Grade::parse(g).is_err() {
                errors.push(field(
                    "grade",
                    format!("'{g}' is not A, B, C, D or - (ungraded)"),
                ));
            }
        }
        let status = match opt(&d.status) {
            None => None,
            Some(s) => match CustomerStatus::parse(&s) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.push(field("status", e.to_string()));
                    None
                }
            },
        };
        let min_days_past_due = match opt(&d.min_days_past_due) {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=3650).contains(&n) => Some(n),
                _ => {
                    errors.push(field(
                        "min_days_past_due",
                        format!("'{s}' is not a whole number of days from 1 to 3650"),
                    ));
                    None
                }
            },
        };
        let period = PeriodKind::parse(&d.period)
            .map_err(|e| errors.push(field("period", e.to_string())))
            .ok();
        match period {
            Some(period) if errors.is_empty() => Ok(ReportTemplate {
                name,
                columns,
                filters: Filters {
                    region: opt(&d.region),
                    rep: opt(&d.rep),
                    grade,
                    status,
                    min_days_past_due,
                },
                group_by,
                period,
            }),
            _ => Err(errors),
        }
    }
}

impl ReportTemplate {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
    pub fn filters(&self) -> &Filters {
        &self.filters
    }
    pub fn group_by(&self) -> Option<GroupBy> {
        self.group_by
    }
    pub fn period(&self) -> PeriodKind {
        self.period
    }
    pub fn needs_period(&self) -> bool {
        self.columns.iter().any(|c| c.needs_period())
    }

    /// Back to the form's shape (editing a saved template).
    pub fn draft(&self) -> TemplateDraft {
        TemplateDraft {
            name: self.name.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            region: self.filters.region.clone().unwrap_or_default(),
            rep: self.filters.rep.clone().unwrap_or_default(),
            grade: self.filters.grade.clone().unwrap_or_default(),
            status: self
                .filters
                .status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            min_days_past_due: self
                .filters
                .min_days_past_due
                .map(|n| n.to_string())
                .unwrap_or_default(),
            group_by: self
                .group_by
                .map(|g| g.as_str().to_string())
                .unwrap_or_default(),
            period: self.period.as_str().to_string(),
        }
    }

    /// Whether a customer passes the template's filters.
    pub fn keeps(&self, c: &TemplateCustomer) -> bool {
        let f = &self.filters;
        f.region.as_ref().is_none_or(|r| *r == c.region)
            && f.rep
                .as_ref()
                .is_none_or(|r| Some(r) == c.rep_username.as_ref())
            && f.grade.as_ref().is_none_or(|g| {
                *g == c
                    .grade
                    .map(|g| g.as_str().to_string())
                    .unwrap_or_else(|| "-".into())
            })
            && f.status.is_none_or(|s| s == c.status)
            && f.min_days_past_due.is_none_or(|n| c.max_days_past_due >= n)
    }
}

/// A saved template with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTemplate {
    pub id: i64,
    pub template: ReportTemplate,
}

/// One customer's figures for a template row, at the period's as_of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCustomer {
    pub code: String,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub rep_username: Option<String>,
    pub rep_name: Option<String>,
    pub grade: Option<Grade>,
    pub status: CustomerStatus,
    pub open_minor: i64,
    pub overdue_minor: i64,
    pub max_days_past_due: i64,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
}

/// A cell of a template row, before it is formatted for the page or the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    Text(String),
    Money(Money),
    Int(i64),
    Pct(Option<rust_decimal::Decimal>),
}

impl Value {
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Money(m) => m.display(),
            Value::Int(n) => n.to_string(),
            Value::Pct(p) => p.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into()),
        }
    }
}

/// The sums of one group (or of the whole report, for the total row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSums {
    pub customers: i64,
    pub open_minor: i64,
    pub overdue_minor: i64,
    pub max_days_past_due: i64,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
}

impl GroupSums {
    pub fn add(&mut self, c: &TemplateCustomer) {
        self.customers += 1;
        self.open_minor += c.open_minor;
        self.overdue_minor += c.overdue_minor;
        self.max_days_past_due = self.max_days_past_due.max(c.max_days_past_due);
        self.invoiced_minor += c.invoiced_minor;
        self.collected_minor += c.collected_minor;
    }
}

/// The group a customer falls in.
pub fn group_key(g: GroupBy, c: &TemplateCustomer) -> String {
    match g {
        GroupBy::Region => c.region.clone(),
        GroupBy::Rep => c.rep_name.clone().unwrap_or_else(|| "-".into()),
        GroupBy::Grade => c
            .grade
            .map(|g| g.as_str().to_string())
            .unwrap_or_else(|| "-".into()),
        GroupBy::Status => c.status.as_str().to_string(),
        GroupBy::Industry => c.industry.clone(),
    }
}

fn summed(col: Column, s: &GroupSums, cur: Currency) -> Value {
    let m = |minor| Value::Money(Money::from_minor(minor, cur));
    match col {
        Column::Open => m(s.open_minor),
        Column::Current => m(s.open_minor - s.overdue_minor),
        Column::Overdue => m(s.overdue_minor),
        Column::OverdueRate => Value::Pct(crate::domain::kpi::overdue_rate(
            s.overdue_minor,
            s.open_minor,
        )),
        Column::MaxDaysPastDue => Value::Int(s.max_days_past_due),
        Column::InvoicedInPeriod => m(s.invoiced_minor),
        Column::CollectedInPeriod => m(s.collected_minor),
        // Text columns never reach a group row (the template refuses them).
        _ => Value::Text(String::new()),
    }
}

/// One customer's row: the template's columns in order.
pub fn customer_row(t: &ReportTemplate, c: &TemplateCustomer, cur: Currency) -> Vec<Value> {
    let mut one = GroupSums::default();
    one.add(c);
    t.columns
        .iter()
        .map(|col| match col {
            Column::Code => Value::Text(c.code.clone()),
            Column::Name => Value::Text(c.name.clone()),
            Column::Region => Value::Text(c.region.clone()),
            Column::Industry => Value::Text(c.industry.clone()),
            Column::Rep => Value::Text(c.rep_name.clone().unwrap_or_default()),
            Column::Grade => Value::Text(
                c.grade
                    .map(|g| g.as_str().to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            Column::Status => Value::Text(c.status.as_str().to_string()),
            other => summed(*other, &one, cur),
        })
        .collect()
}

/// A group's (or the total's) row: its label, the customer count, then the columns.
pub fn group_row(t: &ReportTemplate, label: &str, s: &GroupSums, cur: Currency) -> Vec<Value> {
    let mut row = vec![Value::Text(label.to_string()), Value::Int(s.customers)];
    row.extend(t.columns.iter().map(|c| summed(*c, s, cur)));
    row
}

/// The total row of an ungrouped report: "TOTAL" under the first column, sums under the
/// summable ones.
pub fn total_row(t: &ReportTemplate, s: &GroupSums, cur: Currency) -> Vec<Value> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.is_summable() {
                summed(*c, s, cur)
            } else if i == 0 {
                Value::Text("TOTAL".into())
            } else {
                Value::Text(String::new())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_parse_and_print_their_keys() {
        let w = Period::parse("2026-W07").unwrap();
        assert_eq!((w.start(), w.end()), (d("2026-02-09"), d("2026-02-15")));
        assert_eq!(w.key(), "2026-W07");
        let m = Period::parse("2026-02").unwrap();
        assert_eq!((m.start(), m.end()), (d("2026-02-01"), d("2026-02-28")));
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(
            (q.start(), q.end(), q.key()),
            (d("2026-10-01"), d("2026-12-31"), "2026-Q4".to_string())
        );
        // ISO week 1 of 2027 starts on Monday 2027-01-04; 2026-12-31 is in 2026-W53.
        assert_eq!(
            Period::containing(PeriodKind::Week, d("2026-12-31")).key(),
            "2026-W53"
        );
        assert_eq!(
            Period::containing(PeriodKind::Week, d("2027-01-03")).key(),
            "2026-W53"
        );
        for bad in [
            "2026", "2026-13", "2026-Q5", "2026-W54", "x-01", "2026-1-", "2026-W", "2026-00",
        ] {
            assert_eq!(
                Period::parse(bad),
                Err(ReportError::PeriodKey(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_running_period_is_reported_as_of_today() {
        let m = Period::parse("2026-11").unwrap();
        assert_eq!(m.as_of(d("2026-11-29")), d("2026-11-29"));
        assert!(!m.is_complete(d("2026-11-29")));
        assert_eq!(m.as_of(d("2027-01-05")), d("2026-11-30"));
        assert!(m.is_complete(d("2026-12-01")));
        let recent = Period::recent(PeriodKind::Quarter, d("2026-11-29"), 3);
        assert_eq!(
            recent.iter().map(Period::key).collect::<Vec<_>>(),
            ["2026-Q4", "2026-Q3", "2026-Q2"]
        );
    }

    proptest! {
        #[test]
        fn periods_tile_the_calendar(days in 0i64..20_000, k in 0usize..3) {
            let day = d("1990-01-01") + Duration::days(days);
            let p = Period::containing(PeriodKind::ALL[k], day);
            prop_assert!(p.start() <= day && day <= p.end());
            prop_assert_eq!(p.previous().end() + Duration::days(1), p.start());
            prop_assert_eq!(Period::parse(&p.key()).unwrap(), p);
        }
    }

    fn draft() -> TemplateDraft {
        TemplateDraft {
            name: "Overdue by region".into(),
            columns: vec!["open".into(), "overdue".into(), "overdue_rate".into()],
            group_by: "region".into(),
            min_days_past_due: "1".into(),
            period: "month".into(),
            ..Default::default()
        }
    }

    #[test]
    fn templates_parse_whole_and_name_every_bad_field() {
        let t = ReportTemplate::try_from(draft()).unwrap();
        assert_eq!(t.group_by(), Some(GroupBy::Region));
        assert_eq!(t.filters().min_days_past_due, Some(1));
        assert_eq!(
            ReportTemplate::try_from(t.draft()).unwrap(),
            t,
            "the form round-trips"
        );

        let mut bad = draft();
        bad.name = " ".into();
        bad.columns = vec!["open".into(), "open".into(), "name".into(), "colour".into()];
        bad.grade = "E".into();
        bad.status = "sleepy".into();
        bad.min_days_past_due = "0".into();
        bad.period = "year".into();
        let errors: Vec<String> = ReportTemplate::try_from(bad)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        for want in [
            "name:",
            "columns: 'open' is chosen twice",
            "columns: 'colour'",
            "columns: name describe one customer",
            "grade:",
            "status:",
            "min_days_past_due:",
            "period:",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(want)),
                "{want} missing from {errors:?}"
            );
        }
    }

    fn customer(code: &str, region: &str, open: i64, overdue: i64, days: i64) -> TemplateCustomer {
        TemplateCustomer {
            code: code.into(),
            name: code.into(),
            region: region.into(),
            industry: "挖掘机".into(),
            rep_username: Some("li.na".into()),
            rep_name: Some("李娜".into()),
            grade: Some(Grade::B),
            status: CustomerStatus::Normal,
            open_minor: open,
            overdue_minor: overdue,
            max_days_past_due: days,
            invoiced_minor: 0,
            collected_minor: 0,
        }
    }

    #[test]
    fn filters_keep_only_matching_customers_and_groups_sum() {
        let t = ReportTemplate::try_from(draft()).unwrap();
        assert!(t.keeps(&customer("C1", "华东", 100, 50, 3)));
        assert!(
            !t.keeps(&customer("C2", "华东", 100, 0, 0)),
            "min 1 day past due"
        );
        let mut s = GroupSums::default();
        s.add(&customer("C1", "华东", 10_000, 2_500, 3));
        s.add(&customer("C3", "华东", 30_000, 7_500, 40));
        let row = group_row(&t, "华东", &s, Currency::CNY);
        assert_eq!(row[1], Value::Int(2));
        assert_eq!(
            row[2],
            Value::Money(Money::from_minor(40_000, Currency::CNY))
        );
        assert_eq!(
            row[4],
            Value::Pct(Some("25.0".parse().unwrap())),
            "rate from the sums, not an average of rates"
        );
    }

    #[test]
    fn kpi_changes_are_signed_and_unknown_when_a_side_is() {
        let m = |minor| Figure::Money(Money::from_minor(minor, Currency::CNY));
        assert_eq!(m(150_000).since(&m(100_000)).signed(), "+¥500.00");
        assert_eq!(m(100_000).since(&m(150_000)).signed(), "-¥500.00");
        assert_eq!(Figure::Count(3).since(&Figure::Count(5)), Figure::Count(-2));
        assert_eq!(
            Figure::Number(Some("12.5".parse().unwrap())).since(&Figure::Number(None)),
            Figure::Number(None)
        );
        assert_eq!(Figure::Number(None).display(), "—");
    }

    #[test]
    fn audited_updates_yield_grade_and_status_changes() {
        let changes = attribute_changes(
            r#"{"status":"normal","credit_limit":"1.00"}"#,
            r#"{"status":"frozen","credit_limit":"2.00"}"#,
        );
        assert_eq!(
            changes,
            vec![(
                "status".to_string(),
                "normal".to_string(),
                "frozen".to_string()
            )]
        );
        let changes = attribute_changes(
            r#"{"grade":null,"status":"normal"}"#,
            r#"{"grade":"B","status":"normal"}"#,
        );
        assert_eq!(
            changes,
            vec![("grade".to_string(), "-".to_string(), "B".to_string())]
        );
        assert!(attribute_changes("not json", "{}").is_empty());
    }

    proptest! {
        #[test]
        fn the_roll_forward_balances_exactly_when_the_figures_do(
            opening in 0i64..1_000_000_000, invoiced in 0i64..1_000_000_000,
            paid in 0i64..1_000_000, notes in 0i64..1_000_000, offs in 0i64..1_000, rev in 0i64..1_000, skew in -5i64..5,
        ) {
            let f = MovementFigures { invoiced_minor: invoiced, payments_minor: paid, credit_notes_minor: notes, write_offs_minor: offs, reversals_minor: rev, cash_minor: paid };
            let closing = opening + invoiced - paid - notes - offs + rev;
            prop_assert_eq!(Movements::new(opening, f, closing, Currency::CNY).unexplained_minor(), 0);
            prop_assert_eq!(Movements::new(opening, f, closing + skew, Currency::CNY).unexplained_minor(), skew);
        }
    }
}
