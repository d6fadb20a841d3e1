use super::*;
use proptest::prelude::*;

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn row(due_date: NaiveDate, minor: i64) -> Instalment {
    Instalment {
        due_date,
        amount: cny(minor),
    }
}

fn plan(pct: &str, count: u32, period: Period, first_due: NaiveDate) -> Plan {
    Plan {
        down_payment_pct: pct.parse().unwrap(),
        count,
        period,
        first_due,
    }
}

fn amounts(s: &Schedule) -> Vec<i64> {
    s.instalments().iter().map(|i| i.amount.minor()).collect()
}

#[test]
fn a_machine_sold_with_30_percent_down_and_twelve_monthly_instalments() {
    let sold = day(2026, 1, 31);
    let s = Schedule::build(
        &plan("30", 12, Period::Monthly, day(2026, 2, 28)),
        cny(1_000_000_01),
        sold,
    )
    .unwrap();
    let a = amounts(&s);
    assert_eq!(a.len(), 13);
    assert_eq!(
        a[0], 300_000_00,
        "the down payment: 30 % rounded half away from zero"
    );
    assert_eq!(&a[1..12], &[58_333_33; 11]);
    assert_eq!(
        a[12],
        70_000_001 - 58_333_33 * 11,
        "the last takes the remainder"
    );
    assert_eq!(a.iter().sum::<i64>(), 1_000_000_01);
    let dues: Vec<_> = s.instalments().iter().map(|i| i.due_date).collect();
    assert_eq!(dues[0], sold, "the down payment is due on the invoice date");
    assert_eq!(
        (dues[1], dues[2], dues[12]),
        (day(2026, 2, 28), day(2026, 3, 28), day(2027, 1, 28))
    );
    assert_eq!(s.final_due(), day(2027, 1, 28));
}

#[test]
fn month_ends_stay_month_ends_and_quarters_step_three_months() {
    let s = Schedule::build(
        &plan("0", 4, Period::Quarterly, day(2026, 8, 31)),
        cny(400),
        day(2026, 8, 1),
    )
    .unwrap();
    let dues: Vec<_> = s.instalments().iter().map(|i| i.due_date).collect();
    assert_eq!(
        dues,
        [
            day(2026, 8, 31),
            day(2026, 11, 30),
            day(2027, 2, 28),
            day(2027, 5, 31)
        ]
    );
    assert_eq!(amounts(&s), [100; 4], "no down payment row at 0 %");
}

#[test]
fn bad_rows_are_named_by_their_row() {
    let inv = day(2026, 3, 1);
    let cases: [(Vec<Instalment>, ScheduleError); 5] = [
        (vec![], ScheduleError::Empty),
        (
            vec![row(day(2026, 4, 1), 60), row(day(2026, 4, 1), 40)],
            ScheduleError::NotAfterPrevious { row: 2 },
        ),
        (
            vec![row(day(2026, 5, 1), 60), row(day(2026, 4, 1), 40)],
            ScheduleError::NotAfterPrevious { row: 2 },
        ),
        (
            vec![row(day(2026, 2, 1), 100)],
            ScheduleError::BeforeInvoice { row: 1 },
        ),
        (
            vec![row(day(2026, 4, 1), 100), row(day(2026, 5, 1), 0)],
            ScheduleError::NotPositive { row: 2 },
        ),
    ];
    for (rows, want) in cases {
        assert_eq!(Schedule::parse(rows, cny(100), inv), Err(want));
    }
    let short = Schedule::parse(
        vec![row(day(2026, 4, 1), 60), row(day(2026, 5, 1), 39)],
        cny(100),
        inv,
    );
    assert_eq!(
        short,
        Err(ScheduleError::Sum {
            expected: cny(100),
            got: cny(99)
        })
    );
    assert_eq!(
        short.unwrap_err().to_string(),
        "the instalments add up to ¥0.99, not the invoice's ¥1.00"
    );
    let usd = vec![Instalment {
        due_date: day(2026, 4, 1),
        amount: Money::from_minor(100, Currency::USD),
    }];
    assert_eq!(
        Schedule::parse(usd, cny(100), inv),
        Err(ScheduleError::WrongCurrency {
            row: 1,
            expected: Currency::CNY
        })
    );
    let many = (0..122)
        .map(|k| row(inv + chrono::Days::new(k), 1))
        .collect();
    assert_eq!(
        Schedule::parse(many, cny(122), inv),
        Err(ScheduleError::TooMany(122))
    );
}

