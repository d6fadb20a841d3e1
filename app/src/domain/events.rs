//! Domain events: what happened in the ledger that event rules may react to.
//!
//! Invariants:
//! - An event is recorded by the transaction that causes it (the store's unit of work,
//!   a transactional outbox), so a committed change always has its event and a
//!   rolled-back one never has. No caller raises events by hand.
//! - An event fires each matching rule at most once: the firing's dedupe key carries the
//!   event's id, and the store keeps one firing per key.
//! - A rule never fires on an event that its own action raised (`firings`). Status
//!   actions only tighten (`rules::status_after`), so chains of rules reacting to each
//!   other's status changes end after at most one step per status.
use super::rules::{self, EventKind, Facts, Firing, Rule, Trigger};

/// One thing that happened, as the write that caused it records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainEvent {
    pub kind: EventKind,
    pub customer_id: i64,
    /// The invoice it concerns, if one (an invoice rule reads that invoice's facts).
    pub invoice_id: Option<i64>,
    /// The document it is about: the invoice, payment, promise or bill; the customer for
    /// a status or grade change.
    pub subject_id: i64,
}

impl DomainEvent {
    pub fn invoice_created(customer_id: i64, invoice_id: i64) -> Self {
        Self::new(
            EventKind::InvoiceCreated,
            customer_id,
            Some(invoice_id),
            invoice_id,
        )
    }

    pub fn payment_posted(customer_id: i64, payment_id: i64) -> Self {
        Self::new(EventKind::PaymentPosted, customer_id, None, payment_id)
    }

    pub fn promise_broken(customer_id: i64, first_invoice: Option<i64>, promise_id: i64) -> Self {
        Self::new(
            EventKind::PromiseBroken,
            customer_id,
            first_invoice,
            promise_id,
        )
    }

    pub fn status_changed(customer_id: i64) -> Self {
        Self::new(EventKind::StatusChanged, customer_id, None, customer_id)
    }

    pub fn grade_changed(customer_id: i64) -> Self {
        Self::new(EventKind::GradeChanged, customer_id, None, customer_id)
    }

    pub fn bill_dishonoured(customer_id: i64, bill_id: i64) -> Self {
        Self::new(EventKind::BillDishonoured, customer_id, None, bill_id)
    }

    fn new(kind: EventKind, customer_id: i64, invoice_id: Option<i64>, subject_id: i64) -> Self {
        DomainEvent {
            kind,
            customer_id,
            invoice_id,
            subject_id,
        }
    }
}

/// An event as stored, waiting for (or handled by) the rule engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedEvent {
    pub id: i64,
    pub event: DomainEvent,
    /// The rule whose action raised it, if a rule did.
    pub caused_by_rule: Option<i64>,
}

/// The firings of the enabled event rules of the event's kind for one recorded event,
/// over its customer's (and invoice's) facts. A rule is skipped for an event its own
/// action raised; the dedupe key is per rule and event.
pub fn firings<'a>(
    event: &RecordedEvent,
    rules: impl IntoIterator<Item = (i64, &'a Rule)>,
    facts: &Facts,
) -> Vec<Firing> {
    let trigger = Trigger::Event {
        kind: event.event.kind,
    };
    rules
        .into_iter()
        .filter(|(id, r)| r.enabled && r.trigger == trigger && event.caused_by_rule != Some(*id))
        .filter_map(|(id, r)| rules::evaluate(id, r, facts, Some(event.id)))
        .collect()
}
