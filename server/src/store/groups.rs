//! `app::store::GroupStore` for both backends: customer groups. Expanded once per backend
//! by `impl_store!`; the SQL is shared (see `store/mod.rs`). Membership is written with
//! the credit file (`ledger::insert_customers_tx`, `customers::patch_customer_tx`), which
//! resolve a group code with `group_for`; a group opened for a customer is joined in the
//! same transaction, so a refused join leaves no group behind.

/// Members' exposure per group at $2 (bank bills counted when $3): open invoices + open
/// orders + bills at risk − unallocated credits, as the credit check counts it.
pub(crate) fn group_exposure() -> String {
    format!(
        "SELECT c.group_id, COUNT(*) AS members, \
         CAST(SUM(b.open_invoices_minor + b.open_orders_minor - b.unallocated_minor + {}) AS BIGINT) AS exposure_minor \
         FROM customers c JOIN customer_balances b ON b.customer_id = c.id \
         WHERE c.group_id IS NOT NULL GROUP BY c.group_id",
        super::bills::at_risk("c.id")
    )
}

macro_rules! groups_impl {
    ($store:ty, $db:ty) => {
        /// The id of the group `code` for a customer billed in `currency`, or a refusal
        /// naming `group_code`: no such group, or the customer's currency is not the
        /// group's.
        async fn group_for(
            tx: &mut Tx,
            code: &app::domain::customer::CustomerCode,
            currency: app::domain::money::Currency,
        ) -> Result<i64, app::store::StoreError> {
            use sqlx::Row;
            let row = sqlx::query("SELECT id, currency FROM customer_groups WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut **tx)
                .await
                .map_err($crate::store::db_err)?
                .ok_or_else(|| $crate::store::ledger::rejected("group_code", format!("no customer group {code}")))?;
            let group_currency = currency_of(&row)?;
            if group_currency != currency {
                return Err($crate::store::ledger::rejected(
                    "group_code",
                    format!("group {code} is kept in {}; a customer billed in {} cannot join it", group_currency.code(), currency.code()),
                ));
            }
            row.try_get("id").map_err($crate::store::db_err)
        }

        #[async_trait::async_trait]
        impl app::store::GroupStore for $store {
            async fn create_group(
                &self,
                group: &app::domain::groups::NewGroup,
                member: Option<i64>,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO customer_groups (code, name, limit_minor, currency, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(group.code.as_str())
                .bind(&group.name)
                .bind(group.limit.minor())
                .bind(group.limit.currency().code())
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                let mut e = app::store::AuditEntry::new("customer_group", group.code.as_str(), "create");
                e.after = Some(serde_json::to_string(group).map_err($crate::store::corrupt)?);
                chain.push(e);
                if let Some(customer) = member {
                    let join = app::domain::documents::CustomerPatch { group: Some(Some(group.code.clone())), ..Default::default() };
                    patch_customer_tx(&mut tx, &mut chain, customer, &join).await?;
                }
                chain.answer(self.claim.as_ref(), app::store::Written::Group(group))?;
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn update_group(
                &self,
                code: &app::domain::customer::CustomerCode,
                patch: &app::domain::groups::GroupPatch,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::domain::groups::GroupRow, app::store::StoreError> {
                use sqlx::Row;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let before = sqlx::query("SELECT name, limit_minor FROM customer_groups WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .ok_or(app::store::StoreError::NotFound)?;
                let was: (String, i64) = (text(&before, "name")?, before.try_get("limit_minor").map_err($crate::store::db_err)?);
                let now_is = (
                    patch.name.clone().unwrap_or_else(|| was.0.clone()),
                    patch.limit.map_or(was.1, |l| l.minor()),
                );
                sqlx::query("UPDATE customer_groups SET name = $2, limit_minor = $3 WHERE code = $1")
                    .bind(code.as_str())
                    .bind(&now_is.0)
                    .bind(now_is.1)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                let terms = |(name, limit): &(String, i64)| serde_json::json!({ "name": name, "limit_minor": limit }).to_string();
                let mut e = app::store::AuditEntry::new("customer_group", code.as_str(), "update");
                e.before = Some(terms(&was));
                e.after = Some(terms(&now_is));
                chain.push(e);
                commit(tx, chain).await?;
                self.groups(Some(code), app::domain::business_date(now)).await?.pop().ok_or(app::store::StoreError::NotFound)
            }

            async fn groups(
                &self,
                only: Option<&app::domain::customer::CustomerCode>,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::groups::GroupRow>, app::store::StoreError> {
                use app::domain::money::Money;
                use sqlx::Row;
                let sql = format!(
                    "SELECT g.code, g.name, g.limit_minor, g.currency, COALESCE(x.members, 0) AS members, \
                     COALESCE(x.exposure_minor, 0) AS exposure_minor \
                     FROM customer_groups g LEFT JOIN ({}) x ON x.group_id = g.id \
                     WHERE g.code = COALESCE($1, g.code) ORDER BY g.code",
                    $crate::store::groups::group_exposure()
                );
                let bank_bills = $crate::store::ledger::bank_bills_in_exposure(self).await?;
                let rows = sqlx::query(&sql)
                    .bind(only.map(|c| c.as_str()))
                    .bind(as_of)
                    .bind(bank_bills)
                    .fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let cur = currency_of(r)?;
                        let minor = |c: &str| r.try_get::<i64, _>(c).map_err($crate::store::db_err);
                        Ok(app::domain::groups::GroupRow {
                            code: code_of(r)?,
                            name: text(r, "name")?,
                            limit: Money::from_minor(minor("limit_minor")?, cur),
                            exposure: Money::from_minor(minor("exposure_minor")?, cur),
                            members: minor("members")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use groups_impl;
