//! The audit log for supervisors: a filtered view and the chain check (issue 11 item 5).

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditEntry;
use crate::domain::audit_filter::AuditFilter;
use crate::store::audit_chain::ChainReport;
use crate::store::StoreError;

impl Desk {
    /// The audit entries `filter` keeps, oldest first; damaged entries are kept so they are seen.
    pub fn audit_filtered(&self, filter: &AuditFilter) -> Result<Vec<Result<AuditEntry, StoreError>>, DeskError> {
        Ok(self
            .audit_log()?
            .into_iter()
            .filter(|e| e.as_ref().map_or(true, |e| filter.keeps(e)))
            .collect())
    }

    /// The break-glass note reads `filter` keeps (SEC-04), newest first, for supervisors; damaged
    /// entries are left to `audit` and `audit verify`.
    pub fn break_glass_reads(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DeskError> {
        let filter = AuditFilter {
            break_glass: true,
            ..filter.clone()
        };
        let mut reads: Vec<AuditEntry> = self
            .audit_filtered(&filter)?
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        reads.reverse();
        Ok(reads)
    }

    /// Checks that no audit entry was edited, removed or reordered (supervisors and admins).
    pub fn verify_audit(&self) -> Result<ChainReport, DeskError> {
        self.require(Permission::SupervisorReports)?;
        Ok(self.store.verify_audit_chain()?)
    }
}
