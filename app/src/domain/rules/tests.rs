use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

/// A healthy graded customer (shared with the collections tests).
pub(crate) fn customer() -> CustomerFacts {
    CustomerFacts {
        id: 7,
        code: "C007".into(),
        name: "华东机械".into(),
        rep_id: Some(3),
        region: "华东".into(),
        industry: "建筑施工".into(),
        customer_type: "dealer".into(),
        grade: Some(Grade::B),
        status: CustomerStatus::Normal,
        dunning: DunningLevel::None,
        risk: RiskLevel::Low,
        payment_method: PaymentMethod::Credit,
        open_minor: 0,
        overdue_minor: 0,
        overdue_count_12m: 0,
    }
}

fn defaults() -> Vec<Rule> {
    default_rules()
        .iter()
        .map(|d| Rule::try_from(d).expect("the shipped rules parse"))
        .collect()
}

/// The names (first word) of the default rules that fire for one invoice `offset` days
/// past its due date (negative: before it), for a healthy customer.
fn firing_invoice_rules(offset: i64) -> Vec<usize> {
    let as_of = d("2026-06-15");
    let inv = InvoiceFacts {
        id: 1,
        number: "INV-1".into(),
        customer_id: 7,
        due_date: as_of - Duration::days(offset),
        open_minor: 10_000_00,
        disputed: false,
    };
    let c = customer();
    let facts = Facts {
        as_of,
        invoice: Some(&inv),
        customer: Some(&c),
        portfolio: None,
    };
    defaults()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.scope == Scope::Invoice)
        .filter_map(|(i, r)| evaluate(i as i64, r, &facts, None).map(|_| i))
        .collect()
}

#[test]
fn default_invoice_rules_fire_exactly_on_their_day() {
    // offset (days past due; negative = before due) -> indices of default_rules() firing.
    let table: &[(i64, &[usize])] = &[
        (-4, &[]),
        (-3, &[0]),
        (-2, &[]),
        (0, &[]),
        (1, &[1]),
        (2, &[]),
        (3, &[2]),
        (4, &[]),
        (6, &[]),
        (7, &[3]),
        (8, &[]),
        (14, &[]),
        (15, &[4]),
        (16, &[]),
        (29, &[]),
        (30, &[5]),
        (31, &[]),
        (60, &[]),
    ];
    for (offset, want) in table {
        assert_eq!(firing_invoice_rules(*offset), want.to_vec(), "day {offset}");
    }
}

#[test]
fn default_invoice_rules_act_as_the_documents_say() {
    let r = defaults();
    assert_eq!(
        r[0].actions,
        vec![Action::Notify {
            to: vec![Recipient::Rep]
        }]
    );
    assert!(r[1].actions.contains(&Action::EmailCustomer {
        letter: Letter::Friendly,
        lang: Lang::ZhCn
    }));
    assert!(r[2].actions.contains(&Action::Notify {
        to: vec![Recipient::Rep, Recipient::Role(Role::Finance)]
    }));
    assert_eq!(
        r[3].actions,
        vec![Action::CreateTask {
            assignee: Recipient::Rep,
            kind: TaskKind::Call,
            priority: Priority::Normal
        }]
    );
    assert!(r[4].actions.contains(&Action::SetStatus {
        status: CustomerStatus::Watch
    }));
    assert!(r[4].actions.contains(&Action::CreateTask {
        assignee: Recipient::Role(Role::CreditManager),
        kind: TaskKind::Advanced,
        priority: Priority::High
    }));
    assert!(r[5].actions.contains(&Action::FreezeCredit));
    assert!(r[5].actions.contains(&Action::Notify {
        to: vec![
            Recipient::Role(Role::Finance),
            Recipient::Role(Role::Executive)
        ]
    }));
}

