//! The app shell: a sidebar on desktop, a top bar and a bottom tab bar on a phone.
//! The server already redirects signed-out page requests to /login; the shell only
//! shows who is signed in.
//!
//! The phone's tab bar holds at most six items (Cockpit, Tasks for those who work
//! collections, Customers, Invoices, Approvals, More); everything else sits behind
//! "More", which everyone gets. The shell also owns the collections offline queue
//! (`provide_queue`), so queued writes sync whatever page is open when the network
//! returns, its offline banner, the offline copies of task pages, and the preloading of
//! the offline pages' code for those who work collections.
use super::format::role_label;
use crate::api::auth::{current_user, Logout};
use crate::domain::auth::Permission;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

fn icon_cockpit() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 13h6V4H4zm0 7h6v-5H4zm10 0h6v-9h-6zm0-16v5h6V4z" fill="currentColor" />
        </svg>
    }
}

fn icon_customers() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
            <path
                d="M16 11a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.7 0-8 1.3-8 4v3h10v-3c0-1.1.5-2 1.3-2.7A13 13 0 0 0 8 13zm8 0c-.3 0-.7 0-1.1.1A4.3 4.3 0 0 1 17 17v3h7v-3c0-2.7-5.3-4-8-4z"
                fill="currentColor"
            />
        </svg>
    }
}

/// Switches between the two languages; the choice is kept in a cookie, so the server
/// renders the next page in it too. A form, so it also works unhydrated (the login page
/// ships no client): the server's `POST /locale` sets the cookie and sends the browser
/// back; hydrated, the switch happens in place.
#[component]
pub fn LanguageSwitch(#[prop(default = "btn-ghost")] class: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let other = move || match i18n.get_locale() {
        Locale::zh_CN => Locale::en,
        _ => Locale::zh_CN,
    };
    let here = move || match location.search.get() {
        search if search.is_empty() => location.pathname.get(),
        search => format!("{}?{search}", location.pathname.get()),
    };
    let switch = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = other();
        i18n.set_locale(next);
        remember_locale(next);
    };
    view! {
        <form method="post" action="/locale" class="lang-form" on:submit=switch>
            <input type="hidden" name="locale" value=move || other().to_string() />
            <input type="hidden" name="next" value=here />
            <button type="submit" class=class data-testid="lang-switch">
                {t!(i18n, nav.switch_language)}
            </button>
        </form>
    }
}

/// Keeps the choice in leptos_i18n's cookie, which the server reads to render the next
/// page. The browser writes it here because its build leaves leptos_i18n's cookie
/// support (a cookie parser and a date library) out.
fn remember_locale(locale: Locale) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
            let name = super::LOCALE_COOKIE;
            let cookie = format!("{name}={locale}; path=/; max-age=31536000; samesite=lax");
            let _ = doc.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = locale;
}

fn icon(d: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d=d fill="currentColor" />
        </svg>
    }
}

const ICON_INVOICES: &str = "M6 2h9l5 5v15H6zm8 1.5V8h4.5zM8 12h8v1.6H8zm0 4h8v1.6H8z";
const ICON_AGING: &str = "M4 20V10h3v10zm6 0V4h3v16zm6 0v-7h3v7z";
const ICON_PAYMENT: &str = "M2 6h20v12H2zm2 3v2h16V9zm0 5v2h6v-2z";
const ICON_ADJUST: &str = "M3 17.2V21h3.8l11-11-3.8-3.8zM20.7 7a1 1 0 0 0 0-1.4l-2.3-2.3a1 1 0 0 0-1.4 0l-1.8 1.8 3.8 3.8z";
const ICON_BILL: &str = "M4 5h16v14H4zm2 2v10h12V7zm2 2h8v2H8zm0 4h5v2H8z";
const ICON_IMPORT: &str =
    "M11 3h2v9.2l3.3-3.3 1.4 1.4L12 16 6.3 10.3l1.4-1.4 3.3 3.3zM4 18h16v2H4z";
const ICON_ACCOUNT: &str =
    "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v2h16v-2c0-2.8-3.6-5-8-5z";
