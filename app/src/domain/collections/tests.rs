use super::*;
use crate::domain::rules::{
    default_rules, evaluate, CustomerFacts, Facts, InvoiceFacts, Rule, Scope,
};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn input(
    days: i64,
    overdue_yuan: i64,
    grade: Option<Grade>,
    importance: Importance,
    broken: i64,
) -> PriorityInput {
    PriorityInput {
        days_past_due: days,
        overdue_minor: overdue_yuan * 100,
        grade,
        importance,
        broken_promises: broken,
    }
}

// --- priority score ---------------------------------------------------------------

#[test]
fn priority_score_table() {
    let t = Terms::default(); // 40 / 25 / 15 / 10 / 10; caps 90 days, 500,000.00, 3 promises
    let table: &[(PriorityInput, &str)] = &[
        (input(0, 0, Some(Grade::A), Importance::Low, 0), "0"),
        (
            input(90, 500_000, Some(Grade::D), Importance::Key, 3),
            "100",
        ),
        (
            input(400, 9_000_000, Some(Grade::D), Importance::Key, 9),
            "100",
        ), // capped
        (input(-5, 0, Some(Grade::A), Importance::Low, 0), "0"), // not yet due
        (input(45, 0, Some(Grade::A), Importance::Low, 0), "20"), // half of 40
        (
            input(0, 250_000, Some(Grade::A), Importance::Low, 0),
            "12.5",
        ), // half of 25
        (input(0, 0, Some(Grade::C), Importance::Low, 0), "10"), // 2/3 of 15
        (input(0, 0, Some(Grade::B), Importance::Low, 0), "5"),  // 1/3 of 15
        (input(0, 0, None, Importance::Low, 0), "7.5"),          // ungraded: the middle
        (input(0, 0, Some(Grade::A), Importance::Normal, 0), "5"),
        (input(0, 0, Some(Grade::A), Importance::Low, 1), "3.33"),
        // 13.33 + 5 + 10 + 10 + 6.67
        (input(30, 100_000, Some(Grade::C), Importance::Key, 2), "45"),
    ];
    for (i, want) in table {
        let p = priority(i, &t);
        assert_eq!(p.score.normalize(), dec(want).normalize(), "{i:?}");
        assert_eq!(
            p.parts.iter().map(|x| x.points).sum::<Decimal>(),
            p.score,
            "parts add up: {i:?}"
        );
    }
}

#[test]
fn priority_explains_each_part_with_its_input_and_weight() {
    let p = priority(
        &input(45, 120_000, Some(Grade::C), Importance::Key, 1),
        &Terms::default(),
    );
    let row = |f: Factor| p.parts.iter().find(|x| x.factor == f).unwrap().clone();
    assert_eq!(row(Factor::DaysPastDue).input, "45");
    assert_eq!(row(Factor::DaysPastDue).fraction, dec("0.5"));
    assert_eq!(row(Factor::DaysPastDue).weight, dec("40"));
    assert_eq!(row(Factor::DaysPastDue).points, dec("20"));
    assert_eq!(row(Factor::OpenAmount).input, "¥120,000.00");
    assert_eq!(row(Factor::OpenAmount).points, dec("6")); // 120,000 / 500,000 × 25
    assert_eq!(row(Factor::Grade).input, "C");
    assert_eq!(row(Factor::Importance).input, "key");
    assert_eq!(row(Factor::BrokenPromises).points, dec("3.33"));
    assert_eq!(p.parts.len(), Factor::ALL.len());
}

#[test]
fn finance_weights_change_the_order() {
    // Big-but-recent against small-but-old: days first by default, amount first when
    // finance weighs the amount.
    let big = input(5, 500_000, Some(Grade::B), Importance::Normal, 0);
    let old = input(80, 20_000, Some(Grade::B), Importance::Normal, 0);
    let t = Terms::default();
    assert!(priority(&old, &t).score > priority(&big, &t).score);
    let by_amount = Terms {
        w_days: dec("10"),
        w_amount: dec("60"),
        ..Terms::default()
    };
    assert!(priority(&big, &by_amount).score > priority(&old, &by_amount).score);
}

