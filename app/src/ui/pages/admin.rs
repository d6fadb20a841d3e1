//! The admin's page: users (create, edit name, role and manager, disable, reset the
//! password) and API keys (create with scopes and an expiry, revoke). Plain forms
//! through `ActionForm`, so all of it works before hydration; each user's editor sits
//! in a `<details>`, so the list stays one column on a phone.
//!
//! A temporary password or a key's secret is shown once, at the top, by the action that
//! made it: the server never returns it again.
use crate::api::admin::*;
use crate::domain::api_keys::KeyState;
use crate::domain::auth::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::format::{role_label, when, ErrorNotice};
use leptos::prelude::*;

/// What the last admin action said: the secret it made, that it was done, or its error.
fn outcome<T, S>(
    value: S,
    done: impl Fn(T) -> AnyView + Send + Sync + 'static,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || {
        value.get().map(|r| match r {
            Ok(v) => done(v),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    }
}

/// A secret made by the last action, with the warning that it is shown only now.
fn issued(i18n: leptos_i18n::I18nContext<Locale>, issued: Issued, key: bool) -> AnyView {
    let hint = if key {
        t_string!(i18n, admin.issued_key, name = issued.name.clone()).to_string()
    } else {
        t_string!(i18n, admin.issued_password, name = issued.name.clone()).to_string()
    };
    view! {
        <div class="notice notice-ok issued" role="status" data-testid="issued-secret">
            <span>{hint}</span>
            <code class="secret">{issued.secret}</code>
        </div>
    }
    .into_any()
}

fn saved(i18n: leptos_i18n::I18nContext<Locale>) -> AnyView {
    view! { <p class="notice notice-ok" role="status">{t!(i18n, admin.saved)}</p> }.into_any()
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let enable = ServerAction::<SetUserEnabled>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let create_key = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let users = Resource::new(
        move || {
            create.version().get()
                + update.version().get()
                + enable.version().get()
                + reset.version().get()
        },
        |_| admin_users(),
    );
    let keys = Resource::new(
        move || create_key.version().get() + revoke.version().get(),
        |_| admin_api_keys(),
    );
    let actions = UserActions {
        update,
        enable,
        reset,
    };
    view! {
        <div class="page admin-page">
            <header class="page-head">
                <h1>{t!(i18n, admin.title)}</h1>
            </header>
            <div class="outcomes">
                {outcome(create.value(), move |v| issued(i18n, v, false))}
                {outcome(reset.value(), move |v| issued(i18n, v, false))}
                {outcome(update.value(), move |()| saved(i18n))}
                {outcome(enable.value(), move |()| saved(i18n))}
                {outcome(create_key.value(), move |v| issued(i18n, v, true))}
                {outcome(revoke.value(), move |()| saved(i18n))}
            </div>
            <section class="card" data-testid="users">
                <h2>{t!(i18n, admin.users)}</h2>
                <p class="muted">{t!(i18n, admin.users_hint)}</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match users.await {
                            Ok(list) => view! { <UserList list actions create /> }.into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <section class="card" data-testid="api-keys">
                <h2>{t!(i18n, admin.keys)}</h2>
                <p class="muted">{t!(i18n, admin.keys_hint)}</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Ok(list) => view! { <KeyList list revoke /> }.into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Suspense>
                <NewKeyForm action=create_key />
            </section>
        </div>
    }
}

/// The per-user actions, shared by every row.
#[derive(Clone, Copy)]
struct UserActions {
    update: ServerAction<UpdateUser>,
    enable: ServerAction<SetUserEnabled>,
    reset: ServerAction<ResetUserPassword>,
}

#[component]
fn UserList(
    list: Vec<UserRow>,
    actions: UserActions,
    create: ServerAction<CreateUser>,
) -> impl IntoView {
    let people: Vec<(i64, String)> = list
        .iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id, format!("{} ({})", u.display_name, u.username)))
        .collect();
    let rows = list
        .into_iter()
        .map(|user| view! { <UserItem user people=people.clone() actions /> })
        .collect_view();
    view! {
        <ul class="user-list">{rows}</ul>
        <NewUserForm action=create people />
    }
}

