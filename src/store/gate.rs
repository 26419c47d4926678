//! The commit gate: every write in this process passes through it, and a copy of the store
//! (a backup, re-index or compaction) can either shut it or check that nobody passed while it
//! copied.
//!
//! sled has no snapshot across trees, so a copy made while a commit lands could hold half of
//! it. Writers hold the gate shared and are counted in and out; a copy that saw no writer start
//! between its first and last read is consistent without having stopped anyone. Only when
//! writers keep coming does a copy shut the gate (hold it exclusively) and try once more.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Shared by every handle on one database in this process.
#[derive(Debug, Default)]
pub struct Gate {
    lock: RwLock<()>,
    started: AtomicU64,
    finished: AtomicU64,
}

/// A writer passing the gate: counted out when dropped.
pub struct Passing<'a> {
    gate: &'a Gate,
    _shared: RwLockReadGuard<'a, ()>,
}

impl Drop for Passing<'_> {
    fn drop(&mut self) {
        self.gate.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// The gate shut: no writer passes until this is dropped.
pub struct Shut<'a>(#[allow(dead_code)] RwLockWriteGuard<'a, ()>);

/// Where the writers stood when a copy began (see [`Gate::quiet_since`]).
#[derive(Debug, Clone, Copy)]
pub struct Mark(u64);

impl Gate {
    /// Lets a writer through (waits while the gate is shut).
    pub fn pass(&self) -> Passing<'_> {
        let shared = self.lock.read().unwrap_or_else(|p| p.into_inner());
        self.started.fetch_add(1, Ordering::SeqCst);
        Passing {
            gate: self,
            _shared: shared,
        }
    }

    /// Shuts the gate once every writer inside has left.
    pub fn shut(&self) -> Shut<'_> {
        Shut(self.lock.write().unwrap_or_else(|p| p.into_inner()))
    }

    /// A mark to start a copy from, or `None` while a writer is inside.
    pub fn mark(&self) -> Option<Mark> {
        let started = self.started.load(Ordering::SeqCst);
        let finished = self.finished.load(Ordering::SeqCst);
        (started == finished).then_some(Mark(started))
    }

    /// Whether no writer has started since `mark` (so what was read since is one state).
    pub fn quiet_since(&self, mark: Mark) -> bool {
        self.started.load(Ordering::SeqCst) == mark.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_inside_or_since_the_mark_spoils_a_copy() {
        let gate = Gate::default();
        let mark = gate.mark().unwrap();
        assert!(gate.quiet_since(mark));
        {
            let _w = gate.pass();
            assert!(gate.mark().is_none(), "a writer is inside");
        }
        assert!(!gate.quiet_since(mark), "a writer came and went");
        let again = gate.mark().unwrap();
        assert!(gate.quiet_since(again));
        drop(gate.shut());
    }
}
