//! How op-log entries are sealed: the op itself with the institution key, and each change about
//! a client's record (its field values: names, e-mails, note text) with that client's own key,
//! so erasing the client leaves the op log's history readable and its content not (DATA-05).

use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError};
use super::crypto::{KeyRef, SealError};
use super::history::{client_in_fields, Named, Owner};
use super::op_formats::{decode_sealed_change, OpV1, StoredOp2, StoredOp3};
use super::{decode_plain, show_key, Store, StoreError, OPLOG};
use crate::domain::change::{Change, Hlc, Op};
use crate::domain::ids::{DeviceId, OperatorId};
use crate::domain::roster::kinds_of;
use crate::domain::sync::{OpBody, SealedOp, TravellingKey};
use crate::domain::{EntityKind, RecordRef};

/// Today's layout (older ones: `op_formats.rs`).
const OP_FORMAT: u8 = 4;
/// The version byte of a change sealed alone, in today's layout.
const SEALED_CHANGE: u8 = 2;

/// An op-log entry sealed for writing.
pub(crate) struct SealedEntry {
    /// Its key (the sequence).
    pub key: [u8; 8],
    /// Its bytes.
    pub sealed: Vec<u8>,
    /// The clients it erases, as it travels.
    pub erases: Vec<u128>,
    /// The kinds of record it changes, as it travels.
    pub kinds: Vec<EntityKind>,
}

/// The client a change erases: a client record is removed only by erasing them (DATA-05).
fn erased_client(c: &Change) -> Option<u128> {
    match c {
        Change::Delete { record } if record.kind == EntityKind::Client => Some(record.id),
        _ => None,
    }
}

/// One change as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum StoredChange {
    /// About no client: stored as it is.
    Open(Change),
    /// About a client: the encoded change, sealed with the client's key.
    Sealed {
        /// The record (ids only).
        record: RecordRef,
        /// Whose key sealed it.
        subject: u128,
        /// The sealed change.
        sealed: Vec<u8>,
    },
}

/// An op as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct StoredOp {
    pub device: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    pub operator: OperatorId,
    pub changes: Vec<StoredChange>,
    /// The version of the institution's policy the op was decided under (0: the desk's own
    /// policy file, before any came from a sync server).
    pub policy_version: u32,
}

/// Decodes the body of an op in format 2 or later as today's layout.
fn decode_stored(format: u8, key: &[u8], body: &[u8]) -> Result<StoredOp, StoreError> {
    let corrupt = |e: CodecError| op_corrupt(key, e.to_string());
    match format {
        OP_FORMAT => codec::decode_body(body).map_err(corrupt),
        3 => codec::decode_body::<StoredOp3>(body)
            .map(StoredOp::from)
            .map_err(corrupt),
        2 => codec::decode_body::<StoredOp2>(body)
            .map(StoredOp::from)
            .map_err(corrupt),
        other => Err(corrupt(CodecError::UnknownFormat(other))),
    }
}

/// A format-1 op: the whole op under the institution key.
fn decode_v1(key: &[u8], plain: &[u8]) -> Result<Op, StoreError> {
    decode_plain::<OpV1>(OPLOG, key, plain).map(Op::from)
}

/// The key a sealed change is bound to: the op's and its place in it.
fn change_key(seq: u64, n: usize) -> Vec<u8> {
    let mut k = seq.to_be_bytes().to_vec();
    k.extend_from_slice(&(n as u32).to_be_bytes());
    k
}

impl Store {
    /// Seals an op for the op log; `subjects` says, change by change, whose key seals it, and
    /// `policy_version` which version of the policy it was decided under.
    pub(crate) fn seal_op(
        &self,
        op: &Op,
        subjects: &[Option<u128>],
        policy_version: u32,
    ) -> Result<SealedEntry, StoreError> {
        let key = op.seq.to_be_bytes();
        let mut changes = Vec::with_capacity(op.changes.len());
        let mut erases = Vec::new();
        for (n, change) in op.changes.iter().enumerate() {
            let subject = subjects.get(n).copied().flatten();
            changes.push(match subject {
                None => {
                    erases.extend(erased_client(change));
                    StoredChange::Open(change.clone())
                }
                Some(subject) => {
                    let encoded = codec::encode_versioned(SEALED_CHANGE, change);
                    let sealed = self.seal_for(Some(subject), OPLOG, &change_key(op.seq, n), encoded)?;
                    StoredChange::Sealed {
                        record: change.record(),
                        subject,
                        sealed,
                    }
                }
            });
        }
        let stored = StoredOp {
            device: op.device,
            seq: op.seq,
            hlc: op.hlc,
            operator: op.operator,
            changes,
            policy_version,
        };
        let sealed = self.seal_for(None, OPLOG, &key, codec::encode_versioned(OP_FORMAT, &stored))?;
        let kinds = kinds_of(op.changes.iter().map(|c| c.record().kind));
        Ok(SealedEntry {
            key,
            sealed,
            erases,
            kinds,
        })
    }

