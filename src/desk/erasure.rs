//! Erasing a client (DATA-05, SEC-03 "terminate"): every record about them removed in one
//! commit, their keys destroyed so every older copy on disk is unreadable, de-identified
//! counts kept so past reports still add up, and an audit entry without personal data.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};

use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, AppointmentState, Slot};
use crate::domain::audit::AuditAction;
use crate::domain::event::EventBooking;
use crate::domain::ids::{AppointmentId, MessageId, NoteId};
use crate::domain::note::Note;
use crate::domain::outbox::{Delivery, OutboxEntry};
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, Complaint, Consent};
use crate::domain::validate::StudentNumber;
use crate::paths::Paths;
use crate::store::index::{APPOINTMENT_BY_CLIENT, NOTE_BY_CLIENT, OUTBOX_BY_APPOINTMENT};
use crate::store::{codec::Record, destroy_key_in_copy, WriteSet, BACKUP_STORE_DIR};

use super::{Desk, DeskError};

/// The setting holding the de-identified counts of erased clients' appointments.
const TALLY: &str = "erased-tally";

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// Records removed, the client's own included.
    pub records: usize,
    /// Future bookings whose slots are free again.
    pub slots_freed: usize,
    /// Messages not yet sent that will not be.
    pub messages_withdrawn: usize,
    /// Automatic backups in which the client's keys were destroyed too.
    pub backups_reached: usize,
}

/// De-identified counts of erased clients' appointments: by week (its Monday), appointment
/// type and how it ended. No id, name or date finer than a week.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedTally {
    /// "YYYY-MM-DD type outcome" -> appointments.
    pub appointments: BTreeMap<String, u64>,
    /// Clients erased.
    pub clients: u64,
}

