//! What a desk keeps of sync: the ops other desks made, as the server sent them (keyed by
//! their device and sequence, so taking one twice changes nothing), the server it follows
//! (id and epoch) and how far it has pulled. A batch and the cursor after it are written in
//! one transaction, so a sync stopped anywhere starts again where it left off.

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::codec;
use super::{decode_plain, Store, StoreError, META};
use crate::domain::ids::DeviceId;
use crate::domain::roster::{desk_takes_erasure, PublicKey};
use crate::domain::sync::{OpBody, SealedOp};
use crate::store::sealed_ops::{decode_op, encode_op};

/// Device (16) ++ sequence (8) -> the op as received.
pub(crate) const REMOTE_OPS: &str = "oplog_remote";
/// Client (16) -> nothing: clients erased on any desk, whose ops this desk drops (DATA-05).
pub(crate) const ERASED_REMOTELY: &str = "sync_erased";
/// Server sequence (8) -> device ++ sequence (24): ops taken and not yet merged, in the order
/// the server gave them (which keeps each op after every op its desk had seen).
pub(crate) const APPLY_QUEUE: &str = "sync_apply_queue";
/// Merge sequence (8) -> the ids (16 each) of the clients whose records a merged op changed,
/// for the client lookup to take in (as it takes in this desk's own op log).
pub(crate) const APPLIED_LOG: &str = "sync_applied";
/// The newest merge sequence in [`APPLIED_LOG`].
pub(crate) const APPLIED_SEQ: &[u8] = b"sync_applied_seq";
const CURSOR: &[u8] = b"sync_cursor";
/// Set once this store queues the ops it takes for merging.
const MERGING: &[u8] = b"sync_merging";
const SERVER: &[u8] = b"sync_server";
/// The newest op of this store's own log the server was last seen to hold (u64).
const PUSHED_THROUGH: &[u8] = b"sync_pushed_through";
const RESTORED_FROM: &[u8] = b"restored_from_device";
const RESTORED_AFTER: &[u8] = b"restored_after_seq";

/// The server a desk follows and where its pull has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncPosition {
    /// The server's id, once it has been met.
    pub server_id: Option<u128>,
    /// The server's epoch when last met.
    pub epoch: Option<u128>,
    /// The newest server sequence taken.
    pub cursor: u64,
}

/// This store's replicas: its own device, and the device it was restored from (whose ops
/// before the restore are in its log too), with the sequence each starts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replicas {
    /// (device, sequence before its first op here, last sequence here), oldest first.
    pub ranges: Vec<(DeviceId, u64, u64)>,
}

/// What a batch brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TakenOps {
    /// Other desks' ops new to this desk.
    pub new: usize,
    /// Clients the batch erased that this desk had not heard of (their records here are to be
    /// erased too).
    pub erased: Vec<u128>,
}

/// The key of an op taken from another desk: its device, then its sequence there.
pub(super) fn remote_key(device: DeviceId, seq: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..16].copy_from_slice(&device.0.to_be_bytes());
    k[16..].copy_from_slice(&seq.to_be_bytes());
    k
}

