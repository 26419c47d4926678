//! A desk joining its institution through the sync server (decision 0020, steps 2 and 3): the
//! key slots this store offers at each sync, each stamped with when it last changed here, and
//! a new store made from the slots fetched from the server, so that its institution key is the
//! one they wrap.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::crypto::{KeyRing, KeySlot, SealError};
use super::files::{self, StoreState};
use super::relay::KeySlotCopy;
use super::subject_keys::SubjectKeys;
use super::{decode_plain, open_db, refused, LockedStore, Store, StoreError, KEY_SLOTS, META, STORE_FORMAT};
use crate::domain::ids::DeviceId;

/// Login -> when its slot last changed as this desk knows it: blake3 of the slot's stored
/// bytes (32) ++ ms since the epoch (8, big-endian).
const SLOT_STAMPS: &str = "key_slot_stamps";

fn stamp(slot: &[u8], changed_ms: u64) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..32].copy_from_slice(blake3::hash(slot).as_bytes());
    out[32..].copy_from_slice(&changed_ms.to_be_bytes());
    out
}

/// The time a stamp gives, whatever slot it was for.
fn stamp_ms(raw: &[u8]) -> Option<u64> {
    raw.get(32..40)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
}

/// The time a stamp gives, if it was made for exactly these slot bytes.
fn stamp_for(raw: &[u8], slot: &[u8]) -> Option<u64> {
    (raw.get(..32) == Some(blake3::hash(slot).as_bytes().as_slice()))
        .then(|| stamp_ms(raw))
        .flatten()
}

impl Store {
    /// This store's key slots as they travel to the server, each with when it last changed
    /// here. A slot that changed since this desk last offered it (a changed password) is
    /// stamped `now_ms`, and always later than its stamp before: so the newest change of a
    /// login's password, as the desks sync it, is the one the server keeps. A slot this desk
    /// never offered (a new operator, or every slot at a desk's first sync) is stamped 0: of
    /// unknown age, it never replaces a slot the server holds for the same login.
    pub fn key_slot_copies(&self, now_ms: u64) -> Result<Vec<KeySlotCopy>, StoreError> {
        let slots = self.tree(KEY_SLOTS)?;
        let stamps = self.tree(SLOT_STAMPS)?;
        let mut out = Vec::with_capacity(slots.len());
        let mut stamped = false;
        let _open = self.open_gate();
        for item in slots.iter() {
            let (login, slot) = item?;
            let Ok(text) = std::str::from_utf8(&login) else {
                continue;
            };
            let held = stamps.get(&login)?;
            let changed_ms = match held.as_deref().map(|h| (stamp_for(h, &slot), stamp_ms(h))) {
                // Offered before as it is.
                Some((Some(ms), _)) => ms,
                // Changed since it was last offered: now, and always later than before.
                Some((None, before)) => {
                    let ms = before.map_or(now_ms, |b| now_ms.max(b.saturating_add(1)));
                    stamps.insert(&login, &stamp(&slot, ms)[..])?;
                    stamped = true;
                    ms
                }
                // Never offered: of unknown age, older than any change a desk has seen (so a
                // copy of an old backup, or a desk's first sync, never undoes a newer password).
                None => {
                    stamps.insert(&login, &stamp(&slot, 0)[..])?;
                    stamped = true;
                    0
                }
            };
            out.push(KeySlotCopy {
                login: text.to_string(),
                changed_ms,
                slot: slot.to_vec(),
            });
        }
        if stamped {
            self.db.flush()?;
        }
        Ok(out)
    }
}

/// Refuses a folder that holds anything a store could be: a store is never made over data.
fn refuse_existing(path: &Path) -> Result<(), StoreError> {
    match files::state(path) {
        StoreState::Absent => Ok(()),
        StoreState::Present => Err(StoreError::AlreadyInitialised {
            path: path.to_path_buf(),
            found: "a careerdesk store".into(),
        }),
        StoreState::Damaged(d) => Err(StoreError::AlreadyInitialised {
            path: path.to_path_buf(),
            found: format!("a damaged store: {} {}; {}", d.file, d.problem, d.recovery),
        }),
    }
}

impl LockedStore {
    /// Creates the store of a desk joining its institution from `slots`, the institution's key
    /// slots fetched from the server: `login`'s slot must open with `password`
    /// ([`StoreError::BadCredentials`] otherwise, and nothing is made), and the key it wraps
    /// must give `check`, the institution the server serves. That key becomes this store's
    /// institution key; every slot is kept with its stamp, so this desk offers them back as
    /// they came. The store gets a device id of its own. Refused when the folder holds
    /// anything; a failure part way takes away what was made.
    pub fn join(
        path: &Path,
        slots: &[KeySlotCopy],
        check: &[u8; 32],
        login: &str,
        password: &str,
    ) -> Result<Store, StoreError> {
        refuse_existing(path)?;
        let mine = slots
            .iter()
            .find(|s| s.login == login)
            .ok_or(StoreError::BadCredentials)?;
        let slot: KeySlot = decode_plain(KEY_SLOTS, login.as_bytes(), &mine.slot)?;
        if slot.login != login {
            return Err(StoreError::BadCredentials);
        }
        let key = slot.unwrap_key(password).map_err(|e| match e {
            SealError::Decrypt => StoreError::BadCredentials,
            other => StoreError::Corrupt {
                tree: KEY_SLOTS.into(),
                key: login.into(),
                reason: other.to_string(),
            },
        })?;
        let keys = KeyRing::new(key);
        if keys.institution_check() != *check {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                reason: format!(
                    "the server's key slot for {login} opens another key than the institution's it serves; \
                     nothing was made. Ask the server's administrator"
                ),
            });
        }
        let existed = path.exists();
        std::fs::create_dir_all(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        match make(path, keys, slots) {
            Ok(store) => Ok(store),
            Err(e) => {
                let _ = std::fs::remove_dir_all(path);
                if existed {
                    let _ = std::fs::create_dir_all(path);
                }
                Err(e)
            }
        }
    }
}

