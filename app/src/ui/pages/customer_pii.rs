//! The customer page's sensitive fields (legal representative, resident ID number, bank
//! and account): masked for everyone who sees the customer; those who may read them
//! (`Permission::ReadPii`) can show them in full, each time audited on the server, and
//! change them through a plain form.
//!
//! The masked fields come with the customer (`CustomerDetail::pii`), so the card renders
//! from the page's own data: no resource of its own to resolve during hydration. Showing
//! them in full, and reading them again after a save, are actions after hydration.
use crate::api::pii::{customer_pii, PiiPanel, SaveCustomerPii};
use crate::domain::pii::PiiView;
use crate::i18n::*;
use crate::ui::format::{CheckedNotice, ErrorNotice};
use leptos::prelude::*;

#[component]
pub fn CustomerPiiCard(customer_id: i64, masked: PiiPanel) -> impl IntoView {
    let i18n = use_i18n();
    let reveal = Action::new(move |_: &()| customer_pii(customer_id, true));
    let save = ServerAction::<SaveCustomerPii>::new();
    // After a save, read the (unmasked) fields again.
    Effect::new(move |seen: Option<usize>| {
        let version = save.version().get();
        if seen.is_some_and(|v| v != version) {
            reveal.dispatch(());
        }
        version
    });
    let can_reveal = masked.can_reveal;
    let shown = Memo::new(move |_| match reveal.value().get() {
        Some(Ok(panel)) => panel.view,
        _ => masked.view.clone(),
    });
    let error = move || match reveal.value().get() {
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        _ => ().into_any(),
    };
    let action = move || {
        let pii = shown.get();
        if !can_reveal {
            ().into_any()
        } else if pii.masked {
            view! {
                <button type="button" class="btn btn-small" data-testid="pii-reveal" on:click=move |_| { reveal.dispatch(()); }>
                    {t!(i18n, pii.reveal)}
                </button>
            }
            .into_any()
        } else {
            view! { <Editor pii customer_id save /> }.into_any()
        }
    };
    view! {
        <section class="card" data-testid="customer-pii">
            <h2>{t!(i18n, pii.title)}</h2>
            {move || view! { <Fields pii=shown.get() /> }}
            <div class="pii-actions">{action}</div>
            <div>{error}</div>
        </section>
    }
}

#[component]
fn Fields(pii: PiiView) -> impl IntoView {
    let i18n = use_i18n();
    let value = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    view! {
        <dl class="facts" data-testid="pii-fields">
            <div><dt>{t!(i18n, pii.legal_rep_name)}</dt><dd>{value(pii.legal_rep_name)}</dd></div>
            <div><dt>{t!(i18n, pii.legal_rep_id_number)}</dt><dd class="mono">{value(pii.legal_rep_id_number)}</dd></div>
            <div><dt>{t!(i18n, pii.bank_name)}</dt><dd>{value(pii.bank_name)}</dd></div>
            <div><dt>{t!(i18n, pii.bank_account)}</dt><dd class="mono">{value(pii.bank_account)}</dd></div>
        </dl>
    }
}

/// The form, filled with the unmasked values (it is only offered once they are shown).
#[component]
fn Editor(pii: PiiView, customer_id: i64, save: ServerAction<SaveCustomerPii>) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |name: &'static str, label: AnyView, value: Option<String>| {
        view! {
            <label class="field">{label}
                <input name=format!("draft[{name}]") value=value.unwrap_or_default() autocomplete="off" />
            </label>
        }
    };
    view! {
        <details class="new-item">
            <summary>{t!(i18n, pii.edit)}</summary>
            <ActionForm action=save attr:class="stack" attr:data-testid="pii-form">
                <input type="hidden" name="customer_id" value=customer_id.to_string() />
                {field("legal_rep_name", t!(i18n, pii.legal_rep_name).into_any(), pii.legal_rep_name)}
                {field("legal_rep_id_number", t!(i18n, pii.legal_rep_id_number).into_any(), pii.legal_rep_id_number)}
                {field("bank_name", t!(i18n, pii.bank_name).into_any(), pii.bank_name)}
                {field("bank_account", t!(i18n, pii.bank_account).into_any(), pii.bank_account)}
                <button type="submit" class="btn btn-primary">{t!(i18n, pii.save)}</button>
            </ActionForm>
            <CheckedNotice value=save.value() testid="pii-errors"
                done=move || view! { <p class="notice notice-ok" role="status">{t!(i18n, pii.saved)}</p> } />
        </details>
    }
}