#[test]
fn default_customer_rules_at_their_edges() {
    let r = defaults();
    let as_of = d("2026-06-15");
    let fires = |i: usize, c: &CustomerFacts| {
        evaluate(
            i as i64,
            &r[i],
            &Facts {
                as_of,
                invoice: None,
                customer: Some(c),
                portfolio: None,
            },
            None,
        )
        .is_some()
    };
    // More than 3 overdue events in 12 months: 3 does not, 4 does; already high does not.
    let mut c = customer();
    c.overdue_count_12m = 3;
    assert!(!fires(6, &c));
    c.overdue_count_12m = 4;
    assert!(fires(6, &c));
    c.risk = RiskLevel::High;
    assert!(!fires(6, &c), "a customer already high is not raised again");
    // Overdue above 50,000: exactly 50,000.00 does not, 50,000.01 does.
    let mut c = customer();
    c.overdue_minor = 50_000_00;
    assert!(!fires(7, &c));
    c.overdue_minor = 50_000_01;
    assert!(fires(7, &c));
    // Risk high: prepayment, once (the condition no longer holds after the action).
    let mut c = customer();
    assert!(!fires(8, &c));
    c.risk = RiskLevel::High;
    assert!(fires(8, &c));
    c.payment_method = PaymentMethod::Prepayment;
    assert!(!fires(8, &c));
}

#[test]
fn dedupe_keys_name_rule_target_and_period_or_level() {
    let r = defaults();
    let a = d("2026-06-15");
    let b = d("2026-06-16");
    // A once-per-invoice rule has the same key whatever the day it is evaluated.
    assert_eq!(
        r[0].dedupe_key(1, TargetRef::Invoice(9), a, None),
        r[0].dedupe_key(1, TargetRef::Invoice(9), b, None)
    );
    assert_eq!(
        r[0].dedupe_key(1, TargetRef::Invoice(9), a, None),
        "r1:i9:once"
    );
    // A dunning rule carries the level it raises to.
    assert_eq!(
        r[4].dedupe_key(5, TargetRef::Invoice(9), a, None),
        "r5:i9:once:formal"
    );
    // Daily, weekly and monthly periods.
    assert_eq!(
        r[6].dedupe_key(7, TargetRef::Customer(3), a, None),
        "r7:c3:2026-06-15"
    );
    assert_ne!(
        r[6].dedupe_key(7, TargetRef::Customer(3), a, None),
        r[6].dedupe_key(7, TargetRef::Customer(3), b, None)
    );
    assert_eq!(
        r[7].dedupe_key(8, TargetRef::Customer(3), a, None),
        "r8:c3:2026-06"
    );
    let mut weekly = r[7].clone();
    weekly.repeat = Repeat::Weekly;
    assert_eq!(
        weekly.dedupe_key(8, TargetRef::Customer(3), a, None),
        "r8:c3:2026-W25"
    );
    // Events key on the event's document.
    assert_eq!(
        r[7].dedupe_key(8, TargetRef::Customer(3), a, Some(44)),
        "r8:c3:event-44"
    );
}

#[test]
fn and_or_groups() {
    let as_of = d("2026-06-15");
    let mut c = customer();
    c.region = "华南".into();
    c.overdue_minor = 1;
    let draft = |all: bool| RuleDraft {
        all,
        groups: vec![
            GroupDraft {
                all: false,
                predicates: vec![
                    pred("region", "in", "华东, 华北"),
                    pred("grade", "in", "C,D"),
                ],
            },
            GroupDraft {
                all: true,
                predicates: vec![pred("customer_overdue", "gt", "0")],
            },
        ],
        ..daily(
            "x",
            "customer",
            "daily",
            vec![],
            vec![to("notify", &["rep"])],
        )
    };
    let facts = Facts {
        as_of,
        invoice: None,
        customer: Some(&c),
        portfolio: None,
    };
    // Group 1 (OR) fails: 华南 and B. Group 2 holds.
    assert!(!Rule::try_from(&draft(true)).unwrap().matches(&facts));
    assert!(Rule::try_from(&draft(false)).unwrap().matches(&facts));
    c.grade = None;
    let facts = Facts {
        as_of,
        invoice: None,
        customer: Some(&c),
        portfolio: None,
    };
    let ungraded = RuleDraft {
        groups: vec![GroupDraft {
            all: true,
            predicates: vec![pred("grade", "in", "-")],
        }],
        ..draft(true)
    };
    assert!(Rule::try_from(&ungraded).unwrap().matches(&facts));
}

