//! `app::store::IdentityStore` for both backends: users, sessions, API keys and reporting
//! lines. Expanded once per backend by `impl_store!`; the SQL is shared (see
//! `store/mod.rs`).
macro_rules! identity_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::IdentityStore for $store {
            async fn create_user(&self, u: app::store::NewUser, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(u.role.as_str())
                .bind(&u.password_hash)
                .bind(now)
                .fetch_one(&self.pool)
                .await
                .map_err($crate::store::db_err)
            }

            async fn user_credentials(&self, username: &str) -> Result<Option<app::store::UserCredentials>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT id, username, display_name, role, password_hash FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                let Some(row) = row else { return Ok(None) };
                let user = user_from_row(&row)?;
                let password_hash: String = row.try_get("password_hash").map_err($crate::store::db_err)?;
                Ok(Some(app::store::UserCredentials { user, password_hash }))
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: i64,
                now: chrono::DateTime<chrono::Utc>,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn session_user(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<app::domain::auth::User>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.display_name, u.role, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let Some(row) = row else { return Ok(None) };
                let expires_at: chrono::DateTime<chrono::Utc> = row.try_get("expires_at").map_err($crate::store::db_err)?;
                if expires_at <= now {
                    return Ok(None);
                }
                Ok(Some(user_from_row(&row)?))
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), app::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn create_api_key(&self, name: &str, key_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>("INSERT INTO api_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(name)
                    .bind(key_hash)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn grant_api_key_admin(&self, id: i64) -> Result<(), app::store::StoreError> {
                sqlx::query("UPDATE api_keys SET admin = $2 WHERE id = $1").bind(id).bind(true).execute(&self.pool).await.map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn api_key(&self, key_hash: &str) -> Result<Option<app::store::ApiKey>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT id, name, admin FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.map(|r| {
                    Ok(app::store::ApiKey {
                        id: r.try_get("id").map_err($crate::store::db_err)?,
                        name: r.try_get("name").map_err($crate::store::db_err)?,
                        admin: r.try_get("admin").map_err($crate::store::db_err)?,
                    })
                })
                .transpose()
            }

            async fn users_by_role(&self, role: app::domain::auth::Role) -> Result<Vec<app::domain::auth::User>, app::store::StoreError> {
                let rows = sqlx::query("SELECT id, username, display_name, role FROM users WHERE role = $1 ORDER BY id")
                    .bind(role.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(user_from_row).collect()
            }

            async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn list_users(&self) -> Result<Vec<app::domain::auth::User>, app::store::StoreError> {
                let rows = sqlx::query("SELECT id, username, display_name, role FROM users ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(user_from_row).collect()
            }

            async fn user_manager(&self, user_id: i64) -> Result<Option<i64>, app::store::StoreError> {
                let m: Option<Option<i64>> = sqlx::query_scalar("SELECT manager_id FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                m.ok_or(app::store::StoreError::NotFound)
            }

            async fn set_user_manager(&self, user_id: i64, manager_id: Option<i64>) -> Result<(), app::store::StoreError> {
                let n = sqlx::query("UPDATE users SET manager_id = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(manager_id)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 1 { Ok(()) } else { Err(app::store::StoreError::NotFound) }
            }
        }
    };
}
pub(crate) use identity_impl;
