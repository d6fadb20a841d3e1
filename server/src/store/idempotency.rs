//! `app::store::IdempotencyStore` for both backends: the REST API's Idempotency-Key
//! responses. Expanded once per backend by `impl_store!`; the SQL is shared (see
//! `store/mod.rs`).
macro_rules! idempotency_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::IdempotencyStore for $store {
            async fn stored_response(&self, api_key_id: i64, key: &str) -> Result<Option<app::store::StoredResponse>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT request_hash, status, body FROM idempotency_keys WHERE api_key_id = $1 AND key = $2")
                    .bind(api_key_id)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.map(|r| {
                    let status: i32 = r.try_get("status").map_err($crate::store::db_err)?;
                    Ok(app::store::StoredResponse {
                        request_hash: r.try_get("request_hash").map_err($crate::store::db_err)?,
                        status: u16::try_from(status).map_err($crate::store::corrupt)?,
                        body: r.try_get("body").map_err($crate::store::db_err)?,
                    })
                })
                .transpose()
            }

            async fn store_response(
                &self,
                api_key_id: i64,
                key: &str,
                response: &app::store::StoredResponse,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, app::store::StoreError> {
                let n = sqlx::query(
                    "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (api_key_id, key) DO NOTHING",
                )
                .bind(api_key_id)
                .bind(key)
                .bind(&response.request_hash)
                .bind(i32::from(response.status))
                .bind(&response.body)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err($crate::store::db_err)?
                .rows_affected();
                Ok(n == 1)
            }
        }
    };
}
pub(crate) use idempotency_impl;
