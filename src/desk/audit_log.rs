//! The audit log for supervisors: a filtered view and the chain check (issue 11 item 5).

use std::collections::BTreeSet;

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditEntry;
use crate::domain::audit_filter::{self, AuditFilter, AuditQuery};
use crate::domain::validate::StudentNumber;
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

    /// The ids of a client's record and of everything held on them, for an audit filter
    /// "about this client" (supervisors).
    pub fn records_about(&self, sn: &StudentNumber) -> Result<BTreeSet<u128>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        let client = self.client_by_student_number(sn)?;
        Ok(self.held_on(client)?.ids().into_iter().collect())
    }

    /// The supervisor's view of the audit log for a typed query: break-glass reads first, then
    /// newest first, at most `limit` entries, with how many matched in all and how many could
    /// not be read (erased clients' entries, damage).
    pub fn audit_view(&self, query: &AuditQuery, limit: usize) -> Result<AuditView, DeskError> {
        let records = match &query.student_number {
            Some(sn) => Some(self.records_about(&crate::domain::validate::StudentNumber::parse(sn)?)?),
            None => None,
        };
        let filter = AuditFilter {
            login: query.login.clone(),
            records,
            action: query.action,
            from: query.from,
            to: query.to,
            break_glass: false,
        };
        let mut entries = Vec::new();
        let mut unreadable = 0;
        for e in self.audit_filtered(&filter)? {
            match e {
                Ok(e) => entries.push(e),
                Err(_) => unreadable += 1,
            }
        }
        let matched = entries.len();
        audit_filter::break_glass_first(&mut entries);
        entries.truncate(limit);
        Ok(AuditView {
            entries,
            matched,
            unreadable,
        })
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

/// What the screen's audit view shows.
#[derive(Debug, Clone, Default)]
pub struct AuditView {
    /// The entries, break-glass reads first, then newest first.
    pub entries: Vec<AuditEntry>,
    /// How many entries the query kept in all.
    pub matched: usize,
    /// Entries that could not be read (their client was erased, or they are damaged).
    pub unreadable: usize,
}
