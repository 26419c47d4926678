//! Operator accounts through the desk: add, suspend, change password (SEC-01, SEC-03, SEC-05).

use chrono::NaiveDate;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Suspension;
use crate::domain::ids::OperatorId;
use crate::domain::operator::{Grant, Login, Operator, Role};
use crate::domain::validate::{self, FieldError};
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{find_operator, now_ms, Desk, DeskError};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a new password's length (a passphrase is encouraged over complexity rules).
pub fn check_password(password: &str) -> Result<(), FieldError> {
    crate::domain::limits::check("password", password, crate::domain::limits::PASSWORD)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters; a few unrelated words work well"),
        ));
    }
    Ok(())
}

/// A new operator account as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOperator {
    /// Sign-in name.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Training completion date (writes need it, SEC-05).
    pub trained_on: Option<NaiveDate>,
    /// Initial password.
    pub password: String,
}

fn operator_ref(op: &Operator) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Operator,
        id: op.id.0,
    })
}

impl Desk {
    /// Creates an operator with their own key slot (SEC-01: accounts are never shared).
    pub fn add_operator(&self, input: &NewOperator) -> Result<Operator, DeskError> {
        self.require(Permission::ManageOperators)?;
        let mut errors = Vec::new();
        let login = Login::parse(&input.login).map_err(|e| errors.push(e)).ok();
        let name = validate::person_name("name", &input.name)
            .map_err(|e| errors.push(e))
            .ok();
        if input.roles.is_empty() {
            errors.push(FieldError::new("role", "give at least one role"));
        }
        if let Err(e) = check_password(&input.password) {
            errors.push(e);
        }
        let (Some(login), Some(name), true) = (login, name, errors.is_empty()) else {
            return Err(DeskError::Fields(errors));
        };
        if find_operator(&self.store, login.as_str())?.is_some() {
            return Err(DeskError::Invalid(format!(
                "an operator with login {login} already exists"
            )));
        }
        let now = self.now();
        let mut roles = input.roles.clone();
        roles.sort();
        roles.dedup();
        let op = Operator {
            id: OperatorId::new_at(now_ms(now)),
            login,
            name,
            roles,
            grants: Vec::new(),
            trained_on: input.trained_on,
            suspension: None,
            created_at: now,
        };
        let (slot, key) = self.store.make_key_slot_signing(op.login.as_str(), &input.password)?;
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &op);
        ws.key_slot(&slot);
        self.sign_roster(&mut ws, &op, &[key])?;
        ws.audit(self.audit(
            AuditAction::Create,
            operator_ref(&op),
            format!("operator {} added with roles {}", op.login, op.roles_text()),
        ));
        self.commit(ws)?;
        Ok(op)
    }

    /// Suspends an operator pending investigation (SEC-03); they can no longer sign in.
    pub fn suspend_operator(&self, login: &Login, reason: &str) -> Result<Operator, DeskError> {
        self.require(Permission::ManageOperators)?;
        let reason = super::required_reason(reason, "when suspending an operator")?;
        let old = self.operator_by_login(login)?;
        if old.id == self.operator.id {
            return Err(DeskError::Invalid("you cannot suspend your own account".into()));
        }
        let mut new = old.clone();
        new.suspension = Some(Suspension {
            reason: reason.to_string(),
            by: self.operator.id,
            at: self.now(),
        });
        self.update_operator(
            &old,
            &new,
            self.audit_because(
                AuditAction::Update,
                operator_ref(&new),
                format!("operator {} suspended", new.login),
                reason,
            ),
        )?;
        Ok(new)
    }

    /// Gives (`true`) or takes back (`false`) the bulk-email grant (SEC-06, administrators;
    /// audited). Only an operator whose training is recorded as completed may be given it.
    pub fn set_bulk_email_grant(&self, login: &Login, give: bool) -> Result<Operator, DeskError> {
        self.require(Permission::ManageOperators)?;
        let old = self.operator_by_login(login)?;
        if give && !old.is_trained(self.today()) {
            return Err(DeskError::Invalid(format!(
                "{login} has no completed training recorded, and bulk e-mail is only for trained staff (SEC-06); \
                 record the training date first"
            )));
        }
        let mut new = old.clone();
        new.grants.retain(|g| *g != Grant::BulkEmail);
        if give {
            new.grants.push(Grant::BulkEmail);
        }
        if new == old {
            return Ok(old);
        }
        let what = if give { "given" } else { "taken back" };
        self.update_operator(
            &old,
            &new,
            self.audit(
                AuditAction::Update,
                operator_ref(&new),
                format!("bulk-email grant {what} for {}", new.login),
            ),
        )?;
        Ok(new)
    }

    /// Sets an operator's password: their own, or anyone's for an administrator.
    pub fn set_password(&self, login: &Login, password: &str) -> Result<(), DeskError> {
        let target = self.operator_by_login(login)?;
        if target.id != self.operator.id {
            self.require(Permission::ManageOperators)?;
        }
        check_password(password)?;
        let (slot, key) = self.store.make_key_slot_signing(target.login.as_str(), password)?;
        let mut ws = WriteSet::new();
        ws.key_slot(&slot);
        self.sign_roster(&mut ws, &target, &[key])?;
        ws.audit(self.audit(
            AuditAction::Update,
            operator_ref(&target),
            format!("password changed for {}", target.login),
        ));
        self.commit(ws)
    }

    /// Writes an operator's change with their roster entry signed in the same commit.
    fn update_operator(
        &self,
        old: &Operator,
        new: &Operator,
        audit: crate::domain::audit::AuditEntry,
    ) -> Result<(), DeskError> {
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(old), new);
        self.sign_roster(&mut ws, new, &[])?;
        ws.audit(audit);
        self.commit(ws)
    }

    /// Every operator account (administrators and supervisors).
    pub fn operators(&self) -> Result<Vec<Operator>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        Ok(self.store.scan::<Operator>()?.collect::<Result<Vec<_>, _>>()?)
    }

    /// One operator by login.
    pub fn operator_by_login(&self, login: &Login) -> Result<Operator, DeskError> {
        find_operator(&self.store, login.as_str())?
            .ok_or_else(|| DeskError::Invalid(format!("no operator has login {login}; `operator list` shows them")))
    }
}
