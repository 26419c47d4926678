//! Store maintenance an administrator runs: checking the store, rebuilding the indexes,
//! compacting. Every change is made in a copy that is checked before it is swapped in, so a
//! failure leaves the store as it was (decision 0010).

use std::path::{Path, PathBuf};

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::store::{beside, disk_size, CheckReport, StoreError, WriteSet};

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

/// What rebuilding the indexes did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndexesRebuilt {
    /// Records read.
    pub records: usize,
    /// Index entries written.
    pub entries: usize,
    /// Records that could not be read: copied as they are, left out of the indexes.
    pub damaged: usize,
    /// Keys copied as they are (records, key slots, meta, audit, op log).
    pub copied: usize,
    /// Where the previous copy of the store is kept.
    pub previous: PathBuf,
}

impl Desk {
    /// Opens every record and index entry and reports each damaged one (administrators).
    /// Writes nothing but its own audit entry, and that only if the store takes it.
    pub fn check_store(&self) -> Result<CheckReport, DeskError> {
        self.require(Permission::MaintainStore)?;
        let report = self.store.check()?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!("store checked: {} damaged item(s)", report.problems.len()),
        ));
        if let Err(e) = self.commit(ws) {
            tracing::warn!("the store check could not be audited: {e}");
        }
        Ok(report)
    }

    /// Rebuilds every index from the records in a copy of the store, checks the copy, and
    /// puts it in the store's place; the previous copy is kept beside it
    /// (`store.before-reindex-TIME`). Records, key slots, meta, the audit log and the op log
    /// are copied as they are. If anything fails the store is left exactly as it was. Ends
    /// this session: the store is closed to swap it. Audited in the new store.
    pub fn rebuild_indexes(self) -> Result<IndexesRebuilt, DeskError> {
        self.require(Permission::MaintainStore)?;
        let path = self.store.path().to_path_buf();
        let staging = beside(&path, "reindexing");
        let previous = beside(&path, &format!("before-reindex-{}", self.now().format("%Y%m%dT%H%M%S")));
        if staging.exists() {
            // A copy left by a run that was stopped: it never replaced the store.
            std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
        }
        let done = self.store.reindex_to(&staging)?;
        {
            // The rebuild's own record goes into the copy that is about to become the store.
            let rebuilt = self.store.reopen_at(&staging)?;
            let mut ws = WriteSet::new();
            ws.audit(self.audit(
                AuditAction::Maintenance,
                None,
                format!(
                    "indexes rebuilt in a copy: {} records, {} entries, {} damaged records left out; \
                     the previous store is kept at {}",
                    done.records,
                    done.entries,
                    done.damaged,
                    previous.display()
                ),
            ));
            rebuilt.commit(self.operator.id, ws, self.now())?;
        }
        drop(self);
        swap_in(&path, &staging, &previous)?;
        Ok(IndexesRebuilt {
            records: done.records,
            entries: done.entries,
            damaged: done.damaged,
            copied: done.copied,
            previous,
        })
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
        swap_in(&path, &staging, &previous)?;
        Ok(Compacted {
            keys: copied.keys,
            bytes_before,
            bytes_after: disk_size(&path),
            previous,
        })
    }
}

/// Moves `path` to `previous` and `staging` to `path`; if the second move fails the first is
/// undone, so the store is where it was.
pub(super) fn swap_in(path: &Path, staging: &Path, previous: &Path) -> Result<(), DeskError> {
    if path.exists() {
        std::fs::rename(path, previous).map_err(|e| io(path, e))?;
    }
    if let Err(e) = std::fs::rename(staging, path) {
        let _ = std::fs::rename(previous, path);
        return Err(io(staging, e));
    }
    Ok(())
}

pub(super) fn io(path: &Path, e: std::io::Error) -> DeskError {
    StoreError::Open {
        path: path.to_path_buf(),
        reason: format!("{e}; the store itself is unchanged"),
    }
    .into()
}
