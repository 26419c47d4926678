//! When a message whose send failed with a temporary error is tried again, and when to stop.

use chrono::{DateTime, Duration, Utc};

/// After this many failed attempts a message is given up (marked failed for staff to see).
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait after `attempts` failed attempts: 1 min, 5 min, 30 min, 2 h, then every 6 h;
/// no wait before the first attempt.
pub fn delay_after(attempts: u32) -> Duration {
    match attempts {
        0 => Duration::zero(),
        1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(30),
        4 => Duration::hours(2),
        _ => Duration::hours(6),
    }
}

/// When to try again after `attempts` failed attempts, the last one at `now`.
pub fn next_attempt_at(attempts: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    now + delay_after(attempts)
}

/// Whether to stop trying after `attempts` failed attempts.
pub fn give_up(attempts: u32) -> bool {
    attempts >= MAX_ATTEMPTS
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn backoff_grows_then_settles_at_six_hours() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let waits: Vec<i64> = (1..=8).map(|a| (next_attempt_at(a, now) - now).num_minutes()).collect();
        assert_eq!(waits, vec![1, 5, 30, 120, 360, 360, 360, 360]);
        assert_eq!(next_attempt_at(0, now), now);
    }

    #[test]
    fn gives_up_after_eight_attempts() {
        assert!(!give_up(0));
        assert!(!give_up(7));
        assert!(give_up(8));
        assert!(give_up(9));
    }
}
