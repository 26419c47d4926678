//! The employer directory meant for students (DATA-13): every employer with only the contacts
//! it agreed students may see; audited as an export with its counts.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::employer::{Contact, Employer, Vacancy};
use crate::domain::ids::EmployerId;
use crate::domain::student_directory::{for_students, StudentEmployer};
use crate::store::WriteSet;

use super::{Desk, DeskError};

/// The directory for students and what was left out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentDirectory {
    /// Employers by name, each with its visible contacts.
    pub employers: Vec<StudentEmployer>,
    /// Contacts left out because they are not visible to students.
    pub hidden_contacts: usize,
}

impl Desk {
    /// Every employer as students may see it (DATA-13): contacts not visible to students, key
    /// contact guidance, ownership, tags and engagement notes are left out. Audited as an export.
    pub fn student_employer_directory(&self) -> Result<StudentDirectory, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut employers: Vec<Employer> = self.store.scan::<Employer>()?.filter_map(Result::ok).collect();
        employers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let mut contacts: HashMap<EmployerId, Vec<Contact>> = HashMap::new();
        for c in self.store.scan::<Contact>()?.filter_map(Result::ok) {
            contacts.entry(c.employer).or_default().push(c);
        }
        let mut vacancies: HashMap<EmployerId, Vec<Vacancy>> = HashMap::new();
        for v in self.store.scan::<Vacancy>()?.filter_map(Result::ok) {
            vacancies.entry(v.employer).or_default().push(v);
        }
        let mut out = StudentDirectory {
            employers: Vec::with_capacity(employers.len()),
            hidden_contacts: 0,
        };
        for e in &employers {
            let (shown, hidden) = for_students(
                e,
                contacts.get(&e.id).map_or(&[][..], Vec::as_slice),
                vacancies.get(&e.id).map_or(&[][..], Vec::as_slice),
            );
            out.hidden_contacts += hidden;
            out.employers.push(shown);
        }
        let shown: usize = out.employers.iter().map(|e| e.contacts.len()).sum();
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Export,
            None,
            format!(
                "employer directory for students: {} employer(s), {shown} contact(s) visible to students, {} hidden \
                 contact(s) left out",
                out.employers.len(),
                out.hidden_contacts
            ),
        ));
        self.commit(ws)?;
        Ok(out)
    }
}
