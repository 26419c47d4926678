//! Re-sealing in place (decision 0018): values sealed with the institution key that belong to
//! a client (written before per-client keys) put under that client's own key, and key
//! rotation (a client's next key generation, every value sealed with it, the older
//! generations destroyed). Both hold commits while they run, rewrite values in batches with a
//! compare-and-swap each, and are safe to stop and run again: a value is only ever replaced by
//! the same content sealed with a key the store holds.

use std::collections::{HashMap, HashSet};

use sled::IVec;

use super::codec::Record;
use super::crypto::KeyRef;
use super::history::Owner;
use super::{decode_plain, Progress, Store, StoreError, AUDIT, KEY_SLOTS, META, OPLOG};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::audit::AuditEntry;
use crate::domain::client::Client;
use crate::domain::employer::{Contact, Employer, EngagementNote, Vacancy};
use crate::domain::enquiry::Enquiry;
use crate::domain::event::{Event, EventBooking};
use crate::domain::note::Note;
use crate::domain::operator::Operator;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, AttachmentContent, Complaint, Consent, Feedback};
use crate::domain::wellbeing::Concern;
use crate::domain::RecordRef;

/// Values rewritten per batch (one flush each).
const BATCH: usize = 512;
/// The meta prefix of the slots a client's rotated-out keys were in: backups may still hold
/// those keys there, so an erasure destroys them in the backups too.
const RETIRED: &[u8] = b"retired_slots/";

/// What a re-seal or a key rotation did: counts only.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resealed {
    /// Clients whose values were re-sealed, or whose keys were rotated.
    pub clients: u64,
    /// Records re-sealed.
    pub records: u64,
    /// Op-log entries re-sealed.
    pub ops: u64,
    /// Audit entries re-sealed.
    pub audit: u64,
    /// Links of the audit chain recomputed for them.
    pub links: u64,
    /// Records sealed with the institution key that belong to no client, left as they are.
    pub no_client: u64,
    /// Op-log and audit entries about a record that may be a client's but that neither the
    /// store nor the op log's history places with a client still in the store: left with the
    /// institution key, never guessed.
    pub unplaced: u64,
    /// Values that could not be opened, left as they are (`store check` lists them).
    pub damaged: u64,
    /// Older key generations destroyed (rotation).
    pub keys_destroyed: u64,
}

type Pending = Vec<(IVec, IVec, Vec<u8>)>;

impl Store {
    /// Re-seals every record, op-log entry and audit entry sealed with the institution key
    /// that belongs to a client under that client's own key. Records of no client (and those
    /// of client id 0, which names none) are left. Doing it again finds nothing to do.
    pub fn reseal_for_clients(&self, progress: Progress<'_>) -> Result<Resealed, StoreError> {
        let _held = self.hold_commits();
        self.refuse_broken_chain()?;
        let mut done = Resealed::default();
        let mut clients = HashSet::new();
        macro_rules! kinds {
            ($($t:ty),* $(,)?) => {
                $( self.reseal_kind::<$t>(&mut done, &mut clients, progress)?; )*
            };
        }
        kinds!(
            Client,
            Operator,
            Slot,
            Appointment,
            Note,
            Enquiry,
            Concern,
            Employer,
            Contact,
            EngagementNote,
            Vacancy,
            Event,
            EventBooking,
            Consent,
            Complaint,
            Feedback,
            Attachment,
            AttachmentContent,
            QueueEntry,
            OutboxEntry,
        );
        // Every live record of a client now names the client in its envelope header; a record
        // since removed is placed from the op log's history.
        let history = self.removed_records_history()?;
        let owner = |r: &RecordRef| self.owner(r, &history);
        self.reseal_ops(&owner, &|_, _| false, &mut done, progress)?;
        let mut audit = HashMap::new();
        for item in self.tree(AUDIT)?.iter() {
            let (k, v) = item?;
            if !matches!(KeyRef::of(&v), Ok((KeyRef::Institution, _))) {
                continue;
            }
            let Ok(plain) = self.open_sealed(AUDIT, &k, &v) else {
                done.damaged += 1;
                continue;
            };
            let Ok(entry) = decode_plain::<AuditEntry>(AUDIT, &k, &plain) else {
                done.damaged += 1;
                continue;
            };
            let Some(subject) = entry.subject.as_ref() else {
                continue;
            };
            let id = match owner(subject)? {
                Owner::Client(id) => id,
                Owner::NoClient => continue,
                Owner::Unknown => {
                    done.unplaced += 1;
                    continue;
                }
            };
            clients.insert(id);
            audit.insert(audit_key(&k)?, self.seal_for(Some(id), AUDIT, &k, Ok(plain))?);
        }
        self.subjects.sync()?;
        done.links = self.replace_audit_sealed(&audit)?;
        done.audit = audit.len() as u64;
        done.clients = clients.len() as u64;
        Ok(done)
    }

