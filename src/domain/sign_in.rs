//! When a login may try a password again (SEC-01): a wait that grows with each wrong password,
//! then a lock for the time the policy sets. Pure: the failures and the time are arguments.

use chrono::{DateTime, Duration, Utc};

use super::policy::SignIn;

/// Whether a login may try a password now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInGate {
    /// The password may be tried.
    Open,
    /// Too soon after a wrong password: try again at `until`.
    Wait {
        /// When the next try is allowed.
        until: DateTime<Utc>,
    },
    /// Locked after `failures` wrong passwords, until `until` or an administrator unlocks it.
    Locked {
        /// When the lock ends by itself.
        until: DateTime<Utc>,
        /// The wrong passwords that locked it.
        failures: u32,
    },
}

/// Why a sign-in was refused, as the audit log says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The password was tried and was wrong, or the login is nobody's.
    WrongPassword,
    /// The account was locked: the password was not tried.
    Locked,
    /// Too soon after a wrong password: the password was not tried.
    TooSoon,
}

impl Refusal {
    /// The audit entry's detail.
    pub fn detail(self) -> &'static str {
        match self {
            Refusal::WrongPassword => "wrong password or unknown login",
            Refusal::Locked => "account locked after repeated wrong passwords; password not tried",
            Refusal::TooSoon => "too soon after a wrong password; password not tried",
        }
    }
}

/// The wait after `failures` wrong passwords in a row: none after one (a single slip costs
/// nothing), the policy's first wait after two, doubled for each further one, never above
/// its cap.
pub fn delay_after(failures: u32, rules: &SignIn) -> Duration {
    if failures < 2 || rules.delay_seconds == 0 {
        return Duration::zero();
    }
    let doublings = (failures - 2).min(31);
    let seconds = u64::from(rules.delay_seconds).saturating_mul(1u64 << doublings);
    Duration::seconds(seconds.min(u64::from(rules.delay_cap_seconds)) as i64)
}

/// What `failures` (the login's recorded wrong passwords, any order) mean at `now`. Wrong
/// passwords count as a run while each comes within `lock_minutes` of the one before; a run of
/// `lock_after` locks the login for `lock_minutes` from the last; after a lock ends the count
/// starts again.
pub fn gate(failures: &[DateTime<Utc>], rules: &SignIn, now: DateTime<Utc>) -> SignInGate {
    let window = Duration::minutes(i64::from(rules.lock_minutes));
    let mut sorted = failures.to_vec();
    sorted.sort();
    let mut run = 0u32;
    let mut last: Option<DateTime<Utc>> = None;
    let mut locked_until: Option<DateTime<Utc>> = None;
    for at in sorted {
        let lock_over = locked_until.is_some_and(|until| at >= until);
        let gap_too_long = last.is_some_and(|prev| at - prev >= window);
        if lock_over || gap_too_long {
            run = 0;
            locked_until = None;
        }
        run += 1;
        last = Some(at);
        if run >= rules.lock_after && locked_until.is_none() {
            locked_until = Some(at + window);
        }
    }
    let Some(last) = last else {
        return SignInGate::Open;
    };
    match locked_until {
        Some(until) if now < until => SignInGate::Locked { until, failures: run },
        Some(_) => SignInGate::Open,
        None if now - last >= window => SignInGate::Open,
        None => {
            let until = last + delay_after(run, rules);
            if now < until {
                SignInGate::Wait { until }
            } else {
                SignInGate::Open
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rules() -> SignIn {
        SignIn {
            lock_after: 3,
            lock_minutes: 15,
            delay_seconds: 2,
            delay_cap_seconds: 5,
        }
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap() + Duration::seconds(seconds)
    }

    #[test]
    fn sec_01_no_failures_is_open() {
        assert_eq!(gate(&[], &rules(), t(0)), SignInGate::Open);
    }

    #[test]
    fn sec_01_the_delay_doubles_with_each_failure_up_to_the_cap() {
        let r = rules();
        let secs: Vec<i64> = (0..6).map(|n| delay_after(n, &r).num_seconds()).collect();
        assert_eq!(secs, [0, 0, 2, 4, 5, 5]);
        let none = SignIn { delay_seconds: 0, ..r };
        assert_eq!(delay_after(4, &none), Duration::zero());
        let huge = SignIn {
            delay_seconds: 600,
            delay_cap_seconds: 600,
            ..r
        };
        assert_eq!(delay_after(u32::MAX, &huge).num_seconds(), 600);
    }

    #[test]
    fn sec_01_a_second_wrong_password_makes_the_next_try_wait() {
        let r = rules();
        assert_eq!(gate(&[t(0)], &r, t(0)), SignInGate::Open);
        assert_eq!(gate(&[t(0), t(10)], &r, t(11)), SignInGate::Wait { until: t(12) });
        assert_eq!(gate(&[t(10), t(0)], &r, t(12)), SignInGate::Open);
        let four = SignIn { lock_after: 5, ..r };
        assert_eq!(
            gate(&[t(0), t(10), t(20)], &four, t(23)),
            SignInGate::Wait { until: t(24) }
        );
    }

    #[test]
    fn sec_01_lock_after_failures_lock_for_the_policys_minutes() {
        let r = rules();
        let f = [t(0), t(10), t(20)];
        let until = t(20) + Duration::minutes(15);
        assert_eq!(gate(&f, &r, t(21)), SignInGate::Locked { until, failures: 3 });
        assert_eq!(
            gate(&f, &r, until - Duration::seconds(1)),
            SignInGate::Locked { until, failures: 3 }
        );
        assert_eq!(gate(&f, &r, until), SignInGate::Open);
    }

    #[test]
    fn sec_01_failures_far_apart_do_not_add_up() {
        let r = rules();
        let f = [t(0), t(16 * 60), t(32 * 60)];
        assert_eq!(gate(&f, &r, t(32 * 60)), SignInGate::Open);
        let close = [t(0), t(14 * 60), t(28 * 60)];
        assert!(matches!(gate(&close, &r, t(28 * 60 + 1)), SignInGate::Locked { .. }));
        // The delay too is forgotten once the window has passed.
        assert_eq!(gate(&[t(0), t(1)], &r, t(1) + Duration::minutes(15)), SignInGate::Open);
    }

    #[test]
    fn sec_01_after_a_lock_ends_the_count_starts_again() {
        let r = rules();
        let end = t(20) + Duration::minutes(15);
        let s = Duration::seconds;
        let f = [t(0), t(10), t(20), end + s(1)];
        assert_eq!(gate(&f, &r, end + s(1)), SignInGate::Open);
        let two = [t(0), t(10), t(20), end + s(1), end + s(5)];
        assert_eq!(gate(&two, &r, end + s(6)), SignInGate::Wait { until: end + s(7) });
        let again = [t(0), t(10), t(20), end, end + s(10), end + s(20)];
        assert_eq!(
            gate(&again, &r, end + s(21)),
            SignInGate::Locked {
                until: end + s(20) + Duration::minutes(15),
                failures: 3
            }
        );
    }

    #[test]
    fn sec_01_a_lock_after_one_failure_is_honoured() {
        let r = SignIn {
            lock_after: 1,
            ..rules()
        };
        assert!(matches!(
            gate(&[t(0)], &r, t(1)),
            SignInGate::Locked { failures: 1, .. }
        ));
    }
}
