//! Checking a whole store without changing it: every record, index entry, key slot, audit
//! entry and op opened, and every index compared with what the records say it should hold.
//! Each damaged item is listed with what it belongs to, and the report says how to recover:
//! re-index when only indexes are damaged, restore a backup when records are.
//!
//! The report and its findings are in `report.rs`; the pass over each record kind (with the
//! salvage of records past damage) in `records.rs`; the comparison of each index with what
//! the records say it should hold in `indexes.rs`; key slots, the audit and op logs and the
//! store settings in `logs.rs`.

mod indexes;
mod logs;
mod records;
mod report;
#[cfg(test)]
mod tests;

pub use report::{CheckReport, Finding, Problem, RecordState, Recovery};

use std::collections::HashSet;

use super::index::IndexTree;
use super::{guard, show_key, Store, StoreError, AUDIT, OPLOG};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::audit::AuditEntry;
use crate::domain::change::Op;
use crate::domain::client::Client;
use crate::domain::employer::{Contact, Employer, EngagementNote, Vacancy};
use crate::domain::enquiry::Enquiry;
use crate::domain::event::{Event, EventBooking};
use crate::domain::note::Note;
use crate::domain::operator::Operator;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, AttachmentContent, Complaint, Consent, Feedback};
use crate::domain::EntityKind;

/// What [`Store::read_tree`] calls for each key and value.
type EachKeyValue<'a> = dyn FnMut(&mut CheckReport, &[u8], &[u8]) + 'a;

/// An index entry a record should have.
struct Expected {
    key: Vec<u8>,
    value: Vec<u8>,
    owner: u128,
}

/// What reading one record kind left for the index comparison.
#[derive(Default)]
struct KindRead {
    readable: HashSet<u128>,
    damaged: HashSet<u128>,
    expected: Vec<(IndexTree, Expected)>,
}

impl Store {
    /// Reads everything and reports what is damaged. Writes nothing.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let mut report = CheckReport::default();
        let mut logins = HashSet::new();
        self.check_kind::<Client>(&mut report, &mut |_| {})?;
        self.check_kind::<Operator>(&mut report, &mut |o| {
            logins.insert(o.login.as_str().to_string());
        })?;
        self.check_kind::<Slot>(&mut report, &mut |_| {})?;
        self.check_kind::<Appointment>(&mut report, &mut |_| {})?;
        self.check_kind::<Note>(&mut report, &mut |_| {})?;
        self.check_kind::<Enquiry>(&mut report, &mut |_| {})?;
        self.check_kind::<crate::domain::wellbeing::Concern>(&mut report, &mut |_| {})?;
        self.check_kind::<Employer>(&mut report, &mut |_| {})?;
        self.check_kind::<Contact>(&mut report, &mut |_| {})?;
        self.check_kind::<EngagementNote>(&mut report, &mut |_| {})?;
        self.check_kind::<Vacancy>(&mut report, &mut |_| {})?;
        self.check_kind::<Event>(&mut report, &mut |_| {})?;
        self.check_kind::<EventBooking>(&mut report, &mut |_| {})?;
        self.check_kind::<Consent>(&mut report, &mut |_| {})?;
        self.check_kind::<Complaint>(&mut report, &mut |_| {})?;
        self.check_kind::<Feedback>(&mut report, &mut |_| {})?;
        self.check_kind::<Attachment>(&mut report, &mut |_| {})?;
        self.check_kind::<AttachmentContent>(&mut report, &mut |_| {})?;
        self.check_kind::<QueueEntry>(&mut report, &mut |_| {})?;
        self.check_kind::<OutboxEntry>(&mut report, &mut |_| {})?;
        self.check_key_slots(&mut report, &logins)?;
        self.check_sealed_log::<AuditEntry>(AUDIT, &mut report, |r, key, reason| {
            r.add(AUDIT, key, None, None, Finding::DamagedAuditEntry { reason })
        })?;
        self.check_sealed_log::<Op>(OPLOG, &mut report, |r, key, reason| {
            r.add(OPLOG, key, None, None, Finding::DamagedOp { reason })
        })?;
        self.check_meta(&mut report)?;
        Ok(report)
    }

    /// Every `(key, value)` of a tree, calling `each`; a sled error or panic part-way is
    /// reported as an unreadable tree after the last key read.
    fn read_tree(
        &self,
        name: &str,
        report: &mut CheckReport,
        kind: Option<EntityKind>,
        each: &mut EachKeyValue<'_>,
    ) -> Result<bool, StoreError> {
        let tree = self.tree(name)?;
        let mut last: Option<Vec<u8>> = None;
        let outcome = guard::quietly(|| {
            for item in tree.iter() {
                match item {
                    Ok((k, v)) => {
                        each(report, &k, &v);
                        last = Some(k.to_vec());
                    }
                    Err(e) => return Err(StoreError::from(e).to_string()),
                }
            }
            Ok(())
        });
        let reason = match outcome {
            Ok(Ok(())) => return Ok(true),
            Ok(Err(reason)) => reason,
            Err(_panic) => "the storage engine stopped on damaged data".to_string(),
        };
        let key = last.map_or_else(|| "(start)".to_string(), |k| show_key(&k));
        report.add(name, key, kind, None, Finding::UnreadableTree { reason });
        Ok(false)
    }
}
