//! Calendar slots and the appointments booked into them (APPT-01..APPT-10).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{AppointmentId, ClientId, DeviceId, OperatorId, SeriesId, SlotId};
use super::policy::{AppointmentTypeId, LocationId};

/// A bookable period in a consultant's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Record id.
    pub id: SlotId,
    /// The consultant (or desk operator, for drop-ins) who holds it.
    pub consultant: OperatorId,
    /// The appointment type id from the policy file.
    pub appointment_type: AppointmentTypeId,
    /// Start time.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    /// Length in minutes.
    pub minutes: u16,
    /// The location id from the policy file.
    pub location: LocationId,
    /// The appointment holding the slot; `None` when free. Written in the same transaction as
    /// the appointment so a slot is never held twice.
    pub booking: Option<AppointmentId>,
    /// Withdrawn slots stay for history but cannot be booked.
    pub withdrawn: bool,
    /// The series the slot was made in, if it was made as part of one.
    pub series: Option<SeriesId>,
}

/// The first stored layout of a slot (format 1), before slots remembered their series; kept so
/// slots written then still read (see `store::codec`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SlotV1 {
    /// Record id.
    pub id: SlotId,
    /// The consultant.
    pub consultant: OperatorId,
    /// The appointment type id.
    pub appointment_type: AppointmentTypeId,
    /// Start time.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    /// Length in minutes.
    pub minutes: u16,
    /// The location id.
    pub location: LocationId,
    /// The appointment holding the slot.
    pub booking: Option<AppointmentId>,
    /// Whether withdrawn.
    pub withdrawn: bool,
}

impl From<SlotV1> for Slot {
    fn from(v1: SlotV1) -> Self {
        Slot {
            id: v1.id,
            consultant: v1.consultant,
            appointment_type: v1.appointment_type,
            start: v1.start,
            minutes: v1.minutes,
            location: v1.location,
            booking: v1.booking,
            withdrawn: v1.withdrawn,
            series: None,
        }
    }
}

/// `start` plus `minutes`, or the last instant chrono knows when that is past it (a damaged
/// record), so no caller can panic on it.
pub fn end_of(start: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    start
        .checked_add_signed(Duration::minutes(i64::from(minutes)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Slot {
    /// End time.
    pub fn end(&self) -> DateTime<Utc> {
        end_of(self.start, self.minutes.into())
    }

    /// Whether the slot is in use at some moment of `[start, end)` (withdrawn slots never are).
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        !self.withdrawn && self.start < end && start < self.end()
    }
}

/// How an appointment ended (APPT-02, APPT-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The client came.
    Attended,
    /// Cancelled before the start time: consumes nothing.
    Cancelled,
    /// Cancelled after the start time: counts as one of the allocation.
    LateCancel,
    /// Did not come and did not cancel: counts as one of the allocation.
    NoShow,
    /// An online appointment ended for technical reasons: consumes nothing (APPT-10).
    EndedTechnical,
}

impl Outcome {
    /// Whether the outcome uses up one of the client's allocation (APPT-02).
    pub fn consumes_allocation(self) -> bool {
        matches!(self, Outcome::Attended | Outcome::LateCancel | Outcome::NoShow)
    }

    /// The code used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Attended => "attended",
            Outcome::Cancelled => "cancelled",
            Outcome::LateCancel => "late-cancel",
            Outcome::NoShow => "no-show",
            Outcome::EndedTechnical => "technical",
        }
    }
}

/// Where an appointment stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppointmentState {
    /// Booked and not yet settled. Once its end has passed it shows as "unresolved", never as a
    /// no-show (APPT-02).
    Booked,
    /// The client has arrived.
    CheckedIn {
        /// When.
        #[serde(with = "chrono::serde::ts_milliseconds")]
        at: DateTime<Utc>,
    },
    /// Settled.
    Settled {
        /// How it ended.
        outcome: Outcome,
        /// Who recorded it.
        by: OperatorId,
        /// When.
        #[serde(with = "chrono::serde::ts_milliseconds")]
        at: DateTime<Utc>,
    },
}

/// Permission to record an online appointment (APPT-08); none unless given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordingConsent {
    /// Not asked, or refused: do not record.
    #[default]
    NotGiven,
    /// The client agreed to recording.
    Given,
}

/// A waiver that stops a no-show or late cancellation counting (APPT-03).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    /// Why (required).
    pub reason: String,
    /// Who waived it.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// One client's booking of one slot (SEC-02: it belongs to that client alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// Record id.
    pub id: AppointmentId,
    /// The slot booked.
    pub slot: SlotId,
    /// The client; never changes (SEC-02).
    pub client: ClientId,
    /// The consultant, copied from the slot.
    pub consultant: OperatorId,
    /// The appointment type id, copied from the slot.
    pub appointment_type: AppointmentTypeId,
    /// Start, copied from the slot.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    /// Length in minutes.
    pub minutes: u16,
    /// Location id, copied from the slot.
    pub location: LocationId,
    /// When the booking was made (APPT-09: reminders only for bookings made > 24 h ahead).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub booked_at: DateTime<Utc>,
    /// Who made it.
    pub booked_by: OperatorId,
    /// Where it stands.
    pub state: AppointmentState,
    /// Recording consent for online appointments (APPT-08).
    pub recording_consent: RecordingConsent,
    /// A waiver, if one was granted (APPT-03).
    pub waiver: Option<Waiver>,
    /// Who decided that the slot is this booking's: this desk alone, or the sync server.
    pub confirmation: Confirmation,
}

