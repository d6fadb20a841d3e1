//! The pure CreditDesk domain: no leptos, no sqlx, no I/O, no wall clock.
//!
//! Everything here compiles for the server and for the browser, so previews in the UI
//! and the server's answers come from the same code. Time enters only as an `as_of`
//! date or an explicit `now`, which keeps every computation reproducible.
pub mod aging;
pub mod alerts;
pub mod allocation;
pub mod approval;
pub mod auth;
pub mod credit;
pub mod customer;
pub mod collections;
pub mod dashboard;
pub mod documents;
pub mod indicators;
pub mod invoice;
pub mod inbox;
pub mod kpi;
pub mod money;
pub mod notify;
pub mod report;
pub mod rules;
pub mod scoring;
pub mod uscc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The currency receivables are aged and reported in. Every document is in it today;
/// multi-currency books would convert into it here, in one place.
pub const BOOK_CURRENCY: money::Currency = money::Currency::CNY;

/// The business timezone; dates are rendered and `as_of` defaults are taken in it,
/// so server-side rendering and hydration agree on "today".
pub const BUSINESS_TZ: Tz = chrono_tz::Asia::Shanghai;

/// The business date of an instant.
pub fn business_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&BUSINESS_TZ).date_naive()
}

/// The instant a business date begins (midnight in the business timezone, which has no
/// daylight saving, so midnight always exists once).
pub fn business_start(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    BUSINESS_TZ
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc(), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_date_is_shanghai_date() {
        // 2026-03-01 17:30 UTC is already 2 March in Shanghai (UTC+8).
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 17, 30, 0).unwrap();
        assert_eq!(business_date(t), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }
}