#[test]
fn terms_are_parsed_whole_with_named_errors() {
    let t = Terms::default();
    let draft = TermsDraft::from(&t);
    assert_eq!(Terms::try_from(&draft).unwrap(), t, "round trip");
    let bad = TermsDraft {
        w_days: "-1".into(),
        w_amount: "x".into(),
        days_cap: "0".into(),
        amount_cap: "12.345".into(),
        grace_days: "61".into(),
        ..draft.clone()
    };
    let errors = Terms::try_from(&bad).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["w_days", "w_amount", "days_cap", "grace_days", "amount_cap"],
        "{errors:?}"
    );
    let zero = TermsDraft {
        w_days: "0".into(),
        w_amount: "0".into(),
        w_grade: "0".into(),
        w_importance: "0".into(),
        w_promises: "0".into(),
        ..draft
    };
    assert_eq!(
        Terms::try_from(&zero).unwrap_err()[0].message,
        "at least one weight must be more than zero"
    );
    assert!(
        serde_json::from_str::<TermsDraft>(r#"{"w_days":"1","bogus":"2"}"#)
            .unwrap_err()
            .to_string()
            .contains("bogus")
    );
}

proptest! {
    #[test]
    fn score_is_bounded_monotone_and_the_sum_of_its_parts(
        days in -30i64..500, more_days in 0i64..100, yuan in 0i64..2_000_000, broken in 0i64..10,
        g in 0usize..5, imp in 0usize..3,
        w in proptest::collection::vec(0u32..200, 5),
    ) {
        let t = Terms {
            w_days: Decimal::from(w[0]), w_amount: Decimal::from(w[1]), w_grade: Decimal::from(w[2]),
            w_importance: Decimal::from(w[3]), w_promises: Decimal::from(w[4]), ..Terms::default()
        };
        let grade = [Some(Grade::A), Some(Grade::B), Some(Grade::C), Some(Grade::D), None][g];
        let i = input(days, yuan, grade, Importance::ALL[imp], broken);
        let p = priority(&i, &t);
        let total = t.w_days + t.w_amount + t.w_grade + t.w_importance + t.w_promises;
        prop_assert!(p.score >= Decimal::ZERO && p.score <= total + dec("0.05"));
        prop_assert_eq!(p.parts.iter().map(|x| x.points).sum::<Decimal>(), p.score);
        for part in &p.parts {
            prop_assert!(part.fraction >= Decimal::ZERO && part.fraction <= Decimal::ONE);
        }
        let later = priority(&PriorityInput { days_past_due: days + more_days, ..i.clone() }, &t);
        prop_assert!(later.score >= p.score, "more days never lowers the score");
        let more_broken = priority(&PriorityInput { broken_promises: broken + 1, ..i }, &t);
        prop_assert!(more_broken.score >= p.score);
    }
}

// --- promises -----------------------------------------------------------------------

fn open() -> Vec<OpenInvoice> {
    vec![
        OpenInvoice {
            id: 1,
            number: "INV-1".into(),
            due_date: d("2026-10-01"),
            open_minor: 30_000_00,
        },
        OpenInvoice {
            id: 2,
            number: "INV-2".into(),
            due_date: d("2026-10-15"),
            open_minor: 20_000_00,
        },
    ]
}

fn promise(amount: &str) -> Promise {
    let draft = PromiseDraft {
        due_on: "2026-11-10".into(),
        amount: amount.into(),
        invoice_ids: vec![1, 2],
        notes: String::new(),
    };
    Promise::parse(&draft, d("2026-11-01"), &open()).unwrap()
}

