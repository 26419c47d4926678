//! The record pass of a store check: every record of a kind opened, with the index entries
//! it should have; records past a part of a tree sled cannot read are looked up through the
//! ids the indexes hold.

use super::{CheckReport, Expected, Finding, KindRead};
use crate::store::codec::Record;
use crate::store::index::{self, Indexed, Layout};
use crate::store::{group, guard, show_key, Store, StoreError};

impl Store {
    pub(super) fn check_kind<T: Record + Indexed>(
        &self,
        report: &mut CheckReport,
        seen: &mut dyn FnMut(&T),
    ) -> Result<(), StoreError> {
        let name = T::KIND.tree();
        let mut read = KindRead::default();
        let whole = self.read_tree(name, report, Some(T::KIND), &mut |report, k, v| {
            self.take_record(report, &mut read, seen, k, v)
        })?;
        if !whole {
            self.salvage::<T>(report, &mut read, seen)?;
        }
        let mut expected = std::mem::take(&mut read.expected);
        for tree in index::ALL.iter().filter(|t| index::owner(**t) == T::KIND) {
            let (mine, rest): (Vec<_>, Vec<_>) = expected.into_iter().partition(|(t, _)| t == tree);
            expected = rest;
            self.compare_index(*tree, mine.into_iter().map(|(_, e)| e).collect(), &read, report)?;
        }
        Ok(())
    }

    /// Opens one record, noting it as readable (with the index entries it should have) or
    /// damaged.
    fn take_record<T: Record + Indexed>(
        &self,
        report: &mut CheckReport,
        read: &mut KindRead,
        seen: &mut dyn FnMut(&T),
        k: &[u8],
        v: &[u8],
    ) {
        let name = T::KIND.tree();
        let id = <[u8; 16]>::try_from(k).ok().map(u128::from_be_bytes);
        match self.open_record::<T>(k, v) {
            Ok(record) => {
                report.records += 1;
                read.readable.insert(record.id());
                seen(&record);
                for e in record.index_entries(self.keys()) {
                    read.expected.push((
                        e.tree,
                        Expected {
                            key: e.key,
                            value: e.value,
                            owner: record.id(),
                        },
                    ));
                }
            }
            Err(e) => {
                if let Some(id) = id {
                    read.damaged.insert(id);
                }
                let reason = match e {
                    StoreError::Corrupt { reason, .. } => reason,
                    other => other.to_string(),
                };
                report.add(
                    name,
                    show_key(k),
                    Some(T::KIND),
                    id,
                    Finding::UnreadableRecord { reason },
                );
            }
        }
    }

    /// When a record tree could not be read to its end, the records past the damage are
    /// looked up one by one through the ids the indexes name: those that still open are
    /// checked as usual, and those that do not are listed as damaged, by id.
    fn salvage<T: Record + Indexed>(
        &self,
        report: &mut CheckReport,
        read: &mut KindRead,
        seen: &mut dyn FnMut(&T),
    ) -> Result<(), StoreError> {
        let mut ids = std::collections::BTreeSet::new();
        for tree in index::ALL.iter().filter(|t| index::owner(**t) == T::KIND) {
            let Ok(sled_tree) = self.tree(tree.name) else { continue };
            let _ = guard::quietly(|| {
                for (k, v) in sled_tree.iter().flatten() {
                    match tree.layout {
                        Layout::Single => ids.extend(index::entry_record(*tree, &k, &v)),
                        Layout::Grouped(_) => {
                            if let Ok(entries) = group::decode(&v) {
                                for (suffix, value) in entries {
                                    ids.extend(index::entry_record(*tree, &[&k[..], suffix].concat(), value));
                                }
                            }
                        }
                    }
                }
            });
        }
        let records = self.tree(T::KIND.tree())?;
        for id in ids {
            if read.readable.contains(&id) || read.damaged.contains(&id) {
                continue;
            }
            let key = id.to_be_bytes();
            match guard::quietly(|| records.get(key)) {
                Ok(Ok(Some(v))) => self.take_record(report, read, seen, &key, &v),
                Ok(Ok(None)) => {}
                Ok(Err(_)) | Err(_) => {
                    // A sled read error or a panic: either way this part of the file is gone.
                    read.damaged.insert(id);
                    let reason = "it is in a part of the database file that cannot be read".to_string();
                    report.add(
                        T::KIND.tree(),
                        show_key(&key),
                        Some(T::KIND),
                        Some(id),
                        Finding::UnreadableRecord { reason },
                    );
                }
            }
        }
        Ok(())
    }
}
