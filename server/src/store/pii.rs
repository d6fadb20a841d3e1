//! `app::store::PiiStore` for both backends: a customer's sensitive fields, sealed at
//! rest (see `app::store::PiiStore` for the invariants). Expanded once per backend by
//! `impl_store!`; the SQL is shared (see `store/mod.rs`).

/// The sealed columns, in the order `PiiColumns` holds them.
pub(crate) const COLUMNS: [&str; 4] = [
    "legal_rep_name",
    "legal_rep_id_number",
    "bank_name",
    "bank_account",
];

/// Where a value lives, the associated data of its seal: a value copied to another
/// column or customer does not open there.
pub(crate) fn place(column: &str, customer_id: i64) -> String {
    format!("customer_pii.{column}:{customer_id}")
}

/// The blind index of an account number (`Keyring::blind_index`).
pub(crate) fn account_index(keys: &crate::vault::Keyring, account: &str) -> String {
    keys.blind_index("customer_pii.bank_account", account)
}

/// The fields as four optional clear strings, in `COLUMNS` order.
pub(crate) fn clear_values(p: &app::domain::pii::CustomerPii) -> [Option<String>; 4] {
    [
        p.legal_rep_name.clone(),
        p.legal_rep_id_number
            .as_ref()
            .map(|v| v.as_str().to_string()),
        p.bank_name.clone(),
        p.bank_account.as_ref().map(|v| v.as_str().to_string()),
    ]
}

/// Back from clear strings; a stored value that no longer parses is corrupt.
pub(crate) fn from_values(
    v: [Option<String>; 4],
) -> Result<app::domain::pii::CustomerPii, app::store::StoreError> {
    use app::domain::pii::{BankAccount, ResidentId};
    let [legal_rep_name, id, bank_name, account] = v;
    Ok(app::domain::pii::CustomerPii {
        legal_rep_name,
        legal_rep_id_number: id
            .map(|s| ResidentId::parse(&s))
            .transpose()
            .map_err(crate::store::corrupt)?,
        bank_name,
        bank_account: account
            .map(|s| BankAccount::parse(&s))
            .transpose()
            .map_err(crate::store::corrupt)?,
    })
}

