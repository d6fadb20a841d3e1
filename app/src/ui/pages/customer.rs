//! The customer page: the credit file, limits, receivables and open invoices.
use crate::api::customers::{get_customer, CustomerArgs, CustomerDetail};
use crate::i18n::*;
use crate::ui::format::{bucket_label, money_compact, status_label, ErrorNotice};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
fn Detail(detail: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let CustomerDetail { file, aging, open_invoices, effective_limit } = detail;
    let as_of = aging.as_of;
    let available = effective_limit.checked_sub(aging.total).unwrap_or(effective_limit);
    let status = file.status;
    let temp = file.temp_limit.map(|(m, until)| {
        let until = until.to_string();
        view! {
            <div>
                <dt>{t!(i18n, customer.temp_limit)}</dt>
                <dd>{m.display()} " " <span class="muted">{move || t_string!(i18n, customer.temp_until, date = until.clone()).to_string()}</span></dd>
            </div>
        }
    });
    let terms = file.payment_terms_days;
    let phone = file.contact.phone.clone();
    let email = file.contact.email.clone();
    let invoice_rows = open_invoices
        .into_iter()
        .map(|inv| {
            let light = inv.light(as_of).css();
            let dpd = inv.days_past_due(as_of).max(0);
            view! {
                <tr>
                    <td class="mono" data-label=move || t_string!(i18n, customer.number)>
                        <span class=format!("dot {light}")></span>
                        {inv.number}
                    </td>
                    <td data-label=move || t_string!(i18n, customer.invoice_date)>{inv.invoice_date.to_string()}</td>
                    <td data-label=move || t_string!(i18n, customer.due_date)>{inv.due_date.to_string()}</td>
                    <td class="num" data-label=move || t_string!(i18n, customer.amount)>{inv.amount.display()}</td>
                    <td class="num strong" data-label=move || t_string!(i18n, customer.open_amount)>{inv.open.display()}</td>
                    <td class="num" data-label=move || t_string!(i18n, customer.dpd)>
                        <span class=format!("pill {light}")>
                            {move || if dpd > 0 { dpd.to_string() } else { bucket_label(i18n, crate::domain::aging::CURRENT) }}
                        </span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let has_invoices = aging.open_invoices > 0;
    let overdue_tone = if aging.overdue.is_zero() { "" } else { "tone-red" };
    let available_tone = if available.is_negative() { "tone-red" } else { "tone-green" };
    view! {
        <header class="page-head customer-head">
            <div>
                <A href="/customers" attr:class="back">{"← "}{t!(i18n, customer.back)}</A>
                <h1 data-testid="customer-name">{file.name.clone()}</h1>
                <div class="chips">
                    <span class="mono chip">{file.code.to_string()}</span>
                    <span class=format!("badge status-{}", status.as_str())>{move || status_label(i18n, status)}</span>
                    {match file.grade {
                        Some(g) => view! { <span class=format!("grade grade-{}", g.as_str())>{g.as_str()}</span> }.into_any(),
                        None => view! { <span class="chip muted">{t!(i18n, customer.no_grade)}</span> }.into_any(),
                    }}
                </div>
            </div>
        </header>
        <section class="kpis">
            <div class="kpi">
                <div class="kpi-label">{t!(i18n, customer.open)}</div>
                <div class="kpi-value">{money_compact(i18n, aging.total)}</div>
                <div class="kpi-exact">{aging.total.display()}</div>
            </div>
            <div class=format!("kpi {overdue_tone}")>
                <div class="kpi-label">{t!(i18n, customer.overdue)}</div>
                <div class="kpi-value">{money_compact(i18n, aging.overdue)}</div>
                <div class="kpi-exact">{aging.overdue.display()}</div>
            </div>
            <div class="kpi">
                <div class="kpi-label">{t!(i18n, customer.credit_limit)}</div>
                <div class="kpi-value">{money_compact(i18n, effective_limit)}</div>
                <div class="kpi-exact">{effective_limit.display()}</div>
            </div>
            <div class=format!("kpi {available_tone}")>
                <div class="kpi-label">
                    {t!(i18n, customer.available)}
                    <span class="tip" tabindex="0" title=move || t_string!(i18n, customer.available_tip)>"?"</span>
                </div>
                <div class="kpi-value">{money_compact(i18n, available)}</div>
                <div class="kpi-exact">{available.display()}</div>
            </div>
        </section>
        <section class="card">
            <dl class="facts">
                <div><dt>{t!(i18n, customer.uscc)}</dt><dd class="mono">{file.uscc.as_ref().map(|u| u.to_string()).unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>{t!(i18n, customer.region)}</dt><dd>{file.region.clone()}</dd></div>
                <div><dt>{t!(i18n, customer.industry)}</dt><dd>{file.industry.clone()}</dd></div>
                <div><dt>{t!(i18n, customer.rep)}</dt><dd>{file.sales_rep.clone().unwrap_or_default()}</dd></div>
                <div><dt>{t!(i18n, customer.terms)}</dt><dd>{move || t_string!(i18n, customer.terms_days, n = terms).to_string()}</dd></div>
                <div>
                    <dt>{t!(i18n, customer.contact)}</dt>
                    <dd>
                        {file.contact.name.clone()} " "
                        <a href=format!("tel:{phone}") class="link">{phone.clone()}</a> " "
                        <a href=format!("mailto:{email}") class="link">{email.clone()}</a>
                    </dd>
                </div>
                {temp}
            </dl>
        </section>
        <section class="card">
            <h2>{t!(i18n, customer.open_invoices)}</h2>
            {if has_invoices {
                view! {
                    <div class="table-wrap">
                        <table class="table responsive" data-testid="invoice-table">
                            <thead>
                                <tr>
                                    <th>{t!(i18n, customer.number)}</th>
                                    <th>{t!(i18n, customer.invoice_date)}</th>
                                    <th>{t!(i18n, customer.due_date)}</th>
                                    <th class="num">{t!(i18n, customer.amount)}</th>
                                    <th class="num">{t!(i18n, customer.open_amount)}</th>
                                    <th class="num">{t!(i18n, customer.dpd)}</th>
                                </tr>
                            </thead>
                            <tbody>{invoice_rows}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            } else {
                view! { <p class="empty">{t!(i18n, customer.none_open)}</p> }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_customer(CustomerArgs { id }).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <div class="page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(detail) => view! { <Detail detail /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