#[test]
fn promise_kept_or_broken_at_the_deadline_boundaries() {
    // Promised 10,000.00 by 11-10, grace 3 days: the deadline is 11-13.
    let p = promise("10000");
    let g = 3;
    assert_eq!(p.deadline(g), d("2026-11-13"));
    let full = |on: &str| vec![(d(on), 10_000_00)];
    type Payments<'a> = &'a [(NaiveDate, i64)];
    let table: &[(Payments, &str, PromiseState)] = &[
        // paid in full on the promise date
        (
            &full("2026-11-10"),
            "2026-11-20",
            PromiseState::Kept {
                on: d("2026-11-10"),
            },
        ),
        // on the last grace day
        (
            &full("2026-11-13"),
            "2026-11-20",
            PromiseState::Kept {
                on: d("2026-11-13"),
            },
        ),
        // one day after the grace: broken the day after the deadline
        (
            &full("2026-11-14"),
            "2026-11-20",
            PromiseState::Broken {
                on: d("2026-11-14"),
            },
        ),
        // nothing yet, within the grace: still pending
        (&[], "2026-11-13", PromiseState::Pending),
        // nothing, the day after the deadline
        (
            &[],
            "2026-11-14",
            PromiseState::Broken {
                on: d("2026-11-14"),
            },
        ),
        // one fen short
        (
            &[(d("2026-11-09"), 9_999_99)],
            "2026-11-14",
            PromiseState::Broken {
                on: d("2026-11-14"),
            },
        ),
        // two partial payments: kept on the day the sum reaches the amount
        (
            &[(d("2026-11-12"), 4_000_00), (d("2026-11-05"), 6_000_00)],
            "2026-11-14",
            PromiseState::Kept {
                on: d("2026-11-12"),
            },
        ),
        // paid before the promise was made: does not count
        (
            &full("2026-10-31"),
            "2026-11-14",
            PromiseState::Broken {
                on: d("2026-11-14"),
            },
        ),
        // paid on the day it was made: counts
        (
            &full("2026-11-01"),
            "2026-11-02",
            PromiseState::Kept {
                on: d("2026-11-01"),
            },
        ),
        // the state at a date ignores later payments
        (&full("2026-11-12"), "2026-11-11", PromiseState::Pending),
    ];
    for (payments, as_of, want) in table {
        assert_eq!(
            promise_state(&p, payments, g, d(as_of)),
            *want,
            "{payments:?} at {as_of}"
        );
    }
    // No grace: the promise date itself is the deadline.
    assert_eq!(
        promise_state(&p, &full("2026-11-11"), 0, d("2026-11-30")),
        PromiseState::Broken {
            on: d("2026-11-11")
        }
    );
}

#[test]
fn promise_input_is_checked_against_the_open_invoices() {
    let today = d("2026-11-01");
    let draft = |due: &str, amount: &str, ids: Vec<i64>| PromiseDraft {
        due_on: due.into(),
        amount: amount.into(),
        invoice_ids: ids,
        notes: String::new(),
    };
    // 50,000.00 owed over both invoices; 20,000.00 over the second.
    assert!(Promise::parse(&draft("2026-11-01", "50000", vec![1, 2]), today, &open()).is_ok());
    let err = |d: PromiseDraft| Promise::parse(&d, today, &open()).unwrap_err();
    assert_eq!(
        err(draft("2026-11-10", "20000.01", vec![2]))[0].message,
        "¥20,000.01 is more than the ¥20,000.00 the chosen invoices owe"
    );
    assert_eq!(err(draft("2026-10-31", "1", vec![1]))[0].field, "due_on");
    assert_eq!(
        err(draft("2027-06-01", "1", vec![1]))[0].message,
        "2027-06-01 is more than 180 days ahead"
    );
    assert_eq!(
        err(draft("2026-11-10", "0", vec![1]))[0].message,
        "must be more than zero"
    );
    assert_eq!(
        err(draft("2026-11-10", "1", vec![9]))[0].message,
        "invoice 9 is not an open invoice of this customer"
    );
    assert_eq!(
        err(draft("2026-11-10", "1", vec![]))[0].field,
        "invoice_ids"
    );
    let both = err(draft("soon", "abc", vec![1]));
    assert_eq!(
        both.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["due_on", "amount"]
    );
}

// --- disputes ------------------------------------------------------------------------