#[test]
fn a_bad_draft_names_every_problem() {
    let bad = RuleDraft {
        name: " ".into(),
        enabled: true,
        trigger: "daily".into(),
        at: "25:00".into(),
        event: String::new(),
        scope: "customer".into(),
        repeat: "hourly".into(),
        all: true,
        groups: vec![GroupDraft {
            all: true,
            predicates: vec![
                pred("days_past_due", "eq", "3"),
                pred("customer_overdue", "in", "5"),
                pred("overdue_count_12m", "gt", "-1"),
                pred("grade", "in", "E"),
                pred("colour", "eq", "red"),
            ],
        }],
        actions: vec![
            to("notify", &["boss"]),
            ActionDraft {
                kind: "email_internal".into(),
                to: vec!["not-an-address".into()],
                ..ActionDraft::default()
            },
            ActionDraft {
                kind: "set_status".into(),
                status: "normal".into(),
                ..ActionDraft::default()
            },
            act("launch_rocket"),
            task("rep", "call", "asap"),
        ],
    };
    let errors = Rule::try_from(&bad).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "at",
            "repeat",
            "groups[0].predicates[0].field",
            "groups[0].predicates[1].op",
            "groups[0].predicates[2].value",
            "groups[0].predicates[3].value",
            "groups[0].predicates[4].field",
            "actions[0].to",
            "actions[0].to",
            "actions[1].to",
            "actions[2].status",
            "actions[3].kind",
            "actions[4].priority",
        ],
        "{errors:#?}"
    );
    assert!(errors[3]
        .message
        .contains("days_past_due is not a field of a customer rule"));
    assert!(errors[6].message.contains("'E' is not a grade"));
}

#[test]
fn portfolio_rules_cannot_change_customers_and_events_need_their_scope() {
    let mut p = daily(
        "p",
        "portfolio",
        "daily",
        vec![pred("portfolio_overdue", "gt", "1000000")],
        vec![act("freeze_credit"), to("notify", &["rep"])],
    );
    let e = Rule::try_from(&p).unwrap_err();
    assert_eq!(
        e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["actions[0].kind", "actions[1].to", "actions[1].to"]
    );
    p.actions = vec![to("notify", &["role:executive"])];
    assert!(Rule::try_from(&p).is_ok());
    let mut ev = daily("e", "invoice", "once", vec![], vec![to("notify", &["rep"])]);
    ev.trigger = "event".into();
    ev.event = "payment_posted".into();
    let e = Rule::try_from(&ev).unwrap_err();
    assert!(e[0].message.contains("use the customer scope"), "{e:?}");
    ev.event = "invoice_created".into();
    ev.groups.clear();
    assert!(
        Rule::try_from(&ev).is_ok(),
        "an event rule may have no condition"
    );
}

#[test]
fn drafts_round_trip() {
    for r in defaults() {
        let again = Rule::try_from(&r.to_draft()).unwrap();
        assert_eq!(again, r);
        let json = serde_json::to_string(&r.to_draft()).unwrap();
        let back: RuleDraft = serde_json::from_str(&json).unwrap();
        assert_eq!(Rule::try_from(&back).unwrap(), r);
    }
    let unknown = r#"{"name":"x","enabled":true,"trigger":"daily","at":"08:00","event":"","scope":"invoice","repeat":"once","all":true,"groups":[],"actions":[],"script":"rm -rf"}"#;
    let e = serde_json::from_str::<RuleDraft>(unknown)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field `script`"), "{e}");
}

