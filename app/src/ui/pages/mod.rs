//! One module per page.
pub mod account;
pub mod adjustments;
pub mod admin;
pub mod aging;
pub mod alerts;
pub mod approvals;
pub mod audit;
pub mod bills;
pub mod cockpit;
mod cockpit_charts;
pub mod collections;
pub mod customer;
pub mod customer_group;
pub mod customer_pii;
pub mod customers;
pub mod import;
pub mod invoices;
pub mod login;
pub mod payments;
pub mod reports;
pub mod rules;
pub mod scoring;

use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <div class="center-page">
            <div class="card narrow">
                <h1>"404"</h1>
                <p>{t!(i18n, error.not_found)}</p>
                <a href="/" class="btn">{t!(i18n, error.home)}</a>
            </div>
        </div>
    }
}
