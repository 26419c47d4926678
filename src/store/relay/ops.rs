//! The server store's ops: who may push which replica, a push batch in one transaction (with
//! the tombstones it leaves and the ops it drops), and pulls after a cursor.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::roster::{refused_key, signed_from_key, unsigned_key, REFUSED};
use super::{be_u64, encode, storage, Pushing, RelayError, RelayStore, ReplicaState, HEAD, OPS};
use crate::domain::ids::{DeviceId, TerminalId};
use crate::domain::roster::check_op;
use crate::domain::sync::{check_clocks, ops_to_accept, OpBody, PushRefusal, SealedOp};
use crate::store::sealed_ops::{decode_op, encode_op};
use crate::store::StoreError;

fn device_key(device: DeviceId, seq: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..16].copy_from_slice(&device.0.to_be_bytes());
    k[16..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn subject_key(client: u128, server_seq: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..16].copy_from_slice(&client.to_be_bytes());
    k[16..].copy_from_slice(&server_seq.to_be_bytes());
    k
}

impl RelayStore {
    /// Claims `device` as the current replica of `terminal`'s store: true if it is that
    /// terminal's (claimed now or before), false if another terminal's. A store's current
    /// replica is never shared: a copy of a store takes a new device id.
    pub fn claim_current(&self, terminal: TerminalId, device: DeviceId) -> Result<bool, StoreError> {
        let mine = terminal.0.to_be_bytes();
        let claimed = self
            .current
            .compare_and_swap(device.0.to_be_bytes(), None as Option<&[u8]>, Some(&mine[..]))?;
        let ours = match claimed {
            Ok(()) => {
                self.db.flush()?;
                true
            }
            Err(held) => held.current.as_deref() == Some(&mine[..]),
        };
        Ok(ours)
    }

