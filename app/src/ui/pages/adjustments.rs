//! Credit notes, small-difference write-offs and reversals: plain forms posted through
//! `ActionForm`, so they work before hydration too. Each shows the ledger's own message
//! when it refuses (over the open amount, above the tolerance, already reversed…).
//! The forms' default date is the server's business date (`ledger_today`), never the
//! browser's clock; a role that may not post sees the refusal instead of the forms.
use crate::api::ledger::{ledger_today, PostCreditNote, PostReversal, PostWriteOff};
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The outcome line under a form: the ledger's refusal, or what was done.
fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, crate::error::AppError>>> + Copy + Send + Sync + 'static,
    ok: impl Fn(T) -> String + Copy + Send + Sync + 'static,
    testid: &'static str,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(v) => {
                view! { <p class="notice notice-ok" role="status" data-testid=testid>{ok(v)}</p> }
                    .into_any()
            }
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    }
}

#[component]
pub fn AdjustmentsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let customer = query
        .with_untracked(|q| q.get("customer"))
        .unwrap_or_default();
    let invoice = query
        .with_untracked(|q| q.get("invoice"))
        .unwrap_or_default();
    let today = Resource::new(|| (), |_| ledger_today());
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, adjust.title)}</h1>
            </header>
            <Suspense fallback=|| ()>
                {move || {
                    let (customer, invoice) = (customer.clone(), invoice.clone());
                    Suspend::new(async move {
                        match today.await {
                            Ok(day) => view! { <Forms today=day.to_string() customer invoice /> }.into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

/// The three forms, with the customer and invoice from the query and today's date filled in.
#[component]
fn Forms(today: String, customer: String, invoice: String) -> impl IntoView {
    let i18n = use_i18n();
    // Copy handles, since each form's children are rebuilt on demand.
    let (today, customer, invoice) = (
        StoredValue::new(today),
        StoredValue::new(customer),
        StoredValue::new(invoice),
    );
    let note = ServerAction::<PostCreditNote>::new();
    let write_off = ServerAction::<PostWriteOff>::new();
    let reversal = ServerAction::<PostReversal>::new();
    view! {
        <div class="three-col">
            <section class="card">
                <h2>{t!(i18n, adjust.credit_note)}</h2>
                <p class="muted small">{t!(i18n, adjust.credit_note_help)}</p>
                <ActionForm action=note attr:class="stack" attr:data-testid="credit-note-form">
                    <label class="field">{t!(i18n, adjust.number)}<input name="input[number]" required /></label>
                    <label class="field">{t!(i18n, payment.customer_code)}<input name="input[customer_code]" value=customer.get_value() required /></label>
                    <label class="field">{t!(i18n, adjust.issued_on)}<input type="date" name="input[issued_on]" value=today.get_value() required /></label>
                    <label class="field">{t!(i18n, customer.amount)}<input name="input[amount]" inputmode="decimal" required /></label>
                    <label class="field">{t!(i18n, adjust.invoice_optional)}<input name="input[invoice_number]" value=invoice.get_value() /></label>
                    <label class="field">{t!(i18n, adjust.reason)}<input name="input[reason]" /></label>
                    <button type="submit" class="btn btn-primary">{t!(i18n, adjust.post)}</button>
                </ActionForm>
                {outcome(note.value(), move |n: String| t_string!(i18n, adjust.posted, reference = n).to_string(), "credit-note-posted")}
            </section>
            <section class="card">
                <h2>{t!(i18n, adjust.write_off)}</h2>
                <p class="muted small">{t!(i18n, adjust.write_off_help)}</p>
                <ActionForm action=write_off attr:class="stack" attr:data-testid="write-off-form">
                    <label class="field">{t!(i18n, customer.number)}<input name="form[invoice_number]" value=invoice.get_value() required /></label>
                    <label class="field">{t!(i18n, adjust.written_on)}<input type="date" name="form[written_on]" value=today.get_value() required /></label>
                    <label class="field">{t!(i18n, adjust.reason)}<input name="form[reason]" /></label>
                    <button type="submit" class="btn btn-primary">{t!(i18n, adjust.write_off_post)}</button>
                </ActionForm>
                {outcome(write_off.value(), move |m: crate::domain::money::Money| t_string!(i18n, adjust.written_off, amount = m.display()).to_string(), "write-off-posted")}
            </section>
            <section class="card">
                <h2>{t!(i18n, adjust.reversal)}</h2>
                <p class="muted small">{t!(i18n, adjust.reversal_help)}</p>
                <ActionForm action=reversal attr:class="stack" attr:data-testid="reversal-form">
                    <label class="field">
                        {t!(i18n, adjust.kind)}
                        <select name="form[kind]">
                            <option value="payment">{t!(i18n, adjust.kind_payment)}</option>
                            <option value="credit_note">{t!(i18n, adjust.credit_note)}</option>
                            <option value="write_off">{t!(i18n, adjust.write_off)}</option>
                        </select>
                    </label>
                    <label class="field">{t!(i18n, adjust.reference)}<input name="form[reference]" required /></label>
                    <label class="field">{t!(i18n, adjust.reversed_on)}<input type="date" name="form[reversed_on]" value=today.get_value() required /></label>
                    <label class="field">{t!(i18n, adjust.reason)}<input name="form[reason]" required /></label>
                    <button type="submit" class="btn btn-danger">{t!(i18n, adjust.reverse)}</button>
                </ActionForm>
                {outcome(reversal.value(), move |_: ()| t_string!(i18n, adjust.reversed).to_string(), "reversal-posted")}
            </section>
        </div>
    }
}
