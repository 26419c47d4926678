//! The encrypted sled store: one tree per record kind, sealed values, key slots, the audit
//! tree and the op log.
//!
//! A store on disk is first a [`LockedStore`]: nothing in it can be read until an operator's
//! password unwraps the data key ([`LockedStore::unlock`]), which gives a [`Store`].

mod apply;
pub mod audit_chain;
mod backup;
mod check;
pub mod codec;
mod compact;
pub mod crypto;
mod erasure;
mod error;
mod field_clocks;
pub mod files;
mod gate;
mod group;
pub mod guard;
mod history;
pub mod index;
mod join;
mod locked;
mod op_formats;
mod oplog;
mod refused;
mod reindex;
pub mod relay;
mod reseal;
mod roster;
mod sealed_ops;
pub mod signing;
pub mod subject_keys;
mod sync_log;
mod txn;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sled::Tree;

use crate::domain::audit::AuditEntry;
use crate::domain::change::{Hlc, Op};
use crate::domain::ids::{DeviceId, OperatorId};
use crate::domain::EntityKind;
use codec::{CodecError, Record};
use crypto::{KdfParams, KeyRef, KeyRing, KeySlot, SealError};
use subject_keys::SubjectKeys;

pub use apply::{Applied, Conflict, ConflictReason, Retried};
pub use backup::{BackupCopy, HoldCommits, BACKUP_STORE_DIR};
pub use check::{CheckReport, Finding, Problem, Recovery};
pub use compact::{disk_size, Copied};
pub use erasure::{destroy_keys_in_copy, StoredValue};
pub use error::StoreError;
pub use files::StoreState;
pub use locked::LockedStore;
pub use refused::{recordable_login, MAX_RECORDED_LOGIN_CHARS};
pub use reindex::Reindexed;
pub use reseal::Resealed;
pub use sync_log::{Replicas, SyncPosition, TakenOps};
pub use txn::{BulkWriter, Committed, Version, WriteSet};

/// Told how long work is getting on: what it is doing, how many done of how many.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// A [`Progress`] that tells nobody.
pub fn no_progress(_: &str, _: u64, _: u64) {}

/// Index entries as (key, value) pairs.
pub type KeyValues = Vec<(Vec<u8>, Vec<u8>)>;

/// The store layout version this build writes. Format 1 had one sled key per index entry;
/// format 2 groups them (see [`group`]); format 3 adds the event indexes (by start, by length,
/// bookings by event). A format-1 or format-2 store is re-indexed at its first unlock.
pub const STORE_FORMAT: u8 = 3;

pub(crate) const META: &str = "meta";
pub(crate) const KEY_SLOTS: &str = "key_slots";
pub(crate) const AUDIT: &str = "audit";
pub(crate) const OPLOG: &str = "oplog";
/// The meta key holding the version of the policy from the sync server in force here.
const POLICY_VERSION: &[u8] = b"policy_version";
/// The meta key counting bulk loads.
const BULK_LOADS: &[u8] = b"bulk_loads";
/// The clock after the newest op of another desk merged here (see [`Store::restore_clock`]).
pub(crate) const CLOCK_SEEN: &[u8] = b"clock_seen";
const AUDIT_FORMAT: u8 = 1;
/// Settings the service layer keeps in `meta`, sealed, each under this prefix and its name.
const SETTING_PREFIX: &[u8] = b"setting/";

