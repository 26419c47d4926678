//! A store on disk before an operator's password has unwrapped its data key: opening (with
//! damaged files named, never taken for "no store"), creating (never over existing data) and
//! unlocking (with the migration of an older format done in a copy).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::crypto::{DataKey, KdfParams, KeyRing, KeySlot, SealError, SigningSeed};
use super::files::{self, StoreState};
use super::gate::Gate;
use super::subject_keys::SubjectKeys;
use super::{codec, decode_plain, open_db, refused, Store, StoreError, KEY_SLOTS, META, STORE_FORMAT};
use crate::domain::ids::DeviceId;
use crate::domain::sign_in::Refusal;

/// A store on disk whose data key has not been unwrapped yet.
pub struct LockedStore {
    /// Behind a lock so a format migration can put the migrated database in its place.
    db: Mutex<sled::Db>,
    path: PathBuf,
    gate: Arc<Gate>,
    /// Behind a lock for the same reason: the migrated copy has its own key file.
    subjects: Mutex<Arc<SubjectKeys>>,
}

impl LockedStore {
    pub(super) fn from_parts(db: sled::Db, path: PathBuf, gate: Arc<Gate>, subjects: Arc<SubjectKeys>) -> Self {
        Self {
            db: Mutex::new(db),
            path,
            gate,
            subjects: Mutex::new(subjects),
        }
    }

    fn subjects(&self) -> Arc<SubjectKeys> {
        self.subjects.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn db(&self) -> MutexGuard<'_, sled::Db> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens an existing store (directory `path`). A missing or damaged file is reported as
    /// damage, naming the file and what to do; only an absent or empty folder is "no store".
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        match files::state(path) {
            StoreState::Absent => {
                return Err(StoreError::NotInitialised {
                    path: path.to_path_buf(),
                })
            }
            StoreState::Damaged(d) => return Err(d.at(path)),
            StoreState::Present => {}
        }
        files::restrict(path);
        let db = open_db(path)?;
        let meta = db.open_tree(META)?;
        if meta.get(b"format")?.is_none() {
            return Err(files::Damage {
                file: "`db`".into(),
                problem: "holds no careerdesk store layout (its `meta` tree has no format)".into(),
                recovery: super::error::RESTORE_STEPS.into(),
            }
            .at(path));
        }
        let subjects = Arc::new(SubjectKeys::open(path)?);
        Ok(Self::from_parts(db, path.to_path_buf(), Arc::default(), subjects))
    }

    /// A checksum over every tree, key and value (to compare a copy with its backup's manifest).
    pub fn checksum(&self) -> Result<(String, usize), StoreError> {
        let db = self.db().clone();
        super::guard::quietly(|| super::compact::digest_db(&db)).unwrap_or_else(|_| Err(super::compact::stopped()))
    }

    /// What the folder at `path` holds: nothing, a store, or a damaged store.
    pub fn state(path: &Path) -> StoreState {
        files::state(path)
    }

    /// Whether there is a store at `path`, whole or damaged: a damaged one is reported when
    /// it is opened (the desk screen then shows sign-in, whose error names the damage).
    pub fn exists(path: &Path) -> bool {
        files::state(path) != StoreState::Absent
    }