const ICON_MORE: &str = "M4 6h16v2H4zm0 5h16v2H4zm0 5h16v2H4z";
const ICON_REPORT: &str = "M6 2h9l5 5v15H6zm8 1.5V8h4.5M9 12h8v1.6H9zm0 3.5h8v1.6H9zm0-7h4v1.6H9z";
const ICON_BELL: &str = "M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.8V3a1.5 1.5 0 0 0-3 0v1.2A7 7 0 0 0 5 11v5l-2 2v1h18v-1z";
const ICON_APPROVE: &str =
    "M9 3h6v2h4v17H5V5h4zm1.5 1.5v2h3v-2zM8 13.5l1.4-1.4 2.1 2.1 4.1-4.1 1.4 1.4-5.5 5.5z";
const ICON_SCORE: &str = "M12 3a9 9 0 1 0 9 9h-2a7 7 0 1 1-7-7zm1 0v8h8a8 8 0 0 0-8-8zm-1.7 12.7-1.4-1.4 4.2-4.2 1.4 1.4z";
const ICON_RULES: &str =
    "M4 4h16v3H4zm0 6.5h10v3H4zM4 17h7v3H4zm13.2-4.8 1.4-1.4 2.9 2.9-6.4 6.4-3.5.6.6-3.5z";
const ICON_TASKS: &str = "M9 4h11v2H9zm0 7h11v2H9zm0 7h11v2H9zM3.5 3.5l1.1 1.1L6.8 2.4 8 3.6 4.6 7 2.3 4.7zm0 7 1.1 1.1 2.2-2.2L8 10.6 4.6 14l-2.3-2.3zM3 17h4v4H3z";
const ICON_COLLECT: &str = "M3 21V10h4v11zm7 0V3h4v18zm7 0v-7h4v7zM2 22h20v1H2z";
const ICON_AUDIT: &str = "M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4z";

/// The signed-in user, fetched once by `AppShell` for everything inside it.
#[derive(Clone, Copy)]
struct Viewer(OnceResource<Result<Option<crate::domain::auth::User>, crate::error::AppError>>);

/// The role of the signed-in user, if any.
async fn viewer_role() -> Option<crate::domain::auth::Role> {
    let Viewer(user) = expect_context::<Viewer>();
    user.await.ok().flatten().map(|u| u.role)
}

/// Finance's tools, each shown only to those allowed to use it (the server refuses
/// everyone else anyway). The sidebar lists them; on a phone they sit behind "More".
#[component]
pub fn FinanceTools() -> impl IntoView {
    let i18n = use_i18n();
    let tools = move || {
        Suspend::new(async move {
            let role = viewer_role().await;
            let may = |p: Permission| role.is_some_and(|r| r.allows(p));
            view! {
                {may(Permission::PostLedger).then(|| view! {
                    <A href="/payments/new">{icon(ICON_PAYMENT)} <span>{t!(i18n, nav.payment)}</span></A>
                    <A href="/adjustments">{icon(ICON_ADJUST)} <span>{t!(i18n, nav.adjustments)}</span></A>
                    <A href="/bills">{icon(ICON_BILL)} <span>{t!(i18n, nav.bills)}</span></A>
                })}
                {may(Permission::ImportData).then(|| view! { <A href="/import">{icon(ICON_IMPORT)} <span>{t!(i18n, nav.import)}</span></A> })}
                {may(Permission::ViewAudit).then(|| view! { <A href="/audit">{icon(ICON_AUDIT)} <span>{t!(i18n, nav.audit)}</span></A> })}
                {may(Permission::ManageUsers).then(|| view! { <A href="/admin/users" attr:data-testid="nav-admin">{icon(ICON_ACCOUNT)} <span>{t!(i18n, nav.admin)}</span></A> })}
            }
        })
    };
    view! { <Transition>{tools}</Transition> }
}

/// True when the user may use at least one of finance's tools (or the rules).
fn has_tools(role: Option<crate::domain::auth::Role>) -> bool {
    [
        Permission::PostLedger,
        Permission::ImportData,
        Permission::ViewAudit,
        Permission::ConfigureFinance,
        Permission::ManageUsers,
    ]
    .into_iter()
    .any(|p| role.is_some_and(|r| r.allows(p)))
}

