//! Committing changes: a [`WriteSet`] gathers records, index entries, uniqueness guards, audit
//! entries and key slots, and [`Store::commit`] writes them with their op-log entry in one sled
//! transaction, then flushes so the change is durable before the user is told.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::codec::{self, Record};
use super::crypto::KeySlot;
use super::group::{self, GroupError};
use super::index::{IndexTree, Layout};
use super::{Store, StoreError, AUDIT, KEY_SLOTS, META, OPLOG};
use crate::domain::audit::AuditEntry;
use crate::domain::change::{diff, Change, Hlc, Op};
use crate::domain::ids::{AuditId, OperatorId};
use crate::domain::RecordRef;
use sled::transaction::TransactionalTree;

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
}

impl Write {
    fn tree(&self) -> &str {
        match self {
            Write::Put { tree, .. } => tree,
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
    audits: Vec<AuditEntry>,
}

impl WriteSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `new` (replacing `old`, if given) and records the changed fields for the op log.
    /// A record that cannot be encoded makes the whole commit fail, naming it.
    pub fn put<T: Record>(&mut self, store: &Store, old: Option<&T>, new: &T) {
        let record = RecordRef {
            kind: T::KIND,
            id: new.id(),
        };
        let sealed = store.seal_record(new);
        let change = diff(record, old, new).map_err(|e| StoreError::Encode {
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
        }
        self.writes.push(Write::Put {
            tree: T::KIND.tree().into(),
            key: key.to_vec(),
            value: sealed,
        });
        let new_entries = new.index_entries(store.keys());
        if let Some(old) = old {
            for stale in old.index_entries(store.keys()) {
                if !new_entries.iter().any(|e| e.tree == stale.tree && e.key == stale.key) {
                    self.unindex(stale.tree, stale.key);
                }
            }
        }
        for e in new_entries {
            match e.unique {
                Some(message) => self.unique(e.tree, e.key, e.value, message),
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
    fn unique(&mut self, tree: IndexTree, key: Vec<u8>, owner: Vec<u8>, message: String) {
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

    /// Appends an audit entry.
    pub fn audit(&mut self, entry: AuditEntry) {
        self.audits.push(entry);
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

    /// Whether nothing would be written.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.audits.is_empty()
    }
}

/// What a commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// The op-log sequence number, when the commit changed records.
    pub seq: Option<u64>,
}

impl Store {
    /// Reads one record with its [`Version`], for a change that must not overwrite a newer one.
    pub fn get_versioned<T: Record>(&self, id: u128) -> Result<Option<(T, Version)>, StoreError> {
        let key = id.to_be_bytes();
        match self.tree(T::KIND.tree())?.get(key)? {
            Some(v) => Ok(Some((self.open_record(&key, &v)?, Version::of(&v)))),
            None => Ok(None),
        }
    }

    /// Commits `ws` atomically with its op-log entry, then flushes to disk.
    pub fn commit(&self, operator: OperatorId, mut ws: WriteSet, now: DateTime<Utc>) -> Result<Committed, StoreError> {
        if let Some(e) = ws.failed.take() {
            return Err(e);
        }
        let mut names: Vec<&str> = vec![META, OPLOG, AUDIT];
        for t in ws
            .writes
            .iter()
            .map(Write::tree)
            .chain(ws.guards.iter().map(|g| g.tree.name))
            .chain(ws.unchanged.iter().map(|u| u.tree))
        {
            if !names.contains(&t) {
                names.push(t);
            }
        }
        let trees = names.iter().map(|n| self.tree(n)).collect::<Result<Vec<_>, _>>()?;
        let at = |name: &str| names.iter().position(|n| *n == name).unwrap_or(0);
        // Audit keys come from the store's counter so entries made in one millisecond keep their order.
        let mut audits: Vec<([u8; 16], Vec<u8>)> = Vec::with_capacity(ws.audits.len());
        for a in &ws.audits {
            let mut a = a.clone();
            a.id = AuditId::sequenced(a.at.timestamp_millis().max(0) as u64, self.db.generate_id()?);
            audits.push(self.seal_audit(&a)?);
        }

        // A backup copying the store waits for this commit, or this commit for it.
        let _open = self.open_gate();
        let mut clock = self.clock.lock().unwrap_or_else(|p| p.into_inner());
        let hlc = Hlc::tick(*clock, now.timestamp_millis().max(0) as u64, self.device);
        let result = trees[..].transaction(|tx| {
            for u in &ws.unchanged {
                let now = tx[at(u.tree)].get(u.key)?;
                if now.as_deref().map(Version::of) != Some(u.version) {
                    return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                        u.message.clone(),
                    )));
                }
            }
            for g in &ws.guards {
                if let Some(existing) = tx_index_get(&tx[at(g.tree.name)], g.tree, &g.key)? {
                    if existing != g.owner {
                        return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                            g.message.clone(),
                        )));
                    }
                }
            }
            let mut seq = None;
            if !ws.changes.is_empty() {
                let meta = &tx[at(META)];
                let next = meta
                    .get(b"device_seq")?
                    .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
                    .map_or(0, u64::from_be_bytes)
                    + 1;
                meta.insert(b"device_seq", &next.to_be_bytes())?;
                let op = Op {
                    device: self.device,
                    seq: next,
                    hlc,
                    operator,
                    changes: ws.changes.clone(),
                };
                let (k, v) = self.seal_op(&op).map_err(ConflictableTransactionError::Abort)?;
                tx[at(OPLOG)].insert(&k, v)?;
                seq = Some(next);
            }
            for w in &ws.writes {
                match w {
                    Write::Put { tree, key, value } => {
                        tx[at(tree)].insert(key.as_slice(), value.as_slice())?;
                    }
                    Write::Index { tree, key, value } => {
                        tx_index_set(&tx[at(tree.name)], *tree, key, value.as_deref())?;
                    }
                }
            }
            for (k, v) in &audits {
                tx[at(AUDIT)].insert(k, v.as_slice())?;
            }
            Ok(seq)
        });
        let seq = match result {
            Ok(seq) => seq,
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(e.into()),
        };
        if seq.is_some() {
            *clock = Some(hlc);
        }
        drop(clock);
        self.db.flush()?;
        drop(_open);
        Ok(Committed { seq })
    }

    /// A writer for loading generated data in bulk: batched, not in the op log, flushed at the end.
    pub fn bulk(&self) -> BulkWriter<'_> {
        BulkWriter {
            gated: true,
            ..self.bulk_into(self.db.clone())
        }
    }

    /// A bulk writer into another database (a copy being built), sealing with this store's keys.
    pub(crate) fn bulk_into(&self, target: sled::Db) -> BulkWriter<'_> {
        BulkWriter {
            store: self,
            target,
            gated: false,
            trees: HashMap::new(),
        }
    }
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn damaged(tree: IndexTree, group: &[u8], e: GroupError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e.at(tree, group))
}

