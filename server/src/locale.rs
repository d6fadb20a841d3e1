//! `POST /locale`: the language switch as a plain form post, for pages served without
//! the client (the login page) and for browsers without JavaScript. It stores the choice
//! in leptos_i18n's cookie, which the server reads to render every page, and sends the
//! browser back where it was (303).
//!
//! Invariants:
//! - only a locale the app has is stored; anything else is a 400 that names it;
//! - the way back is a path on this site: an absolute or protocol-relative `next`
//!   becomes `/`, so the form is no open redirect;
//! - like every state-changing request it passes `origin_check` first (web.rs).
use crate::web::AppState;
use app::i18n::Locale;
use app::ui::LOCALE_COOKIE as COOKIE;
use axum::extract::{Form, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const ONE_YEAR_SECS: u32 = 365 * 24 * 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    locale: String,
    next: Option<String>,
}

pub async fn switch(State(state): State<AppState>, Form(form): Form<Switch>) -> Response {
    let Ok(locale) = form.locale.parse::<Locale>() else {
        let message = format!("unknown locale {:?}: use en or zh-CN", form.locale);
        return (StatusCode::BAD_REQUEST, message).into_response();
    };
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie =
        format!("{COOKIE}={locale}; Path=/; Max-Age={ONE_YEAR_SECS}; SameSite=Lax{secure}");
    let back = local_path(form.next.as_deref());
    ([(header::SET_COOKIE, cookie)], Redirect::to(back)).into_response()
}

/// `next` when it is a path on this site, else `/`.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") => p,
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_stays_on_this_site() {
        assert_eq!(
            local_path(Some("/login?next=%2Fcustomers")),
            "/login?next=%2Fcustomers"
        );
        assert_eq!(local_path(Some("//evil.example/x")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn the_app_knows_both_locales_by_their_cookie_names() {
        assert_eq!(
            "en".parse::<Locale>().map(|l| l.to_string()),
            Ok("en".into())
        );
        assert_eq!(
            "zh-CN".parse::<Locale>().map(|l| l.to_string()),
            Ok("zh-CN".into())
        );
        assert!("fr".parse::<Locale>().is_err());
    }
}
