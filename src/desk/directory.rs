//! The in-memory client directory: names, student numbers and e-mails for lookup. Built from
//! the sealed store after unlock and never written to disk, so no readable name index exists
//! at rest.

use std::collections::HashMap;

use crate::domain::client::Client;
use crate::domain::ids::ClientId;

/// One client as the lookup sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Record id.
    pub id: ClientId,
    /// Full name.
    pub name: String,
    /// Student number.
    pub student_number: String,
    /// E-mail.
    pub email: String,
    /// Programme.
    pub programme: String,
}

/// The lower-cased text a query is matched against.
fn haystack(e: &DirectoryEntry) -> String {
    format!("{}\u{1f}{}\u{1f}{}", e.name, e.student_number, e.email).to_lowercase()
}

/// Every client's searchable fields, in memory.
#[derive(Debug, Default, Clone)]
pub struct ClientDirectory {
    entries: Vec<DirectoryEntry>,
    /// Lower-cased `name \u{1f} student number \u{1f} email`, parallel to `entries`.
    haystacks: Vec<String>,
    by_id: HashMap<ClientId, usize>,
}

impl ClientDirectory {
    /// Builds a directory from clients.
    pub fn from_clients<'a>(clients: impl IntoIterator<Item = &'a Client>) -> Self {
        let mut d = Self::default();
        for c in clients {
            d.upsert(c);
        }
        d
    }

    /// Builds a directory from entries.
    pub fn from_entries(entries: impl IntoIterator<Item = DirectoryEntry>) -> Self {
        let entries: Vec<DirectoryEntry> = entries.into_iter().collect();
        // The search text is built on every core: it is most of the work on a large store.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
        let chunk = entries.len().div_ceil(threads).max(1);
        let haystacks: Vec<String> = std::thread::scope(|scope| {
            let parts: Vec<_> = entries
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(haystack).collect::<Vec<String>>()))
                .collect();
            parts.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        let mut d = Self::default();
        for (e, h) in entries.into_iter().zip(haystacks) {
            d.insert_with(e, h);
        }
        d
    }

    /// The entry for a client.
    pub fn entry_of(c: &Client) -> DirectoryEntry {
        DirectoryEntry {
            id: c.id,
            name: c.name.clone(),
            student_number: c.student_number.to_string(),
            email: c.email.to_string(),
            programme: c.programme.clone(),
        }
    }

    /// Adds or replaces a client's entry.
    pub fn upsert(&mut self, c: &Client) {
        self.insert(Self::entry_of(c));
    }

    fn insert(&mut self, entry: DirectoryEntry) {
        let hay = haystack(&entry);
        self.insert_with(entry, hay);
    }

    fn insert_with(&mut self, entry: DirectoryEntry, hay: String) {
        let id = entry.id;
        match self.by_id.get(&id) {
            Some(&i) => {
                self.entries[i] = entry;
                self.haystacks[i] = hay;
            }
            None => {
                self.by_id.insert(id, self.entries.len());
                self.entries.push(entry);
                self.haystacks.push(hay);
            }
        }
    }

    /// How many clients.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries.
    pub fn entries(&self) -> &[DirectoryEntry] {
        &self.entries
    }

    /// Clients matching every word of `query` (case-insensitive, anywhere in name, student
    /// number or e-mail), best first: exact student number, then name-prefix, then others by name.
    pub fn find(&self, query: &str, limit: usize) -> Vec<&DirectoryEntry> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let words: Vec<&str> = q.split_whitespace().collect();
        let mut hits: Vec<(u8, &DirectoryEntry)> = self
            .haystacks
            .iter()
            .zip(&self.entries)
            .filter(|(h, _)| words.iter().all(|w| h.contains(w)))
            .map(|(h, e)| {
                let rank = if e.student_number.eq_ignore_ascii_case(&q) {
                    0
                } else if h.starts_with(words[0]) || h.contains(&format!(" {}", words[0])) {
                    1
                } else {
                    2
                };
                (rank, e)
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        hits.into_iter().take(limit).map(|(_, e)| e).collect()
    }
}
