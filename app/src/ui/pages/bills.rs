//! Acceptance bills (应收票据): receive one (it settles invoices as a payment does), list
//! them by state, and take each one's next step: endorse, discount, collect, or record
//! its dishonour, which reopens the invoices it paid. Plain `ActionForm`s, so they work
//! before hydration; a step form offers only the steps the bill's state allows
//! (`BillState::next_steps`) and the ledger names any other refusal.
use crate::api::bills::{load_bills, ReceiveBill, SetBankBillsInExposure, TakeBillStep};
use crate::domain::bills::lifecycle::{BillState, Step};
use crate::i18n::*;
use crate::records::BillRecord;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

type I18n = leptos_i18n::I18nContext<Locale>;

const STATES: [BillState; 5] = [
    BillState::Held,
    BillState::Endorsed,
    BillState::Discounted,
    BillState::Collected,
    BillState::Dishonoured,
];

fn state_label(i18n: I18n, s: BillState) -> String {
    match s {
        BillState::Held => t_string!(i18n, bills.state_held),
        BillState::Endorsed => t_string!(i18n, bills.state_endorsed),
        BillState::Discounted => t_string!(i18n, bills.state_discounted),
        BillState::Collected => t_string!(i18n, bills.state_collected),
        BillState::Dishonoured => t_string!(i18n, bills.state_dishonoured),
    }
    .to_string()
}

fn step_label(i18n: I18n, s: Step) -> String {
    match s {
        Step::Endorse => t_string!(i18n, bills.step_endorse),
        Step::Discount => t_string!(i18n, bills.step_discount),
        Step::Collect => t_string!(i18n, bills.step_collect),
        Step::Dishonour => t_string!(i18n, bills.step_dishonour),
    }
    .to_string()
}

fn badge(s: BillState) -> &'static str {
    match s {
        BillState::Held | BillState::Collected => "badge",
        BillState::Endorsed | BillState::Discounted => "badge warn",
        BillState::Dishonoured => "badge bad",
    }
}