#[test]
fn impossible_plans_are_refused_not_rounded_away() {
    let inv = day(2026, 3, 1);
    let refused = |p: Plan, total: i64| Schedule::build(&p, cny(total), inv).unwrap_err();
    assert!(matches!(
        refused(plan("100.5", 3, Period::Monthly, day(2026, 4, 1)), 1000),
        ScheduleError::Plan(_)
    ));
    assert!(matches!(
        refused(plan("12.345", 3, Period::Monthly, day(2026, 4, 1)), 1000),
        ScheduleError::Plan(_)
    ));
    assert!(matches!(
        refused(plan("30", 0, Period::Monthly, day(2026, 4, 1)), 1000),
        ScheduleError::Plan(_)
    ));
    assert!(matches!(
        refused(plan("100", 1, Period::Monthly, day(2026, 4, 1)), 1000),
        ScheduleError::Plan(_)
    ));
    assert_eq!(
        refused(plan("0", 5, Period::Monthly, day(2026, 4, 1)), 4),
        ScheduleError::Plan(
            "the instalments after the down payment must each be at least one minor unit"
        )
    );
    assert_eq!(
        refused(
            plan("10", 4_000_000_000, Period::Monthly, day(2026, 4, 1)),
            1000
        ),
        ScheduleError::TooMany(4_000_000_001)
    );
    // A down payment on the day the first instalment falls due repeats a date.
    assert_eq!(
        refused(plan("30", 3, Period::Monthly, inv), 1000),
        ScheduleError::NotAfterPrevious { row: 2 }
    );
}

#[test]
fn payments_settle_the_oldest_instalment_first() {
    let s = Schedule::parse(
        vec![
            row(day(2026, 4, 1), 300),
            row(day(2026, 5, 1), 350),
            row(day(2026, 6, 1), 350),
        ],
        cny(1000),
        day(2026, 3, 1),
    )
    .unwrap();
    let open = |paid| {
        s.open_amounts(cny(paid))
            .iter()
            .map(Money::minor)
            .collect::<Vec<_>>()
    };
    assert_eq!(open(0), [300, 350, 350]);
    assert_eq!(open(300), [0, 350, 350]);
    assert_eq!(open(301), [0, 349, 350]);
    assert_eq!(open(1000), [0, 0, 0]);
    assert_eq!(
        open(-5),
        [300, 350, 350],
        "a negative settlement is no settlement"
    );
    let items = s.open_items(7, day(2026, 3, 1), cny(400));
    let due: Vec<_> = items.iter().map(|i| (i.due_date, i.open.minor())).collect();
    assert_eq!(
        due,
        [(day(2026, 5, 1), 250), (day(2026, 6, 1), 350)],
        "paid instalments age no more"
    );
}

#[test]
fn an_invoice_without_a_schedule_is_one_instalment() {
    let s = Schedule::single(cny(500), day(2026, 4, 30));
    assert_eq!(amounts(&s), [500]);
    assert_eq!(s.final_due(), day(2026, 4, 30));
    assert_eq!(s.open_items(1, day(2026, 3, 1), cny(200))[0].open, cny(300));
}

proptest! {
    /// Whatever the plan, the instalments add up to the invoice exactly, each is
    /// positive, and the dates increase.
    #[test]
    fn built_instalments_always_sum_to_the_invoice(
        total in 1i64..10_000_000_000_00,
        pct_bp in 0u32..=10_000,
        count in 1u32..=120,
        quarterly: bool,
        offset in 0u64..400,
    ) {
        let inv = day(2026, 1, 15);
        let period = if quarterly { Period::Quarterly } else { Period::Monthly };
        let p = Plan {
            down_payment_pct: Decimal::new(i64::from(pct_bp), 2),
            count,
            period,
            first_due: inv + chrono::Days::new(offset),
        };
        match Schedule::build(&p, cny(total), inv) {
            Ok(s) => {
                prop_assert_eq!(amounts(&s).iter().sum::<i64>(), total);
                prop_assert!(amounts(&s).iter().all(|&a| a > 0));
                prop_assert!(s.instalments().windows(2).all(|w| w[0].due_date < w[1].due_date));
            }
            // Refused only for a reason a person can fix: too little left to split, or a
            // down payment falling on the first due date.
            Err(e) => prop_assert!(
                matches!(e, ScheduleError::Plan(_) | ScheduleError::NotAfterPrevious { row: 2 }),
                "{e:?}"
            ),
        }
    }

    /// FIFO never invents or loses money: the open amounts add up to what is unpaid, and
    /// only the first instalment still touched can be partly paid (all before it are
    /// settled, all after it untouched).
    #[test]
    fn open_amounts_add_up_to_the_unpaid_rest(
        parts in prop::collection::vec(1i64..1_000_000, 1..40),
        paid_permille in 0i64..=1000,
    ) {
        let inv = day(2026, 1, 1);
        let rows: Vec<_> = parts.iter().enumerate()
            .map(|(k, &m)| row(inv + chrono::Days::new(30 * k as u64), m)).collect();
        let total: i64 = parts.iter().sum();
        let s = Schedule::parse(rows, cny(total), inv).unwrap();
        let paid = total * paid_permille / 1000;
        let open: Vec<i64> = s.open_amounts(cny(paid)).iter().map(Money::minor).collect();
        prop_assert_eq!(open.iter().sum::<i64>(), total - paid);
        let touched = open.iter().zip(&parts).position(|(o, p)| o == p).unwrap_or(open.len());
        prop_assert!(open[..touched.saturating_sub(1)].iter().all(|&o| o == 0));
    }
}
