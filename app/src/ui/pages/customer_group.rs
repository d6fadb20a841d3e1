//! The customer page's group card (集团): the group's limit, its members' exposure and
//! what it has left, and whether that, not the customer's own availability, is what an
//! order meets. Finance (`ConfigureFinance`) also moves the customer into another group
//! or out of it, or opens a new group for it; the page's data is read again after.
//!
//! Everything renders from the customer's own data (`CustomerDetail`): no resource of
//! its own to resolve during hydration.
use crate::api::groups::{CreateCustomerGroup, SetCustomerGroup, UpdateCustomerGroup};
use crate::api::rules::Checked;
use crate::domain::groups::GroupRow;
use crate::domain::money::Money;
use crate::i18n::*;
use crate::ui::format::CheckedNotice;
use leptos::prelude::*;

#[component]
pub fn CustomerGroup(
    customer_id: i64,
    group: Option<GroupRow>,
    options: Vec<GroupRow>,
    available: Money,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    if group.is_none() && options.is_empty() {
        return ().into_any();
    }
    let current = group
        .as_ref()
        .map(|g| g.code.to_string())
        .unwrap_or_default();
    let summary = match group {
        Some(g) => view! { <Figures group=g available /> }.into_any(),
        None => view! { <div class="kpi-label">{t!(i18n, customer.group)} " " <span class="muted">{t!(i18n, customer.group_none)}</span></div> }.into_any(),
    };
    let editor =
        (!options.is_empty()).then(|| view! { <Editor customer_id current options refresh /> });
    view! {
        <section class="card group-card" data-testid="group-card">
            {summary}
            {editor}
        </section>
    }
    .into_any()
}

#[component]
fn Figures(group: GroupRow, available: Money) -> impl IntoView {
    let i18n = use_i18n();
    let group_available = group.available();
    let binds = group_available == available;
    let members = group.members;
    let tone = if group_available.is_negative() {
        "text-red"
    } else {
        ""
    };
    view! {
        <div class="kpi-label">
            {t!(i18n, customer.group)} " "
            <span class="mono chip" data-testid="group-code">{group.code.to_string()}</span> " "
            <span class="strong">{group.name.clone()}</span> " "
            <span class="muted small">{move || t_string!(i18n, customer.group_members, n = members).to_string()}</span>
        </div>
        <dl class="gauge-parts">
            <div><dt>{t!(i18n, customer.group_limit)}</dt><dd class="num" data-testid="group-limit">{group.limit.display()}</dd></div>
            <div><dt>{t!(i18n, customer.group_exposure)}</dt><dd class="num">{group.exposure.display()}</dd></div>
            <div><dt>{t!(i18n, customer.group_available)}</dt><dd class=format!("num strong {tone}") data-testid="group-available">{group_available.display()}</dd></div>
        </dl>
        {binds.then(|| view! { <p class="muted small" data-testid="group-binds">{t!(i18n, customer.group_binds)}</p> })}
    }
}

/// Move to an existing group (or none), or open a new one and join it.
#[component]
fn Editor(
    customer_id: i64,
    current: String,
    options: Vec<GroupRow>,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetCustomerGroup>::new();
    let create = ServerAction::<CreateCustomerGroup>::new();
    let update = ServerAction::<UpdateCustomerGroup>::new();
    let (panel, new_group) = (NodeRef::<leptos::html::Details>::new(), NodeRef::new());
    Effect::new(move || {
        let done = |v: Option<Result<Checked<()>, _>>| matches!(v, Some(Ok(Checked::Done(()))));
        if done(set.value().get()) || done(create.value().get()) || done(update.value().get()) {
            // Done: fold the editor and clear what was typed, then show the new figures.
            panel.get_untracked().inspect(|d| d.set_open(false));
            new_group
                .get_untracked()
                .inspect(|f: &leptos::web_sys::HtmlFormElement| f.reset());
            refresh.run(());
        }
    });
    let terms = options
        .iter()
        .find(|g| g.code.as_str() == current)
        .cloned()
        .map(|g| view! { <Terms group=g update /> });
    let choices = options
        .into_iter()
        .map(|g| {
            let code = g.code.to_string();
            let selected = code == current;
            view! { <option value=code.clone() selected=selected>{format!("{code} · {}", g.name)}</option> }
        })
        .collect_view();
    view! {
        <details class="new-item" data-testid="group-editor" node_ref=panel>
            <summary>{t!(i18n, customer.group_change)}</summary>
            <ActionForm action=set attr:class="inline-form" attr:data-testid="group-move">
                <input type="hidden" name="customer_id" value=customer_id.to_string() />
                <label class="field">{t!(i18n, customer.group)}
                    <select name="group_code">
                        <option value="" selected=current.is_empty()>{t!(i18n, customer.group_none)}</option>
                        {choices}
                    </select>
                </label>
                <button type="submit" class="btn">{t!(i18n, customer.group_move)}</button>
            </ActionForm>
            <CheckedNotice value=set.value() testid="group-errors" />
            {terms}
            <h3 class="small strong">{t!(i18n, customer.group_new)}</h3>
            <ActionForm action=create node_ref=new_group attr:class="stack" attr:data-testid="group-create">
                <input type="hidden" name="customer_id" value=customer_id.to_string() />
                <label class="field">{t!(i18n, customer.group_code)}<input name="group[code]" autocomplete="off" /></label>
                <label class="field">{t!(i18n, customer.group_name)}<input name="group[name]" autocomplete="off" /></label>
                <label class="field">{t!(i18n, customer.group_limit_input)}<input name="group[limit]" inputmode="decimal" autocomplete="off" /></label>
                <button type="submit" class="btn btn-primary">{t!(i18n, customer.group_create)}</button>
            </ActionForm>
            <CheckedNotice value=create.value() testid="group-errors" />
        </details>
    }
}

/// The current group's limit and name, for finance to change.
#[component]
fn Terms(group: GroupRow, update: ServerAction<UpdateCustomerGroup>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h3 class="small strong">{t!(i18n, customer.group_edit)}</h3>
        <ActionForm action=update attr:class="stack" attr:data-testid="group-terms">
            <input type="hidden" name="group_code" value=group.code.to_string() />
            <label class="field">{t!(i18n, customer.group_name)}<input name="group[name]" value=group.name autocomplete="off" /></label>
            <label class="field">{t!(i18n, customer.group_limit_input)}
                <input name="group[limit]" value=group.limit.amount().to_string() inputmode="decimal" autocomplete="off" />
            </label>
            <button type="submit" class="btn">{t!(i18n, customer.group_save)}</button>
        </ActionForm>
        <CheckedNotice value=update.value() testid="group-errors" />
    }
}
