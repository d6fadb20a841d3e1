//! `/settings/notifications` (admin): the SMTP server rules e-mail through, and the
//! webhooks (generic, DingTalk, WeCom) rule actions may call.
//!
//! Stored passwords and secrets never come to the page; their fields start empty with
//! a note that one is stored, and an empty field on save keeps it. The server names
//! each bad field; the message shows under it.
use super::form_msg;
use super::labels::I18n;
use crate::api::rules::{
    get_notify_settings, Checked, NotifySettings, SaveSmtpSettings, SaveWebhooks,
};
use crate::domain::documents::FieldError;
use crate::domain::notify::{SmtpDraft, SmtpTls, WebhookDraft, WebhookKind};
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;
use leptos_router::components::A;

fn tls_label(i18n: I18n, t: SmtpTls) -> String {
    match t {
        SmtpTls::None => t_string!(i18n, rules.tls_none),
        SmtpTls::StartTls => t_string!(i18n, rules.tls_starttls),
        SmtpTls::Tls => t_string!(i18n, rules.tls_tls),
    }
    .to_string()
}

fn kind_label(i18n: I18n, k: WebhookKind) -> String {
    match k {
        WebhookKind::Generic => t_string!(i18n, rules.wh_generic),
        WebhookKind::DingTalk => t_string!(i18n, rules.wh_dingtalk),
        WebhookKind::WeCom => t_string!(i18n, rules.wh_wecom),
    }
    .to_string()
}

#[component]
fn SmtpForm(draft: SmtpDraft, password_set: bool) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveSmtpSettings>::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let saved = RwSignal::new(false);
    let (stored_host, stored_user) = (draft.host.clone(), draft.username.clone());
    let [host, port, tls, username, password, from] = [
        draft.host,
        draft.port,
        draft.tls,
        draft.username,
        String::new(),
        draft.from,
    ]
    .map(RwSignal::new);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(Checked::Done(()))) => {
            errors.set(Vec::new());
            saved.set(true);
        }
        Some(Ok(Checked::Invalid(e))) => errors.set(e),
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        save.dispatch(SaveSmtpSettings {
            smtp: SmtpDraft {
                host: host.get_untracked(),
                port: port.get_untracked(),
                tls: tls.get_untracked(),
                username: username.get_untracked(),
                password: password.get_untracked(),
                from: from.get_untracked(),
            },
        });
    };
    let text = move |s: RwSignal<String>,
                     path: &'static str,
                     kind: &'static str,
                     placeholder: String| {
        view! {
            <input type=kind value=s.get_untracked() prop:value=move || s.get() placeholder=placeholder
                autocomplete=if kind == "password" { "new-password" } else { "off" }
                class:invalid=move || errors.with(|e| e.iter().any(|e| e.field == path))
                on:input=move |ev| s.set(event_target_value(&ev)) data-testid=format!("smtp-{path}") />
        }
    };
    // The stored password is kept only for the same host and username (`keep_password_of`).
    let keeps = move || {
        password_set
            && username.with(|u| u.trim() == stored_user.trim())
            && host.with(|h| h.trim().eq_ignore_ascii_case(stored_host.trim()))
    };
    let tls_options = move || {
        let cur = tls.get();
        SmtpTls::ALL
            .into_iter()
            .map(|t| view! { <option value=t.as_str() selected=t.as_str() == cur>{tls_label(i18n, t)}</option> })
            .collect_view()
    };
    view! {
        <section class="card" data-testid="smtp-card">
            <h2>{t!(i18n, rules.smtp_title)}</h2>
            <p class="muted small">{t!(i18n, rules.smtp_hint)}</p>
            <form class="settings-grid" on:submit=submit novalidate>
                <label class="field"><span>{t!(i18n, rules.host)}</span>{text(host, "host", "text", "smtp.example.com".into())}{form_msg(errors, "host")}</label>
                <label class="field">
                    <span>{t!(i18n, rules.tls)}</span>
                    <select on:change=move |ev| tls.set(event_target_value(&ev)) data-testid="smtp-tls">{tls_options}</select>
                    {form_msg(errors, "tls")}
                </label>
                <label class="field"><span>{t!(i18n, rules.port)}</span>{text(port, "port", "text", t_string!(i18n, rules.port_placeholder).to_string())}{form_msg(errors, "port")}</label>
                <label class="field"><span>{t!(i18n, rules.username)}</span>{text(username, "username", "text", String::new())}{form_msg(errors, "username")}</label>
                <label class="field">
                    <span>{t!(i18n, rules.password)}</span>
                    {text(password, "password", "password", String::new())}
                    <Show when=keeps><span class="muted small" data-testid="password-kept">{t!(i18n, rules.password_keep)}</span></Show>
                    {form_msg(errors, "password")}
                </label>
                <label class="field"><span>{t!(i18n, rules.from)}</span>{text(from, "from", "text", "CreditDesk <ar@example.com>".into())}{form_msg(errors, "from")}</label>
                <div class="settings-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="save-smtp">{t!(i18n, rules.save_smtp)}</button>
                </div>
            </form>
            {move || match save.value().get() {
                Some(Err(error)) => Some(view! { <ErrorNotice error /> }),
                _ => None,
            }}
            <Show when=move || saved.get()><p class="notice notice-ok" data-testid="smtp-saved">{t!(i18n, rules.smtp_saved)}</p></Show>
        </section>
    }
}

