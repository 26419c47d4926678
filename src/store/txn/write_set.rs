//! Filling a write set: records with their index entries (stale ones removed, unique ones
//! guarded), records that must be unchanged since read, audit entries and key slots.

use super::{AuditSeal, Guard, Unchanged, Version, Write, WriteSet};
use crate::domain::audit::AuditEntry;
use crate::domain::change::diff;
use crate::domain::RecordRef;
use crate::store::codec::{self, Record};
use crate::store::crypto::KeySlot;
use crate::store::index::IndexTree;
use crate::store::{Store, StoreError, KEY_SLOTS};

impl WriteSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `new` (replacing `old`, if given) and records the changed fields for the op log.
    /// A record that cannot be encoded makes the whole commit fail, naming it.
    ///
    /// `old` is the record as stored, read for this change: its index entries that `new` keeps
    /// unchanged are left as they are (a booked slot keeps its place in the calendar groups,
    /// which are not rewritten), those it drops are removed and new ones written. Unique
    /// entries are always guarded and written.
    pub fn put<T: Record>(&mut self, store: &Store, old: Option<&T>, new: &T) {
        let ordered;
        let new = if T::SET_FIELDS.is_empty() {
            new
        } else {
            let mut n = new.clone();
            n.canonical();
            ordered = n;
            &ordered
        };
        let record = RecordRef {
            kind: T::KIND,
            id: new.id(),
        };
        let sealed = store.seal_record(new);
        let change = diff(record, T::shape(), old, new).map_err(|e| StoreError::Encode {
            what: format!("change to {}", T::KIND.tree()),
            reason: e.to_string(),
        });
        let ((key, sealed), change) = match (sealed, change) {
            (Ok(s), Ok(c)) => (s, c),
            (Err(e), _) | (_, Err(e)) => {
                self.failed.get_or_insert(e);
                return;
            }
        };
        if let Some(change) = change {
            self.changes.push(change);
            self.change_subjects.push(new.subject());
        }
        self.writes.push(Write::Put {
            tree: T::KIND.tree().into(),
            key: key.to_vec(),
            value: sealed,
        });
        let new_entries = new.index_entries(store.keys());
        let old_entries = old.map(|o| o.index_entries(store.keys())).unwrap_or_default();
        for stale in &old_entries {
            if !new_entries.iter().any(|e| e.tree == stale.tree && e.key == stale.key) {
                self.unindex(stale.tree, stale.key.clone());
            }
        }
        for e in new_entries {
            match e.unique {
                Some(message) => self.unique(e.tree, e.key, e.value, message),
                None if old_entries.contains(&e) => {}
                None => self.index(e.tree, e.key, e.value),
            }
        }
    }

    /// Writes an index entry.
    pub(crate) fn index(&mut self, tree: IndexTree, key: Vec<u8>, value: Vec<u8>) {
        self.writes.push(Write::Index {
            tree,
            key,
            value: Some(value),
        });
    }

    /// Removes an index entry.
    pub(crate) fn unindex(&mut self, tree: IndexTree, key: Vec<u8>) {
        self.writes.push(Write::Index { tree, key, value: None });
    }

    /// Writes a unique index entry; the commit fails with `message` if another owner holds it.
    pub(super) fn unique(&mut self, tree: IndexTree, key: Vec<u8>, owner: Vec<u8>, message: String) {
        self.guards.push(Guard {
            tree,
            key: key.clone(),
            owner: owner.clone(),
            message,
        });
        self.index(tree, key, owner);
    }

    /// Makes the commit fail with `message` (a conflict) if `record` is no longer stored as it
    /// was when read with [`Store::get_versioned`]: nothing is written over a newer version.
    pub fn unchanged_since<T: Record>(&mut self, record: &T, version: Version, message: &str) {
        self.unchanged.push(Unchanged {
            tree: T::KIND.tree(),
            key: record.id().to_be_bytes(),
            version,
            message: message.to_string(),
        });
    }

    /// Removes a stored record and every index entry it has, recording the removal in the op
    /// log (ids only: the tombstone sync passes on).
    pub fn remove<T: Record>(&mut self, store: &Store, old: &T) {
        let record = RecordRef {
            kind: T::KIND,
            id: old.id(),
        };
        self.writes.push(Write::Delete {
            tree: T::KIND.tree().into(),
            key: old.id().to_be_bytes().to_vec(),
        });
        for e in old.index_entries(store.keys()) {
            self.unindex(e.tree, e.key);
        }
        self.changes.push(crate::domain::change::Change::Delete { record });
        self.change_subjects.push(None);
    }

    /// Marks a client's keys for destruction in the same commit that removes their records, so
    /// that a stop before [`Store::destroy_subject_keys`] is finished at the next unlock.
    pub fn erasing(&mut self, client: u128) {
        self.writes.push(Write::Put {
            tree: crate::store::META.into(),
            key: crate::store::erasure::pending_erasure_key(client),
            value: Vec::new(),
        });
    }

    /// Appends an audit entry. When the commit writes the records of exactly one client, the
    /// entry is sealed with that client's key: it is about them.
    pub fn audit(&mut self, entry: AuditEntry) {
        self.audits.push((entry, AuditSeal::TheClients));
    }

    /// Appends an audit entry sealed with the institution key, kept whatever is erased later;
    /// it must hold no personal data (an erasure's own entry).
    pub fn audit_kept(&mut self, entry: AuditEntry) {
        self.audits.push((entry, AuditSeal::Institution));
    }

    /// Stores an operator's signed roster entry (decision 0022), with the edit it records.
    pub fn roster_entry(&mut self, entry: &crate::domain::roster::RosterEntry) {
        match crate::store::roster::encode_entry(entry) {
            Ok(value) => self.writes.push(Write::Put {
                tree: crate::store::roster::ROSTER.into(),
                key: entry.operator.0.to_be_bytes().to_vec(),
                value,
            }),
            Err(e) => {
                self.failed.get_or_insert(e);
            }
        }
    }

    /// Stores a key slot (a new operator's, or a changed password's).
    pub fn key_slot(&mut self, slot: &KeySlot) {
        match codec::encode_versioned(1, slot) {
            Ok(value) => self.writes.push(Write::Put {
                tree: KEY_SLOTS.into(),
                key: slot.login.as_bytes().to_vec(),
                value,
            }),
            Err(e) => {
                self.failed.get_or_insert(StoreError::Encode {
                    what: "key slot".into(),
                    reason: e.to_string(),
                });
            }
        }
    }

    /// Takes a change the server refused off the conflicts queue for good (see
    /// [`Store::waiting_conflict`]): it is not put back when the server names it again.
    pub fn dismiss_refused(&mut self, device: crate::domain::ids::DeviceId, seq: u64) {
        let key = crate::store::apply::conflict_key(device, seq).to_vec();
        self.writes.push(Write::Delete {
            tree: crate::store::apply::CONFLICTS.into(),
            key: key.clone(),
        });
        self.writes.push(Write::Put {
            tree: crate::store::apply::DISMISSED.into(),
            key,
            value: Vec::new(),
        });
    }

    /// Whether nothing would be written.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.audits.is_empty()
    }
}
