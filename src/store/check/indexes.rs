//! The index pass of a store check: each index tree walked in key order beside the entries
//! the records say it should hold; stray, missing, duplicate and misdirected entries named.

use super::{CheckReport, Expected, Finding, KindRead, RecordState};
use crate::store::index::{self, IndexTree, Layout};
use crate::store::{group, show_key, Store, StoreError};

impl Store {
    /// Walks one index tree and the entries the records say it should hold, both in key order.
    pub(super) fn compare_index(
        &self,
        tree: IndexTree,
        mut expected: Vec<Expected>,
        read: &KindRead,
        report: &mut CheckReport,
    ) -> Result<(), StoreError> {
        let kind = index::owner(tree);
        // The newest claimant first: a rebuild writes records in id order, so the newest of
        // two records claiming one key holds it.
        expected.sort_by(|a, b| a.key.cmp(&b.key).then(b.owner.cmp(&a.owner)));
        // Two records claiming one key of a unique index.
        expected.dedup_by(|later, first| {
            if later.key != first.key {
                return false;
            }
            if later.owner != first.owner {
                report.add(
                    tree.name,
                    show_key(&later.key),
                    Some(kind),
                    Some(later.owner),
                    Finding::Duplicate {
                        other: ulid::Ulid(first.owner).to_string(),
                    },
                );
            }
            true
        });
        let mut actual: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut damaged_groups: Vec<Vec<u8>> = Vec::new();
        let whole = self.read_tree(tree.name, report, Some(kind), &mut |report, k, v| match tree.layout {
            Layout::Single => actual.push((k.to_vec(), v.to_vec())),
            Layout::Grouped(_) => match group::decode(v) {
                Ok(entries) => {
                    for (suffix, value) in entries {
                        actual.push(([k, suffix].concat(), value.to_vec()));
                    }
                }
                Err(e) => {
                    damaged_groups.push(k.to_vec());
                    report.add(
                        tree.name,
                        show_key(k),
                        Some(kind),
                        None,
                        Finding::DamagedIndexGroup { reason: e.to_string() },
                    );
                }
            },
        })?;
        report.index_entries += actual.len();
        let read_up_to = actual.last().map(|(k, _)| k.clone());
        // Missing entries under a damaged group, or past where the tree could be read, are
        // already covered by that problem.
        let covered = |key: &[u8]| {
            damaged_groups.iter().any(|g| key.starts_with(g))
                || (!whole && read_up_to.as_deref().is_none_or(|last| key > last))
        };
        let state = |id: Option<u128>| match id {
            Some(id) if read.damaged.contains(&id) => RecordState::Damaged,
            Some(id) if read.readable.contains(&id) => RecordState::Disagrees,
            _ => RecordState::Missing,
        };
        let mut want = expected.into_iter().peekable();
        let mut have = actual.into_iter().peekable();
        loop {
            let order = match (want.peek(), have.peek()) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(w), Some((k, _))) => w.key.as_slice().cmp(k.as_slice()),
            };
            match order {
                std::cmp::Ordering::Equal => {
                    let (Some(w), Some((k, v))) = (want.next(), have.next()) else {
                        break;
                    };
                    if w.value != v {
                        let points_at = index::entry_record(tree, &k, &v);
                        report.add(
                            tree.name,
                            show_key(&k),
                            Some(kind),
                            points_at,
                            Finding::WrongRecord {
                                expected: ulid::Ulid(w.owner).to_string(),
                            },
                        );
                    }
                }
                std::cmp::Ordering::Less => {
                    let Some(w) = want.next() else { break };
                    if !covered(&w.key) {
                        report.add(
                            tree.name,
                            show_key(&w.key),
                            Some(kind),
                            Some(w.owner),
                            Finding::MissingEntry,
                        );
                    }
                }
                std::cmp::Ordering::Greater => {
                    let Some((k, v)) = have.next() else { break };
                    let points_at = index::entry_record(tree, &k, &v);
                    report.add(
                        tree.name,
                        show_key(&k),
                        Some(kind),
                        points_at,
                        Finding::StrayEntry {
                            record_state: state(points_at),
                        },
                    );
                }
            }
        }
        Ok(())
    }
}