    /// Creates a new store with a fresh data key and the first operator's key slot. Refused
    /// when the folder holds anything at all: a store is never created over existing data.
    pub fn create(path: &Path, login: &str, password: &str, kdf: KdfParams) -> Result<Store, StoreError> {
        match files::state(path) {
            StoreState::Absent => {}
            StoreState::Present => {
                return Err(StoreError::AlreadyInitialised {
                    path: path.to_path_buf(),
                    found: "a careerdesk store".into(),
                })
            }
            StoreState::Damaged(d) => {
                return Err(StoreError::AlreadyInitialised {
                    path: path.to_path_buf(),
                    found: format!("a damaged store: {} {}; {}", d.file, d.problem, d.recovery),
                })
            }
        }
        std::fs::create_dir_all(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        files::restrict(path);
        let db = open_db(path)?;
        let key = DataKey::generate();
        let (slot, seed) =
            KeySlot::wrap_signing(login, password, &key, kdf).map_err(|e| StoreError::Io(e.to_string()))?;
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
        let keys = KeyRing::new(key);
        refused::ensure_key_pair(&db, &keys)?;
        db.flush()?;
        let subjects = Arc::new(SubjectKeys::open(path)?);
        let store =
            Store::new(db, path.to_path_buf(), keys, subjects, device, Arc::default()).with_unlock_key(&seed)?;
        files::restrict(path);
        Ok(store)
    }

    /// Unwraps the data key with `login`'s password. A refusal is recorded for the audit log,
    /// the login sealed so that only an unlocked store can read it.
    pub fn unlock(&self, login: &str, password: &str, now: DateTime<Utc>) -> Result<Store, StoreError> {
        self.unlock_reporting(login, password, now, &super::no_progress)
    }

    /// [`LockedStore::unlock`], telling `progress` how a format migration is getting on (it
    /// rebuilds every index: minutes on a large store).
    pub fn unlock_reporting(
        &self,
        login: &str,
        password: &str,
        now: DateTime<Utc>,
        progress: super::Progress<'_>,
    ) -> Result<Store, StoreError> {
        let db = self.db().clone();
        let (key, seed) = match unwrap_slot(&db, login, password) {
            Ok(k) => k,
            Err(e) => {
                if matches!(e, StoreError::BadCredentials) {
                    refused::record(&db, &self.gate, login, Refusal::WrongPassword, now)?;
                    refused::count_failure(&db, &self.gate, login, now)?;
                }
                return Err(e);
            }
        };
        refused::clear_failures(&db, &self.gate, login)?;
        let meta = db.open_tree(META)?;
        let device = meta
            .get(b"device_id")?
            .and_then(|v| DeviceId::from_key(&v))
            .ok_or_else(|| StoreError::Corrupt {
                tree: META.into(),
                key: "device_id".into(),
                reason: "missing".into(),
            })?;
        let keys = KeyRing::new(key);
        let store = match meta.get(b"format")?.as_deref() {
            Some([STORE_FORMAT]) => Store::new(db, self.path.clone(), keys, self.subjects(), device, self.gate.clone()),
            Some([1 | 2]) => self.migrate(db, keys, device, progress)?,
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
        };
        let store = store.with_unlock_key(&seed)?;
        store.restore_clock()?;
        refused::ensure_key_pair(&store.db, store.keys())?;
        store.chain_unlinked_audit()?;
        store.absorb_refused_sign_ins()?;
        store.finish_pending_erasures()?;
        Ok(store)
    }

    /// The wrong passwords counted for `login` since its last sign-in, readable before any
    /// key is known (SEC-01: the lock is decided before the password is tried).
    pub fn sign_in_failures(&self, login: &str) -> Result<Vec<DateTime<Utc>>, StoreError> {
        refused::failures(&self.db(), login)
    }

    /// Records a try refused before its password was tried (the account locked, or too soon),
    /// sealed like a wrong password for the audit log; it is not counted as a wrong password.
    pub fn record_refusal(&self, login: &str, cause: Refusal, now: DateTime<Utc>) -> Result<(), StoreError> {
        refused::record(&self.db(), &self.gate, login, cause, now)
    }

    /// An older format to this build's: the indexes are rebuilt in a copy (`store.migrating`),
    /// checked, and the copy put in the store's place; the older store is kept beside it
    /// (`store.before-format-3-TIME`). If anything fails the store is left as it was.
    fn migrate(
        &self,
        db: sled::Db,
        keys: KeyRing,
        device: DeviceId,
        progress: super::Progress<'_>,
    ) -> Result<Store, StoreError> {
        tracing::info!("older store format: rebuilding the indexes in format {STORE_FORMAT}, in a copy");
        let staging = super::beside(&self.path, "migrating");
        let kept = super::beside(
            &self.path,
            &format!("before-format-{STORE_FORMAT}-{}", Utc::now().format("%Y%m%dT%H%M%S")),
        );
        let old = Store::new(
            db,
            self.path.clone(),
            keys.clone(),
            self.subjects(),
            device,
            self.gate.clone(),
        );
        let done = old.reindex_reporting(&staging, progress)?;
        tracing::info!(?done, "indexes rebuilt in the copy");
        drop(old);
        let mut slot = self.db();
        if let Err(e) = std::fs::rename(&self.path, &kept) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(StoreError::Open {
                path: self.path.clone(),
                reason: format!("could not move it aside to migrate it ({e}); it is unchanged"),
            });
        }
        if let Err(e) = std::fs::rename(&staging, &self.path) {
            let _ = std::fs::rename(&kept, &self.path);
            return Err(StoreError::Open {
                path: self.path.clone(),
                reason: format!("could not put the migrated copy in place ({e}); the store is unchanged"),
            });
        }
        let migrated = open_db(&self.path)?;
        *slot = migrated.clone();
        drop(slot);
        let subjects = Arc::new(SubjectKeys::open(&self.path)?);
        *self.subjects.lock().unwrap_or_else(|p| p.into_inner()) = subjects.clone();
        tracing::info!("store migrated; the older store is kept at {}", kept.display());
        Ok(Store::new(
            migrated,
            self.path.clone(),
            keys,
            subjects,
            device,
            self.gate.clone(),
        ))
    }
}

fn unwrap_slot(db: &sled::Db, login: &str, password: &str) -> Result<(DataKey, SigningSeed), StoreError> {
    let slots = db.open_tree(KEY_SLOTS)?;
    let Some(raw) = slots.get(login.as_bytes())? else {
        return Err(StoreError::BadCredentials);
    };
    let slot: KeySlot = decode_plain(KEY_SLOTS, login.as_bytes(), &raw)?;
    slot.unwrap_signing(password).map_err(|e| match e {
        SealError::Decrypt => StoreError::BadCredentials,
        other => StoreError::Corrupt {
            tree: KEY_SLOTS.into(),
            key: login.into(),
            reason: other.to_string(),
        },
    })
}
