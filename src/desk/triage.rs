//! Supervisor triage: unresolved outcomes, clients over the no-show thresholds, proposed
//! blocks, waivers, and the weekly no-show report with suppression (APPT-02..APPT-04, DATA-08).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::client::{Client, FlagKind};
use crate::domain::ids::{AppointmentId, ClientId, OperatorId};
use crate::domain::operator::Operator;
use crate::domain::policy::AppointmentTypeId;
use crate::domain::validate::StudentNumber;
use crate::store::index::{flag_code, time_key, APPOINTMENT_OPEN, APPOINTMENT_WAIVED, CLIENT_BY_FLAG};

use super::{Desk, DeskError};

/// A past appointment with no outcome, for a person to settle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnresolvedLine {
    /// Booking id.
    pub booking: AppointmentId,
    /// Local start, as shown.
    pub start: String,
    /// Appointment type.
    pub appointment_type: AppointmentTypeId,
    /// Consultant login.
    pub consultant: String,
    /// Student number (none when the client record is missing).
    pub student_number: Option<StudentNumber>,
    /// Name.
    pub name: String,
}

/// A client flagged by the no-show rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlaggedClient {
    /// The client.
    pub client: ClientId,
    /// Student number.
    pub student_number: StudentNumber,
    /// Name.
    pub name: String,
    /// `no-show-concern` or `block-proposed`.
    pub flag: FlagKind,
    /// Why (e.g. "3 no-shows since 1 Dec 2025").
    pub reason: String,
    /// Raised at.
    pub since: DateTime<Utc>,
}

/// A waived no-show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverLine {
    /// Booking id.
    pub booking: AppointmentId,
    /// The client.
    pub client: ClientId,
    /// Student number (none when the client record is missing).
    pub student_number: Option<StudentNumber>,
    /// Reason given.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl Desk {
    pub(super) fn login_of(&self, id: OperatorId) -> Result<String, DeskError> {
        Ok(self
            .store
            .get::<Operator>(id.0)?
            .map(|o| o.login.to_string())
            .unwrap_or_else(|| "?".into()))
    }

    /// Past appointments with no outcome, oldest first (never assumed to be no-shows, APPT-02).
    pub fn unresolved(&self, limit: usize) -> Result<Vec<UnresolvedLine>, DeskError> {
        self.require(Permission::WriteNotes)?;
        let now = self.now();
        let mut out = Vec::new();
        let open: Vec<AppointmentId> =
            self.store
                .indexed_between(APPOINTMENT_OPEN, &time_key(DateTime::<Utc>::UNIX_EPOCH), &time_key(now))?;
        for id in open {
            if out.len() >= limit {
                break;
            }
            let Some(a) = self.store.get::<Appointment>(id.0)? else {
                continue;
            };
            let client = self.store.get::<Client>(a.client.0)?;
            out.push(UnresolvedLine {
                booking: a.id,
                start: self.local_time(a.start).format("%Y-%m-%d %H:%M").to_string(),
                appointment_type: a.appointment_type.clone(),
                consultant: self.login_of(a.consultant)?,
                student_number: client.as_ref().map(|c| c.student_number.clone()),
                name: client.map(|c| c.name).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Clients flagged for no-show concern or with a proposed block (APPT-04).
    pub fn flagged_clients(&self) -> Result<Vec<FlaggedClient>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        let mut out = Vec::new();
        for kind in [FlagKind::BlockProposed, FlagKind::NoShowConcern] {
            for id in self.store.indexed::<ClientId>(CLIENT_BY_FLAG, &[flag_code(kind)])? {
                let Some(c) = self.store.get::<Client>(id.0)? else {
                    continue;
                };
                if let Some(f) = c.flags.iter().find(|f| f.kind == kind) {
                    out.push(FlaggedClient {
                        client: c.id,
                        student_number: c.student_number.clone(),
                        name: c.name.clone(),
                        flag: kind,
                        reason: f.reason.clone(),
                        since: f.at,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Waivers granted in the last `days` days, newest first (APPT-03).
    pub fn recent_waivers(&self, days: i64) -> Result<Vec<WaiverLine>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        let now = self.now();
        let mut out = Vec::new();
        let since = Duration::try_days(days)
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let waived: Vec<AppointmentId> =
            self.store
                .indexed_between(APPOINTMENT_WAIVED, &time_key(since), &[0xff; 8])?;
        for id in waived {
            let Some(a) = self.store.get::<Appointment>(id.0)? else {
                continue;
            };
            let Some(w) = &a.waiver else { continue };
            let sn = self.store.get::<Client>(a.client.0)?.map(|c| c.student_number);
            out.push(WaiverLine {
                booking: a.id,
                client: a.client,
                student_number: sn,
                reason: w.reason.clone(),
                at: w.at,
            });
        }
        out.reverse();
        Ok(out)
    }
}
