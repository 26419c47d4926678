//! Clients added or changed since the index was built: few, so each is matched one by one.

use std::collections::HashMap;

use super::terms::{client_terms, fold};
use crate::desk::DirectoryEntry;
use crate::domain::client::Client;
use crate::domain::ids::ClientId;

/// One client as they are now.
pub(super) struct RecentEntry {
    pub entry: DirectoryEntry,
    /// Their terms, folded.
    pub terms: Vec<String>,
    /// Their name, folded: the tie-break beside the built index's name order.
    pub folded_name: String,
    /// Erased since: found no more.
    gone: bool,
}

/// The clients changed since the build.
#[derive(Default)]
pub(super) struct Recent {
    entries: Vec<RecentEntry>,
    by_id: HashMap<ClientId, usize>,
}

impl Recent {
    /// Adds or replaces a client (`new` when the built index never had them).
    pub fn upsert(&mut self, c: &Client, [name, number, email, programme]: [&str; 4]) {
        let mut terms = Vec::new();
        client_terms(name, number, email, &mut terms);
        terms.sort_unstable();
        terms.dedup();
        let fresh = RecentEntry {
            entry: DirectoryEntry {
                id: c.id,
                name: name.to_string(),
                student_number: number.to_string(),
                email: email.to_string(),
                programme: programme.to_string(),
            },
            terms,
            folded_name: fold(name),
            gone: false,
        };
        match self.by_id.get(&c.id) {
            Some(&i) => self.entries[i] = fresh,
            None => {
                self.by_id.insert(c.id, self.entries.len());
                self.entries.push(fresh);
            }
        }
    }

    /// Leaves a client out from now on.
    pub fn remove(&mut self, id: ClientId) {
        if let Some(&i) = self.by_id.get(&id) {
            self.entries[i].gone = true;
        }
    }

    /// How many clients are kept here.
    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| !e.gone).count()
    }

    /// Whether none are kept here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The clients still here, with their position.
    pub fn live(&self) -> impl Iterator<Item = (usize, &RecentEntry)> {
        self.entries.iter().enumerate().filter(|(_, e)| !e.gone)
    }

    /// Entry `i`.
    pub fn entry(&self, i: usize) -> DirectoryEntry {
        self.entries[i].entry.clone()
    }

    /// Entry `i`'s folded name.
    pub fn folded_name(&self, i: usize) -> &str {
        &self.entries[i].folded_name
    }
}
