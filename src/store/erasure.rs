//! What erasure needs from the store: finding a client's records by their envelopes, destroying
//! their keys (here and in backups), finishing an erasure stopped half-way, the erasable
//! setting (the saved lookup), and listing every value for checks that nothing readable is left.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::crypto::KeyRef;
use super::subject_keys::{self, SubjectKeys};
use super::{codec::Record, Store, StoreError, META, SETTING_PREFIX};

/// One stored value, as [`Store::every_value`] lists it.
#[derive(Debug, Clone)]
pub struct StoredValue {
    /// Tree name.
    pub tree: String,
    /// Key.
    pub key: Vec<u8>,
    /// The bytes as stored.
    pub raw: Vec<u8>,
    /// The key its envelope names, if it looks sealed.
    pub sealed_with: Option<KeyRef>,
    /// Its plain bytes, if a key this store holds opens it.
    pub plain: Option<Vec<u8>>,
}

/// Destroys clients' keys in a copy of a store's folder (a backup), given the slots they were
/// in, opening and syncing the copy's key file once; says whether the copy held any.
pub fn destroy_keys_in_copy(store_dir: &Path, clients: &[(u128, Vec<u64>)]) -> Result<bool, StoreError> {
    SubjectKeys::destroy_in_copy(store_dir, clients)
}

const PENDING_ERASURE: &[u8] = b"erase_pending/";

pub(crate) fn pending_erasure_key(client: u128) -> Vec<u8> {
    [PENDING_ERASURE, &client.to_be_bytes()].concat()
}

impl Store {
    /// The records of a kind sealed with a client's key, found from the envelopes' headers
    /// without opening any value (for erasure and the subject-access export).
    pub fn sealed_for<T: Record>(&self, client: u128) -> Result<Vec<T>, StoreError> {
        let mut each = self.sealed_for_each::<T>(&HashSet::from([client]))?;
        Ok(each.remove(&client).unwrap_or_default())
    }

    /// [`Store::sealed_for`] for several clients in one pass over the tree (a purge erases
    /// clients in batches): each client's records, by client id.
    pub fn sealed_for_each<T: Record>(&self, clients: &HashSet<u128>) -> Result<HashMap<u128, Vec<T>>, StoreError> {
        let mut out: HashMap<u128, Vec<T>> = HashMap::new();
        for item in self.tree(T::KIND.tree())?.iter() {
            let (k, v) = item?;
            if let Ok((KeyRef::Subject { id, .. }, _)) = KeyRef::of(&v) {
                if clients.contains(&id) {
                    out.entry(id).or_default().push(self.open_record::<T>(&k, &v)?);
                }
            }
        }
        Ok(out)
    }

    /// Every value in every tree: its raw bytes, the key its envelope names (when it is
    /// sealed) and its plain bytes when a key this store still holds opens it. For checks that
    /// nothing readable is left of an erased client.
    pub fn every_value(&self) -> Result<Vec<StoredValue>, StoreError> {
        let mut out = Vec::new();
        for name in self.db.tree_names() {
            let tree_name = String::from_utf8_lossy(&name).into_owned();
            for item in self.db.open_tree(&name)?.iter() {
                let (k, v) = item?;
                let sealed_with = KeyRef::of(&v).ok().map(|(r, _)| r);
                let plain = sealed_with.and_then(|_| self.open_sealed(&tree_name, &k, &v).ok());
                out.push(StoredValue {
                    tree: tree_name.clone(),
                    key: k.to_vec(),
                    raw: v.to_vec(),
                    sealed_with,
                    plain,
                });
            }
        }
        Ok(out)
    }

    /// The slots the saved lookup's key is in, with its reserved id: read before an erasure
    /// destroys it, so that the copies of the key file in backups lose it too (a backup holds
    /// the lookup of its day, every client's name in it, sealed with that key).
    pub fn lookup_key_slots(&self) -> (u128, Vec<u64>) {
        (
            subject_keys::LOOKUP_SUBJECT,
            self.subjects.slots_of(subject_keys::LOOKUP_SUBJECT),
        )
    }

    /// Whether this store still holds a key for the subject (a client id).
    pub fn holds_subject_key(&self, id: u128) -> bool {
        self.subjects.has(id)
    }