/// The app's sections. The sidebar lists them all with finance's tools; the phone's tab
/// bar holds Cockpit, Tasks (for those who work collections), Customers, Invoices,
/// Approvals and "More" (Aging, the collections page, and finance's tools).
#[component]
fn NavLinks(#[prop(optional)] phone: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <A href="/" exact=true>
            {icon_cockpit()}
            <span>{t!(i18n, nav.cockpit)}</span>
        </A>
        <TasksLink />
        <A href="/customers">{icon_customers()} <span>{t!(i18n, nav.customers)}</span></A>
        <A href="/invoices">{icon(ICON_INVOICES)} <span>{t!(i18n, nav.invoices)}</span></A>
        {(!phone).then(|| view! { <A href="/aging">{icon(ICON_AGING)} <span>{t!(i18n, nav.aging)}</span></A> })}
        {(!phone).then(|| view! { <A href="/reports">{icon(ICON_REPORT)} <span>{t!(i18n, nav.reports)}</span></A> })}
        {(!phone).then(|| view! { <A href="/collections" attr:data-testid="nav-collections">{icon(ICON_COLLECT)} <span>{t!(i18n, collections.nav_performance)}</span></A> })}
        <A href="/approvals">{icon(ICON_APPROVE)} <span>{t!(i18n, nav.approvals)}</span></A>
        {(!phone).then(|| view! { <A href="/scoring">{icon(ICON_SCORE)} <span>{t!(i18n, scoring.nav)}</span></A> })}
        {(!phone).then(|| view! { <RulesLink /> })}
        {if phone {
            view! { <A href="/more" attr:data-testid="nav-more">{icon(ICON_MORE)} <span>{t!(i18n, nav.more)}</span></A> }.into_any()
        } else {
            view! { <FinanceTools /> }.into_any()
        }}
    }
}

/// "Tasks", with the viewer's open-task count, for those who work collections. The count
/// is re-read on every navigation (as the bell's is), so working a task updates it. One
/// suspense reads both the role and the count (a suspense nested in the link would
/// resolve in a different order on the server and in the browser).
#[component]
fn TasksLink() -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let count = Resource::new(
        move || location.pathname.get(),
        |_| crate::api::collections::open_task_count(),
    );
    let link = move || {
        Suspend::new(async move {
            if !viewer_role()
                .await
                .is_some_and(|r| r.allows(Permission::WorkCollections))
            {
                return None;
            }
            let n = count.await.unwrap_or(0);
            let badge = (n > 0).then(|| view! { <span class="tab-count" data-testid="tasks-count">{if n > 99 { "99+".to_string() } else { n.to_string() }}</span> });
            Some(view! {
                <A href="/tasks" attr:data-testid="nav-tasks" attr:class="tasks-link">
                    <span class="icon-wrap">{icon(ICON_TASKS)}{badge}</span>
                    <span>{t!(i18n, collections.nav_tasks)}</span>
                </A>
            })
        })
    };
    view! { <Transition>{link}</Transition> }
}

/// The collection rules, for those who may configure finance (the server refuses
/// everyone else anyway).
#[component]
fn RulesLink() -> impl IntoView {
    let i18n = use_i18n();
    let link = move || {
        Suspend::new(async move {
            viewer_role()
                .await
                .is_some_and(|r| r.allows(Permission::ConfigureFinance))
                .then(|| view! { <A href="/rules" attr:data-testid="nav-rules">{icon(ICON_RULES)} <span>{t!(i18n, rules.nav)}</span></A> })
        })
    };
    view! { <Transition>{link}</Transition> }
}

/// The inbox bell with the unread count, re-read on every navigation (and so after
/// marking items read on the inbox page).
#[component]
fn Bell() -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let count = Resource::new(
        move || location.pathname.get(),
        |_| crate::api::alerts::unread_count(),
    );
    let badge = move || {
        Suspend::new(async move {
            let n = count.await.unwrap_or(0);
            (n > 0).then(|| view! { <span class="bell-count" data-testid="bell-count">{if n > 99 { "99+".to_string() } else { n.to_string() }}</span> })
        })
    };
    view! {
        <A href="/inbox" attr:class="bell" attr:data-testid="bell" attr:aria-label=move || t_string!(i18n, nav.inbox)>
            {icon(ICON_BELL)}
            <Transition>{badge}</Transition>
        </A>
    }
}

