use super::*;
use crate::domain::money::Currency;

fn input(name: &str, industry: &str, region: &str, category: &str, overdue: &str) -> PolicyInput {
    PolicyInput {
        name: name.into(),
        industry: industry.into(),
        region: region.into(),
        product_category: category.into(),
        terms_days: "60".into(),
        block_overdue_days: overdue.into(),
        max_temp_limit_pct: "50".into(),
        on_breach: OnBreach::Hold,
    }
}

fn book() -> Policies {
    let rows = [
        input("default", "", "", "", "90"),
        input("华中", "", "华中", "", "60"),
        input("矿山", "mining", "", "", "45"),
        input("矿山·华中", "mining", "华中", "", "40"),
        input("挖掘机", "", "", "excavator", "30"),
        input("挖掘机·矿山·华中", "mining", "华中", "excavator", "15"),
    ];
    Policies::parse(rows.iter().map(|r| r.parse().unwrap()).collect()).unwrap()
}

fn winner(industry: &str, region: &str, category: Option<&str>) -> String {
    let order = OrderContext {
        industry,
        region,
        product_category: category,
    };
    book().for_order(&order).name.clone()
}

#[test]
fn the_most_specific_matching_policy_wins() {
    // (customer type, region, category) → the policy the order meets
    let table = [
        ("construction", "华东", None, "default"),
        ("construction", "华中", None, "华中"),
        ("Mining", "华东", None, "矿山"),
        ("mining", " 华中 ", None, "矿山·华中"),
        ("construction", "华中", Some("excavator"), "挖掘机"),
        ("mining", "华东", Some("EXCAVATOR"), "挖掘机"),
        ("mining", "华中", Some("excavator"), "挖掘机·矿山·华中"),
        ("mining", "华中", Some("loader"), "矿山·华中"),
    ];
    for (industry, region, category, want) in table {
        assert_eq!(
            winner(industry, region, category),
            want,
            "{industry}/{region}/{category:?}"
        );
    }
}

#[test]
fn the_winner_sets_the_credit_checks_tolerance_and_temporary_limits() {
    let b = book();
    let p = b.for_order(&OrderContext {
        industry: "mining",
        region: "华中",
        product_category: None,
    });
    assert_eq!(p.credit_policy().overdue_days, 40);
    let cny = |y: i64| Money::from_minor(y * 100, Currency::CNY);
    assert!(p.allows_temp_limit(cny(100_000), cny(50_000)));
    assert!(!p.allows_temp_limit(cny(100_000), cny(50_001)));
}

#[test]
fn a_set_needs_one_default_and_one_policy_per_cell() {
    let parsed =
        |rows: &[PolicyInput]| Policies::parse(rows.iter().map(|r| r.parse().unwrap()).collect());
    let none = parsed(&[input("矿山", "mining", "", "", "45")]).unwrap_err();
    assert_eq!(none[0].field, "policies");
    assert!(none[0].message.contains("found 0"), "{}", none[0].message);
    let twice = parsed(&[
        input("default", "", "", "", "90"),
        input("矿山", "mining", "", "", "45"),
        input("矿山 again", " Mining ", "", "", "30"),
    ])
    .unwrap_err();
    assert_eq!(
        (twice[0].field.as_str(), twice[0].message.as_str()),
        (
            "policies[2]",
            "'矿山 again' applies to the same customers and products as '矿山'"
        )
    );
}

#[test]
fn bad_fields_are_each_named() {
    let bad = PolicyInput {
        name: "".into(),
        terms_days: "-1".into(),
        block_overdue_days: "thirty".into(),
        max_temp_limit_pct: "301".into(),
        ..input("x", "", "", "", "30")
    };
    let e = bad.parse().unwrap_err();
    let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "terms_days",
            "block_overdue_days",
            "max_temp_limit_pct"
        ]
    );
    assert_eq!(e[3].message, "'301' is not a whole number from 0 to 300");
}

#[test]
fn every_set_of_dimensions_has_its_own_specificity() {
    let mut seen = std::collections::BTreeSet::new();
    for mask in 0u8..8 {
        let on = |bit: u8| if mask & bit != 0 { "x" } else { "" };
        let p = input("p", on(2), on(1), on(4), "30").parse().unwrap();
        assert!(seen.insert(p.specificity()), "mask {mask}");
    }
    assert_eq!(seen.len(), 8);
}
