//! The conflicts queue: other desks' ops that could not be merged here, each kept sealed with
//! the key of the client it is about (so it goes with them at an erasure) and listed on every
//! desk it reached until a person settles it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Applied, Queued, Seen};
use crate::domain::ids::DeviceId;
use crate::domain::sync::SealedOp;
use crate::domain::{EntityKind, RecordRef};
use crate::store::codec;
use crate::store::crypto::KeyRef;
use crate::store::sync_log::{remote_key, APPLY_QUEUE, REMOTE_OPS};
use crate::store::{decode_plain, Store, StoreError};

/// Device ++ sequence (24) -> sealed [`Conflict`]: other desks' ops that could not be merged.
pub(crate) const CONFLICTS: &str = "sync_conflicts";

/// Device ++ sequence (24) -> nothing: changes made here that the server refused and a person
/// dismissed from the queue; the server names a refusal at every push that covers it, and a
/// dismissed one is not put back.
pub(crate) const DISMISSED: &str = "sync_refused_dismissed";

/// Why another desk's op waits in the conflicts queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConflictReason {
    /// Merging it would give one unique value (a student number) to two records.
    Unique(String),
    /// It was written in a record layout newer than this desk reads: update careerdesk.
    NewerFormat {
        /// The kind of record.
        kind: EntityKind,
        /// The layout it came in.
        format: u8,
    },
    /// Its content does not read as a record here.
    Unreadable(String),
    /// Merged, the record would break a rule each desk kept alone.
    Breaks(String),
    /// A change made here that the sync server refused against its roster (decision 0022):
    /// no other desk carries it out.
    Refused(String),
    /// Another desk's erasure that this desk's own copy of the roster does not allow: it is
    /// not carried out here (decision 0022, step 3).
    ErasureNotAllowed(String),
}

impl ConflictReason {
    /// Whether merging again cannot settle it: a person dismisses it once it is dealt with.
    pub fn is_dismissed_only(&self) -> bool {
        matches!(self, ConflictReason::Refused(_) | ConflictReason::ErasureNotAllowed(_))
    }
}

/// An op of another desk that is waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The desk that made it.
    pub device: crate::domain::ids::DeviceId,
    /// Its sequence there.
    pub seq: u64,
    /// The record it was about.
    pub record: RecordRef,
    /// Why it was not merged.
    pub reason: ConflictReason,
    /// When it was put aside here.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

impl Conflict {
    /// What to tell a person.
    pub fn describe(&self) -> String {
        match &self.reason {
            ConflictReason::Unique(m) => format!("{m} (from another desk; correct one of the two records)"),
            ConflictReason::NewerFormat { kind, format } => format!(
                "a {} written by a newer careerdesk (layout {format}); update this desk and sync again",
                kind.tree()
            ),
            ConflictReason::Unreadable(m) => format!("a change that does not read here: {m}"),
            ConflictReason::Breaks(m) => m.clone(),
            ConflictReason::Refused(m) => format!(
                "made here and refused by the sync server: {m}; no other desk carries it out, but it stands on this desk. \
                 Have it done again by someone whose role allows it (a supervisor for an erasure, an administrator for staff accounts), \
                 or put the record back, then dismiss it"
            ),
            ConflictReason::ErasureNotAllowed(m) => format!(
                "an erasure relayed by the sync server that this desk's own copy of the staff roster does not allow: {m}; \
                 it is not carried out here and nothing here was changed. If the client should be erased, \
                 have a supervisor erase them on this desk, then dismiss this"
            ),
        }
    }
}

/// What merging an op of the conflicts queue again did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retried {
    /// Merged into this desk's records, and off the queue.
    Merged(Applied),
    /// Still not mergeable: back in the queue, saying what is wrong now.
    Waiting(Conflict),
    /// Its content went with an erasure: nothing is left to merge, and it is off the queue.
    Gone,
}

/// Device (16) ++ sequence (8): the op's key in the queue, as in the ops taken.
pub(crate) fn conflict_key(device: DeviceId, seq: u64) -> [u8; 24] {
    remote_key(device, seq)
}

