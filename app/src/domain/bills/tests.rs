use super::lifecycle::{discount_interest, BillState, Dates, Step, StepError};
use super::*;
use crate::domain::money::{Currency, Money};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn input() -> BillInput {
    BillInput {
        number: "1302 5810 0000 1202 6011 5000 1234 56".into(),
        customer_code: "erp-1001".into(),
        kind: BillKind::Bank,
        medium: Medium::Electronic,
        acceptor: "中国工商银行长沙分行".into(),
        face_amount: "500000.00".into(),
        issued_on: "2026-01-15".into(),
        received_on: "2026-01-20".into(),
        matures_on: "2026-07-15".into(),
        allocations: None,
    }
}

fn fields(r: Result<NewBill, Vec<FieldError>>) -> Vec<String> {
    r.unwrap_err().into_iter().map(|e| e.field).collect()
}

#[test]
fn a_bill_is_parsed_with_its_number_as_digits() {
    let b = input().parse().unwrap();
    assert_eq!(b.number, "130258100000120260115000123456");
    assert_eq!(b.customer_code.as_str(), "ERP-1001");
    assert_eq!(b.allocation, AllocationRequest::Fifo);
    assert_eq!(b.face_amount, Decimal::new(500_000_00, 2));
}

#[test]
fn every_bad_field_is_named_at_once() {
    let bad = BillInput {
        number: "12345".into(),
        acceptor: " ".into(),
        face_amount: "0".into(),
        issued_on: "2026-13-01".into(),
        ..input()
    };
    assert_eq!(
        fields(bad.parse()),
        ["number", "acceptor", "face_amount", "issued_on"]
    );
    let paper = BillInput {
        medium: Medium::Paper,
        ..input()
    };
    let e = paper.parse().unwrap_err();
    assert_eq!(
        e[0].message,
        "'1302 5810 0000 1202 6011 5000 1234 56' is not a paper bill number: 16 digits"
    );
}

#[test]
fn dates_run_issue_then_receipt_then_maturity_within_the_legal_term() {
    let at = |i: &str, r: &str, m: &str, medium| BillInput {
        issued_on: i.into(),
        received_on: r.into(),
        matures_on: m.into(),
        medium,
        number: if medium == Medium::Paper {
            "1234567890123456".into()
        } else {
            input().number
        },
        ..input()
    };
    let e = Medium::Electronic;
    assert_eq!(
        fields(at("2026-01-15", "2026-01-14", "2026-07-15", e).parse()),
        ["received_on"]
    );
    assert_eq!(
        fields(at("2026-01-15", "2026-07-15", "2026-07-15", e).parse()),
        ["matures_on"]
    );
    assert!(
        at("2026-01-15", "2026-01-15", "2027-01-15", e)
            .parse()
            .is_ok(),
        "a year electronic"
    );
    assert_eq!(
        fields(at("2026-01-15", "2026-01-15", "2027-01-16", e).parse()),
        ["matures_on"]
    );
    assert!(at("2026-01-15", "2026-01-15", "2026-07-15", Medium::Paper)
        .parse()
        .is_ok());
    let long = at("2026-01-15", "2026-01-15", "2026-07-16", Medium::Paper)
        .parse()
        .unwrap_err();
    assert_eq!(
        long[0].message,
        "is more than 6 months after issue, the longest a paper bill may run"
    );
}

#[test]
fn allocations_are_a_payments_and_never_exceed_the_face() {
    let line = |n: &str, a: &str| AllocationInput {
        invoice_number: n.into(),
        amount: a.into(),
    };
    let over = BillInput {
        allocations: Some(vec![line("INV-1", "400000"), line("INV-1", "100000.01")]),
        ..input()
    };
    let e = over.parse().unwrap_err();
    let named: Vec<_> = e
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        named,
        [
            (
                "allocations[1].invoice_number",
                "invoice INV-1 appears twice"
            ),
            (
                "allocations",
                "allocations total 500000.01, more than the face amount 500000.00"
            ),
        ]
    );
}

fn dates(last_on: NaiveDate) -> Dates {
    Dates {
        matures_on: day(7, 15),
        last_on,
    }
}