    /// Destroys a client's keys, and the key of the saved client lookup (it holds every
    /// client's name), in this store's key file: whatever they sealed, anywhere on disk, can no
    /// longer be opened. Returns the slots the client's keys were in, to destroy them in
    /// backups too ([`destroy_keys_in_copy`]).
    pub fn destroy_subject_keys(&self, client: u128) -> Result<Vec<u64>, StoreError> {
        let mut slots = self.destroy_subject_keys_of(&[client])?;
        Ok(slots.pop().map(|(_, s)| s).unwrap_or_default())
    }

    /// [`Store::destroy_subject_keys`] for several clients with one sync of the key file and
    /// one flush: each client with the slots its keys were in.
    pub fn destroy_subject_keys_of(&self, clients: &[u128]) -> Result<Vec<(u128, Vec<u64>)>, StoreError> {
        // Slots of keys rotated out are included: a backup made before the rotation holds them.
        let mut slots = Vec::with_capacity(clients.len());
        for &c in clients {
            let mut s = self.subjects.slots_of(c);
            s.extend(self.retired_slots(c)?);
            slots.push((c, s));
        }
        let mut ids = clients.to_vec();
        ids.push(subject_keys::LOOKUP_SUBJECT);
        self.subjects.destroy_all(&ids)?;
        let meta = self.tree(META)?;
        for &client in clients {
            meta.remove(pending_erasure_key(client))?;
            self.forget_retired_slots(client)?;
        }
        self.db.flush()?;
        Ok(slots)
    }

    /// Finishes erasures whose records were removed but whose keys were not destroyed yet (the
    /// program stopped in between); returns how many.
    pub(crate) fn finish_pending_erasures(&self) -> Result<usize, StoreError> {
        let pending: Vec<u128> = self
            .tree(META)?
            .scan_prefix(PENDING_ERASURE)
            .keys()
            .filter_map(|k| k.ok())
            .filter_map(|k| <[u8; 16]>::try_from(&k[PENDING_ERASURE.len()..]).ok())
            .map(u128::from_be_bytes)
            .collect();
        for &client in &pending {
            self.destroy_subject_keys(client)?;
            tracing::info!("finished an erasure that was stopped before its keys were destroyed");
        }
        Ok(pending.len())
    }

    /// The count of erasures (key destructions) since the store was opened and the clients
    /// erased meanwhile: a lookup kept in memory leaves those out before it is saved, and is
    /// saved with [`Store::set_erasable_setting_if`] only if the count has not moved.
    pub fn erasures_since_open(&self) -> (u64, HashSet<u128>) {
        let log = self.subjects.erasures();
        (log.epoch, log.subjects.clone())
    }

    /// How many erasures there have been since the store was opened (see
    /// [`Store::erasures_since_open`]).
    pub fn erasure_epoch(&self) -> u64 {
        self.subjects.erasures().epoch
    }

    /// [`Store::set_erasable_setting`] unless a key was destroyed since `epoch` (see
    /// [`Store::erasures_since_open`]): the value may hold a client erased meanwhile, sealed
    /// with the lookup key made after the erasure. No erasure can run while it seals and
    /// stores. Says whether it stored the value.
    pub fn set_erasable_setting_if(&self, epoch: u64, name: &str, value: &[u8]) -> Result<bool, StoreError> {
        let log = self.subjects.erasures();
        if log.epoch != epoch {
            return Ok(false);
        }
        self.set_erasable_setting(name, Some(value))?;
        drop(log);
        Ok(true)
    }

    /// Stores (`Some`) or removes (`None`) a setting sealed with its own destroyable key, which
    /// every erasure destroys: for saved copies that hold personal data of many clients (the
    /// client lookup). After an erasure the setting reads as absent.
    pub fn set_erasable_setting(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let key = [SETTING_PREFIX, name.as_bytes()].concat();
        let _open = self.open_gate();
        let meta = self.tree(META)?;
        match value {
            Some(v) => {
                let sealed = self.seal_for(Some(subject_keys::LOOKUP_SUBJECT), META, &key, Ok(v.to_vec()))?;
                self.subjects.sync()?;
                meta.insert(&key, sealed)?
            }
            None => meta.remove(&key)?,
        };
        self.db.flush()?;
        Ok(())
    }
}
