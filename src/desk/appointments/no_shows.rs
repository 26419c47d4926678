//! No-shows and blocks (APPT-04): a client's flags re-evaluated after each outcome, and
//! supervisors blocking a client or lifting a block.

use chrono::NaiveDate;

use super::client_ref;
use crate::desk::{required_reason, Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::audit::AuditAction;
use crate::domain::client::{Block, Client, Flag, FlagKind};
use crate::domain::ids::ClientId;
use crate::domain::rules::{self, NoShowLevel};
use crate::domain::validate::{FieldError, StudentNumber};
use crate::store::WriteSet;

impl Desk {
    /// Re-evaluates APPT-04 flags for a client, with `changed` replacing its stored version.
    pub(super) fn refresh_no_show_flags(
        &self,
        ws: &mut WriteSet,
        client_id: ClientId,
        changed: &Appointment,
    ) -> Result<(), DeskError> {
        let Some(old) = self.store.get::<Client>(client_id.0)? else {
            return Ok(());
        };
        let mut history = self.client_appointments(client_id)?;
        for a in history.iter_mut().filter(|a| a.id == changed.id) {
            *a = changed.clone();
        }
        let now = self.now();
        let status = rules::no_show_status(&self.policy, &history, now);
        let mut new = old.clone();
        let reason = format!("{} no-shows since {}", status.count, status.since.format("%-d %b %Y"));
        let want = |kind| match kind {
            FlagKind::NoShowConcern => status.level != NoShowLevel::Clear,
            FlagKind::BlockProposed => {
                status.level == NoShowLevel::ProposeBlock && old.block_on(self.today()).is_none()
            }
            FlagKind::WellbeingConcern => true,
        };
        new.flags
            .retain(|f| f.kind == FlagKind::WellbeingConcern || want(f.kind));
        for kind in [FlagKind::NoShowConcern, FlagKind::BlockProposed] {
            if want(kind) && !new.has_flag(kind) {
                new.flags.push(Flag {
                    kind,
                    raised_by: None,
                    at: now,
                    reason: reason.clone(),
                });
            }
        }
        if new != old {
            ws.put(&self.store, Some(&old), &new);
        }
        Ok(())
    }

    /// Blocks a client from booking until `until` (default: the policy's block length), with a
    /// reason; confirms a proposed block (APPT-04). Supervisors only.
    pub fn block_client(
        &self,
        student_number: &StudentNumber,
        reason: &str,
        until: Option<NaiveDate>,
    ) -> Result<Client, DeskError> {
        self.require(Permission::Block)?;
        let reason = required_reason(reason, "to block a client (APPT-04)")?;
        let old = self.client_by_student_number(student_number)?;
        let today = self.today();
        let expires = match until {
            Some(d) => d,
            None => rules::proposed_block_expiry(&self.policy, today),
        };
        if expires <= today {
            return Err(FieldError::new("until", "must be after today").into());
        }
        let mut new = old.clone();
        new.block = Some(Block {
            reason: reason.to_string(),
            by: self.operator.id,
            at: self.now(),
            expires,
        });
        new.flags.retain(|f| f.kind != FlagKind::BlockProposed);
        self.update(
            &old,
            &new,
            self.audit_because(
                AuditAction::Update,
                client_ref(new.id),
                format!("blocked until {expires}"),
                reason,
            ),
        )?;
        Ok(new)
    }

    /// Lifts a block, or dismisses a proposed one, with a reason (APPT-04).
    pub fn unblock_client(&self, student_number: &StudentNumber, reason: &str) -> Result<Client, DeskError> {
        self.require(Permission::Block)?;
        let reason = required_reason(reason, "to lift or dismiss a block")?;
        let old = self.client_by_student_number(student_number)?;
        if old.block.is_none() && !old.has_flag(FlagKind::BlockProposed) {
            return Err(DeskError::Invalid(format!("{} is not blocked", old.student_number)));
        }
        let mut new = old.clone();
        new.block = None;
        new.flags.retain(|f| f.kind != FlagKind::BlockProposed);
        self.update(
            &old,
            &new,
            self.audit_because(
                AuditAction::Update,
                client_ref(new.id),
                "block lifted or dismissed".into(),
                reason,
            ),
        )?;
        Ok(new)
    }
}
