//! Merging other desks' ops into this desk's records, in the order the server gave them. Each
//! op is opened, each change merged by `domain::merge` against the record and its field clocks
//! here, and the records, index entries and clocks of ops that share no record are written in
//! one transaction that also takes those ops off the queue (no op-log entry: the ops are the
//! other desks'). A change that cannot be merged without breaking a rule here (a student
//! number two desks gave to two people, a record layout newer than this desk knows, content
//! that does not read) is never dropped: its op goes to the conflicts queue
//! (`apply/conflicts.rs`), listed on every desk it reached.

mod conflicts;

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use chrono::{DateTime, Utc};

pub(crate) use conflicts::{conflict_key, CONFLICTS, DISMISSED};
pub use conflicts::{Conflict, ConflictReason, Retried};

use super::codec::Record;
use super::sync_log::{APPLY_QUEUE, REMOTE_OPS};
use super::txn::{Merging, Version, WriteSet};
use super::{Store, StoreError};
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

/// How often an op is tried again when a change made here meanwhile touched its records.
const RACE_RETRIES: usize = 5;
/// The message a merge's own "unchanged since read" guard fails with.
const RACED: &str = "a record changed here while another desk's change was merged into it";

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

/// What a merge run has listed in [`Applied`] already.
#[derive(Default)]
struct Seen {
    bookings: HashSet<RecordRef>,
    clients: HashSet<u128>,
}

impl Seen {
    /// Counts one op merged.
    fn count(&mut self, done: &mut Applied, q: &Queued, records: u64, clients: Vec<u128>) {
        done.ops += 1;
        done.records += records;
        for r in q.changes.iter().map(Change::record) {
            if matches!(r.kind, EntityKind::Slot | EntityKind::Appointment) && self.bookings.insert(r) {
                done.bookings.push(r);
            }
        }
        for c in clients {
            if self.clients.insert(c) {
                done.clients.push(c);
            }
        }
    }
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

/// At most this many ops are merged in one commit.
const OPS_PER_COMMIT: usize = 256;

/// One op's merge, worked out and not yet written.
struct Staged {
    ws: WriteSet,
    clocks: Vec<(RecordRef, Option<u128>, FieldClocks)>,
    clients: Vec<u128>,
    /// The records its changes name, whether they change them or not.
    named: Vec<RecordRef>,
    dequeue: Vec<u8>,
    at: Hlc,
    /// Its place in the batch, to find its op again.
    index: usize,
}

impl Staged {
    /// What it reads or writes: an op of the same commit touching any of it would have been
    /// worked out on what this one overwrites.
    fn footprint(&self) -> Vec<(String, Vec<u8>)> {
        self.ws
            .footprint()
            .map(|(t, k)| (t.to_string(), k.to_vec()))
            .chain(self.named.iter().copied().map(record_key))
            .collect()
    }
}

/// A record's place among what a batch touches: its tree and key.
fn record_key(r: RecordRef) -> (String, Vec<u8>) {
    (r.kind.tree().to_string(), r.id.to_be_bytes().to_vec())
}

/// What working out one op's merge gave.
enum Prepared {
    /// Ready to commit.
    Staged(Box<Staged>),
    /// Put in the conflicts queue (and off the queue of ops to merge).
    Aside,
}

/// An op taken off the queue, opened.
struct Queued {
    op: SealedOp,
    changes: Vec<Change>,
    hlc: Hlc,
    /// Its key in the queue of ops to merge; empty for an op merged again from the conflicts
    /// queue, which is in no queue (taking an absent key off changes nothing).
    key: Vec<u8>,
}

impl Store {
    /// Merges every op taken from other desks and not yet merged, in the server's order.
    /// `progress` is told (done, of) as it goes.
    ///
    /// Ops are merged in commits of up to [`OPS_PER_COMMIT`] that touch no record in common,
    /// each worked out on the records as the ones before it left them, so a commit lands as
    /// merging its ops one by one would: a first sync merges hundreds of thousands, and a
    /// transaction for each was most of its time.
    pub fn apply_remote(&self, now: DateTime<Utc>, progress: &dyn Fn(u64, u64)) -> Result<Applied, StoreError> {
        let queue = self.tree(APPLY_QUEUE)?;
        let remote = self.tree(REMOTE_OPS)?;
        let of = queue.len() as u64;
        let mut done = Applied::default();
        // What is in `done`'s lists already: a bootstrap merges a million bookings, so a
        // search of the list for each would grow with its square.
        let mut seen = Seen::default();
        let mut n = 0;
        // Each op leaves the queue as it is merged or put aside; the next is looked for after
        // the last one's key, not from the queue's start, which sled walks past every
        // emptied leaf to find.
        let mut last: Option<sled::IVec> = None;
        loop {
            // The next entries, read with one walk of the queue rather than one for each.
            let from = last.clone().map_or(Bound::Unbounded, Bound::Excluded);
            let entries = queue
                .range((from, Bound::Unbounded))
                .take(OPS_PER_COMMIT)
                .collect::<Result<Vec<_>, _>>()?;
            let Some((end, _)) = entries.last() else { break };
            last = Some(end.clone());
            let mut batch: Vec<Queued> = Vec::with_capacity(entries.len());
            for (qk, rk) in entries {
                n += 1;
                progress(n, of.max(n));
                let Some(raw) = remote.get(&rk)? else {
                    queue.remove(&qk)?;
                    continue;
                };
                let op = crate::store::sealed_ops::decode_op(REMOTE_OPS, &rk, &raw)?;
                match self.open_remote_op(&op) {
                    Ok(Some(opened)) => batch.push(Queued {
                        op,
                        changes: opened.changes,
                        hlc: opened.hlc,
                        key: qk.to_vec(),
                    }),
                    Ok(None) => {
                        queue.remove(&qk)?;
                    }
                    Err(e) => {
                        self.put_aside_unreadable(&op, e, now)?;
                        queue.remove(&qk)?;
                        done.conflicts += 1;
                    }
                }
            }
            self.merge_batch(&batch, now, &mut done, &mut seen)?;
        }
        Ok(done)
    }

