//! The encrypted sled store: one tree per record kind, sealed values, key slots, the audit
//! tree and the op log.
//!
//! A store on disk is first a [`LockedStore`]: nothing in it can be read until an operator's
//! password unwraps the data key ([`LockedStore::unlock`]), which gives a [`Store`].

pub mod codec;
mod compact;
pub mod crypto;
mod group;
pub mod index;
mod reindex;
mod txn;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sled::Tree;

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::change::{Hlc, Op};
use crate::domain::ids::{AuditId, DeviceId};
use crate::domain::EntityKind;
use codec::{CodecError, Record};
use crypto::{DataKey, KdfParams, KeyRing, KeySlot, SealError};

pub use compact::{disk_size, Copied};
pub use reindex::Reindexed;
pub use txn::{BulkWriter, Committed, Version, WriteSet};

/// Index entries as (key, value) pairs.
pub type KeyValues = Vec<(Vec<u8>, Vec<u8>)>;

/// The store layout version this build writes. Format 1 had one sled key per index entry;
/// format 2 groups them (see [`group`]). A format-1 store is re-indexed at its first unlock.
pub const STORE_FORMAT: u8 = 2;

pub(crate) const META: &str = "meta";
pub(crate) const KEY_SLOTS: &str = "key_slots";
pub(crate) const AUDIT: &str = "audit";
pub(crate) const OPLOG: &str = "oplog";
/// Failed sign-ins, written before any key is known; moved into the sealed audit tree at the
/// next successful unlock. Holds only the login typed and the time.
const AUTH_PENDING: &str = "auth_pending";
const OP_FORMAT: u8 = 1;
const AUDIT_FORMAT: u8 = 1;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("the store at {path} could not be opened: {reason}")]
    Open {
        /// Where.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// There is no store yet.
    #[error("there is no careerdesk store at {path}; create one with `careerdesk init --policy FILE --admin LOGIN`")]
    NotInitialised {
        /// Where.
        path: PathBuf,
    },
    /// `init` on an existing store.
    #[error("a careerdesk store already exists at {path}; use it, or choose another --data-dir")]
    AlreadyInitialised {
        /// Where.
        path: PathBuf,
    },
    /// Wrong password or unknown login (deliberately not saying which).
    #[error("sign-in refused: unknown login or wrong password")]
    BadCredentials,
    /// A stored value could not be opened or decoded.
    #[error("damaged record in tree `{tree}` at key {key}: {reason}. Other records are unaffected; restore this one from a backup or another terminal")]
    Corrupt {
        /// Tree.
        tree: String,
        /// Key, as a record id or hex.
        key: String,
        /// What failed.
        reason: String,
    },
    /// A uniqueness rule would be broken.
    #[error("{0}")]
    Conflict(String),
    /// A value could not be encoded or sealed: nothing was written.
    #[error("could not store a {what}: {reason}; nothing was written")]
    Encode {
        /// What was being stored.
        what: String,
        /// Why.
        reason: String,
    },
    /// sled failed.
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    /// A lower-level storage failure.
    #[error("storage error: {0}")]
    Io(String),
}

/// Shows a key as a record id when it is one, else as hex.
pub(crate) fn show_key(key: &[u8]) -> String {
    match <[u8; 16]>::try_from(key) {
        Ok(b) => ulid::Ulid(u128::from_be_bytes(b)).to_string(),
        Err(_) => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(path)
        // A small page cache keeps a 200k-client store within its memory budget.
        .cache_capacity(16 * 1024 * 1024)
        .flush_every_ms(Some(1000));
    // A store this process has just closed may hold its file lock a moment longer: sled frees
    // some of its state on a later pass of its memory reclamation. Wait a little before saying
    // someone else has it.
    let mut waits = 0;
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            Err(e) => {
                let text = e.to_string();
                let locked = text.contains("lock");
                if locked && waits < 20 {
                    waits += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    continue;
                }
                let reason = if locked {
                    "another careerdesk process is using it; close that one first".to_string()
                } else {
                    text
                };
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    reason,
                });
            }
        }
    }
}

