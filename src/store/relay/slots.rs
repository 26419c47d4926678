//! The institution's key slots on the server (decision 0020, step 3): each desk's `Hello`
//! carries its slots, and the server keeps one for each login, the newest. The server never
//! opens a slot: it holds the bytes the desk stored, each the institution key wrapped under an
//! operator's password (argon2id), which is what makes them safe to hold there
//! (`docs/security.md`). A desk joining the institution fetches them with a valid enrolment
//! code.

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{decode, encode, RelayError, RelayStore, INSTITUTION};
use crate::store::StoreError;

/// Login -> [`KeySlotCopy`].
pub(super) const KEY_SLOTS: &str = "relay_key_slots";

/// Most key slots one hello may carry.
pub const MAX_KEY_SLOTS: usize = 1_000;
/// The longest login a travelling slot may name, in bytes.
pub const MAX_SLOT_LOGIN: usize = 64;
/// The largest slot, in bytes (a slot is about 100).
pub const MAX_SLOT_BYTES: usize = 1_024;
/// How far ahead of the server's clock a slot's change may be and still be taken (the limit
/// ops have): a slot stamped further ahead waits on its desk, and is taken once the server's
/// clock has passed it, so a desk whose clock runs fast cannot make its slot win for ever.
pub const MAX_SLOT_AHEAD_MS: u64 = 10 * 60 * 1_000;

/// One operator's key slot as it travels: the bytes the desk stores, never opened on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySlotCopy {
    /// The operator's login (the slot's key on every desk).
    pub login: String,
    /// When the slot last changed as its desk knows it, ms since the epoch: a newer slot for a
    /// login replaces an older one; equal times are ordered by the bytes, so every server
    /// and desk settles on the same one.
    pub changed_ms: u64,
    /// The slot as the desk stores it (format byte and encoded slot).
    pub slot: Vec<u8>,
}

impl KeySlotCopy {
    /// Whether this copy replaces `held` for the same login: later, or as late and greater.
    pub fn replaces(&self, held: &KeySlotCopy) -> bool {
        (self.changed_ms, &self.slot) > (held.changed_ms, &held.slot)
    }

    /// Why this copy may not be kept, if it may not: an empty or over-long login, or slot.
    pub fn unfit(&self) -> Option<&'static str> {
        if self.login.is_empty() || self.login.len() > MAX_SLOT_LOGIN {
            Some("a key slot's login is empty or too long")
        } else if self.slot.is_empty() || self.slot.len() > MAX_SLOT_BYTES {
            Some("a key slot is empty or too large")
        } else {
            None
        }
    }
}

/// What the server holds of its institution, for a desk joining it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    /// The institution check the first desk founded it with.
    pub check: [u8; 32],
    /// Every operator's key slot, by login.
    pub key_slots: Vec<KeySlotCopy>,
}

impl RelayStore {
    /// Keeps the key slots a desk of the institution sent, merged by login: one replaces the
    /// held one only if it is newer ([`KeySlotCopy::replaces`]); one stamped more than
    /// [`MAX_SLOT_AHEAD_MS`] ahead of `now_ms` is left for a later hello. One transaction,
    /// flushed when anything changed. Returns how many were taken.
    pub fn keep_key_slots(&self, slots: &[KeySlotCopy], now_ms: u64) -> Result<usize, RelayError> {
        if slots.len() > MAX_KEY_SLOTS {
            return Err(RelayError::BadSlots(format!(
                "at most {MAX_KEY_SLOTS} key slots in one hello"
            )));
        }
        if let Some(why) = slots.iter().find_map(KeySlotCopy::unfit) {
            return Err(RelayError::BadSlots(why.into()));
        }
        let horizon = now_ms.saturating_add(MAX_SLOT_AHEAD_MS);
        let mut encoded = Vec::with_capacity(slots.len());
        for s in slots {
            if s.changed_ms > horizon {
                tracing::info!(
                    ahead_ms = s.changed_ms - now_ms,
                    "a key slot stamped ahead of the server's clock waits for a later hello"
                );
                continue;
            }
            encoded.push((s, encode(s)?));
        }
        if encoded.is_empty() {
            return Ok(0);
        }
        let taken = self
            .key_slots
            .transaction(|tx| {
                let mut taken = 0;
                for (s, value) in &encoded {
                    let newer = match tx.get(s.login.as_bytes())? {
                        None => true,
                        Some(raw) => {
                            let held: KeySlotCopy = decode(KEY_SLOTS, s.login.as_bytes(), &raw)
                                .map_err(ConflictableTransactionError::Abort)?;
                            s.replaces(&held)
                        }
                    };
                    if newer {
                        tx.insert(s.login.as_bytes(), value.as_slice())?;
                        taken += 1;
                    }
                }
                Ok(taken)
            })
            .map_err(|e: TransactionError<StoreError>| RelayError::Store(super::storage(e)))?;
        if taken > 0 {
            self.db.flush().map_err(StoreError::from)?;
        }
        Ok(taken)
    }

    /// Every key slot held, by login.
    pub fn key_slots(&self) -> Result<Vec<KeySlotCopy>, StoreError> {
        self.key_slots
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(KEY_SLOTS, &k, &v)
            })
            .collect()
    }

    /// The institution, for a desk joining it with `code`, which must be a valid enrolment
    /// code (it is not spent: enrolling spends it). Refused with a bad code, and on a server
    /// no desk has said hello to yet.
    pub fn institution(&self, code: &str, now_ms: u64) -> Result<Institution, RelayError> {
        self.check_code(code, now_ms)?;
        let check = self
            .meta
            .get(INSTITUTION)
            .map_err(StoreError::from)?
            .and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok())
            .ok_or(RelayError::NoInstitution)?;
        Ok(Institution {
            check,
            key_slots: self.key_slots()?,
        })
    }
}