/// The role options, `current` selected.
fn role_options(i18n: leptos_i18n::I18nContext<Locale>, current: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == current>{role_label(i18n, r)}</option> })
        .collect_view()
}

/// "No manager", then every enabled user but `except`, `current` selected.
fn manager_options(
    i18n: leptos_i18n::I18nContext<Locale>,
    people: &[(i64, String)],
    except: Option<i64>,
    current: Option<i64>,
) -> impl IntoView {
    let others = people
        .iter()
        .filter(|(id, _)| Some(*id) != except)
        .map(|(id, name)| {
            view! { <option value=id.to_string() selected=Some(*id) == current>{name.clone()}</option> }
        })
        .collect_view();
    view! {
        <option value="" selected=current.is_none()>{t!(i18n, admin.no_manager)}</option>
        {others}
    }
}

#[component]
fn UserItem(user: UserRow, people: Vec<(i64, String)>, actions: UserActions) -> impl IntoView {
    let i18n = use_i18n();
    let manager = user
        .manager_id
        .and_then(|m| people.iter().find(|(id, _)| *id == m))
        .map(|(_, name)| name.clone())
        .unwrap_or_else(|| "—".into());
    let state = if user.disabled {
        view! { <span class="chip chip-off">{t!(i18n, admin.disabled)}</span> }.into_any()
    } else if user.is_me {
        view! { <span class="chip solid">{t!(i18n, admin.you)}</span> }.into_any()
    } else {
        ().into_any()
    };
    let (id, reset_id, toggle_id) = (
        user.id.to_string(),
        user.id.to_string(),
        user.id.to_string(),
    );
    let toggle = if user.disabled {
        t_string!(i18n, admin.enable).to_string()
    } else {
        t_string!(i18n, admin.disable).to_string()
    };
    view! {
        <li class="user-row" data-testid="user-row" data-username=user.username.clone()>
            <div class="user-head">
                <strong>{user.display_name.clone()}</strong>
                <span class="muted">{user.username.clone()}</span>
                <span class="chip">{role_label(i18n, user.role)}</span>
                {state}
            </div>
            <div class="muted small">
                {t!(i18n, admin.manager)} ": " {manager} " · " {t!(i18n, admin.created)} " " {when(user.created_at)}
            </div>
            <details class="user-edit">
                <summary>{t!(i18n, admin.edit)}</summary>
                <ActionForm action=actions.update attr:class="stack">
                    <input type="hidden" name="form[id]" value=id />
                    <label class="field">{t!(i18n, admin.display_name)}
                        <input name="form[display_name]" value=user.display_name maxlength="64" required />
                    </label>
                    <label class="field">{t!(i18n, admin.role)}
                        <select name="form[role]">{role_options(i18n, user.role)}</select>
                    </label>
                    <label class="field">{t!(i18n, admin.manager)}
                        <select name="form[manager]">{manager_options(i18n, &people, Some(user.id), user.manager_id)}</select>
                    </label>
                    <button type="submit" class="btn btn-primary">{t!(i18n, admin.save)}</button>
                </ActionForm>
                <div class="row-actions">
                    <ActionForm action=actions.reset attr:class="inline-form">
                        <input type="hidden" name="id" value=reset_id />
                        <button type="submit" class="btn btn-small" data-testid="reset-password">{t!(i18n, admin.reset)}</button>
                    </ActionForm>
                    <ActionForm action=actions.enable attr:class="inline-form">
                        <input type="hidden" name="id" value=toggle_id />
                        <input type="hidden" name="enabled" value=user.disabled.to_string() />
                        <button type="submit" class="btn btn-small btn-danger" data-testid="toggle-user">{toggle}</button>
                    </ActionForm>
                </div>
            </details>
        </li>
    }
}

