//! The Content Security Policy of every response (server only).
//!
//! Invariants:
//! - a page runs only scripts from this origin, plus the inline hydration scripts that
//!   carry this response's nonce (128 random bits, fresh per response: Leptos's `nonce`
//!   feature stamps it on every inline script it writes, `shell` puts it in the header);
//! - WebAssembly may compile (`'wasm-unsafe-eval'`), nothing may `eval` text;
//! - no `<style>` element from anywhere but this origin; `style="…"` attributes are
//!   allowed (`style-src-attr`), because a few views size bars that way, and an attribute
//!   cannot load or run anything;
//! - nothing may frame a CreditDesk page, and forms post only here;
//! - responses that are not pages (JSON, files) get `NOT_A_PAGE`, which allows nothing.

/// The policy of an HTML page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of a page rendered without a nonce (no inline script may run).
pub const PAGE_WITHOUT_NONCE: &str = "default-src 'self'; script-src 'self' \
     'wasm-unsafe-eval'; style-src 'self'; style-src-attr 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The policy of everything that is not a page.
pub const NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Puts this response's page policy on the response being rendered (called by `shell`).
pub fn set_page_policy() {
    let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let policy = match leptos::nonce::use_nonce() {
        Some(nonce) => page_policy(&nonce.to_string()),
        None => PAGE_WITHOUT_NONCE.to_string(),
    };
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        options.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_names_its_nonce_and_forbids_framing() {
        let p = page_policy("abc");
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(p.contains("frame-ancestors 'none'"));
        let script = p
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("'unsafe-inline'") && !p.contains(" 'unsafe-eval'"));
        assert!(!NOT_A_PAGE.contains("'self'"));
    }
}
