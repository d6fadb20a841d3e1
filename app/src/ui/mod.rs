//! The Leptos UI: the document shell, routes, layout and pages.
//!
//! Rules: pages render completely on the server (readable before the WASM arrives, and
//! with JavaScript off); browser APIs are touched only inside `Effect`s; every visible
//! string comes from `crate::i18n`; tables always have an explicit `<tbody>`.
mod chart;
pub(crate) mod dnd;
mod format;
pub(crate) mod layout;
pub mod pages;

use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::{HashedStylesheet, MetaTags};
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#0f2a4a" />
                <HashedStylesheet options=options.clone() />
                <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%230f2a4a'/%3E%3Cpath d='M9 17l5 5 9-11' stroke='%2334d399' stroke-width='3.5' fill='none' stroke-linecap='round'/%3E%3C/svg%3E" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: mark the document so tests
    // (and CSS, if ever needed) can tell a live page from server-rendered HTML.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <I18nContextProvider>
            <Title text="CreditDesk" />
            <Router>
                <Routes fallback=|| view! { <pages::NotFound /> }>
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <ParentRoute path=path!("/") view=layout::AppShell ssr=SsrMode::Async>
                        <Route path=path!("") view=pages::cockpit::CockpitPage ssr=SsrMode::Async />
                        <Route path=path!("customers") view=pages::customers::CustomerListPage ssr=SsrMode::Async />
                        <Route path=path!("customers/:id") view=pages::customer::CustomerPage ssr=SsrMode::Async />
                        <Route path=path!("invoices") view=pages::invoices::InvoiceListPage ssr=SsrMode::Async />
                        <Route path=path!("aging") view=pages::aging::AgingPage ssr=SsrMode::Async />
                        <Route path=path!("payments/new") view=pages::payments::PaymentPage ssr=SsrMode::Async />
                        <Route path=path!("adjustments") view=pages::adjustments::AdjustmentsPage ssr=SsrMode::Async />
                        <Route path=path!("import") view=pages::import::ImportPage ssr=SsrMode::Async />
                        <Route path=path!("audit") view=pages::audit::AuditPage ssr=SsrMode::Async />
                        <Route path=path!("more") view=layout::MorePage ssr=SsrMode::Async />
                        <Route path=path!("alerts") view=pages::alerts::AlertsPage ssr=SsrMode::Async />
                        <Route path=path!("inbox") view=pages::alerts::InboxPage ssr=SsrMode::Async />
                        <Route path=path!("reports") view=pages::reports::CreditReportPage ssr=SsrMode::Async />
                        <Route path=path!("reports/templates") view=pages::reports::TemplatesPage ssr=SsrMode::Async />
                        <Route path=path!("reports/templates/:id") view=pages::reports::TemplateRunPage ssr=SsrMode::Async />
                        <Route path=path!("approvals") view=pages::approvals::BoardPage ssr=SsrMode::Async />
                        <Route path=path!("approvals/policy") view=pages::approvals::PolicyPage ssr=SsrMode::Async />
                        <Route path=path!("applications/new") view=pages::approvals::ApplicationNewPage ssr=SsrMode::Async />
                        <Route path=path!("applications/:id") view=pages::approvals::ApplicationDetailPage ssr=SsrMode::Async />
                        <Route path=path!("scoring") view=pages::scoring::ScoringPage ssr=SsrMode::Async />
                        <Route path=path!("scoring/backtest") view=pages::scoring::BacktestPage ssr=SsrMode::Async />
                        <Route path=path!("rules") view=pages::rules::RulesPage ssr=SsrMode::Async />
                        <Route path=path!("rules/new") view=pages::rules::RuleBuilderPage ssr=SsrMode::Async />
                        <Route path=path!("rules/runs/:id") view=pages::rules::RunPage ssr=SsrMode::Async />
                        <Route path=path!("rules/:id") view=pages::rules::RuleBuilderPage ssr=SsrMode::Async />
                        <Route path=path!("tasks") view=pages::collections::WorklistPage ssr=SsrMode::Async />
                        <Route path=path!("tasks/:id") view=pages::collections::TaskPage ssr=SsrMode::Async />
                        <Route path=path!("tasks/:id/dossier") view=pages::collections::DossierPage ssr=SsrMode::Async />
                        <Route path=path!("collections") view=pages::collections::PerformancePage ssr=SsrMode::Async />
                        <Route path=path!("settings/notifications") view=pages::rules::NotificationSettingsPage ssr=SsrMode::Async />
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