/// Reads an index entry inside a transaction.
fn tx_index_get(tx: &TransactionalTree, tree: IndexTree, key: &[u8]) -> TxResult<Option<Vec<u8>>> {
    match tree.layout {
        Layout::Single => Ok(tx.get(key)?.map(|v| v.to_vec())),
        Layout::Grouped(n) => {
            let (g, suffix) = key.split_at(n.min(key.len()));
            match tx.get(g)? {
                Some(raw) => Ok(group::lookup(&raw, suffix)
                    .map_err(|e| damaged(tree, g, e))?
                    .map(<[u8]>::to_vec)),
                None => Ok(None),
            }
        }
    }
}

/// Sets or removes an index entry inside a transaction.
fn tx_index_set(tx: &TransactionalTree, tree: IndexTree, key: &[u8], value: Option<&[u8]>) -> TxResult<()> {
    match (tree.layout, value) {
        (Layout::Single, Some(v)) => {
            tx.insert(key, v)?;
        }
        (Layout::Single, None) => {
            tx.remove(key)?;
        }
        (Layout::Grouped(n), _) => {
            let (g, suffix) = key.split_at(n.min(key.len()));
            let raw = tx.get(g)?;
            match group::with_entry(raw.as_deref(), suffix, value).map_err(|e| damaged(tree, g, e))? {
                Some(v) => tx.insert(g, v)?,
                None => tx.remove(g)?,
            };
        }
    }
    Ok(())
}

/// Loads many records quickly (generated demo data). Everything is gathered first, then each
/// tree is written in key order: sled handles appends at the right edge of its B-tree far
/// better than writes scattered across it, and single inserts keep far less in memory than
/// large batches (measured: 215 MB against 2.4 GB for 20,000 clients). Not in the op log: demo
/// data stays on the terminal that made it.
pub struct BulkWriter<'a> {
    store: &'a Store,
    target: sled::Db,
    /// Whether the target is the store itself, so the load must pass its commit gate.
    gated: bool,
    trees: HashMap<&'static str, (Layout, super::KeyValues)>,
}