impl Store {
    /// Records that the server holds this store's own ops up to `seq` (after a push).
    pub fn set_pushed_through(&self, seq: u64) -> Result<(), StoreError> {
        let _open = self.open_gate();
        self.tree(META)?.insert(PUSHED_THROUGH, &seq.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// How many of this store's own ops the server was not yet seen to hold.
    pub fn unpushed_ops(&self) -> Result<u64, StoreError> {
        Ok(self.op_seq()?.saturating_sub(self.meta_counter(PUSHED_THROUGH)?))
    }

    /// Where this desk's sync stands.
    pub fn sync_position(&self) -> Result<SyncPosition, StoreError> {
        let meta = self.tree(META)?;
        let mut position = match meta.get(SERVER)? {
            Some(raw) => decode_plain::<SyncPosition>(META, SERVER, &raw)?,
            None => SyncPosition::default(),
        };
        position.cursor = self.meta_counter(CURSOR)?;
        Ok(position)
    }

    /// Follows a server: its id and epoch, and the cursor to pull after. A new epoch (the
    /// server was restored), or a cursor past the server's `head` (restored without one),
    /// starts the pull again from 0; taking ops again changes nothing.
    pub fn follow_server(&self, server_id: u128, epoch: u128, head: u64) -> Result<SyncPosition, StoreError> {
        let now = self.sync_position()?;
        let cursor = if now.server_id == Some(server_id) && now.epoch == Some(epoch) && now.cursor <= head {
            now.cursor
        } else {
            0
        };
        let position = SyncPosition {
            server_id: Some(server_id),
            epoch: Some(epoch),
            cursor,
        };
        let encoded = codec::encode_versioned(1, &position).map_err(|e| StoreError::Io(e.to_string()))?;
        let meta = self.tree(META)?;
        let _open = self.open_gate();
        meta.transaction(|tx| {
            tx.insert(SERVER, encoded.clone())?;
            tx.insert(CURSOR, &cursor.to_be_bytes())?;
            Ok::<_, ConflictableTransactionError<()>>(())
        })
        .map_err(|e| match e {
            TransactionError::Storage(e) => StoreError::from(e),
            TransactionError::Abort(()) => StoreError::Io("the sync position was not stored".into()),
        })?;
        self.db.flush()?;
        Ok(position)
    }

    /// Takes a batch of other desks' ops and the cursor after it, in one transaction (made
    /// durable by the next [`Store::flush`]). This
    /// desk's own ops coming back are skipped (it has them); others already held are
    /// rewritten with the same bytes. An op that erases a client leaves a tombstone here, and
    /// the content of every op about them, held or in the batch, is dropped (DATA-05).
    pub fn take_remote_ops(&self, batch: &[(u64, SealedOp)], cursor: u64) -> Result<TakenOps, StoreError> {
        let own = self.replicas()?;
        let mine = |op: &SealedOp| {
            own.ranges
                .iter()
                .any(|&(d, base, last)| d == op.device && op.seq > base && op.seq <= last)
        };
        // Another desk's erasure is carried out only if this desk's own roster lets its maker
        // erase (decision 0022, step 3); one it does not keeps its place with nothing in it.
        let mut not_allowed: Vec<(SealedOp, u128, String)> = Vec::new();
        let mut checked: Vec<(u64, SealedOp)>;
        let batch = if batch.iter().any(|(_, op)| !op.erases.is_empty() && !mine(op)) {
            let since = self.roster_since()?;
            let roster = self.roster()?;
            let holder = |k: &PublicKey| roster.iter().find(|e| e.keys.contains(k)).cloned();
            checked = Vec::with_capacity(batch.len());
            for (server_seq, op) in batch {
                let mut op = op.clone();
                if !op.erases.is_empty() && !mine(&op) {
                    let entry = roster.iter().find(|e| e.operator == op.operator);
                    if let Err(why) = desk_takes_erasure(&op, entry, &holder, since) {
                        let client = op.erases[0];
                        op.drop_content();
                        op.erases.clear();
                        op.subjects.clear();
                        not_allowed.push((op.clone(), client, why.to_string()));
                    }
                }
                checked.push((*server_seq, op));
            }
            &checked[..]
        } else {
            batch
        };
        let erased_tree = self.tree(ERASED_REMOTELY)?;
        let mut erased_now: Vec<u128> = Vec::new();
        for c in batch.iter().flat_map(|(_, op)| op.erases.iter().copied()) {
            if !erased_now.contains(&c) && !erased_tree.contains_key(c.to_be_bytes())? {
                erased_now.push(c);
            }
        }
        let erased = |c: u128| erased_now.contains(&c) || erased_tree.contains_key(c.to_be_bytes()).unwrap_or(true);
        let encode = encode_op;
        let mut rows = Vec::with_capacity(batch.len());
        for (server_seq, op) in batch.iter().filter(|(_, op)| !mine(op)) {
            let mut op = op.clone();
            if op.is_about_any(&erased) {
                op.drop_content();
            }
            rows.push((Some(*server_seq), remote_key(op.device, op.seq), encode(&op)?));
        }
        // The client keys that came with the ops, so their changes can be opened here. The
        // key file is synced before the ops that need them are stored.
        for (_, op) in batch.iter().filter(|(_, op)| !mine(op)) {
            if let OpBody::Sealed { keys, .. } = &op.body {
                if op.is_about_any(&erased) {
                    continue;
                }
                for k in keys.iter().filter(|k| !erased(k.subject)) {
                    // A key that does not open here leaves its changes unreadable, never the
                    // sync stuck.
                    if let Err(e) = self.subjects.install(&self.keys, k.subject, k.generation, &k.wrapped) {
                        tracing::warn!(
                            "a client key from device {} op {} was not taken: {e}",
                            op.device,
                            op.seq
                        );
                    }
                }
            }
        }
        self.subjects.sync()?;
        let remote = self.tree(REMOTE_OPS)?;
        // Ops held from before about the clients now erased.
        if !erased_now.is_empty() {
            for item in remote.iter() {
                let (k, v) = item?;
                let mut op = decode_op(REMOTE_OPS, &k, &v)?;
                if !op.body.is_dropped() && op.is_about_any(&|c| erased_now.contains(&c)) {
                    op.drop_content();
                    rows.push((None, remote_key(op.device, op.seq), encode(&op)?));
                }
            }
        }
        let meta = self.tree(META)?;
        let queue = self.tree(APPLY_QUEUE)?;
        let _open = self.open_gate();
        let new = (&remote, &meta, &erased_tree, &queue)
            .transaction(|(tx_remote, tx_meta, tx_erased, tx_queue)| {
                let mut new = 0;
                for (server_seq, k, v) in &rows {
                    if tx_remote.insert(&k[..], v.clone())?.is_none() {
                        new += 1;
                        if let Some(s) = server_seq {
                            tx_queue.insert(&s.to_be_bytes(), &k[..])?;
                        }
                    }
                }
                for c in &erased_now {
                    tx_erased.insert(&c.to_be_bytes(), &[])?;
                }
                tx_meta.insert(CURSOR, &cursor.to_be_bytes())?;
                Ok::<_, ConflictableTransactionError<()>>(new)
            })
            .map_err(|e| match e {
                TransactionError::Storage(e) => StoreError::from(e),
                TransactionError::Abort(()) => StoreError::Io("the batch was not stored".into()),
            })?;
        for (op, client, why) in &not_allowed {
            tracing::warn!(
                "an erasure from device {} op {} is not carried out here: {why}",
                op.device,
                op.seq
            );
            self.put_erasure_not_allowed(op, *client, why, chrono::Utc::now())?;
        }
        // Not flushed here: the batch and its cursor are one transaction, so whatever a crash
        // keeps is a whole prefix of pages, and the rest is pulled again. The puller flushes
        // at the end (`Store::flush`).
        Ok(TakenOps {
            new,
            erased: erased_now,
        })
    }

    /// Makes ready for merging a store that took other desks' ops before it could merge them:
    /// those ops, never merged, are let go and the cursor goes back to 0, so the next pull
    /// takes them again, in the server's order, and queues them. Once per store; returns
    /// whether it let any go.
    pub fn prepare_merging(&self) -> Result<bool, StoreError> {
        let meta = self.tree(META)?;
        if meta.contains_key(MERGING)? {
            return Ok(false);
        }
        let remote = self.tree(REMOTE_OPS)?;
        let held = !remote.is_empty();
        let _open = self.open_gate();
        // The cursor first: a stop part way leaves the flag unset, and this is done again.
        meta.insert(CURSOR, &0u64.to_be_bytes())?;
        self.db.flush()?;
        remote.clear()?;
        meta.insert(MERGING, &[1])?;
        self.db.flush()?;
        Ok(held)
    }

    /// How many ops of other desks have been merged here (caches of records key on it).
    pub fn applied_seq(&self) -> Result<u64, StoreError> {
        self.meta_counter(APPLIED_SEQ)
    }

    /// The clients whose records ops merged after `after` changed, and the newest merge
    /// sequence read.
    pub fn clients_merged_after(&self, after: u64) -> Result<(Vec<u128>, u64), StoreError> {
        let mut clients = Vec::new();
        let mut last = after;
        for item in self.tree(APPLIED_LOG)?.range(after.saturating_add(1).to_be_bytes()..) {
            let (k, v) = item?;
            last = <[u8; 8]>::try_from(k.as_ref()).map_or(last, u64::from_be_bytes);
            for c in v.chunks_exact(16) {
                clients.push(<[u8; 16]>::try_from(c).map_or(0, u128::from_be_bytes));
            }
        }
        Ok((clients, last.max(self.applied_seq()?)))
    }

    /// Every client erased on another desk that this desk has learnt of.
    pub fn erased_remotely_all(&self) -> Result<Vec<u128>, StoreError> {
        self.tree(ERASED_REMOTELY)?
            .iter()
            .keys()
            .map(|k| {
                let k = k?;
                Ok(<[u8; 16]>::try_from(k.as_ref()).map_or(0, u128::from_be_bytes))
            })
            .collect()
    }

    /// Whether a client was erased on another desk (learnt at a sync).
    pub fn erased_remotely(&self, client: u128) -> Result<bool, StoreError> {
        Ok(self.tree(ERASED_REMOTELY)?.contains_key(client.to_be_bytes())?)
    }

    /// Other desks' ops held, in (device, sequence) order.
    pub fn remote_ops(&self) -> Result<Vec<SealedOp>, StoreError> {
        self.tree(REMOTE_OPS)?
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode_op(REMOTE_OPS, &k, &v)
            })
            .collect()
    }

