//! Store maintenance an administrator runs: rebuilding the indexes.

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::store::{Reindexed, WriteSet};

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
}
