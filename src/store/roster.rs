//! This desk's copy of the roster (decision 0022): each operator's newest signed entry, kept
//! in the clear (roles and public keys say nothing of a client), and the public keys seen at
//! sign-ins here, for an administrator's sign-in to put in the roster.

use super::crypto::KdfParams;
use super::{codec, decode_plain, signing::OpSigner, KeySlot, Store, StoreError};
use crate::domain::ids::OperatorId;
use crate::domain::roster::{self, PublicKey, RosterEntry};

/// Operator id (16) -> their newest [`RosterEntry`].
pub(crate) const ROSTER: &str = "roster";
/// In `meta`: since when this desk holds a roster (u64 ms), see [`Store::roster_since`].
const ROSTER_SINCE: &[u8] = b"roster_since";
/// Login -> the public keys their sign-ins here gave (`Vec<PublicKey>`).
const OPERATOR_KEYS: &str = "operator_keys";

/// Encodes a roster entry as kept.
pub(crate) fn encode_entry(e: &RosterEntry) -> Result<Vec<u8>, StoreError> {
    codec::encode_versioned(1, e).map_err(|e| StoreError::Encode {
        what: "roster entry".into(),
        reason: e.to_string(),
    })
}

impl Store {
    /// Every roster entry this desk holds.
    pub fn roster(&self) -> Result<Vec<RosterEntry>, StoreError> {
        let tree = self.tree(ROSTER)?;
        tree.iter()
            .map(|item| {
                let (k, v) = item?;
                decode_plain(ROSTER, &k, &v)
            })
            .collect()
    }

    /// One operator's roster entry.
    pub fn roster_entry(&self, operator: OperatorId) -> Result<Option<RosterEntry>, StoreError> {
        let key = operator.0.to_be_bytes();
        match self.tree(ROSTER)?.get(key)? {
            Some(v) => Ok(Some(decode_plain(ROSTER, &key, &v)?)),
            None => Ok(None),
        }
    }

    /// Since when this desk holds a roster (ms): the earliest clock of its entries, fixed the
    /// first time it is asked (entries are replaced by newer ones); `None` while it holds none.
    /// An unsigned erasure dated after it is not carried out here (`roster::desk_takes_erasure`).
    pub fn roster_since(&self) -> Result<Option<u64>, StoreError> {
        let meta = self.tree(super::META)?;
        if let Some(v) = meta.get(ROSTER_SINCE)? {
            return Ok(<[u8; 8]>::try_from(v.as_ref()).ok().map(u64::from_be_bytes));
        }
        let Some(since) = self.roster()?.iter().map(|e| e.hlc.wall_ms).min() else {
            return Ok(None);
        };
        let _open = self.open_gate();
        meta.insert(ROSTER_SINCE, &since.to_be_bytes())?;
        Ok(Some(since))
    }

    /// Takes entries from the server that its signatures prove (the same rules the server
    /// applies, so a server that lies cannot give an operator rights); returns how many.
    pub fn take_roster(&self, entries: &[RosterEntry]) -> Result<usize, StoreError> {
        let tree = self.tree(ROSTER)?;
        let mut held = self.roster()?;
        let admitted = roster::admit_all(&mut held, entries);
        for e in held.iter().filter(|e| admitted.taken.contains(&e.operator)) {
            tree.insert(e.operator.0.to_be_bytes(), encode_entry(e)?)?;
        }
        tree.flush()?;
        Ok(admitted.taken.len())
    }

    /// Records the key the signed-in operator's password gives here.
    pub fn note_operator_key(&self, login: &str) -> Result<(), StoreError> {
        let Some(key) = self.signing_key() else {
            return Ok(());
        };
        let mut keys = self.operator_keys(login)?;
        if !keys.contains(&key) {
            keys.push(key);
            let raw = codec::encode_versioned(1, &keys).map_err(|e| StoreError::Io(e.to_string()))?;
            self.tree(OPERATOR_KEYS)?.insert(login.as_bytes(), raw)?;
        }
        Ok(())
    }

    /// The public keys sign-ins here have given `login`.
    pub fn operator_keys(&self, login: &str) -> Result<Vec<PublicKey>, StoreError> {
        match self.tree(OPERATOR_KEYS)?.get(login.as_bytes())? {
            Some(v) => decode_plain(OPERATOR_KEYS, login.as_bytes(), &v),
            None => Ok(Vec::new()),
        }
    }

    /// A key slot for `login` and the public signing key its password gives.
    pub fn make_key_slot_signing(&self, login: &str, password: &str) -> Result<(KeySlot, PublicKey), StoreError> {
        let (slot, seed) = KeySlot::wrap_signing(login, password, self.keys.institution(), KdfParams::default())
            .map_err(|e| StoreError::Io(e.to_string()))?;
        Ok((slot, OpSigner::from_seed(&seed)?.public()))
    }

    /// Signs `entry` with the signed-in operator's key (its `signed` field is replaced).
    pub fn sign_roster_entry(&self, mut entry: RosterEntry) -> Option<RosterEntry> {
        let (signer, _) = self.signer.as_ref()?;
        entry.signed = signer.sign(&roster::entry_message(&entry));
        Some(entry)
    }
}