#[test]
fn due_dates_catch_up_and_wait_for_the_time() {
    let at = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
    let now = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    let created = d("2026-01-01");
    // Before 08:00 today is not due yet; yesterday is.
    assert_eq!(
        due_dates(at, created, Some(d("2026-06-13")), now("2026-06-15 07:59")),
        vec![d("2026-06-14")]
    );
    assert_eq!(
        due_dates(at, created, Some(d("2026-06-13")), now("2026-06-15 08:00")),
        vec![d("2026-06-14"), d("2026-06-15")]
    );
    // Already ran today: nothing.
    assert!(due_dates(at, created, Some(d("2026-06-15")), now("2026-06-15 23:00")).is_empty());
    // Never ran: from the day it was created.
    assert_eq!(
        due_dates(at, d("2026-06-15"), None, now("2026-06-15 09:00")),
        vec![d("2026-06-15")]
    );
    // A long outage catches up at most MAX_CATCH_UP_DAYS.
    let long = due_dates(at, created, Some(d("2026-01-31")), now("2026-06-15 09:00"));
    assert_eq!(long.len() as i64, MAX_CATCH_UP_DAYS);
    assert_eq!(long.last(), Some(&d("2026-06-15")));
}

#[test]
fn interest_table() {
    let rate = Decimal::new(6, 2);
    // 100,000 × 6% × 30 / 365 = 493.150684… → 493.15
    assert_eq!(
        interest(cny(100_000), rate, d("2026-01-01"), d("2026-01-31")),
        Money::parse("493.15", Currency::CNY).unwrap()
    );
    // 1 day on 10,000 = 1.643835… → 1.64
    assert_eq!(
        interest(cny(10_000), rate, d("2026-01-01"), d("2026-01-02")),
        Money::parse("1.64", Currency::CNY).unwrap()
    );
    // Half a cent rounds away from zero: 365 × 0.005 / 365 at 100% over 1 day on 1.825 … use an exact case:
    // 73 × 10% × 1 / 365 = 0.02 exactly.
    assert_eq!(
        interest(
            cny(73),
            Decimal::new(1, 1),
            d("2026-01-01"),
            d("2026-01-02")
        ),
        Money::parse("0.02", Currency::CNY).unwrap()
    );
    assert!(interest(cny(100), rate, d("2026-01-02"), d("2026-01-01")).is_zero());
    // A charge starts at the due date, or where the last one ended.
    let open = cny(36_500);
    assert_eq!(
        interest_charge(open, d("2026-03-01"), None, d("2026-03-11"), rate),
        Some((
            d("2026-03-01"),
            Money::parse("60.00", Currency::CNY).unwrap()
        ))
    );
    assert_eq!(
        interest_charge(
            open,
            d("2026-03-01"),
            Some(d("2026-03-11")),
            d("2026-03-21"),
            rate
        )
        .map(|c| c.0),
        Some(d("2026-03-11"))
    );
    assert_eq!(
        interest_charge(
            open,
            d("2026-03-01"),
            Some(d("2026-03-21")),
            d("2026-03-21"),
            rate
        ),
        None
    );
    assert_eq!(DunningTerms::default().fee(DunningLevel::Formal), cny(200));
    let e = DunningTerms::parse("x", "200", "-1", "99").unwrap_err();
    assert_eq!(
        e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["friendly_fee", "legal_fee", "annual_rate"]
    );
}

#[test]
fn letters_fill_every_variable_in_both_languages() {
    let c = LetterContext {
        customer_name: "华东机械".into(),
        as_of: d("2026-06-15"),
        items: vec![
            LetterItem {
                number: "INV-1".into(),
                due_date: d("2026-06-14"),
                open: cny(1200),
                days_overdue: 1,
            },
            LetterItem {
                number: "INV-2".into(),
                due_date: d("2026-06-30"),
                open: cny(800),
                days_overdue: -15,
            },
        ],
        charges: cny(200),
    };
    for letter in Letter::ALL {
        for lang in Lang::ALL {
            let r = render_letter(*letter, *lang, &c);
            assert!(r.body.contains("华东机械"), "{letter} {lang}");
            assert!(
                r.body.contains("INV-1") && r.body.contains("INV-2"),
                "{letter} {lang}: open items listed"
            );
            assert!(r.body.contains("200.00"), "{letter} {lang}: charges");
            assert!(!r.subject.is_empty());
        }
    }
    let f = render_letter(Letter::Formal, Lang::En, &c);
    assert!(
        f.body.contains("1,200.00 is overdue, the oldest by 1 days")
            || f.body.contains("1200.00 is overdue, the oldest by 1 days"),
        "{}",
        f.body
    );
    let z = render_letter(Letter::Friendly, Lang::ZhCn, &c);
    assert!(z.subject.contains("INV-1, INV-2"), "{}", z.subject);
}

