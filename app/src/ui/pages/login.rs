//! The sign-in page. A plain HTML form posting to the `login` server function, so it
//! works before hydration and with JavaScript off; hydrated, it shows errors in place.
use crate::api::auth::Login;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::layout::LanguageSwitch;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let demo = Resource::new(|| (), |_| crate::api::auth::demo_notice());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // The hydrated form reports through the action; a plain form post (JavaScript
    // off) comes back as /login?error=credentials.
    let error = move || match login.value().get() {
        Some(Err(AppError::BadCredentials)) => {
            Some(t_string!(i18n, login.bad_credentials).to_string())
        }
        Some(Err(AppError::TooManyAttempts(secs))) => {
            Some(t_string!(i18n, login.locked, minutes = secs.div_ceil(60)).to_string())
        }
        Some(Err(AppError::Invalid(m))) => Some(m),
        Some(Err(_)) => Some(t_string!(i18n, login.failed).to_string()),
        Some(Ok(())) => None,
        None => match query.read().get("error").as_deref() {
            Some("credentials") => Some(t_string!(i18n, login.bad_credentials).to_string()),
            Some("locked") => {
                let secs = query
                    .read()
                    .get("retry")
                    .and_then(|s| s.parse::<u64>().ok());
                let minutes = secs.unwrap_or(15 * 60).div_ceil(60);
                Some(t_string!(i18n, login.locked, minutes = minutes).to_string())
            }
            _ => None,
        },
    };
    view! {
        <div class="login-page">
            <section class="login-hero">
                <div class="brand big">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">{t!(i18n, app_name)}</span>
                </div>
                <p class="login-tagline">{t!(i18n, tagline)}</p>
                <p class="login-pitch">{t!(i18n, login.pitch)}</p>
            </section>
            <section class="login-card card">
                <h1>{t!(i18n, login.welcome)}</h1>
                <Suspense fallback=|| ()>
                    {move || {
                        demo.get()
                            .and_then(Result::ok)
                            .filter(|d| *d)
                            .map(|_| {
                                view! {
                                    <p class="notice notice-demo" data-testid="demo-notice">
                                        {t!(i18n, login.demo)}
                                    </p>
                                }
                            })
                    }}
                </Suspense>
                <ActionForm action=login attr:class="stack" attr:data-testid="login-form">
                    <input type="hidden" name="form[next]" value=next />
                    <label class="field">
                        <span>{t!(i18n, login.username)}</span>
                        <input
                            type="text"
                            name="form[username]"
                            autocomplete="username"
                            autocapitalize="none"
                            required
                            data-testid="username"
                        />
                    </label>
                    <label class="field">
                        <span>{t!(i18n, login.password)}</span>
                        <input
                            type="password"
                            name="form[password]"
                            autocomplete="current-password"
                            required
                            data-testid="password"
                        />
                    </label>
                    {move || {
                        error()
                            .map(|e| {
                                view! {
                                    <p class="notice notice-error" role="alert" data-testid="login-error">
                                        {e}
                                    </p>
                                }
                            })
                    }}
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || login.pending().get()>
                        {move || {
                            if login.pending().get() {
                                t_string!(i18n, login.submitting)
                            } else {
                                t_string!(i18n, login.submit)
                            }
                        }}
                    </button>
                </ActionForm>
                <div class="login-foot">
                    <LanguageSwitch class="btn-link" />
                </div>
            </section>
        </div>
    }
}
