//! Appointments through the desk: book, cancel, check in, record outcomes, waive, block
//! (APPT-01..APPT-10, SEC-02, SEC-03). The rules themselves are in `domain::rules`; this module
//! gathers what they need, asks them, and commits. Slots are in `slots.rs`.
//!
//! This file holds the reads the others share; booking, cancelling, recording consent and
//! re-booking offers are in `booking.rs`, check-in, outcomes and waivers in `attendance.rs`,
//! and the no-show flags and blocks they lead to (APPT-04) in `no_shows.rs`.

mod attendance;
mod booking;
mod no_shows;

use chrono::{DateTime, Utc};

use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::client::Client;
use crate::domain::ids::{AppointmentId, ClientId};
use crate::domain::operator::Login;
use crate::domain::policy::AppointmentTypeId;
use crate::domain::rules;
use crate::domain::text::quote;
use crate::domain::validate::{FieldError, StudentNumber};
use crate::domain::{EntityKind, RecordRef};
use crate::store::index::APPOINTMENT_BY_CLIENT;

use super::{Desk, DeskError};

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
}
