//! The in-app inbox: what the system told a user, newest first, read or not.
//!
//! Invariants: an item belongs to one user and is only ever listed, counted or marked
//! read for that user; one event notifies a user at most once (the store keys items on
//! user + topic + the event's id); an item's words are rendered in the reader's
//! language from the event, not stored as text.
//!
//! Alerts and approvals are read separately and merged newest first, so each topic's
//! words come from its own table.
use super::alerts::AlertEpisode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "topic", rename_all = "snake_case")]
pub enum Topic {
    /// A portfolio alert started tripping.
    Alert(AlertEpisode),
    /// Something happened to a credit application the user approves, applied for or
    /// is copied on: `event` is the trail's kind (`submit`, `approve`, `reject`,
    /// `return`, `reminder`, `escalation`).
    Approval {
        application_id: i64,
        customer_name: String,
        event: String,
    },
    /// A collection rule fired (its "notify" action).
    Rule {
        firing_id: i64,
        rule_name: String,
        customer_name: Option<String>,
        invoice_number: Option<String>,
    },
    /// A rule created a collection task assigned to the user.
    Task {
        task_id: i64,
        customer_name: String,
        kind: String,
        priority: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    /// Where the item leads (the cockpit at the alert's date).
    pub link: String,
    pub topic: Topic,
}

/// The link an alert notification leads to: the cockpit on the day it was raised.
pub fn alert_link(raised_on: NaiveDate) -> String {
    format!("/?as_of={raised_on}")
}
