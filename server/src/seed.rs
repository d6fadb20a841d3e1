//! Demo and benchmark data, deterministic from a seed and an anchor date.
//!
//! A construction-machinery dealer's book: customers with Chinese company names, valid
//! USCCs and realistic regions and industries; invoices over the last 18 months; and
//! payments drawn from per-customer payment behaviour (prompt, average, slow, and a few
//! who stopped paying), so that every aging bucket is populated. Everything goes in
//! through the `Store` trait, so the data obeys the same ledger rules as real input.
use app::domain::auth::{Role, User};
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::money::{Currency, Money};
use app::domain::uscc::Uscc;
use app::store::{NewInvoice, NewPayment, NewUser, PaymentAllocation, Store};

/// Who the audit trail names for generated data.
const ACTOR: &str = "seed";
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

/// The password of every demo user (printed by `make run`).
pub const DEMO_PASSWORD: &str = "demo1234";

/// (username, display name, role)
pub const DEMO_USERS: [(&str, &str, Role); 8] = [
    ("admin", "系统管理员", Role::Admin),
    ("chen.jie", "陈杰", Role::Executive),
    ("liu.fang", "刘芳", Role::Finance),
    ("zhou.min", "周敏", Role::CreditManager),
    ("sun.hao", "孙浩", Role::SalesManager),
    ("li.na", "李娜", Role::SalesRep),
    ("wang.qiang", "王强", Role::SalesRep),
    ("zhao.lei", "赵磊", Role::SalesRep),
];

/// (city, region, administrative division code)
const CITIES: [(&str, &str, &str); 26] = [
    ("上海", "华东", "310000"),
    ("杭州", "华东", "330100"),
    ("南京", "华东", "320100"),
    ("合肥", "华东", "340100"),
    ("济南", "华东", "370100"),
    ("福州", "华东", "350100"),
    ("广州", "华南", "440100"),
    ("深圳", "华南", "440300"),
    ("南宁", "华南", "450100"),
    ("北京", "华北", "110000"),
    ("天津", "华北", "120000"),
    ("石家庄", "华北", "130100"),
    ("太原", "华北", "140100"),
    ("武汉", "华中", "420100"),
    ("长沙", "华中", "430100"),
    ("郑州", "华中", "410100"),
    ("成都", "西南", "510100"),
    ("重庆", "西南", "500000"),
    ("昆明", "西南", "530100"),
    ("贵阳", "西南", "520100"),
    ("西安", "西北", "610100"),
    ("兰州", "西北", "620100"),
    ("乌鲁木齐", "西北", "650100"),
    ("沈阳", "东北", "210100"),
    ("长春", "东北", "220100"),
    ("哈尔滨", "东北", "230100"),
];

const BRANDS: [&str; 30] = [
    "宏达",
    "鑫源",
    "恒泰",
    "华筑",
    "鼎盛",
    "远航",
    "金石",
    "天工",
    "盛世",
    "东方",
    "利民",
    "永固",
    "瑞丰",
    "隆基",
    "昌盛",
    "顺通",
    "广厦",
    "中恒",
    "泰山",
    "长城",
    "巨力",
    "华宇",
    "博远",
    "兴业",
    "卓越",
    "安泰",
    "正阳",
    "新世纪",
    "力拓",
    "腾飞",
];

/// (industry, company-name suffix)
const INDUSTRIES: [(&str, &str); 7] = [
    ("建筑施工", "建设工程"),
    ("矿山开采", "矿业"),
    ("市政工程", "市政工程"),
    ("设备租赁", "机械设备租赁"),
    ("水利水电", "水利水电工程"),
    ("道路桥梁", "路桥建设"),
    ("房地产开发", "置业"),
];

