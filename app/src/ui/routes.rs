//! The pages as lazily loaded routes, in groups: with `cargo leptos build --split` each
//! group's views and the server functions only it calls go into their own WASM chunks,
//! fetched when one of its pages is first opened (the server names them in the page's
//! HTML, so the browser fetches them beside the main file). The main file carries the
//! router, the app shell and the offline queue.
//!
//! Invariants, and why they hold:
//! - **Groups, not single pages.** `wasm-split` puts code that several split points share
//!   into one chunk per distinct set of users; one split point per page (31) made ~1,300
//!   chunks, hundreds per page load, each a request. One per group of pages people use
//!   together keeps a page load to a few dozen files, and the build's per-chunk
//!   optimisation short.
//! - A route carries no data: each page creates its own resources, so its data code
//!   stays in its chunk too.
//! - The collections pages are fetched right after hydration for anyone who works
//!   collections (`preload_offline`), so a rep who loses the network can still open a
//!   listed task: in Leptos 0.8 a chunk that cannot be fetched breaks the page.
//! - Without `--split` (debug builds) the same routes render in place.
use super::pages;
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// Every lazily loaded page: what a route asks its group to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Login,
    Cockpit,
    Aging,
    CreditReport,
    Templates,
    TemplateRun,
    Customers,
    Customer,
    Invoices,
    Payment,
    Adjustments,
    Import,
    Audit,
    Alerts,
    Inbox,
    NotificationSettings,
    Approvals,
    Policy,
    ApplicationNew,
    ApplicationDetail,
    Scoring,
    Backtest,
    Rules,
    RuleBuilder,
    RuleRun,
    Worklist,
    Task,
    Dossier,
    Performance,
}

/// A page asked of a group that does not hold it: a programming error, shown as 404.
fn elsewhere() -> AnyView {
    pages::NotFound().into_any()
}

#[leptos::lazy]
fn login_group(_page: Page) -> AnyView {
    pages::login::LoginPage().into_any()
}

/// The executive's figures: the cockpit, aging and reports (the charts live here).
#[leptos::lazy]
fn figures_group(page: Page) -> AnyView {
    use pages::{aging, cockpit, reports};
    match page {
        Page::Cockpit => cockpit::CockpitPage().into_any(),
        Page::Aging => aging::AgingPage().into_any(),
        Page::CreditReport => reports::CreditReportPage().into_any(),
        Page::Templates => reports::TemplatesPage().into_any(),
        Page::TemplateRun => reports::TemplateRunPage().into_any(),
        _ => elsewhere(),
    }
}

/// Customers and their invoices.
#[leptos::lazy]
fn book_group(page: Page) -> AnyView {
    use pages::{customer, customers, invoices};
    match page {
        Page::Customers => customers::CustomerListPage().into_any(),
        Page::Customer => customer::CustomerPage().into_any(),
        Page::Invoices => invoices::InvoiceListPage().into_any(),
        _ => elsewhere(),
    }
}

/// Finance's tools: payments, adjustments, imports and the audit trail.
#[leptos::lazy]
fn ledger_group(page: Page) -> AnyView {
    use pages::{adjustments, audit, import, payments};
    match page {
        Page::Payment => payments::PaymentPage().into_any(),
        Page::Adjustments => adjustments::AdjustmentsPage().into_any(),
        Page::Import => import::ImportPage().into_any(),
        Page::Audit => audit::AuditPage().into_any(),
        _ => elsewhere(),
    }
}

/// Alerts, the inbox and notification settings.
#[leptos::lazy]
fn inbox_group(page: Page) -> AnyView {
    use pages::{alerts, rules};
    match page {
        Page::Alerts => alerts::AlertsPage().into_any(),
        Page::Inbox => alerts::InboxPage().into_any(),
        Page::NotificationSettings => rules::NotificationSettingsPage().into_any(),
        _ => elsewhere(),
    }
}

/// Credit applications and their approval chains, and scoring.
#[leptos::lazy]
fn credit_group(page: Page) -> AnyView {
    use pages::{approvals, scoring};
    match page {
        Page::Approvals => approvals::BoardPage().into_any(),
        Page::Policy => approvals::PolicyPage().into_any(),
        Page::ApplicationNew => approvals::ApplicationNewPage().into_any(),
        Page::ApplicationDetail => approvals::ApplicationDetailPage().into_any(),
        Page::Scoring => scoring::ScoringPage().into_any(),
        Page::Backtest => scoring::BacktestPage().into_any(),
        _ => elsewhere(),
    }
}

/// The collection rules.
#[leptos::lazy]
fn rules_group(page: Page) -> AnyView {
    use pages::rules;
    match page {
        Page::Rules => rules::RulesPage().into_any(),
        Page::RuleBuilder => rules::RuleBuilderPage().into_any(),
        Page::RuleRun => rules::RunPage().into_any(),
        _ => elsewhere(),
    }
}

/// The collections workbench (preloaded for reps: it works offline).
#[leptos::lazy]
fn collections_group(page: Page) -> AnyView {
    use pages::collections;
    match page {
        Page::Worklist => collections::WorklistPage().into_any(),
        Page::Task => collections::TaskPage().into_any(),
        Page::Dossier => collections::DossierPage().into_any(),
        Page::Performance => collections::PerformancePage().into_any(),
        _ => elsewhere(),
    }
}

/// Declares, for each `Route => group(Page)`, a data-less lazy route rendering that page
/// from that group's chunk.
macro_rules! lazy_pages {
    ($($route:ident => $group:ident),* $(,)?) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                $group(Page::$route).await
            }
        }
    )*};
}

lazy_pages! {
    Login => login_group,
    Cockpit => figures_group,
    Aging => figures_group,
    CreditReport => figures_group,
    Templates => figures_group,
    TemplateRun => figures_group,
    Customers => book_group,
    Customer => book_group,
    Invoices => book_group,
    Payment => ledger_group,
    Adjustments => ledger_group,
    Import => ledger_group,
    Audit => ledger_group,
    Alerts => inbox_group,
    Inbox => inbox_group,
    NotificationSettings => inbox_group,
    Approvals => credit_group,
    Policy => credit_group,
    ApplicationNew => credit_group,
    ApplicationDetail => credit_group,
    Scoring => credit_group,
    Backtest => credit_group,
    Rules => rules_group,
    RuleBuilder => rules_group,
    RuleRun => rules_group,
    Worklist => collections_group,
    Task => collections_group,
    Dossier => collections_group,
    Performance => collections_group,
}

/// Fetches the collections pages' chunks in the background (browser only; a no-op
/// without `--split`).
pub fn preload_offline() {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    leptos::task::spawn_local(__preload_collections_group());
}
