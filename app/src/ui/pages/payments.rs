//! Payment entry: choose the customer, type the amount, see the FIFO suggestion at once
//! (computed in the browser by the same `domain::allocation` the ledger uses), switch to
//! manual and edit any line, and see the result — allocated, left as credit, or what is
//! wrong — before posting. What is posted is exactly the lines shown.
use crate::api::ledger::{payment_context, PaymentSetup, PostPayment};
use crate::domain::allocation::{self, Allocation, OpenInvoice};
use crate::domain::documents::{AllocationInput, PaymentInput};
use crate::domain::money::Money;
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The allocation the form describes, or the message saying why there is none yet.
fn preview(
    amount: &str,
    manual: bool,
    lines: &[String],
    open: &[OpenInvoice],
    currency: crate::domain::money::Currency,
) -> Result<Allocation, String> {
    let payment = Money::parse(amount.trim(), currency).map_err(|e| format!("amount: {e}"))?;
    if !manual {
        return allocation::fifo(payment, open).map_err(|e| e.to_string());
    }
    let mut requested = Vec::new();
    for (inv, text) in open.iter().zip(lines) {
        if text.trim().is_empty() {
            continue;
        }
        let m = Money::parse(text.trim(), currency).map_err(|e| format!("{}: {e}", inv.number))?;
        if !m.is_zero() {
            requested.push((inv.id, m));
        }
    }
    allocation::manual(payment, open, &requested).map_err(|e| e.to_string())
}

