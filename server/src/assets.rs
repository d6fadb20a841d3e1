//! How the client's files and every other response travel: small and cached.
//!
//! Invariants, and why they hold:
//! - `/pkg` files are served precompressed (`.br`, then `.gz`, written by
//!   `cargo leptos build --release --precompress`) to a browser that accepts them, so a
//!   phone downloads the brotli size and the server spends no CPU compressing them.
//! - A release build names the client's files by their content hash and writes
//!   `hash.txt` beside the binary (`hash-files`); only then are they `immutable` for a
//!   year: a new build has new names, so a cached file is never stale. wasm-bindgen's
//!   `snippets/` keep their names, so they (and everything in an unhashed build) are
//!   revalidated instead.
//! - Dynamic responses (pages, server functions, REST JSON) are compressed on the fly;
//!   already-encoded files and XLSX (a zip) are not compressed again.
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The file cargo-leptos writes beside the server binary when assets are hashed.
pub const HASH_FILE: &str = "hash.txt";

/// True when this binary was built with hashed asset names (`hash.txt` beside it).
pub fn hashed_build() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE).is_file()))
        .unwrap_or(false)
}

/// The `/pkg` directory's files, precompressed when possible.
pub fn pkg_service(site_root: &str) -> ServeDir {
    ServeDir::new(std::path::Path::new(site_root).join("pkg"))
        .precompressed_br()
        .precompressed_gzip()
}

/// The `Cache-Control` a `/pkg` path gets.
pub fn pkg_cache_control(path: &str, hashed: bool) -> &'static str {
    if hashed && !path.contains("/snippets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Sets `Cache-Control` on successful `/pkg` responses (an error is never cached).
pub async fn cache_headers(hashed: bool, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    if res.status().is_success() {
        let value = pkg_cache_control(&path, hashed);
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

/// Compression of dynamic responses: brotli or gzip, as the client accepts.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new(XLSX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_files_are_immutable() {
        assert_eq!(
            pkg_cache_control("/pkg/creditdesk.Ab12.wasm", true),
            IMMUTABLE
        );
        assert_eq!(
            pkg_cache_control("/pkg/snippets/x/inline0.js", true),
            REVALIDATE
        );
        assert_eq!(pkg_cache_control("/pkg/creditdesk.wasm", false), REVALIDATE);
    }
}