#[derive(Clone, Copy)]
struct HookRow {
    key: u64,
    name: RwSignal<String>,
    kind: RwSignal<String>,
    url: RwSignal<String>,
    secret: RwSignal<String>,
    secret_stored: bool,
}

#[component]
fn WebhooksForm(webhooks: Vec<WebhookDraft>, secret_set: Vec<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveWebhooks>::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let saved = RwSignal::new(false);
    let next = StoredValue::new(0u64);
    let row = move |d: WebhookDraft, stored: bool| {
        let key = next.get_value();
        next.set_value(key + 1);
        HookRow {
            key,
            name: RwSignal::new(d.key),
            kind: RwSignal::new(d.kind),
            url: RwSignal::new(d.url),
            secret: RwSignal::new(String::new()),
            secret_stored: stored,
        }
    };
    let rows = RwSignal::new(
        webhooks
            .into_iter()
            .zip(secret_set.into_iter().chain(std::iter::repeat(false)))
            .map(|(d, s)| row(d, s))
            .collect::<Vec<_>>(),
    );
    Effect::new(move |_| match save.value().get() {
        Some(Ok(Checked::Done(()))) => {
            errors.set(Vec::new());
            saved.set(true);
        }
        Some(Ok(Checked::Invalid(e))) => errors.set(e),
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let webhooks = rows
            .get_untracked()
            .iter()
            .map(|r| WebhookDraft {
                key: r.name.get_untracked(),
                kind: r.kind.get_untracked(),
                url: r.url.get_untracked(),
                secret: r.secret.get_untracked(),
            })
            .collect();
        save.dispatch(SaveWebhooks { webhooks });
    };
    let add = move |_| {
        let r = row(
            WebhookDraft {
                kind: "generic".into(),
                ..WebhookDraft::default()
            },
            false,
        );
        rows.update(|v| v.push(r));
    };
    let hook_view = move |r: HookRow| {
        let pos = Signal::derive(move || {
            rows.with(|v| v.iter().position(|x| x.key == r.key).unwrap_or(0))
        });
        let path = move |f: &'static str| move || format!("webhooks[{}].{f}", pos.get());
        let msg = move |f: &'static str| {
            move || {
                let p = path(f)();
                let msgs: Vec<String> = errors.with(|e| {
                    e.iter()
                        .filter(|e| e.field == p)
                        .map(|e| e.message.clone())
                        .collect()
                });
                (!msgs.is_empty()).then(|| view! { <p class="field-error" data-testid=format!("err-{p}")>{msgs.join(" · ")}</p> })
            }
        };
        let bad =
            move |f: &'static str| move || errors.with(|e| e.iter().any(|e| e.field == path(f)()));
        let kinds = move || {
            let cur = r.kind.get();
            WebhookKind::ALL.into_iter().map(|k| view! { <option value=k.as_str() selected=k.as_str() == cur>{kind_label(i18n, k)}</option> }).collect_view()
        };
        view! {
            <div class="hook-row" data-testid=move || format!("webhook-{}", pos.get())>
                <label class="field"><span>{t!(i18n, rules.hook_key)}</span>
                    <input type="text" value=r.name.get_untracked() prop:value=move || r.name.get() class:invalid=bad("key") placeholder="finance_group"
                        on:input=move |ev| r.name.set(event_target_value(&ev)) data-testid=move || format!("webhook-{}-key", pos.get()) />
                    {msg("key")}
                </label>
                <label class="field"><span>{t!(i18n, rules.hook_kind)}</span>
                    <select on:change=move |ev| r.kind.set(event_target_value(&ev)) data-testid=move || format!("webhook-{}-kind", pos.get())>{kinds}</select>
                    {msg("kind")}
                </label>
                <label class="field hook-url"><span>{t!(i18n, rules.hook_url)}</span>
                    <input type="text" inputmode="url" value=r.url.get_untracked() prop:value=move || r.url.get() class:invalid=bad("url") placeholder="https://"
                        on:input=move |ev| r.url.set(event_target_value(&ev)) data-testid=move || format!("webhook-{}-url", pos.get()) />
                    {msg("url")}
                </label>
                <label class="field"><span>{t!(i18n, rules.hook_secret)}</span>
                    <input type="password" autocomplete="new-password" prop:value=move || r.secret.get() class:invalid=bad("secret")
                        placeholder=move || if r.secret_stored { t_string!(i18n, rules.secret_keep).to_string() } else { String::new() }
                        on:input=move |ev| r.secret.set(event_target_value(&ev)) data-testid=move || format!("webhook-{}-secret", pos.get()) />
                    {msg("secret")}
                </label>
                <button type="button" class="btn-ghost icon-btn hook-remove" on:click=move |_| rows.update(|v| v.retain(|x| x.key != r.key))
                    aria-label=move || t_string!(i18n, rules.remove) data-testid=move || format!("webhook-{}-remove", pos.get())>"×"</button>
            </div>
        }
    };
    view! {
        <section class="card" data-testid="webhooks-card">
            <h2>{t!(i18n, rules.webhooks_title)}</h2>
            <p class="muted small">{t!(i18n, rules.webhooks_hint)}</p>
            <form on:submit=submit novalidate>
                <div class="hook-rows">
                    <For each=move || rows.get() key=|r| r.key children=hook_view />
                </div>
                <Show when=move || rows.with(Vec::is_empty)><p class="muted small">{t!(i18n, rules.no_webhooks_yet)}</p></Show>
                <div class="settings-actions">
                    <button type="button" class="btn" on:click=add data-testid="add-webhook">{t!(i18n, rules.add_webhook)}</button>
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="save-webhooks">{t!(i18n, rules.save_webhooks)}</button>
                </div>
            </form>
            {move || match save.value().get() {
                Some(Err(error)) => Some(view! { <ErrorNotice error /> }),
                _ => None,
            }}
            <Show when=move || saved.get()><p class="notice notice-ok" data-testid="webhooks-saved">{t!(i18n, rules.webhooks_saved)}</p></Show>
        </section>
    }
}

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| get_notify_settings());
    view! {
        <div class="page rules-page narrow-settings">
            <header class="page-head">
                <div>
                    <A href="/rules" attr:class="back">{"← "}{t!(i18n, rules.back)}</A>
                    <h1>{t!(i18n, rules.notify_settings)}</h1>
                </div>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(NotifySettings { smtp, password_set, webhooks, secret_set, .. }) => view! {
                            <SmtpForm draft=smtp password_set />
                            <WebhooksForm webhooks secret_set />
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
