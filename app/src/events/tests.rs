//! The event consumer against an in-memory fake of its one port: the loop guard, the
//! page bound, facts read once per customer, and nothing read for events no rule hears.
use super::*;
use crate::domain::customer::CustomerStatus;
use crate::domain::events::DomainEvent;
use crate::domain::rules::{
    tests::customer, Action, ActionDraft, GroupDraft, PredicateDraft, Rule, RuleDraft,
};
use futures::executor::block_on;
use std::collections::HashSet;
use std::sync::Mutex;

/// Events in memory; applying a firing whose rule sets a status raises `status_changed`
/// caused by that rule, as the SQL adapter does in the firing's transaction.
#[derive(Default)]
struct Fake {
    rules: Vec<StoredRule>,
    events: Mutex<Vec<(RecordedEvent, bool)>>,
    keys: Mutex<HashSet<String>>,
    fact_reads: Mutex<Vec<i64>>,
}

impl Fake {
    fn record(&self, event: DomainEvent, caused_by_rule: Option<i64>) {
        let mut events = self.events.lock().unwrap();
        let id = events.len() as i64 + 1;
        let e = RecordedEvent {
            id,
            event,
            caused_by_rule,
        };
        events.push((e, false));
    }

    fn unhandled(&self) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, h)| !h)
            .count()
    }
}

#[async_trait]
impl EventPort for Fake {
    async fn event_rules(&self) -> Result<Vec<StoredRule>, StoreError> {
        Ok(self.rules.clone())
    }

    async fn pending_events(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let events = self.events.lock().unwrap();
        let pending = events.iter().filter(|(e, h)| !h && e.id > after);
        Ok(pending.take(limit as usize).map(|(e, _)| *e).collect())
    }

    async fn event_facts(
        &self,
        _: NaiveDate,
        customer_id: i64,
    ) -> Result<Option<(CustomerFacts, Vec<InvoiceFacts>)>, StoreError> {
        self.fact_reads.lock().unwrap().push(customer_id);
        Ok(Some((
            CustomerFacts {
                id: customer_id,
                ..customer()
            },
            Vec::new(),
        )))
    }

    async fn apply_event_firings(
        &self,
        plans: &[FiringPlan],
        handled: &[i64],
        _: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let mut applied = Applied::default();
        for p in plans {
            if !self.keys.lock().unwrap().insert(p.firing.key.clone()) {
                continue;
            }
            applied.new += 1;
            if p.actions
                .iter()
                .any(|a| matches!(a, Action::SetStatus { .. }))
            {
                let customer = p.firing.customer_id.unwrap();
                self.record(
                    DomainEvent::status_changed(customer),
                    Some(p.firing.rule_id),
                );
            }
        }
        for (e, h) in self.events.lock().unwrap().iter_mut() {
            *h |= handled.contains(&e.id);
        }
        Ok(applied)
    }
}

fn rule(id: i64, event: &str, action: ActionDraft) -> StoredRule {
    let draft = RuleDraft {
        name: format!("rule {id}"),
        enabled: true,
        trigger: "event".into(),
        event: event.into(),
        scope: "customer".into(),
        repeat: "once".into(),
        all: true,
        groups: vec![GroupDraft {
            all: true,
            predicates: vec![PredicateDraft {
                field: "status".into(),
                op: "not_in".into(),
                value: "blacklisted".into(),
            }],
        }],
        actions: vec![action],
        ..RuleDraft::default()
    };
    let rule = Rule::try_from(&draft).unwrap();
    let created_on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    StoredRule {
        id,
        draft,
        rule,
        created_on,
        updated_at: now(),
    }
}

fn notify() -> ActionDraft {
    ActionDraft {
        kind: "notify".into(),
        to: vec!["role:finance".into()],
        ..ActionDraft::default()
    }
}

fn freeze() -> ActionDraft {
    let frozen = CustomerStatus::Frozen.as_str().into();
    ActionDraft {
        kind: "set_status".into(),
        status: frozen,
        ..ActionDraft::default()
    }
}

fn now() -> DateTime<Utc> {
    "2026-06-30T02:00:00Z".parse().unwrap()
}

#[test]
fn a_rule_does_not_fire_on_the_event_its_own_action_raised() {
    let fake = Fake {
        rules: vec![
            rule(1, "status_changed", freeze()),
            rule(2, "status_changed", notify()),
        ],
        ..Fake::default()
    };
    fake.record(DomainEvent::status_changed(7), None);
    let done = block_on(handle_events(&fake, now(), None)).unwrap();
    // The freezer fires on the manual change; the notifier on it and on the freeze.
    assert_eq!(
        done,
        Drained {
            events: 2,
            firings: 3
        }
    );
    let events = fake.events.lock().unwrap();
    assert_eq!(events[1].0.caused_by_rule, Some(1));
    assert!(events.iter().all(|(_, handled)| *handled));
}

#[test]
fn a_drain_is_bounded_by_pages_and_reads_facts_once_per_customer() {
    let fake = Fake {
        rules: vec![rule(1, "payment_posted", notify())],
        ..Fake::default()
    };
    let n = EVENT_PAGE as usize + 500;
    for i in 0..n {
        fake.record(
            DomainEvent::payment_posted(1 + (i % 2) as i64, i as i64),
            None,
        );
    }
    let first = block_on(handle_events(&fake, now(), Some(1))).unwrap();
    assert_eq!((first.events, fake.unhandled()), (EVENT_PAGE as usize, 500));
    assert_eq!(
        *fake.fact_reads.lock().unwrap(),
        vec![1, 2],
        "one read per customer and page"
    );
    let rest = block_on(handle_events(&fake, now(), None)).unwrap();
    assert_eq!((rest.events, fake.unhandled()), (500, 0));
    // One firing per event: the `once` repeat does not merge distinct events.
    assert_eq!(first.firings + rest.firings, n as i64);
}

#[test]
fn events_no_rule_listens_to_are_handled_without_reading_facts() {
    let fake = Fake {
        rules: vec![rule(1, "grade_changed", notify())],
        ..Fake::default()
    };
    fake.record(DomainEvent::invoice_created(1, 10), None);
    fake.record(DomainEvent::payment_posted(1, 20), None);
    let done = block_on(handle_events(&fake, now(), None)).unwrap();
    assert_eq!(
        done,
        Drained {
            events: 2,
            firings: 0
        }
    );
    assert!(fake.fact_reads.lock().unwrap().is_empty());
    assert_eq!(fake.unhandled(), 0);
}
