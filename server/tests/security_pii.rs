//! A customer's sensitive fields (issue 21, section 3), end to end: sealed in the
//! database files, found by bank account through the blind index, masked for everyone
//! by default, unmasked only for `pii:read` (role or API key) and then audited. Test
//! names carry the ASVS 4.0.3 item they prove.
mod common;

use app::domain::pii::{BankAccount, PiiDraft};
use app::store::AuditQuery;
use common::{
    add_user, contains, raw_bytes, spawn_app, test_now, two_reps_with_customers, with_dbs,
};

const ID_NUMBER: &str = "11010519491231002X";
const ACCOUNT: &str = "6222021234567890123";

fn draft() -> PiiDraft {
    PiiDraft {
        legal_rep_name: "张三丰".into(),
        legal_rep_id_number: ID_NUMBER.into(),
        bank_name: "中国工商银行厦门分行".into(),
        bank_account: "6222 0212 3456 7890 123".into(),
    }
}

/// What PostgreSQL keeps of the fields: the table and the audit trail.
const PII_ROWS: &str = "SELECT concat_ws('|', legal_rep_name, legal_rep_id_number, bank_name, bank_account, bank_account_index) FROM customer_pii \
             UNION ALL SELECT COALESCE(before, '') || COALESCE(after, '') FROM audit_log";

#[tokio::test]
async fn asvs_6_1_1_customer_pii_is_sealed_in_the_database_and_found_by_blind_index() {
    with_dbs(|db| async move {
        let store = db.store().await;
        let customer = common::seed_customer(store.as_ref(), "P1").await;
        let pii = draft().parse().unwrap();
        store.set_customer_pii(customer, &pii, "liu.fang", test_now()).await.unwrap();
        assert_eq!(store.customer_pii(customer).await.unwrap(), pii);
        let account = BankAccount::parse(ACCOUNT).unwrap();
        assert_eq!(store.customers_with_bank_account(&account).await.unwrap(), vec![customer]);
        let other = BankAccount::parse("6222021234567890124").unwrap();
        assert!(store.customers_with_bank_account(&other).await.unwrap().is_empty());
        let raw = raw_bytes(&db, PII_ROWS).await;
        for clear in [ID_NUMBER, ACCOUNT, "张三丰", "中国工商银行"] {
            assert!(!contains(&raw, clear), "{clear} is in the database in clear");
        }
        assert!(contains(&raw, "***************0123"), "the audit row keeps the masked account");
        // A sealed value moved to another customer's row does not open there.
        let second = common::seed_customer(store.as_ref(), "P2").await;
        store.set_customer_pii(second, &Default::default(), "liu.fang", test_now()).await.unwrap();
        db.exec(&format!(
            "UPDATE customer_pii SET bank_account = (SELECT bank_account FROM customer_pii WHERE customer_id = {customer}) WHERE customer_id = {second}"
        ))
        .await;
        assert!(store.customer_pii(second).await.is_err());
        db
    })
    .await;
}

#[tokio::test]
async fn asvs_8_3_1_pii_is_masked_unless_the_role_may_read_it_and_each_unmasked_read_is_audited() {
    let app = spawn_app().await;
    let (a1, _) = two_reps_with_customers(&app).await;
    add_user(
        app.store.as_ref(),
        "fin",
        app::domain::auth::Role::Finance,
        "password-fin",
    )
    .await;
    app.store
        .set_customer_pii(a1, &draft().parse().unwrap(), "test", test_now())
        .await
        .unwrap();
    let id = a1.to_string();
    let masked_q = [("customer_id", id.as_str()), ("reveal", "false")];
    let reveal_q = [("customer_id", id.as_str()), ("reveal", "true")];
    let reads = || async {
        let q = AuditQuery {
            entity: Some("customer".into()),
            limit: 100,
            ..Default::default()
        };
        let trail = app.store.audit_trail(&q).await.unwrap();
        trail
            .into_iter()
            .filter(|r| r.entry.action == "read_pii")
            .map(|r| r.actor)
            .collect::<Vec<_>>()
    };

    let rep = app.client();
    app.login(&rep, "rep.a", "password-a").await;
    let masked: serde_json::Value = app
        .call(&rep, "customer_pii", &masked_q)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        masked["view"]["legal_rep_id_number"], "**************002X",
        "{masked}"
    );
    assert_eq!(
        (
            masked["view"]["masked"].as_bool(),
            masked["can_reveal"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(
        app.call(&rep, "customer_pii", &reveal_q).await.status(),
        403
    );

    let fin = app.client();
    app.login(&fin, "fin", "password-fin").await;
    let masked: serde_json::Value = app
        .call(&fin, "customer_pii", &masked_q)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(masked["view"]["bank_account"], "***************0123");
    assert!(
        reads().await.is_empty(),
        "a masked read is not an unmasked one"
    );
    let clear: serde_json::Value = app
        .call(&fin, "customer_pii", &reveal_q)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clear["view"]["legal_rep_id_number"], ID_NUMBER);
    assert_eq!(clear["view"]["bank_account"], ACCOUNT);
    assert_eq!(reads().await, ["fin"]);

    // A wrong ID number is named, and nothing changes.
    let bad = [
        ("customer_id", id.as_str()),
        ("draft[legal_rep_id_number]", "110105194912310021"),
    ];
    let answer: serde_json::Value = app
        .call(&fin, "save_customer_pii", &bad)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["Invalid"][0]["field"], "legal_rep_id_number",
        "{answer}"
    );
    assert_eq!(
        app.store.customer_pii(a1).await.unwrap(),
        draft().parse().unwrap()
    );
}

#[tokio::test]
async fn asvs_8_3_1_the_api_unmasks_pii_only_for_a_pii_read_key_and_audits_it() {
    let app = spawn_app().await;
    let (a1, _) = two_reps_with_customers(&app).await;
    app.store
        .set_customer_pii(a1, &draft().parse().unwrap(), "test", test_now())
        .await
        .unwrap();
    let request = |scopes| server::api_keys::KeyRequest {
        name: if scopes == "read" { "erp" } else { "kyc" },
        scopes,
        admin: false,
        expires_in_days: None,
        rate_per_minute: None,
    };
    let plain = server::api_keys::create(app.store.as_ref(), request("read"), test_now())
        .await
        .unwrap();
    let pii = server::api_keys::create(app.store.as_ref(), request("read,pii:read"), test_now())
        .await
        .unwrap();
    let get = |key: String| {
        let url = app.url("/api/v1/customers/A1");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let masked = get(plain).await;
    assert_eq!(
        masked["pii"]["bank_account"], "***************0123",
        "{masked}"
    );
    let clear = get(pii).await;
    assert_eq!(
        (
            clear["pii"]["bank_account"].as_str(),
            clear["pii"]["masked"].as_bool()
        ),
        (Some(ACCOUNT), Some(false))
    );
    let q = AuditQuery {
        entity: Some("customer".into()),
        entity_key: Some("A1".into()),
        limit: 10,
        ..Default::default()
    };
    let trail = app.store.audit_trail(&q).await.unwrap();
    let readers: Vec<_> = trail
        .iter()
        .filter(|r| r.entry.action == "read_pii")
        .map(|r| r.actor.as_str())
        .collect();
    assert_eq!(readers, ["api:kyc"]);
}
