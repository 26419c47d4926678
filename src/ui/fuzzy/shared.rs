//! The lookup index the panes share: one built index, searched from background jobs.

use super::ClientIndex;
use crate::desk::DirectoryEntry;

/// The lookup index the panes share once it has been built: the clients pane and the
/// calendar's client picker search the same one, from background jobs (one search at a time).
#[derive(Debug, Clone, Default)]
pub struct SharedIndex {
    index: std::sync::Arc<std::sync::Mutex<Option<ClientIndex>>>,
    ready: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SharedIndex {
    /// Puts a built index in place (replacing any earlier one).
    pub fn set(&self, index: ClientIndex) {
        *self.index.lock().unwrap_or_else(|p| p.into_inner()) = Some(index);
        self.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether an index has been built (never waits, so drawing can ask).
    pub fn is_ready(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Takes in a client added or changed at this desk (nothing before the index is built: the
    /// build reads the store as it is then).
    pub fn upsert(&self, c: &crate::domain::client::Client) {
        if let Some(i) = self.index.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            i.upsert(c);
        }
    }

    /// The best `limit` matches for `query`, or `None` before the index is built. Waits while
    /// another search runs: call it from a job, not the screen thread.
    pub fn search(&self, query: &str, limit: usize) -> Option<Vec<DirectoryEntry>> {
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        index.as_mut().map(|i| i.search(query, limit))
    }
}