#[component]
pub fn BillsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let status = move || {
        query.with(|q| {
            q.get("status")
                .and_then(|s| STATES.into_iter().find(|x| x.as_str() == s))
        })
    };
    let receive = ServerAction::<ReceiveBill>::new();
    let step = ServerAction::<TakeBillStep>::new();
    let setting = ServerAction::<SetBankBillsInExposure>::new();
    let data = Resource::new(
        move || {
            (
                status(),
                receive.version().get(),
                step.version().get(),
                setting.version().get(),
            )
        },
        |(s, ..)| load_bills(s),
    );
    let chip = move |s: Option<BillState>| {
        let href = s.map_or("/bills".to_string(), |s| {
            format!("/bills?status={}", s.as_str())
        });
        let class = move || {
            if status() == s {
                "filter-chip active"
            } else {
                "filter-chip"
            }
        };
        let label = move || {
            s.map_or(t_string!(i18n, bills.all).to_string(), |s| {
                state_label(i18n, s)
            })
        };
        view! { <A href=href attr:class=class>{label}</A> }
    };
    let stepped = move || {
        step.value().get().map(|r| match r {
            Ok(b) => {
                let text = t_string!(i18n, bills.stepped, number = b.number.clone(), state = state_label(i18n, b.state)).to_string();
                view! { <p class="notice notice-ok" role="status" data-testid="bill-stepped">{text}</p> }.into_any()
            }
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, bills.title)}</h1>
            </header>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! {
                            <ReceiveForm action=receive today=v.today.to_string() />
                            <nav class="filter-chips bill-filter" aria-label=move || t_string!(i18n, bills.status)>
                                {chip(None)}
                                {STATES.into_iter().map(|s| chip(Some(s))).collect_view()}
                            </nav>
                            {stepped}
                            <BillList bills=v.bills today=v.today.to_string() action=step />
                            <ExposureSetting action=setting counted=v.bank_bills_counted />
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn ReceiveForm(action: ServerAction<ReceiveBill>, today: String) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = move || {
        action.value().get().map(|r| match r {
            Ok(b) => {
                let text = t_string!(i18n, bills.received, number = b.number.clone(), amount = b.face.display()).to_string();
                view! { <p class="notice notice-ok" role="status" data-testid="bill-received">{text}</p> }.into_any()
            }
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    };
    view! {
        <details class="card receive-bill" data-testid="receive-bill">
            <summary class="strong">{t!(i18n, bills.receive)}</summary>
            <p class="muted small">{t!(i18n, bills.receive_help)}</p>
            <ActionForm action attr:class="form-grid">
                <label class="field">{t!(i18n, payment.customer_code)}<input name="input[customer_code]" required /></label>
                <label class="field">
                    {t!(i18n, bills.kind)}
                    <select name="input[kind]">
                        <option value="commercial">{t!(i18n, bills.kind_commercial)}</option>
                        <option value="bank">{t!(i18n, bills.kind_bank)}</option>
                    </select>
                </label>
                <label class="field">
                    {t!(i18n, bills.medium)}
                    <select name="input[medium]">
                        <option value="electronic">{t!(i18n, bills.medium_electronic)}</option>
                        <option value="paper">{t!(i18n, bills.medium_paper)}</option>
                    </select>
                </label>
                <label class="field">{t!(i18n, bills.number)}<input name="input[number]" inputmode="numeric" required /></label>
                <label class="field">{t!(i18n, bills.acceptor)}<input name="input[acceptor]" required /></label>
                <label class="field">{t!(i18n, bills.face)}<input name="input[face_amount]" inputmode="decimal" required /></label>
                <label class="field">{t!(i18n, bills.issued_on)}<input type="date" name="input[issued_on]" required /></label>
                <label class="field">{t!(i18n, bills.received_on)}<input type="date" name="input[received_on]" value=today required /></label>
                <label class="field">{t!(i18n, bills.matures_on)}<input type="date" name="input[matures_on]" required /></label>
                <button type="submit" class="btn btn-primary">{t!(i18n, bills.post)}</button>
            </ActionForm>
            {outcome}
        </details>
    }
}

#[component]
fn BillList(
    bills: Vec<BillRecord>,
    today: String,
    action: ServerAction<TakeBillStep>,
) -> impl IntoView {
    let i18n = use_i18n();
    if bills.is_empty() {
        return view! { <p class="muted" data-testid="no-bills">{t!(i18n, bills.empty)}</p> }
            .into_any();
    }
    let today = StoredValue::new(today);
    let items = bills
        .into_iter()
        .map(|b| {
            let steps = b.state.next_steps();
            let kind = match b.kind {
                crate::domain::bills::BillKind::Bank => t_string!(i18n, bills.kind_bank),
                crate::domain::bills::BillKind::Commercial => t_string!(i18n, bills.kind_commercial),
            };
            view! {
                <li class="card bill" data-testid="bill" data-number=b.number.clone()>
                    <div class="bill-head">
                        <span class="mono strong">{b.number.clone()}</span>
                        <span class=badge(b.state) data-testid="bill-state">{state_label(i18n, b.state)}</span>
                    </div>
                    <div class="bill-facts muted small">
                        <A href=format!("/customers/{}", b.customer_id)>{b.customer_code.to_string()}</A>
                        <span>{kind}</span>
                        <span>{b.acceptor.clone()}</span>
                        <span>{t!(i18n, bills.matures_on)} " " {b.matures_on.to_string()}</span>
                    </div>
                    <div class="num strong">{b.face.display()}</div>
                    {(!steps.is_empty()).then(|| view! { <StepForm number=b.number.clone() steps today=today.get_value() action /> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="bill-list">{items}</ul> }.into_any()
}

/// The bill's next step: the fields shown follow the step chosen.
#[component]
fn StepForm(
    number: String,
    steps: &'static [Step],
    today: String,
    action: ServerAction<TakeBillStep>,
) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(steps[0]);
    let options = steps
        .iter()
        .map(|s| view! { <option value=s.as_str()>{step_label(i18n, *s)}</option> })
        .collect_view();
    let pick = move |ev| {
        let v = event_target_value(&ev);
        if let Some(s) = steps.iter().find(|s| s.as_str() == v) {
            chosen.set(*s);
        }
    };
    let party = move || match chosen.get() {
        Step::Endorse => Some(t_string!(i18n, bills.party_endorse).to_string()),
        Step::Discount => Some(t_string!(i18n, bills.party_discount).to_string()),
        _ => None,
    };
    view! {
        <details class="bill-step">
            <summary>{t!(i18n, bills.step)}</summary>
            <ActionForm action attr:class="form-grid" attr:data-testid="bill-step-form">
                <input type="hidden" name="form[number]" value=number />
                <label class="field">{t!(i18n, bills.step)}<select name="form[step]" on:change=pick>{options}</select></label>
                <label class="field">{t!(i18n, bills.on)}<input type="date" name="form[on]" value=today required /></label>
                {move || party().map(|label| view! { <label class="field">{label}<input name="form[party]" required /></label> })}
                {move || (chosen.get() == Step::Discount).then(|| view! {
                    <label class="field">{t!(i18n, bills.interest)}<input name="form[interest]" inputmode="decimal" required /></label>
                })}
                {move || (chosen.get() == Step::Dishonour).then(|| view! {
                    <label class="field">{t!(i18n, bills.reason)}<input name="form[reason]" /></label>
                })}
                <button type="submit" class=move || if chosen.get() == Step::Dishonour { "btn btn-danger" } else { "btn btn-primary" }>{t!(i18n, bills.take)}</button>
            </ActionForm>
        </details>
    }
}

/// Whether unmatured bank bills count in exposure (commercial ones always do).
#[component]
fn ExposureSetting(action: ServerAction<SetBankBillsInExposure>, counted: bool) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = move || {
        action.value().get().map(|r| match r {
            Ok(_) => view! { <p class="notice notice-ok" role="status" data-testid="bank-bills-saved">{t!(i18n, bills.saved)}</p> }.into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })
    };
    view! {
        <section class="card exposure-setting" data-testid="bank-bills-setting">
            <h2>{t!(i18n, bills.exposure_title)}</h2>
            <p class="muted small">{t!(i18n, bills.exposure_help)}</p>
            <ActionForm action attr:class="form-grid">
                <label class="field">
                    {t!(i18n, bills.bank_counted)}
                    <select name="counted">
                        <option value="false" selected=!counted>{t!(i18n, bills.no)}</option>
                        <option value="true" selected=counted>{t!(i18n, bills.yes)}</option>
                    </select>
                </label>
                <button type="submit" class="btn">{t!(i18n, bills.save)}</button>
            </ActionForm>
            {outcome}
        </section>
    }
}