    /// The plain bytes of an op-log entry's outer envelope (format byte first).
    fn open_op_bytes(&self, key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.open_sealed(OPLOG, key, sealed)
            .map_err(|e| op_corrupt(key, e.to_string()))
    }

    /// Opens an op-log entry. A change about an erased client comes back as
    /// [`Change::Erased`]: that it happened is kept, what it was is not.
    pub(crate) fn open_op(&self, key: &[u8], sealed: &[u8]) -> Result<Op, StoreError> {
        let corrupt = |reason: String| op_corrupt(key, reason);
        let plain = self.open_op_bytes(key, sealed)?;
        let (&format, body) = plain.split_first().ok_or_else(|| corrupt("empty".into()))?;
        let stored: StoredOp = match format {
            1 => return decode_v1(key, &plain),
            other => decode_stored(other, key, body)?,
        };
        let mut changes = Vec::with_capacity(stored.changes.len());
        for (n, c) in stored.changes.into_iter().enumerate() {
            changes.push(match c {
                StoredChange::Open(c) => c,
                StoredChange::Sealed { record, sealed, .. } => {
                    match self.open_sealed(OPLOG, &change_key(stored.seq, n), &sealed) {
                        Ok(plain) => decode_sealed_change(&plain).map_err(|e| corrupt(e.to_string()))?,
                        Err(SealError::UnknownKey) => Change::Erased { record },
                        Err(e) => return Err(corrupt(e.to_string())),
                    }
                }
            });
        }
        Ok(Op {
            device: stored.device,
            seq: stored.seq,
            hlc: stored.hlc,
            operator: stored.operator,
            changes,
        })
    }
}

/// What re-sealing one op-log entry came to.
#[derive(Debug, Default)]
pub(crate) struct OpResealed {
    /// The entry's new sealed bytes, or `None` when nothing changed.
    pub sealed: Option<Vec<u8>>,
    /// Whether a change in it carries the fields of a record that nothing places with a
    /// client ([`Owner::Unknown`]): left under the institution key.
    pub unplaced: bool,
}

impl Store {
    /// Each change of an op-log entry with what it says of whose record it is, without
    /// opening a change sealed with a client's key (its header names the client): see
    /// [`client_in_fields`]; `None` for a change that carries no fields.
    pub(crate) fn op_owners(&self, key: &[u8], sealed: &[u8]) -> Result<Vec<(RecordRef, Named)>, StoreError> {
        let corrupt = |reason: String| op_corrupt(key, reason);
        let plain = self.open_op_bytes(key, sealed)?;
        let (&format, body) = plain.split_first().ok_or_else(|| corrupt("empty".into()))?;
        let named = |c: &Change| match c {
            Change::Create { record, fields, .. } | Change::Update { record, fields, .. } => {
                client_in_fields(*record, fields)
            }
            Change::Delete { .. } | Change::Erased { .. } => None,
        };
        match format {
            1 => {
                let op = decode_v1(key, &plain)?;
                Ok(op.changes.iter().map(|c| (c.record(), named(c))).collect())
            }
            other => {
                let stored = decode_stored(other, key, body)?;
                Ok(stored
                    .changes
                    .iter()
                    .map(|c| match c {
                        StoredChange::Open(c) => (c.record(), named(c)),
                        StoredChange::Sealed { record, subject, .. } => (*record, Some(Some(*subject))),
                    })
                    .collect())
            }
        }
    }

