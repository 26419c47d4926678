//! The employers held in memory for search (EMP-01): read once, then read again only when the
//! store has changed since (a new op, a bulk load or another desk's op merged), so a search by text or tags opens no
//! record. A careers service holds thousands of employers, not hundreds of thousands.

use std::sync::Arc;

use crate::domain::employer::Employer;

use super::{Desk, DeskError};

/// One employer with the text a search matches against, folded once.
pub(super) struct Searchable {
    /// The employer as stored.
    pub employer: Employer,
    /// Name and sector, lower case.
    pub hay: String,
}

/// The employers as of one state of the store.
pub(super) struct EmployerCache {
    /// The store's (op sequence, bulk loads, merges from other desks) when they were read.
    at: (u64, u64, u64),
    employers: Arc<Vec<Searchable>>,
}

impl Desk {
    /// Every employer with its search text, from memory when nothing was written since.
    pub(super) fn searchable_employers(&self) -> Result<Arc<Vec<Searchable>>, DeskError> {
        let at = (
            self.store.op_seq()?,
            self.store.bulk_loads()?,
            self.store.applied_seq()?,
        );
        let mut held = self.employers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cache) = held.as_ref().filter(|c| c.at == at) {
            return Ok(cache.employers.clone());
        }
        let employers: Arc<Vec<Searchable>> = Arc::new(
            self.store
                .scan::<Employer>()?
                .filter_map(Result::ok)
                .map(|employer| Searchable {
                    hay: format!("{} {}", employer.name, employer.sector).to_lowercase(),
                    employer,
                })
                .collect(),
        );
        *held = Some(EmployerCache {
            at,
            employers: employers.clone(),
        });
        Ok(employers)
    }
}
