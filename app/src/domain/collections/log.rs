//! A customer's collection log: what happened, typed by kind with its fields as written.
//!
//! Invariant: a line keeps its codes (channel, outcome, category, task kind and status)
//! and its people's words apart, so the UI translates the codes and shows the words as
//! typed; nothing is joined in SQL and split again, so a note containing " · " stays one
//! note.
use super::{Channel, DisputeCategory, Outcome, PromiseStatus, TaskStatus};
use crate::domain::money::Money;
use crate::domain::rules::TaskKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One line of a customer's collection log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub on: NaiveDate,
    pub who: String,
    pub detail: LogDetail,
    pub amount: Option<Money>,
    /// Sorts lines of one day: the order they were written.
    pub seq: i64,
}

/// What a line records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogDetail {
    Contact {
        channel: Channel,
        outcome: Outcome,
        notes: String,
    },
    Promise {
        due_on: NaiveDate,
        notes: String,
    },
    /// A promise judged kept or broken.
    PromiseSettled {
        status: PromiseStatus,
        due_on: NaiveDate,
    },
    Dispute {
        category: DisputeCategory,
        reason: String,
    },
    DisputeResolved {
        resolution: String,
    },
    /// A rule's firing: the log lines of what its actions did.
    Reminder {
        actions: Vec<String>,
    },
    Payment {
        reference: String,
    },
    Task {
        kind: TaskKind,
        status: TaskStatus,
        note: String,
        closed_note: Option<String>,
    },
}

impl LogDetail {
    /// The kind's code: `contact`, `promise`, `promise_kept`, `promise_broken`, `dispute`,
    /// `dispute_resolved`, `reminder`, `payment` or `task`.
    pub fn kind(&self) -> &'static str {
        match self {
            LogDetail::Contact { .. } => "contact",
            LogDetail::Promise { .. } => "promise",
            LogDetail::PromiseSettled {
                status: PromiseStatus::Kept,
                ..
            } => "promise_kept",
            LogDetail::PromiseSettled { .. } => "promise_broken",
            LogDetail::Dispute { .. } => "dispute",
            LogDetail::DisputeResolved { .. } => "dispute_resolved",
            LogDetail::Reminder { .. } => "reminder",
            LogDetail::Payment { .. } => "payment",
            LogDetail::Task { .. } => "task",
        }
    }

    /// The fields in the order they are shown, codes untranslated, joined by " · "
    /// (the dossier export's text).
    pub fn text(&self) -> String {
        let due = |d: &NaiveDate| format!("due {d}");
        let parts: Vec<String> = match self {
            LogDetail::Contact {
                channel,
                outcome,
                notes,
            } => {
                vec![channel.to_string(), outcome.to_string(), notes.clone()]
            }
            LogDetail::Promise { due_on, notes } => vec![due(due_on), notes.clone()],
            LogDetail::PromiseSettled { due_on, .. } => vec![due(due_on)],
            LogDetail::Dispute { category, reason } => vec![category.to_string(), reason.clone()],
            LogDetail::DisputeResolved { resolution } => vec![resolution.clone()],
            LogDetail::Reminder { actions } => actions.clone(),
            LogDetail::Payment { reference } => vec![reference.clone()],
            LogDetail::Task {
                kind,
                status,
                note,
                closed_note,
            } => {
                let closed = closed_note.clone().unwrap_or_default();
                vec![kind.to_string(), status.to_string(), note.clone(), closed]
            }
        };
        parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// A line from the store's columns: its kind and up to four fields, in the order
    /// `text` shows them (a reminder's first field is the firing's JSON list of lines).
    pub fn from_columns(kind: &str, f: [Option<String>; 4]) -> Result<LogDetail, String> {
        let [a, b, c, d] = f;
        let text = |v: Option<String>| v.unwrap_or_default();
        let code =
            |v: &Option<String>, what: &str| format!("{what} '{}'", v.as_deref().unwrap_or(""));
        let date = |v: &Option<String>| {
            let s = v.as_deref().unwrap_or("").trim();
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .map_err(|_| code(v, "date"))
        };
        Ok(match kind {
            "contact" => LogDetail::Contact {
                channel: Channel::parse(a.as_deref().unwrap_or(""))
                    .ok_or_else(|| code(&a, "channel"))?,
                outcome: Outcome::parse(b.as_deref().unwrap_or(""))
                    .ok_or_else(|| code(&b, "outcome"))?,
                notes: text(c),
            },
            "promise" => LogDetail::Promise {
                due_on: date(&a)?,
                notes: text(b),
            },
            "promise_kept" | "promise_broken" => LogDetail::PromiseSettled {
                status: if kind == "promise_kept" {
                    PromiseStatus::Kept
                } else {
                    PromiseStatus::Broken
                },
                due_on: date(&a)?,
            },
            "dispute" => LogDetail::Dispute {
                category: DisputeCategory::parse(a.as_deref().unwrap_or(""))
                    .ok_or_else(|| code(&a, "category"))?,
                reason: text(b),
            },
            "dispute_resolved" => LogDetail::DisputeResolved {
                resolution: text(a),
            },
            "reminder" => {
                let raw = text(a);
                let actions = serde_json::from_str(&raw).unwrap_or_else(|_| vec![raw]);
                LogDetail::Reminder { actions }
            }
            "payment" => LogDetail::Payment { reference: text(a) },
            "task" => LogDetail::Task {
                kind: TaskKind::parse(a.as_deref().unwrap_or(""))
                    .ok_or_else(|| code(&a, "task kind"))?,
                status: TaskStatus::parse(b.as_deref().unwrap_or(""))
                    .ok_or_else(|| code(&b, "task status"))?,
                note: text(c),
                closed_note: d,
            },
            other => return Err(format!("log kind '{other}'")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(v: [&str; 4]) -> [Option<String>; 4] {
        v.map(|s| (!s.is_empty()).then(|| s.to_string()))
    }

    #[test]
    fn a_note_with_the_separator_stays_one_note() {
        let d =
            LogDetail::from_columns("contact", cols(["call", "no_answer", "a · b", ""])).unwrap();
        let LogDetail::Contact { notes, .. } = &d else {
            panic!("{d:?}")
        };
        assert_eq!(notes, "a · b");
        assert_eq!(d.text(), "call · no_answer · a · b");
        assert_eq!(d.kind(), "contact");
    }

    #[test]
    fn lines_read_back_with_their_kinds_and_names_what_is_wrong() {
        let kept =
            LogDetail::from_columns("promise_kept", cols(["2026-12-01", "", "", ""])).unwrap();
        assert_eq!(
            (kept.kind(), kept.text()),
            ("promise_kept", "due 2026-12-01".to_string())
        );
        let fired = LogDetail::from_columns(
            "reminder",
            cols([r#"["notify: 1 user(s)","risk: low → high"]"#, "", "", ""]),
        )
        .unwrap();
        assert_eq!(fired.text(), "notify: 1 user(s) · risk: low → high");
        let task =
            LogDetail::from_columns("task", cols(["call", "done", "", "reached him"])).unwrap();
        assert_eq!(task.text(), "call · done · reached him");
        assert_eq!(
            LogDetail::from_columns("contact", cols(["fax", "reached", "", ""])),
            Err("channel 'fax'".into())
        );
        assert_eq!(
            LogDetail::from_columns("memo", cols(["", "", "", ""])),
            Err("log kind 'memo'".into())
        );
    }
}