#[component]
fn LogoutButton() -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    view! {
        <ActionForm action=logout attr:class="logout-form">
            <button type="submit" class="btn-ghost" data-testid="logout">
                {t!(i18n, nav.logout)}
            </button>
        </ActionForm>
    }
}

#[component]
pub fn AppShell() -> impl IntoView {
    let i18n = use_i18n();
    let user = OnceResource::new(current_user());
    provide_context(Viewer(user));
    crate::ui::pages::collections::queue::provide_queue(user);
    crate::ui::pages::collections::offline::provide_task_cache();
    // A rep's offline pages are fetched as soon as the browser knows who is signed in.
    Effect::new(move |done: Option<bool>| {
        let works =
            matches!(user.get(), Some(Ok(Some(u))) if u.role.allows(Permission::WorkCollections));
        if works && done != Some(true) {
            super::routes::preload_offline();
        }
        works || done == Some(true)
    });
    let who = move || {
        Suspend::new(async move {
            match user.await {
                Ok(Some(u)) => {
                    let role = role_label(i18n, u.role);
                    view! {
                        <a href="/account" class="who" data-testid="account-link">
                            <span class="avatar" aria-hidden="true">
                                {u.display_name.chars().next().unwrap_or('?').to_string()}
                            </span>
                            <span class="who-text">
                                <span class="who-name" data-testid="user-name">{u.display_name}</span>
                                <span class="who-role">{role}</span>
                            </span>
                        </a>
                    }
                        .into_any()
                }
                _ => ().into_any(),
            }
        })
    };
    view! {
        <div class="shell">
            <aside class="sidebar">
                <a href="/" class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-text">
                        <span class="brand-name">{t!(i18n, app_name)}</span>
                        <span class="brand-tag">{t!(i18n, tagline)}</span>
                    </span>
                </a>
                <nav class="side-nav" aria-label=move || t_string!(i18n, nav.menu)>
                    <NavLinks />
                </nav>
                <div class="side-foot">
                    <Transition>{who}</Transition>
                    <div class="side-actions">
                        <Bell />
                        <LanguageSwitch />
                        <LogoutButton />
                    </div>
                </div>
            </aside>
            <header class="topbar">
                <a href="/" class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">{t!(i18n, app_name)}</span>
                </a>
                <div class="topbar-actions">
                    <Bell />
                    <LanguageSwitch />
                    <LogoutButton />
                </div>
            </header>
            <main class="content">
                <crate::ui::pages::collections::queue::OfflineBanner />
                <Outlet />
            </main>
            <nav class="tabbar" data-testid="tabbar" aria-label=move || t_string!(i18n, nav.menu)>
                <NavLinks phone=true />
            </nav>
        </div>
    }
}

/// The phone's "More" tab: the sections the tab bar has no room for, then finance's
/// tools, as lists of big tap targets.
#[component]
pub fn MorePage() -> impl IntoView {
    let i18n = use_i18n();
    let tools = move || {
        Suspend::new(async move {
            has_tools(viewer_role().await).then(|| {
                view! {
                    <nav class="more-list card" data-testid="more-list">
                        <RulesLink />
                        <FinanceTools />
                    </nav>
                }
            })
        })
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, nav.more)}</h1>
            </header>
            <nav class="more-list card" data-testid="more-sections">
                <A href="/aging">{icon(ICON_AGING)} <span>{t!(i18n, nav.aging)}</span></A>
                <A href="/collections" attr:data-testid="more-collections">{icon(ICON_COLLECT)} <span>{t!(i18n, collections.nav_performance)}</span></A>
                <A href="/account" attr:data-testid="more-account">{icon(ICON_ACCOUNT)} <span>{t!(i18n, nav.account)}</span></A>
            </nav>
            <Transition>{tools}</Transition>
        </div>
    }
}