impl Store {
    /// Merges again the op of `device` numbered `seq` that waits in the conflicts queue, once
    /// a person has settled what stopped it (the record holding its student number erased,
    /// careerdesk updated to read its layout). `None` when no such op waits here. The op is
    /// taken off the queue only after it is merged, so a stop in between leaves it listed,
    /// and merging it again changes nothing.
    pub fn retry_conflict(
        &self,
        device: DeviceId,
        seq: u64,
        now: DateTime<Utc>,
    ) -> Result<Option<Retried>, StoreError> {
        let key = conflict_key(device, seq);
        match self.conflict_at(&key)? {
            None => return Ok(None),
            // The server decided: merging it again here changes nothing.
            Some(c) if c.reason.is_dismissed_only() => return Ok(Some(Retried::Waiting(c))),
            Some(_) => {}
        }
        let op: Option<SealedOp> = match self.tree(REMOTE_OPS)?.get(key)? {
            Some(raw) => Some(crate::store::sealed_ops::decode_op(REMOTE_OPS, &key, &raw)?),
            None => None,
        };
        let opened = match op.as_ref().map(|op| (op, self.open_remote_op(op))) {
            None | Some((_, Ok(None))) => {
                self.forget_conflict(&key)?;
                return Ok(Some(Retried::Gone));
            }
            Some((op, Err(e))) => {
                self.put_aside_unreadable(op, e, now)?;
                return Ok(self.conflict_at(&key)?.map(Retried::Waiting));
            }
            Some((op, Ok(Some(opened)))) => Queued {
                op: op.clone(),
                changes: opened.changes,
                hlc: opened.hlc,
                key: Vec::new(),
            },
        };
        match self.merge_one(&opened, 0, now)? {
            Some((records, clients)) => {
                self.forget_conflict(&key)?;
                let mut done = Applied::default();
                Seen::default().count(&mut done, &opened, records, clients);
                Ok(Some(Retried::Merged(done)))
            }
            None => Ok(self.conflict_at(&key)?.map(Retried::Waiting)),
        }
    }

    /// The op of `device` numbered `seq` waiting in the conflicts queue, if one does.
    pub fn waiting_conflict(&self, device: DeviceId, seq: u64) -> Result<Option<Conflict>, StoreError> {
        self.conflict_at(&conflict_key(device, seq))
    }

    /// Forgets the queue's count after a commit that took a conflict off it.
    pub fn conflicts_changed(&self) {
        self.subjects.forget_conflict_count();
    }

    /// The conflict kept under `key`, if one is there whose client's key is still held.
    fn conflict_at(&self, key: &[u8]) -> Result<Option<Conflict>, StoreError> {
        let Some(v) = self.tree(CONFLICTS)?.get(key)? else {
            return Ok(None);
        };
        match self.open_sealed(CONFLICTS, key, &v) {
            Ok(plain) => Ok(Some(decode_plain(CONFLICTS, key, &plain)?)),
            Err(crate::store::crypto::SealError::UnknownKey) => Ok(None),
            Err(e) => Err(StoreError::Corrupt {
                tree: CONFLICTS.into(),
                key: crate::store::show_key(key),
                reason: e.to_string(),
            }),
        }
    }

    /// Takes one op off the conflicts queue.
    fn forget_conflict(&self, key: &[u8]) -> Result<(), StoreError> {
        self.subjects.forget_conflict_count();
        self.tree(CONFLICTS)?.remove(key)?;
        self.subjects.forget_conflict_count();
        Ok(())
    }

    pub(super) fn put_aside_and_dequeue(
        &self,
        op: &SealedOp,
        record: RecordRef,
        reason: ConflictReason,
        dequeue: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.put_aside(op, record, reason, now)?;
        self.tree(APPLY_QUEUE)?.remove(dequeue)?;
        Ok(())
    }

    /// Keeps an op that does not open here: it names no record it could be read as.
    pub(super) fn put_aside_unreadable(
        &self,
        op: &SealedOp,
        e: StoreError,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let record = RecordRef {
            kind: EntityKind::Client,
            id: 0,
        };
        self.put_aside(op, record, ConflictReason::Unreadable(e.to_string()), now)
    }

