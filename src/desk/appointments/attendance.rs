//! What happens at and after an appointment: checking the client in, recording the outcome
//! (APPT-02, APPT-10) and waiving a no-show or late cancellation (APPT-03).

use super::appt_ref;
use crate::desk::{required_reason, Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, AppointmentState, Outcome, Waiver};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AppointmentId;
use crate::store::WriteSet;

impl Desk {
    /// Marks the client as arrived: only on the appointment's own local day, before it is over.
    pub fn check_in(&self, booking: AppointmentId) -> Result<Appointment, DeskError> {
        self.require(Permission::Book)?;
        let old = self.appointment(booking)?;
        let now = self.now();
        let starts = self.local_time(old.start).format("%a %-d %b %Y %H:%M");
        if let Some(outcome) = old.outcome() {
            return Err(DeskError::Invalid(format!(
                "booking {} is already settled ({}); there is nothing to check in",
                old.id,
                outcome.code()
            )));
        }
        if let AppointmentState::CheckedIn { at } = old.state {
            return Err(DeskError::Invalid(format!(
                "booking {} was already checked in at {}",
                old.id,
                self.local_time(at).format("%H:%M")
            )));
        }
        let day = self.policy.local_date(old.start);
        if day != self.today() {
            return Err(DeskError::Invalid(format!(
                "booking {} is on {starts}, not today; clients are checked in on the day of their appointment",
                old.id
            )));
        }
        if old.end() <= now {
            return Err(DeskError::Invalid(format!(
                "booking {} ({starts}) is already over; record its outcome instead of checking in",
                old.id
            )));
        }
        let mut new = old.clone();
        new.state = AppointmentState::CheckedIn { at: now };
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, appt_ref(new.id), "checked in".into()),
        )?;
        Ok(new)
    }

    /// Records how an appointment ended (APPT-02, APPT-10). A no-show re-evaluates the client's
    /// no-show thresholds (APPT-04): concern flags the client for triage, the block threshold
    /// proposes a block for a supervisor to confirm.
    pub fn record_outcome(&self, booking: AppointmentId, outcome: Outcome) -> Result<Appointment, DeskError> {
        self.require(Permission::WriteNotes)?;
        let old = self.appointment(booking)?;
        let now = self.now();
        if outcome == Outcome::Cancelled {
            return Err(DeskError::Invalid("use `cancel` to cancel a booking".into()));
        }
        if now < old.start {
            return Err(DeskError::Invalid(format!(
                "booking {} has not started yet (it starts {}); an outcome is recorded once it has",
                old.id,
                self.local_time(old.start).format("%Y-%m-%d %H:%M")
            )));
        }
        if let Some(prev) = old.outcome() {
            if prev == outcome {
                return Ok(old);
            }
            if prev == Outcome::Cancelled {
                return Err(DeskError::Invalid(format!("booking {} was cancelled in time", old.id)));
            }
        }
        let new = old.settled(outcome, self.operator.id, now);
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        self.refresh_no_show_flags(&mut ws, new.client, &new)?;
        ws.audit(self.audit(
            AuditAction::Update,
            appt_ref(new.id),
            format!("outcome {}", outcome.code()),
        ));
        self.commit(ws)?;
        Ok(new)
    }

    /// Waives a no-show or late cancellation so it stops counting (APPT-03). Reason required.
    pub fn waive(&self, booking: AppointmentId, reason: &str) -> Result<Appointment, DeskError> {
        self.require(Permission::Waive)?;
        let reason = required_reason(reason, "to waive a no-show (APPT-03)")?;
        let old = self.appointment(booking)?;
        if !matches!(old.outcome(), Some(Outcome::NoShow | Outcome::LateCancel)) {
            return Err(DeskError::Invalid(format!(
                "booking {} is not a no-show or late cancellation, so there is nothing to waive",
                old.id
            )));
        }
        let mut new = old.clone();
        new.waiver = Some(Waiver {
            reason: reason.to_string(),
            by: self.operator.id,
            at: self.now(),
        });
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        self.refresh_no_show_flags(&mut ws, new.client, &new)?;
        ws.audit(self.audit_because(AuditAction::Override, appt_ref(new.id), "no-show waived".into(), reason));
        self.commit(ws)?;
        Ok(new)
    }
}
