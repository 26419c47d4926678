//! The `[sign_in]` section's figures (SEC-01).

use super::Checker;
use crate::domain::policy::SignIn;

/// The most wrong passwords a policy may allow before the lock.
const MAX_LOCK_AFTER: u32 = 100;
/// The longest lock: a day.
const MAX_LOCK_MINUTES: u32 = 1_440;
/// The longest wait between tries: ten minutes.
const MAX_DELAY_SECONDS: u32 = 600;

impl Checker<'_> {
    /// Checks the sign-in limits: each within its bounds, and the cap no smaller than the first wait.
    pub(super) fn sign_in(&mut self, s: &SignIn) {
        self.range("sign_in.lock_after", s.lock_after, 1, MAX_LOCK_AFTER);
        self.range("sign_in.lock_minutes", s.lock_minutes, 1, MAX_LOCK_MINUTES);
        self.range("sign_in.delay_seconds", s.delay_seconds, 0, MAX_DELAY_SECONDS);
        if s.delay_cap_seconds < s.delay_seconds {
            self.error(
                "sign_in.delay_cap_seconds",
                format!(
                    "must be at least delay_seconds ({}), found {}",
                    s.delay_seconds, s.delay_cap_seconds
                ),
            );
        } else {
            self.range("sign_in.delay_cap_seconds", s.delay_cap_seconds, 0, MAX_DELAY_SECONDS);
        }
    }
}