fn make(path: &Path, keys: KeyRing, slots: &[KeySlotCopy]) -> Result<Store, StoreError> {
    files::restrict(path);
    let db = open_db(path)?;
    let slot_tree = db.open_tree(KEY_SLOTS)?;
    let stamps = db.open_tree(SLOT_STAMPS)?;
    for s in slots {
        // Only slots that read as one, for the login they name: a damaged one is left.
        match decode_plain::<KeySlot>(KEY_SLOTS, s.login.as_bytes(), &s.slot) {
            Ok(k) if k.login == s.login => {}
            _ => {
                tracing::warn!("a key slot from the server does not read; it was left");
                continue;
            }
        }
        slot_tree.insert(s.login.as_bytes(), s.slot.as_slice())?;
        stamps.insert(s.login.as_bytes(), &stamp(&s.slot, s.changed_ms)[..])?;
    }
    let device = DeviceId::new_at(Utc::now().timestamp_millis().max(0) as u64);
    let meta = db.open_tree(META)?;
    meta.insert(b"device_id", &device.key())?;
    meta.insert(b"format", &[STORE_FORMAT])?;
    refused::ensure_key_pair(&db, &keys)?;
    db.flush()?;
    let subjects = Arc::new(SubjectKeys::open(path)?);
    let store = Store::new(db, path.to_path_buf(), keys, subjects, device, Arc::default());
    files::restrict(path);
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::KdfParams;

    fn cheap() -> KdfParams {
        KdfParams { m_kib: 64, t: 1, p: 1 }
    }

    #[test]
    fn a_slot_keeps_its_stamp_until_it_changes_and_then_gets_a_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = LockedStore::create(&dir.path().join("store"), "admin", "admin-password-1", cheap()).unwrap();
        let first = store.key_slot_copies(5_000).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(
            (first[0].login.as_str(), first[0].changed_ms),
            ("admin", 0),
            "age unknown"
        );
        assert_eq!(
            store.key_slot_copies(9_000).unwrap(),
            first,
            "unchanged: the same stamp"
        );
        // A new password (a slot rewritten): stamped now, and later again with a clock behind.
        let again = store.make_key_slot("admin", "another-password-2").unwrap();
        store
            .tree(KEY_SLOTS)
            .unwrap()
            .insert(b"admin", crate::store::codec::encode_versioned(1, &again).unwrap())
            .unwrap();
        let changed = store.key_slot_copies(5_000).unwrap();
        assert_eq!(changed[0].changed_ms, 5_000);
        assert_ne!(changed[0].slot, first[0].slot);
        let again = store.make_key_slot("admin", "a-third-password-3").unwrap();
        store
            .tree(KEY_SLOTS)
            .unwrap()
            .insert(b"admin", crate::store::codec::encode_versioned(1, &again).unwrap())
            .unwrap();
        assert_eq!(store.key_slot_copies(1_000).unwrap()[0].changed_ms, 5_001);
    }

    #[test]
    fn a_joined_store_opens_with_the_slot_s_password_and_a_wrong_one_makes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let first = LockedStore::create(&dir.path().join("a"), "admin", "admin-password-1", cheap()).unwrap();
        let slots = first.key_slot_copies(7).unwrap();
        let check = first.institution_check();
        let there = dir.path().join("b");
        assert!(matches!(
            LockedStore::join(&there, &slots, &check, "admin", "wrong-password"),
            Err(StoreError::BadCredentials)
        ));
        assert!(matches!(
            LockedStore::join(&there, &slots, &check, "nobody", "admin-password-1"),
            Err(StoreError::BadCredentials)
        ));
        assert!(!there.exists(), "nothing made");
        assert!(LockedStore::join(&there, &slots, &[0; 32], "admin", "admin-password-1").is_err());
        assert!(!there.exists(), "nothing made for another institution's check");
        let joined = LockedStore::join(&there, &slots, &check, "admin", "admin-password-1").unwrap();
        assert_eq!(joined.institution_check(), check);
        assert_ne!(
            joined.replicas().unwrap(),
            first.replicas().unwrap(),
            "a device id of its own"
        );
        assert_eq!(joined.key_slot_copies(99).unwrap(), slots, "offered back as they came");
        drop(joined);
        let locked = LockedStore::open(&there).unwrap();
        assert!(locked.unlock("admin", "admin-password-1", Utc::now()).is_ok());
        assert!(matches!(
            LockedStore::join(&there, &slots, &check, "admin", "admin-password-1"),
            Err(StoreError::AlreadyInitialised { .. })
        ));
    }
}
