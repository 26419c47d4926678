//! Committing changes: a [`WriteSet`] gathers records, index entries, uniqueness guards, audit
//! entries and key slots, and [`Store::commit`] writes them with their op-log entry in one sled
//! transaction, then flushes so the change is durable before the user is told.
//!
//! This file holds what a write set gathers; filling one is in `write_set.rs`, the commit
//! transaction (with reading and writing index entries inside it) in `commit.rs`, and the
//! bulk writer for generated data and copies in `bulk.rs`.

mod bulk;
mod commit;
#[cfg(test)]
mod tests;
mod write_set;

pub use bulk::BulkWriter;
pub use commit::Committed;
pub(crate) use commit::Merging;

use super::index::IndexTree;
use super::StoreError;
use crate::domain::audit::AuditEntry;
use crate::domain::change::Change;

enum Write {
    Put {
        tree: String,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    /// Sets (`Some`) or removes (`None`) an index entry, in whatever layout its tree has.
    Index {
        tree: IndexTree,
        key: Vec<u8>,
        value: Option<Vec<u8>>,
    },
    /// Removes a record.
    Delete {
        tree: String,
        key: Vec<u8>,
    },
}

impl Write {
    fn tree(&self) -> &str {
        match self {
            Write::Put { tree, .. } | Write::Delete { tree, .. } => tree,
            Write::Index { tree, .. } => tree.name,
        }
    }
}

/// A uniqueness rule: `key` in `tree` must be absent or already point at `owner`.
struct Guard {
    tree: IndexTree,
    key: Vec<u8>,
    owner: Vec<u8>,
    message: String,
}

/// A record as it was stored when read (a hash of its sealed bytes): a commit can refuse when
/// the record has changed since (see [`WriteSet::unchanged_since`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version([u8; 32]);

impl Version {
    fn of(sealed: &[u8]) -> Self {
        Self(*blake3::hash(sealed).as_bytes())
    }
}

/// A record that must still be as it was read when the commit lands.
struct Unchanged {
    tree: &'static str,
    key: [u8; 16],
    version: Version,
    message: String,
}

/// The changes one user action makes, committed together or not at all.
#[derive(Default)]
pub struct WriteSet {
    writes: Vec<Write>,
    guards: Vec<Guard>,
    unchanged: Vec<Unchanged>,
    /// The first value that could not be encoded: the commit fails with it.
    failed: Option<StoreError>,
    changes: Vec<Change>,
    /// Whose key seals each change in the op log (see [`crate::store::codec::Record::subject`]).
    change_subjects: Vec<Option<u128>>,
    audits: Vec<(AuditEntry, AuditSeal)>,
}

impl WriteSet {
    /// The kinds of record its changes touch, each once (what its op will declare), or `None`
    /// when it erases a client: an erasure is checked as one ([`Permission::Erase`]).
    ///
    /// [`Permission::Erase`]: crate::domain::access::Permission::Erase
    pub fn changed_kinds(&self) -> Option<Vec<crate::domain::EntityKind>> {
        let erases = self
            .changes
            .iter()
            .any(|c| matches!(c, Change::Delete { record } if record.kind == crate::domain::EntityKind::Client));
        (!erases).then(|| crate::domain::roster::kinds_of(self.changes.iter().map(|c| c.record().kind)))
    }

    /// Adds `other`'s writes, checks and changes to these, to commit as one.
    pub(crate) fn absorb(&mut self, other: WriteSet) {
        self.writes.extend(other.writes);
        self.guards.extend(other.guards);
        self.unchanged.extend(other.unchanged);
        if self.failed.is_none() {
            self.failed = other.failed;
        }
        self.changes.extend(other.changes);
        self.change_subjects.extend(other.change_subjects);
        self.audits.extend(other.audits);
    }

    /// Every (tree, key) this write set writes, guards or insists is unchanged: two write
    /// sets with none in common can be committed as one and land as either order would.
    pub(crate) fn footprint(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.writes
            .iter()
            .map(|w| match w {
                Write::Put { tree, key, .. } | Write::Delete { tree, key } => (tree.as_str(), key.as_slice()),
                Write::Index { tree, key, .. } => (tree.name, key.as_slice()),
            })
            .chain(self.guards.iter().map(|g| (g.tree.name, g.key.as_slice())))
            .chain(self.unchanged.iter().map(|u| (u.tree, u.key.as_slice())))
    }
}

/// Which key seals an audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuditSeal {
    /// The key of the one client whose records the commit writes, if it writes one client's:
    /// the entry is about them, and goes with them at erasure. Else the institution key.
    TheClients,
    /// The institution key: the entry must outlive any erasure (the erasure's own entry).
    Institution,
}
