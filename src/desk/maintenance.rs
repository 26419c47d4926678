//! Store maintenance an administrator runs: rebuilding the indexes, compacting the store.

use std::path::{Path, PathBuf};

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::store::{disk_size, Reindexed, StoreError, WriteSet};

/// What compacting the store did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Compacted {
    /// Keys copied.
    pub keys: usize,
    /// Bytes on disk before.
    pub bytes_before: u64,
    /// Bytes on disk after.
    pub bytes_after: u64,
    /// Where the previous copy is kept.
    pub previous: PathBuf,
}

/// `store` -> `store.SUFFIX`, beside it.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

impl Desk {
    /// Rebuilds every index from the records (a repair after an index is reported damaged).
    /// Records are only read. Audited.
    pub fn rebuild_indexes(&self) -> Result<Reindexed, DeskError> {
        self.require(Permission::MaintainStore)?;
        let done = self.store.rebuild_indexes()?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "indexes rebuilt: {} records, {} entries, {} damaged records left out",
                done.records, done.entries, done.damaged
            ),
        ));
        self.commit(ws)?;
        Ok(done)
    }

    /// Copies the store into a fresh database, checks the copy, and puts it in the store's
    /// place; the previous copy is kept beside it (`store.before-compact-TIME`) for the
    /// administrator to delete. Ends this session: the store is closed to swap it. Audited
    /// before the copy is made, so the entry is in both.
    pub fn compact_store(self) -> Result<Compacted, DeskError> {
        self.require(Permission::MaintainStore)?;
        let path = self.store.path().to_path_buf();
        let staging = beside(&path, "compacting");
        let previous = beside(&path, &format!("before-compact-{}", self.now().format("%Y%m%dT%H%M%S")));
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "compacting the store; the previous copy is kept at {}",
                previous.display()
            ),
        ));
        self.commit(ws)?;
        if staging.exists() {
            // A copy left by a run that was stopped: it never replaced the store.
            std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
        }
        let bytes_before = disk_size(&path);
        let copied = self.store.copy_to(&staging)?;
        // Close the database before moving it.
        drop(self);
        std::fs::rename(&path, &previous).map_err(|e| io(&path, e))?;
        if let Err(e) = std::fs::rename(&staging, &path) {
            let _ = std::fs::rename(&previous, &path);
            return Err(io(&staging, e));
        }
        Ok(Compacted {
            keys: copied.keys,
            bytes_before,
            bytes_after: disk_size(&path),
            previous,
        })
    }
}

fn io(path: &Path, e: std::io::Error) -> DeskError {
    StoreError::Open {
        path: path.to_path_buf(),
        reason: format!("{e}; the store itself is unchanged"),
    }
    .into()
}
