//! The client lookup: one engine for the command line (`client find`) and the desk screen.
//!
//! It works the way the search engines people like do (Meilisearch, Typesense): every client
//! has terms (name words, student number, e-mail and its parts, see `terms`), and each word of
//! a query must match one of a client's terms exactly, as the start of a term, or, for words
//! of 5 letters or more, with one typo (two from 9 letters) at the start of a term, a
//! transposition counting as one; the first letter must be right (Meilisearch counts a typo
//! there twice), which keeps the typo search to the terms that start with it. Clients rank by their typos, then by how many words matched
//! only as a start, then by name: exact before prefix before typo.
//!
//! The terms are kept in a sorted set (`fst`) with each term's clients in name order; the
//! clients of prefixes shared by many clients are merged ahead of time. A query walks those
//! lists in name order and stops at the limit, so no query, however short, scores every
//! client; typo matches are looked for (a Levenshtein automaton over the term set) only when
//! fewer than `search::TYPO_THRESHOLD` clients match without a typo, as Typesense does.
//!
//! The index is built once; clients added or changed since are kept beside it and searched
//! one by one (see `recent`), their older entries left out.

mod build;
mod recent;
mod saved;
mod search;
pub mod terms;
#[cfg(test)]
mod tests;
mod typos;
mod walk;

use build::Built;
use recent::Recent;
pub use saved::{Covers, SavedError};

use super::{ClientDirectory, DirectoryEntry};
use crate::domain::client::Client;
use crate::domain::ids::ClientId;

/// At most this many words of a query are used.
pub const MAX_WORDS: usize = 5;

/// The client lookup index.
pub struct Lookup {
    dir: ClientDirectory,
    built: Built,
    /// Documents whose client changed or went since the build (one bit each).
    stale: Vec<u64>,
    recent: Recent,
    /// What of the store it was loaded from: every op up to this is in it (later ones may be).
    covers: Option<Covers>,
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup")
            .field("clients", &self.dir.len())
            .field("terms", &self.built.terms.len())
            .field("recent", &self.recent.len())
            .finish()
    }
}

impl Lookup {
    /// Indexes every client of the directory.
    pub fn new(dir: impl Into<ClientDirectory>) -> Lookup {
        let dir = dir.into();
        let started = std::time::Instant::now();
        let built = Built::new(&dir);
        tracing::info!(
            clients = dir.len(),
            terms = built.terms.len(),
            kib = built.bytes() / 1024,
            ms = started.elapsed().as_millis() as u64,
            "client lookup index built"
        );
        let stale = vec![0; dir.len().div_ceil(64)];
        Lookup {
            dir,
            built,
            stale,
            recent: Recent::default(),
            covers: None,
        }
    }

    /// What of the store the lookup was loaded from, when it was loaded from one: saving a
    /// copy made from it names this, so the next sign-in takes in every op since.
    pub fn covers(&self) -> Option<Covers> {
        self.covers
    }

    /// Says what of the store the lookup holds (the loader does, see `lookup_load`).
    pub fn set_covers(&mut self, covers: Covers) {
        self.covers = Some(covers);
    }

    /// The directory as it is now and what of the store it covers: what a copy is saved from
    /// (taken under a lock, then built without it).
    pub fn snapshot(&self) -> (ClientDirectory, Option<Covers>) {
        (self.current_directory(), self.covers)
    }

    /// How many clients can be found.
    pub fn len(&self) -> usize {
        self.dir.len() - self.stale_count() + self.recent.len()
    }

    /// Whether no client can be found.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index's size in bytes, roughly, without the directory itself.
    pub fn index_bytes(&self) -> usize {
        self.built.bytes()
    }

    /// The directory as it is now: the built entries still current and the changed ones.
    pub fn current_directory(&self) -> ClientDirectory {
        let mut d = ClientDirectory::new();
        for doc in 0..self.built.docs.len() as u32 {
            if !self.is_stale(doc) {
                let i = self.built.docs[doc as usize] as usize;
                d.put(self.dir.entry_id(i), self.dir.fields(i));
            }
        }
        for (_, e) in self.recent.live() {
            let x = &e.entry;
            d.put(x.id, [&x.name, &x.student_number, &x.email, &x.programme]);
        }
        d
    }

    /// Whether clients changed since the build (so it must be built afresh to be saved).
    pub fn has_changes(&self) -> bool {
        !self.recent.is_empty() || self.stale_count() > 0
    }

    /// How many clients changed since the build.
    pub fn changes(&self) -> usize {
        self.recent.len().max(self.stale_count())
    }

    /// Takes in a client added or changed since the build: found as they are now at once.
    pub fn upsert(&mut self, c: &Client) {
        self.mark_stale(c.id);
        self.recent
            .upsert(c, [&c.name, c.student_number.as_str(), c.email.as_str(), &c.programme]);
    }

    /// Leaves a client out of every later search (an erased client).
    pub fn remove(&mut self, id: ClientId) {
        self.mark_stale(id);
        self.recent.remove(id);
    }

    fn mark_stale(&mut self, id: ClientId) {
        if let Some(i) = self.dir.position(id) {
            let doc = self.built.doc_of[i] as usize;
            self.stale[doc / 64] |= 1 << (doc % 64);
        }
    }

    fn is_stale(&self, doc: u32) -> bool {
        self.stale[doc as usize / 64] & (1 << (doc % 64)) != 0
    }

    fn stale_count(&self) -> usize {
        self.stale.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The best `limit` clients for `query`, best first (see the module's text). A query with
    /// no letters or digits matches no one.
    pub fn search(&self, query: &str, limit: usize) -> Vec<DirectoryEntry> {
        let words = terms::query_words(query, MAX_WORDS);
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let found = search::Query::new(self, &words).run(limit);
        found.into_iter().map(|hit| self.entry(hit)).collect()
    }

    fn entry(&self, hit: search::Found) -> DirectoryEntry {
        match hit {
            search::Found::Built(doc) => self.dir.entry(self.built.docs[doc as usize] as usize),
            search::Found::Recent(i) => self.recent.entry(i),
        }
    }
}