#[test]
fn dispute_is_open_from_its_day_until_resolution() {
    let (opened, resolved) = (d("2026-11-05"), d("2026-11-20"));
    assert!(!dispute_open_on(opened, None, d("2026-11-04")));
    assert!(dispute_open_on(opened, None, d("2026-11-05")));
    assert!(dispute_open_on(opened, None, d("2027-05-05")));
    assert!(dispute_open_on(opened, Some(resolved), d("2026-11-19")));
    assert!(!dispute_open_on(opened, Some(resolved), d("2026-11-20")));
}

#[test]
fn a_dispute_pauses_the_dunning_rules_for_its_invoice_only() {
    let rules: Vec<Rule> = default_rules()
        .iter()
        .map(|d| Rule::try_from(d).unwrap())
        .collect();
    let as_of = d("2026-11-20");
    let c = crate::domain::rules::tests::customer();
    // Each invoice sits on a day a shipped rule fires (1, 3, 7, 15, 30 days past due).
    let fired = |disputed: bool| -> usize {
        [1, 3, 7, 15, 30]
            .iter()
            .map(|days| {
                let inv = InvoiceFacts {
                    id: *days,
                    number: format!("INV-{days}"),
                    customer_id: 7,
                    due_date: as_of - Duration::days(*days),
                    open_minor: 10_000_00,
                    disputed,
                };
                let facts = Facts {
                    as_of,
                    invoice: Some(&inv),
                    customer: Some(&c),
                    portfolio: None,
                };
                rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.scope == Scope::Invoice)
                    .filter(|(i, r)| evaluate(*i as i64, r, &facts, None).is_some())
                    .count()
            })
            .sum()
    };
    assert_eq!(
        fired(false),
        5,
        "undisputed: the day-1, 3, 7, 15 and 30 rules fire"
    );
    assert_eq!(
        fired(true),
        0,
        "disputed: every reminder, letter, task and freeze of the invoice waits"
    );
}

#[test]
fn dispute_input_names_its_problems() {
    let ok = DisputeDraft {
        category: "quality".into(),
        reason: "液压泵漏油".into(),
        invoice_ids: vec![2, 2],
    };
    assert_eq!(
        Dispute::parse(&ok, &open()).unwrap().invoice_ids,
        vec![2],
        "named twice, kept once"
    );
    let bad = DisputeDraft {
        category: "mood".into(),
        reason: "  ".into(),
        invoice_ids: vec![],
    };
    let fields: Vec<String> = Dispute::parse(&bad, &open())
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["category", "reason", "invoice_ids"]);
}

// --- contacts and offline operations ---------------------------------------------------

#[test]
fn contact_parses_with_named_errors() {
    let today = d("2026-11-29");
    let ok = ContactDraft {
        channel: "call".into(),
        outcome: "no_answer".into(),
        notes: " 下午再打 ".into(),
        next_action_on: "2026-11-30".into(),
    };
    let c = Contact::parse(&ok, today).unwrap();
    assert_eq!(
        (c.channel, c.outcome, c.notes.as_str(), c.next_action_on),
        (
            Channel::Call,
            Outcome::NoAnswer,
            "下午再打",
            Some(d("2026-11-30"))
        )
    );
    let bad = ContactDraft {
        channel: "fax".into(),
        outcome: "maybe".into(),
        notes: "x".repeat(MAX_TEXT + 1),
        next_action_on: "2026-11-28".into(),
    };
    let errors = Contact::parse(&bad, today).unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["channel", "outcome", "notes", "next_action_on"]
    );
}