#[component]
fn PaymentForm(setup: PaymentSetup) -> impl IntoView {
    let i18n = use_i18n();
    let PaymentSetup {
        code,
        name,
        currency,
        today,
        open,
        credit,
        customer_id,
        ..
    } = setup;
    let open = StoredValue::new(open);
    let reference = RwSignal::new(String::new());
    let received_on = RwSignal::new(today.to_string());
    let amount = RwSignal::new(String::new());
    let manual = RwSignal::new(false);
    let lines = RwSignal::new(vec![String::new(); open.with_value(Vec::len)]);
    let result = Memo::new(move |_| {
        open.with_value(|o| preview(&amount.get(), manual.get(), &lines.get(), o, currency))
    });
    // The amount shown on each line: the FIFO suggestion, or what the user typed.
    let shown = move |i: usize| {
        if manual.get() {
            lines.with(|l| l[i].clone())
        } else {
            let id = open.with_value(|o| o[i].id);
            result.with(|r| {
                r.as_ref()
                    .ok()
                    .and_then(|a| a.lines.iter().find(|(x, _)| *x == id))
                    .map(|(_, m)| m.amount().to_string())
                    .unwrap_or_default()
            })
        }
    };
    let to_manual = move |_| {
        // Start editing from the suggestion the user is looking at.
        let current: Vec<String> = (0..open.with_value(Vec::len)).map(shown).collect();
        lines.set(current);
        manual.set(true);
    };
    let post = ServerAction::<PostPayment>::new();
    let code_for_post = code.clone();
    let submit = move |_| {
        let Ok(a) = result.get_untracked() else {
            return;
        };
        let allocations = open.with_value(|o| {
            a.lines
                .iter()
                .filter_map(|(id, m)| {
                    o.iter().find(|i| i.id == *id).map(|i| AllocationInput {
                        invoice_number: i.number.clone(),
                        amount: m.amount().to_string(),
                    })
                })
                .collect()
        });
        post.dispatch(PostPayment {
            input: PaymentInput {
                reference: reference.get_untracked(),
                customer_code: code_for_post.clone(),
                received_on: received_on.get_untracked(),
                amount: amount.get_untracked(),
                allocations: Some(allocations),
            },
        });
    };
    let rows = (0..open.with_value(Vec::len))
        .map(|i| {
            let inv = open.with_value(|o| o[i].clone());
            let dpd = (today - inv.due_date).num_days();
            let light = crate::domain::aging::Light::for_days(dpd).css();
            view! {
                <tr data-testid="alloc-row">
                    <td class="mono" data-label=move || t_string!(i18n, customer.number)>
                        <span class=format!("dot {light}")></span>
                        {inv.number.clone()}
                    </td>
                    <td data-label=move || t_string!(i18n, customer.due_date)>{inv.due_date.to_string()}</td>
                    <td class="num" data-label=move || t_string!(i18n, customer.dpd)>{if dpd > 0 { dpd.to_string() } else { "—".into() }}</td>
                    <td class="num" data-label=move || t_string!(i18n, customer.open_amount)>{inv.open.display()}</td>
                    <td class="num" data-label=move || t_string!(i18n, payment.apply)>
                        <input
                            class="amount-input"
                            inputmode="decimal"
                            aria-label=format!("{} {}", inv.number, "amount")
                            data-testid=format!("alloc-{}", inv.number)
                            prop:value=move || shown(i)
                            prop:readonly=move || !manual.get()
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                lines.update(|l| l[i] = v);
                            }
                        />
                    </td>
                </tr>
            }
        })
        .collect_view();
    let summary = move || {
        result.with(|r| match r {
            Ok(a) => {
                let allocated = a.lines.iter().fold(Money::zero(currency), |s, (_, m)| s.checked_add(*m).unwrap_or(s));
                let n = a.lines.len();
                let credit_left = a.unallocated.display();
                view! {
                    <div class="preview ok" data-testid="payment-preview">
                        <span>{move || t_string!(i18n, payment.allocated, amount = allocated.display(), n = n).to_string()}</span>
                        <span class="strong">{move || t_string!(i18n, payment.unallocated, amount = credit_left.clone()).to_string()}</span>
                    </div>
                }
                    .into_any()
            }
            Err(m) if amount.with(|a| a.trim().is_empty()) => {
                let _ = m;
                view! { <div class="preview muted">{t!(i18n, payment.enter_amount)}</div> }.into_any()
            }
            Err(m) => view! { <div class="preview bad" role="alert" data-testid="payment-problem">{m.clone()}</div> }.into_any(),
        })
    };
    let can_post = move || {
        result.with(|r| r.is_ok())
            && !reference.with(|r| r.trim().is_empty())
            && !post.pending().get()
    };
    let outcome = move || {
        post.value().get().map(|r| match r {
            Ok(p) => {
                let lines = p
                    .allocations
                    .iter()
                    .map(|(n, m)| view! { <li><span class="mono">{n.clone()}</span> " " <span class="num">{m.display()}</span></li> })
                    .collect_view();
                let left = p.unallocated.display();
                view! {
                    <div class="notice notice-ok" role="status" data-testid="payment-posted">
                        <strong>{move || t_string!(i18n, payment.posted, reference = p.reference.clone()).to_string()}</strong>
                        <ul class="plain-list">{lines}</ul>
                        <span>{move || t_string!(i18n, payment.unallocated, amount = left.clone()).to_string()}</span>
                        <A href=format!("/customers/{customer_id}")>{t!(i18n, payment.to_customer)}</A>
                    </div>
                }
                    .into_any()
            }
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    };
    let has_open = open.with_value(|o| !o.is_empty());
    view! {
        <section class="card">
            <div class="customer-line">
                <div>
                    <A href=format!("/customers/{customer_id}") attr:class="strong">{name}</A>
                    " " <span class="mono chip">{code}</span>
                </div>
                {(!credit.is_zero()).then(|| {
                    let c = credit.display();
                    view! { <span class="chip">{move || t_string!(i18n, payment.existing_credit, amount = c.clone()).to_string()}</span> }
                })}
            </div>
            <div class="form-grid">
                <label class="field">
                    {t!(i18n, payment.reference)}
                    <input data-testid="pay-reference" prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    {t!(i18n, payment.received_on)}
                    <input type="date" data-testid="pay-date" prop:value=move || received_on.get() on:input=move |ev| received_on.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    {move || t_string!(i18n, payment.amount, currency = currency.code()).to_string()}
                    <input inputmode="decimal" data-testid="pay-amount" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
                </label>
            </div>
        </section>
        <section class="card">
            <div class="section-head">
                <h2>{t!(i18n, payment.allocation)}</h2>
                <div class="segmented" role="group">
                    <button type="button" class:active=move || !manual.get() data-testid="mode-fifo" on:click=move |_| manual.set(false)>
                        {t!(i18n, payment.fifo)}
                    </button>
                    <button type="button" class:active=move || manual.get() data-testid="mode-manual" on:click=to_manual>
                        {t!(i18n, payment.manual)}
                    </button>
                </div>
            </div>
            {if has_open {
                view! {
                    <div class="table-wrap">
                        <table class="table responsive" data-testid="alloc-table">
                            <thead>
                                <tr>
                                    <th>{t!(i18n, customer.number)}</th>
                                    <th>{t!(i18n, customer.due_date)}</th>
                                    <th class="num">{t!(i18n, customer.dpd)}</th>
                                    <th class="num">{t!(i18n, customer.open_amount)}</th>
                                    <th class="num">{t!(i18n, payment.apply)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            } else {
                view! { <p class="empty">{t!(i18n, customer.none_open)}</p> }.into_any()
            }}
            {summary}
            <div class="form-actions">
                <button type="button" class="btn btn-primary" data-testid="post-payment" prop:disabled=move || !can_post() on:click=submit>
                    {t!(i18n, payment.post)}
                </button>
            </div>
            {outcome}
        </section>
    }
}

#[component]
pub fn PaymentPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let code = RwSignal::new(
        query
            .with_untracked(|q| q.get("customer"))
            .unwrap_or_default(),
    );
    let setup = Resource::new(
        move || code.get(),
        |c| async move {
            if c.trim().is_empty() {
                Ok(None)
            } else {
                payment_context(c).await.map(Some)
            }
        },
    );
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, payment.title)}</h1>
            </header>
            <section class="card">
                <label class="field">
                    {t!(i18n, payment.customer_code)}
                    <input
                        data-testid="pay-customer"
                        placeholder=move || t_string!(i18n, payment.customer_placeholder)
                        prop:value=move || code.get()
                        on:change=move |ev| code.set(event_target_value(&ev).trim().to_string())
                    />
                </label>
            </section>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(Some(setup)) => view! { <PaymentForm setup /> }.into_any(),
                        Ok(None) => ().into_any(),
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
    use crate::domain::money::Currency;
    use chrono::NaiveDate;

    fn inv(id: i64, number: &str, due: u32, open: i64) -> OpenInvoice {
        let d = NaiveDate::from_ymd_opt(2026, 1, due).unwrap();
        OpenInvoice {
            id,
            number: number.into(),
            invoice_date: d,
            due_date: d,
            open: Money::from_minor(open, Currency::CNY),
        }
    }

    #[test]
    fn preview_suggests_fifo_and_checks_manual_lines() {
        let open = [inv(1, "A", 5, 10_000), inv(2, "B", 9, 5_000)];
        let fifo = preview("120.00", false, &[], &open, Currency::CNY).unwrap();
        assert_eq!(
            fifo.lines,
            vec![
                (1, Money::from_minor(10_000, Currency::CNY)),
                (2, Money::from_minor(2_000, Currency::CNY))
            ]
        );
        let manual = preview("120", true, &["".into(), "50".into()], &open, Currency::CNY).unwrap();
        assert_eq!(manual.unallocated, Money::from_minor(7_000, Currency::CNY));
        let over =
            preview("120", true, &["".into(), "60".into()], &open, Currency::CNY).unwrap_err();
        assert!(over.contains("B") && over.contains("exceeds"), "{over}");
        assert!(preview("12x", false, &[], &open, Currency::CNY)
            .unwrap_err()
            .starts_with("amount"));
        assert!(preview(
            "10",
            true,
            &["1.234".into(), "".into()],
            &open,
            Currency::CNY
        )
        .unwrap_err()
        .starts_with("A:"));
    }
}
