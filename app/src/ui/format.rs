//! Display helpers shared by pages: localised labels for domain enums and money.
use crate::domain::auth::Role;
use crate::domain::customer::CustomerStatus;
use crate::domain::money::Money;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// A moment as the business reads it: "2026-12-07 12:30" in the business zone.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&crate::domain::BUSINESS_TZ)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn is_chinese(i18n: I18nContext<Locale>) -> bool {
    i18n.get_locale() == Locale::zh_CN
}

pub fn money_compact(i18n: I18nContext<Locale>, m: Money) -> String {
    m.display_compact(is_chinese(i18n))
}

/// An aging bucket key (`current`, `1-30`, `90+`) in the user's language.
pub fn bucket_label(i18n: I18nContext<Locale>, key: &str) -> String {
    if key == crate::domain::aging::CURRENT {
        t_string!(i18n, bucket.current).to_string()
    } else {
        t_string!(i18n, bucket.days, range = key.to_string()).to_string()
    }
}

pub fn status_label(i18n: I18nContext<Locale>, s: CustomerStatus) -> String {
    match s {
        CustomerStatus::Normal => t_string!(i18n, status.normal).to_string(),
        CustomerStatus::Watch => t_string!(i18n, status.watch).to_string(),
        CustomerStatus::Frozen => t_string!(i18n, status.frozen).to_string(),
        CustomerStatus::Blacklisted => t_string!(i18n, status.blacklisted).to_string(),
    }
}

pub fn role_label(i18n: I18nContext<Locale>, r: Role) -> String {
    match r {
        Role::Admin => t_string!(i18n, role.admin).to_string(),
        Role::Executive => t_string!(i18n, role.executive).to_string(),
        Role::Finance => t_string!(i18n, role.finance).to_string(),
        Role::CreditManager => t_string!(i18n, role.credit_manager).to_string(),
        Role::SalesManager => t_string!(i18n, role.sales_manager).to_string(),
        Role::SalesRep => t_string!(i18n, role.sales_rep).to_string(),
    }
}

/// A JSON value as a short `key: value` list (the audit's before/after).
pub fn audit_values(json: &Option<String>) -> String {
    let Some(text) = json else {
        return String::new();
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}: {}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(" · "),
        _ => text.clone(),
    }
}

/// A failed load, in the user's language. Invalid input keeps the server's message,
/// which names the field.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let message = match error {
        AppError::NotFound => t_string!(i18n, error.not_found).to_string(),
        AppError::Forbidden => t_string!(i18n, error.forbidden).to_string(),
        AppError::Unauthenticated => t_string!(i18n, error.signed_out).to_string(),
        AppError::Internal(id) => t_string!(i18n, error.internal, id = id.clone()).to_string(),
        AppError::Request(_) => t_string!(i18n, error.network).to_string(),
        AppError::BadCredentials => t_string!(i18n, login.bad_credentials).to_string(),
        AppError::TooManyAttempts(secs) => {
            t_string!(i18n, login.locked, minutes = secs.div_ceil(60)).to_string()
        }
        AppError::Invalid(m) | AppError::Conflict(m) => m,
    };
    view! {
        <div class="notice notice-error" role="alert">
            <strong>{t!(i18n, error.title)}</strong>
            <span>{message}</span>
        </div>
    }
}

/// What a form's `Checked` action came to: its refusals, each naming its field, or its
/// error; after a success, `done` (nothing when it is absent).
#[component]
pub fn CheckedNotice(
    #[prop(into)] value: Signal<Option<Result<crate::api::rules::Checked<()>, AppError>>>,
    testid: &'static str,
    #[prop(optional, into)] done: Option<ViewFn>,
) -> impl IntoView {
    use crate::api::rules::Checked;
    move || {
        match value.get() {
        Some(Ok(Checked::Invalid(errors))) => view! {
            <div class="notice notice-error" role="alert" data-testid=testid>
                <ul>{errors.into_iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        Some(Ok(Checked::Done(()))) => done.as_ref().map(|d| d.run()).unwrap_or_else(|| ().into_any()),
        None => ().into_any(),
    }
    }
}