    /// Merges `batch` in as few commits as its ops allow: each is worked out in turn, and one
    /// that touches what an op already staged touches first has those committed.
    fn merge_batch(
        &self,
        batch: &[Queued],
        now: DateTime<Utc>,
        done: &mut Applied,
        seen: &mut Seen,
    ) -> Result<(), StoreError> {
        let mut staged: Vec<Staged> = Vec::new();
        let mut touched: HashSet<(String, Vec<u8>)> = HashSet::new();
        for (index, q) in batch.iter().enumerate() {
            // An op about a record a staged op writes is worked out after that one lands: even
            // the decision to put it aside (a slot withdrawn while booked) reads the record.
            if q.changes.iter().any(|c| touched.contains(&record_key(c.record()))) {
                self.commit_staged(std::mem::take(&mut staged), batch, now, done, seen)?;
                touched.clear();
            }
            let mut prepared = self.prepare_op(q, index, now)?;
            if let Prepared::Staged(s) = &prepared {
                let footprint = s.footprint();
                if footprint.iter().any(|f| touched.contains(f)) {
                    self.commit_staged(std::mem::take(&mut staged), batch, now, done, seen)?;
                    touched.clear();
                    // Worked out again on what those wrote.
                    prepared = self.prepare_op(q, index, now)?;
                }
            }
            match prepared {
                Prepared::Staged(s) => {
                    touched.extend(s.footprint());
                    staged.push(*s);
                }
                Prepared::Aside => done.conflicts += 1,
            }
        }
        self.commit_staged(staged, batch, now, done, seen)
    }

