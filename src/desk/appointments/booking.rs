//! Booking through the desk: a client into a slot by type and time or by slot, after every
//! rule has allowed it (APPT-01..APPT-06, SEC-03); refusing transfers (SEC-02); cancelling
//! (APPT-02); recording consent (APPT-08); and the slots to offer after a technical failure
//! (APPT-10).

use chrono::{DateTime, Duration, Utc};

use super::{appt_ref, NewBooking};
use crate::desk::{now_ms, Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, AppointmentState, Confirmation, Outcome, RecordingConsent, Slot};
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::{AppointmentId, SlotId};
use crate::domain::operator::Operator;
use crate::domain::rules::{self, BookingRequest};
use crate::domain::validate::StudentNumber;
use crate::store::WriteSet;

impl Desk {
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
            // A desk that syncs cannot know what the other desks booked meanwhile: the server
            // decides (decision 0020), and its messages wait for that.
            confirmation: if !self.sync_enrolled_here()? {
                Confirmation::Local
            } else if self.leased_here(slot.consultant, slot.start)? {
                // In this desk's own lease no other desk can book it: certain now.
                Confirmation::Leased {
                    desk: self.store.device(),
                }
            } else {
                Confirmation::Provisional {
                    desk: self.store.device(),
                }
            },
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
        let provisional = match appt.confirmation {
            Confirmation::Provisional { .. } => " (provisional: the sync server decides at the next sync)",
            Confirmation::Leased { .. } => " (in this desk's lease)",
            _ => "",
        };
        if provisional.is_empty() || matches!(appt.confirmation, Confirmation::Leased { .. }) {
            self.plan_messages_for_booking(&mut ws, client, &appt)?;
        }
        ws.audit(self.audit(
            AuditAction::Create,
            appt_ref(appt.id),
            format!("booked {}{provisional}", appt.appointment_type),
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
            // A booking the server gave away holds nothing: the slot is another's.
            if let Some(slot) = self
                .store
                .get::<Slot>(old.slot.0)?
                .filter(|s| s.booking == Some(old.id))
            {
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

    /// Free slots to offer after an online appointment failed (APPT-10): the same consultant's
    /// later today first, then the next free slots of the same type with anyone, up to `limit`.
    pub fn rebook_offers(&self, booking: AppointmentId, limit: usize) -> Result<Vec<Slot>, DeskError> {
        self.require(Permission::Book)?;
        let appt = self.appointment(booking)?;
        self.free_slots_like(&appt, limit)
    }

    /// Free slots of `appt`'s type to offer in its place: the same consultant's later today
    /// first, then the next with anyone, up to `limit`.
    pub(crate) fn free_slots_like(&self, appt: &Appointment, limit: usize) -> Result<Vec<Slot>, DeskError> {
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
