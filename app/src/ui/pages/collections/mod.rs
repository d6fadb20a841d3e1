//! The collections workbench's pages: `/tasks` (the worklist), `/tasks/:id` (working one
//! task, phone first), `/tasks/:id/dossier` (the printable legal dossier) and
//! `/collections` (people's performance and finance's priority weights).
//!
//! Invariants, and why they hold:
//! - Every page renders completely on the server from its server function's answer
//!   (readable with JavaScript off); what needs the browser — the offline queue, its
//!   forms, printing — becomes live only after hydration (`queue`), and the forms are
//!   disabled until then, so nothing is clicked that cannot work.
//! - Every write a rep makes on a task (contact, promise, dispute) goes through the
//!   offline queue (`queue::enqueue`), online or not: IndexedDB first, then `sync_op`.
//!   So the one path that works offline is also the path tested online.
//! - Money is shown from `Money` (exact decimal strings); `f64` appears only as chart
//!   pixel values (`cockpit_charts::ranking`).
//! - Every label comes from `crate::i18n` (the `collections` section); the closed lists
//!   (`Channel`, `Outcome`, …) each have a label function here, matched exhaustively, so a
//!   new variant is a build error until it is named in both languages.
mod dossier;
mod forms;
pub(crate) mod offline;
mod performance;
pub(crate) mod queue;
pub(crate) mod task;
mod worklist;

pub use dossier::DossierPage;
pub use performance::PerformancePage;
pub use task::TaskPage;
pub use worklist::WorklistPage;

use crate::domain::collections::{
    Channel, DisputeCategory, Factor, LogDetail, Outcome, PromiseStatus, TaskFilter, TaskStatus,
};
use crate::domain::documents::FieldError;
use crate::domain::money::Money;
use crate::domain::rules::{Priority, TaskKind};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use rust_decimal::Decimal;

pub(crate) type I18n = I18nContext<Locale>;

pub(crate) fn money(minor: i64) -> Money {
    Money::from_minor(minor, crate::domain::BOOK_CURRENCY)
}

/// A score or a weight as shown: one decimal ("72.5", "40.0").
pub(crate) fn points(d: Decimal) -> String {
    format!("{:.1}", d.round_dp(1))
}

