//! Appointments through the desk: book, cancel, check in, record outcomes, waive, block
//! (APPT-01..APPT-10, SEC-02, SEC-03). The rules themselves are in `domain::rules`; this file
//! gathers what they need, asks them, and commits. Slots are in `slots.rs`.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, AppointmentState, Outcome, RecordingConsent, Slot, Waiver};
use crate::domain::audit::AuditAction;
use crate::domain::client::{Block, Client, Flag, FlagKind};
use crate::domain::ids::{AppointmentId, ClientId, SlotId};
use crate::domain::operator::{Login, Operator};
use crate::domain::policy::AppointmentTypeId;
use crate::domain::rules::{self, BookingRequest, NoShowLevel};
use crate::domain::text::quote;
use crate::domain::validate::{FieldError, StudentNumber};
use crate::domain::{EntityKind, RecordRef};
use crate::store::index::APPOINTMENT_BY_CLIENT;
use crate::store::WriteSet;

use super::{now_ms, required_reason, Desk, DeskError};

/// A booking request: a client, a type and a start, with a particular consultant if wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// The client.
    pub client: StudentNumber,
    /// Appointment type id.
    pub appointment_type: AppointmentTypeId,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// A particular consultant.
    pub consultant: Option<Login>,
}

pub(super) fn appt_ref(id: AppointmentId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Appointment,
        id: id.0,
    })
}

pub(super) fn client_ref(id: ClientId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Client,
        id: id.0,
    })
}

impl Desk {
    /// The policy's appointment type, or a message listing the valid ones.
    pub(super) fn appointment_type(
        &self,
        id: &AppointmentTypeId,
    ) -> Result<&crate::policy::AppointmentType, DeskError> {
        self.policy.appointment_type(id).ok_or_else(|| {
            let ids: Vec<&str> = self.policy.appointment_types.iter().map(|t| t.id.as_str()).collect();
            FieldError::new(
                "type",
                format!(
                    "{} is not an appointment type; use one of {}",
                    quote(id.as_str()),
                    ids.join(", ")
                ),
            )
            .into()
        })
    }

    /// A time shown in the institution's time zone.
    pub fn local_time(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.with_timezone(&self.policy.institution.time_zone).naive_local()
    }

