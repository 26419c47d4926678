//! The server's roster (decision 0022): each operator's newest entry that an administrator of
//! the roster signed, and the ops it refused against it, kept in their places and named to
//! their desk at every push that covers them.

use serde::{Deserialize, Serialize};

use super::{be_u64, RelayStore, FORMAT};
use crate::domain::ids::{DeviceId, TerminalId};
use crate::domain::roster::{self, Admitted, Cutoff, RosterEntry};
use crate::store::{codec, decode_plain, StoreError};

/// Operator id (16) -> their [`RosterEntry`].
const ROSTER: &str = "relay_roster";
/// Operator id (16) ++ the entry's clock (wall 8, counter 4, device 16) -> every
/// [`RosterEntry`] taken, so an op is judged by the rights its operator had when it was made.
const HISTORY: &str = "relay_roster_history";
/// Device (16) ++ device sequence (8) -> why the op was refused (text).
pub(super) const REFUSED: &str = "relay_refused";
/// In `relay_meta`: when the roster took its first entry (u64 ms), the cut-off for ops it
/// cannot check (decision 0022, step 6).
const FOUNDED: &[u8] = b"roster_founded";
/// In `relay_meta`, ++ device (16): the replica's first signed op (u64).
const SIGNED_FROM: &[u8] = b"signed_from";
/// In `relay_meta`, ++ device (16): how many unsigned ops of the replica were taken (u64).
const UNSIGNED: &[u8] = b"unsigned";

/// A per-replica key in `relay_meta`.
pub(super) fn replica_meta_key(prefix: &[u8], device: DeviceId) -> Vec<u8> {
    [prefix, &device.0.to_be_bytes()[..]].concat()
}

/// The key of a replica's first signed op.
pub(super) fn signed_from_key(device: DeviceId) -> Vec<u8> {
    replica_meta_key(SIGNED_FROM, device)
}

/// The key of a replica's count of unsigned ops taken.
pub(super) fn unsigned_key(device: DeviceId) -> Vec<u8> {
    replica_meta_key(UNSIGNED, device)
}

/// An entry's key in the history.
fn history_key(e: &RosterEntry) -> Vec<u8> {
    [
        &e.operator.0.to_be_bytes()[..],
        &e.hlc.wall_ms.to_be_bytes(),
        &e.hlc.counter.to_be_bytes(),
        &e.hlc.device.0.to_be_bytes(),
    ]
    .concat()
}

/// An op's key among those refused.
pub(super) fn refused_key(device: DeviceId, seq: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..16].copy_from_slice(&device.0.to_be_bytes());
    k[16..].copy_from_slice(&seq.to_be_bytes());
    k
}

/// What the server made of one terminal's ops that the roster could not check or refused
/// (decision 0022, steps 5 and 6), for `server devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalOps {
    /// The terminal.
    pub terminal: TerminalId,
    /// How many unsigned ops of its replicas were taken (made before the roster began).
    pub unsigned_taken: u64,
    /// Every op of its replicas that was refused.
    pub refused: Vec<RefusedOp>,
}

/// One op the server refused, with why; it waits in its desk's conflicts queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedOp {
    /// The replica that made it.
    pub device: DeviceId,
    /// Its sequence there.
    pub seq: u64,
    /// Why it was refused.
    pub why: String,
}

impl RelayStore {
    /// For each enrolled terminal, its unsigned ops taken and its ops refused.
    pub fn terminal_ops(&self) -> Result<Vec<TerminalOps>, StoreError> {
        let mut out = Vec::new();
        for t in self.terminals()? {
            let mut ops = TerminalOps {
                terminal: t.id,
                unsigned_taken: 0,
                refused: Vec::new(),
            };
            for &device in &t.replicas {
                ops.unsigned_taken += self.unsigned_taken(device)?;
                ops.refused
                    .extend(
                        self.refused_of(device)?
                            .into_iter()
                            .map(|(seq, why)| RefusedOp { device, seq, why }),
                    );
            }
            out.push(ops);
        }
        Ok(out)
    }

    /// Every entry the roster holds.
    pub fn roster(&self) -> Result<Vec<RosterEntry>, StoreError> {
        let tree = self.db.open_tree(ROSTER)?;
        tree.iter()
            .map(|item| {
                let (k, v) = item?;
                decode_plain(ROSTER, &k, &v)
            })
            .collect()
    }