/// A store on disk whose data key has not been unwrapped yet.
pub struct LockedStore {
    db: sled::Db,
    path: PathBuf,
}

impl LockedStore {
    /// Opens an existing store (directory `path`).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.join("conf").exists() {
            return Err(StoreError::NotInitialised {
                path: path.to_path_buf(),
            });
        }
        let db = open_db(path)?;
        let meta = db.open_tree(META)?;
        if meta.get(b"format")?.is_none() {
            return Err(StoreError::NotInitialised {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            db,
            path: path.to_path_buf(),
        })
    }

    /// Whether a store has been created at `path`.
    pub fn exists(path: &Path) -> bool {
        path.join("conf").exists()
    }

    /// Creates a new store with a fresh data key and the first operator's key slot.
    pub fn create(path: &Path, login: &str, password: &str, kdf: KdfParams) -> Result<Store, StoreError> {
        if Self::exists(path) {
            return Err(StoreError::AlreadyInitialised {
                path: path.to_path_buf(),
            });
        }
        std::fs::create_dir_all(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let db = open_db(path)?;
        let key = DataKey::generate();
        let slot = KeySlot::wrap(login, password, &key, kdf).map_err(|e| StoreError::Io(e.to_string()))?;
        let device = DeviceId::new_at(Utc::now().timestamp_millis().max(0) as u64);
        let meta = db.open_tree(META)?;
        db.open_tree(KEY_SLOTS)?.insert(
            login.as_bytes(),
            codec::encode_versioned(1, &slot).map_err(|e| StoreError::Encode {
                what: "key slot".into(),
                reason: e.to_string(),
            })?,
        )?;
        meta.insert(b"device_id", &device.key())?;
        meta.insert(b"format", &[STORE_FORMAT])?;
        db.flush()?;
        Ok(Store::new(db, path.to_path_buf(), KeyRing::new(key), device, None))
    }

    /// Unwraps the data key with `login`'s password. A failure is recorded for the audit log.
    pub fn unlock(&self, login: &str, password: &str, now: DateTime<Utc>) -> Result<Store, StoreError> {
        let key = match self.unwrap(login, password) {
            Ok(k) => k,
            Err(e) => {
                if matches!(e, StoreError::BadCredentials) {
                    let pending = self.db.open_tree(AUTH_PENDING)?;
                    let id = AuditId::sequenced(now.timestamp_millis().max(0) as u64, self.db.generate_id()?);
                    pending.insert(id.key(), login.as_bytes())?;
                    self.db.flush()?;
                }
                return Err(e);
            }
        };
        let meta = self.db.open_tree(META)?;
        let device = meta
            .get(b"device_id")?
            .and_then(|v| DeviceId::from_key(&v))
            .ok_or_else(|| StoreError::Corrupt {
                tree: META.into(),
                key: "device_id".into(),
                reason: "missing".into(),
            })?;
        let store = Store::new(self.db.clone(), self.path.clone(), KeyRing::new(key), device, None);
        match meta.get(b"format")?.as_deref() {
            Some([STORE_FORMAT]) => {}
            Some([1]) => {
                tracing::info!("store format 1: rebuilding the indexes in format {STORE_FORMAT}");
                let done = store.rebuild_indexes()?;
                tracing::info!(?done, "indexes rebuilt");
            }
            other => {
                let found = other.map_or_else(
                    || "none".to_string(),
                    |f| f.iter().map(u8::to_string).collect::<Vec<_>>().join("."),
                );
                return Err(StoreError::Open {
                    path: self.path.clone(),
                    reason: format!(
                        "its layout (format {found}) is not one this careerdesk knows (format {STORE_FORMAT}); \
                         open it with the careerdesk that made it"
                    ),
                });
            }
        }
        let last = store.last_op()?.map(|op| op.hlc);
        *store.clock.lock().unwrap_or_else(|p| p.into_inner()) = last;
        store.absorb_pending_sign_ins()?;
        Ok(store)
    }

    fn unwrap(&self, login: &str, password: &str) -> Result<DataKey, StoreError> {
        let slots = self.db.open_tree(KEY_SLOTS)?;
        let Some(raw) = slots.get(login.as_bytes())? else {
            return Err(StoreError::BadCredentials);
        };
        let slot: KeySlot = decode_plain(KEY_SLOTS, login.as_bytes(), &raw)?;
        slot.unwrap_key(password).map_err(|e| match e {
            SealError::Decrypt => StoreError::BadCredentials,
            other => StoreError::Corrupt {
                tree: KEY_SLOTS.into(),
                key: login.into(),
                reason: other.to_string(),
            },
        })
    }
}