proptest! {
    /// Interest over consecutive ranges adds up to the interest over the whole range,
    /// within half a minor unit per part (each part is rounded once).
    #[test]
    fn split_interest_adds_up(minor in 1i64..10_000_000_00, a in 0i64..400, b in 0i64..400, bp in 0i64..3600) {
        let rate = Decimal::new(bp, 4);
        let start = d("2026-01-01");
        let mid = start + Duration::days(a);
        let end = mid + Duration::days(b);
        let open = Money::from_minor(minor, Currency::CNY);
        let whole = interest(open, rate, start, end).minor();
        let parts = interest(open, rate, start, mid).minor() + interest(open, rate, mid, end).minor();
        prop_assert!((whole - parts).abs() <= 1, "whole {} parts {}", whole, parts);
        prop_assert!(whole >= 0);
        // Never more than the principal × rate × years, rounded up by half a cent.
        let bound = Decimal::from(minor) * rate * Decimal::from(a + b) / Decimal::from(365);
        prop_assert!(Decimal::from(whole) <= bound + Decimal::new(5, 1));
    }

    /// Interest grows with time.
    #[test]
    fn interest_is_monotone_in_days(minor in 1i64..1_000_000_00, a in 0i64..500, extra in 0i64..500) {
        let rate = Decimal::new(6, 2);
        let s = d("2026-01-01");
        let open = Money::from_minor(minor, Currency::CNY);
        prop_assert!(interest(open, rate, s, s + Duration::days(a)).minor() <= interest(open, rate, s, s + Duration::days(a + extra)).minor());
    }

    /// A day-offset rule fires for exactly one offset, so a once-per-invoice key is
    /// enough: re-evaluating any other day never produces it again.
    #[test]
    fn an_equality_day_rule_fires_on_one_day_only(n in 0i64..90, offsets in proptest::collection::vec(-30i64..120, 1..40)) {
        let r = Rule::try_from(&daily("x", "invoice", "once", vec![pred("days_past_due", "eq", &n.to_string())], vec![to("notify", &["rep"])])).unwrap();
        let c = customer();
        let due = d("2026-03-01");
        let inv = InvoiceFacts { id: 5, number: "INV-5".into(), customer_id: 7, due_date: due, open_minor: 100, disputed: false };
        for o in offsets {
            let facts = Facts { as_of: due + Duration::days(o), invoice: Some(&inv), customer: Some(&c), portfolio: None };
            prop_assert_eq!(evaluate(1, &r, &facts, None).is_some(), o == n);
        }
    }
}

#[test]
fn status_actions_only_tighten() {
    use CustomerStatus::*;
    let watch = Action::SetStatus { status: Watch };
    // (current, action) -> after
    let table = [
        (Normal, watch.clone(), Some(Watch)),
        (Watch, watch.clone(), None),
        (Frozen, watch.clone(), None),
        (Normal, Action::FreezeCredit, Some(Frozen)),
        (Watch, Action::FreezeCredit, Some(Frozen)),
        (Blacklisted, Action::FreezeCredit, None),
        (Frozen, Action::UnfreezeCredit, Some(Normal)),
        (Blacklisted, Action::UnfreezeCredit, None),
        (
            Normal,
            Action::SetStatus {
                status: Blacklisted,
            },
            Some(Blacklisted),
        ),
    ];
    for (current, action, want) in table {
        assert_eq!(
            status_after(current, &action),
            want,
            "{current:?} {action:?}"
        );
    }
}
