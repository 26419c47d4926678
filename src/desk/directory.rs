//! The in-memory client directory: names, student numbers, e-mails and programmes for lookup.
//! Built from the sealed store after unlock and never written to disk, so no readable name
//! index exists at rest.
//!
//! The fields of every client are packed into one text buffer with offsets, not kept as four
//! strings each: for 200,000 clients that is about 20 MB rather than about 50 MB, and one
//! allocation rather than 800,000.

use std::collections::HashMap;
use std::sync::OnceLock;

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
    /// The lower-cased search text, made at the first [`Self::find`] and kept up to date after
    /// it (the desk screen's lookup has its own, so it never pays for this one).
    hay: OnceLock<Hay>,
}

/// Every entry's `name \u{1f} student number \u{1f} e-mail`, lower-cased, one after another.
#[derive(Debug, Default, Clone)]
struct Hay {
    text: String,
    bounds: Vec<[u32; 2]>,
}

impl Hay {
    /// Sets entry `i`'s text (appending it; `i` may be one past the end).
    fn put(&mut self, i: usize, fields: [&str; 4]) {
        let start = self.text.len() as u32;
        for (n, f) in fields[..3].iter().enumerate() {
            if n > 0 {
                self.text.push('\u{1f}');
            }
            self.text.extend(f.chars().flat_map(char::to_lowercase));
        }
        let b = [start, self.text.len() as u32];
        match self.bounds.get_mut(i) {
            Some(old) => *old = b,
            None => self.bounds.push(b),
        }
    }

    fn get(&self, i: usize) -> &str {
        let [a, b] = self.bounds[i];
        &self.text[a as usize..b as usize]
    }
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
        let i = match self.by_id.get(&id) {
            Some(&i) => {
                let old = self.bounds[i as usize];
                self.stale += (old[4] - old[0]) as usize;
                self.bounds[i as usize] = b;
                i as usize
            }
            None => {
                self.by_id.insert(id, self.ids.len() as u32);
                self.ids.push(id);
                self.bounds.push(b);
                self.ids.len() - 1
            }
        };
        if let Some(hay) = self.hay.get_mut() {
            hay.put(i, fields);
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

    /// Clients matching every word of `query` (case-insensitive, anywhere in name, student
    /// number or e-mail), best first: exact student number, then name-prefix, then others by name.
    pub fn find(&self, query: &str, limit: usize) -> Vec<DirectoryEntry> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let words: Vec<&str> = q.split_whitespace().collect();
        let word_start = format!(" {}", words[0]);
        let all = self.hay.get_or_init(|| {
            let mut hay = Hay::default();
            for i in 0..self.len() {
                hay.put(i, self.fields(i));
            }
            hay
        });
        let mut hits: Vec<(u8, usize)> = Vec::new();
        for i in 0..self.len() {
            let hay = all.get(i);
            if !words.iter().all(|w| hay.contains(w)) {
                continue;
            }
            let rank = if self.student_number(i).eq_ignore_ascii_case(&q) {
                0
            } else if hay.starts_with(words[0]) || hay.contains(&word_start) {
                1
            } else {
                2
            };
            hits.push((rank, i));
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| self.name(a.1).cmp(self.name(b.1))));
        hits.into_iter().take(limit).map(|(_, i)| self.entry(i)).collect()
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
        assert_eq!(d.find("renamed", 10)[0].id, id(1));
        assert!(d.find("ada one", 10).is_empty());
        // Changes after the first search are searchable at once.
        d.put(id(2), ["Bo Changed", "10000002", "bo@example.org", "BA History"]);
        d.put(id(3), ["Cy New", "10000003", "cy@example.org", "BA History"]);
        assert_eq!(d.find("changed", 10)[0].id, id(2));
        assert_eq!(d.find("cy new", 10)[0].id, id(3));
        assert!(d.find("bo two", 10).is_empty());
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

    #[test]
    fn exact_student_number_ranks_first_then_name_starts() {
        let d = ClientDirectory::from_entries(
            [
                ("Zed Smith", "20000001"),
                ("Smith Able", "20000002"),
                ("Ann Blacksmith", "20000003"),
            ]
            .into_iter()
            .enumerate()
            .map(|(n, (name, sn))| DirectoryEntry {
                id: id(n as u128),
                name: name.into(),
                student_number: sn.into(),
                email: format!("{sn}@example.org"),
                programme: "BSc".into(),
            }),
        );
        let names: Vec<String> = d.find("smith", 10).into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["Smith Able", "Zed Smith", "Ann Blacksmith"]);
        assert_eq!(d.find("20000003", 10)[0].name, "Ann Blacksmith");
    }
}