    /// Commits `staged` as one; if that fails (a change made here meanwhile, or a unique value
    /// two records claim), each op is merged again on its own, as it always was.
    fn commit_staged(
        &self,
        staged: Vec<Staged>,
        batch: &[Queued],
        now: DateTime<Utc>,
        done: &mut Applied,
        seen: &mut Seen,
    ) -> Result<(), StoreError> {
        if staged.is_empty() {
            return Ok(());
        }
        let indexes: Vec<usize> = staged.iter().map(|s| s.index).collect();
        let outcomes: Vec<(u64, Vec<u128>)> = staged
            .iter()
            .map(|s| (s.clocks.len() as u64, s.clients.clone()))
            .collect();
        let mut ws = WriteSet::new();
        let mut merging = Merging {
            clocks: Vec::new(),
            dequeue: Vec::new(),
            clients: Vec::new(),
            at: staged[0].at,
        };
        for s in staged {
            ws.absorb(s.ws);
            merging.clocks.extend(s.clocks);
            merging.dequeue.push(s.dequeue);
            merging.clients.extend(s.clients);
            merging.at = merging.at.max(s.at);
        }
        match self.commit_merged(ws, merging, now) {
            Ok(()) => {
                for (i, (records, clients)) in indexes.into_iter().zip(outcomes) {
                    seen.count(done, &batch[i], records, clients);
                }
                Ok(())
            }
            Err(StoreError::Conflict(_)) => {
                for i in indexes {
                    let q = &batch[i];
                    match self.merge_one(q, i, now)? {
                        Some((records, clients)) => seen.count(done, q, records, clients),
                        None => done.conflicts += 1,
                    }
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Merges one op in a commit of its own, again while a change made here meanwhile
    /// touches its records; `None` when it went to the conflicts queue instead.
    fn merge_one(&self, q: &Queued, index: usize, now: DateTime<Utc>) -> Result<Option<(u64, Vec<u128>)>, StoreError> {
        let mut tries = 0;
        loop {
            let s = match self.prepare_op(q, index, now)? {
                Prepared::Staged(s) => s,
                Prepared::Aside => return Ok(None),
            };
            let first = s.named.first().copied().unwrap_or(RecordRef {
                kind: EntityKind::Client,
                id: 0,
            });
            let out = (s.clocks.len() as u64, s.clients.clone());
            let merging = Merging {
                clocks: s.clocks,
                dequeue: vec![s.dequeue],
                clients: s.clients,
                at: s.at,
            };
            match self.commit_merged(s.ws, merging, now) {
                Ok(()) => return Ok(Some(out)),
                Err(StoreError::Conflict(m)) if m == RACED && tries < RACE_RETRIES => tries += 1,
                Err(StoreError::Conflict(m)) if m != RACED => {
                    self.put_aside_and_dequeue(&q.op, first, ConflictReason::Unique(m), &q.key, now)?;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Works out one op's merge on the records as they are stored now; an op that cannot be
    /// merged is put in the conflicts queue here.
    fn prepare_op(&self, q: &Queued, index: usize, now: DateTime<Utc>) -> Result<Prepared, StoreError> {
        let (op, changes, at, dequeue) = (&q.op, &q.changes, q.hlc, &q.key);
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
                self.put_aside_and_dequeue(op, record, reason, dequeue, now)?;
                return Ok(Prepared::Aside);
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
                    self.put_aside_and_dequeue(op, p.record, reason, dequeue, now)?;
                    return Ok(Prepared::Aside);
                }
            }
        }
        Ok(Prepared::Staged(Box::new(Staged {
            ws,
            clocks,
            clients,
            named: pending.iter().map(|p| p.record).collect(),
            dequeue: dequeue.clone(),
            at,
            index,
        })))
    }

    /// Ops taken from other desks and not merged yet.
    pub fn ops_to_merge(&self) -> Result<u64, StoreError> {
        Ok(self.tree(APPLY_QUEUE)?.len() as u64)
    }
}
