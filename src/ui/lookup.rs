//! The client lookup the panes share: one index, built by a background job, searched from
//! background jobs (several at once: a search only reads it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::desk::{DirectoryEntry, Lookup};

/// The lookup index the panes share once it has been built: the clients pane and the
/// calendar's client picker search the same one.
#[derive(Debug, Clone, Default)]
pub struct SharedIndex {
    index: Arc<RwLock<Option<Lookup>>>,
    ready: Arc<AtomicBool>,
}

impl SharedIndex {
    /// Puts a built index in place (replacing any earlier one).
    pub fn set(&self, index: Lookup) {
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = Some(index);
        self.ready.store(true, Ordering::SeqCst);
    }

    /// Drops the index until the next is set (the panes say the lookup is loading).
    pub fn clear(&self) {
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = None;
        self.ready.store(false, Ordering::SeqCst);
    }

    /// Whether an index has been built (never waits, so drawing can ask).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Takes in a client added or changed at this desk (nothing before the index is built: the
    /// build reads the store as it is then).
    pub fn upsert(&self, c: &crate::domain::client::Client) {
        if let Some(i) = self.index.write().unwrap_or_else(|p| p.into_inner()).as_mut() {
            i.upsert(c);
        }
    }

    /// Forgets an erased client.
    pub fn remove(&self, id: crate::domain::ids::ClientId) {
        if let Some(i) = self.index.write().unwrap_or_else(|p| p.into_inner()).as_mut() {
            i.remove(id);
        }
    }

    /// The best `limit` matches for `query`, or `None` before the index is built.
    pub fn search(&self, query: &str, limit: usize) -> Option<Vec<DirectoryEntry>> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.as_ref().map(|i| i.search(query, limit))
    }
}
