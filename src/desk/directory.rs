//! The in-memory client directory: names, student numbers, e-mails and programmes for lookup.
//! Built from the sealed store after unlock and never written to disk, so no readable name
//! index exists at rest.
//!
//! The fields of every client are packed into one text buffer with offsets, not kept as four
//! strings each: for 200,000 clients that is about 20 MB rather than about 50 MB, and one
//! allocation rather than 800,000.

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

/// Every client's searchable fields, in memory, packed.
#[derive(Debug, Default, Clone)]
pub struct ClientDirectory {
    ids: Vec<ClientId>,
    /// Per entry: where its name starts in `text`, then where its name, student number,
    /// e-mail and programme end.
    bounds: Vec<[u32; 5]>,
    text: String,
    by_id: HashMap<ClientId, u32>,
    /// Bytes of `text` no entry points at any more (left by changed clients).
    stale: usize,
}

impl ClientDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a directory from entries.
    pub fn from_entries(entries: impl IntoIterator<Item = DirectoryEntry>) -> Self {
        let mut d = Self::default();
        for e in entries {
            d.put(e.id, [&e.name, &e.student_number, &e.email, &e.programme]);
        }
        d
    }

    /// Adds a client's fields (name, student number, e-mail, programme), replacing any entry
    /// they had.
    pub fn put(&mut self, id: ClientId, fields: [&str; 4]) {
        let start = self.text.len() as u32;
        let mut b = [start; 5];
        for (i, f) in fields.iter().enumerate() {
            self.text.push_str(f);
            b[i + 1] = self.text.len() as u32;
        }
        match self.by_id.get(&id) {
            Some(&i) => {
                let old = self.bounds[i as usize];
                self.stale += (old[4] - old[0]) as usize;
                self.bounds[i as usize] = b;
            }
            None => {
                self.by_id.insert(id, self.ids.len() as u32);
                self.ids.push(id);
                self.bounds.push(b);
            }
        }
        // Edits leave old text behind; repack once it is half the buffer.
        if self.stale > 4096 && self.stale * 2 > self.text.len() {
            self.repack();
        }
    }

    fn repack(&mut self) {
        let mut packed = Self::default();
        for i in 0..self.len() {
            packed.put(self.ids[i], self.fields(i));
        }
        *self = packed;
    }

    /// The packed parts (ids, each entry's bounds, the text), for saving.
    pub(crate) fn parts(&self) -> (&[ClientId], &[[u32; 5]], &str) {
        (&self.ids, &self.bounds, &self.text)
    }

    /// A directory from saved parts; `None` when they do not fit together.
    pub(crate) fn from_parts(ids: Vec<ClientId>, bounds: Vec<[u32; 5]>, text: String) -> Option<Self> {
        if ids.len() != bounds.len() {
            return None;
        }
        let fits = bounds.iter().all(|b| {
            b.windows(2).all(|w| w[0] <= w[1])
                && (b[4] as usize) <= text.len()
                && b.iter().all(|&x| text.is_char_boundary(x as usize))
        });
        let by_id: HashMap<ClientId, u32> = ids.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect();
        if !fits || by_id.len() != ids.len() {
            return None;
        }
        let used: usize = bounds.iter().map(|b| (b[4] - b[0]) as usize).sum();
        Some(Self {
            stale: text.len().saturating_sub(used),
            ids,
            bounds,
            text,
            by_id,
        })
    }

    /// Where this client's entry is.
    pub fn position(&self, id: ClientId) -> Option<usize> {
        self.by_id.get(&id).map(|&i| i as usize)
    }

    /// Whether the directory has an entry for this client.
    pub fn contains(&self, id: ClientId) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Adds or replaces a client's entry.
    pub fn upsert(&mut self, c: &Client) {
        self.put(
            c.id,
            [&c.name, c.student_number.as_str(), c.email.as_str(), &c.programme],
        );
    }

    /// Appends another directory's entries (built on another thread), replacing any with the
    /// same id.
    pub fn append(&mut self, other: ClientDirectory) {
        if self.is_empty() {
            *self = other;
            return;
        }
        self.text.reserve(other.text.len());
        for i in 0..other.len() {
            self.put(other.ids[i], other.fields(i));
        }
    }

    /// How many clients.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `i`th client's name, student number, e-mail and programme.
    pub fn fields(&self, i: usize) -> [&str; 4] {
        let b = self.bounds[i];
        std::array::from_fn(|f| &self.text[b[f] as usize..b[f + 1] as usize])
    }

    /// The `i`th client's id.
    pub fn entry_id(&self, i: usize) -> ClientId {
        self.ids[i]
    }

    /// The `i`th client's name.
    pub fn name(&self, i: usize) -> &str {
        self.field(i, 0)
    }

    /// The `i`th client's student number.
    pub fn student_number(&self, i: usize) -> &str {
        self.field(i, 1)
    }

    /// The `i`th client's e-mail.
    pub fn email(&self, i: usize) -> &str {
        self.field(i, 2)
    }

    fn field(&self, i: usize, f: usize) -> &str {
        let b = self.bounds[i];
        &self.text[b[f] as usize..b[f + 1] as usize]
    }

    /// The `i`th client's entry, as owned strings.
    pub fn entry(&self, i: usize) -> DirectoryEntry {
        let [name, student_number, email, programme] = self.fields(i).map(str::to_string);
        DirectoryEntry {
            id: self.ids[i],
            name,
            student_number,
            email,
            programme,
        }
    }
}

impl From<Vec<DirectoryEntry>> for ClientDirectory {
    fn from(entries: Vec<DirectoryEntry>) -> Self {
        Self::from_entries(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> ClientId {
        ClientId(n)
    }

    #[test]
    fn fields_read_back_and_a_changed_client_replaces_their_entry() {
        let mut d = ClientDirectory::new();
        d.put(id(1), ["Ada One", "10000001", "ada@example.org", "BSc Physics"]);
        d.put(id(2), ["Bo Two", "10000002", "bo@example.org", "BA History"]);
        d.put(id(1), ["Ada Renamed", "10000001", "ada@example.org", "BSc Physics"]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.name(0), "Ada Renamed");
        assert_eq!(d.entry(1).programme, "BA History");
        assert_eq!(d.position(id(1)), Some(0));
        assert_eq!(d.position(id(9)), None);
    }

    #[test]
    fn many_edits_repack_the_text_without_losing_anyone() {
        let mut d = ClientDirectory::new();
        for n in 0..50u128 {
            d.put(id(n), ["Someone", &format!("{n:08}"), "x@example.org", "BSc"]);
        }
        for round in 0..200 {
            let name = format!("Edited {round}");
            d.put(id(7), [&name, "00000007", "x@example.org", "BSc"]);
        }
        assert!(d.text.len() < 20_000, "text grew to {}", d.text.len());
        assert_eq!(d.len(), 50);
        assert_eq!(d.name(7), "Edited 199");
        assert_eq!(d.student_number(49), "00000049");
    }

    #[test]
    fn parts_built_apart_append_into_one() {
        let mut a = ClientDirectory::new();
        a.put(id(1), ["Ada One", "1", "a@x", "P"]);
        let mut b = ClientDirectory::new();
        b.put(id(2), ["Bo Two", "2", "b@x", "Q"]);
        b.put(id(1), ["Ada Again", "1", "a@x", "P"]);
        a.append(b);
        assert_eq!(a.len(), 2);
        assert_eq!(a.name(0), "Ada Again");
        assert_eq!(a.email(1), "b@x");
    }
}