#[test]
fn the_lifecycle_only_moves_forward_and_in_date_order() {
    use BillState::*;
    let received = dates(day(1, 20));
    assert_eq!(Held.apply(Step::Endorse, day(3, 1), received), Ok(Endorsed));
    assert_eq!(
        Held.apply(Step::Discount, day(3, 1), received),
        Ok(Discounted)
    );
    assert_eq!(
        Held.apply(Step::Collect, day(7, 15), received),
        Ok(Collected)
    );
    assert_eq!(
        Held.apply(Step::Dishonour, day(7, 16), received),
        Ok(Dishonoured)
    );
    // Recourse: an endorsee or a discounting bank that is refused claims from the dealer.
    assert_eq!(
        Endorsed.apply(Step::Dishonour, day(7, 16), dates(day(3, 1))),
        Ok(Dishonoured)
    );
    assert_eq!(
        Discounted.apply(Step::Dishonour, day(7, 16), dates(day(3, 1))),
        Ok(Dishonoured)
    );
    for (state, step) in [
        (Endorsed, Step::Collect),
        (Collected, Step::Dishonour),
        (Dishonoured, Step::Collect),
        (Discounted, Step::Endorse),
    ] {
        assert_eq!(
            state.apply(step, day(8, 1), dates(day(3, 1))),
            Err(StepError::NotFrom(state, step))
        );
    }
    assert_eq!(
        Endorsed
            .apply(Step::Dishonour, day(2, 1), dates(day(3, 1)))
            .unwrap_err()
            .to_string(),
        "2026-02-01 is before 2026-03-01, the bill's receipt or its last step"
    );
    assert_eq!(
        Held.apply(Step::Collect, day(7, 14), received)
            .unwrap_err()
            .to_string(),
        "the bill matures on 2026-07-15; it cannot be collected before"
    );
    assert_eq!(
        Held.apply(Step::Discount, day(7, 15), received)
            .unwrap_err()
            .to_string(),
        "the bill matured on 2026-07-15; it can no longer be discounted"
    );
    assert_eq!(
        Collected
            .apply(Step::Dishonour, day(8, 1), received)
            .unwrap_err()
            .to_string(),
        "a collected bill cannot be dishonoured"
    );
}

#[test]
fn discount_interest_is_the_rate_over_the_days_left_on_a_360_day_year() {
    let face = Money::from_minor(500_000_00, Currency::CNY);
    // 500,000 × 1.8 % × 136 / 360 = 3,400.00
    let i = discount_interest(face, Decimal::new(18, 1), day(3, 1), day(7, 15));
    assert_eq!(i, Money::from_minor(3_400_00, Currency::CNY));
    // 100.00 × 1.5 % × 1 / 360 = 0.0041… → 0.00; 100.00 × 1.8 % / 360 is exactly half a
    // fen, which rounds away from zero.
    let small = Money::from_minor(100_00, Currency::CNY);
    assert_eq!(
        discount_interest(small, Decimal::new(15, 1), day(7, 14), day(7, 15)).minor(),
        0
    );
    assert_eq!(
        discount_interest(small, Decimal::new(18, 1), day(7, 14), day(7, 15)).minor(),
        1,
        "0.5 fen"
    );
}

#[test]
fn states_and_steps_are_stored_by_their_wire_names() {
    use BillState::*;
    for s in [Held, Endorsed, Discounted, Collected, Dishonoured] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    use Step::*;
    for s in [Endorse, Discount, Collect, Dishonour] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for k in [BillKind::Bank, BillKind::Commercial] {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for m in [Medium::Electronic, Medium::Paper] {
        assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
    }
}

#[test]
fn the_cockpit_card_nests_its_windows_and_keeps_passed_on_bills_apart() {
    use super::in_hand::{in_hand, BillAt, Tally};
    use BillState::*;
    let cny = |yuan: i64| Money::from_minor(yuan * 100, Currency::CNY);
    let bill = |state, m, d, yuan| BillAt {
        state,
        matures_on: day(m, d),
        face: cny(yuan),
    };
    let bills = [
        bill(Held, 3, 1, 1),   // matures on as_of: no longer in hand
        bill(Held, 3, 31, 10), // day 30
        bill(Held, 4, 1, 20),  // day 31
        bill(Held, 5, 30, 40), // day 90
        bill(Held, 5, 31, 80), // day 91
        bill(Endorsed, 4, 15, 160),
        bill(Discounted, 2, 28, 320), // matured: the bank was paid
        bill(Collected, 6, 1, 640),
        bill(Dishonoured, 6, 1, 1280),
    ];
    let card = in_hand(day(3, 1), Currency::CNY, &bills).unwrap();
    let tally = |count, yuan| Tally {
        count,
        face: cny(yuan),
    };
    assert_eq!(card.held, tally(4, 150));
    assert_eq!(card.maturing, [tally(1, 10), tally(2, 30), tally(3, 70)]);
    assert_eq!(card.passed_on, tally(1, 160));
    let usd = BillAt {
        face: Money::from_minor(1, Currency::USD),
        ..bills[1]
    };
    let mixed = in_hand(day(3, 1), Currency::CNY, &[bills[1], usd, usd]).unwrap();
    assert_eq!(
        (mixed.held, mixed.unconverted),
        (tally(1, 10), vec![Currency::USD])
    );
}