const SURNAMES: [&str; 16] = [
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: [&str; 16] = [
    "伟", "芳", "军", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚",
];

#[derive(Debug, Clone, Copy)]
pub struct GenerateParams {
    pub customers: usize,
    pub invoices: usize,
    pub seed: u64,
    /// "Today" for the data set: invoices span the 18 months before it.
    pub anchor: NaiveDate,
    /// Percent of invoices left wholly unpaid on top of the payers' own habits, to
    /// model a ledger with a larger open book (0 leaves the habits alone).
    pub unpaid_percent: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payer {
    Prompt,
    Average,
    Slow,
    /// Stopped paying some months ago: the far-past-due accounts.
    Defaulted {
        since_days_ago: i64,
    },
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub users: usize,
    pub customers: usize,
    pub invoices: usize,
    pub payments: usize,
}

/// Creates the demo users (skipping existing ones) and returns the sales reps.
pub async fn ensure_users(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(usize, Vec<User>), String> {
    let mut created = 0;
    for (username, display, role) in DEMO_USERS {
        if store
            .user_credentials(username)
            .await
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let password_hash = app::session::hash_password(DEMO_PASSWORD)?;
        let user = NewUser {
            username: username.into(),
            display_name: display.into(),
            role,
            password_hash,
        };
        store
            .create_user(user, now)
            .await
            .map_err(|e| e.to_string())?;
        created += 1;
    }
    let reps = store
        .users_by_role(Role::SalesRep)
        .await
        .map_err(|e| e.to_string())?;
    // Every rep reports to the (first) sales manager: "the applicant's manager" in a chain.
    if let Some(manager) = store
        .users_by_role(Role::SalesManager)
        .await
        .map_err(|e| e.to_string())?
        .first()
    {
        for r in &reps {
            store
                .set_user_manager(r.id, Some(manager.id))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok((created, reps))
}

/// Registered capital and an external rating for every demo customer, in line with its
/// seeded grade (a bureau rates good payers well), so the credit scores of a demo book
/// rest on all ten indicators rather than on missing values.
/// Up to `limit` customers, most overdue first (the customer list's order).
async fn most_overdue(
    store: &dyn Store,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<app::domain::customer::CustomerRow>, String> {
    let q = app::store::CustomerQuery {
        search: None,
        limit,
        offset: 0,
    };
    let today = app::domain::business_date(now);
    store
        .list_customers(&q, app::domain::auth::Scope::All, today)
        .await
        .map_err(|e| e.to_string())
}

/// Legal representatives and bank accounts for the first 24 customers (valid resident ID
/// numbers and account numbers, sealed by the store like any other).
pub async fn demo_pii(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, String> {
    use app::domain::pii::{BankAccount, CustomerPii, ResidentId};
    const NAMES: [&str; 8] = [
        "陈建国",
        "林志强",
        "黄丽华",
        "吴海峰",
        "郑国平",
        "王秀英",
        "刘德明",
        "张玉梅",
    ];
    const BANKS: [&str; 4] = [
        "中国工商银行厦门分行",
        "中国建设银行福州分行",
        "招商银行泉州分行",
        "兴业银行厦门分行",
    ];
    let customers = most_overdue(store, 24, now).await?;
    for (i, c) in customers.iter().enumerate() {
        let born = chrono::NaiveDate::from_ymd_opt(1962, 1, 1).unwrap_or_default()
            + chrono::Duration::days(397 * i as i64);
        let first17 = format!("350203{}{:03}", born.format("%Y%m%d"), 101 + 2 * i);
        let pii = CustomerPii {
            legal_rep_name: Some(NAMES[i % NAMES.len()].into()),
            legal_rep_id_number: Some(
                ResidentId::with_check_digit(&first17).map_err(|e| e.to_string())?,
            ),
            bank_name: Some(BANKS[i % BANKS.len()].into()),
            bank_account: Some(BankAccount::parse(&format!(
                "6222{:015}",
                402_881_337_000 + 7_919 * i as u64
            ))?),
        };
        store
            .set_customer_pii(c.id, &pii, ACTOR, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(customers.len())
}

pub async fn demo_factors(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, String> {
    let customers = most_overdue(store, 100_000, now).await?;
    for (i, c) in customers.iter().enumerate() {
        // (rating, capital in ten-thousand yuan) by grade; the index spreads them a little.
        let (rating, capital_wan) = match c.grade {
            Some(Grade::A) => (90, 8_000),
            Some(Grade::B) => (80, 3_000),
            Some(Grade::C) => (65, 1_000),
            Some(Grade::D) => (40, 300),
            None => (70, 1_500),
        };
        let spread = (i % 7) as i64;
        let capital = Money::from_minor((capital_wan + 100 * spread) * 10_000 * 100, Currency::CNY);
        let rating = rust_decimal::Decimal::from(rating + spread - 3);
        store
            .set_customer_factors(c.id, Some(capital), Some(rating), ACTOR, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(customers.len())
}

/// A few credit applications in every state, filed by the first rep through the
/// approval policy in force, so the approval board is not empty in a demo:
/// three waiting for the sales manager (one large enough to need an executive), one
/// waiting for the credit manager, one approved (its limit written back), one returned.
pub async fn demo_applications(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, String> {
    use app::domain::approval::{Action, RequestDraft};
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let user = |role: Role| async move {
        store
            .users_by_role(role)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .ok_or_else(|| format!("no {} user", role.as_str()))
    };
    let (rep, sm, cm, fin) = (
        user(Role::SalesRep).await?,
        user(Role::SalesManager).await?,
        user(Role::CreditManager).await?,
        user(Role::Finance).await?,
    );
    let q = app::store::CustomerQuery {
        search: None,
        limit: 6,
        offset: 0,
    };
    let customers = store
        .list_customers(&q, rep.scope(), app::domain::business_date(now))
        .await
        .map_err(|e| err(&e))?;
    let today = app::domain::business_date(now);
    // (kind, amount, reason, then: decisions as (approver, action, comment))
    type Decisions<'a> = &'a [(&'a User, Action, &'a str)];
    let plans: [(&str, &str, &str, Decisions); 6] = [
        (
            "temporary_limit",
            "30000.00",
            "旺季备货，临时增加额度三个月",
            &[],
        ),
        (
            "permanent_limit",
            "80000.00",
            "新增两台挖掘机采购，合同已签",
            &[(&sm, Action::Approve, "同意，回款记录良好")],
        ),
        (
            "permanent_limit",
            "650000.00",
            "年度框架协议，覆盖三个工地",
            &[],
        ),
        ("permanent_limit", "45000.00", "老客户，配件订单增加", &[]),
        (
            "permanent_limit",
            "120000.00",
            "项目中标，需要提高额度",
            &[
                (&sm, Action::Approve, ""),
                (&cm, Action::Approve, "评分B，可以"),
                (&fin, Action::Approve, "已核对"),
            ],
        ),
        (
            "temporary_limit",
            "50000.00",
            "展会订单",
            &[(&sm, Action::Return, "请补充展会订单合同")],
        ),
    ];
    let mut filed = 0;
    for (c, (kind, amount, reason, decisions)) in customers.iter().zip(plans) {
        let draft = RequestDraft {
            customer_id: c.id,
            kind: kind.into(),
            amount: amount.into(),
            expires_on: (today + Duration::days(90)).to_string(),
            terms_days: "60".into(),
            reason: reason.into(),
        };
        let id = app::ledger::apply_for_credit(store, &rep, &draft, now)
            .await
            .map_err(|e| format!("{e:?}"))?;
        for (who, action, comment) in decisions {
            store
                .decide_application(id, who, *action, comment, now)
                .await
                .map_err(|e| err(&e))?;
        }
        filed += 1;
    }
    Ok(filed)
}

/// The demo book (`seed-demo`, `make run`): 200 customers and 5,000 invoices generated
/// from `seed` up to today, then the credit factors, applications, collection tasks and
/// sensitive fields that make every page show something, and the demo-data flag.
pub async fn demo(
    store: &dyn Store,
    seed: u64,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&str),
) -> Result<Generated, String> {
    let params = GenerateParams {
        customers: 200,
        invoices: 5_000,
        seed,
        anchor: app::domain::business_date(now),
        unpaid_percent: 0,
    };
    let made = generate(store, params, now, progress).await?;
    demo_factors(store, now).await?;
    demo_applications(store, now).await?;
    demo_collections(store, now).await?;
    demo_pii(store, now).await?;
    demo_groups(store, now).await?;
    let demo = app::domain::settings::DEMO_DATA.key;
    store
        .set_setting(demo, "true", "seed-demo", now)
        .await
        .map_err(|e| e.to_string())?;
    Ok(made)
}

/// Two contractor groups (集团) whose project companies buy against one risk: their
/// limits are a little above what the members owe today, so one more large order of a
/// member meets the group's limit before its own.
pub async fn demo_groups(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, String> {
    use app::domain::customer::CustomerCode;
    use app::domain::documents::CustomerPatch;
    let err = |e: app::store::StoreError| e.to_string();
    let today = app::domain::business_date(now);
    // (code, name, members' customer codes, limit as % of what they owe)
    let groups: [(&str, &str, &[&str], i64); 2] = [
        (
            "ZJ3",
            "中建三局集团",
            &["C00003", "C00011", "C00027", "C00045"],
            115,
        ),
        (
            "ZT12",
            "中铁十二局集团",
            &["C00008", "C00019", "C00033"],
            130,
        ),
    ];
    for (code, name, members, pct) in groups {
        let code = CustomerCode::parse(code).map_err(|e| e.to_string())?;
        let mut ids = Vec::new();
        let mut owed = 0i64;
        for m in members {
            let Some(id) = store.customer_id_by_code(m).await.map_err(err)? else {
                continue;
            };
            let exposure = store
                .credit_position(id, today)
                .await
                .map_err(err)?
                .exposure;
            owed += exposure.total().map_err(|e| e.to_string())?.minor().max(0);
            ids.push(id);
        }
        // In whole ten-thousands of yuan, at least ¥1,000,000.
        let limit_minor = (owed * pct / 100 / 1_000_000 + 1).max(100) * 1_000_000;
        let group = app::domain::groups::NewGroup {
            code: code.clone(),
            name: name.into(),
            limit: Money::from_minor(limit_minor, Currency::CNY),
        };
        store
            .create_group(&group, None, ACTOR, now)
            .await
            .map_err(err)?;
        let join = CustomerPatch {
            group: Some(Some(code)),
            ..Default::default()
        };
        for id in ids {
            store
                .update_customer(id, &join, ACTOR, now)
                .await
                .map_err(err)?;
        }
    }
    Ok(groups.len())
}

/// Generates a data set into an empty ledger. `progress` is told each step.
pub async fn generate(
    store: &dyn Store,
    p: GenerateParams,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&str),
) -> Result<Generated, String> {
    if p.customers == 0 {
        return Err("--customers must be at least 1".into());
    }
    let existing = store.count_customers().await.map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(format!(
            "the database already has {existing} customers; generate only fills an empty database"
        ));
    }
    let mut rng = StdRng::seed_from_u64(p.seed);
    let (users, reps) = ensure_users(store, now).await?;
    if reps.is_empty() {
        return Err("no sales_rep users exist to assign customers to".into());
    }

    // --- customers
    let mut names = HashSet::new();
    let mut usccs = HashSet::new();
    let mut customers = Vec::with_capacity(p.customers);
    let mut payers = Vec::with_capacity(p.customers);
    let mut terms = Vec::with_capacity(p.customers);
    for i in 0..p.customers {
        let (city, region, division) = CITIES[rng.gen_range(0..CITIES.len())];
        let (industry, suffix) = INDUSTRIES[rng.gen_range(0..INDUSTRIES.len())];
        let mut name = format!(
            "{city}{}{suffix}有限公司",
            BRANDS[rng.gen_range(0..BRANDS.len())]
        );
        if !names.insert(name.clone()) {
            // Beyond the combinations, number them like real branch companies do.
            name = format!(
                "{city}{}{suffix}第{}分公司",
                BRANDS[i % BRANDS.len()],
                i + 1
            );
            names.insert(name.clone());
        }
        let uscc = loop {
            let org: String = (0..9)
                .map(|_| Uscc::ALPHABET[rng.gen_range(0..10)] as char)
                .collect();
            let u =
                Uscc::with_check_digit(&format!("91{division}{org}")).map_err(|e| e.to_string())?;
            if usccs.insert(u.clone()) {
                break u;
            }
        };
        // A dealer's book: over half pay on time, a third now and then a little late,
        // one in eight slowly, and 2% stop paying (the few customers far past due).
        let payer = match rng.gen_range(0..100) {
            0..=1 => Payer::Defaulted {
                since_days_ago: rng.gen_range(150..420),
            },
            2..=56 => Payer::Prompt,
            57..=87 => Payer::Average,
            _ => Payer::Slow,
        };
        let (status, grade) = match payer {
            Payer::Defaulted { .. } => (
                [
                    CustomerStatus::Frozen,
                    CustomerStatus::Blacklisted,
                    CustomerStatus::Watch,
                ][rng.gen_range(0..3)],
                Some(Grade::D),
            ),
            Payer::Slow => (
                if rng.gen_bool(0.3) {
                    CustomerStatus::Watch
                } else {
                    CustomerStatus::Normal
                },
                Some(if rng.gen_bool(0.5) {
                    Grade::C
                } else {
                    Grade::D
                }),
            ),
            Payer::Average => (
                CustomerStatus::Normal,
                Some(if rng.gen_bool(0.6) {
                    Grade::B
                } else {
                    Grade::C
                }),
            ),
            Payer::Prompt => (
                CustomerStatus::Normal,
                if rng.gen_bool(0.06) {
                    None
                } else {
                    Some(if rng.gen_bool(0.6) {
                        Grade::A
                    } else {
                        Grade::B
                    })
                },
            ),
        };
        let term = [30u16, 45, 60, 90][rng.gen_range(0..4)];
        let limit_yuan = rng.gen_range(5..=50) * 100_000i64;
        let temp_limit = rng.gen_bool(0.1).then(|| {
            (
                Money::from_minor(limit_yuan / 5 * 100, Currency::CNY),
                p.anchor + Duration::days(rng.gen_range(-30..90)),
            )
        });
        let contact = format!(
            "{}{}",
            SURNAMES[rng.gen_range(0..16)],
            GIVEN[rng.gen_range(0..16)]
        );
        let code = CustomerCode::parse(&format!("C{:05}", i + 1)).map_err(|e| e.to_string())?;
        customers.push(NewCustomer {
            contact: Contact {
                name: contact,
                phone: format!(
                    "13{}{:08}",
                    rng.gen_range(0..10),
                    rng.gen_range(0..100_000_000u32)
                ),
                email: format!("finance@{}.example.cn", code.as_str().to_lowercase()),
            },
            code,
            name,
            uscc: Some(uscc),
            region: region.into(),
            industry: industry.into(),
            sales_rep_id: Some(reps[rng.gen_range(0..reps.len())].id),
            payment_terms_days: term,
            credit_limit: Money::from_minor(limit_yuan * 100, Currency::CNY),
            temp_limit,
            status,
            grade,
            group_code: None,
        });
        payers.push(payer);
        terms.push(term);
    }
    progress(&format!("{} customers", customers.len()));
    let customer_ids = store
        .insert_customers(&customers, ACTOR, now)
        .await
        .map_err(|e| e.to_string())?;

    // --- invoices and payments, in batches so a million invoices stays bounded in memory
    let span_days = 548; // 18 months
    let batch = 50_000;
    let mut made = Generated {
        users,
        customers: customers.len(),
        ..Default::default()
    };
    let mut serial = 0usize;
    while made.invoices < p.invoices {
        let n = batch.min(p.invoices - made.invoices);
        let mut invoices = Vec::with_capacity(n);
        let mut plans = Vec::with_capacity(n);
        for _ in 0..n {
            serial += 1;
            let c = rng.gen_range(0..customers.len());
            let invoice_date = p.anchor - Duration::days(rng.gen_range(0..span_days));
            let due_date = invoice_date + Duration::days(i64::from(terms[c]));
            // Machinery tickets: log-uniform from ¥20,000 to ¥1,200,000, in whole hundreds.
            let yuan = (20_000f64 * 60f64.powf(rng.gen::<f64>()) / 100.0).round() as i64 * 100;
            invoices.push(NewInvoice {
                number: format!("INV{}-{serial:07}", invoice_date.format("%Y%m")),
                customer_id: customer_ids[c],
                order_ref: Some(format!("SO-{serial:07}")),
                invoice_date,
                ship_date: Some(invoice_date),
                acceptance_date: None,
                due_date,
                amount: Money::from_minor(yuan * 100, Currency::CNY),
            });
            let mut plan = payment_plan(&mut rng, payers[c], p.anchor, invoice_date, due_date);
            if p.unpaid_percent > 0 && rng.gen_range(0..100) < p.unpaid_percent {
                plan.clear();
            }
            plans.push((c, plan));
        }
        store
            .insert_invoices(&invoices, ACTOR, now)
            .await
            .map_err(|e| e.to_string())?;
        let mut payments = Vec::new();
        for (inv, (c, plan)) in invoices.iter().zip(&plans) {
            let total = inv.amount.minor();
            let mut paid = 0i64;
            for (k, (on, share_pct)) in plan.iter().enumerate() {
                let minor = if *share_pct >= 100 {
                    total - paid
                } else {
                    total * i64::from(*share_pct) / 100 / 100 * 100
                };
                if minor <= 0 {
                    continue;
                }
                paid += minor;
                payments.push(NewPayment {
                    reference: format!("PAY-{}-{k}", inv.number),
                    customer_id: customer_ids[*c],
                    received_on: *on,
                    amount: Money::from_minor(minor, Currency::CNY),
                    allocation: PaymentAllocation::Manual(vec![(
                        inv.number.clone(),
                        Money::from_minor(minor, Currency::CNY),
                    )]),
                });
            }
        }
        store
            .insert_payments(&payments, ACTOR, now)
            .await
            .map_err(|e| e.to_string())?;
        made.invoices += n;
        made.payments += payments.len();
        progress(&format!(
            "{} invoices, {} payments",
            made.invoices, made.payments
        ));
    }
    // The generated history's events are handed to the rules now, as the events job
    // would, so a benchmark never starts with a backlog draining under it.
    app::events::handle_events(store, now, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(made)
}

/// When and how much of an invoice gets paid, up to the anchor date: (date, percent of
/// the invoice; 100 means "the rest"). Payments after the anchor have not happened yet.
fn payment_plan(
    rng: &mut StdRng,
    payer: Payer,
    anchor: NaiveDate,
    invoice_date: NaiveDate,
    due: NaiveDate,
) -> Vec<(NaiveDate, u8)> {
    // Days after the due date the invoice is paid in full (negative: early).
    let delay = match payer {
        Payer::Prompt if rng.gen_bool(0.92) => rng.gen_range(-15..=0),
        Payer::Prompt => rng.gen_range(1..=10),
        Payer::Average if rng.gen_bool(0.75) => rng.gen_range(-10..=0),
        Payer::Average => rng.gen_range(1..=20),
        Payer::Slow => rng.gen_range(10..=75),
        Payer::Defaulted { since_days_ago } => {
            if invoice_date >= anchor - Duration::days(since_days_ago) {
                // After default: at most a token partial payment, then nothing.
                let on = invoice_date + Duration::days(rng.gen_range(20..60));
                return if rng.gen_bool(0.3) && on <= anchor {
                    vec![(on, 20)]
                } else {
                    vec![]
                };
            }
            rng.gen_range(20..=120)
        }
    };
    let full_on = (due + Duration::days(delay)).max(invoice_date);
    let mut plan = Vec::new();
    // One in five invoices is paid in two instalments: a deposit first.
    if rng.gen_bool(0.2) {
        let deposit_on = invoice_date
            + Duration::days(rng.gen_range(0..=(full_on - invoice_date).num_days().max(0)));
        if deposit_on <= anchor {
            plan.push((deposit_on, [30u8, 40, 50][rng.gen_range(0..3)]));
        }
    }
    if full_on <= anchor {
        plan.push((full_on, 100));
    }
    plan
}

/// Collection tasks for the first two reps on their most overdue customers, so a rep's
/// worklist is not empty in a demo: for the first rep one due today, one overdue (two
/// days ago), one urgent due today and one due in three days; one for the second rep.
pub async fn demo_collections(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, String> {
    use app::domain::collections::{Assignee, NewTask};
    use app::domain::rules::{Priority, TaskKind};
    let reps = store
        .users_by_role(Role::SalesRep)
        .await
        .map_err(|e| e.to_string())?;
    let today = app::domain::business_date(now);
    // (rep index, kind, label, due in days, note)
    let plans: [(usize, TaskKind, Priority, i64, &str); 5] = [
        (
            0,
            TaskKind::Call,
            Priority::High,
            0,
            "逾期提醒后未回款，请电话跟进",
        ),
        (
            0,
            TaskKind::Visit,
            Priority::Normal,
            -2,
            "上门对账，确认付款计划",
        ),
        (
            0,
            TaskKind::Call,
            Priority::Urgent,
            0,
            "大额逾期，今天必须联系",
        ),
        (0, TaskKind::Call, Priority::Normal, 3, "确认下月付款安排"),
        (
            1,
            TaskKind::Call,
            Priority::High,
            0,
            "逾期提醒后未回款，请电话跟进",
        ),
    ];
    let mut made = 0;
    for (i, rep) in reps.iter().take(2).enumerate() {
        let mut items = store
            .open_items(rep.scope(), today)
            .await
            .map_err(|e| e.to_string())?;
        items.retain(|o| o.due_date < today);
        items.sort_by_key(|o| (o.due_date, o.customer_id));
        let mut customers: Vec<i64> = Vec::new();
        for o in &items {
            if !customers.contains(&o.customer_id) {
                customers.push(o.customer_id);
            }
        }
        if let Some(first) = customers.first() {
            store
                .set_importance(
                    *first,
                    app::domain::collections::Importance::Key,
                    "seed",
                    now,
                )
                .await
                .map_err(|e| e.to_string())?;
        }
        for ((_, kind, label, days, note), customer_id) in
            plans.iter().filter(|p| p.0 == i).zip(customers)
        {
            let task = NewTask {
                customer_id,
                kind: *kind,
                label: *label,
                due_on: today + Duration::days(*days),
                assignee: Some(Assignee::User(rep.id)),
                note: (*note).into(),
            };
            store
                .create_task(&task, "seed", now)
                .await
                .map_err(|e| e.to_string())?;
            made += 1;
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_plan_never_pays_before_the_invoice_or_after_the_anchor() {
        let mut rng = StdRng::seed_from_u64(7);
        let anchor = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        for i in 0..2_000 {
            let invoice = anchor - Duration::days(i % 500);
            let due = invoice + Duration::days(30);
            for payer in [
                Payer::Prompt,
                Payer::Average,
                Payer::Slow,
                Payer::Defaulted {
                    since_days_ago: 200,
                },
            ] {
                for (on, pct) in payment_plan(&mut rng, payer, anchor, invoice, due) {
                    assert!(on >= invoice && on <= anchor, "{payer:?} {invoice} {on}");
                    assert!(pct > 0 && pct <= 100);
                }
            }
        }
    }
}