    /// Keeps an op that could not be merged, sealed with the key of the client it is about.
    pub(super) fn put_aside(
        &self,
        op: &SealedOp,
        record: RecordRef,
        reason: ConflictReason,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conflict = Conflict {
            device: op.device,
            seq: op.seq,
            record,
            reason,
            at: now,
        };
        let mut key = op.device.0.to_be_bytes().to_vec();
        key.extend_from_slice(&op.seq.to_be_bytes());
        let subject = op.subjects.first().copied();
        let sealed = self.seal_for(subject, CONFLICTS, &key, codec::encode_versioned(1, &conflict))?;
        self.subjects.forget_conflict_count();
        self.tree(CONFLICTS)?.insert(key, sealed)?;
        // And after: a count taken between the two would miss this one.
        self.subjects.forget_conflict_count();
        Ok(())
    }

    /// Puts in the queue another desk's erasure this desk does not carry out, with why
    /// (its content, erasures and subjects already dropped).
    pub(crate) fn put_erasure_not_allowed(
        &self,
        op: &SealedOp,
        client: u128,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self.tree(DISMISSED)?.contains_key(conflict_key(op.device, op.seq))? {
            return Ok(());
        }
        let record = RecordRef {
            kind: EntityKind::Client,
            id: client,
        };
        self.put_aside(op, record, ConflictReason::ErasureNotAllowed(why.to_string()), now)
    }

    /// Puts in the queue an op of this desk the server refused, with why; false when it was
    /// there already (the server names a refusal at every push that covers it).
    pub fn put_refused(&self, device: DeviceId, seq: u64, why: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let key = conflict_key(device, seq);
        if self.conflict_at(&key)?.is_some() || self.tree(DISMISSED)?.contains_key(key)? {
            return Ok(false);
        }
        let Some(mut op) = self
            .sealed_ops_after(seq.saturating_sub(1), 1)?
            .into_iter()
            .find(|o| o.seq == seq)
        else {
            return Ok(false);
        };
        // Sealed with the institution's key: it holds ids and the server's words only, and an
        // erasure refused has already destroyed its client's key here.
        op.subjects.clear();
        let record = self
            .ops_after(seq.saturating_sub(1))?
            .next()
            .transpose()?
            .and_then(|o| o.changes.first().map(|c| c.record()))
            .unwrap_or(RecordRef {
                kind: EntityKind::Client,
                id: 0,
            });
        self.put_aside(&op, record, ConflictReason::Refused(why.to_string()), now)?;
        Ok(true)
    }

    /// The other desks' ops waiting in the conflicts queue (those of erased clients are gone).
    pub fn sync_conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree(CONFLICTS)?.iter() {
            let (k, v) = item?;
            match self.open_sealed(CONFLICTS, &k, &v) {
                Ok(plain) => out.push(decode_plain(CONFLICTS, &k, &plain)?),
                Err(crate::store::crypto::SealError::UnknownKey) => {}
                Err(e) => {
                    return Err(StoreError::Corrupt {
                        tree: CONFLICTS.into(),
                        key: crate::store::show_key(&k),
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(out)
    }

    /// How many conflicts [`Store::sync_conflicts`] lists, read from the sealed values' headers
    /// alone and kept until the queue or the keys change: every sync reports the count, and
    /// opening each conflict at every sync cost 0.2 s with 49,000 waiting.
    pub fn sync_conflict_count(&self) -> Result<u64, StoreError> {
        let mark = match self.subjects.conflict_count() {
            Ok(known) => return Ok(known),
            Err(mark) => mark,
        };
        let mut count = 0;
        for item in self.tree(CONFLICTS)?.iter() {
            let (_, v) = item?;
            // One whose client was erased is gone with the key; a damaged one is still
            // counted, and listing the queue says what is wrong with it.
            let held = match KeyRef::of(&v) {
                Ok((KeyRef::Subject { id, generation }, _)) => {
                    !matches!(self.subjects.key(&self.keys, id, generation), Ok(None))
                }
                Ok((KeyRef::Institution, _)) | Err(_) => true,
            };
            count += u64::from(held);
        }
        self.subjects.keep_conflict_count(mark, count);
        Ok(count)
    }
}