impl Desk {
    /// Erases a client: removes them and every record linked to them (appointments, notes,
    /// messages, queue entries, consents, complaints, attachments, enquiries, event bookings)
    /// and their index entries, frees the slots of their future bookings, withdraws unsent
    /// messages, then destroys their keys here and in the automatic backups. Supervisors and
    /// administrators; the reason is kept in the audit log (write why, not who).
    pub fn erase_client(&self, paths: &Paths, sn: &StudentNumber, reason: &str) -> Result<Erasure, DeskError> {
        self.require(Permission::Erase)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::Invalid(
                "give the reason for the erasure with --reason (for example: the student asked under DATA-05)".into(),
            ));
        }
        let client = self.client_by_student_number(sn)?;
        self.erase(paths, client, reason)
    }

    /// Removes one client and everything linked to them, then destroys their keys.
    pub(super) fn erase(
        &self,
        paths: &Paths,
        client: crate::domain::client::Client,
        reason: &str,
    ) -> Result<Erasure, DeskError> {
        let now = self.now();
        let mut ws = WriteSet::new();
        let mut done = Erasure {
            records: 1,
            slots_freed: 0,
            messages_withdrawn: 0,
            backups_reached: 0,
        };
        let mut tally = self.erased_tally()?;
        tally.clients += 1;
        let appointments: Vec<Appointment> = self
            .store
            .indexed::<AppointmentId>(APPOINTMENT_BY_CLIENT, &client.id.key())?
            .into_iter()
            .filter_map(|id| self.store.get::<Appointment>(id.0).transpose())
            .collect::<Result<_, _>>()?;
        let mut messages: Vec<OutboxEntry> = Vec::new();
        for a in &appointments {
            let outcome = match &a.state {
                AppointmentState::Settled { outcome, .. } => outcome.code(),
                AppointmentState::Booked | AppointmentState::CheckedIn { .. } => {
                    if a.start > now {
                        done.slots_freed += 1;
                    }
                    "open"
                }
            };
            let day = a.start.date_naive();
            let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            *tally
                .appointments
                .entry(format!("{monday} {} {outcome}", a.appointment_type))
                .or_default() += 1;
            // The slot no longer names the appointment: a future one can be booked again.
            if let Some(slot) = self.store.get::<Slot>(a.slot.0)? {
                if slot.booking == Some(a.id) {
                    let mut freed = slot.clone();
                    freed.booking = None;
                    ws.put(&self.store, Some(&slot), &freed);
                }
            }
            for id in self.store.indexed::<MessageId>(OUTBOX_BY_APPOINTMENT, &a.id.key())? {
                if let Some(m) = self.store.get::<OutboxEntry>(id.0)? {
                    messages.push(m);
                }
            }
        }
        done.messages_withdrawn = messages
            .iter()
            .filter(|m| matches!(m.state, Delivery::Pending { .. }))
            .count();
        let notes: Vec<Note> = self
            .store
            .indexed::<NoteId>(NOTE_BY_CLIENT, &client.id.key())?
            .into_iter()
            .filter_map(|id| self.store.get::<Note>(id.0).transpose())
            .collect::<Result<_, _>>()?;
        done.records += remove_all(&mut ws, self, &appointments);
        done.records += remove_all(&mut ws, self, &messages);
        done.records += remove_all(&mut ws, self, &notes);
        done.records += remove_all(&mut ws, self, &self.store.sealed_for::<QueueEntry>(client.id.0)?);
        done.records += remove_all(&mut ws, self, &self.store.sealed_for::<Consent>(client.id.0)?);
        done.records += remove_all(&mut ws, self, &self.store.sealed_for::<Complaint>(client.id.0)?);
        done.records += remove_all(&mut ws, self, &self.store.sealed_for::<Attachment>(client.id.0)?);
        done.records += remove_all(
            &mut ws,
            self,
            &self.store.sealed_for::<crate::domain::enquiry::Enquiry>(client.id.0)?,
        );
        done.records += remove_all(&mut ws, self, &self.store.sealed_for::<EventBooking>(client.id.0)?);
        ws.remove(&self.store, &client);
        ws.erasing(client.id.0);
        ws.audit_kept(self.audit_because(
            AuditAction::Erase,
            None,
            format!(
                "a client was erased: {} record(s), {} future booking(s) freed, {} message(s) withdrawn",
                done.records, done.slots_freed, done.messages_withdrawn
            ),
            reason,
        ));
        self.commit(ws)?;
        self.directory_remove(&client);
        let slots = self.store.destroy_subject_keys(client.id.0)?;
        done.backups_reached = reach_backups(paths, client.id.0, &slots)?;
        let bytes = serde_json::to_vec(&tally).map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.store.set_setting(TALLY, Some(&bytes))?;
        tracing::info!(records = done.records, "client erased");
        Ok(done)
    }

    /// The de-identified counts kept from erased clients (supervisors; reports add them in).
    pub fn erased_tally(&self) -> Result<ErasedTally, DeskError> {
        self.require(Permission::SupervisorReports)?;
        Ok(match self.store.setting(TALLY)? {
            Some(b) => serde_json::from_slice(&b).unwrap_or_else(|e| {
                tracing::warn!("the erased-client counts do not read ({e}); starting them again");
                ErasedTally::default()
            }),
            None => ErasedTally::default(),
        })
    }
}

fn remove_all<T: Record>(ws: &mut WriteSet, desk: &Desk, records: &[T]) -> usize {
    for r in records {
        ws.remove(&desk.store, r);
    }
    records.len()
}

/// Destroys the client's keys in each automatic backup's copy of the key file; returns how
/// many held them. A backup that cannot be reached is named in the log and left for its
/// expiry (`[backups] keep`).
fn reach_backups(paths: &Paths, client: u128, slots: &[u64]) -> Result<usize, DeskError> {
    let Ok(list) = std::fs::read_dir(paths.backups()) else {
        return Ok(0);
    };
    let mut reached = 0;
    for entry in list.flatten() {
        let dir = entry.path().join(BACKUP_STORE_DIR);
        match destroy_key_in_copy(&dir, client, slots) {
            Ok(true) => reached += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!("erasure could not reach the backup at {}: {e}", dir.display()),
        }
    }
    Ok(reached)
}
