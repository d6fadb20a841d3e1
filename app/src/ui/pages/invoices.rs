//! The invoice list: every filter, the sort and the page live in the URL (a GET form and
//! plain links), so a view can be bookmarked, shared, reached from an aging bucket, and
//! used before hydration or with JavaScript off.
use crate::api::receivables::{filter_options, list_invoices, InvoiceFilters, InvoicePage};
use crate::domain::aging::Basis;
use crate::domain::invoice::{InvoiceSort, InvoiceStatus};
use crate::i18n::*;
use crate::ui::format::{bucket_label, ErrorNotice};
use crate::url::percent_encode;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

fn filters_of(q: &ParamsMap) -> InvoiceFilters {
    let text = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    InvoiceFilters {
        as_of: text("as_of").and_then(|s| s.parse::<NaiveDate>().ok()),
        status: text("status").and_then(|s| InvoiceStatus::parse(&s)),
        bucket: text("bucket"),
        basis: text("basis").and_then(|b| Basis::parse(&b)),
        rep: text("rep"),
        region: text("region"),
        grade: text("grade"),
        customer: text("customer"),
        min_overdue: text("min_overdue").and_then(|s| s.parse().ok()),
        max_overdue: text("max_overdue").and_then(|s| s.parse().ok()),
        sort: text("sort").and_then(|s| InvoiceSort::parse(&s)),
        desc: text("desc").map(|s| s == "1"),
        page: text("page").and_then(|s| s.parse().ok()),
    }
}

/// The URL of these filters with some changed.
fn url_of(f: &InvoiceFilters) -> String {
    let mut parts = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={}", percent_encode(&v)));
        }
    };
    push("as_of", f.as_of.map(|d| d.to_string()));
    push("status", f.status.map(|s| s.as_str().to_string()));
    push("basis", f.basis.map(|b| b.as_str().to_string()));
    push("bucket", f.bucket.clone());
    push("rep", f.rep.clone());
    push("region", f.region.clone());
    push("grade", f.grade.clone());
    push("customer", f.customer.clone());
    push("min_overdue", f.min_overdue.map(|d| d.to_string()));
    push("max_overdue", f.max_overdue.map(|d| d.to_string()));
    push("sort", f.sort.map(|s| s.as_str().to_string()));
    push("desc", f.desc.filter(|d| *d).map(|_| "1".to_string()));
    push("page", f.page.filter(|p| *p > 0).map(|p| p.to_string()));
    if parts.is_empty() {
        "/invoices".into()
    } else {
        format!("/invoices?{}", parts.join("&"))
    }
}

#[component]
fn SortHeader(
    f: InvoiceFilters,
    sort: InvoiceSort,
    label: Signal<String>,
    #[prop(optional)] num: bool,
) -> impl IntoView {
    let current = f.sort.unwrap_or_default();
    let desc = f.desc.unwrap_or(false);
    let mut next = f.clone();
    next.sort = Some(sort);
    next.desc = Some(current == sort && !desc);
    next.page = None;
    let arrow = if current == sort {
        if desc {
            " ↓"
        } else {
            " ↑"
        }
    } else {
        ""
    };
    let aria = if current == sort {
        if desc {
            "descending"
        } else {
            "ascending"
        }
    } else {
        "none"
    };
    view! {
        <th class:num=num aria-sort=aria>
            <A href=url_of(&next) attr:class="sort-link" attr:data-testid=format!("sort-{}", sort.as_str())>{label}{arrow}</A>
        </th>
    }
}