impl BulkWriter<'_> {
    /// Stores a record.
    pub fn put<T: Record>(&mut self, record: &T) -> Result<(), StoreError> {
        let (key, sealed) = self.store.seal_record(record)?;
        self.raw(T::KIND.tree(), Layout::Single, key.to_vec(), sealed);
        for e in record.index_entries(self.store.keys()) {
            self.index(e.tree, e.key, e.value);
        }
        Ok(())
    }

    /// Writes an index entry.
    pub(crate) fn index(&mut self, tree: IndexTree, key: Vec<u8>, value: Vec<u8>) {
        self.raw(tree.name, tree.layout, key, value);
    }

    fn raw(&mut self, tree: &'static str, layout: Layout, key: Vec<u8>, value: Vec<u8>) {
        self.trees
            .entry(tree)
            .or_insert_with(|| (layout, Vec::new()))
            .1
            .push((key, value));
    }

    /// How many writes are gathered.
    pub fn len(&self) -> usize {
        self.trees.values().map(|(_, v)| v.len()).sum()
    }

    /// Whether nothing is gathered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes everything, tree by tree in key order, then flushes. `progress(done, total)` is
    /// called as batches land.
    pub fn finish(self, progress: &dyn Fn(usize, usize)) -> Result<(), StoreError> {
        const PROGRESS_EVERY: usize = 50_000;
        let total = self.len();
        let mut done = 0;
        // A backup waits for the whole load: it is one change, not thousands.
        let _open = self.gated.then(|| self.store.open_gate());
        let mut names: Vec<&'static str> = self.trees.keys().copied().collect();
        names.sort_unstable();
        let mut trees = self.trees;
        for name in names {
            let Some((layout, mut entries)) = trees.remove(name) else {
                continue;
            };
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let tree = self.target.open_tree(name)?;
            let mut rest = entries.as_slice();
            while !rest.is_empty() {
                let (chunk, tail) = rest.split_at(rest.len().min(PROGRESS_EVERY));
                match layout {
                    Layout::Single => {
                        for (k, v) in chunk {
                            tree.insert(k.as_slice(), v.as_slice())?;
                        }
                    }
                    Layout::Grouped(n) => write_groups(&tree, IndexTree { name, layout }, n, chunk)?,
                }
                done += chunk.len();
                progress(done, total);
                rest = tail;
            }
        }
        self.target.flush()?;
        Ok(())
    }
}