    /// All of a client's appointments, oldest first.
    pub fn client_appointments(&self, client: ClientId) -> Result<Vec<Appointment>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut out = Vec::new();
        for id in self
            .store
            .indexed::<AppointmentId>(APPOINTMENT_BY_CLIENT, &client.key())?
        {
            if let Some(a) = self.store.get::<Appointment>(id.0)? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// One appointment by id.
    pub fn appointment(&self, id: AppointmentId) -> Result<Appointment, DeskError> {
        self.require(Permission::ViewClients)?;
        self.store
            .get::<Appointment>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no booking with id {id}")))
    }

    /// Whether a client may book each appointment type today, and if not why (for the client card).
    pub fn eligibility_overview(
        &self,
        client: &Client,
    ) -> Result<Vec<(AppointmentTypeId, rules::Decision)>, DeskError> {
        let history = self.client_appointments(client.id)?;
        let now = self.now();
        Ok(self
            .policy
            .appointment_types
            .iter()
            .map(|ty| {
                (
                    ty.id.clone(),
                    rules::may_book_type(&self.policy, client, ty, &history, now, now),
                )
            })
            .collect())
    }

    /// Books a client into the free slot of that type at that time (with that consultant, if
    /// named), after every rule has allowed it (APPT-01..APPT-06, SEC-03). Durable before it returns.
    pub fn book(&self, input: &NewBooking) -> Result<Appointment, DeskError> {
        self.require(Permission::Book)?;
        let client = self.client_by_student_number(&input.client)?;
        let ty = self.appointment_type(&input.appointment_type)?;
        let start = input.start;
        let at = self.local_time(start).format("%Y-%m-%d %H:%M");
        let consultant = input
            .consultant
            .as_ref()
            .map(|l| self.operator_by_login(l))
            .transpose()?;
        let now = self.now();
        if start + Duration::minutes(15) < now {
            return Err(DeskError::Invalid(format!("{at} is in the past; book a future slot")));
        }
        let candidates: Vec<Slot> = self
            .slots_between(start, start + Duration::minutes(1))?
            .into_iter()
            .filter(|s| s.start == start && s.appointment_type == ty.id && !s.withdrawn)
            .filter(|s| consultant.as_ref().is_none_or(|c| c.id == s.consultant))
            .collect();
        if candidates.is_empty() {
            return Err(DeskError::Invalid(format!(
                "there is no {} slot at {at}{}; `slot add` makes one",
                ty.id,
                consultant
                    .as_ref()
                    .map(|c| format!(" with {}", c.login))
                    .unwrap_or_default()
            )));
        }
        for held in candidates.iter().filter_map(|s| s.booking) {
            self.refuse_repeat(&client, held)?;
        }
        let Some(slot) = candidates.into_iter().find(|s| s.booking.is_none()) else {
            return Err(DeskError::Invalid(format!(
                "every {} slot at {at} is already booked",
                ty.id
            )));
        };
        self.book_slot(&client, slot.id, now)
    }

    /// A booking the client already holds, said plainly (with its id) rather than as a
    /// taken slot.
    fn refuse_repeat(&self, client: &Client, held: AppointmentId) -> Result<(), DeskError> {
        match self.store.get::<Appointment>(held.0)? {
            Some(a) if a.client == client.id && a.is_live() => Err(DeskError::AlreadyBooked {
                booking: a.id,
                message: format!(
                    "{} is already booked into this slot ({} at {}, booking {})",
                    client.name,
                    a.appointment_type,
                    self.local_time(a.start).format("%a %-d %b %Y %H:%M"),
                    a.id
                ),
            }),
            _ => Ok(()),
        }
    }

    /// An appointment in words for another refusal: type, day and time, consultant.
    fn describe_appointment(&self, a: &Appointment) -> String {
        let ty = self
            .policy
            .appointment_type(&a.appointment_type)
            .map_or_else(|| a.appointment_type.to_string(), |t| t.name.clone());
        let with = match self.store.get::<Operator>(a.consultant.0) {
            Ok(Some(op)) => format!(" with {} ({})", op.name, op.login),
            _ => String::new(),
        };
        format!(
            "{ty} on {}-{}{with}",
            self.local_time(a.start).format("%a %-d %b %Y %H:%M"),
            self.local_time(a.end()).format("%H:%M")
        )
    }

    /// Books a known client into a free slot, checking every rule first. The slot is read
    /// afresh and the commit refuses if it changed before the booking landed.
    pub fn book_slot(&self, client: &Client, slot: SlotId, now: DateTime<Utc>) -> Result<Appointment, DeskError> {
        self.require(Permission::Book)?;
        let (slot, version) = self
            .store
            .get_versioned::<Slot>(slot.0)?
            .ok_or_else(|| DeskError::Invalid("that slot no longer exists; pick another".into()))?;
        let slot = &slot;
        let ty = self.appointment_type(&slot.appointment_type)?;
        if let Some(held) = slot.booking {
            self.refuse_repeat(client, held)?;
        }
        if slot.booking.is_some() || slot.withdrawn {
            return Err(DeskError::Invalid("that slot is no longer free; pick another".into()));
        }
        // A walk-in may take a slot that has just begun, never one that is over.
        if slot.end() <= now {
            return Err(DeskError::Invalid("that slot is over; pick a later one".into()));
        }
        let history = self.client_appointments(client.id)?;
        let mut decision = rules::check_booking(
            &self.policy,
            &BookingRequest {
                client,
                appointment_type: ty,
                start: slot.start,
                minutes: slot.minutes,
            },
            &history,
            now,
        );
        // A client is in one place at a time.
        decision
            .refusals
            .extend(rules::overlap::check(&history, slot.id, slot.start, slot.end(), |a| {
                self.describe_appointment(a)
            }));
        if !decision.is_allowed() {
            return Err(DeskError::Refused(decision));
        }
        let appt = Appointment {
            id: AppointmentId::new_at(now_ms(now)),
            slot: slot.id,
            client: client.id,
            consultant: slot.consultant,
            appointment_type: slot.appointment_type.clone(),
            start: slot.start,
            minutes: slot.minutes,
            location: slot.location.clone(),
            booked_at: now,
            booked_by: self.operator.id,
            state: AppointmentState::Booked,
            recording_consent: RecordingConsent::NotGiven,
            waiver: None,
        };
        let mut held = slot.clone();
        held.booking = Some(appt.id);
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &appt);
        ws.put(&self.store, Some(slot), &held);
        ws.unchanged_since(
            slot,
            version,
            "that slot changed while it was being booked; look again and pick one",
        );
        self.plan_messages_for_booking(&mut ws, client, &appt)?;
        ws.audit(self.audit(
            AuditAction::Create,
            appt_ref(appt.id),
            format!("booked {}", appt.appointment_type),
        ));
        self.commit(ws)?;
        Ok(appt)
    }