    /// Takes a batch of one replica's ops from `terminal`: ops already held are skipped, new
    /// ones get the next server sequence numbers, all in one transaction. The replica is the
    /// terminal's current one ([`RelayStore::claim_current`]) or one its store was copied
    /// from (`Pushing::Older`): copies of one history hold the same bytes, so either may push
    /// it, and a rewritten op is refused. A gap, a rewritten op or another terminal's current
    /// replica refuses the whole batch. `base` is used only the first time the replica is
    /// seen. An op that erases a client leaves a tombstone and drops the content of every op
    /// about them, held or to come (DATA-05). Returns the replica's high-water mark after it.
    pub fn push(
        &self,
        terminal: TerminalId,
        pushing: Pushing,
        base: u64,
        ops: &[SealedOp],
        now_ms: u64,
    ) -> Result<u64, RelayError> {
        let Some(first) = ops.first() else {
            return Ok(0);
        };
        let device = first.device;
        if ops.iter().any(|o| o.device != device) {
            return Err(RelayError::Push(PushRefusal::NotYours { device }));
        }
        if pushing == Pushing::Current && !self.claim_current(terminal, device)? {
            return Err(RelayError::Push(PushRefusal::NotYours { device }));
        }
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let state = self.replica(device)?;
        let state = state.unwrap_or(ReplicaState {
            terminal,
            base,
            high_water: base,
        });
        let held = |seq: u64| -> Option<OpBody> {
            let at = self.by_device.get(device_key(device, seq)).ok()??;
            let raw = self.ops.get(&at).ok()??;
            let op = decode_op(OPS, &at, &raw).ok()?;
            Some(op.body)
        };
        let fresh = ops_to_accept(state.high_water, state.base, ops, &held)?;
        check_clocks(&fresh, now_ms)?;

        // Each op against its operator's roster entry (decision 0022): one refused keeps its
        // place in the replica's sequence, with neither content nor erasures, so no desk
        // carries it out and the replica's later ops still come in.
        // An op the roster cannot check is held to the cut-off of when the roster began.
        // An op the roster cannot check is held to the cut-off of when the roster began.
        let cutoff = self.cutoff(device, state.terminal)?;
        let first_signed_before = self.first_signed(device)?;
        let mut first_signed = first_signed_before;
        let roster = self.roster()?;
        let holder = |k: &crate::domain::roster::PublicKey| roster.iter().find(|e| e.keys.contains(k)).cloned();
        let mut refused: Vec<(u64, String)> = Vec::new();
        let mut unsigned_taken = 0u64;
        for op in &fresh {
            if op.signature.is_some() && first_signed.is_none() {
                first_signed = Some(op.seq);
            }
            let entry = match roster.iter().find(|e| e.operator == op.operator) {
                Some(newest) => Some(self.roster_entry_at(newest, op.hlc)?),
                None => None,
            };
            match check_op(op, entry.as_ref(), cutoff.with_first_signed(first_signed), &holder) {
                Err(why) => refused.push((op.seq, why.to_string())),
                Ok(()) if op.signature.is_none() => unsigned_taken += 1,
                Ok(()) => {}
            }
        }
        let unsigned_total = self.unsigned_taken(device)? + unsigned_taken;
        let is_refused = |seq: u64| refused.iter().any(|(s, _)| *s == seq);

        // Clients this batch erases that were not erased before, and the ops held about them.
        let mut newly_erased: Vec<u128> = Vec::new();
        for c in fresh
            .iter()
            .filter(|o| !is_refused(o.seq))
            .flat_map(|o| o.erases.iter().copied())
        {
            if !newly_erased.contains(&c) && !self.erased.contains_key(c.to_be_bytes())? {
                newly_erased.push(c);
            }
        }
        let mut to_drop: Vec<sled::IVec> = Vec::new();
        for c in &newly_erased {
            for item in self.by_subject.scan_prefix(c.to_be_bytes()) {
                let (k, _) = item?;
                to_drop.push(sled::IVec::from(&k[16..]));
            }
        }
        let erased = |c: u128| newly_erased.contains(&c) || self.erased.contains_key(c.to_be_bytes()).unwrap_or(true);
        let mut keep: Vec<SealedOp> = Vec::with_capacity(fresh.len());
        for op in &fresh {
            let mut op = (*op).clone();
            if is_refused(op.seq) {
                op.drop_content();
                op.erases.clear();
                op.subjects.clear();
            } else if op.is_about_any(&erased) {
                op.drop_content();
            }
            keep.push(op);
        }
        let encoded: Vec<Vec<u8>> = keep.iter().map(encode_op).collect::<Result<_, _>>()?;
        let high_water = keep.last().map_or(state.high_water, |o| o.seq);
        let new_state = encode(&ReplicaState { high_water, ..state })?;
        let abort = ConflictableTransactionError::Abort;
        let refusals = self.db.open_tree(REFUSED)?;
        (
            &self.ops,
            &self.by_device,
            &self.replicas,
            &self.meta,
            &self.by_subject,
            &self.erased,
            &refusals,
        )
            .transaction(|(tx_ops, tx_by, tx_rep, tx_meta, tx_subject, tx_erased, tx_refused)| {
                for (seq, why) in &refused {
                    tx_refused.insert(&refused_key(device, *seq), why.as_bytes())?;
                }
                for at in &to_drop {
                    let Some(raw) = tx_ops.get(at)? else { continue };
                    let mut op = decode_op(OPS, at, &raw).map_err(abort)?;
                    op.drop_content();
                    tx_ops.insert(at, encode_op(&op).map_err(abort)?)?;
                }
                let mut head = be_u64(tx_meta.get(HEAD)?);
                for (op, bytes) in keep.iter().zip(&encoded) {
                    head += 1;
                    tx_ops.insert(&head.to_be_bytes(), bytes.clone())?;
                    tx_by.insert(&device_key(device, op.seq), &head.to_be_bytes())?;
                    for s in &op.subjects {
                        tx_subject.insert(&subject_key(*s, head), &[])?;
                    }
                    for c in &op.erases {
                        if newly_erased.contains(c) && tx_erased.get(c.to_be_bytes())?.is_none() {
                            tx_erased.insert(&c.to_be_bytes(), &head.to_be_bytes())?;
                        }
                    }
                }
                tx_meta.insert(HEAD, &head.to_be_bytes())?;
                if first_signed != first_signed_before {
                    if let Some(seq) = first_signed {
                        tx_meta.insert(signed_from_key(device), &seq.to_be_bytes())?;
                    }
                }
                if unsigned_taken > 0 {
                    tx_meta.insert(unsigned_key(device), &unsigned_total.to_be_bytes())?;
                }
                tx_rep.insert(&device.0.to_be_bytes(), new_state.clone())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(storage)?;
        for c in &newly_erased {
            self.drop_holds_of(*c)?;
            self.drop_places_of(*c)?;
        }
        self.db.flush().map_err(StoreError::from)?;
        if state.high_water == state.base && !keep.is_empty() {
            self.update_terminal(terminal, |t| {
                if !t.replicas.contains(&device) {
                    t.replicas.push(device);
                }
            })?;
        }
        Ok(high_water)
    }

    /// Whether a client was erased (their tombstone is kept for good).
    pub fn is_erased(&self, client: u128) -> Result<bool, StoreError> {
        Ok(self.erased.contains_key(client.to_be_bytes())?)
    }

    /// A replica's high-water mark (0 before any of its ops).
    pub fn replica_high_water(&self, device: DeviceId) -> Result<u64, StoreError> {
        Ok(self.replica(device)?.map_or(0, |s| s.high_water))
    }

    /// Ops after server sequence `after`, oldest first, at most `max_ops` of them and about
    /// `max_bytes` in all (at least one): each with its server sequence.
    pub fn pull(&self, after: u64, max_ops: usize, max_bytes: usize) -> Result<Vec<(u64, SealedOp)>, StoreError> {
        let mut out = Vec::new();
        let mut bytes = 0;
        for item in self.ops.range((after.saturating_add(1)).to_be_bytes()..) {
            let (k, v) = item?;
            if out.len() >= max_ops || (!out.is_empty() && bytes + v.len() > max_bytes) {
                break;
            }
            bytes += v.len();
            let seq = <[u8; 8]>::try_from(k.as_ref()).map_or(0, u64::from_be_bytes);
            out.push((seq, decode_op(OPS, &k, &v)?));
        }
        Ok(out)
    }
}
