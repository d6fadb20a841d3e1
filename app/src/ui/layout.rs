//! The app shell: a sidebar on desktop, a top bar and a bottom tab bar on a phone.
//! The server already redirects signed-out page requests to /login; the shell only
//! shows who is signed in.
use super::format::role_label;
use crate::api::auth::{current_user, Logout};
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
/// renders the next page in it too.
#[component]
pub fn LanguageSwitch(#[prop(default = "btn-ghost")] class: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let toggle = move |_| {
        let next = if i18n.get_locale() == Locale::zh_CN { Locale::en } else { Locale::zh_CN };
        i18n.set_locale(next);
    };
    view! {
        <button type="button" class=class on:click=toggle data-testid="lang-switch">
            {t!(i18n, nav.switch_language)}
        </button>
    }
}

/// The app's sections: the sidebar on desktop and the tab bar on a phone list the same.
#[component]
fn NavLinks() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <A href="/" exact=true>
            {icon_cockpit()}
            <span>{t!(i18n, nav.cockpit)}</span>
        </A>
        <A href="/customers">{icon_customers()} <span>{t!(i18n, nav.customers)}</span></A>
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
    let who = move || {
        Suspend::new(async move {
            match user.await {
                Ok(Some(u)) => {
                    let role = role_label(i18n, u.role);
                    view! {
                        <div class="who">
                            <span class="avatar" aria-hidden="true">
                                {u.display_name.chars().next().unwrap_or('?').to_string()}
                            </span>
                            <span class="who-text">
                                <span class="who-name" data-testid="user-name">{u.display_name}</span>
                                <span class="who-role">{role}</span>
                            </span>
                        </div>
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
                    <LanguageSwitch />
                    <LogoutButton />
                </div>
            </header>
            <main class="content">
                <Outlet />
            </main>
            <nav class="tabbar" data-testid="tabbar" aria-label=move || t_string!(i18n, nav.menu)>
                <NavLinks />
            </nav>
        </div>
    }
}