fn decode_plain<T: serde::de::DeserializeOwned>(tree: &str, key: &[u8], raw: &[u8]) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        tree: tree.into(),
        key: String::from_utf8(key.to_vec()).unwrap_or_else(|_| show_key(key)),
        reason,
    };
    let (&format, body) = raw.split_first().ok_or_else(|| corrupt("empty".into()))?;
    if format != 1 {
        return Err(corrupt(CodecError::UnknownFormat(format).to_string()));
    }
    codec::decode_body(body).map_err(|e| corrupt(e.to_string()))
}

/// An unlocked store: records can be read and changes committed. Clones share the database,
/// the keys and the op-log clock (for reading on another thread).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    keys: KeyRing,
    device: DeviceId,
    clock: std::sync::Arc<Mutex<Option<Hlc>>>,
}

impl Store {
    fn new(db: sled::Db, path: PathBuf, keys: KeyRing, device: DeviceId, clock: Option<Hlc>) -> Self {
        Self {
            db,
            path,
            keys,
            device,
            clock: std::sync::Arc::new(Mutex::new(clock)),
        }
    }

    /// A locked handle on the same database, to sign in another operator in this process
    /// (sled allows one open per process).
    pub fn locked(&self) -> LockedStore {
        LockedStore {
            db: self.db.clone(),
            path: self.path.clone(),
        }
    }

    /// This replica's device id.
    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn tree(&self, name: &str) -> Result<Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    pub(crate) fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// A keyed hash for index keys built from personal data (e.g. student numbers).
    pub fn index_hash(&self, purpose: &str, value: &str) -> [u8; 16] {
        self.keys.index_hash(purpose, value)
    }

    /// Opens and decodes a sealed record value.
    pub(crate) fn open_record<T: Record>(&self, key: &[u8], sealed: &[u8]) -> Result<T, StoreError> {
        let tree = T::KIND.tree();
        let corrupt = |reason: String| StoreError::Corrupt {
            tree: tree.into(),
            key: show_key(key),
            reason,
        };
        let plain = self.keys.open(tree, key, sealed).map_err(|e| corrupt(e.to_string()))?;
        T::decode(&plain).map_err(|e| corrupt(e.to_string()))
    }

    /// Seals a record for its tree.
    pub(crate) fn seal_record<T: Record>(&self, record: &T) -> Result<([u8; 16], Vec<u8>), StoreError> {
        let key = record.id().to_be_bytes();
        let tree = T::KIND.tree();
        let sealed = self.seal_value(tree, &key, record.encode())?;
        Ok((key, sealed))
    }

    /// Seals encoded bytes, or says loudly why they could not be.
    fn seal_value(&self, tree: &str, key: &[u8], encoded: Result<Vec<u8>, CodecError>) -> Result<Vec<u8>, StoreError> {
        let failed = |reason: String| StoreError::Encode {
            what: format!("value in `{tree}`"),
            reason,
        };
        let plain = encoded.map_err(|e| failed(e.to_string()))?;
        self.keys.seal(tree, key, &plain).map_err(|e| failed(e.to_string()))
    }

