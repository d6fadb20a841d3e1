//! The CreditDesk server: configuration, the axum router (SSR pages, server functions,
//! REST API), the stores, and demo-data generation. `main.rs` is only the CLI.
#![recursion_limit = "512"]
// Handlers return a ready `Response` as their early-exit error (axum's own idiom); boxing
// it would only add an allocation to every refusal.
#![allow(clippy::result_large_err)]
pub mod api_keys;
pub mod assets;
pub mod audit_tools;
pub mod config;
pub mod export;
pub mod guards;
pub mod import;
pub mod jobs;
pub mod locale;
pub mod notify;
pub mod outbox;
pub mod rest;
pub mod seed;
pub mod store;
pub mod stream_file;
pub mod tabular;
pub mod vault;
pub mod web;

use app::api::Clock;
use chrono::{DateTime, Utc};

/// The real wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
