//! When a session ends, and how a session is described to its owner (ASVS 3.3).
//!
//! Invariants:
//! - a session ends at the absolute expiry fixed when it was opened (`ABSOLUTE`, 12 h),
//!   or once `idle` passes without a request, whichever comes first;
//! - its last-seen time is rewritten at most once per `TOUCH_EVERY`, so a busy user costs
//!   one small write a minute, not one per request; the idle limit is therefore exact to
//!   within that minute;
//! - pure: the store keeps the times, this decides.
use chrono::{DateTime, Duration, Utc};

/// From sign-in to the end, whatever the activity.
pub const ABSOLUTE: Duration = Duration::hours(12);
pub const DEFAULT_IDLE_MINUTES: i64 = 30;
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(DEFAULT_IDLE_MINUTES),
        }
    }
}

impl SessionPolicy {
    /// `minutes` of inactivity end a session: from 1 minute to the absolute 12 hours.
    pub fn with_idle_minutes(minutes: i64) -> Result<Self, String> {
        if (1..=ABSOLUTE.num_minutes()).contains(&minutes) {
            Ok(SessionPolicy {
                idle: Duration::minutes(minutes),
            })
        } else {
            Err(format!(
                "session idle timeout: {minutes} is not between 1 and {} minutes",
                ABSOLUTE.num_minutes()
            ))
        }
    }

    pub fn alive(
        &self,
        expires_at: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now < expires_at && now < last_seen + self.idle
    }

    /// Sessions last seen before this have ended (the purge's cut).
    pub fn idle_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.idle
    }
}

pub fn needs_touch(last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen >= TOUCH_EVERY
}

/// "Chrome on Android", "WeChat on iPhone": enough for a user to recognise a session,
/// from a `User-Agent` header. Unknown parts say so.
pub fn device_label(user_agent: &str) -> String {
    const BROWSERS: [(&str, &str); 8] = [
        ("MicroMessenger", "WeChat"),
        ("DingTalk", "DingTalk"),
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("CriOS/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: [(&str, &str); 6] = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| user_agent.contains(needle))
            .map(|(_, name)| *name)
    };
    match (find(&BROWSERS), find(&SYSTEMS)) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, h, m, 0).unwrap()
    }

    #[test]
    fn a_session_ends_when_idle_or_at_its_absolute_expiry() {
        let p = SessionPolicy::default();
        let opened = at(8, 0);
        let expires = opened + ABSOLUTE;
        assert!(p.alive(expires, at(8, 0), at(8, 29)));
        assert!(
            !p.alive(expires, at(8, 0), at(8, 30)),
            "30 idle minutes end it"
        );
        assert!(
            p.alive(expires, at(19, 50), at(19, 55)),
            "active in the 12th hour"
        );
        assert!(
            !p.alive(expires, at(19, 59), at(20, 0)),
            "12 hours end it, however active"
        );
        assert_eq!(p.idle_before(at(9, 0)), at(8, 30));
    }

    #[test]
    fn last_seen_is_rewritten_at_most_once_a_minute() {
        assert!(!needs_touch(at(8, 0), at(8, 0) + Duration::seconds(59)));
        assert!(needs_touch(at(8, 0), at(8, 1)));
    }

    #[test]
    fn the_idle_timeout_is_between_a_minute_and_the_absolute_limit() {
        assert_eq!(
            SessionPolicy::with_idle_minutes(30),
            Ok(SessionPolicy::default())
        );
        assert!(SessionPolicy::with_idle_minutes(0).is_err());
        assert!(SessionPolicy::with_idle_minutes(721)
            .unwrap_err()
            .contains("721"));
    }

    #[test]
    fn devices_are_named_the_way_users_know_them() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(device_label(android), "Chrome · Android");
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47";
        assert_eq!(device_label(wechat), "WeChat · iPhone");
        assert_eq!(device_label("curl/8.5.0"), "curl");
        assert_eq!(device_label(""), "?");
    }
}
