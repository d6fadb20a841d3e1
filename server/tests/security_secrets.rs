//! Secrets at rest (issue 21, section 3), on SQLite and on PostgreSQL: what finance types
//! into the notification settings never reaches the database files in clear, and a key
//! rotation carries every sealed value over. Test names
//! carry the ASVS 4.0.3 item they prove.
mod common;

use app::domain::notify::{NOTIFY_SMTP_SETTING, NOTIFY_WEBHOOKS_SETTING};
use app::store::AuditQuery;
use common::{contains, raw_bytes, test_now, with_dbs};

const PASSWORD: &str = "smtp-pw-8f3a1c";
const SECRET: &str = "hook-secret-77d2e9";
const TOKEN: &str = "robot-token-5b0c4a";

fn smtp() -> String {
    format!(
        r#"{{"host":"smtp.example.com","port":"587","tls":"starttls","username":"ar","password":"{PASSWORD}","from":"ar@example.com"}}"#
    )
}

fn hooks() -> String {
    format!(
        r#"[{{"key":"ops","kind":"generic","url":"https://h.example.com/x","secret":"{SECRET}"}},{{"key":"ding","kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}","secret":""}}]"#
    )
}

/// What PostgreSQL keeps of the settings: their values and the audit trail's.
const SETTINGS_ROWS: &str = "SELECT value FROM settings UNION ALL SELECT COALESCE(before, '') || COALESCE(after, '') FROM audit_log";

#[tokio::test]
async fn asvs_6_1_1_notification_secrets_are_sealed_in_the_database_files() {
    with_dbs(|db| async move {
        let store = db.store().await;
        store
            .set_setting(NOTIFY_SMTP_SETTING, &smtp(), "liu.fang", test_now())
            .await
            .unwrap();
        store
            .set_setting(NOTIFY_WEBHOOKS_SETTING, &hooks(), "liu.fang", test_now())
            .await
            .unwrap();
        // Readers get them back as typed.
        assert_eq!(
            store.setting(NOTIFY_SMTP_SETTING).await.unwrap(),
            Some(smtp())
        );
        assert_eq!(
            store.setting(NOTIFY_WEBHOOKS_SETTING).await.unwrap(),
            Some(hooks())
        );
        // The files do not hold them, nor does the audit trail.
        let raw = raw_bytes(&db, SETTINGS_ROWS).await;
        for secret in [PASSWORD, SECRET, TOKEN] {
            assert!(
                !contains(&raw, secret),
                "{secret} is in the database in clear"
            );
        }
        assert!(
            contains(&raw, "smtp.example.com"),
            "the masked audit row names the host"
        );
        let trail = store
            .audit_trail(&AuditQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(trail.iter().any(|r| r
            .entry
            .after
            .as_deref()
            .is_some_and(|a| a.contains("robot/send?***"))));
        db
    })
    .await;
}

#[tokio::test]
async fn asvs_6_1_1_secrets_written_before_sealing_are_sealed_at_the_next_start() {
    with_dbs(|db| async move {
        drop(db.store().await);
        db.exec(&format!("INSERT INTO settings (key, value) VALUES ('{NOTIFY_SMTP_SETTING}', '{}')", smtp()))
            .await;
        let store = db.store().await;
        let sealed = db.count(&format!("SELECT COUNT(*) FROM settings WHERE value LIKE 'v1:%' AND key = '{NOTIFY_SMTP_SETTING}'")).await;
        assert_eq!(sealed, 1);
        assert_eq!(store.setting(NOTIFY_SMTP_SETTING).await.unwrap(), Some(smtp()));
        db
    })
    .await;
}

#[tokio::test]
async fn asvs_6_4_2_a_key_rotation_reseals_secrets_and_customer_fields_and_rekeys_the_trail() {
    use app::domain::pii::{BankAccount, CustomerPii};
    use server::store::{connect, rotate_master_key, DatabaseUrl};
    use server::vault::MasterKey;
    with_dbs(|db| async move {
        let store = db.store().await;
        store
            .set_setting(NOTIFY_SMTP_SETTING, &smtp(), "liu.fang", test_now())
            .await
            .unwrap();
        let customer = common::seed_customer(store.as_ref(), "R1").await;
        let account = BankAccount::parse("62220212345678").unwrap();
        let pii = CustomerPii {
            bank_account: Some(account.clone()),
            ..Default::default()
        };
        store
            .set_customer_pii(customer, &pii, "liu.fang", test_now())
            .await
            .unwrap();
        drop(store);
        let url = DatabaseUrl::parse(&db.url).unwrap();
        let new = MasterKey::from_bytes([0x77; 32]);
        let rows = rotate_master_key(&url, &common::test_key(), &new)
            .await
            .unwrap();
        assert_eq!(
            rows, 3,
            "the setting, the customer, its fields: all audited"
        );
        let store = connect(&url, &new).await.unwrap();
        assert_eq!(
            store.setting(NOTIFY_SMTP_SETTING).await.unwrap(),
            Some(smtp())
        );
        assert_eq!(store.customer_pii(customer).await.unwrap(), pii);
        let found = store.customers_with_bank_account(&account).await.unwrap();
        assert_eq!(found, vec![customer], "the blind index moved with the key");
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
        assert!(
            connect(&url, &common::test_key()).await.is_err(),
            "the old key no longer opens it"
        );
        db
    })
    .await;
}
