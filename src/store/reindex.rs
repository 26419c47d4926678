//! Rebuilding the index trees from the records: the migration from store format 1 (one sled
//! key per index entry) to format 2 (grouped entries), and a repair for damaged indexes.

use super::codec::Record;
use super::index::{self, Indexed};
use super::{Store, StoreError, META, STORE_FORMAT};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::client::Client;
use crate::domain::employer::{Contact, Employer};
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
    /// Records that could not be read (reported, left out of the indexes, left untouched).
    pub damaged: usize,
}

impl Store {
    /// Clears every index tree and writes it again from the records, then marks the store as
    /// this build's format. Records are only read; if the rebuild stops part-way, the format
    /// mark is not written and the next unlock starts it again.
    pub fn rebuild_indexes(&self) -> Result<Reindexed, StoreError> {
        for tree in index::ALL {
            self.tree(tree.name)?.clear()?;
        }
        let mut done = Reindexed::default();
        self.reindex::<Client>(&mut done)?;
        self.reindex::<Operator>(&mut done)?;
        self.reindex::<Slot>(&mut done)?;
        self.reindex::<Appointment>(&mut done)?;
        self.reindex::<Note>(&mut done)?;
        self.reindex::<OutboxEntry>(&mut done)?;
        self.reindex::<QueueEntry>(&mut done)?;
        self.reindex::<Employer>(&mut done)?;
        self.reindex::<Contact>(&mut done)?;
        self.tree(META)?.insert(b"format", &[STORE_FORMAT])?;
        self.flush()?;
        Ok(done)
    }

    fn reindex<T: Record + Indexed>(&self, done: &mut Reindexed) -> Result<(), StoreError> {
        let mut bulk = self.bulk();
        for record in self.scan::<T>()? {
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
        done.entries += bulk.len();
        bulk.finish(&|_, _| {})
    }
}
