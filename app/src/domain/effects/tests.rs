use super::*;
use crate::domain::money::Currency;
use crate::domain::rules::{Firing, TargetRef};

fn customer(email: &str) -> ActionCustomer {
    ActionCustomer {
        id: 7,
        code: "C007".into(),
        name: "华东机械".into(),
        rep_id: Some(3),
        email: email.into(),
        status: CustomerStatus::Normal,
        dunning: DunningLevel::None,
        risk: RiskLevel::Low,
        payment: PaymentMethod::Credit,
    }
}

fn firing(customer_id: Option<i64>) -> Firing {
    Firing {
        rule_id: 1,
        key: "r1:c7:once".into(),
        target: customer_id.map_or(TargetRef::Portfolio, TargetRef::Customer),
        customer_id,
        invoice_id: None,
        overdue_minor: 12_345_00,
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

fn facts<'a>(
    f: &'a Firing,
    c: Option<&'a ActionCustomer>,
    letter: Option<&'a LetterContext>,
) -> FiringFacts<'a> {
    FiringFacts {
        firing_id: 9,
        firing: f,
        rule_name: "逾期30天冻结",
        as_of: day(),
        customer: c,
        invoice_number: None,
        letter,
    }
}

fn lines(p: &Plan) -> Vec<String> {
    p.effects.iter().map(|e| e.line(Outcome::Done)).collect()
}

#[test]
fn customer_changes_only_tighten_and_are_audited_once() {
    let (f, c) = (firing(Some(7)), customer("ap@c007.cn"));
    let actions = [
        Action::SetStatus {
            status: CustomerStatus::Frozen,
        },
        Action::SetStatus {
            status: CustomerStatus::Watch,
        },
        Action::RaiseDunning {
            level: DunningLevel::Formal,
        },
        Action::RaiseDunning {
            level: DunningLevel::Friendly,
        },
        Action::RequirePrepayment,
        Action::SetRisk {
            level: RiskLevel::Low,
        },
    ];
    let p = plan(&actions, &facts(&f, Some(&c), None));
    assert_eq!(
        p.effects,
        vec![
            Effect::Status {
                from: CustomerStatus::Normal,
                to: CustomerStatus::Frozen
            },
            Effect::Dunning {
                from: DunningLevel::None,
                to: DunningLevel::Formal
            },
            Effect::PaymentMethod(PaymentMethod::Prepayment),
        ]
    );
    let (before, after) = p.customer_audit.unwrap();
    assert!(
        before.contains("\"status\":\"normal\"") && after.contains("\"status\":\"frozen\""),
        "{after}"
    );
    let charged = Outcome::Charged {
        fee: Money::from_minor(50_00, Currency::CNY),
        interest: Money::zero(Currency::CNY),
    };
    assert_eq!(
        p.effects[1].line(charged),
        "dunning: none → formal, fee ¥50.00, interest ¥0.00"
    );
}

#[test]
fn a_letter_needs_a_valid_email_and_otherwise_counts_as_a_failure() {
    let f = firing(Some(7));
    let ctx = LetterContext {
        customer_name: "华东机械".into(),
        as_of: day(),
        items: vec![],
        charges: Money::zero(Currency::CNY),
    };
    let letter = [Action::EmailCustomer {
        letter: rules::Letter::Friendly,
        lang: Lang::En,
    }];
    let good = customer(" ap@c007.cn ");
    let sent = plan(&letter, &facts(&f, Some(&good), Some(&ctx)));
    assert_eq!(
        (sent.failures, lines(&sent)),
        (
            0,
            vec!["email_customer: friendly letter to ap@c007.cn".to_string()]
        )
    );
    let bad = customer("not an address");
    let refused = plan(&letter, &facts(&f, Some(&bad), Some(&ctx)));
    assert_eq!(refused.failures, 1);
    assert!(lines(&refused)[0].starts_with("email_customer: not sent"));
    assert_eq!(refused.customer_audit, None);
}

#[test]
fn a_portfolio_firing_skips_customer_actions_and_the_rep() {
    let f = firing(None);
    let actions = [
        Action::Notify {
            to: vec![Recipient::Rep, Recipient::Role(Role::Finance)],
        },
        Action::CreateTask {
            assignee: Recipient::Rep,
            kind: TaskKind::Call,
            priority: Priority::High,
        },
        Action::FreezeCredit,
        Action::Webhook {
            target: "ops".into(),
            lang: Lang::ZhCn,
        },
    ];
    let p = plan(&actions, &facts(&f, None, None));
    assert_eq!(
        lines(&p),
        vec![
            "notify: 1 recipient(s)".to_string(),
            "webhook: ops".to_string()
        ]
    );
    let Effect::Webhook { message, .. } = &p.effects[1] else {
        panic!("{p:?}")
    };
    assert!(
        message.markdown.contains("日期: 2026-06-30"),
        "{}",
        message.markdown
    );
    assert_eq!(message.data["overdue"], "12345.00");
    let Effect::Notify { link, .. } = &p.effects[0] else {
        panic!("{p:?}")
    };
    assert_eq!(link, "/rules/runs");
}

#[test]
fn a_task_for_the_rep_goes_to_the_sales_managers_when_there_is_none() {
    let f = firing(Some(7));
    let task = [Action::CreateTask {
        assignee: Recipient::Rep,
        kind: TaskKind::Visit,
        priority: Priority::Urgent,
    }];
    let mut orphan = customer("");
    orphan.rep_id = None;
    let p = plan(&task, &facts(&f, Some(&orphan), None));
    let Effect::Task { user, role, .. } = &p.effects[0] else {
        panic!("{p:?}")
    };
    assert_eq!((*user, *role), (None, Some(Role::SalesManager)));
    assert_eq!(
        p.effects[0].line(Outcome::Done),
        "create_task: visit (urgent) for rep"
    );
}

#[test]
fn a_task_for_the_reps_role_goes_to_this_customers_rep_not_to_every_rep() {
    let f = firing(Some(7));
    let task = [Action::CreateTask {
        assignee: Recipient::Role(Role::SalesRep),
        kind: TaskKind::Call,
        priority: Priority::High,
    }];
    let c = customer("a@b.cn");
    let p = plan(&task, &facts(&f, Some(&c), None));
    let Effect::Task { user, role, .. } = &p.effects[0] else {
        panic!("{p:?}")
    };
    assert_eq!((*user, *role), (c.rep_id, None));
}