    /// Reads one record.
    pub fn get<T: Record>(&self, id: u128) -> Result<Option<T>, StoreError> {
        let key = id.to_be_bytes();
        match self.tree(T::KIND.tree())?.get(key)? {
            Some(v) => self.open_record(&key, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Every record of a kind, in id (creation time) order. A damaged record is an `Err` item;
    /// the iteration goes on past it.
    pub fn scan<T: Record>(&self) -> Result<impl Iterator<Item = Result<T, StoreError>> + '_, StoreError> {
        let tree = self.tree(T::KIND.tree())?;
        Ok(tree.iter().map(move |item| {
            let (k, v) = item?;
            self.open_record::<T>(&k, &v)
        }))
    }

    /// Every record of a kind, opened on up to `threads` threads, each taking one part of the
    /// id range and folding its records into its own `A` with `each` (the key, and the plain
    /// bytes or the error for a damaged record: the scan goes on past it). The parts come back in id order.
    pub fn scan_parallel<A, F>(&self, kind: EntityKind, threads: usize, each: F) -> Result<Vec<A>, StoreError>
    where
        A: Default + Send,
        F: Fn(&mut A, &[u8], Result<&[u8], StoreError>) + Sync,
    {
        let name = kind.tree();
        let tree = self.tree(name)?;
        let bounds = |e: Option<(sled::IVec, sled::IVec)>| {
            e.and_then(|(k, _)| <[u8; 16]>::try_from(k.as_ref()).ok())
                .map(u128::from_be_bytes)
        };
        let (Some(first), Some(last)) = (bounds(tree.first()?), bounds(tree.last()?)) else {
            return Ok(Vec::new());
        };
        let parts = threads.clamp(1, 16) as u128;
        let step = ((last - first) / parts).max(1);
        let cuts: Vec<u128> = (0..parts)
            .map(|i| first.saturating_add(step.saturating_mul(i)))
            .collect();
        let each = &each;
        let tree = &tree;
        let results: Vec<Result<A, StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = cuts
                .iter()
                .enumerate()
                .map(|(i, lo)| {
                    let lo = lo.to_be_bytes();
                    let hi = cuts.get(i + 1).map(|h| h.to_be_bytes());
                    scope.spawn(move || {
                        let range = match hi {
                            Some(hi) => tree.range(lo..hi),
                            None => tree.range(lo..),
                        };
                        let mut acc = A::default();
                        for item in range {
                            let (k, v) = item?;
                            match self.keys.open(name, &k, &v) {
                                Ok(plain) => each(&mut acc, &k, Ok(&plain)),
                                Err(e) => each(
                                    &mut acc,
                                    &k,
                                    Err(StoreError::Corrupt {
                                        tree: name.into(),
                                        key: show_key(&k),
                                        reason: e.to_string(),
                                    }),
                                ),
                            }
                        }
                        Ok(acc)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(StoreError::Io("a reading thread failed".into())))
                })
                .collect()
        });
        results.into_iter().collect()
    }

    /// How many records of a kind there are (counts by scanning: not for hot paths).
    pub fn count<T: Record>(&self) -> Result<usize, StoreError> {
        Ok(self.tree(T::KIND.tree())?.len())
    }

    /// Whether `password` opens `login`'s key slot (used to unlock after an idle lock).
    pub fn verify_password(&self, login: &str, password: &str) -> Result<bool, StoreError> {
        let slots = self.tree(KEY_SLOTS)?;
        let Some(raw) = slots.get(login.as_bytes())? else {
            return Ok(false);
        };
        let slot: KeySlot = decode_plain(KEY_SLOTS, login.as_bytes(), &raw)?;
        Ok(slot.unwrap_key(password).is_ok())
    }

    /// A key slot wrapping this store's data key for `login` (for a new operator or a new password).
    pub fn make_key_slot(&self, login: &str, password: &str) -> Result<KeySlot, StoreError> {
        KeySlot::wrap(login, password, self.keys.institution(), KdfParams::default())
            .map_err(|e| StoreError::Io(e.to_string()))
    }

    /// The audit log, oldest first.
    pub fn audit_entries(&self) -> Result<impl Iterator<Item = Result<AuditEntry, StoreError>> + '_, StoreError> {
        let tree = self.tree(AUDIT)?;
        Ok(tree.iter().map(move |item| {
            let (k, v) = item?;
            self.open_plain::<AuditEntry>(AUDIT, &k, &v)
        }))
    }

