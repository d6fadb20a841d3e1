//! The customer page: the credit file, limits, receivables and open invoices.
use crate::api::customers::{get_customer, CustomerArgs, CustomerDetail};
use crate::domain::credit::Exposure;
use crate::domain::money::Money;
use crate::i18n::*;
use crate::records::{AuditRow, PaymentLine, TimelineEvent};
use crate::ui::format::{bucket_label, money_compact, status_label, ErrorNotice};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
fn Detail(detail: CustomerDetail, refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let CustomerDetail {
        file,
        aging,
        open_invoices,
        effective_limit,
        exposure,
        available,
        payments,
        timeline,
        audit,
        can_post,
        pii,
        group,
        group_options,
    } = detail;
    let as_of = aging.as_of;
    let code = file.code.to_string();
    let actions = can_post.then(|| {
        view! {
            <div class="actions">
                <A href=format!("/payments/new?customer={}", crate::url::percent_encode(&code)) attr:class="btn btn-primary" attr:data-testid="record-payment">
                    {t!(i18n, customer.record_payment)}
                </A>
                <A href=format!("/adjustments?customer={}", crate::url::percent_encode(&code)) attr:class="btn">{t!(i18n, customer.adjust)}</A>
            </div>
        }
    });
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
    let overdue_tone = if aging.overdue.is_zero() {
        ""
    } else {
        "tone-red"
    };
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
            {actions}
        </header>
        <CreditGauge limit=effective_limit exposure=exposure available />
        <super::customer_group::CustomerGroup customer_id=file.id group options=group_options available refresh />
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
        <super::customer_pii::CustomerPiiCard customer_id=file.id masked=pii />
        <super::scoring::CustomerScoreCard customer_id=file.id />
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
        <div class="two-col">
            <Payments payments />
            <Timeline timeline />
        </div>
        <CollectionLog customer_id=file.id />
        {(!audit.is_empty()).then(|| view! { <AuditHistory audit /> })}
    }
}

/// The customer's collection log: every contact, reminder, promise, dispute, payment
/// and task, newest first (the same timeline as a task's page).
#[component]
fn CollectionLog(customer_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let log = Resource::new(
        move || customer_id,
        crate::api::collections::customer_collection_log,
    );
    let body = move || {
        Suspend::new(async move {
            match log.await {
                Ok(entries) => crate::ui::pages::collections::task::log_items(i18n, &entries),
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
            }
        })
    };
    view! {
        <section class="card" data-testid="customer-collection-log">
            <h2>{t!(i18n, collections.log_title)}</h2>
            <Transition>{body}</Transition>
        </section>
    }
}

/// Limit, exposure and what is left, as a bar: exposure fills it, red beyond the limit.
#[component]
fn CreditGauge(limit: Money, exposure: Exposure, available: Money) -> impl IntoView {
    let i18n = use_i18n();
    let total = exposure.total().unwrap_or(limit);
    let used_pct = if limit.minor() > 0 {
        (total.minor().max(0) as f64 * 100.0 / limit.minor() as f64).min(100.0)
    } else if total.minor() > 0 {
        100.0
    } else {
        0.0
    };
    let tone = if available.is_negative() {
        "red"
    } else if used_pct > 80.0 {
        "amber"
    } else {
        "green"
    };
    let part = |label: String, m: Money| view! { <div><dt>{label}</dt><dd class="num">{m.display()}</dd></div> };
    view! {
        <section class="card gauge-card" data-testid="credit-gauge">
            <div class="gauge-head">
                <div>
                    <div class="kpi-label">
                        {t!(i18n, customer.available)}
                        <span class="tip" tabindex="0" title=move || t_string!(i18n, customer.available_tip)>"?"</span>
                    </div>
                    <div class=format!("gauge-value text-{tone}") data-testid="available">{available.display()}</div>
                </div>
                <div class="gauge-limit">
                    <div class="kpi-label">{t!(i18n, customer.credit_limit)}</div>
                    <div class="strong num">{limit.display()}</div>
                </div>
            </div>
            <div class=format!("gauge {tone}") role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{used_pct:.0}")>
                <span style=format!("width: {used_pct:.1}%")></span>
            </div>
            <dl class="gauge-parts">
                {part(t_string!(i18n, customer.exp_invoices).to_string(), exposure.open_invoices)}
                {part(t_string!(i18n, customer.exp_orders).to_string(), exposure.open_orders)}
                {part(t_string!(i18n, customer.exp_credits).to_string(), exposure.unallocated_credits)}
                {(exposure.unmatured_bills.minor() != 0).then(|| part(t_string!(i18n, customer.exp_bills).to_string(), exposure.unmatured_bills))}
                {part(t_string!(i18n, customer.exposure).to_string(), total)}
            </dl>
        </section>
    }
}