    /// Rotates clients' keys (one client's, or every client's): a new key generation each,
    /// every value sealed with an older one sealed again with it (records, op-log changes,
    /// audit entries), then the older generations destroyed, so that copies sealed with them
    /// anywhere on disk (sled's log, old pages) can no longer be opened.
    pub fn rotate_subject_keys(&self, only: Option<u128>, progress: Progress<'_>) -> Result<Resealed, StoreError> {
        let _held = self.hold_commits();
        self.refuse_broken_chain()?;
        let targets: Vec<u128> = match only {
            Some(id) if self.subjects.has(id) => vec![id],
            Some(_) => Vec::new(),
            None => self.subjects.subjects(),
        };
        let mut done = Resealed::default();
        let mut newest = HashMap::with_capacity(targets.len());
        for &id in &targets {
            newest.insert(id, self.subjects.new_generation(&self.keys, id)?);
        }
        self.subjects.sync()?;
        let rotate = |id: u128, generation: u32| newest.get(&id).is_some_and(|&n| generation < n);
        let skip = [OPLOG, AUDIT, super::audit_chain::AUDIT_CHAIN, KEY_SLOTS];
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            if skip.contains(&name.as_str()) {
                continue;
            }
            let tree = self.tree(&name)?;
            let total = tree.len() as u64;
            let mut pending: Pending = Vec::new();
            for (n, item) in tree.iter().enumerate() {
                let (k, v) = item?;
                let Ok((KeyRef::Subject { id, generation }, _)) = KeyRef::of(&v) else {
                    continue;
                };
                if !rotate(id, generation) {
                    continue;
                }
                match self.open_sealed(&name, &k, &v) {
                    Ok(plain) => {
                        let sealed = self.seal_for(Some(id), &name, &k, Ok(plain))?;
                        pending.push((k, v, sealed));
                    }
                    Err(_) => done.damaged += 1,
                }
                if pending.len() >= BATCH {
                    done.records += self.apply(&tree, &mut pending)?;
                    progress("re-sealing records", n as u64, total);
                }
            }
            done.records += self.apply(&tree, &mut pending)?;
        }
        self.reseal_ops(&|_| Ok(Owner::NoClient), &rotate, &mut done, progress)?;
        let mut audit = HashMap::new();
        for item in self.tree(AUDIT)?.iter() {
            let (k, v) = item?;
            let Ok((KeyRef::Subject { id, generation }, _)) = KeyRef::of(&v) else {
                continue;
            };
            if !rotate(id, generation) {
                continue;
            }
            match self.open_sealed(AUDIT, &k, &v) {
                Ok(plain) => {
                    audit.insert(audit_key(&k)?, self.seal_for(Some(id), AUDIT, &k, Ok(plain))?);
                }
                Err(_) => done.damaged += 1,
            }
        }
        done.links = self.replace_audit_sealed(&audit)?;
        done.audit = audit.len() as u64;
        let meta = self.tree(META)?;
        for (&id, &generation) in &newest {
            let slots = self.subjects.destroy_older(id, generation)?;
            done.keys_destroyed += slots.len() as u64;
            if !slots.is_empty() {
                let mut kept = self.retired_slots(id)?;
                kept.extend(slots);
                let raw: Vec<u8> = kept.iter().flat_map(|s| s.to_be_bytes()).collect();
                meta.insert(retired_key(id), raw)?;
            }
        }
        self.db.flush()?;
        done.clients = targets.len() as u64;
        Ok(done)
    }

    /// The slots a client's rotated-out keys were in (backups made before may hold them).
    pub(crate) fn retired_slots(&self, client: u128) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .tree(META)?
            .get(retired_key(client))?
            .map(|raw| {
                raw.chunks_exact(8)
                    .filter_map(|c| <[u8; 8]>::try_from(c).ok())
                    .map(u64::from_be_bytes)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Forgets a client's rotated-out slots (their erasure has reached the backups).
    pub(crate) fn forget_retired_slots(&self, client: u128) -> Result<(), StoreError> {
        self.tree(META)?.remove(retired_key(client))?;
        Ok(())
    }

    fn reseal_kind<T: Record>(
        &self,
        done: &mut Resealed,
        clients: &mut HashSet<u128>,
        progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        let name = T::KIND.tree();
        let tree = self.tree(name)?;
        let total = tree.len() as u64;
        let mut pending: Pending = Vec::new();
        for (n, item) in tree.iter().enumerate() {
            let (k, v) = item?;
            if !matches!(KeyRef::of(&v), Ok((KeyRef::Institution, _))) {
                continue;
            }
            let Ok(plain) = self.open_sealed(name, &k, &v) else {
                done.damaged += 1;
                continue;
            };
            let Ok(record) = T::decode(&plain) else {
                done.damaged += 1;
                continue;
            };
            // Id 0 names no client (seal_for treats it so).
            let Some(id) = record.subject().filter(|&id| id != 0) else {
                done.no_client += 1;
                continue;
            };
            clients.insert(id);
            pending.push((k.clone(), v, self.seal_for(Some(id), name, &k, Ok(plain))?));
            if pending.len() >= BATCH {
                done.records += self.apply(&tree, &mut pending)?;
                progress("re-sealing records", n as u64, total);
            }
        }
        done.records += self.apply(&tree, &mut pending)?;
        Ok(())
    }

    fn reseal_ops(
        &self,
        owner: &dyn Fn(&RecordRef) -> Result<Owner, StoreError>,
        rotate: &dyn Fn(u128, u32) -> bool,
        done: &mut Resealed,
        progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        let tree = self.tree(OPLOG)?;
        let total = tree.len() as u64;
        let mut pending: Pending = Vec::new();
        for (n, item) in tree.iter().enumerate() {
            let (k, v) = item?;
            match self.reseal_op(&k, &v, owner, rotate) {
                Ok(op) => {
                    done.unplaced += u64::from(op.unplaced);
                    if let Some(new) = op.sealed {
                        pending.push((k, v, new));
                    }
                }
                // The storage failing is not a damaged value.
                Err(e @ (StoreError::Io(_) | StoreError::Engine { .. })) => return Err(e),
                Err(_) => done.damaged += 1,
            }
            if pending.len() >= BATCH {
                done.ops += self.apply_ops(&tree, &mut pending)?;
                progress("re-sealing the op log", n as u64, total);
            }
        }
        done.ops += self.apply_ops(&tree, &mut pending)?;
        Ok(())
    }

    /// [`Store::apply`] for op-log entries, whose signatures cover their sealed bytes: each
    /// is signed again, or loses a signature that can no longer match.
    fn apply_ops(&self, tree: &sled::Tree, pending: &mut Pending) -> Result<u64, StoreError> {
        let seqs: Vec<u64> = pending
            .iter()
            .filter_map(|(k, _, _)| <[u8; 8]>::try_from(k.as_ref()).ok())
            .map(u64::from_be_bytes)
            .collect();
        let n = self.apply(tree, pending)?;
        self.sign_resealed(&seqs)?;
        Ok(n)
    }

    /// Writes a batch of re-sealed values, each only if the value is still the one read;
    /// the keys that sealed them are synced first and the batch flushed after.
    fn apply(&self, tree: &sled::Tree, pending: &mut Pending) -> Result<u64, StoreError> {
        if pending.is_empty() {
            return Ok(0);
        }
        self.subjects.sync()?;
        let mut n = 0;
        for (k, old, new) in pending.drain(..) {
            if tree.compare_and_swap(&k, Some(old), Some(new))?.is_ok() {
                n += 1;
            }
        }
        self.db.flush()?;
        Ok(n)
    }
}

fn audit_key(k: &[u8]) -> Result<[u8; 16], StoreError> {
    <[u8; 16]>::try_from(k).map_err(|_| StoreError::Corrupt {
        tree: AUDIT.into(),
        key: super::show_key(k),
        reason: "an audit key is not 16 bytes".into(),
    })
}

fn retired_key(client: u128) -> Vec<u8> {
    [RETIRED, &client.to_be_bytes()].concat()
}