#[test]
fn client_ids_and_closed_tasks() {
    assert!(ClientId::parse("0b8e4a0c-6f3e-4b8a-9d1e-2f6c7a1b9e30").is_ok());
    assert!(ClientId::parse("short").is_err());
    assert!(ClientId::parse("has space in it").is_err());
    let op: Result<Op, _> = serde_json::from_str(
        r#"{"client_id":"abc","task_id":1,"body":{"kind":"contact","draft":{"channel":"call","outcome":"reached"}}}"#,
    );
    assert!(op.unwrap_err().to_string().contains("not 8 to 64"));
    let op: Op = serde_json::from_str(r#"{"client_id":"abcdefgh-1","task_id":1,"body":{"kind":"contact","draft":{"channel":"call","outcome":"reached"}}}"#).unwrap();
    assert_eq!(op.body.kind(), "contact");
    assert!(!op.keep_if_closed);
    assert!(serde_json::from_str::<Op>(r#"{"client_id":"abcdefgh-1","task_id":1,"extra":1,"body":{"kind":"contact","draft":{"channel":"call","outcome":"reached"}}}"#).is_err());
    assert_eq!(admit(TaskStatus::Open, false), Ok(()));
    assert_eq!(
        admit(TaskStatus::Done, false),
        Err(OpOutcome::Conflict {
            status: TaskStatus::Done
        })
    );
    assert_eq!(
        admit(TaskStatus::Cancelled, true),
        Ok(()),
        "the rep chose to keep it on the customer"
    );
}

// --- worklist and performance ---------------------------------------------------------

#[test]
fn performance_rates_come_from_sums() {
    let a = Activity {
        promises_kept: 3,
        promises_broken: 1,
        collected_minor: 80_00,
        due_minor: 100_00,
        day_weighted_minor: 80_00 * 10,
        day_base_minor: 80_00,
        ..Activity::default()
    };
    let b = Activity {
        promises_kept: 0,
        promises_broken: 1,
        collected_minor: 20_00,
        due_minor: 300_00,
        day_weighted_minor: 20_00 * 40,
        day_base_minor: 20_00,
        ..Activity::default()
    };
    assert_eq!(a.kept_rate_pct(), Some(dec("75")));
    assert_eq!(a.collection_rate_pct(), Some(dec("80")));
    assert_eq!(a.avg_days_to_collect(), Some(dec("10")));
    let mut team = Activity::default();
    team.add(&a);
    team.add(&b);
    // Not the mean of 80 % and 6.7 %: 100 collected of 400 due.
    assert_eq!(team.collection_rate_pct(), Some(dec("25")));
    assert_eq!(team.kept_rate_pct(), Some(dec("60")));
    assert_eq!(team.avg_days_to_collect(), Some(dec("16"))); // (80×10 + 20×40) / 100
    assert_eq!(Activity::default().kept_rate_pct(), None);
    let mut ranked = vec![
        Ranked {
            id: 1,
            username: "b".into(),
            name: "b".into(),
            activity: b,
        },
        Ranked {
            id: 2,
            username: "idle".into(),
            name: "idle".into(),
            activity: Activity::default(),
        },
        Ranked {
            id: 3,
            username: "a".into(),
            name: "a".into(),
            activity: a,
        },
    ];
    rank(&mut ranked);
    assert_eq!(ranked.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 1, 2]);
}

#[test]
fn a_broken_promise_escalates_by_the_shipped_rule() {
    use crate::domain::rules::{Action, EventKind, Recipient, TaskKind, Trigger};
    let rule = default_rules()
        .iter()
        .map(|d| Rule::try_from(d).unwrap())
        .find(|r| {
            r.trigger
                == Trigger::Event {
                    kind: EventKind::PromiseBroken,
                }
        })
        .expect("a shipped promise-broken rule");
    assert!(rule.actions.iter().any(|a| matches!(
        a,
        Action::CreateTask {
            assignee: Recipient::Role(crate::domain::auth::Role::CreditManager),
            kind: TaskKind::Advanced,
            ..
        }
    )));
    let c = crate::domain::rules::tests::customer();
    let facts = Facts {
        as_of: d("2026-11-14"),
        invoice: None,
        customer: Some(&c),
        portfolio: None,
    };
    let firing = evaluate(10, &rule, &facts, Some(42)).expect("fires for the customer");
    assert!(
        firing.key.ends_with("event-42"),
        "keyed on the promise: {}",
        firing.key
    );
    let blacklisted = CustomerFacts {
        status: crate::domain::customer::CustomerStatus::Blacklisted,
        ..c.clone()
    };
    assert!(evaluate(
        10,
        &rule,
        &Facts {
            customer: Some(&blacklisted),
            ..facts
        },
        Some(42)
    )
    .is_none());
}