    /// This device's op log after sequence number `after`.
    pub fn ops_after(&self, after: u64) -> Result<impl Iterator<Item = Result<Op, StoreError>> + '_, StoreError> {
        let tree = self.tree(OPLOG)?;
        Ok(tree.range((after + 1).to_be_bytes()..).map(move |item| {
            let (k, v) = item?;
            self.open_plain::<Op>(OPLOG, &k, &v)
        }))
    }

    /// The newest op, if any.
    pub fn last_op(&self) -> Result<Option<Op>, StoreError> {
        match self.tree(OPLOG)?.last()? {
            Some((k, v)) => self.open_plain::<Op>(OPLOG, &k, &v).map(Some),
            None => Ok(None),
        }
    }

    fn open_plain<T: serde::de::DeserializeOwned>(
        &self,
        tree: &str,
        key: &[u8],
        sealed: &[u8],
    ) -> Result<T, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            tree: tree.into(),
            key: show_key(key),
            reason,
        };
        let plain = self.keys.open(tree, key, sealed).map_err(|e| corrupt(e.to_string()))?;
        decode_plain(tree, key, &plain).map_err(|e| match e {
            StoreError::Corrupt { reason, .. } => corrupt(reason),
            other => other,
        })
    }

    pub(crate) fn seal_audit(&self, entry: &AuditEntry) -> Result<([u8; 16], Vec<u8>), StoreError> {
        let key = entry.id.key();
        let sealed = self.seal_value(AUDIT, &key, codec::encode_versioned(AUDIT_FORMAT, entry))?;
        Ok((key, sealed))
    }

    pub(crate) fn seal_op(&self, op: &Op) -> Result<([u8; 8], Vec<u8>), StoreError> {
        let key = op.seq.to_be_bytes();
        let sealed = self.seal_value(OPLOG, &key, codec::encode_versioned(OP_FORMAT, op))?;
        Ok((key, sealed))
    }

    /// Moves failed sign-ins recorded while locked into the sealed audit log.
    fn absorb_pending_sign_ins(&self) -> Result<(), StoreError> {
        let pending = self.tree(AUTH_PENDING)?;
        if pending.is_empty() {
            return Ok(());
        }
        let audit = self.tree(AUDIT)?;
        for item in pending.iter() {
            let (k, login) = item?;
            let Some(id) = AuditId::from_key(&k) else { continue };
            let at_ms = (id.0 >> 80) as i64;
            let entry = AuditEntry {
                id,
                at: DateTime::from_timestamp_millis(at_ms).unwrap_or_default(),
                operator: None,
                login: Some(String::from_utf8_lossy(&login).into_owned()),
                action: AuditAction::SignInRefused,
                subject: None,
                detail: "wrong password or unknown login".into(),
                reason: None,
            };
            let (key, sealed) = self.seal_audit(&entry)?;
            audit.insert(key, sealed)?;
            pending.remove(&k)?;
        }
        self.db.flush()?;
        Ok(())
    }

    /// Writes everything to disk now.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

/// A new store in a temporary directory, unlocked (cheap key derivation), for unit tests.
#[cfg(test)]
pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let fast = KdfParams { m_kib: 64, t: 1, p: 1 };
    // The store `create` returns is already unlocked; reopening it at once could race sled
    // releasing its file lock.
    let store = LockedStore::create(tmp.path(), "admin", "password-1", fast).expect("create");
    (tmp, store)
}