    /// Re-seals one op-log entry, if it needs it: a format-1 op (sealed whole with the
    /// institution key) becomes format 2, each change that carries a record's fields sealed
    /// with the key of the client `owner` places its record with; in a format-2 op, a change
    /// kept open that `owner` now places with a client is sealed with their key, each change
    /// sealed with a key generation `rotate(id, generation)` picks is sealed again with the
    /// subject's newest key, and every other change is kept byte for byte (those of erased
    /// clients included). A change whose record `owner` cannot place stays as it is, and the
    /// answer says so.
    pub(crate) fn reseal_op(
        &self,
        key: &[u8],
        sealed: &[u8],
        owner: &dyn Fn(&RecordRef) -> Result<Owner, StoreError>,
        rotate: &dyn Fn(u128, u32) -> bool,
    ) -> Result<OpResealed, StoreError> {
        let corrupt = |reason: String| op_corrupt(key, reason);
        let mut done = OpResealed::default();
        // The client whose key a change with fields goes under, if `owner` places it.
        let mut place = |c: &Change| -> Result<Option<u128>, StoreError> {
            if matches!(c, Change::Delete { .. } | Change::Erased { .. }) {
                return Ok(None);
            }
            Ok(match owner(&c.record())? {
                Owner::Client(id) => Some(id),
                Owner::NoClient => None,
                Owner::Unknown => {
                    done.unplaced = true;
                    None
                }
            })
        };
        let plain = self.open_op_bytes(key, sealed)?;
        let (&format, body) = plain.split_first().ok_or_else(|| corrupt("empty".into()))?;
        if format == 1 {
            let op = decode_v1(key, &plain)?;
            let subjects: Vec<Option<u128>> = op.changes.iter().map(&mut place).collect::<Result<_, _>>()?;
            if subjects.iter().any(Option::is_some) {
                done.sealed = Some(self.seal_op(&op, &subjects, 0)?.sealed);
            }
            return Ok(done);
        }
        let mut stored = decode_stored(format, key, body)?;
        let mut changed = false;
        for (n, c) in stored.changes.iter_mut().enumerate() {
            let at = change_key(stored.seq, n);
            if let StoredChange::Open(change) = c {
                if let Some(subject) = place(change)? {
                    let encoded = codec::encode_versioned(SEALED_CHANGE, &*change);
                    *c = StoredChange::Sealed {
                        record: change.record(),
                        subject,
                        sealed: self.seal_for(Some(subject), OPLOG, &at, encoded)?,
                    };
                    changed = true;
                }
                continue;
            }
            let StoredChange::Sealed { subject, sealed, .. } = c else {
                continue;
            };
            let Ok((KeyRef::Subject { id, generation }, _)) = KeyRef::of(sealed) else {
                continue;
            };
            if !rotate(id, generation) {
                continue;
            }
            let inner = self
                .open_sealed(OPLOG, &at, sealed)
                .map_err(|e| corrupt(e.to_string()))?;
            *sealed = self.seal_for(Some(*subject), OPLOG, &at, Ok(inner))?;
            changed = true;
        }
        if changed {
            done.sealed = Some(self.seal_for(None, OPLOG, key, codec::encode_versioned(OP_FORMAT, &stored))?);
        }
        Ok(done)
    }
}

/// An op-log entry that does not open or decode.
fn op_corrupt(key: &[u8], reason: String) -> StoreError {
    StoreError::Corrupt {
        tree: OPLOG.into(),
        key: show_key(key),
        reason,
    }
}

impl Store {
    /// Opens an op another desk of the institution made, as it came from the server: `None`
    /// when its content was dropped (its client was erased). Changes about a client whose key
    /// is not here come back as [`Change::Erased`].
    pub fn open_remote_op(&self, op: &SealedOp) -> Result<Option<Op>, StoreError> {
        match &op.body {
            OpBody::Dropped | OpBody::DroppedKeepingHash { .. } => Ok(None),
            OpBody::Sealed { entry, .. } => {
                let opened = self.open_op(&op.seq.to_be_bytes(), entry)?;
                if (opened.device, opened.seq) != (op.device, op.seq) {
                    return Err(op_corrupt(
                        &op.seq.to_be_bytes(),
                        "the op inside is not the one its header names".into(),
                    ));
                }
                // What the server checked is what the op does (decision 0022, step 7): no
                // erasure it did not declare, no kind of record it did not name. Ops made
                // before kinds travelled name none, and are not signed.
                let undeclared_erasure = opened
                    .changes
                    .iter()
                    .filter_map(erased_client)
                    .any(|c| !op.erases.contains(&c));
                let declares = !op.kinds.is_empty() || op.signature.is_some();
                let undeclared_kind = declares && opened.changes.iter().any(|c| !op.kinds.contains(&c.record().kind));
                if undeclared_erasure || undeclared_kind {
                    return Err(op_corrupt(
                        &op.seq.to_be_bytes(),
                        "its changes do more than its clear fields declare to the server (an erasure or a kind of record not named); it is not merged".into(),
                    ));
                }
                Ok(Some(opened))
            }
        }
    }