    /// Refuses to move a booking to another client (SEC-02): cancel and book again instead.
    pub fn transfer(&self, booking: AppointmentId, _to: &StudentNumber) -> Result<Appointment, DeskError> {
        self.require(Permission::Book)?;
        let appt = self.appointment(booking)?;
        Err(DeskError::Refused(rules::Decision::refused(rules::Refusal {
            rule: rules::Rule::Transfer,
            clause: "SEC-02",
            message: format!(
                "booking {} belongs to its client and cannot be passed to anyone else; cancel it and book the new client into the freed slot",
                appt.id
            ),
            allowed_from: None,
            figures: None,
        })))
    }

    /// Cancels a booking: before the start it is "cancelled" and the slot is free again; after
    /// the start it is a late cancellation, which counts (APPT-02).
    pub fn cancel(&self, booking: AppointmentId) -> Result<Appointment, DeskError> {
        self.require(Permission::Book)?;
        let old = self.appointment(booking)?;
        if old.outcome().is_some() {
            return Err(DeskError::Invalid(format!("booking {} is already settled", old.id)));
        }
        let now = self.now();
        let outcome = if now < old.start {
            Outcome::Cancelled
        } else {
            Outcome::LateCancel
        };
        let new = old.settled(outcome, self.operator.id, now);
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        if outcome == Outcome::Cancelled {
            if let Some(slot) = self.store.get::<Slot>(old.slot.0)? {
                let mut freed = slot.clone();
                freed.booking = None;
                ws.put(&self.store, Some(&slot), &freed);
            }
        }
        self.cancel_messages_for(&mut ws, &new)?;
        ws.audit(self.audit(
            AuditAction::Update,
            appt_ref(new.id),
            format!("booking {}", outcome.code()),
        ));
        self.commit(ws)?;
        Ok(new)
    }

    /// Records whether the client allows an online appointment to be recorded (APPT-08); the
    /// default is no permission. Only online appointments carry it.
    pub fn set_recording_consent(&self, booking: AppointmentId, given: bool) -> Result<Appointment, DeskError> {
        self.require(Permission::Book)?;
        let old = self.appointment(booking)?;
        if !self.policy.location(&old.location).is_some_and(|l| l.online) {
            return Err(DeskError::Invalid(format!(
                "booking {} is not online; only online appointments are ever recorded",
                old.id
            )));
        }
        let mut new = old.clone();
        new.recording_consent = if given {
            RecordingConsent::Given
        } else {
            RecordingConsent::NotGiven
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        let what = if given {
            "recording permitted by the client"
        } else {
            "recording not permitted"
        };
        ws.audit(self.audit(AuditAction::Update, appt_ref(new.id), what.into()));
        self.commit(ws)?;
        Ok(new)
    }

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

    /// Re-evaluates APPT-04 flags for a client, with `changed` replacing its stored version.
    fn refresh_no_show_flags(
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

    /// Free slots to offer after an online appointment failed (APPT-10): the same consultant's
    /// later today first, then the next free slots of the same type with anyone, up to `limit`.
    pub fn rebook_offers(&self, booking: AppointmentId, limit: usize) -> Result<Vec<Slot>, DeskError> {
        self.require(Permission::Book)?;
        let appt = self.appointment(booking)?;
        let now = self.now();
        let tz = self.policy.institution.time_zone;
        let today = self.today();
        let end_of_today = today
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| chrono::TimeZone::from_local_datetime(&tz, &d).earliest())
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or(now + Duration::hours(24));
        let free = |s: &Slot| {
            s.booking.is_none() && !s.withdrawn && s.start > now && s.appointment_type == appt.appointment_type
        };
        let mut offers: Vec<Slot> = self
            .consultant_slots(appt.consultant, now, end_of_today)?
            .into_iter()
            .filter(free)
            .collect();
        let mut horizon = now + Duration::days(14);
        while offers.len() < limit {
            let more: Vec<Slot> = self
                .slots_between(now, horizon)?
                .into_iter()
                .filter(|s| free(s) && !offers.iter().any(|o| o.id == s.id))
                .collect();
            offers.extend(more);
            if horizon > now + Duration::days(120) {
                break;
            }
            horizon += Duration::days(28);
        }
        offers.truncate(limit);
        Ok(offers)
    }
}