    /// The entry an op made at `hlc` is judged by (`roster::entry_at`), given its operator's
    /// newest entry.
    pub(super) fn roster_entry_at(
        &self,
        newest: &RosterEntry,
        hlc: crate::domain::change::Hlc,
    ) -> Result<RosterEntry, StoreError> {
        let tree = self.db.open_tree(HISTORY)?;
        let history = tree
            .scan_prefix(newest.operator.0.to_be_bytes())
            .map(|item| {
                let (k, v) = item?;
                decode_plain(HISTORY, &k, &v)
            })
            .collect::<Result<Vec<RosterEntry>, StoreError>>()?;
        Ok(roster::entry_at(&history, newest, hlc))
    }

    /// Takes the entries a desk offers that the roster's rules allow (an active, trained
    /// administrator of the roster signed it; an operator adding their own key; the first
    /// administrator's own entry while the roster is empty), and says which were refused.
    /// The first entry taken founds the roster at `now_ms`: from then on, an op the roster
    /// cannot check is taken only if it was made before.
    pub fn take_roster(&self, entries: &[RosterEntry], now_ms: u64) -> Result<Admitted, StoreError> {
        // Not while a push is checked against the roster.
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let tree = self.db.open_tree(ROSTER)?;
        let mut held = self.roster()?;
        let admitted = roster::admit_all(&mut held, entries);
        let history = self.db.open_tree(HISTORY)?;
        for e in held.iter().filter(|e| admitted.taken.contains(&e.operator)) {
            let raw = codec::encode_versioned(FORMAT, e).map_err(|e| StoreError::Io(e.to_string()))?;
            tree.insert(e.operator.0.to_be_bytes(), raw.clone())?;
            history.insert(history_key(e), raw)?;
        }
        if !held.is_empty() {
            self.found_roster(now_ms)?;
        }
        self.db.flush()?;
        Ok(admitted)
    }

    /// Records when the roster began, if not recorded yet (also for a roster founded before
    /// the time was kept: it counts from the first start that sees it).
    pub(super) fn found_roster(&self, now_ms: u64) -> Result<(), StoreError> {
        let _ = self
            .meta
            .compare_and_swap(FOUNDED, None as Option<&[u8]>, Some(&now_ms.to_be_bytes()[..]))?;
        Ok(())
    }

    /// When the roster began, if it has.
    pub fn roster_founded(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.meta.get(FOUNDED)?.map(|v| be_u64(Some(v))))
    }

    /// Whether the roster holds any entry.
    pub(super) fn roster_is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.db.open_tree(ROSTER)?.is_empty())
    }

    /// The cut-off for `device`'s ops, a replica first pushed by `terminal` (step 6).
    pub(super) fn cutoff(&self, device: DeviceId, terminal: TerminalId) -> Result<Cutoff, StoreError> {
        let Some(founded_ms) = self.roster_founded()? else {
            return Ok(Cutoff::NoRoster);
        };
        let enrolled_ms = self.terminal(terminal)?.map_or(u64::MAX, |t| t.enrolled_ms);
        Ok(Cutoff::Founded {
            founded_ms,
            enrolled_ms,
            first_signed: self.first_signed(device)?,
        })
    }

    /// The replica's first signed op, once it has pushed one.
    pub(super) fn first_signed(&self, device: DeviceId) -> Result<Option<u64>, StoreError> {
        Ok(self.meta.get(signed_from_key(device))?.map(|v| be_u64(Some(v))))
    }

    /// How many unsigned ops of `device` the server took.
    pub fn unsigned_taken(&self, device: DeviceId) -> Result<u64, StoreError> {
        Ok(be_u64(self.meta.get(unsigned_key(device))?))
    }

    /// Every op of `device` the server refused, with why.
    pub fn refused_of(&self, device: DeviceId) -> Result<Vec<(u64, String)>, StoreError> {
        self.refused_between(device, 0, u64::MAX)
    }

    /// The ops of `device` from `first` to `last` the server refused, with why.
    pub fn refused_between(&self, device: DeviceId, first: u64, last: u64) -> Result<Vec<(u64, String)>, StoreError> {
        let tree = self.db.open_tree(REFUSED)?;
        let mut out = Vec::new();
        for item in tree.range(refused_key(device, first)..=refused_key(device, last)) {
            let (k, v) = item?;
            let seq = <[u8; 8]>::try_from(&k[16..]).map_or(0, u64::from_be_bytes);
            out.push((seq, String::from_utf8_lossy(&v).into_owned()));
        }
        Ok(out)
    }
}
