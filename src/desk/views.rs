//! Read-only views for the screens: one client, staff names, free slots, today's list.

use std::collections::HashMap;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};

use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::client::Client;
use crate::domain::ids::{ClientId, OperatorId};
use crate::domain::operator::Operator;

use super::{Desk, DeskError};

/// One slot of a consultant's day, with its booking and, for roles that may look clients up,
/// who the client is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayLine {
    /// The slot.
    pub slot: Slot,
    /// The appointment holding it, if booked.
    pub appointment: Option<Appointment>,
    /// The client's name and student number.
    pub client: Option<(String, crate::domain::validate::StudentNumber)>,
}

/// A staff member as other screens show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffName {
    /// Login.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Whether they hold the consultant role.
    pub consultant: bool,
}

impl Desk {
    /// One client by id.
    pub fn client(&self, id: ClientId) -> Result<Client, DeskError> {
        self.require(Permission::ViewClients)?;
        self.store
            .get::<Client>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no client with id {id}")))
    }

    /// Every operator's login and name (for showing who holds a slot or wrote a note).
    pub fn staff_names(&self) -> Result<HashMap<OperatorId, StaffName>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut out = HashMap::new();
        for op in self.store.scan::<Operator>()? {
            let op = op?;
            out.insert(
                op.id,
                StaffName {
                    login: op.login.to_string(),
                    name: op.name.clone(),
                    consultant: op.has_role(crate::domain::operator::Role::Consultant),
                },
            );
        }
        Ok(out)
    }

    /// Start and end (UTC) of a local day.
    pub fn day_bounds(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let tz = self.policy.institution.time_zone;
        let at = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|n| chrono::TimeZone::from_local_datetime(&tz, &n).earliest())
                .map_or_else(
                    || DateTime::<Utc>::from_naive_utc_and_offset(n0(d), Utc),
                    |t| t.with_timezone(&Utc),
                )
        };
        // The day after the last one chrono knows is the last one again: an empty range.
        (at(day), at(day.succ_opt().unwrap_or(day)))
    }

    /// Slots on local days `[from, from + days)`, optionally one consultant's, in time order.
    pub fn calendar(&self, from: NaiveDate, days: i64, consultant: Option<OperatorId>) -> Result<Vec<Slot>, DeskError> {
        self.require(Permission::ViewClients)?;
        let (start, _) = self.day_bounds(from);
        let last = u64::try_from(days.max(1) - 1).unwrap_or(0);
        let (_, end) = self.day_bounds(from.checked_add_days(Days::new(last)).unwrap_or(NaiveDate::MAX));
        match consultant {
            Some(c) => self.consultant_slots(c, start, end),
            None => self.slots_between(start, end),
        }
    }

    /// Free slots of a type from now for `days` days, soonest first, at most `limit`.
    pub fn free_slots(
        &self,
        appointment_type: &crate::domain::policy::AppointmentTypeId,
        days: i64,
        limit: usize,
    ) -> Result<Vec<Slot>, DeskError> {
        self.require(Permission::ViewClients)?;
        let now = self.now();
        Ok(self
            .slots_between(
                now,
                Duration::try_days(days)
                    .and_then(|d| now.checked_add_signed(d))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
            )?
            .into_iter()
            .filter(|s| s.booking.is_none() && !s.withdrawn && &s.appointment_type == appointment_type && s.end() > now)
            .take(limit)
            .collect())
    }

    /// The signed-in operator's slots today, in time order, each with its booking and client
    /// (a consultant's "today").
    pub fn my_day(&self) -> Result<Vec<DayLine>, DeskError> {
        self.require(Permission::ViewClients)?;
        let (start, end) = self.day_bounds(self.today());
        let mut out = Vec::new();
        for slot in self.consultant_slots(self.operator.id, start, end)? {
            let appointment = self.slot_appointment(&slot)?;
            let client = self.client_label(appointment.as_ref());
            out.push(DayLine {
                slot,
                appointment,
                client,
            });
        }
        Ok(out)
    }

    /// The name and student number of an appointment's client, for roles that may look
    /// clients up; `None` otherwise or when the record cannot be read.
    pub fn client_label(
        &self,
        appointment: Option<&Appointment>,
    ) -> Option<(String, crate::domain::validate::StudentNumber)> {
        let a = appointment?;
        if !self.may(Permission::ViewClients) {
            return None;
        }
        match self.store.get::<Client>(a.client.0) {
            Ok(Some(c)) => Some((c.name, c.student_number)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("client of booking {}: {e}", a.id);
                None
            }
        }
    }

    /// The appointment holding a slot, if any.
    pub fn slot_appointment(&self, slot: &Slot) -> Result<Option<Appointment>, DeskError> {
        self.require(Permission::ViewClients)?;
        match slot.booking {
            Some(a) => Ok(self.store.get::<Appointment>(a.0)?),
            None => Ok(None),
        }
    }
}

fn n0(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}