/// Shows a key as a record id when it is one, else as hex.
pub(crate) fn show_key(key: &[u8]) -> String {
    match <[u8; 16]>::try_from(key) {
        Ok(b) => ulid::Ulid(u128::from_be_bytes(b)).to_string(),
        Err(_) => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// `store` -> `store.SUFFIX`, beside it.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

/// Opens the sled database in `path`. sled's panics on damaged files (see [`guard`]) and its
/// corruption errors become [`StoreError::Damaged`], naming the file and what to do.
pub(crate) fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(path)
        // A small page cache keeps a 200k-client store within its memory budget.
        .cache_capacity(16 * 1024 * 1024)
        .flush_every_ms(Some(1000));
    let damaged = |problem: String| {
        // The files that can be checked without sled were checked before; name one of them if
        // it is the culprit, else the log itself.
        match files::state(path) {
            StoreState::Damaged(d) => d.at(path),
            _ => files::Damage {
                file: "`db`".into(),
                problem,
                recovery: error::RESTORE_STEPS.into(),
            }
            .at(path),
        }
    };
    // A store this process has just closed may hold its file lock a moment longer: sled frees
    // some of its state on a later pass of its memory reclamation. Wait a little before saying
    // someone else has it.
    let mut waits = 0;
    loop {
        match guard::quietly(|| config.open()) {
            Ok(Ok(db)) => return Ok(db),
            Ok(Err(sled::Error::Corruption { .. })) => {
                return Err(damaged("could not be read: it is damaged or cut short".into()))
            }
            Ok(Err(e)) => {
                let text = e.to_string();
                let locked = text.contains("lock");
                if locked && waits < 20 {
                    waits += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    continue;
                }
                if locked {
                    return Err(StoreError::Open {
                        path: path.to_path_buf(),
                        reason: "another careerdesk process is using it; close that one first".into(),
                    });
                }
                return Err(StoreError::from(e));
            }
            Err(_panic) => {
                return Err(damaged(
                    "could not be read: it is damaged or cut short (the storage engine stopped on it)".into(),
                ))
            }
        }
    }
}

pub(crate) fn decode_plain<T: serde::de::DeserializeOwned>(
    tree: &str,
    key: &[u8],
    raw: &[u8],
) -> Result<T, StoreError> {
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
/// the keys, the op-log clock and the commit gate (for reading on another thread).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    keys: KeyRing,
    /// Each client's own data key (crypto-erasure), shared by every handle on this database.
    subjects: Arc<SubjectKeys>,
    device: DeviceId,
    clock: Arc<Mutex<Option<Hlc>>>,
    /// Held shared by every write ([`Store::commit`], bulk loads) and exclusively by a backup
    /// while it copies, so a backup never holds half a commit. Shared by every handle this
    /// process opened on one database ([`Store::locked`] passes it on).
    gate: Arc<gate::Gate>,
    /// The signed-in operator's signing key, and whose ops it signs (decision 0022).
    signer: Option<(Arc<signing::OpSigner>, OperatorId)>,
    /// The key the last unlock's password gave, until the desk names its operator.
    unlocked_with: Option<Arc<signing::OpSigner>>,
}

/// While this lives no commit can start on the store it came from (see [`Store::hold_commits`]).
pub type CommitsHeld<'a> = gate::Shut<'a>;

impl Store {
    fn new(
        db: sled::Db,
        path: PathBuf,
        keys: KeyRing,
        subjects: Arc<SubjectKeys>,
        device: DeviceId,
        gate: Arc<gate::Gate>,
    ) -> Self {
        Self {
            db,
            path,
            keys,
            subjects,
            device,
            clock: Arc::new(Mutex::new(None)),
            gate,
            signer: None,
            unlocked_with: None,
        }
    }

    /// Signs every op committed from now on by `operator` with the key this store was
    /// unlocked (or created) with: the desk calls it once it has found who signed in.
    pub fn sign_as(&mut self, operator: OperatorId) {
        self.signer = self.unlocked_with.clone().map(|s| (s, operator));
    }

    /// The public key ops are signed with here, if any.
    pub fn signing_key(&self) -> Option<crate::domain::roster::PublicKey> {
        self.signer.as_ref().map(|(s, _)| s.public())
    }

    /// The signer of ops made by `operator`, if this store signs them.
    pub(crate) fn signer_for(&self, operator: OperatorId) -> Option<&signing::OpSigner> {
        self.signer
            .as_ref()
            .filter(|(_, o)| *o == operator)
            .map(|(s, _)| s.as_ref())
    }

    fn with_unlock_key(mut self, seed: &crypto::SigningSeed) -> Result<Self, StoreError> {
        self.unlocked_with = Some(Arc::new(signing::OpSigner::from_seed(seed)?));
        Ok(self)
    }

    /// Sets the op-log clock from the newest op, or the newest clock of another desk's op
    /// merged here if later, so the next commit's clock is after both.
    fn restore_clock(&self) -> Result<(), StoreError> {
        let last = self.last_op()?.map(|op| op.hlc);
        let seen = match self.tree(META)?.get(CLOCK_SEEN)? {
            Some(raw) => Some(decode_plain::<Hlc>(META, CLOCK_SEEN, &raw)?),
            None => None,
        };
        *self.clock.lock().unwrap_or_else(|p| p.into_inner()) = last.max(seen);
        Ok(())
    }

    /// A locked handle on the same database, to sign in another operator in this process
    /// (sled allows one open per process).
    pub fn locked(&self) -> LockedStore {
        LockedStore::from_parts(
            self.db.clone(),
            self.path.clone(),
            self.gate.clone(),
            self.subjects.clone(),
        )
    }

    /// This store's keys on another database (a copy this store made), to finish the copy
    /// before it is put in the store's place.
    pub fn reopen_at(&self, path: &Path) -> Result<Store, StoreError> {
        let db = open_db(path)?;
        let subjects = Arc::new(SubjectKeys::open(path)?);
        let store = Store::new(
            db,
            path.to_path_buf(),
            self.keys.clone(),
            subjects,
            self.device,
            Arc::default(),
        );
        store.restore_clock()?;
        Ok(store)
    }

    /// Waits for commits in progress to finish and keeps new ones from starting until the
    /// result is dropped: every handle on this database in this process waits.
    pub fn hold_commits(&self) -> CommitsHeld<'_> {
        self.gate.shut()
    }

    /// Lets a write through the gate (held shared; see [`Store::hold_commits`]).
    pub(crate) fn open_gate(&self) -> gate::Passing<'_> {
        self.gate.pass()
    }

    /// A setting the service layer keeps with the store (sealed), by name.
    pub fn setting(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = [SETTING_PREFIX, name.as_bytes()].concat();
        match self.tree(META)?.get(&key)? {
            Some(sealed) => match self.open_sealed(META, &key, &sealed) {
                Ok(v) => Ok(Some(v)),
                // Its key was destroyed by an erasure: the saved copy is gone.
                Err(SealError::UnknownKey) => Ok(None),
                Err(e) => Err(e),
            }
            .map_err(|e| StoreError::Corrupt {
                tree: META.into(),
                key: format!("setting {name}"),
                reason: e.to_string(),
            }),
            None => Ok(None),
        }
    }

    /// Stores (`Some`) or removes (`None`) a setting, durably.
    pub fn set_setting(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let key = [SETTING_PREFIX, name.as_bytes()].concat();
        let _open = self.open_gate();
        let meta = self.tree(META)?;
        match value {
            Some(v) => meta.insert(&key, self.seal_value(META, &key, Ok(v.to_vec()))?)?,
            None => meta.remove(&key)?,
        };
        self.db.flush()?;
        Ok(())
    }

    /// Tells this store's institution key from another's, revealing nothing of it.
    pub fn institution_check(&self) -> [u8; 32] {
        self.keys.institution_check()
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
        let plain = self
            .open_sealed(tree, key, sealed)
            .map_err(|e| corrupt(e.to_string()))?;
        T::decode(&plain).map_err(|e| corrupt(e.to_string()))
    }

    /// Opens a sealed value with whichever key its envelope names: the institution key, or a
    /// subject key ([`SealError::UnknownKey`] once that key is destroyed).
    pub(crate) fn open_sealed(&self, tree: &str, key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        match KeyRef::of(sealed)?.0 {
            KeyRef::Institution => self.keys.open(tree, key, sealed),
            KeyRef::Subject { id, generation } => match self.subjects.key(&self.keys, id, generation) {
                Ok(Some(k)) => k.open(tree, key, sealed),
                Ok(None) => Err(SealError::UnknownKey),
                Err(_) => Err(SealError::Malformed("the subject key file could not be read")),
            },
        }
    }

    /// Seals a record for its tree: a client's records with that client's own key.
    pub(crate) fn seal_record<T: Record>(&self, record: &T) -> Result<([u8; 16], Vec<u8>), StoreError> {
        let key = record.id().to_be_bytes();
        let tree = T::KIND.tree();
        let sealed = self.seal_for(record.subject(), tree, &key, record.encode())?;
        Ok((key, sealed))
    }

    /// Seals encoded bytes with a subject's key (made now if it has none), or the institution
    /// key for `None`.
    pub(crate) fn seal_for(
        &self,
        subject: Option<u128>,
        tree: &str,
        key: &[u8],
        encoded: Result<Vec<u8>, CodecError>,
    ) -> Result<Vec<u8>, StoreError> {
        // Id 0 names no client (it marks a free slot in the key file).
        let Some(id) = subject.filter(|&id| id != 0) else {
            return self.seal_value(tree, key, encoded);
        };
        let failed = |reason: String| StoreError::Encode {
            what: format!("value in `{tree}`"),
            reason,
        };
        let plain = encoded.map_err(|e| failed(e.to_string()))?;
        let sealing = self.subjects.sealing_key(&self.keys, id)?;
        sealing.seal(tree, key, &plain).map_err(|e| failed(e.to_string()))
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
                            match self.open_sealed(name, &k, &v) {
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
            self.open_op(&k, &v)
        }))
    }

    /// The sequence number of this store's newest op (0 before any): cheap, read from meta.
    pub fn op_seq(&self) -> Result<u64, StoreError> {
        self.meta_counter(b"device_seq")
    }

    /// The version of the institution's policy from the sync server in force on this desk (0:
    /// its own policy file); each op records it.
    pub fn policy_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .tree(META)?
            .get(POLICY_VERSION)?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map_or(0, u32::from_be_bytes))
    }

    /// Records the policy version now in force (after its file was written).
    pub fn set_policy_version(&self, version: u32) -> Result<(), StoreError> {
        let _open = self.open_gate();
        self.tree(META)?.insert(POLICY_VERSION, &version.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// How many bulk loads (writes outside the op log, such as demo data) this store has had.
    pub fn bulk_loads(&self) -> Result<u64, StoreError> {
        self.meta_counter(BULK_LOADS)
    }

    pub(crate) fn count_bulk_load(&self) -> Result<(), StoreError> {
        let meta = self.tree(META)?;
        let next = self.meta_counter(BULK_LOADS)?.saturating_add(1);
        meta.insert(BULK_LOADS, &next.to_be_bytes())?;
        Ok(())
    }

    fn meta_counter(&self, key: &[u8]) -> Result<u64, StoreError> {
        Ok(self
            .tree(META)?
            .get(key)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// The newest op, if any.
    pub fn last_op(&self) -> Result<Option<Op>, StoreError> {
        match self.tree(OPLOG)?.last()? {
            Some((k, v)) => self.open_op(&k, &v).map(Some),
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
        let plain = self.open_sealed(tree, key, sealed).map_err(|e| match e {
            SealError::UnknownKey => StoreError::Erased {
                tree: tree.into(),
                key: show_key(key),
            },
            e => corrupt(e.to_string()),
        })?;
        decode_plain(tree, key, &plain).map_err(|e| match e {
            StoreError::Corrupt { reason, .. } => corrupt(reason),
            other => other,
        })
    }

    /// Seals an audit entry, with a client's key when it is about that client.
    pub(crate) fn seal_audit(
        &self,
        entry: &AuditEntry,
        subject: Option<u128>,
    ) -> Result<([u8; 16], Vec<u8>), StoreError> {
        let key = entry.id.key();
        let sealed = self.seal_for(subject, AUDIT, &key, codec::encode_versioned(AUDIT_FORMAT, entry))?;
        Ok((key, sealed))
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
