//! Rebuilding the index trees from the records, in a copy: the migration from store format 1
//! (one sled key per index entry) or 2 (no event indexes) to format 3, and a repair for
//! damaged indexes.
//!
//! The store itself is only read. Everything that is not an index (records, key slots, meta,
//! the audit tree, the op log) is copied into the new database as it is, damaged values
//! included; the index trees are written fresh from the records that open. The copy is read
//! back and checked before anyone may put it in the store's place; on any failure it is
//! removed, so a failed rebuild leaves the store exactly as it was.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use super::codec::Record;
use super::compact::{copy_tree, stopped};
use super::index::{self, Indexed};
use super::{guard, open_db, Store, StoreError, META, STORE_FORMAT};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::client::Client;
use crate::domain::employer::{Contact, Employer};
use crate::domain::event::{Event, EventBooking};
use crate::domain::note::Note;
use crate::domain::operator::Operator;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reindexed {
    /// Records read.
    pub records: usize,
    /// Index entries written.
    pub entries: usize,
    /// Records that could not be read (reported, left out of the indexes, copied as they are).
    pub damaged: usize,
    /// Keys copied as they are (records, key slots, meta, audit, op log).
    pub copied: usize,
}

impl Store {
    /// Writes a copy of this store at `dest` (which must not exist) with every index rebuilt
    /// from the records and the store marked as this build's format, then reads the copy back
    /// and checks it: its other trees equal this store's key by key, its indexes agree with
    /// its records, and the same records are damaged. Commits in this process wait meanwhile.
    /// On any failure the copy is removed; this store is never written.
    pub fn reindex_to(&self, dest: &Path) -> Result<Reindexed, StoreError> {
        self.reindex_reporting(dest, &super::no_progress)
    }

    /// [`Store::reindex_to`], telling `progress` how far it has got (records read of each kind,
    /// then the check of the copy).
    pub fn reindex_reporting(&self, dest: &Path, progress: super::Progress<'_>) -> Result<Reindexed, StoreError> {
        if dest.exists() {
            return Err(StoreError::Open {
                path: dest.to_path_buf(),
                reason: "it already exists; move it away first".into(),
            });
        }
        let result = guard::quietly(|| self.reindex_into(dest, progress)).unwrap_or_else(|_| Err(stopped()));
        if result.is_err() {
            // Only ever our own partial copy.
            let _ = std::fs::remove_dir_all(dest);
        }
        result
    }

    fn reindex_into(&self, dest: &Path, progress: super::Progress<'_>) -> Result<Reindexed, StoreError> {
        let _held = self.hold_commits();
        self.flush()?;
        let index_names: HashSet<&[u8]> = index::ALL.iter().map(|t| t.name.as_bytes()).collect();
        let copy = open_db(dest)?;
        let mut done = Reindexed::default();
        for name in self.db.tree_names() {
            if !index_names.contains(name.as_ref()) {
                done.copied += copy_tree(&self.db.open_tree(&name)?, &copy.open_tree(&name)?, None)?;
            }
        }
        self.reindex_kind::<Client>(&copy, &mut done, progress)?;
        self.reindex_kind::<Operator>(&copy, &mut done, progress)?;
        self.reindex_kind::<Slot>(&copy, &mut done, progress)?;
        self.reindex_kind::<Appointment>(&copy, &mut done, progress)?;
        self.reindex_kind::<Note>(&copy, &mut done, progress)?;
        self.reindex_kind::<OutboxEntry>(&copy, &mut done, progress)?;
        self.reindex_kind::<QueueEntry>(&copy, &mut done, progress)?;
        self.reindex_kind::<Employer>(&copy, &mut done, progress)?;
        self.reindex_kind::<Contact>(&copy, &mut done, progress)?;
        self.reindex_kind::<Event>(&copy, &mut done, progress)?;
        self.reindex_kind::<EventBooking>(&copy, &mut done, progress)?;
        for tree in index::ALL {
            copy.open_tree(tree.name)?;
        }
        copy.open_tree(META)?.insert(b"format", &[STORE_FORMAT])?;
        copy.flush()?;
        drop(copy);
        self.subjects.copy_into(dest)?;
        progress("checking the rebuilt copy", 0, 0);
        self.verify_reindexed(dest, &index_names, done)?;
        Ok(done)
    }

    fn reindex_kind<T: Record + Indexed>(
        &self,
        copy: &sled::Db,
        done: &mut Reindexed,
        progress: super::Progress<'_>,
    ) -> Result<(), StoreError> {
        const EVERY: u64 = 5_000;
        let what = format!("re-indexing {}", T::KIND.tree());
        let total = self.tree(T::KIND.tree())?.len() as u64;
        progress(&what, 0, total);
        let mut bulk = self.bulk_into(copy.clone());
        for (n, record) in (1u64..).zip(self.scan::<T>()?) {
            if n % EVERY == 0 {
                progress(&what, n, total);
            }
            match record {
                Ok(r) => {
                    done.records += 1;
                    for e in r.index_entries(self.keys()) {
                        bulk.index(e.tree, e.key, e.value);
                    }
                }
                Err(e @ StoreError::Corrupt { .. }) => {
                    done.damaged += 1;
                    tracing::warn!("left out of the indexes: {e}");
                }
                Err(e) => return Err(e),
            }
        }
        progress(&what, total, total);
        done.entries += bulk.len();
        bulk.finish(&|_, _| {})
    }

    /// Reads the copy back from disk and checks it against this store.
    fn verify_reindexed(&self, dest: &Path, index_names: &HashSet<&[u8]>, done: Reindexed) -> Result<(), StoreError> {
        let copy = open_db(dest)?;
        let mismatch = |what: String| {
            StoreError::Io(format!(
                "the rebuilt copy at {} did not check out ({what}); the store is unchanged",
                dest.display()
            ))
        };
        for name in self.db.tree_names() {
            if index_names.contains(name.as_ref()) {
                continue;
            }
            let (a, b) = (self.db.open_tree(&name)?, copy.open_tree(&name)?);
            let is_format = |item: &Result<(sled::IVec, sled::IVec), sled::Error>| {
                name.as_ref() == META.as_bytes() && matches!(item, Ok((k, _)) if k.as_ref() == b"format")
            };
            let mut left = a.iter().filter(|i| !is_format(i));
            let mut right = b.iter().filter(|i| !is_format(i));
            loop {
                match (left.next().transpose()?, right.next().transpose()?) {
                    (None, None) => break,
                    (Some(x), Some(y)) if x == y => {}
                    _ => return Err(mismatch(format!("tree {} differs", String::from_utf8_lossy(&name)))),
                }
            }
        }
        let subjects = Arc::new(super::subject_keys::SubjectKeys::open(dest)?);
        let rebuilt = Store::new(
            copy,
            dest.to_path_buf(),
            self.keys.clone(),
            subjects,
            self.device,
            Arc::default(),
        );
        let report = rebuilt.check()?;
        if report.index_problems() > 0 {
            let first = report
                .problems
                .iter()
                .find(|p| index::ALL.iter().any(|t| t.name == p.tree))
                .map(|p| format!("{} {}: {}", p.tree, p.key, p.finding))
                .unwrap_or_default();
            return Err(mismatch(format!(
                "{} index problem(s), the first {first}",
                report.index_problems()
            )));
        }
        if report.damaged_records() != done.damaged {
            return Err(mismatch(format!(
                "{} damaged records in the copy against {} in the store",
                report.damaged_records(),
                done.damaged
            )));
        }
        Ok(())
    }
}
