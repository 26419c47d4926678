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
    /// A client was erased since the lookup was last saved: its saved copy is unreadable (the
    /// erasure destroyed its key) and the screen saves it again from this one.
    erased: Arc<AtomicBool>,
}

impl SharedIndex {
    /// Puts a built index in place (replacing any earlier one).
    pub fn set(&self, index: Lookup) {
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = Some(index);
        self.ready.store(true, Ordering::SeqCst);
    }

    /// Puts a loaded index in place without the clients erased while it loaded (they are out
    /// before any search sees it), asking for a save again when there were any.
    pub fn set_without(&self, mut index: Lookup, erased: &[crate::domain::ids::ClientId]) {
        for &id in erased {
            index.remove(id);
        }
        self.set(index);
        if !erased.is_empty() {
            self.erased.store(true, Ordering::SeqCst);
        }
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

    /// Forgets an erased client at once, and asks for the lookup to be saved again.
    pub fn remove(&self, id: crate::domain::ids::ClientId) {
        self.remove_all(&[id]);
    }

    /// Forgets erased clients at once (one lock for a purge's thousands), and asks for the
    /// lookup to be saved again.
    pub fn remove_all(&self, ids: &[crate::domain::ids::ClientId]) {
        if ids.is_empty() {
            return;
        }
        if let Some(i) = self.index.write().unwrap_or_else(|p| p.into_inner()).as_mut() {
            for &id in ids {
                i.remove(id);
            }
        }
        self.erased.store(true, Ordering::SeqCst);
    }

    /// Whether a save was asked for since the last call (and forgets that it was).
    pub fn take_save_wanted(&self) -> bool {
        self.erased.swap(false, Ordering::SeqCst)
    }

    /// The lookup as it is now and what of the store it covers, to save a copy from (the
    /// lock is held only while the directory is copied, not while the copy is built).
    pub fn snapshot(&self) -> Option<(crate::desk::ClientDirectory, Option<crate::desk::Covers>)> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.as_ref().map(Lookup::snapshot)
    }

    /// The best `limit` matches for `query`, or `None` before the index is built.
    pub fn search(&self, query: &str, limit: usize) -> Option<Vec<DirectoryEntry>> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.as_ref().map(|i| i.search(query, limit))
    }
}
