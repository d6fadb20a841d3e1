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
                let row = sqlx::query("SELECT id, username, display_name, role, password_hash FROM users WHERE username = $1 AND disabled_at IS NULL")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                let Some(row) = row else { return Ok(None) };
                let user = user_from_row(&row)?;
                let password_hash: String = row.try_get("password_hash").map_err($crate::store::db_err)?;
                Ok(Some(app::store::UserCredentials { user, password_hash }))
            }

            async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), app::store::StoreError> {
                let n = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(password_hash)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 1 { Ok(()) } else { Err(app::store::StoreError::NotFound) }
            }

            async fn set_user_disabled(&self, user_id: i64, at: Option<chrono::DateTime<chrono::Utc>>) -> Result<(), app::store::StoreError> {
                let mut tx = self.pool.begin().await.map_err($crate::store::db_err)?;
                let n = sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n != 1 {
                    return Err(app::store::StoreError::NotFound);
                }
                if at.is_some() {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::store::db_err)?;
                }
                tx.commit().await.map_err($crate::store::db_err)
            }

            async fn create_session(&self, s: &app::store::NewSession) -> Result<(), app::store::StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, address) \
                     VALUES ($1, $2, $3, $4, $3, $5, $6)",
                )
                .bind(&s.token_hash)
                .bind(s.user_id)
                .bind(s.created_at)
                .bind(s.expires_at)
                .bind(&s.user_agent)
                .bind(&s.address)
                .execute(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn session(&self, token_hash: &str) -> Result<Option<app::store::SessionRecord>, app::store::StoreError> {
                let row = sqlx::query(&format!("{} WHERE s.token_hash = $1", $crate::store::identity::SESSION_SELECT))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.as_ref().map(session_from_row).transpose()
            }

            async fn touch_session(&self, token_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                    .bind(token_hash)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn user_sessions(&self, user_id: i64) -> Result<Vec<app::store::SessionRecord>, app::store::StoreError> {
                let rows = sqlx::query(&format!("{} WHERE s.user_id = $1 ORDER BY s.last_seen_at DESC", $crate::store::identity::SESSION_SELECT))
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(session_from_row).collect()
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), app::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, app::store::StoreError> {
                Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user_id)
                    .bind(keep.unwrap_or(""))
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected())
            }

            async fn purge_sessions(&self, now: chrono::DateTime<chrono::Utc>, idle_before: chrono::DateTime<chrono::Utc>) -> Result<u64, app::store::StoreError> {
                Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                    .bind(now)
                    .bind(idle_before)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected())
            }

            async fn add_api_key(&self, k: &app::store::NewApiKey, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO api_keys (name, key_hash, created_at, scopes, expires_at, rate_per_minute) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&k.name)
                .bind(&k.key_hash)
                .bind(now)
                .bind(k.scopes.to_string_list())
                .bind(k.expires_at)
                .bind(i32::try_from(k.rate_per_minute).unwrap_or(i32::MAX))
                .fetch_one(&self.pool)
                .await
                .map_err($crate::store::db_err)
            }

            async fn api_key(&self, key_hash: &str) -> Result<Option<app::store::ApiKey>, app::store::StoreError> {
                let row = sqlx::query(&format!("{} WHERE key_hash = $1", $crate::store::identity::API_KEY_SELECT))
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.as_ref().map(api_key_from_row).transpose()
            }

            async fn api_keys(&self) -> Result<Vec<app::store::ApiKey>, app::store::StoreError> {
                let rows = sqlx::query(&format!("{} ORDER BY id", $crate::store::identity::API_KEY_SELECT))
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(api_key_from_row).collect()
            }

            async fn set_api_key_scopes(&self, id: i64, scopes: app::domain::api_keys::ApiScopes) -> Result<(), app::store::StoreError> {
                let n = sqlx::query("UPDATE api_keys SET scopes = $2 WHERE id = $1")
                    .bind(id)
                    .bind(scopes.to_string_list())
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 1 { Ok(()) } else { Err(app::store::StoreError::NotFound) }
            }

            async fn revoke_api_key(&self, name: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let n = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
                    .bind(name)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 1 { Ok(()) } else { Err(app::store::StoreError::NotFound) }
            }

            async fn touch_api_key(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
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

            async fn user_accounts(&self) -> Result<Vec<app::store::UserAccount>, app::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id, username, display_name, role, manager_id, created_at, disabled_at FROM users ORDER BY username")
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|row| {
                        Ok(app::store::UserAccount {
                            user: user_from_row(row)?,
                            manager_id: row.try_get("manager_id").map_err($crate::store::db_err)?,
                            created_at: row.try_get("created_at").map_err($crate::store::db_err)?,
                            disabled_at: row.try_get("disabled_at").map_err($crate::store::db_err)?,
                        })
                    })
                    .collect()
            }

            async fn set_user_profile(&self, user_id: i64, profile: &app::store::UserProfile, audit: (chrono::DateTime<chrono::Utc>, &str, app::store::AuditEntry)) -> Result<(), app::store::StoreError> {
                let (at, actor, entry) = audit;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, at).await?;
                let n = sqlx::query("UPDATE users SET display_name = $2, role = $3, manager_id = $4 WHERE id = $1")
                    .bind(user_id)
                    .bind(&profile.display_name)
                    .bind(profile.role.as_str())
                    .bind(profile.manager_id)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n != 1 {
                    return Err(app::store::StoreError::NotFound);
                }
                chain.push(entry);
                commit(tx, chain).await
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

/// A session with its user, for `session_from_row`.
pub(crate) const SESSION_SELECT: &str = "SELECT s.token_hash, s.created_at, s.last_seen_at, \
     s.expires_at, s.user_agent, s.address, u.id, u.username, u.display_name, u.role, \
     u.disabled_at IS NOT NULL AS user_disabled FROM sessions s JOIN users u ON u.id = s.user_id";

/// An API key row, for `api_key_from_row`.
pub(crate) const API_KEY_SELECT: &str = "SELECT id, name, scopes, created_at, expires_at, \
     revoked_at, last_used_at, rate_per_minute FROM api_keys";
