//! Employer profiles through the desk: search by text and tags, key accounts first, with
//! contacts (key contacts marked `*`) and engagement notes (EMP-01, EMP-03, EMP-05).

use crate::domain::access::Permission;
use crate::domain::employer::{Contact, Employer, EngagementNote, Ownership, Vacancy};
use crate::domain::ids::EmployerId;
use crate::store::index::CONTACT_BY_EMPLOYER;

use super::{Desk, DeskError};

/// One employer with what its profile shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerProfile {
    /// The employer.
    pub employer: Employer,
    /// Its contacts, key contacts first.
    pub contacts: Vec<Contact>,
    /// Engagement notes, newest first.
    pub engagement: Vec<EngagementNote>,
    /// Vacancies (EMP-02), closing soonest first, open-ended last.
    pub vacancies: Vec<Vacancy>,
}

impl Desk {
    /// Employers whose name or sector contains every word of `text` and that carry every tag
    /// in `tags`; key accounts first, then by name.
    pub fn find_employers(&self, text: &str, tags: &[String]) -> Result<Vec<Employer>, DeskError> {
        self.require(Permission::ViewClients)?;
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let tags: Vec<String> = tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        // In memory: a tag or text search opens no record (the cache is read again after a write).
        let all = self.searchable_employers()?;
        let mut hits: Vec<Employer> = all
            .iter()
            .filter(|s| tags.iter().all(|t| s.employer.tags.iter().any(|et| et == t)))
            .filter(|s| words.iter().all(|w| s.hay.contains(w)))
            .map(|s| s.employer.clone())
            .collect();
        hits.sort_by(|a, b| {
            let key = |e: &Employer| !matches!(e.ownership, Ownership::KeyAccount { .. });
            key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(hits)
    }

    /// An employer's profile: contacts and engagement notes.
    pub fn employer_profile(&self, id: EmployerId) -> Result<EmployerProfile, DeskError> {
        self.require(Permission::ViewClients)?;
        let employer = self
            .store
            .get::<Employer>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no employer with id {id}")))?;
        let mut contacts = Vec::new();
        for c in self
            .store
            .indexed::<crate::domain::ids::ContactId>(CONTACT_BY_EMPLOYER, &id.key())?
        {
            if let Some(c) = self.store.get::<Contact>(c.0)? {
                contacts.push(c);
            }
        }
        contacts.sort_by(|a, b| b.key_contact.cmp(&a.key_contact).then_with(|| a.name.cmp(&b.name)));
        let mut engagement: Vec<EngagementNote> = self
            .store
            .scan::<EngagementNote>()?
            .filter_map(Result::ok)
            .filter(|n| n.employer == id)
            .collect();
        engagement.sort_by_key(|n| std::cmp::Reverse(n.at));
        let mut vacancies: Vec<Vacancy> = self
            .store
            .scan::<Vacancy>()?
            .filter_map(Result::ok)
            .filter(|v| v.employer == id)
            .collect();
        vacancies
            .sort_by(|a, b| (a.closes.is_none(), a.closes, &a.title).cmp(&(b.closes.is_none(), b.closes, &b.title)));
        Ok(EmployerProfile {
            employer,
            contacts,
            engagement,
            vacancies,
        })
    }
}
