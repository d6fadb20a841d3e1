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

/// Only a local absolute path, never `//host` or a URL: no open redirects (ASVS 5.1.5).
/// Browsers drop tabs and newlines from URLs (`/\t/evil` becomes `//evil`) and read `\`
/// as `/`, so a path with any control character, whitespace or backslash is refused
/// whole; that also keeps it a valid `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    let local = |p: &&str| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
            && *p != "/login"
    };
    let path = next.filter(local).unwrap_or("/");
    // Non-ASCII (a search for 张) is percent-encoded, as a header value must be ASCII.
    path.chars()
        .fold(String::with_capacity(path.len()), |mut out, c| {
            if c.is_ascii() {
                out.push(c);
            } else {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        })
}

#[server(prefix = "/sfn", endpoint = "login")]
pub async fn login(form: LoginForm) -> Result<(), AppError> {
    use crate::login_guard::Refusal;
    let store = super::store()?;
    let guard = super::login_guard()?;
    let now = super::clock()?.now();
    let address = super::client_address();
    // Bounded, so a key in the throttle costs little memory whatever is sent.
    let name: String = form
        .username
        .trim()
        .to_lowercase()
        .chars()
        .take(64)
        .collect();
    let refusal = |action| Refusal {
        entity: "session",
        username: name.clone(),
        detail: address.clone(),
        action,
    };
    if let Some(secs) = guard.locked(&name, &address, now) {
        guard.audit(refusal("login_locked"));
        return Err(refused(
            AppError::TooManyAttempts(secs),
            form.next.as_deref(),
        ));
    }
    let Some(creds) = verified_user(store.as_ref(), &guard, &name, form.password).await? else {
        guard.failed(&name, &address, now);
        guard.audit(refusal("login_failed"));
        return Err(refused(AppError::BadCredentials, form.next.as_deref()));
    };
    guard.succeeded(&name);
    start_session(&store, &creds.user, now).await?;
    leptos_axum::redirect(&safe_next(form.next.as_deref()));
    Ok(())
}

/// The user whose password this is, or `None`. A malformed or unknown username costs
/// the same argon2 work as a wrong password, so timing does not reveal usernames.
#[cfg(feature = "ssr")]
pub(super) async fn verified_user(
    store: &dyn crate::store::Store,
    guard: &crate::login_guard::LoginGuard,
    name: &str,
    password: String,
) -> Result<Option<crate::store::UserCredentials>, AppError> {
    use crate::domain::auth::Username;
    use crate::session;
    let creds = match Username::parse(name) {
        Ok(u) => store.user_credentials(u.as_str()).await?,
        Err(_) => None,
    };
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let verified = guard
        .check_password(move || match hash {
            Some(h) => session::verify_password(&password, &h),
            None => {
                session::burn_password_check(&password);
                false
            }
        })
        .await;
    Ok(creds.filter(|_| verified))
}

/// Rotates the session: whatever session the browser held before is destroyed and a
/// new token is issued, so a planted pre-login cookie is worthless.
#[cfg(feature = "ssr")]
async fn start_session(
    store: &std::sync::Arc<dyn crate::store::Store>,
    user: &User,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    use crate::session;
    if let Some(old) = super::request_extension::<super::SessionToken>().and_then(|t| t.0) {
        store.delete_session(&session::token_hash(&old)).await?;
    }
    let token = session::new_token();
    store
        .create_session(&crate::store::NewSession {
            token_hash: session::token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at: now + crate::domain::sessions::ABSOLUTE,
            user_agent: super::user_agent(),
            address: super::client_address(),
        })
        .await?;
    store
        .audit(
            now,
            &user.username,
            crate::store::AuditEntry::new("session", user.username.as_str(), "login"),
        )
        .await?;
    super::response()?.insert_header(
        http::header::SET_COOKIE,
        session::session_cookie(&token, super::secure_cookies()),
    );
    Ok(())
}

/// A plain HTML form post (JavaScript off) cannot read an error response: send it
/// back to the login page with the error in the URL, which the page renders.
#[cfg(feature = "ssr")]
fn refused(error: AppError, next: Option<&str>) -> AppError {
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
        let reason = match &error {
            AppError::TooManyAttempts(secs) => format!("locked&retry={secs}"),
            _ => "credentials".to_string(),
        };
        leptos_axum::redirect(&format!("/login?error={reason}&next={next}"));
    }
    error
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

/// Whether this database holds the demo data set (`seed-demo`), for the login page's
/// notice. Deliberately public: it says only that the data and passwords are demo ones.
#[server(prefix = "/sfn", endpoint = "demo_notice")]
pub async fn demo_notice() -> Result<bool, AppError> {
    let store = super::store()?;
    Ok(
        crate::settings::get_or_default(store.as_ref(), &crate::domain::settings::DEMO_DATA)
            .await?,
    )
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
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/a\u{7f}b")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(Some("/customers?q=张")), "/customers?q=%E5%BC%A0");
        assert_eq!(safe_next(None), "/");
    }
}
