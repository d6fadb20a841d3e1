//! The pages as lazily loaded routes, in groups: with `cargo leptos build --split` each
//! group's views and the server functions only it calls go into their own WASM chunks,
//! fetched when one of its pages is first opened (the server names them in the page's
//! HTML, so the browser fetches them beside the main file). The main file carries the
//! router, the app shell and the offline queue.
//!
//! Invariants, and why they hold:
//! - **Few groups, by who uses them.** `wasm-split` puts code that several split points
//!   share into one chunk per distinct set of users, and the server names every chunk a
//!   page needs as a `<link rel=preload>`: one split point per page (31) made ~1,300
//!   chunks, thirteen groups ~540, and a signed-in page then fetched 100–200 files,
//!   which over HTTP/1.1 on a phone costs more round trips than the bytes it saves
//!   (Lighthouse: time to interactive 10–14 s). Five groups keep a page to a handful
//!   of files: a rep in the field gets the worklist and tasks, an executive the
//!   figures, finance its bills page, and the office the rest (the login page is served without the client,
//!   `SERVER_ONLY_PAGES`; its group serves client-side visits). Splitting the office
//!   in three was measured: office pages fell from 1.03 MB to 0.64–0.72 MB, but every
//!   page then fetched ~28 files and the field and figures pages grew by 3–4 %.
//! - **Preloaded before hydration.** Each group marks the page it renders with
//!   `<body data-group>`; the client awaits that group's chunk (`preload_page`), then
//!   hydrates synchronously (`hydrate_body`), so the page's view is ready at the first
//!   poll; otherwise the browser would hydrate an empty placeholder where the server
//!   rendered the page (a hydration panic). Hydrating synchronously lets the patched
//!   `tachys` (vendor/tachys) drop the async hydration code of every view type. Each
//!   route's `preload` also fetches its group's chunk, for client-side navigation.
//! - A route carries no data: each page creates its own resources, so its data code
//!   stays in its chunk too.
//! - The worklist and task pages are fetched right after hydration for anyone who works
//!   collections (`preload_offline`), so a rep who loses the network can still open a
//!   listed task: in Leptos 0.8 a chunk that cannot be fetched breaks the page.
//! - `make run` and `make test` build with `--split` (`make build-release`).
use super::pages::{self, *};
use leptos::prelude::*;
use leptos_meta::Body;
use leptos_router::LazyRoute;

/// A page asked of a group that does not hold it: a programming error, shown as 404.
fn elsewhere() -> AnyView {
    pages::NotFound().into_any()
}

/// Declares the `Page` enum, one `#[lazy]` function per group rendering its pages, and
/// one data-less lazy route per page, whose `preload` fetches its group's chunk.
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $group:ident, $preload:ident {
        $($route:ident => $view:path),+ $(,)?
    })*) => {
        /// Every lazily loaded page: what a route asks its group to render.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Page {
            $($($route,)+)*
        }

        $(
            $(#[$doc])*
            #[leptos::lazy]
            fn $group(page: Page) -> AnyView {
                #[allow(unreachable_patterns)]
                let page = match page {
                    $(Page::$route => $view().into_any(),)+
                    _ => elsewhere(),
                };
                view! { <Body {..} data-group=stringify!($group) /> {page} }.into_any()
            }

            $(
                pub struct $route;

                impl LazyRoute for $route {
                    fn data() -> Self {
                        $route
                    }

                    async fn view(_this: Self) -> AnyView {
                        $group(Page::$route).await
                    }

                    async fn preload() {
                        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
                        $preload().await;
                    }
                }
            )+
        )*

        /// Fetches the chunk of the group whose page the server rendered (named by
        /// `<body data-group>`), so the page hydrates in one synchronous pass.
        pub async fn preload_page() {
            #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
            {
                let group = document().body().and_then(|body| body.get_attribute("data-group"));
                match group.as_deref() {
                    $(Some(stringify!($group)) => $preload().await,)*
                    _ => {}
                }
            }
        }
    };
}

lazy_pages! {
    /// Accounts, small and rarely opened: the sign-in page, for client-side visits
    /// (after signing out; opened by address it is plain HTML, `SERVER_ONLY_PAGES` in
    /// `ui/mod.rs`), the user's own account page (password, sessions), and the admin's
    /// users and API keys.
    login_group, __preload_login_group {
        Login => login::LoginPage,
        Account => account::AccountPage,
        Admin => admin::AdminPage,
    }
    /// A rep's worklist and task pages (preloaded for reps: they work offline).
    field_group, __preload_field_group {
        Worklist => collections::WorklistPage,
        Task => collections::TaskPage,
    }
    /// The executive's figures: the cockpit, aging and reports (the charts live here).
    figures_group, __preload_figures_group {
        Cockpit => cockpit::CockpitPage,
        Aging => aging::AgingPage,
        CreditReport => reports::CreditReportPage,
        Templates => reports::TemplatesPage,
        TemplateRun => reports::TemplateRunPage,
    }
    /// Acceptance bills, finance's alone: kept out of the office chunk, which every
    /// office page loads, since its forms and records are this page's only (~15 KB
    /// brotli measured in the office chunk).
    bills_group, __preload_bills_group {
        Bills => bills::BillsPage,
    }
    /// Finance's and credit management's office: customers, invoices, payments,
    /// imports, the audit trail, alerts, approvals, scoring, rules and the collections
    /// reports.
    office_group, __preload_office_group {
        Customers => customers::CustomerListPage,
        Customer => customer::CustomerPage,
        Invoices => invoices::InvoiceListPage,
        Payment => payments::PaymentPage,
        Adjustments => adjustments::AdjustmentsPage,
        Import => import::ImportPage,
        Audit => audit::AuditPage,
        Alerts => alerts::AlertsPage,
        Inbox => alerts::InboxPage,
        NotificationSettings => rules::NotificationSettingsPage,
        Approvals => approvals::BoardPage,
        ApplicationNew => approvals::ApplicationNewPage,
        ApplicationDetail => approvals::ApplicationDetailPage,
        Policy => approvals::PolicyPage,
        Scoring => scoring::ScoringPage,
        Backtest => scoring::BacktestPage,
        Rules => rules::RulesPage,
        RuleRun => rules::RunPage,
        RuleBuilder => rules::RuleBuilderPage,
        Dossier => collections::DossierPage,
        Performance => collections::PerformancePage,
    }
}

/// Fetches the worklist and task pages' chunks in the background (browser only; a no-op
/// without `--split`).
pub fn preload_offline() {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    leptos::task::spawn_local(__preload_field_group());
}
