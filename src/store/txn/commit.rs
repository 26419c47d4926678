//! Committing a write set: one sled transaction that checks its guards and unchanged records,
//! appends the op-log entry, writes everything and then flushes; and reading a record with
//! the version a later commit can insist on.

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use super::{AuditSeal, Version, Write, WriteSet};
use crate::domain::change::{Hlc, Op};
use crate::domain::ids::{AuditId, OperatorId};
use crate::domain::merge::FieldClocks;
use crate::domain::roster::{self, OpClaims};
use crate::domain::RecordRef;
use crate::store::audit_chain::{self, AUDIT_CHAIN};
use crate::store::codec;
use crate::store::codec::Record;
use crate::store::field_clocks::FIELD_CLOCKS;
use crate::store::group::{self, GroupError};
use crate::store::index::{IndexTree, Layout};
use crate::store::signing::OP_SIGNATURES;
use crate::store::sync_log::{APPLIED_LOG, APPLIED_SEQ, APPLY_QUEUE};
use crate::store::{Store, StoreError, AUDIT, CLOCK_SEEN, META, OPLOG};

/// How far ahead of this desk's clock another desk's may be and still move it.
const MAX_DRIFT_MS: u64 = 10 * 60 * 1000;

/// Other desks' changes merged here (see `store/apply.rs`): written with the records' clocks
/// as merged, with no op-log entry of their own, taking their ops off the queue of ops to
/// apply. One commit may carry several ops that touch no record in common.
pub(crate) struct Merging {
    /// Each merged record's clocks, and whose key seals them.
    pub clocks: Vec<(RecordRef, Option<u128>, FieldClocks)>,
    /// The queue entries the ops came from.
    pub dequeue: Vec<Vec<u8>>,
    /// The clients whose records changed (for the client lookup), if any.
    pub clients: Vec<u128>,
    /// The latest of the ops' clocks: this desk's next ops come after it.
    pub at: Hlc,
}

/// Whose commit it is.
enum Mode {
    /// A change made here, by this operator: an op-log entry.
    Local(OperatorId),
    /// Another desk's op merged here.
    Merge(Merging),
}

/// What a commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// The op-log sequence number, when the commit changed records.
    pub seq: Option<u64>,
}

impl Store {
    /// Reads one record with its [`Version`], for a change that must not overwrite a newer one.
    pub fn get_versioned<T: Record>(&self, id: u128) -> Result<Option<(T, Version)>, StoreError> {
        let key = id.to_be_bytes();
        match self.tree(T::KIND.tree())?.get(key)? {
            Some(v) => Ok(Some((self.open_record(&key, &v)?, Version::of(&v)))),
            None => Ok(None),
        }
    }

    /// Commits `ws` atomically with its op-log entry, then flushes to disk.
    pub fn commit(&self, operator: OperatorId, ws: WriteSet, now: DateTime<Utc>) -> Result<Committed, StoreError> {
        self.write(Mode::Local(operator), ws, now)
    }

    /// Writes another desk's merged changes (not flushed: whatever a crash loses is still on
    /// the queue, and merged again).
    pub(crate) fn commit_merged(&self, ws: WriteSet, merging: Merging, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(Mode::Merge(merging), ws, now).map(|_| ())
    }