    /// How many ops taken from other desks this store holds, without reading them: the
    /// sync status shows it, and a bootstrapped desk holds a million.
    pub fn remote_op_count(&self) -> Result<u64, StoreError> {
        Ok(self.tree(REMOTE_OPS)?.len() as u64)
    }

    /// This store's replicas and the range of its op log each made.
    pub fn replicas(&self) -> Result<Replicas, StoreError> {
        let meta = self.tree(META)?;
        let last = self.op_seq()?;
        let restored_after = self.meta_counter(RESTORED_AFTER)?;
        let from = meta
            .get(RESTORED_FROM)?
            .and_then(|v| <[u8; 16]>::try_from(v.as_ref()).ok())
            .map(|b| DeviceId(u128::from_be_bytes(b)));
        let mut ranges = Vec::new();
        match from {
            Some(old) => {
                ranges.push((old, 0, restored_after));
                ranges.push((self.device, restored_after, last));
            }
            None => ranges.push((self.device, 0, last)),
        }
        Ok(Replicas { ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(device: DeviceId, seq: u64) -> SealedOp {
        SealedOp::sample(device, seq, vec![1, 2, 3])
    }

    #[test]
    fn a_batch_taken_twice_adds_nothing_and_a_new_epoch_pulls_again() {
        let (_dir, store) = super::super::temp_store();
        store.follow_server(5, 6, 0).unwrap();
        let other = DeviceId(77);
        let batch = vec![(1, op(other, 1)), (2, op(other, 2))];
        assert_eq!(store.take_remote_ops(&batch, 2).unwrap().new, 2);
        assert_eq!(store.take_remote_ops(&batch, 2).unwrap().new, 0);
        assert_eq!(store.sync_position().unwrap().cursor, 2);
        assert_eq!(store.follow_server(5, 6, 2).unwrap().cursor, 2);
        assert_eq!(
            store.follow_server(5, 6, 1).unwrap().cursor,
            0,
            "a server behind the cursor"
        );
        store.take_remote_ops(&batch, 2).unwrap();
        assert_eq!(store.follow_server(5, 7, 9).unwrap().cursor, 0, "a new epoch");
        assert_eq!(store.remote_ops().unwrap().len(), 2);
        assert_eq!(store.remote_op_count().unwrap(), 2);
    }

    #[test]
    fn ops_taken_before_merging_existed_are_pulled_again_once_and_queued() {
        let (_dir, store) = super::super::temp_store();
        let other = DeviceId(77);
        let batch = vec![(1, op(other, 1)), (2, op(other, 2))];
        store.take_remote_ops(&batch, 2).unwrap();
        // As a store from before merging holds them: taken, never queued.
        store.tree(APPLY_QUEUE).unwrap().clear().unwrap();
        assert!(store.prepare_merging().unwrap(), "the held ops are let go");
        assert_eq!(store.sync_position().unwrap().cursor, 0);
        assert!(store.remote_ops().unwrap().is_empty());
        assert_eq!(store.take_remote_ops(&batch, 2).unwrap().new, 2);
        assert_eq!(store.ops_to_merge().unwrap(), 2, "queued in the server's order");
        assert!(!store.prepare_merging().unwrap(), "only once");
        assert_eq!(store.remote_ops().unwrap().len(), 2);
    }

    #[test]
    fn data_05_an_erasure_pulled_drops_every_op_about_the_client_held_or_to_come() {
        let (_dir, store) = super::super::temp_store();
        let other = DeviceId(77);
        let mut about = op(other, 1);
        about.subjects = vec![500];
        let unrelated = op(other, 2);
        store.take_remote_ops(&[(1, about.clone()), (2, unrelated)], 2).unwrap();
        let mut erasure = op(other, 3);
        erasure.erases = vec![500];
        let taken = store.take_remote_ops(&[(3, erasure)], 3).unwrap();
        assert_eq!(taken.erased, vec![500]);
        let held = store.remote_ops().unwrap();
        assert!(held[0].body.is_dropped(), "the op about the client lost its content");
        assert!(!held[1].body.is_dropped());
        let mut later = op(other, 4);
        later.subjects = vec![500];
        let again = store.take_remote_ops(&[(4, later)], 4).unwrap();
        assert!(again.erased.is_empty(), "the tombstone is already here");
        assert!(store.remote_ops().unwrap()[3].body.is_dropped());
        assert!(store.erased_remotely(500).unwrap());
    }
}
