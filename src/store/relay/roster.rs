//! The server's roster (decision 0022): each operator's newest entry that an administrator of
//! the roster signed, and the ops it refused against it, kept in their places and named to
//! their desk at every push that covers them.

use super::{RelayStore, FORMAT};
use crate::domain::ids::{DeviceId, OperatorId};
use crate::domain::roster::{self, Admitted, RosterEntry};
use crate::store::{codec, decode_plain, StoreError};

/// Operator id (16) -> their [`RosterEntry`].
const ROSTER: &str = "relay_roster";
/// Device (16) ++ device sequence (8) -> why the op was refused (text).
pub(super) const REFUSED: &str = "relay_refused";

/// An op's key among those refused.
pub(super) fn refused_key(device: DeviceId, seq: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..16].copy_from_slice(&device.0.to_be_bytes());
    k[16..].copy_from_slice(&seq.to_be_bytes());
    k
}

impl RelayStore {
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

    /// One operator's entry.
    pub(super) fn roster_entry(&self, operator: OperatorId) -> Result<Option<RosterEntry>, StoreError> {
        let key = operator.0.to_be_bytes();
        match self.db.open_tree(ROSTER)?.get(key)? {
            Some(v) => Ok(Some(decode_plain(ROSTER, &key, &v)?)),
            None => Ok(None),
        }
    }

    /// Takes the entries a desk offers that the roster's rules allow (an active, trained
    /// administrator of the roster signed it; an operator adding their own key; the first
    /// administrator's own entry while the roster is empty), and says which were refused.
    pub fn take_roster(&self, entries: &[RosterEntry]) -> Result<Admitted, StoreError> {
        // Not while a push is checked against the roster.
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let tree = self.db.open_tree(ROSTER)?;
        let mut held = self.roster()?;
        let admitted = roster::admit_all(&mut held, entries);
        for e in held.iter().filter(|e| admitted.taken.contains(&e.operator)) {
            let raw = codec::encode_versioned(FORMAT, e).map_err(|e| StoreError::Io(e.to_string()))?;
            tree.insert(e.operator.0.to_be_bytes(), raw)?;
        }
        self.db.flush()?;
        Ok(admitted)
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