    fn write(&self, mode: Mode, mut ws: WriteSet, now: DateTime<Utc>) -> Result<Committed, StoreError> {
        if let Some(e) = ws.failed.take() {
            return Err(e);
        }
        let mut names: Vec<&str> = vec![META, OPLOG, AUDIT, AUDIT_CHAIN, FIELD_CLOCKS];
        let signer = match &mode {
            Mode::Merge(_) => {
                names.extend([APPLY_QUEUE, APPLIED_LOG]);
                None
            }
            Mode::Local(operator) => {
                let signer = self.signer_for(*operator);
                if signer.is_some() {
                    names.push(OP_SIGNATURES);
                }
                signer
            }
        };
        for t in ws
            .writes
            .iter()
            .map(Write::tree)
            .chain(ws.guards.iter().map(|g| g.tree.name))
            .chain(ws.unchanged.iter().map(|u| u.tree))
        {
            if !names.contains(&t) {
                names.push(t);
            }
        }
        let trees = names.iter().map(|n| self.tree(n)).collect::<Result<Vec<_>, _>>()?;
        let at = |name: &str| names.iter().position(|n| *n == name).unwrap_or(0);
        // Audit keys come from the store's counter so entries made in one millisecond keep their order.
        let mut clients: Vec<u128> = ws.change_subjects.iter().flatten().copied().collect();
        clients.sort_unstable();
        clients.dedup();
        let the_client = match clients.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        let mut audits: Vec<([u8; 16], Vec<u8>)> = Vec::with_capacity(ws.audits.len());
        for (a, seal) in &ws.audits {
            let mut a = a.clone();
            a.id = AuditId::sequenced(a.at.timestamp_millis().max(0) as u64, self.db.generate_id()?);
            let subject = match seal {
                AuditSeal::TheClients => the_client,
                AuditSeal::Institution => None,
            };
            audits.push(self.seal_audit(&a, subject)?);
        }
        // Keys made for this commit's values are on disk before any value they sealed.
        self.subjects.sync()?;

        // A backup copying the store waits for this commit, or this commit for it.
        let _open = self.open_gate();
        let mut clock = self.clock.lock().unwrap_or_else(|p| p.into_inner());
        let now_ms = now.timestamp_millis().max(0) as u64;
        let hlc = match &mode {
            Mode::Local(_) => Hlc::tick(*clock, now_ms, self.device),
            // Past the other desk's clock, so what is done here next is after it; a clock too
            // far ahead (the server refuses those) leaves this one as it is.
            Mode::Merge(m) => Hlc::observe(*clock, m.at, now_ms, self.device, MAX_DRIFT_MS).unwrap_or(m.at),
        };
        let seen = codec::encode_versioned(1, &hlc).map_err(|e| StoreError::Io(e.to_string()))?;
        let merged_clocks = match &mode {
            Mode::Merge(m) => m
                .clocks
                .iter()
                .map(|(r, subject, c)| self.seal_clocks(*r, *subject, c))
                .collect::<Result<Vec<_>, _>>()?,
            Mode::Local(_) => Vec::new(),
        };
        let result = trees[..].transaction(|tx| {
            for u in &ws.unchanged {
                let now = tx[at(u.tree)].get(u.key)?;
                if now.as_deref().map(Version::of) != Some(u.version) {
                    return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                        u.message.clone(),
                    )));
                }
            }
            for g in &ws.guards {
                if let Some(existing) = tx_index_get(&tx[at(g.tree.name)], g.tree, &g.key)? {
                    if existing != g.owner {
                        return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                            g.message.clone(),
                        )));
                    }
                }
            }
            let mut seq = None;
            if let Mode::Merge(m) = &mode {
                for (k, v) in &merged_clocks {
                    tx[at(FIELD_CLOCKS)].insert(k.as_slice(), v.as_slice())?;
                }
                for k in &m.dequeue {
                    tx[at(APPLY_QUEUE)].remove(k.as_slice())?;
                }
                // Every merged op moves the count (caches of records key on it); those that
                // changed clients say which, for the client lookup.
                let meta = &tx[at(META)];
                let next = meta
                    .get(APPLIED_SEQ)?
                    .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
                    .map_or(0, u64::from_be_bytes)
                    + 1;
                meta.insert(APPLIED_SEQ, &next.to_be_bytes())?;
                meta.insert(CLOCK_SEEN, seen.as_slice())?;
                if !m.clients.is_empty() {
                    let ids: Vec<u8> = m.clients.iter().flat_map(|c| c.to_be_bytes()).collect();
                    tx[at(APPLIED_LOG)].insert(&next.to_be_bytes(), ids)?;
                }
            }
            if let (Mode::Local(operator), false) = (&mode, ws.changes.is_empty()) {
                let operator = *operator;
                let meta = &tx[at(META)];
                let next = meta
                    .get(b"device_seq")?
                    .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
                    .map_or(0, u64::from_be_bytes)
                    + 1;
                meta.insert(b"device_seq", &next.to_be_bytes())?;
                let op = Op {
                    device: self.device,
                    seq: next,
                    hlc,
                    operator,
                    changes: ws.changes.clone(),
                };
                let policy_version = meta
                    .get(super::super::POLICY_VERSION)?
                    .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
                    .map_or(0, u32::from_be_bytes);
                let entry = self
                    .seal_op(&op, &ws.change_subjects, policy_version)
                    .map_err(ConflictableTransactionError::Abort)?;
                if let Some(signer) = signer {
                    let claims = OpClaims {
                        device: op.device,
                        seq: op.seq,
                        hlc: op.hlc,
                        operator: op.operator,
                        policy_version,
                        erases: &entry.erases,
                        kinds: &entry.kinds,
                    };
                    let signed = signer.sign(&roster::op_message(&claims, &entry.sealed));
                    let raw = codec::encode_versioned(1, &signed)
                        .map_err(|e| ConflictableTransactionError::Abort(StoreError::Io(e.to_string())))?;
                    tx[at(OP_SIGNATURES)].insert(&entry.key, raw)?;
                }
                tx[at(OPLOG)].insert(&entry.key, entry.sealed)?;
                for (change, subject) in ws.changes.iter().zip(&ws.change_subjects) {
                    self.tx_touch_clocks(&tx[at(FIELD_CLOCKS)], change.record(), *subject, |c| {
                        c.record_local(change, hlc)
                    })?;
                }
                seq = Some(next);
            }
            for w in &ws.writes {
                match w {
                    Write::Put { tree, key, value } => {
                        tx[at(tree)].insert(key.as_slice(), value.as_slice())?;
                    }
                    Write::Index { tree, key, value } => {
                        tx_index_set(&tx[at(tree.name)], *tree, key, value.as_deref())?;
                    }
                    Write::Delete { tree, key } => {
                        tx[at(tree)].remove(key.as_slice())?;
                    }
                }
            }
            for (k, v) in &audits {
                tx[at(AUDIT)].insert(k, v.as_slice())?;
                audit_chain::tx_append(&tx[at(META)], &tx[at(AUDIT_CHAIN)], k, v)?;
            }
            Ok(seq)
        });
        let seq = match result {
            Ok(seq) => seq,
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(e.into()),
        };
        if seq.is_some() || matches!(mode, Mode::Merge(_)) {
            *clock = Some(hlc);
        }
        drop(clock);
        if let Mode::Local(_) = mode {
            self.db.flush()?;
        }
        drop(_open);
        Ok(Committed { seq })
    }
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn damaged(tree: IndexTree, group: &[u8], e: GroupError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e.at(tree, group))
}