/// Points to the hundredth, as the score adds them up ("5.00", "72.50"): the breakdown
/// shows these, so its parts visibly sum to its total.
pub(crate) fn exact(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

pub(crate) fn kind_label(i18n: I18n, k: TaskKind) -> String {
    match k {
        TaskKind::Call => t_string!(i18n, rules.tk_call),
        TaskKind::Visit => t_string!(i18n, rules.tk_visit),
        TaskKind::Advanced => t_string!(i18n, rules.tk_advanced),
        TaskKind::Legal => t_string!(i18n, rules.tk_legal),
    }
    .to_string()
}

pub(crate) fn label_label(i18n: I18n, p: Priority) -> String {
    match p {
        Priority::Low => t_string!(i18n, rules.pr_low),
        Priority::Normal => t_string!(i18n, rules.pr_normal),
        Priority::High => t_string!(i18n, rules.pr_high),
        Priority::Urgent => t_string!(i18n, rules.pr_urgent),
    }
    .to_string()
}

pub(crate) fn channel_label(i18n: I18n, c: Channel) -> String {
    match c {
        Channel::Call => t_string!(i18n, collections.ch_call),
        Channel::Visit => t_string!(i18n, collections.ch_visit),
        Channel::Message => t_string!(i18n, collections.ch_message),
    }
    .to_string()
}

pub(crate) fn outcome_label(i18n: I18n, o: Outcome) -> String {
    match o {
        Outcome::Reached => t_string!(i18n, collections.oc_reached),
        Outcome::NoAnswer => t_string!(i18n, collections.oc_no_answer),
        Outcome::Promised => t_string!(i18n, collections.oc_promised),
        Outcome::Disputed => t_string!(i18n, collections.oc_disputed),
        Outcome::Refused => t_string!(i18n, collections.oc_refused),
    }
    .to_string()
}

pub(crate) fn category_label(i18n: I18n, c: DisputeCategory) -> String {
    match c {
        DisputeCategory::Quality => t_string!(i18n, collections.dc_quality),
        DisputeCategory::Delivery => t_string!(i18n, collections.dc_delivery),
        DisputeCategory::Price => t_string!(i18n, collections.dc_price),
        DisputeCategory::Quantity => t_string!(i18n, collections.dc_quantity),
        DisputeCategory::Other => t_string!(i18n, collections.dc_other),
    }
    .to_string()
}

pub(crate) fn factor_label(i18n: I18n, f: Factor) -> String {
    match f {
        Factor::DaysPastDue => t_string!(i18n, collections.f_days),
        Factor::OpenAmount => t_string!(i18n, collections.f_amount),
        Factor::Grade => t_string!(i18n, collections.f_grade),
        Factor::Importance => t_string!(i18n, collections.f_importance),
        Factor::BrokenPromises => t_string!(i18n, collections.f_promises),
    }
    .to_string()
}

pub(crate) fn promise_status_label(i18n: I18n, s: PromiseStatus) -> String {
    match s {
        PromiseStatus::Pending => t_string!(i18n, collections.ps_pending),
        PromiseStatus::Kept => t_string!(i18n, collections.ps_kept),
        PromiseStatus::Broken => t_string!(i18n, collections.ps_broken),
    }
    .to_string()
}

pub(crate) fn task_status_label(i18n: I18n, s: TaskStatus) -> String {
    match s {
        TaskStatus::Open => t_string!(i18n, collections.ts_open),
        TaskStatus::Done => t_string!(i18n, collections.ts_done),
        TaskStatus::Cancelled => t_string!(i18n, collections.ts_cancelled),
    }
    .to_string()
}

pub(crate) fn filter_label(i18n: I18n, f: TaskFilter) -> String {
    match f {
        TaskFilter::All => t_string!(i18n, collections.fl_all),
        TaskFilter::DueToday => t_string!(i18n, collections.fl_due_today),
        TaskFilter::Overdue => t_string!(i18n, collections.fl_overdue),
        TaskFilter::Promised => t_string!(i18n, collections.fl_promised),
        TaskFilter::Disputed => t_string!(i18n, collections.fl_disputed),
    }
    .to_string()
}

/// A score part's input as shown: the importance in words, anything else as the server
/// wrote it (a number, an amount, a grade).
pub(crate) fn part_input(i18n: I18n, factor: Factor, input: &str) -> String {
    match (factor, crate::domain::collections::Importance::parse(input)) {
        (Factor::Importance, Some(i)) => match i {
            crate::domain::collections::Importance::Key => {
                t_string!(i18n, collections.imp_key).to_string()
            }
            crate::domain::collections::Importance::Normal => {
                t_string!(i18n, collections.imp_normal).to_string()
            }
            crate::domain::collections::Importance::Low => {
                t_string!(i18n, collections.imp_low).to_string()
            }
        },
        _ => input.to_string(),
    }
}

/// A log line's text in the reader's language: its codes translated, its people's words
/// as typed, the parts joined by " · ".
pub(crate) fn log_line(i18n: I18n, d: &LogDetail) -> String {
    let promised = |due: &chrono::NaiveDate| {
        t_string!(i18n, collections.promised_by, date = due.to_string()).to_string()
    };
    let parts: Vec<String> = match d {
        LogDetail::Contact {
            channel,
            outcome,
            notes,
        } => {
            vec![
                channel_label(i18n, *channel),
                outcome_label(i18n, *outcome),
                notes.clone(),
            ]
        }
        LogDetail::Promise { due_on, notes } => vec![promised(due_on), notes.clone()],
        LogDetail::PromiseSettled { due_on, .. } => vec![promised(due_on)],
        LogDetail::Dispute { category, reason } => {
            vec![category_label(i18n, *category), reason.clone()]
        }
        LogDetail::Task {
            kind,
            status,
            note,
            closed_note,
        } => vec![
            kind_label(i18n, *kind),
            task_status_label(i18n, *status),
            note.clone(),
            closed_note.clone().unwrap_or_default(),
        ],
        other => return other.text(),
    };
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A collection-log line's kind in words; an unknown kind (a newer server) as itself.
pub(crate) fn log_kind_label(i18n: I18n, kind: &str) -> String {
    match kind {
        "contact" => t_string!(i18n, collections.lk_contact).to_string(),
        "promise" => t_string!(i18n, collections.lk_promise).to_string(),
        "promise_kept" => t_string!(i18n, collections.lk_promise_kept).to_string(),
        "promise_broken" => t_string!(i18n, collections.lk_promise_broken).to_string(),
        "dispute" => t_string!(i18n, collections.lk_dispute).to_string(),
        "dispute_resolved" => t_string!(i18n, collections.lk_dispute_resolved).to_string(),
        "reminder" => t_string!(i18n, collections.lk_reminder).to_string(),
        "payment" => t_string!(i18n, collections.lk_payment).to_string(),
        "task" => t_string!(i18n, collections.lk_task).to_string(),
        other => other.to_string(),
    }
}

/// A log kind's icon glyph (drawn in a coloured circle by the stylesheet).
pub(crate) fn log_icon(kind: &str) -> &'static str {
    match kind {
        "contact" => "☎",
        "promise" => "✍",
        "promise_kept" => "✓",
        "promise_broken" => "✗",
        "dispute" => "⚑",
        "dispute_resolved" => "⚐",
        "reminder" => "✉",
        "payment" => "¥",
        "task" => "☰",
        _ => "•",
    }
}

/// The aging band of an invoice `days` past due: not due, 1–30, 31–60, 61–90, 90+.
pub(crate) fn aging_band(days: i64) -> usize {
    match days {
        i64::MIN..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

pub(crate) fn aging_label(i18n: I18n, days: i64) -> String {
    if days <= 0 {
        t_string!(i18n, collections.not_due).to_string()
    } else {
        t_string!(i18n, collections.days_late, n = days).to_string()
    }
}

/// A role pool's name (`role:credit_manager` → "Credit managers").
pub(crate) fn pool_label(i18n: I18n, role: crate::domain::auth::Role) -> String {
    t_string!(
        i18n,
        collections.pool,
        role = crate::ui::format::role_label(i18n, role)
    )
    .to_string()
}

/// The server's messages for one field of a form, under its input.
pub(crate) fn field_msg(errors: RwSignal<Vec<FieldError>>, path: &'static str) -> impl IntoView {
    move || {
        let msgs: Vec<String> = errors.with(|e| {
            e.iter()
                .filter(|e| e.field == path)
                .map(|e| e.message.clone())
                .collect()
        });
        (!msgs.is_empty()).then(|| view! { <p class="field-error" data-testid=format!("err-{path}")>{msgs.join(" · ")}</p> })
    }
}

pub(crate) fn has_error(errors: RwSignal<Vec<FieldError>>, path: &'static str) -> bool {
    errors.with(|e| e.iter().any(|e| e.field == path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aging_bands_have_their_edges_where_the_report_has_them() {
        let cases = [
            (-5, 0),
            (0, 0),
            (1, 1),
            (30, 1),
            (31, 2),
            (60, 2),
            (61, 3),
            (90, 3),
            (91, 4),
            (400, 4),
        ];
        for (days, band) in cases {
            assert_eq!(aging_band(days), band, "{days} days");
        }
    }

    #[test]
    fn points_show_one_decimal() {
        assert_eq!(points(Decimal::new(7250, 2)), "72.5");
        assert_eq!(points(Decimal::from(40)), "40.0");
        assert_eq!(points(Decimal::new(3333, 2)), "33.3");
    }
}
