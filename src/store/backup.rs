//! Backups: a consistent copy of a live store, and a restored store's new identity.
//!
//! sled has no snapshot that spans trees, so a copy made while commits go on could hold half
//! of one (a record without its index entry, an op without its record). Every write in this
//! process passes the store's commit gate (see [`super::gate`]). A backup copies with the gate
//! open and keeps the copy only if no write started meanwhile; after a few spoiled tries it
//! shuts the gate (commits from every handle in this process wait, see
//! [`Store::hold_commits`]) and copies once more. How long commits waited is reported. The copy
//! is read back from disk afterwards and must give the same checksum.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::compact::{copy_tree, digest_db, stopped, Digest};
use super::{guard, open_db, Store, StoreError, META};
use crate::domain::ids::DeviceId;

/// The folder inside a backup that holds the copied store.
pub const BACKUP_STORE_DIR: &str = "store";

/// What copying a store for a backup did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupCopy {
    /// Trees copied.
    pub trees: usize,
    /// Keys copied.
    pub keys: usize,
    /// BLAKE3 checksum over every tree, key and value, in order.
    pub checksum: String,
    /// How long commits were held back while the copy was made (zero when none came along).
    #[serde(serialize_with = "millis")]
    pub gate_held: Duration,
    /// How long the whole copy took, reading it back included.
    #[serde(serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Whether a backup may make commits wait when the store keeps changing under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldCommits {
    /// After a few spoiled copies, hold commits for one more (a backup asked for by hand).
    WhenBusy,
    /// Never: give up with [`StoreError::Busy`] (the desk screen's automatic backup, which must
    /// not keep a booking waiting at the counter; it tries again within the hour).
    Never,
}

impl Store {
    /// Copies every tree into a new database at `dest` (which must not exist), one state of
    /// the store with no commit half in it, then reads the copy back and checks its checksum. On failure the partial copy is
    /// removed; this store is only read.
    pub fn backup_to(&self, dest: &Path, hold: HoldCommits) -> Result<BackupCopy, StoreError> {
        if dest.exists() {
            return Err(StoreError::Open {
                path: dest.to_path_buf(),
                reason: "it already exists; choose another place for the backup".into(),
            });
        }
        let result = guard::quietly(|| self.backup_into(dest, hold)).unwrap_or_else(|_| Err(stopped()));
        if result.is_err() {
            let _ = std::fs::remove_dir_all(dest);
        }
        result
    }

    fn backup_into(&self, dest: &Path, hold: HoldCommits) -> Result<BackupCopy, StoreError> {
        /// Copies tried while commits go on before the gate is shut for one.
        const TRIES_OPEN: usize = 3;
        let started = Instant::now();
        let mut copied = None;
        for _ in 0..TRIES_OPEN {
            let Some(mark) = self.gate.mark() else {
                // A commit is landing; it takes milliseconds.
                std::thread::sleep(std::time::Duration::from_millis(20));
                continue;
            };
            let attempt = self.copy_all(dest)?;
            if self.gate.quiet_since(mark) {
                copied = Some((attempt, Duration::ZERO));
                break;
            }
            // Something was committed while copying: this copy may hold half of it.
            std::fs::remove_dir_all(dest).map_err(|e| StoreError::Io(format!("{}: {e}", dest.display())))?;
        }
        let ((checksum, keys, trees), held) = match copied {
            Some(done) => done,
            None if hold == HoldCommits::Never => return Err(StoreError::Busy),
            None => {
                let _shut = self.hold_commits();
                let since = Instant::now();
                let attempt = self.copy_all(dest)?;
                (attempt, since.elapsed())
            }
        };
        let (again, keys_again) = digest_db(&open_db(dest)?)?;
        if again != checksum || keys_again != keys {
            return Err(StoreError::Io(format!(
                "the backup at {} does not read back as written; it was removed",
                dest.display()
            )));
        }
        Ok(BackupCopy {
            trees,
            keys,
            checksum,
            gate_held: held,
            took: started.elapsed(),
        })
    }

    /// Copies every tree into a new database at `dest`: its checksum, keys and trees.
    fn copy_all(&self, dest: &Path) -> Result<(String, usize, usize), StoreError> {
        let copy = open_db(dest)?;
        let mut names = self.db.tree_names();
        names.sort();
        let mut digest = Digest::new();
        let mut keys = 0;
        for name in &names {
            keys += copy_tree(&self.db.open_tree(name)?, &copy.open_tree(name)?, Some(&mut digest))?;
        }
        copy.flush()?;
        self.subjects.copy_into(dest)?;
        Ok((digest.finish(), keys, names.len()))
    }

    /// The checksum of everything in this store (to compare a restored copy with its backup).
    pub fn checksum(&self) -> Result<(String, usize), StoreError> {
        guard::quietly(|| digest_db(&self.db)).unwrap_or_else(|_| Err(stopped()))
    }

    /// Gives this store (a restored backup) a new device id, so its op log never reuses the
    /// old device's sequence numbers; the old id, when and after which sequence number are
    /// kept in `meta`. Returns the store under its new id and the old id.
    pub fn take_new_device(self, now: DateTime<Utc>) -> Result<(Store, DeviceId), StoreError> {
        let old = self.device;
        let new = DeviceId::new_at(now.timestamp_millis().max(0) as u64);
        let meta = self.tree(META)?;
        let seq = meta
            .get(b"device_seq")?
            .map(|v| v.to_vec())
            .unwrap_or_else(|| vec![0; 8]);
        {
            let _open = self.open_gate();
            meta.transaction(|tx| {
                tx.insert(&b"device_id"[..], &new.key()[..])?;
                tx.insert(&b"restored_from_device"[..], &old.key()[..])?;
                tx.insert(&b"restored_after_seq"[..], seq.as_slice())?;
                tx.insert(&b"restored_at"[..], &now.timestamp_millis().to_be_bytes()[..])?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Storage(e) => StoreError::from(e),
                sled::transaction::TransactionError::Abort(()) => {
                    StoreError::Io("the new device id was not stored".into())
                }
            })?;
        }
        self.db.flush()?;
        let store = Store::new(
            self.db.clone(),
            self.path.clone(),
            self.keys.clone(),
            self.subjects.clone(),
            new,
            self.gate.clone(),
        );
        store.restore_clock()?;
        Ok((store, old))
    }
}