#[component]
fn NewUserForm(action: ServerAction<CreateUser>, people: Vec<(i64, String)>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details class="new-item" data-testid="new-user">
            <summary>{t!(i18n, admin.new_user)}</summary>
            <ActionForm action attr:class="stack">
                <label class="field">{t!(i18n, admin.username)}
                    <input name="form[username]" autocomplete="off" autocapitalize="none" minlength="3" maxlength="32" required />
                </label>
                <label class="field">{t!(i18n, admin.display_name)}
                    <input name="form[display_name]" maxlength="64" />
                </label>
                <label class="field">{t!(i18n, admin.role)}
                    <select name="form[role]">{role_options(i18n, Role::SalesRep)}</select>
                </label>
                <label class="field">{t!(i18n, admin.manager)}
                    <select name="form[manager]">{manager_options(i18n, &people, None, None)}</select>
                </label>
                <p class="muted">{t!(i18n, admin.new_user_hint)}</p>
                <button type="submit" class="btn btn-primary">{t!(i18n, admin.create)}</button>
            </ActionForm>
        </details>
    }
}

fn state_label(i18n: leptos_i18n::I18nContext<Locale>, s: KeyState) -> String {
    match s {
        KeyState::Active => t_string!(i18n, admin.key_active).to_string(),
        KeyState::Expired => t_string!(i18n, admin.key_expired).to_string(),
        KeyState::Revoked => t_string!(i18n, admin.key_revoked).to_string(),
    }
}

#[component]
fn KeyList(list: Vec<KeyRow>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let i18n = use_i18n();
    let never = move || t_string!(i18n, admin.never).to_string();
    let rows = list
        .into_iter()
        .map(|k| {
            let active = k.state == KeyState::Active;
            let chip = if active { "chip" } else { "chip chip-off" };
            let name = k.name.clone();
            let revoke_form = active.then(move || {
                view! {
                    <ActionForm action=revoke attr:class="inline-form">
                        <input type="hidden" name="name" value=name />
                        <button type="submit" class="btn btn-small btn-danger" data-testid="revoke-key">{t!(i18n, admin.revoke)}</button>
                    </ActionForm>
                }
            });
            view! {
                <li class="key-row" data-testid="key-row" data-name=k.name.clone()>
                    <div class="user-head">
                        <strong>{k.name.clone()}</strong>
                        <span class=chip>{state_label(i18n, k.state)}</span>
                        <span class="row-actions">{revoke_form}</span>
                    </div>
                    <div class="muted small"><code>{k.scopes}</code></div>
                    <div class="muted small">
                        {t!(i18n, admin.created)} " " {when(k.created_at)} " · "
                        {t!(i18n, admin.last_used)} " " {k.last_used_at.map(when).unwrap_or_else(never)} " · "
                        {t!(i18n, admin.expires)} " " {k.expires_at.map(when).unwrap_or_else(never)}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="user-list">{rows}</ul> }
}

#[component]
fn NewKeyForm(action: ServerAction<CreateApiKey>) -> impl IntoView {
    let i18n = use_i18n();
    let scope = |name: &'static str, label: &'static str, checked: bool| {
        view! {
            <label class="check">
                <input type="checkbox" name=format!("form[{name}]") checked=checked />
                <code>{label}</code>
            </label>
        }
    };
    view! {
        <details class="new-item" data-testid="new-key">
            <summary>{t!(i18n, admin.new_key)}</summary>
            <ActionForm action attr:class="stack">
                <label class="field">{t!(i18n, admin.key_name)}
                    <input name="form[name]" autocomplete="off" maxlength="64" required />
                </label>
                <fieldset class="scopes">
                    <legend>{t!(i18n, admin.scopes)}</legend>
                    {scope("read", "read", true)}
                    {scope("ledger_write", "ledger:write", false)}
                    {scope("credit_write", "credit:write", false)}
                    {scope("pii_read", "pii:read", false)}
                    {scope("admin", "admin", false)}
                </fieldset>
                <p class="muted">{t!(i18n, admin.scopes_hint)}</p>
                <label class="field">{t!(i18n, admin.expires_in_days)}
                    <input name="form[expires_in_days]" type="number" min="1" inputmode="numeric" />
                </label>
                <button type="submit" class="btn btn-primary">{t!(i18n, admin.create_key)}</button>
            </ActionForm>
        </details>
    }
}
