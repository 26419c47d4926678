//! Store maintenance an administrator runs: checking the store, rebuilding the indexes,
//! compacting. Every change is made in a copy that is checked before it is swapped in, so a
//! failure leaves the store as it was (decision 0010).

use std::path::{Path, PathBuf};

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::validate::StudentNumber;
use crate::store::{beside, disk_size, no_progress, CheckReport, Resealed, StoreError, WriteSet};

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

impl Desk {
    /// On a desk that syncs, refuses to `what` (seal op-log entries again) while the server
    /// lacks any of this desk's ops: a copy of this store made before (a backup restored
    /// elsewhere) would push them as they were made and this desk as sealed again, and the
    /// server takes one history of each replica, refusing the other (decision 0020).
    fn refuse_resealing_unpushed(&self, what: &str) -> Result<(), DeskError> {
        let unpushed = self.store.unpushed_ops()?;
        if unpushed > 0 && self.sync_enrolled_here()? {
            return Err(DeskError::Invalid(format!(
                "this desk has {unpushed} change(s) the sync server does not hold yet; sync first \
                 (`careerdesk sync`), then {what}: the server must hold each change as it was made \
                 before this desk seals it again"
            )));
        }
        Ok(())
    }

    /// Re-seals, under each client's own key, the records, op-log entries and audit entries
    /// about them still sealed with the institution key (written before per-client keys), so
    /// that erasing the client makes them unreadable too (administrators; DATA-05). In place,
    /// in batches, with commits held; doing it again finds nothing to do. Audited with counts.
    pub fn reseal_store(&self) -> Result<Resealed, DeskError> {
        self.require(Permission::MaintainStore)?;
        self.refuse_resealing_unpushed("re-seal the store")?;
        let done = self.store.reseal_for_clients(&no_progress)?;
        let mut ws = WriteSet::new();
        ws.audit_kept(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "re-sealed under clients' own keys: {} records, {} op-log entries, {} audit entries \
                 ({} chain links recomputed) of {} clients; {} records of no client, {} op-log and audit entries \
                 no history places with a client and {} unreadable values left",
                done.records,
                done.ops,
                done.audit,
                done.links,
                done.clients,
                done.no_client,
                done.unplaced,
                done.damaged
            ),
        ));
        self.commit(ws)?;
        Ok(done)
    }

    /// Rotates client keys, one client's (`Some`) or every client's: a new key generation,
    /// everything sealed with the older ones sealed again with it, then those destroyed
    /// (administrators). Audited with counts.
    /// On a desk that syncs, refused while the server lacks any of this desk's ops.
    pub fn rotate_keys(&self, client: Option<&StudentNumber>) -> Result<Resealed, DeskError> {
        self.require(Permission::MaintainStore)?;
        self.refuse_resealing_unpushed("rotate the keys")?;
        let id = match client {
            Some(sn) => Some(self.client_by_student_number(sn)?.id.0),
            None => None,
        };
        let done = self.store.rotate_subject_keys(id, &no_progress)?;
        let mut ws = WriteSet::new();
        ws.audit_kept(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "client keys rotated{}: {} clients, {} records, {} op-log entries, {} audit entries \
                 ({} chain links recomputed) sealed again; {} older keys destroyed; {} unreadable values left",
                if id.is_some() { " for one client" } else { "" },
                done.clients,
                done.records,
                done.ops,
                done.audit,
                done.links,
                done.keys_destroyed,
                done.damaged
            ),
        ));
        self.commit(ws)?;
        Ok(done)
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