#[component]
fn Payments(payments: Vec<PaymentLine>) -> impl IntoView {
    let i18n = use_i18n();
    let items = payments
        .into_iter()
        .map(|p| {
            let lines = p
                .allocations
                .iter()
                .map(|(n, m)| view! { <li><span class="mono">{n.clone()}</span><span class="num">{m.display()}</span></li> })
                .collect_view();
            let credit = (!p.unallocated.is_zero()).then(|| {
                let c = p.unallocated.display();
                view! { <li class="muted"><span>{t!(i18n, customer.left_as_credit)}</span><span class="num">{c}</span></li> }
            });
            view! {
                <li class="payment" class:reversed=p.reversed data-testid="payment-item">
                    <div class="payment-head">
                        <span class="mono strong">{p.reference.clone()}</span>
                        <span class="muted small">{p.received_on.to_string()}</span>
                        {p.reversed.then(|| view! { <span class="chip">{t!(i18n, customer.reversed)}</span> })}
                        <span class="num strong">{p.amount.display()}</span>
                    </div>
                    <ul class="alloc-lines">{lines}{credit}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>{t!(i18n, customer.payments)}</h2>
            <ul class="payment-list">{items}</ul>
        </section>
    }
}

fn event_label(i18n: leptos_i18n::I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "invoice" => t_string!(i18n, event.invoice).to_string(),
        "payment" => t_string!(i18n, event.payment).to_string(),
        "credit_note" => t_string!(i18n, event.credit_note).to_string(),
        "write_off" => t_string!(i18n, event.write_off).to_string(),
        "order" => t_string!(i18n, event.order).to_string(),
        _ => t_string!(i18n, event.reversal).to_string(),
    }
}

#[component]
fn Timeline(timeline: Vec<TimelineEvent>) -> impl IntoView {
    let i18n = use_i18n();
    let items = timeline
        .into_iter()
        .map(|e| {
            let kind = e.kind.clone();
            view! {
                <li class=format!("event event-{}", e.kind)>
                    <span class="muted small nowrap">{e.on.to_string()}</span>
                    <span class="event-kind">{move || event_label(i18n, &kind)}</span>
                    <span class="mono">{e.reference}</span>
                    <span class="num">{e.amount.display()}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>{t!(i18n, customer.timeline)}</h2>
            <ol class="timeline" data-testid="timeline">{items}</ol>
        </section>
    }
}

#[component]
fn AuditHistory(audit: Vec<AuditRow>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = audit
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td class="mono nowrap">{r.at.format("%Y-%m-%d %H:%M").to_string()}</td>
                    <td>{r.actor}</td>
                    <td><span class="chip">{r.entry.action}</span></td>
                    <td class="change small">{crate::ui::format::audit_values(&r.entry.after)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>{t!(i18n, customer.history)}</h2>
            <div class="table-wrap">
                <table class="table compact" data-testid="customer-audit"><tbody>{rows}</tbody></table>
            </div>
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
    let refresh = Callback::new(move |()| data.refetch());
    view! {
        <div class="page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(detail) => view! { <Detail detail refresh /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
