//! The pure CreditDesk domain: no leptos, no sqlx, no I/O, no wall clock.
//!
//! Everything here compiles for the server and for the browser, so previews in the UI
//! and the server's answers come from the same code. Time enters only as an `as_of`
//! date or an explicit `now`, which keeps every computation reproducible.
pub mod aging;
pub mod alerts;
pub mod allocation;
pub mod api_keys;
pub mod approval;
pub mod auth;
pub mod bills;
pub mod collections;
pub mod credit;
pub mod customer;
pub mod dashboard;
pub mod documents;
pub mod effects;
pub mod events;
pub mod groups;
pub mod inbox;
pub mod indicators;
pub mod instalments;
pub mod invoice;
pub mod kpi;
pub mod login_throttle;
pub mod money;
pub mod notify;
pub mod pii;
pub mod policies;
pub mod report;
pub mod rules;
pub mod scoring;
pub mod sessions;
pub mod settings;
pub mod uscc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The currency receivables are aged and reported in. Every document is in it today;
/// multi-currency books would convert into it here, in one place.
pub const BOOK_CURRENCY: money::Currency = money::Currency::CNY;

/// The business timezone; dates are rendered and `as_of` defaults are taken in it,
/// so server-side rendering and hydration agree on "today".
///
/// China Standard Time is a fixed UTC+08:00 (no daylight saving since 1991, before any
/// document this system holds), so a `FixedOffset` is exact. It keeps the IANA database
/// (chrono-tz, ~100 KB of WASM) out of the browser.
pub const BUSINESS_TZ: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(tz) => tz,
    None => panic!("+08:00 is a valid offset"),
};

/// The business date of an instant.
pub fn business_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&BUSINESS_TZ).date_naive()
}

/// The instant a business date begins (midnight in the business timezone, which has no
/// daylight saving, so midnight always exists once).
pub fn business_start(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN) - BUSINESS_TZ).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_date_is_shanghai_date() {
        // 2026-03-01 17:30 UTC is already 2 March in Shanghai (UTC+8).
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 17, 30, 0).unwrap();
        assert_eq!(
            business_date(t),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
    }

    #[test]
    fn business_day_starts_at_shanghai_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            business_start(day),
            Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap()
        );
        assert_eq!(business_date(business_start(day)), day);
    }
}
