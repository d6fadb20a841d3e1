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
mod routes;
pub use routes::preload_page;

/// The language cookie: leptos_i18n's default name, which the server reads (its `cookie`
/// feature) and which the browser (`LanguageSwitch`) and `POST /locale` write.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::{HashedStylesheet, MetaTags};
    crate::csp::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#0f2a4a" />
                <HashedStylesheet options=options.clone() />
                <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%230f2a4a'/%3E%3Cpath d='M9 17l5 5 9-11' stroke='%2334d399' stroke-width='3.5' fill='none' stroke-linecap='round'/%3E%3C/svg%3E" />
                {needs_client().then(|| view! {
                    <AutoReload options=options.clone() />
                    <HydrationScripts options />
                })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Pages served as plain HTML, without the client: the sign-in page is a form post and
/// its language switch another (`LanguageSwitch`), so a signed-out visitor on a phone
/// downloads no WASM at all and can type at once. Signed in, the next page fetches the
/// client; a client-side visit to these pages still renders them.
#[cfg(feature = "ssr")]
const SERVER_ONLY_PAGES: &[&str] = &["/login"];

/// Whether the page being rendered hydrates (everything but `SERVER_ONLY_PAGES`).
#[cfg(feature = "ssr")]
fn needs_client() -> bool {
    use_context::<http::request::Parts>()
        .is_none_or(|parts| !SERVER_ONLY_PAGES.contains(&parts.uri.path()))
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
                    <Route path=path!("/login") view={Lazy::<routes::Login>::new()} ssr=SsrMode::Async />
                    <ParentRoute path=path!("/") view=layout::AppShell ssr=SsrMode::Async>
                        <Route path=path!("") view={Lazy::<routes::Cockpit>::new()} ssr=SsrMode::Async />
                        <Route path=path!("customers") view={Lazy::<routes::Customers>::new()} ssr=SsrMode::Async />
                        <Route path=path!("customers/:id") view={Lazy::<routes::Customer>::new()} ssr=SsrMode::Async />
                        <Route path=path!("invoices") view={Lazy::<routes::Invoices>::new()} ssr=SsrMode::Async />
                        <Route path=path!("aging") view={Lazy::<routes::Aging>::new()} ssr=SsrMode::Async />
                        <Route path=path!("payments/new") view={Lazy::<routes::Payment>::new()} ssr=SsrMode::Async />
                        <Route path=path!("adjustments") view={Lazy::<routes::Adjustments>::new()} ssr=SsrMode::Async />
                        <Route path=path!("bills") view={Lazy::<routes::Bills>::new()} ssr=SsrMode::Async />
                        <Route path=path!("import") view={Lazy::<routes::Import>::new()} ssr=SsrMode::Async />
                        <Route path=path!("audit") view={Lazy::<routes::Audit>::new()} ssr=SsrMode::Async />
                        <Route path=path!("more") view=layout::MorePage ssr=SsrMode::Async />
                        <Route path=path!("account") view={Lazy::<routes::Account>::new()} ssr=SsrMode::Async />
                        <Route path=path!("alerts") view={Lazy::<routes::Alerts>::new()} ssr=SsrMode::Async />
                        <Route path=path!("inbox") view={Lazy::<routes::Inbox>::new()} ssr=SsrMode::Async />
                        <Route path=path!("reports") view={Lazy::<routes::CreditReport>::new()} ssr=SsrMode::Async />
                        <Route path=path!("reports/templates") view={Lazy::<routes::Templates>::new()} ssr=SsrMode::Async />
                        <Route path=path!("reports/templates/:id") view={Lazy::<routes::TemplateRun>::new()} ssr=SsrMode::Async />
                        <Route path=path!("approvals") view={Lazy::<routes::Approvals>::new()} ssr=SsrMode::Async />
                        <Route path=path!("approvals/policy") view={Lazy::<routes::Policy>::new()} ssr=SsrMode::Async />
                        <Route path=path!("applications/new") view={Lazy::<routes::ApplicationNew>::new()} ssr=SsrMode::Async />
                        <Route path=path!("applications/:id") view={Lazy::<routes::ApplicationDetail>::new()} ssr=SsrMode::Async />
                        <Route path=path!("scoring") view={Lazy::<routes::Scoring>::new()} ssr=SsrMode::Async />
                        <Route path=path!("scoring/backtest") view={Lazy::<routes::Backtest>::new()} ssr=SsrMode::Async />
                        <Route path=path!("rules") view={Lazy::<routes::Rules>::new()} ssr=SsrMode::Async />
                        <Route path=path!("rules/new") view={Lazy::<routes::RuleBuilder>::new()} ssr=SsrMode::Async />
                        <Route path=path!("rules/runs/:id") view={Lazy::<routes::RuleRun>::new()} ssr=SsrMode::Async />
                        <Route path=path!("rules/:id") view={Lazy::<routes::RuleBuilder>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tasks") view={Lazy::<routes::Worklist>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tasks/:id") view={Lazy::<routes::Task>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tasks/:id/dossier") view={Lazy::<routes::Dossier>::new()} ssr=SsrMode::Async />
                        <Route path=path!("collections") view={Lazy::<routes::Performance>::new()} ssr=SsrMode::Async />
                        <Route path=path!("settings/notifications") view={Lazy::<routes::NotificationSettings>::new()} ssr=SsrMode::Async />
                        <Route path=path!("admin/users") view={Lazy::<routes::Admin>::new()} ssr=SsrMode::Async />
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
