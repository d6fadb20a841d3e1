//! The audit trail page: filters by entity, key and actor in the URL (a GET form), newest
//! first, paged backwards by id. Before/after values are shown as recorded.
use crate::api::audit::{audit_trail, AuditFilters, AuditPage};
use crate::i18n::*;
use crate::ui::format::{audit_values, ErrorNotice};
use crate::url::percent_encode;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

const ENTITIES: [&str; 10] = [
    "customer",
    "invoice",
    "order",
    "payment",
    "credit_note",
    "write_off",
    "setting",
    "session",
    "user",
    "api_key",
];

#[component]
fn Rows(page: AuditPage, f: AuditFilters) -> impl IntoView {
    let i18n = use_i18n();
    if page.rows.is_empty() {
        return view! { <p class="empty">{t!(i18n, audit.none)}</p> }.into_any();
    }
    let next = page.next.map(|before| {
        let mut url = format!("/audit?before={before}");
        for (k, v) in [("entity", &f.entity), ("key", &f.key), ("actor", &f.actor)] {
            if let Some(v) = v {
                url.push_str(&format!("&{k}={}", percent_encode(v)));
            }
        }
        url
    });
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let before = audit_values(&r.entry.before);
            let after = audit_values(&r.entry.after);
            view! {
                <tr data-testid="audit-row">
                    <td class="mono nowrap" data-label=move || t_string!(i18n, audit.at)>{r.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                    <td data-label=move || t_string!(i18n, audit.actor)>{r.actor}</td>
                    <td data-label=move || t_string!(i18n, audit.entity)>{r.entry.entity}</td>
                    <td class="mono" data-label=move || t_string!(i18n, audit.key)>{r.entry.entity_key}</td>
                    <td data-label=move || t_string!(i18n, audit.action)><span class="chip">{r.entry.action}</span></td>
                    <td class="change" data-label=move || t_string!(i18n, audit.change)>
                        {(!before.is_empty()).then(|| view! { <div class="before">{before}</div> })}
                        {(!after.is_empty()).then(|| view! { <div class="after">{after}</div> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table responsive" data-testid="audit-table">
                <thead>
                    <tr>
                        <th>{t!(i18n, audit.at)}</th>
                        <th>{t!(i18n, audit.actor)}</th>
                        <th>{t!(i18n, audit.entity)}</th>
                        <th>{t!(i18n, audit.key)}</th>
                        <th>{t!(i18n, audit.action)}</th>
                        <th>{t!(i18n, audit.change)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager">{next.map(|href| view! { <A href=href attr:class="btn">{t!(i18n, audit.older)}</A> })}</nav>
    }
    .into_any()
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        AuditFilters {
            entity: q.get("entity").filter(|s| !s.is_empty()),
            key: q.get("key").filter(|s| !s.is_empty()),
            actor: q.get("actor").filter(|s| !s.is_empty()),
            before: q.get("before").and_then(|s| s.parse().ok()),
        }
    };
    let data = Resource::new(filters, audit_trail);
    let initial = filters();
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, audit.title)}</h1>
            </header>
            <Form method="GET" action="" attr:class="card filters">
                <label class="field">
                    {t!(i18n, audit.entity)}
                    <select name="entity" data-testid="audit-entity">
                        <option value="">{t!(i18n, invoices.any)}</option>
                        {ENTITIES.into_iter().map(|e| view! { <option value=e selected=initial.entity.as_deref() == Some(e)>{e}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    {t!(i18n, audit.key)}
                    <input name="key" value=initial.key.clone().unwrap_or_default() data-testid="audit-key" />
                </label>
                <label class="field">
                    {t!(i18n, audit.actor)}
                    <input name="actor" value=initial.actor.clone().unwrap_or_default() data-testid="audit-actor" />
                </label>
                <div class="filter-actions">
                    <button type="submit" class="btn btn-primary">{t!(i18n, cockpit.apply)}</button>
                </div>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let f = filters();
                    match data.await {
                        Ok(page) => view! { <Rows page f /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
