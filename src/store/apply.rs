//! Merging other desks' ops into this desk's records, in the order the server gave them. Each
//! op is opened, each change merged by `domain::merge` against the record and its field clocks
//! here, and the op's records, index entries and clocks are written in one transaction that
//! also takes the op off the queue (no op-log entry: the op is the other desk's). A change
//! that cannot be merged without breaking a rule here (a student number two desks gave to two
//! people, a record layout newer than this desk knows, content that does not read) is never
//! dropped: its op goes to the conflicts queue, listed on every desk it reached.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::crypto::KeyRef;
use super::sync_log::{APPLY_QUEUE, REMOTE_OPS};
use super::txn::{Merging, Version, WriteSet};
use super::{decode_plain, Store, StoreError};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::change::{fields_of, Change, Hlc};
use crate::domain::client::Client;
use crate::domain::employer::{Contact, Employer, EngagementNote, Vacancy};
use crate::domain::enquiry::Enquiry;
use crate::domain::event::{Event, EventBooking};
use crate::domain::merge::{merge, FieldClocks, Merged};
use crate::domain::note::Note;
use crate::domain::operator::Operator;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, AttachmentContent, Complaint, Consent, Feedback};
use crate::domain::sync::SealedOp;
use crate::domain::wellbeing::Concern;
use crate::domain::{EntityKind, RecordRef};

/// Device ++ sequence (24) -> sealed [`Conflict`]: other desks' ops that could not be merged.
pub(crate) const CONFLICTS: &str = "sync_conflicts";

/// How often an op is tried again when a change made here meanwhile touched its records.
const RACE_RETRIES: usize = 5;
/// The message a merge's own "unchanged since read" guard fails with.
const RACED: &str = "a record changed here while another desk's change was merged into it";

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
        }
    }
}

/// What one merge run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Ops merged.
    pub ops: u64,
    /// Records written or removed.
    pub records: u64,
    /// Ops put in the conflicts queue.
    pub conflicts: u64,
    /// Clients whose records changed (ids stay in the program).
    pub clients: Vec<u128>,
    /// Slots and appointments the merged ops changed, for the desk to check each slot still
    /// names the booking that holds it for certain.
    pub bookings: Vec<RecordRef>,
}

/// One record as an op's changes leave it, before it is written.
struct Pending {
    record: RecordRef,
    fields: Option<BTreeMap<String, String>>,
    clocks: FieldClocks,
    concurrent: Vec<String>,
    touched: bool,
}

/// Runs `$f::<T>` for the record type of `$kind`.
macro_rules! by_kind {
    ($kind:expr, $f:ident ( $($arg:expr),* )) => {
        match $kind {
            EntityKind::Client => $f::<Client>($($arg),*),
            EntityKind::Operator => $f::<Operator>($($arg),*),
            EntityKind::Slot => $f::<Slot>($($arg),*),
            EntityKind::Appointment => $f::<Appointment>($($arg),*),
            EntityKind::Note => $f::<Note>($($arg),*),
            EntityKind::Enquiry => $f::<Enquiry>($($arg),*),
            EntityKind::Employer => $f::<Employer>($($arg),*),
            EntityKind::Contact => $f::<Contact>($($arg),*),
            EntityKind::Engagement => $f::<EngagementNote>($($arg),*),
            EntityKind::Vacancy => $f::<Vacancy>($($arg),*),
            EntityKind::Event => $f::<Event>($($arg),*),
            EntityKind::EventBooking => $f::<EventBooking>($($arg),*),
            EntityKind::Consent => $f::<Consent>($($arg),*),
            EntityKind::Complaint => $f::<Complaint>($($arg),*),
            EntityKind::Feedback => $f::<Feedback>($($arg),*),
            EntityKind::Attachment => $f::<Attachment>($($arg),*),
            EntityKind::AttachmentContent => $f::<AttachmentContent>($($arg),*),
            EntityKind::QueueEntry => $f::<QueueEntry>($($arg),*),
            EntityKind::Message => $f::<OutboxEntry>($($arg),*),
            EntityKind::Concern => $f::<Concern>($($arg),*),
        }
    };
}

/// A record's fields as held here, for merging.
fn held_fields<T: Record>(store: &Store, id: u128) -> Result<Option<BTreeMap<String, String>>, StoreError> {
    match store.get::<T>(id)? {
        Some(r) => fields_of(&r).map(Some).map_err(|e| StoreError::Encode {
            what: format!("{} as fields", T::KIND.tree()),
            reason: e.to_string(),
        }),
        None => Ok(None),
    }
}

