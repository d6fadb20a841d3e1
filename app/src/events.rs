//! The rule engine's consumer of domain events (`domain::events`), and its port.
//!
//! Writes record their events in their own transaction; this module works through the
//! unhandled ones in id order, a page at a time. Each page's firings are applied and
//! the page is marked handled in one transaction (`EventPort::apply_event_firings`), so:
//! - an event is consumed once; a crash before that commit leaves the page unhandled,
//!   and the retry's firings hit their dedupe keys, so nothing acts twice;
//! - two servers draining at once only race on dedupe keys, with the same result;
//! - events raised by a page's own actions (a status a rule set) have higher ids and are
//!   handled by a later page of the same drain, never by the rule that raised them.
//!
//! A bulk write (a 100k-row import) records its events and returns; the scheduler's
//! events job drains them in pages. A single write drains one page right after its
//! commit (`after_write`), so its rules act before the response, as users expect.
use crate::domain::business_date;
use crate::domain::events::{self, RecordedEvent};
use crate::domain::rules::{CustomerFacts, Facts, InvoiceFacts, Trigger};
use crate::store::{Applied, FiringPlan, RuleRunStore, RuleStore, StoreError, StoredRule};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// Events per page: one read, one evaluation pass, one writing transaction.
pub const EVENT_PAGE: i64 = 1_000;

/// What the event consumer needs from storage, and nothing else.
#[async_trait]
pub trait EventPort: Send + Sync {
    /// The rules not archived (the consumer keeps the enabled event rules).
    async fn event_rules(&self) -> Result<Vec<StoredRule>, StoreError>;
    /// Up to `limit` unhandled events with ids above `after`, oldest first.
    async fn pending_events(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RecordedEvent>, StoreError>;
    /// A customer as rules see it at `as_of`, with its open invoices then.
    async fn event_facts(
        &self,
        as_of: NaiveDate,
        customer_id: i64,
    ) -> Result<Option<(CustomerFacts, Vec<InvoiceFacts>)>, StoreError>;
    /// Applies the new firings and marks `handled` events handled, in one transaction.
    async fn apply_event_firings(
        &self,
        plans: &[FiringPlan],
        handled: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Applied, StoreError>;
}

#[async_trait]
impl<T: RuleStore + RuleRunStore + ?Sized> EventPort for T {
    async fn event_rules(&self) -> Result<Vec<StoredRule>, StoreError> {
        self.rules().await
    }

    async fn pending_events(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        RuleRunStore::pending_events(self, after, limit).await
    }

    async fn event_facts(
        &self,
        as_of: NaiveDate,
        customer_id: i64,
    ) -> Result<Option<(CustomerFacts, Vec<InvoiceFacts>)>, StoreError> {
        let Some(customer) = self.rule_customers(as_of, Some(customer_id)).await?.pop() else {
            return Ok(None);
        };
        let invoices = self
            .rule_invoices(as_of, customer_id - 1, customer_id)
            .await?;
        Ok(Some((with_amounts(customer, &invoices, as_of), invoices)))
    }

    async fn apply_event_firings(
        &self,
        plans: &[FiringPlan],
        handled: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        self.apply_firings(&[], plans, handled, now).await
    }
}

/// The customer's open and overdue amounts at `as_of`, from its open invoices.
fn with_amounts(c: CustomerFacts, invoices: &[InvoiceFacts], as_of: NaiveDate) -> CustomerFacts {
    CustomerFacts {
        open_minor: invoices.iter().map(|i| i.open_minor).sum(),
        overdue_minor: invoices
            .iter()
            .filter(|i| i.due_date < as_of)
            .map(|i| i.open_minor)
            .sum(),
        ..c
    }
}

/// What a drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    pub events: usize,
    pub firings: i64,
}

/// Handles pending events, at most `max_pages` pages (None: until none is left).
pub async fn handle_events<P: EventPort + ?Sized>(
    port: &P,
    now: DateTime<Utc>,
    max_pages: Option<usize>,
) -> Result<Drained, StoreError> {
    let rules: Vec<StoredRule> = port
        .event_rules()
        .await?
        .into_iter()
        .filter(|r| r.rule.enabled && matches!(r.rule.trigger, Trigger::Event { .. }))
        .collect();
    let mut done = Drained::default();
    let (mut after, mut pages) = (0, 0);
    while max_pages.is_none_or(|m| pages < m) {
        let page = port.pending_events(after, EVENT_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        pages += 1;
        let plans = plan_page(port, &rules, &page, business_date(now)).await?;
        let handled: Vec<i64> = page.iter().map(|e| e.id).collect();
        done.events += page.len();
        done.firings += port.apply_event_firings(&plans, &handled, now).await?.new;
    }
    Ok(done)
}

/// The firings of one page of events. Facts are read once per customer of the page, and
/// only when a rule listens to one of its events.
async fn plan_page<P: EventPort + ?Sized>(
    port: &P,
    rules: &[StoredRule],
    page: &[RecordedEvent],
    as_of: NaiveDate,
) -> Result<Vec<FiringPlan>, StoreError> {
    let by_id: HashMap<i64, &StoredRule> = rules.iter().map(|r| (r.id, r)).collect();
    let mut facts: HashMap<i64, Option<(CustomerFacts, Vec<InvoiceFacts>)>> = HashMap::new();
    let mut plans = Vec::new();
    for e in page {
        let listening = rules
            .iter()
            .any(|r| r.rule.trigger == Trigger::Event { kind: e.event.kind });
        if !listening {
            continue;
        }
        let customer = e.event.customer_id;
        if let std::collections::hash_map::Entry::Vacant(v) = facts.entry(customer) {
            v.insert(port.event_facts(as_of, customer).await?);
        }
        let Some((c, invoices)) = &facts[&customer] else {
            continue;
        };
        let f = Facts {
            as_of,
            invoice: e
                .event
                .invoice_id
                .and_then(|id| invoices.iter().find(|i| i.id == id)),
            customer: Some(c),
            portfolio: None,
        };
        for firing in events::firings(e, rules.iter().map(|r| (r.id, &r.rule)), &f) {
            let r = by_id[&firing.rule_id];
            plans.push(FiringPlan {
                firing,
                run_id: None,
                rule_name: r.rule.name.clone(),
                actions: r.rule.actions.clone(),
                as_of,
            });
        }
    }
    Ok(plans)
}

/// Drains one page right after a write committed, logging instead of failing: the
/// document is already posted, and a rule must never make posting it fail. What is
/// left (behind a bulk import) is the events job's.
pub async fn after_write<P: EventPort + ?Sized>(port: &P, now: DateTime<Utc>) {
    if let Err(e) = handle_events(port, now, Some(1)).await {
        tracing::warn!(error = %e, "event rules failed");
    }
}

#[cfg(test)]
mod tests;
