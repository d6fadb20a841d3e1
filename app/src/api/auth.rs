//! Sign-in, sign-out and "who am I".
use crate::domain::auth::User;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    /// Where to go after signing in; only same-site paths are honoured.
    #[serde(default)]
    pub next: Option<String>,
}

/// Only a local absolute path, never `//host` or a URL: no open redirects.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p != "/login" =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[server(prefix = "/sfn", endpoint = "login")]
pub async fn login(form: LoginForm) -> Result<(), AppError> {
    use crate::domain::auth::Username;
    use crate::session;
    use http::header::SET_COOKIE;

    let store = super::store()?;
    let now = super::clock()?.now();
    // A malformed username cannot exist, but say the same thing as for a wrong password.
    let username =
        Username::parse(&form.username).map_err(|_| bad_credentials(form.next.as_deref()))?;
    let creds = store.user_credentials(username.as_str()).await?;
    let verified = match &creds {
        Some(c) => session::verify_password(&form.password, &c.password_hash),
        None => {
            // Spend the same time as a real check, so timing does not reveal usernames.
            session::burn_password_check(&form.password);
            false
        }
    };
    let Some(creds) = creds.filter(|_| verified) else {
        store
            .audit(
                now,
                username.as_str(),
                crate::store::AuditEntry::new("session", username.as_str(), "login_failed"),
            )
            .await?;
        return Err(bad_credentials(form.next.as_deref()));
    };

    // Rotation: whatever session the browser held before is destroyed, and a new
    // token is issued, so a planted pre-login cookie is worthless.
    if let Some(old) = super::request_extension::<super::SessionToken>().and_then(|t| t.0) {
        store.delete_session(&session::token_hash(&old)).await?;
    }
    let token = session::new_token();
    let expires = now + session::SESSION_TTL;
    store
        .create_session(&session::token_hash(&token), creds.user.id, now, expires)
        .await?;
    store
        .audit(
            now,
            &creds.user.username,
            crate::store::AuditEntry::new("session", creds.user.username.as_str(), "login"),
        )
        .await?;

    super::response()?.insert_header(
        SET_COOKIE,
        session::session_cookie(&token, super::secure_cookies()),
    );
    leptos_axum::redirect(&safe_next(form.next.as_deref()));
    Ok(())
}

/// A plain HTML form post (JavaScript off) cannot read an error response: send it
/// back to the login page with the error in the URL, which the page renders.
#[cfg(feature = "ssr")]
fn bad_credentials(next: Option<&str>) -> AppError {
    let plain_form_post = use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false);
    if plain_form_post {
        let next = crate::url::percent_encode(&safe_next(next));
        leptos_axum::redirect(&format!("/login?error=credentials&next={next}"));
    }
    AppError::BadCredentials
}

#[server(prefix = "/sfn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::session;
    use http::header::SET_COOKIE;

    let store = super::store()?;
    if let Some(token) = super::request_extension::<super::SessionToken>().and_then(|t| t.0) {
        store.delete_session(&session::token_hash(&token)).await?;
    }
    if let Some(user) = super::viewer() {
        store
            .audit(
                super::clock()?.now(),
                &user.username,
                crate::store::AuditEntry::new("session", user.username.as_str(), "logout"),
            )
            .await?;
    }
    super::response()?.insert_header(SET_COOKIE, session::clear_cookie(super::secure_cookies()));
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None`. Not an error when signed out: the login page asks too.
#[server(prefix = "/sfn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    Ok(super::viewer())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_a_local_path() {
        assert_eq!(safe_next(Some("/customers?q=1")), "/customers?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