/// The set fields and layout of a kind.
fn shape_of<T: Record>() -> crate::domain::change::Shape {
    T::shape()
}

/// Puts one merged record in the write set, checked against what is stored now; returns the
/// record's client, if it has one.
fn stage<T: Record>(store: &Store, ws: &mut WriteSet, p: &Pending) -> Result<Option<u128>, ConflictReason> {
    let unreadable = |e: String| ConflictReason::Unreadable(e);
    let held: Option<(T, Version)> = store
        .get_versioned(p.record.id)
        .map_err(|e| unreadable(e.to_string()))?;
    match &p.fields {
        None => match held {
            Some((old, version)) => {
                ws.unchanged_since(&old, version, RACED);
                ws.remove(store, &old);
                Ok(old.subject())
            }
            None => Ok(None),
        },
        Some(fields) => {
            let mut object = serde_json::Map::new();
            for (k, v) in fields {
                let value = serde_json::from_str(v).map_err(|e| unreadable(format!("field {k}: {e}")))?;
                object.insert(k.clone(), value);
            }
            let mut new: T = serde_json::from_value(serde_json::Value::Object(object))
                .map_err(|e| unreadable(format!("a {}: {e}", T::KIND.tree())))?;
            new.merged_unseen(&p.concurrent);
            if let Some(broken) = new.merged_breaks() {
                return Err(ConflictReason::Breaks(broken));
            }
            match held {
                Some((old, version)) => {
                    ws.unchanged_since(&old, version, RACED);
                    ws.put(store, Some(&old), &new);
                }
                None => ws.put(store, None, &new),
            }
            Ok(new.subject())
        }
    }
}

