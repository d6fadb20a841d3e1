//! Login throttling (ASVS 2.2.1): how many wrong passwords a username, and a client
//! address, may send before sign-in is refused for a while.
//!
//! Invariants:
//! - A key (a username or an address) with `limit` failures inside `window` is locked
//!   until the last of those failures plus `lock`; while locked every attempt is
//!   refused before any password is checked, the right password included.
//! - A successful sign-in clears its username's failures, not its address's (one user
//!   signing in must not launder a guessing address).
//! - Memory is bounded: failures older than the window are forgotten, and at most
//!   `limit` timestamps are kept per key.
//!
//! Pure: time comes in as an argument, so the rules are tested without waiting.
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};

/// How many failures in what window lock a key, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub limit: usize,
    pub window: Duration,
    pub lock: Duration,
}

/// 10 wrong passwords for one username in 15 minutes lock it for 15 minutes.
pub const PER_USERNAME: Policy = Policy {
    limit: 10,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

/// 50 wrong passwords from one address in 15 minutes lock it for 15 minutes.
pub const PER_ADDRESS: Policy = Policy {
    limit: 50,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

/// The failures of every key under one policy.
#[derive(Debug)]
pub struct Counter {
    policy: Policy,
    failures: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl Counter {
    pub fn new(policy: Policy) -> Self {
        Counter {
            policy,
            failures: HashMap::new(),
        }
    }

    /// `Some(seconds)` to wait when `key` is locked at `now`.
    pub fn locked(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let recent = self.failures.get(key)?;
        if recent.len() < self.policy.limit {
            return None;
        }
        let (first, last) = (*recent.front()?, *recent.back()?);
        if last - first > self.policy.window {
            return None;
        }
        let until = last + self.policy.lock;
        (until > now).then(|| (until - now).num_seconds().max(1) as u64)
    }

    /// Counts a failure of `key` at `now`.
    pub fn fail(&mut self, key: &str, now: DateTime<Utc>) {
        let recent = self.failures.entry(key.to_string()).or_default();
        recent.push_back(now);
        while recent.len() > self.policy.limit {
            recent.pop_front();
        }
        if self.failures.len() > 100_000 {
            self.forget_before(now);
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }

    /// Drops keys whose last failure is older than the window and whose lock ended.
    pub fn forget_before(&mut self, now: DateTime<Utc>) {
        let keep = self.policy.window.max(self.policy.lock);
        self.failures
            .retain(|_, r| r.back().is_some_and(|last| now - *last < keep));
    }
}

/// The per-username and per-address counters together.
#[derive(Debug)]
pub struct Throttle {
    pub usernames: Counter,
    pub addresses: Counter,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            usernames: Counter::new(PER_USERNAME),
            addresses: Counter::new(PER_ADDRESS),
        }
    }
}

impl Throttle {
    /// Seconds to wait when either the username or the address is locked.
    pub fn locked(&self, username: &str, address: &str, now: DateTime<Utc>) -> Option<u64> {
        let u = self.usernames.locked(username, now);
        let a = self.addresses.locked(address, now);
        u.max(a)
    }

    pub fn fail(&mut self, username: &str, address: &str, now: DateTime<Utc>) {
        self.usernames.fail(username, now);
        self.addresses.fail(address, now);
    }

    pub fn succeed(&mut self, username: &str) {
        self.usernames.clear(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn ten_failures_in_fifteen_minutes_lock_the_username_for_fifteen() {
        let mut t = Throttle::default();
        for i in 0..9 {
            t.fail("li.na", "10.0.0.1", at(i));
        }
        assert_eq!(t.locked("li.na", "10.0.0.1", at(9)), None);
        t.fail("li.na", "10.0.0.1", at(9));
        assert_eq!(t.locked("li.na", "10.0.0.9", at(9)), Some(15 * 60));
        assert_eq!(t.locked("li.na", "10.0.0.9", at(23)), Some(60));
        assert_eq!(t.locked("li.na", "10.0.0.9", at(24)), None);
        assert_eq!(
            t.locked("wang.wei", "10.0.0.1", at(9)),
            None,
            "others unaffected"
        );
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let mut t = Throttle::default();
        for i in 0..10 {
            t.fail("li.na", "a", at(i * 2));
        }
        assert_eq!(t.locked("li.na", "a", at(18)), None);
    }

    #[test]
    fn fifty_failures_from_one_address_lock_it_for_every_username() {
        let mut t = Throttle::default();
        for i in 0..50 {
            t.fail(&format!("user{i}"), "10.0.0.7", at(0));
        }
        assert_eq!(t.locked("someone.new", "10.0.0.7", at(1)), Some(14 * 60));
        assert_eq!(t.locked("someone.new", "10.0.0.8", at(1)), None);
    }

    #[test]
    fn success_clears_the_username_but_not_the_address() {
        let mut t = Throttle::default();
        for i in 0..50 {
            t.fail("li.na", "x", at(0) + Duration::seconds(i));
        }
        t.succeed("li.na");
        assert_eq!(t.usernames.locked("li.na", at(1)), None);
        assert!(t.addresses.locked("x", at(1)).is_some());
    }

    #[test]
    fn old_keys_are_forgotten() {
        let mut c = Counter::new(PER_USERNAME);
        c.fail("a", at(0));
        c.fail("b", at(20));
        c.forget_before(at(20));
        assert_eq!(c.failures.len(), 1);
        assert!(c.failures.contains_key("b"));
    }
}
