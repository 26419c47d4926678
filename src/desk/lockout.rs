//! Repeated wrong passwords (SEC-01): the wait and the lock decided before a password is tried,
//! and an administrator's unlock.

use chrono::{DateTime, Utc};

use super::{Desk, DeskError, WriteSet};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::operator::Login;
use crate::domain::sign_in::{gate, Refusal, SignInGate};
use crate::domain::{EntityKind, RecordRef};
use crate::policy::Policy;
use crate::store::LockedStore;

/// Refuses `login` unheard while it must wait or is locked; the refusal is recorded for the
/// audit log. Called before the password is tried.
pub(super) fn check(locked: &LockedStore, policy: &Policy, login: &str, now: DateTime<Utc>) -> Result<(), DeskError> {
    let failures = locked.sign_in_failures(login)?;
    let refusal = match gate(&failures, &policy.sign_in, now) {
        SignInGate::Open => return Ok(()),
        SignInGate::Locked { until, failures } => (Refusal::Locked, locked_message(policy, login, until, failures)),
        SignInGate::Wait { until } => (
            Refusal::TooSoon,
            format!(
                "too soon after a wrong password for {login}: try again in {} seconds (at {})",
                (until - now).num_seconds().max(1),
                local(policy, until)
            ),
        ),
    };
    locked.record_refusal(login, refusal.0, now)?;
    Err(DeskError::Denied(refusal.1))
}

/// The error for a wrong password: the store's words, and the lock if this one set it.
pub(super) fn wrong_password(
    locked: &LockedStore,
    policy: &Policy,
    login: &str,
    refused: String,
    now: DateTime<Utc>,
) -> DeskError {
    let failures = match locked.sign_in_failures(login) {
        Ok(f) => f,
        Err(_) => return DeskError::Denied(refused),
    };
    match gate(&failures, &policy.sign_in, now) {
        SignInGate::Locked { until, failures } => {
            DeskError::Denied(format!("{refused}; {}", locked_message(policy, login, until, failures)))
        }
        _ => DeskError::Denied(refused),
    }
}

fn locked_message(policy: &Policy, login: &str, until: DateTime<Utc>, failures: u32) -> String {
    format!(
        "{login} is locked after {failures} wrong passwords until {}; \
         ask an administrator to unlock it (careerdesk operator unlock {login})",
        local(policy, until)
    )
}

/// A time as the desk reads it: the institution's zone, to the second.
fn local(policy: &Policy, at: DateTime<Utc>) -> String {
    at.with_timezone(&policy.institution.time_zone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

impl Desk {
    /// Unlocks an operator locked by wrong passwords (administrators; audited): their count of
    /// wrong passwords is forgotten. Says how many there were.
    pub fn unlock_operator(&self, login: &Login) -> Result<usize, DeskError> {
        self.require(Permission::ManageOperators)?;
        let target = self.operator_by_login(login)?;
        let forgotten = self.store.clear_sign_in_failures(target.login.as_str())?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Update,
            Some(RecordRef {
                kind: EntityKind::Operator,
                id: target.id.0,
            }),
            format!(
                "operator {} unlocked ({forgotten} wrong passwords forgotten)",
                target.login
            ),
        ));
        self.store.commit(self.operator.id, ws, self.now())?;
        Ok(forgotten)
    }
}