macro_rules! pii_impl {
    ($store:ty, $db:ty) => {
        /// The stored (sealed) values of one customer, in `COLUMNS` order.
        async fn sealed_pii<'e>(
            ex: impl sqlx::Executor<'e, Database = $db>,
            customer_id: i64,
        ) -> Result<Option<[Option<String>; 4]>, app::store::StoreError> {
            use sqlx::Row;
            let row = sqlx::query("SELECT legal_rep_name, legal_rep_id_number, bank_name, bank_account FROM customer_pii WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(ex)
                .await
                .map_err($crate::store::db_err)?;
            row.map(|r| {
                let get = |c: &str| r.try_get::<Option<String>, _>(c).map_err($crate::store::db_err);
                Ok([get("legal_rep_name")?, get("legal_rep_id_number")?, get("bank_name")?, get("bank_account")?])
            })
            .transpose()
        }

        /// Writes one customer's clear values sealed under `keys` (an upsert).
        async fn write_pii(
            tx: &mut Tx,
            keys: &$crate::vault::Keyring,
            customer_id: i64,
            clear: &[Option<String>; 4],
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            use $crate::store::pii::{account_index, place, COLUMNS};
            let sealed: Vec<Option<String>> = COLUMNS
                .iter()
                .zip(clear)
                .map(|(c, v)| v.as_ref().map(|v| keys.seal.seal(v, &place(c, customer_id))))
                .collect();
            sqlx::query(
                "INSERT INTO customer_pii (customer_id, legal_rep_name, legal_rep_id_number, bank_name, bank_account, bank_account_index, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id) DO UPDATE SET \
                 legal_rep_name = excluded.legal_rep_name, legal_rep_id_number = excluded.legal_rep_id_number, \
                 bank_name = excluded.bank_name, bank_account = excluded.bank_account, \
                 bank_account_index = excluded.bank_account_index, updated_at = excluded.updated_at",
            )
            .bind(customer_id)
            .bind(&sealed[0])
            .bind(&sealed[1])
            .bind(&sealed[2])
            .bind(&sealed[3])
            .bind(clear[3].as_deref().map(|a| account_index(keys, a)))
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            Ok(())
        }

        fn open_pii(
            keys: &$crate::vault::Keyring,
            customer_id: i64,
            sealed: [Option<String>; 4],
        ) -> Result<[Option<String>; 4], app::store::StoreError> {
            let mut clear: [Option<String>; 4] = Default::default();
            for ((out, column), value) in clear.iter_mut().zip($crate::store::pii::COLUMNS).zip(sealed) {
                *out = value
                    .map(|v| keys.seal.open(&v, &$crate::store::pii::place(column, customer_id)))
                    .transpose()
                    .map_err(|e| app::store::StoreError::Other(format!("customer {customer_id} {column}: {e}")))?;
            }
            Ok(clear)
        }

        /// Re-seals every customer's fields under `new` (a key rotation), inside the
        /// caller's transaction.
        async fn reseal_pii(tx: &mut Tx, old: &$crate::vault::Keyring, new: &$crate::vault::Keyring) -> Result<(), String> {
            let ids: Vec<i64> = sqlx::query_scalar("SELECT customer_id FROM customer_pii ORDER BY customer_id")
                .fetch_all(&mut **tx)
                .await
                .map_err(|e| format!("re-sealing customer fields: {}", $crate::store::db_err(e)))?;
            let now = chrono::Utc::now();
            for id in ids {
                let err = |e: app::store::StoreError| format!("re-sealing customer {id}'s fields: {e}");
                let sealed = sealed_pii(&mut **tx, id).await.map_err(err)?.unwrap_or_default();
                let clear = open_pii(old, id, sealed).map_err(err)?;
                write_pii(tx, new, id, &clear, now).await.map_err(err)?;
            }
            Ok(())
        }

        #[async_trait::async_trait]
        impl app::store::PiiStore for $store {
            async fn set_customer_pii(
                &self,
                customer_id: i64,
                pii: &app::domain::pii::CustomerPii,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let code: Option<String> = sqlx::query_scalar("SELECT code FROM customers WHERE id = $1")
                    .bind(customer_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                let code = code.ok_or(app::store::StoreError::NotFound)?;
                let before = match sealed_pii(&mut *tx, customer_id).await? {
                    Some(sealed) => $crate::store::pii::from_values(open_pii(&self.keys, customer_id, sealed)?)?,
                    None => Default::default(),
                };
                write_pii(&mut tx, &self.keys, customer_id, &$crate::store::pii::clear_values(pii), chain.at).await?;
                let mut e = app::store::AuditEntry::new("customer", code, "update_pii");
                e.before = Some(before.audit_summary());
                e.after = Some(pii.audit_summary());
                chain.push(e);
                commit(tx, chain).await
            }

            async fn customer_pii(&self, customer_id: i64) -> Result<app::domain::pii::CustomerPii, app::store::StoreError> {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE id = $1")
                    .bind(customer_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                exists.ok_or(app::store::StoreError::NotFound)?;
                match sealed_pii(&self.pool, customer_id).await? {
                    Some(sealed) => $crate::store::pii::from_values(open_pii(&self.keys, customer_id, sealed)?),
                    None => Ok(Default::default()),
                }
            }

            async fn customers_with_bank_account(
                &self,
                account: &app::domain::pii::BankAccount,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                sqlx::query_scalar("SELECT customer_id FROM customer_pii WHERE bank_account_index = $1 ORDER BY customer_id")
                    .bind($crate::store::pii::account_index(&self.keys, account.as_str()))
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }
        }
    };
}
pub(crate) use pii_impl;