/// Reads an index entry inside a transaction.
fn tx_index_get(tx: &TransactionalTree, tree: IndexTree, key: &[u8]) -> TxResult<Option<Vec<u8>>> {
    match tree.layout {
        Layout::Single => Ok(tx.get(key)?.map(|v| v.to_vec())),
        Layout::Grouped(n) => {
            let (g, suffix) = key.split_at(n.min(key.len()));
            match tx.get(g)? {
                Some(raw) => Ok(group::lookup(&raw, suffix)
                    .map_err(|e| damaged(tree, g, e))?
                    .map(<[u8]>::to_vec)),
                None => Ok(None),
            }
        }
    }
}

/// Sets or removes an index entry inside a transaction.
fn tx_index_set(tx: &TransactionalTree, tree: IndexTree, key: &[u8], value: Option<&[u8]>) -> TxResult<()> {
    match (tree.layout, value) {
        (Layout::Single, Some(v)) => {
            tx.insert(key, v)?;
        }
        (Layout::Single, None) => {
            tx.remove(key)?;
        }
        (Layout::Grouped(n), _) => {
            let (g, suffix) = key.split_at(n.min(key.len()));
            let raw = tx.get(g)?;
            match group::with_entry(raw.as_deref(), suffix, value).map_err(|e| damaged(tree, g, e))? {
                Some(v) => tx.insert(g, v)?,
                None => tx.remove(g)?,
            };
        }
    }
    Ok(())
}
