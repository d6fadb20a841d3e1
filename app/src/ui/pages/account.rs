//! The signed-in user's own account: their password and their sessions. Plain forms
//! through `ActionForm`, so both work before hydration. A password change ends every
//! other session, which the list then shows; "sign out everywhere" ends this one too.
use crate::api::account::{my_sessions, ChangePassword, SessionView, SignOutEverywhere};
use crate::i18n::*;
use crate::ui::format::{when, ErrorNotice};
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let sessions = Resource::new(move || change.version().get(), |_| my_sessions());
    let outcome = move || {
        change.value().get().map(|r| match r {
            Ok(()) => view! {
                <p class="notice notice-ok" role="status" data-testid="password-changed">
                    {t!(i18n, account.changed)}
                </p>
            }
            .into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, account.title)}</h1>
            </header>
            <div class="two-col">
                <section class="card">
                    <h2>{t!(i18n, account.password)}</h2>
                    <ActionForm action=change attr:class="stack" attr:data-testid="password-form">
                        <label class="field">{t!(i18n, account.current)}
                            <input type="password" name="form[current]" autocomplete="current-password" required />
                        </label>
                        <label class="field">{t!(i18n, account.new_password)}
                            <input type="password" name="form[new]" autocomplete="new-password" minlength="12" maxlength="128" required />
                        </label>
                        <label class="field">{t!(i18n, account.confirm)}
                            <input type="password" name="form[confirm]" autocomplete="new-password" minlength="12" maxlength="128" required />
                        </label>
                        <p class="muted">{t!(i18n, account.rules)}</p>
                        <button type="submit" class="btn btn-primary">{t!(i18n, account.change)}</button>
                    </ActionForm>
                    {outcome}
                </section>
                <section class="card">
                    <h2>{t!(i18n, account.sessions)}</h2>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match sessions.await {
                                Ok(list) => view! { <SessionList list /> }.into_any(),
                                Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            }
                        })}
                    </Suspense>
                    <SignOutEverywhereForm />
                </section>
            </div>
        </div>
    }
}

#[component]
fn SessionList(list: Vec<SessionView>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = list
        .into_iter()
        .map(|s| {
            view! {
                <li class="session" data-testid="session">
                    <div>
                        <strong>{s.device}</strong>
                        {s.current.then(|| view! { <span class="chip solid">{t!(i18n, account.this_device)}</span> })}
                    </div>
                    <div class="muted small">
                        {t!(i18n, account.opened)} " " {when(s.opened_at)} " · "
                        {t!(i18n, account.last_seen)} " " {when(s.last_seen_at)} " · " {s.address}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="session-list">{rows}</ul> }
}

#[component]
fn SignOutEverywhereForm() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignOutEverywhere>::new();
    view! {
        <ActionForm action attr:class="stack">
            <p class="muted">{t!(i18n, account.everywhere_hint)}</p>
            <button type="submit" class="btn" data-testid="sign-out-everywhere">
                {t!(i18n, account.everywhere)}
            </button>
        </ActionForm>
    }
}