/// Writes sorted index entries as groups, merged into any group already stored (a group cut
/// across two chunks is simply read back and extended).
fn write_groups(
    tree: &sled::Tree,
    index: IndexTree,
    n: usize,
    sorted: &[(Vec<u8>, Vec<u8>)],
) -> Result<(), StoreError> {
    let damaged = |g: &[u8], e: GroupError| e.at(index, g);
    let mut rest = sorted;
    while let Some((first, _)) = rest.first() {
        let g = &first[..n.min(first.len())];
        let len = rest
            .iter()
            .take_while(|(k, _)| k.starts_with(g) && k.len() >= n)
            .count()
            .max(1);
        let (members, tail) = rest.split_at(len);
        let existing = tree.get(g)?;
        // Existing entries first, then the new ones, so a stable sort keeps the newest last.
        let mut entries: Vec<(&[u8], &[u8])> = match &existing {
            Some(raw) => group::decode(raw).map_err(|e| damaged(g, e))?,
            None => Vec::new(),
        };
        entries.extend(members.iter().map(|(k, v)| (&k[g.len()..], v.as_slice())));
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut unique: Vec<(&[u8], &[u8])> = Vec::with_capacity(entries.len());
        for e in entries {
            match unique.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => unique.push(e),
            }
        }
        tree.insert(g, group::encode(unique).map_err(|e| damaged(g, e))?)?;
        rest = tail;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OperatorId;
    use crate::store::index::SLOT_HELD;

    const TREE: IndexTree = IndexTree {
        name: "idx_test",
        layout: Layout::Grouped(2),
    };

    #[test]
    fn bulk_groups_merge_into_groups_already_stored() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree(TREE.name).unwrap();
        let kv = |k: &[u8], v: &[u8]| (k.to_vec(), v.to_vec());
        write_groups(&tree, TREE, 2, &[kv(b"aa1", b"x"), kv(b"aa3", b"y"), kv(b"bb1", b"")]).unwrap();
        write_groups(&tree, TREE, 2, &[kv(b"aa2", b"z"), kv(b"aa3", b"new")]).unwrap();
        let aa = tree.get(b"aa").unwrap().unwrap();
        let entries = group::decode(&aa).unwrap();
        assert_eq!(entries, vec![(&b"1"[..], &b"x"[..]), (b"2", b"z"), (b"3", b"new")]);
        assert_eq!(tree.len(), 2);
    }

    /// A record whose encoding fails, to see that such a failure is loud.
    #[derive(serde::Deserialize)]
    struct Unencodable {
        id: u128,
    }

    impl serde::Serialize for Unencodable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("this value refuses to be encoded"))
        }
    }

    impl crate::store::index::Indexed for Unencodable {}

    impl Record for Unencodable {
        const KIND: crate::domain::EntityKind = crate::domain::EntityKind::Note;
        fn id(&self) -> u128 {
            self.id
        }
    }

    #[test]
    fn a_record_that_cannot_be_encoded_fails_the_commit_and_writes_nothing() {
        let (_tmp, store) = crate::store::temp_store();
        let who = OperatorId::new_at(0);
        let before = store.last_op().unwrap().map(|op| op.seq);
        let mut ws = WriteSet::new();
        ws.index(crate::store::index::OPERATOR_BY_LOGIN, b"someone".to_vec(), vec![1; 16]);
        ws.put(&store, None, &Unencodable { id: 7 });
        let err = store.commit(who, ws, Utc::now()).unwrap_err();
        assert!(matches!(&err, StoreError::Encode { .. }), "{err}");
        assert!(err.to_string().contains("refuses to be encoded"), "{err}");
        // Neither the record, the index entry nor an op was written.
        assert!(store.tree(Unencodable::KIND.tree()).unwrap().is_empty());
        assert_eq!(
            store
                .index_get(crate::store::index::OPERATOR_BY_LOGIN, b"someone")
                .unwrap(),
            None
        );
        assert_eq!(store.last_op().unwrap().map(|op| op.seq), before);
    }

    #[test]
    fn a_change_read_before_another_commit_is_refused_and_writes_nothing() {
        use crate::domain::appointment::Slot;
        use crate::domain::ids::SlotId;
        let (_tmp, store) = crate::store::temp_store();
        let who = OperatorId::new_at(0);
        let slot = Slot {
            id: SlotId::new_at(1),
            consultant: who,
            appointment_type: "guidance".into(),
            start: Utc::now(),
            minutes: 45,
            location: "room-1".into(),
            booking: None,
            withdrawn: false,
            series: None,
        };
        let mut ws = WriteSet::new();
        ws.put(&store, None, &slot);
        store.commit(who, ws, Utc::now()).unwrap();
        let (read, version) = store.get_versioned::<Slot>(slot.id.0).unwrap().unwrap();
        // Someone else withdraws it after it was read.
        let mut withdrawn = read.clone();
        withdrawn.withdrawn = true;
        let mut ws = WriteSet::new();
        ws.put(&store, Some(&read), &withdrawn);
        store.commit(who, ws, Utc::now()).unwrap();
        // A change based on the stale read is refused, and the withdrawal stands.
        let mut stale = read.clone();
        stale.minutes = 60;
        let mut ws = WriteSet::new();
        ws.put(&store, Some(&read), &stale);
        ws.unchanged_since(&read, version, "changed meanwhile");
        assert!(matches!(store.commit(who, ws, Utc::now()), Err(StoreError::Conflict(m)) if m == "changed meanwhile"));
        assert_eq!(store.get::<Slot>(slot.id.0).unwrap(), Some(withdrawn.clone()));
        // Read afresh, the same change goes through.
        let (fresh, version) = store.get_versioned::<Slot>(slot.id.0).unwrap().unwrap();
        let mut longer = fresh.clone();
        longer.minutes = 60;
        let mut ws = WriteSet::new();
        ws.put(&store, Some(&fresh), &longer);
        ws.unchanged_since(&fresh, version, "changed meanwhile");
        store.commit(who, ws, Utc::now()).unwrap();
        assert_eq!(store.get::<Slot>(slot.id.0).unwrap().map(|s| s.minutes), Some(60));
    }

    #[test]
    fn a_unique_entry_in_a_group_refuses_a_second_owner() {
        let (_tmp, store) = crate::store::temp_store();
        let who = OperatorId::new_at(0);
        let key = [[0u8; 8].as_slice(), &[7u8; 16]].concat();
        let hold = |owner: u8| {
            let mut ws = WriteSet::new();
            ws.unique(SLOT_HELD, key.clone(), vec![owner; 16], "taken".into());
            store.commit(who, ws, Utc::now())
        };
        hold(1).unwrap();
        // The same owner again is fine; another owner is refused and changes nothing.
        hold(1).unwrap();
        assert!(matches!(hold(2), Err(StoreError::Conflict(m)) if m == "taken"));
        assert_eq!(store.index_get(SLOT_HELD, &key).unwrap(), Some(vec![1; 16]));
        // Another slot starting at the same time shares the group but not the guard.
        let mut ws = WriteSet::new();
        let other = [[0u8; 8].as_slice(), &[8u8; 16]].concat();
        ws.unique(SLOT_HELD, other.clone(), vec![2; 16], "taken".into());
        store.commit(who, ws, Utc::now()).unwrap();
        assert_eq!(store.index_prefix(SLOT_HELD, &[0u8; 8]).unwrap().len(), 2);
        // Removing one entry leaves the other in the group.
        let mut ws = WriteSet::new();
        ws.unindex(SLOT_HELD, key.clone());
        store.commit(who, ws, Utc::now()).unwrap();
        assert_eq!(store.index_get(SLOT_HELD, &key).unwrap(), None);
        assert_eq!(store.index_get(SLOT_HELD, &other).unwrap(), Some(vec![2; 16]));
        hold(2).unwrap();
    }
}
