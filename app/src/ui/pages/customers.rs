//! The customer list with search. Search is a GET form (`?q=`), so it works before
//! hydration and with JavaScript off; hydrated, typing refines the list as you go.
use crate::api::customers::{list_customers, CustomerListArgs, CustomerPage};
use crate::domain::customer::CustomerRow;
use crate::i18n::*;
use crate::ui::format::{status_label, ErrorNotice};
use crate::url::percent_encode;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

#[component]
fn Row(row: CustomerRow) -> impl IntoView {
    let i18n = use_i18n();
    let status = row.status;
    let overdue_class = if row.overdue.is_zero() {
        "num"
    } else {
        "num text-red"
    };
    let dpd = row.max_days_past_due;
    view! {
        <tr data-testid="customer-row">
            <td class="mono" data-label=move || t_string!(i18n, customers.code)>{row.code.to_string()}</td>
            <td class="name-cell">
                <A href=format!("/customers/{}", row.id)>{row.name.clone()}</A>
            </td>
            <td data-label=move || t_string!(i18n, customers.region)>{row.region.clone()}</td>
            <td data-label=move || t_string!(i18n, customers.rep)>{row.sales_rep.clone().unwrap_or_default()}</td>
            <td data-label=move || t_string!(i18n, customers.grade)>
                {row.grade.map(|g| view! { <span class=format!("grade grade-{}", g.as_str())>{g.as_str()}</span> })}
            </td>
            <td data-label=move || t_string!(i18n, customers.status)>
                <span class=format!("badge status-{}", status.as_str())>{move || status_label(i18n, status)}</span>
            </td>
            <td class="num" data-label=move || t_string!(i18n, customers.open)>{row.open.display()}</td>
            <td class=overdue_class data-label=move || t_string!(i18n, customers.overdue)>{row.overdue.display()}</td>
            <td class="num" data-label=move || t_string!(i18n, customers.max_dpd)>
                {move || if dpd > 0 { t_string!(i18n, customers.days, n = dpd).to_string() } else { "—".to_string() }}
            </td>
        </tr>
    }
}

#[component]
fn Results(page: CustomerPage, search: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let link = move |p: u32| {
        let mut url = format!("/customers?page={p}");
        if let Some(q) = &search {
            url.push_str("&q=");
            url.push_str(&percent_encode(q));
        }
        url
    };
    let prev = (page.page > 0).then(|| link(page.page - 1));
    let next = page.has_more.then(|| link(page.page + 1));
    let date = page.as_of.to_string();
    if page.rows.is_empty() {
        return view! { <p class="empty" data-testid="no-customers">{t!(i18n, customers.none)}</p> }.into_any();
    }
    let rows = page
        .rows
        .into_iter()
        .map(|row| view! { <Row row /> })
        .collect_view();
    view! {
        <p class="muted small">{move || t_string!(i18n, customers.as_of, date = date.clone()).to_string()}</p>
        <div class="table-wrap">
            <table class="table responsive" data-testid="customer-table">
                <thead>
                    <tr>
                        <th>{t!(i18n, customers.code)}</th>
                        <th>{t!(i18n, customers.name)}</th>
                        <th>{t!(i18n, customers.region)}</th>
                        <th>{t!(i18n, customers.rep)}</th>
                        <th>{t!(i18n, customers.grade)}</th>
                        <th>{t!(i18n, customers.status)}</th>
                        <th class="num">{t!(i18n, customers.open)}</th>
                        <th class="num">{t!(i18n, customers.overdue)}</th>
                        <th class="num">{t!(i18n, customers.max_dpd)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager">
            {prev.map(|href| view! { <a class="btn" href=href>{t!(i18n, customers.prev)}</a> })}
            {next.map(|href| view! { <a class="btn" href=href>{t!(i18n, customers.next)}</a> })}
        </nav>
    }
        .into_any()
}

#[component]
pub fn CustomerListPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        CustomerListArgs {
            search: q.get("q").filter(|s| !s.trim().is_empty()),
            page: q.get("page").and_then(|p| p.parse().ok()),
        }
    };
    let data = Resource::new(args, list_customers);
    let navigate = use_navigate();
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let url = if value.trim().is_empty() {
            "/customers".to_string()
        } else {
            format!("/customers?q={}", percent_encode(value.trim()))
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, customers.title)}</h1>
                <Form method="GET" action="" attr:class="search-form" attr:role="search">
                    <input
                        type="search"
                        name="q"
                        class="search-input"
                        aria-label=move || t_string!(i18n, customers.search_label)
                        placeholder=move || t_string!(i18n, customers.search_placeholder)
                        value=query.read_untracked().get("q").unwrap_or_default()
                        on:input=on_input
                        data-testid="customer-search"
                    />
                    <button type="submit" class="btn">{t!(i18n, customers.search)}</button>
                </Form>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let search = args().search;
                    match data.await {
                        Ok(page) => view! { <Results page search /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