    /// This store's op-log entries after sequence `after`, at most `limit`, as they travel:
    /// the sealed bytes as stored, with the clear fields the server needs (the clients an op
    /// is about are named by id only).
    pub fn sealed_ops_after(&self, after: u64, limit: usize) -> Result<Vec<SealedOp>, StoreError> {
        let tree = self.tree(OPLOG)?;
        let signatures = self.tree(super::signing::OP_SIGNATURES)?;
        let mut out = Vec::new();
        for item in tree.range(after.saturating_add(1).to_be_bytes()..).take(limit) {
            let (key, sealed) = item?;
            let corrupt = |reason: String| op_corrupt(&key, reason);
            let plain = self.open_op_bytes(&key, &sealed)?;
            let (&format, body) = plain.split_first().ok_or_else(|| corrupt("empty".into()))?;
            let mut keys: Vec<TravellingKey> = Vec::new();
            let kinds;
            let (device, seq, hlc, operator, subjects, erases, policy_version) = match format {
                1 => {
                    let op = decode_v1(&key, &plain)?;
                    let erases = op.changes.iter().filter_map(erased_client).collect();
                    kinds = kinds_of(op.changes.iter().map(|c| c.record().kind));
                    (op.device, op.seq, op.hlc, op.operator, Vec::new(), erases, 0)
                }
                other => {
                    let stored = decode_stored(other, &key, body)?;
                    let mut subjects = Vec::new();
                    let mut erases = Vec::new();
                    for c in &stored.changes {
                        match c {
                            StoredChange::Sealed { subject, sealed, .. } => {
                                subjects.push(*subject);
                                // The key it is sealed with goes with it, if still here (an
                                // erased client's is not, nor is anything of theirs needed).
                                if let Ok((KeyRef::Subject { id, generation }, _)) = KeyRef::of(sealed) {
                                    let known = keys.iter().any(|k| k.subject == id && k.generation == generation);
                                    if !known {
                                        if let Some(w) = self.subjects.wrapped(id, generation)? {
                                            keys.push(TravellingKey {
                                                subject: id,
                                                generation,
                                                wrapped: w.to_vec(),
                                            });
                                        }
                                    }
                                }
                            }
                            StoredChange::Open(c) => erases.extend(erased_client(c)),
                        }
                    }
                    subjects.sort_unstable();
                    subjects.dedup();
                    kinds = kinds_of(stored.changes.iter().map(|c| match c {
                        StoredChange::Sealed { record, .. } => record.kind,
                        StoredChange::Open(c) => c.record().kind,
                    }));
                    let v = stored.policy_version;
                    (
                        stored.device,
                        stored.seq,
                        stored.hlc,
                        stored.operator,
                        subjects,
                        erases,
                        v,
                    )
                }
            };
            out.push(SealedOp {
                device,
                seq,
                hlc,
                operator,
                subjects,
                erases,
                policy_version,
                body: OpBody::Sealed {
                    entry: sealed.to_vec(),
                    keys,
                },
                kinds,
                signature: match signatures.get(&key)? {
                    Some(raw) => Some(decode_plain(super::signing::OP_SIGNATURES, &key, &raw)?),
                    None => None,
                },
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_written_in_format_2_reads_as_decided_under_no_served_policy() {
        let (_dir, store) = super::super::temp_store();
        let op = StoredOp2 {
            device: DeviceId(4),
            seq: 1,
            hlc: Hlc {
                wall_ms: 9,
                counter: 0,
                device: DeviceId(4),
            },
            operator: OperatorId(2),
            changes: vec![crate::store::op_formats::StoredChangeV1::Open(
                crate::store::op_formats::ChangeV1::Delete {
                    record: RecordRef {
                        kind: EntityKind::Client,
                        id: 77,
                    },
                },
            )],
        };
        let key = 1u64.to_be_bytes();
        let sealed = store
            .seal_for(None, OPLOG, &key, codec::encode_versioned(2, &op))
            .unwrap();
        store.tree(OPLOG).unwrap().insert(key, sealed).unwrap();
        let read = store.ops_after(0).unwrap().next().unwrap().unwrap();
        assert_eq!(read.seq, 1);
        let travelling = store.sealed_ops_after(0, 10).unwrap();
        assert_eq!(travelling[0].policy_version, 0);
        assert_eq!(
            travelling[0].erases,
            vec![77],
            "a client's removal travels as an erasure"
        );
    }
}