impl Store {
    /// Merges every op taken from other desks and not yet merged, in the server's order.
    /// `progress` is told (done, of) as it goes.
    pub fn apply_remote(&self, now: DateTime<Utc>, progress: &dyn Fn(u64, u64)) -> Result<Applied, StoreError> {
        let queue = self.tree(APPLY_QUEUE)?;
        let remote = self.tree(REMOTE_OPS)?;
        let of = queue.len() as u64;
        let mut done = Applied::default();
        // What is in `done`'s lists already: a bootstrap merges a million bookings, so a
        // search of the list for each would grow with its square.
        let (mut bookings, mut clients_seen) = (HashSet::new(), HashSet::new());
        let mut n = 0;
        // Each op leaves the queue as it is merged or put aside; the next is looked for after
        // the last one's key, not from the queue's start, which sled walks past every
        // emptied leaf to find.
        let mut last: Option<sled::IVec> = None;
        loop {
            let next = match &last {
                None => queue.first()?,
                Some(k) => queue
                    .range((Bound::Excluded(k.clone()), Bound::Unbounded))
                    .next()
                    .transpose()?,
            };
            let Some((qk, rk)) = next else { break };
            last = Some(qk.clone());
            n += 1;
            progress(n, of.max(n));
            let op: Option<SealedOp> = match remote.get(&rk)? {
                Some(raw) => Some(decode_plain(REMOTE_OPS, &rk, &raw)?),
                None => None,
            };
            let opened = match op.as_ref().map(|op| self.open_remote_op(op)) {
                Some(Ok(opened)) => opened,
                Some(Err(e)) => {
                    if let Some(op) = &op {
                        let record = RecordRef {
                            kind: EntityKind::Client,
                            id: 0,
                        };
                        self.put_aside(op, record, ConflictReason::Unreadable(e.to_string()), now)?;
                        done.conflicts += 1;
                    }
                    None
                }
                None => None,
            };
            let Some(opened) = opened else {
                queue.remove(&qk)?;
                continue;
            };
            let op = op
                .as_ref()
                .ok_or_else(|| StoreError::Io("an op vanished while it was merged".into()))?;
            let mut tries = 0;
            loop {
                match self.merge_op(op, &opened.changes, opened.hlc, qk.to_vec(), now) {
                    Ok(Some((records, clients))) => {
                        done.ops += 1;
                        done.records += records;
                        for r in opened.changes.iter().map(Change::record) {
                            if matches!(r.kind, EntityKind::Slot | EntityKind::Appointment) && bookings.insert(r) {
                                done.bookings.push(r);
                            }
                        }
                        for c in clients {
                            if clients_seen.insert(c) {
                                done.clients.push(c);
                            }
                        }
                        break;
                    }
                    Ok(None) => {
                        done.conflicts += 1;
                        break;
                    }
                    Err(StoreError::Conflict(m)) if m == RACED && tries < RACE_RETRIES => tries += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(done)
    }

    /// Merges one op; `None` when it went to the conflicts queue instead.
    #[allow(clippy::type_complexity)]
    fn merge_op(
        &self,
        op: &SealedOp,
        changes: &[Change],
        at: Hlc,
        dequeue: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<Option<(u64, Vec<u128>)>, StoreError> {
        let mut pending: Vec<Pending> = Vec::new();
        for change in changes {
            let record = change.record();
            let (format, set_fields) = {
                let shape = by_kind!(record.kind, shape_of());
                (shape.format, shape.set_fields)
            };
            let change_format = match change {
                Change::Create { format, .. } | Change::Update { format, .. } => *format,
                _ => 0,
            };
            if change_format > format {
                let reason = ConflictReason::NewerFormat {
                    kind: record.kind,
                    format: change_format,
                };
                self.put_aside_and_dequeue(op, record, reason, &dequeue, now)?;
                return Ok(None);
            }
            let at_ = match pending.iter().position(|p| p.record == record) {
                Some(i) => i,
                None => {
                    let fields = by_kind!(record.kind, held_fields(self, record.id))?;
                    pending.push(Pending {
                        record,
                        fields,
                        clocks: self.field_clocks(record)?,
                        concurrent: Vec::new(),
                        touched: false,
                    });
                    pending.len() - 1
                }
            };
            let p = &mut pending[at_];
            match merge(p.fields.as_ref(), &p.clocks, change, at, set_fields) {
                Merged::Write {
                    fields,
                    clocks,
                    concurrent,
                } => {
                    p.fields = Some(fields);
                    p.clocks = clocks;
                    p.concurrent.extend(concurrent);
                    p.touched = true;
                }
                Merged::Remove(clocks) => {
                    p.fields = None;
                    p.clocks = clocks;
                    p.touched = true;
                }
                Merged::Skip(_) => {}
            }
        }
        let mut ws = WriteSet::new();
        let mut clocks = Vec::new();
        let mut clients = Vec::new();
        for p in pending.iter().filter(|p| p.touched) {
            match by_kind!(p.record.kind, stage(self, &mut ws, p)) {
                Ok(subject) => {
                    if p.record.kind == EntityKind::Client {
                        clients.push(p.record.id);
                    }
                    clocks.push((p.record, subject, p.clocks.clone()));
                }
                Err(reason) => {
                    self.put_aside_and_dequeue(op, p.record, reason, &dequeue, now)?;
                    return Ok(None);
                }
            }
        }
        let records = clocks.len() as u64;
        let merging = Merging {
            clocks,
            dequeue: dequeue.clone(),
            clients: clients.clone(),
            at,
        };
        match self.commit_merged(ws, merging, now) {
            Ok(()) => Ok(Some((records, clients))),
            Err(StoreError::Conflict(m)) if m != RACED => {
                let record = pending.first().map_or(
                    RecordRef {
                        kind: EntityKind::Client,
                        id: 0,
                    },
                    |p| p.record,
                );
                self.put_aside_and_dequeue(op, record, ConflictReason::Unique(m), &dequeue, now)?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn put_aside_and_dequeue(
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

    /// Keeps an op that could not be merged, sealed with the key of the client it is about.
    fn put_aside(
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

    /// The other desks' ops waiting in the conflicts queue (those of erased clients are gone).
    pub fn sync_conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree(CONFLICTS)?.iter() {
            let (k, v) = item?;
            match self.open_sealed(CONFLICTS, &k, &v) {
                Ok(plain) => out.push(decode_plain(CONFLICTS, &k, &plain)?),
                Err(super::crypto::SealError::UnknownKey) => {}
                Err(e) => {
                    return Err(StoreError::Corrupt {
                        tree: CONFLICTS.into(),
                        key: super::show_key(&k),
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

    /// Ops taken from other desks and not merged yet.
    pub fn ops_to_merge(&self) -> Result<u64, StoreError> {
        Ok(self.tree(APPLY_QUEUE)?.len() as u64)
    }
}
