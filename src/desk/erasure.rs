//! Erasing a client (DATA-05, SEC-03 "terminate"): every record about them removed in one
//! commit, their keys destroyed so every older copy on disk is unreadable, de-identified
//! counts kept so past reports still add up, and an audit entry without personal data.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};

use crate::domain::access::Permission;
use crate::domain::appointment::{AppointmentState, Slot};
use crate::domain::audit::AuditAction;
use crate::domain::ids::ClientId;
use crate::domain::outbox::Delivery;
use crate::domain::validate::StudentNumber;
use crate::paths::Paths;
use crate::store::{destroy_keys_in_copy, WriteSet, BACKUP_STORE_DIR};

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
    /// Who was erased, for the lookups kept in memory (never shown, written out or logged).
    #[serde(skip)]
    pub erased: ErasedIds,
}

/// The ids of erased clients, kept inside the program so lookups in memory can drop them at
/// once: not serialised, and its `Debug` says only how many.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ErasedIds(Vec<ClientId>);

impl ErasedIds {
    /// The erased clients' ids.
    pub fn ids(&self) -> &[ClientId] {
        &self.0
    }

    /// How many clients were erased.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no one was erased.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes in more erased clients.
    pub fn extend(&mut self, more: ErasedIds) {
        self.0.extend(more.0);
    }
}

impl std::fmt::Debug for ErasedIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ErasedIds({} client(s))", self.0.len())
    }
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
        self.erase_each(paths, vec![client], reason)
    }

    /// Removes several clients and everything linked to them in one commit, then destroys their
    /// keys with one sync of the key file and reaches each backup once (a purge erases in
    /// batches: per client, that work is the same but paid once). Each client keeps their own
    /// audit entry. Returns the sums.
    pub(super) fn erase_each(
        &self,
        paths: &Paths,
        clients: Vec<crate::domain::client::Client>,
        reason: &str,
    ) -> Result<Erasure, DeskError> {
        let now = self.now();
        let mut ws = WriteSet::new();
        let mut done = Erasure {
            records: 0,
            slots_freed: 0,
            messages_withdrawn: 0,
            backups_reached: 0,
            erased: ErasedIds::default(),
        };
        let mut tally = self.erased_tally_unchecked()?;
        let helds = self.held_on_each(clients)?;
        for held in &helds {
            tally.clients += 1;
            let mut one = Erasure {
                records: held.records(),
                slots_freed: 0,
                messages_withdrawn: 0,
                backups_reached: 0,
                erased: ErasedIds::default(),
            };
            for a in &held.appointments {
                let outcome = match &a.state {
                    AppointmentState::Settled { outcome, .. } => outcome.code(),
                    AppointmentState::Booked | AppointmentState::CheckedIn { .. } => {
                        if a.start > now {
                            one.slots_freed += 1;
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
            }
            one.messages_withdrawn = held
                .messages
                .iter()
                .filter(|m| matches!(m.state, Delivery::Pending { .. }))
                .count();
            held.remove_into(&mut ws, self);
            ws.erasing(held.client.id.0);
            ws.audit_kept(self.audit_because(
                AuditAction::Erase,
                None,
                format!(
                    "a client was erased: {} record(s), {} future booking(s) freed, {} message(s) withdrawn",
                    one.records, one.slots_freed, one.messages_withdrawn
                ),
                reason,
            ));
            done.records += one.records;
            done.slots_freed += one.slots_freed;
            done.messages_withdrawn += one.messages_withdrawn;
        }
        self.commit(ws)?;
        let ids: Vec<u128> = helds.iter().map(|h| h.client.id.0).collect();
        for held in &helds {
            self.directory_remove(&held.client);
        }
        let lookup_key = self.store.lookup_key_slots();
        let mut slots = self.store.destroy_subject_keys_of(&ids)?;
        // The backups' lookup copies name the erased clients too: their key goes as well.
        slots.push(lookup_key);
        done.backups_reached = reach_backups(paths, &slots)?;
        done.erased = ErasedIds(helds.iter().map(|h| h.client.id).collect());
        let bytes = serde_json::to_vec(&tally).map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.store.set_setting(TALLY, Some(&bytes))?;
        tracing::info!(clients = ids.len(), records = done.records, "client(s) erased");
        Ok(done)
    }

    /// The de-identified counts kept from erased clients (supervisors; reports add them in).
    pub fn erased_tally(&self) -> Result<ErasedTally, DeskError> {
        self.require(Permission::SupervisorReports)?;
        self.erased_tally_unchecked()
    }

    /// The erased-client counts without a permission check: for reports, which publish them
    /// only through the suppression engine or to supervisors.
    pub(super) fn erased_tally_unchecked(&self) -> Result<ErasedTally, DeskError> {
        Ok(match self.store.setting(TALLY)? {
            Some(b) => serde_json::from_slice(&b).unwrap_or_else(|e| {
                tracing::warn!("the erased-client counts do not read ({e}); starting them again");
                ErasedTally::default()
            }),
            None => ErasedTally::default(),
        })
    }
}

/// Destroys the clients' keys in each automatic backup's copy of the key file, and in the
/// copies maintenance keeps beside the store; returns how many held any. A copy that cannot
/// be reached is named in the log and left for its expiry (`[backups] keep`).
pub(super) fn reach_backups(paths: &Paths, clients: &[(u128, Vec<u64>)]) -> Result<usize, DeskError> {
    let mut copies: Vec<std::path::PathBuf> = std::fs::read_dir(paths.backups())
        .map(|list| list.flatten().map(|e| e.path().join(BACKUP_STORE_DIR)).collect())
        .unwrap_or_default();
    // The copies maintenance keeps beside the store (`store.before-compact-TIME`, ...).
    let store = paths.store();
    if let (Some(parent), Some(name)) = (store.parent(), store.file_name()) {
        let prefix = format!("{}.before-", name.to_string_lossy());
        if let Ok(list) = std::fs::read_dir(parent) {
            copies.extend(
                list.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .map(|e| e.path()),
            );
        }
    }
    let mut reached = 0;
    for dir in copies {
        match destroy_keys_in_copy(&dir, clients) {
            Ok(true) => reached += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!("erasure could not reach the copy at {}: {e}", dir.display()),
        }
    }
    Ok(reached)
}