#[component]
fn Results(page: InvoicePage, f: InvoiceFilters) -> impl IntoView {
    let i18n = use_i18n();
    let as_of = page.as_of;
    let date = as_of.to_string();
    let link = |p: u32| {
        let mut g = f.clone();
        g.page = Some(p);
        url_of(&g)
    };
    let prev = (page.page > 0).then(|| link(page.page - 1));
    let next = page.has_more.then(|| link(page.page + 1));
    if page.rows.is_empty() {
        return view! { <p class="empty" data-testid="no-invoices">{t!(i18n, invoices.none)}</p> }
            .into_any();
    }
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let dpd = r.line.days_past_due(as_of);
            let light = if r.line.open.is_zero() { "green" } else { r.line.light(as_of).css() };
            view! {
                <tr data-testid="invoice-row">
                    <td class="mono" data-label=move || t_string!(i18n, customer.number)>
                        <span class=format!("dot {light}")></span>
                        {r.line.number.clone()}
                    </td>
                    <td class="name-cell" data-label=move || t_string!(i18n, invoices.customer)>
                        <A href=format!("/customers/{}", r.customer_id)>{r.customer_name.clone()}</A>
                        <span class="muted small mono">" " {r.customer_code.clone()}</span>
                    </td>
                    <td data-label=move || t_string!(i18n, customers.region)>{r.region.clone()}</td>
                    <td data-label=move || t_string!(i18n, customers.rep)>{r.sales_rep.clone().unwrap_or_default()}</td>
                    <td data-label=move || t_string!(i18n, customer.invoice_date)>{r.line.invoice_date.to_string()}</td>
                    <td data-label=move || t_string!(i18n, customer.due_date)>{r.line.due_date.to_string()}</td>
                    <td class="num" data-label=move || t_string!(i18n, customer.amount)>{r.line.amount.display()}</td>
                    <td class="num strong" data-label=move || t_string!(i18n, customer.open_amount)>{r.line.open.display()}</td>
                    <td class="num" data-label=move || t_string!(i18n, customer.dpd)>
                        {if dpd > 0 && !r.line.open.is_zero() {
                            view! { <span class=format!("pill {light}")>{dpd}</span> }.into_any()
                        } else {
                            "—".into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let h = |key: &'static str| -> Signal<String> {
        Signal::derive(move || match key {
            "number" => t_string!(i18n, customer.number).to_string(),
            "customer" => t_string!(i18n, invoices.customer).to_string(),
            "invoice_date" => t_string!(i18n, customer.invoice_date).to_string(),
            "due_date" => t_string!(i18n, customer.due_date).to_string(),
            "amount" => t_string!(i18n, customer.amount).to_string(),
            _ => t_string!(i18n, customer.open_amount).to_string(),
        })
    };
    view! {
        <p class="muted small">{move || t_string!(i18n, customers.as_of, date = date.clone()).to_string()}</p>
        <div class="table-wrap">
            <table class="table responsive" data-testid="invoice-list">
                <thead>
                    <tr>
                        <SortHeader f=f.clone() sort=InvoiceSort::Number label=h("number") />
                        <SortHeader f=f.clone() sort=InvoiceSort::Customer label=h("customer") />
                        <th>{t!(i18n, customers.region)}</th>
                        <th>{t!(i18n, customers.rep)}</th>
                        <SortHeader f=f.clone() sort=InvoiceSort::InvoiceDate label=h("invoice_date") />
                        <SortHeader f=f.clone() sort=InvoiceSort::DueDate label=h("due_date") />
                        <SortHeader f=f.clone() sort=InvoiceSort::Amount label=h("amount") num=true />
                        <SortHeader f=f.clone() sort=InvoiceSort::Open label=h("open") num=true />
                        <th class="num">{t!(i18n, customer.dpd)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager">
            {prev.map(|href| view! { <A href=href attr:class="btn" attr:data-testid="page-prev">{t!(i18n, customers.prev)}</A> })}
            <span class="muted small">{move || t_string!(i18n, invoices.page, n = page.page + 1).to_string()}</span>
            {next.map(|href| view! { <A href=href attr:class="btn" attr:data-testid="page-next">{t!(i18n, customers.next)}</A> })}
        </nav>
    }
        .into_any()
}

#[component]
pub fn InvoiceListPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filters = move || query.with(filters_of);
    let data = Resource::new(filters, list_invoices);
    let options = OnceResource::new(filter_options());
    let initial = query.with_untracked(filters_of);
    let status = initial.status.unwrap_or_default();
    let sort = initial.sort.unwrap_or_default();
    let desc = initial.desc.unwrap_or(false);
    let sort_label = move |s: InvoiceSort| match s {
        InvoiceSort::DueDate => t_string!(i18n, customer.due_date).to_string(),
        InvoiceSort::InvoiceDate => t_string!(i18n, customer.invoice_date).to_string(),
        InvoiceSort::Number => t_string!(i18n, customer.number).to_string(),
        InvoiceSort::Customer => t_string!(i18n, invoices.customer).to_string(),
        InvoiceSort::Amount => t_string!(i18n, customer.amount).to_string(),
        InvoiceSort::Open => t_string!(i18n, customer.open_amount).to_string(),
    };
    let basis = initial.basis.unwrap_or(Basis::Due);
    // On a phone only the date and status show until "More filters" opens the rest,
    // which starts open when one of them is in use (CSS only: works before hydration).
    let refined = initial.bucket.is_some()
        || initial.rep.is_some()
        || initial.region.is_some()
        || initial.grade.is_some()
        || initial.customer.is_some()
        || initial.min_overdue.is_some()
        || initial.max_overdue.is_some()
        || initial.sort.is_some()
        || initial.desc.is_some();
    let (rep, region, bucket) = (
        initial.rep.clone(),
        initial.region.clone(),
        initial.bucket.clone(),
    );
    let status_label = move |s: InvoiceStatus| match s {
        InvoiceStatus::Open => t_string!(i18n, invoices.status_open).to_string(),
        InvoiceStatus::Overdue => t_string!(i18n, invoices.status_overdue).to_string(),
        InvoiceStatus::Paid => t_string!(i18n, invoices.status_paid).to_string(),
        InvoiceStatus::All => t_string!(i18n, invoices.status_all).to_string(),
    };
    let choices = move || {
        let (rep, region, bucket) = (rep.clone(), region.clone(), bucket.clone());
        Suspend::new(async move {
            let o = options.await.unwrap_or_default();
            let buckets = if basis == Basis::Due {
                o.due_buckets
            } else {
                o.invoice_buckets
            };
            view! {
                <label class="field">
                    {t!(i18n, invoices.bucket)}
                    <select name="bucket" data-testid="filter-bucket">
                        <option value="">{t!(i18n, invoices.any)}</option>
                        {buckets.into_iter().map(|k| {
                            let sel = bucket.as_deref() == Some(k.as_str());
                            let key = k.clone();
                            view! { <option value=k selected=sel>{move || bucket_label(i18n, &key)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {(!o.reps.is_empty()).then(|| view! {
                    <label class="field">
                        {t!(i18n, customers.rep)}
                        <select name="rep" data-testid="filter-rep">
                            <option value="">{t!(i18n, invoices.any)}</option>
                            {o.reps.into_iter().map(|(u, name)| {
                                let sel = rep.as_deref() == Some(u.as_str());
                                view! { <option value=u selected=sel>{name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <label class="field">
                    {t!(i18n, customers.region)}
                    <select name="region" data-testid="filter-region">
                        <option value="">{t!(i18n, invoices.any)}</option>
                        {o.regions.into_iter().map(|r| {
                            let sel = region.as_deref() == Some(r.as_str());
                            view! { <option value=r.clone() selected=sel>{r.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        })
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, invoices.title)}</h1>
            </header>
            <Form method="GET" action="" attr:class="card filters" attr:data-testid="invoice-filters">
                <input type="hidden" name="basis" value=basis.as_str() />
                <label class="field">
                    {t!(i18n, cockpit.as_of)}
                    <input type="date" name="as_of" value=initial.as_of.map(|d| d.to_string()).unwrap_or_default() />
                </label>
                <label class="field">
                    {t!(i18n, invoices.status)}
                    <select name="status" data-testid="filter-status">
                        {InvoiceStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == status>{move || status_label(s)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <input type="checkbox" id="more-filters" class="more-toggle" checked=refined />
                <label for="more-filters" class="btn btn-ghost more-toggle-label" data-testid="more-filters">
                    {t!(i18n, invoices.more_filters)}
                </label>
                <div class="more-filters">
                <Transition>{choices}</Transition>
                <label class="field">
                    {t!(i18n, cockpit.grade)}
                    <select name="grade" data-testid="filter-grade">
                        <option value="">{t!(i18n, invoices.any)}</option>
                        {["A", "B", "C", "D", "-"].map(|g| {
                            let sel = initial.grade.as_deref() == Some(g);
                            view! { <option value=g selected=sel>{move || if g == "-" { t_string!(i18n, cockpit.ungraded).to_string() } else { g.to_string() }}</option> }
                        })}
                    </select>
                </label>
                <label class="field">
                    {t!(i18n, invoices.customer)}
                    <input name="customer" placeholder="C0001" value=initial.customer.clone().unwrap_or_default() data-testid="filter-customer" />
                </label>
                <label class="field">
                    {t!(i18n, invoices.min_overdue)}
                    <input type="number" name="min_overdue" min="0" inputmode="numeric" value=initial.min_overdue.map(|d| d.to_string()).unwrap_or_default() data-testid="filter-min-overdue" />
                </label>
                <label class="field">
                    {t!(i18n, invoices.max_overdue)}
                    <input type="number" name="max_overdue" min="0" inputmode="numeric" value=initial.max_overdue.map(|d| d.to_string()).unwrap_or_default() />
                </label>
                <label class="field">
                    {t!(i18n, invoices.sort)}
                    <select name="sort" data-testid="filter-sort">
                        {InvoiceSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == sort>{move || sort_label(s)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    {t!(i18n, invoices.order)}
                    <select name="desc" data-testid="filter-desc">
                        <option value="0" selected=!desc>{t!(i18n, invoices.ascending)}</option>
                        <option value="1" selected=desc>{t!(i18n, invoices.descending)}</option>
                    </select>
                </label>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="btn btn-primary" data-testid="filter-apply">{t!(i18n, cockpit.apply)}</button>
                    <A href="/invoices" attr:class="btn">{t!(i18n, invoices.reset)}</A>
                </div>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let f = filters();
                    match data.await {
                        Ok(page) => view! { <Results page f /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let f = InvoiceFilters {
            as_of: NaiveDate::from_ymd_opt(2026, 3, 31),
            status: Some(InvoiceStatus::Overdue),
            bucket: Some("31-60".into()),
            basis: Some(Basis::Due),
            rep: Some("li.na".into()),
            region: Some("华东".into()),
            min_overdue: Some(10),
            sort: Some(InvoiceSort::Open),
            desc: Some(true),
            page: Some(2),
            ..Default::default()
        };
        let url = url_of(&f);
        let query = url.split_once('?').unwrap().1;
        let mut map = ParamsMap::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            map.insert(k.to_string(), crate::url::percent_decode(v));
        }
        assert_eq!(filters_of(&map), f);
        assert_eq!(url_of(&InvoiceFilters::default()), "/invoices");
    }
}