/// Who decided that an appointment holds its slot. A desk that syncs books provisionally and
/// the sync server decides, first to arrive first (decision 0020); a desk that does not sync
/// decides alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Confirmation {
    /// Decided on this desk, which syncs with no server (or made before it did).
    Local,
    /// Made on a desk that syncs: the server decides at that desk's next sync.
    Provisional {
        /// The desk (replica) that made it, which asks the server.
        desk: DeviceId,
    },
    /// The server gave the slot to this booking.
    Confirmed,
    /// The server gave the slot to another booking, or refused this one with the whole
    /// picture: it holds no slot and waits, in its desk's conflicts queue, to be rebooked.
    NeedsRebooking {
        /// The desk that made it.
        desk: DeviceId,
        /// Why, in words.
        reason: String,
        /// The booking the slot went to, if it went to one.
        taken_by: Option<AppointmentId>,
        /// Free slots of the same type to offer, soonest first, as the desk saw them.
        alternatives: Vec<SlotId>,
    },
    /// Confirmed and then cancelled; the server has let the slot go.
    Released,
    /// Made on a desk in a lease of the consultant's slots it holds from the server: certain
    /// at once; the server is told at that desk's next sync.
    Leased {
        /// The desk (replica) that made it.
        desk: DeviceId,
    },
}

impl Confirmation {
    /// The word shown beside a booking whose slot is not (or no longer) settled.
    pub fn word(&self) -> Option<&'static str> {
        match self {
            Confirmation::Local | Confirmation::Confirmed | Confirmation::Released => None,
            Confirmation::Leased { .. } => Some("leased"),
            Confirmation::Provisional { .. } => Some("provisional"),
            Confirmation::NeedsRebooking { .. } => Some("needs rebooking"),
        }
    }
}

/// The layout of an appointment before the server decided bookings (format 1); it reads as
/// decided on its desk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppointmentV1 {
    /// Record id.
    pub id: AppointmentId,
    /// The slot.
    pub slot: SlotId,
    /// The client.
    pub client: ClientId,
    /// The consultant.
    pub consultant: OperatorId,
    /// The type.
    pub appointment_type: AppointmentTypeId,
    /// Start.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    /// Minutes.
    pub minutes: u16,
    /// Location.
    pub location: LocationId,
    /// Booked at.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub booked_at: DateTime<Utc>,
    /// Booked by.
    pub booked_by: OperatorId,
    /// State.
    pub state: AppointmentState,
    /// Recording consent.
    pub recording_consent: RecordingConsent,
    /// Waiver.
    pub waiver: Option<Waiver>,
}

impl From<AppointmentV1> for Appointment {
    fn from(v: AppointmentV1) -> Self {
        Appointment {
            id: v.id,
            slot: v.slot,
            client: v.client,
            consultant: v.consultant,
            appointment_type: v.appointment_type,
            start: v.start,
            minutes: v.minutes,
            location: v.location,
            booked_at: v.booked_at,
            booked_by: v.booked_by,
            state: v.state,
            recording_consent: v.recording_consent,
            waiver: v.waiver,
            confirmation: Confirmation::Local,
        }
    }
}

impl Appointment {
    /// End time.
    pub fn end(&self) -> DateTime<Utc> {
        end_of(self.start, self.minutes.into())
    }

    /// The outcome, once settled.
    pub fn outcome(&self) -> Option<Outcome> {
        match self.state {
            AppointmentState::Settled { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    /// This appointment settled with `outcome`, recorded by `by` at `at`.
    pub fn settled(&self, outcome: Outcome, by: OperatorId, at: DateTime<Utc>) -> Appointment {
        Appointment {
            state: AppointmentState::Settled { outcome, by, at },
            ..self.clone()
        }
    }

    /// Past its end with no outcome: shown as unresolved for a person to settle (APPT-02).
    pub fn is_unresolved(&self, now: DateTime<Utc>) -> bool {
        self.outcome().is_none() && self.end() <= now
    }

    /// Still to happen or happening: booked or checked in, with no outcome yet, and not
    /// waiting to be rebooked.
    pub fn is_live(&self) -> bool {
        self.outcome().is_none() && !self.needs_rebooking()
    }

    /// Whether the server gave its slot to another booking (or refused it): it holds nothing.
    pub fn needs_rebooking(&self) -> bool {
        matches!(self.confirmation, Confirmation::NeedsRebooking { .. })
    }

    /// Whether the slot is this booking's for certain: decided here or by the server, and
    /// not cancelled in time (the one slot-holder the unique index keeps).
    pub fn holds_slot_for_certain(&self) -> bool {
        matches!(
            self.confirmation,
            Confirmation::Local | Confirmation::Confirmed | Confirmation::Leased { .. }
        ) && self.outcome() != Some(Outcome::Cancelled)
    }

    /// The state's code for listings: `booked`, `checked-in`, or the outcome's code.
    pub fn state_code(&self) -> &'static str {
        match &self.state {
            AppointmentState::Booked => "booked",
            AppointmentState::CheckedIn { .. } => "checked-in",
            AppointmentState::Settled { outcome, .. } => outcome.code(),
        }
    }
}
