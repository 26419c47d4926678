//! Checking a whole store without changing it: every record, index entry, key slot, audit
//! entry and op opened, and every index compared with what the records say it should hold.
//! Each damaged item is listed with what it belongs to, and the report says how to recover:
//! re-index when only indexes are damaged, restore a backup when records are.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::codec::Record;
use super::crypto::KeySlot;
use super::group;
use super::index::{self, IndexTree, Indexed, Layout};
use super::{decode_plain, guard, show_key, Store, StoreError, AUDIT, KEY_SLOTS, META, OPLOG, STORE_FORMAT};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::audit::AuditEntry;
use crate::domain::change::Op;
use crate::domain::client::Client;
use crate::domain::employer::{Contact, Employer, EngagementNote, Vacancy};
use crate::domain::enquiry::Enquiry;
use crate::domain::event::{Event, EventBooking};
use crate::domain::ids::DeviceId;
use crate::domain::note::Note;
use crate::domain::operator::Operator;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, Complaint, Consent, Feedback};
use crate::domain::EntityKind;

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Records that opened.
    pub records: usize,
    /// Index entries read.
    pub index_entries: usize,
    /// Key slots read.
    pub key_slots: usize,
    /// Audit entries that opened.
    pub audit_entries: usize,
    /// Op-log entries that opened.
    pub ops: usize,
    /// Every damaged item, in tree order.
    pub problems: Vec<Problem>,
    /// What to do about them.
    pub recovery: Recovery,
}

/// One damaged item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sled tree it is in.
    pub tree: String,
    /// Its key there (a record id, a login, or hex).
    pub key: String,
    /// The kind of record it is or belongs to.
    pub kind: Option<EntityKind>,
    /// The record it is or belongs to.
    pub record: Option<String>,
    /// What is wrong.
    #[serde(flatten)]
    pub finding: Finding,
}

/// What is wrong with a damaged item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum Finding {
    /// A record that does not open or decode.
    UnreadableRecord {
        /// Why.
        reason: String,
    },
    /// sled could not read (the rest of) a tree: its file is damaged there.
    UnreadableTree {
        /// Why.
        reason: String,
    },
    /// A grouped index value that does not decode.
    DamagedIndexGroup {
        /// Why.
        reason: String,
    },
    /// An index entry its record does not have.
    StrayEntry {
        /// The state of the record the entry points at.
        record_state: RecordState,
    },
    /// A unique index entry pointing at another record than the one that owns it.
    WrongRecord {
        /// The record that should be there.
        expected: String,
    },
    /// A record's index entry is missing.
    MissingEntry,
    /// Two records claim one unique index key (a student number, a login).
    Duplicate {
        /// The other record.
        other: String,
    },
    /// A key slot that does not decode: its operator cannot sign in.
    DamagedKeySlot {
        /// Why.
        reason: String,
    },
    /// A key slot whose login has no readable operator record.
    KeySlotWithoutOperator,
    /// An audit entry that does not open.
    DamagedAuditEntry {
        /// Why.
        reason: String,
    },
    /// An op-log entry that does not open.
    DamagedOp {
        /// Why.
        reason: String,
    },
    /// A store setting that is missing or does not open.
    DamagedMeta {
        /// Why.
        reason: String,
    },
}

/// The record a stray index entry points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordState {
    /// There is no such record.
    Missing,
    /// The record is there but does not open.
    Damaged,
    /// The record is there and readable, but says it has no such entry.
    Disagrees,
}

/// What to do about what a check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recovery {
    /// Nothing is damaged.
    #[default]
    Nothing,
    /// Only indexes are damaged: `careerdesk store reindex` rebuilds them from the records.
    Reindex,
    /// Records (or what they need) are damaged: restore a backup.
    RestoreBackup,
}

impl Recovery {
    /// The step to take, as a sentence.
    pub fn advice(self) -> &'static str {
        match self {
            Recovery::Nothing => "nothing to do",
            Recovery::Reindex => {
                "only indexes are damaged and every record reads: run `careerdesk store reindex` to rebuild them"
            }
            Recovery::RestoreBackup => {
                "records are damaged: restore the latest backup with `careerdesk store restore BACKUP` \
                 (see docs/operations.md); the records listed are the ones a restore would bring back"
            }
        }
    }
}

impl Finding {
    /// How serious: index damage is repaired by re-indexing, anything else needs a backup.
    fn recovery(&self, tree: &str) -> Recovery {
        let index_tree = index::ALL.iter().any(|t| t.name == tree);
        match self {
            Finding::UnreadableTree { .. } if index_tree => Recovery::Reindex,
            Finding::DamagedIndexGroup { .. }
            | Finding::StrayEntry { .. }
            | Finding::WrongRecord { .. }
            | Finding::MissingEntry => Recovery::Reindex,
            _ => Recovery::RestoreBackup,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::UnreadableRecord { reason } => write!(f, "the record does not open: {reason}"),
            Finding::UnreadableTree { reason } => write!(f, "the tree could not be read past this key: {reason}"),
            Finding::DamagedIndexGroup { reason } => write!(f, "the index group does not decode: {reason}"),
            Finding::StrayEntry { record_state } => match record_state {
                RecordState::Missing => write!(f, "index entry for a record that does not exist"),
                RecordState::Damaged => write!(f, "index entry for a record that does not open"),
                RecordState::Disagrees => write!(f, "index entry the record does not have"),
            },
            Finding::WrongRecord { expected } => write!(f, "index entry points at another record than {expected}"),
            Finding::MissingEntry => write!(f, "the record's index entry is missing"),
            Finding::Duplicate { other } => write!(f, "another record ({other}) claims the same unique key"),
            Finding::DamagedKeySlot { reason } => write!(f, "the key slot does not decode: {reason}"),
            Finding::KeySlotWithoutOperator => write!(f, "key slot with no readable operator record"),
            Finding::DamagedAuditEntry { reason } => write!(f, "the audit entry does not open: {reason}"),
            Finding::DamagedOp { reason } => write!(f, "the op-log entry does not open: {reason}"),
            Finding::DamagedMeta { reason } => write!(f, "store setting damaged: {reason}"),
        }
    }
}

impl CheckReport {
    /// Whether nothing is damaged.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// How many records did not open.
    pub fn damaged_records(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| matches!(p.finding, Finding::UnreadableRecord { .. }))
            .count()
    }

    /// Whether any problem is in an index (rather than a record or what records need).
    pub fn index_problems(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.finding.recovery(&p.tree) == Recovery::Reindex)
            .count()
    }

    /// One paragraph: what was read, what is damaged, what to do.
    pub fn summary(&self) -> String {
        let read = format!(
            "{} records, {} index entries, {} key slots, {} audit entries, {} op-log entries read",
            self.records, self.index_entries, self.key_slots, self.audit_entries, self.ops
        );
        if self.is_clean() {
            return format!("the store is sound: {read}");
        }
        format!(
            "{} damaged item(s) ({} in indexes); {read}. To recover: {}",
            self.problems.len(),
            self.index_problems(),
            self.recovery.advice()
        )
    }

    fn add(&mut self, tree: &str, key: String, kind: Option<EntityKind>, record: Option<u128>, finding: Finding) {
        self.recovery = self.recovery.max(finding.recovery(tree));
        self.problems.push(Problem {
            tree: tree.to_string(),
            key,
            kind,
            record: record.map(|id| ulid::Ulid(id).to_string()),
            finding,
        });
    }
}

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

    fn check_kind<T: Record + Indexed>(
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

    /// Walks one index tree and the entries the records say it should hold, both in key order.
    fn compare_index(
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

    fn check_key_slots(&self, report: &mut CheckReport, logins: &HashSet<String>) -> Result<(), StoreError> {
        self.read_tree(KEY_SLOTS, report, None, &mut |report, k, v| {
            let login = String::from_utf8_lossy(k).into_owned();
            match decode_plain::<KeySlot>(KEY_SLOTS, k, v) {
                Ok(_) => {
                    report.key_slots += 1;
                    if !logins.contains(&login) {
                        report.add(
                            KEY_SLOTS,
                            login,
                            Some(EntityKind::Operator),
                            None,
                            Finding::KeySlotWithoutOperator,
                        );
                    }
                }
                Err(e) => {
                    let reason = match e {
                        StoreError::Corrupt { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    report.add(
                        KEY_SLOTS,
                        login,
                        Some(EntityKind::Operator),
                        None,
                        Finding::DamagedKeySlot { reason },
                    );
                }
            }
        })?;
        Ok(())
    }

    fn check_sealed_log<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        report: &mut CheckReport,
        damaged: impl Fn(&mut CheckReport, String, String),
    ) -> Result<(), StoreError> {
        self.read_tree(
            name,
            report,
            None,
            &mut |report, k, v| match self.open_plain::<T>(name, k, v) {
                Ok(_) if name == AUDIT => report.audit_entries += 1,
                Ok(_) => report.ops += 1,
                Err(e) => {
                    let reason = match e {
                        StoreError::Corrupt { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    damaged(report, show_key(k), reason)
                }
            },
        )?;
        Ok(())
    }

    fn check_meta(&self, report: &mut CheckReport) -> Result<(), StoreError> {
        let meta = self.tree(META)?;
        let damaged = |report: &mut CheckReport, key: &str, reason: &str| {
            report.add(
                META,
                key.into(),
                None,
                None,
                Finding::DamagedMeta {
                    reason: reason.to_string(),
                },
            )
        };
        match meta.get(b"format") {
            Ok(Some(f)) if f.as_ref() == [STORE_FORMAT] => {}
            Ok(_) => damaged(report, "format", "missing or not this careerdesk's layout"),
            Err(e) => damaged(report, "format", &StoreError::from(e).to_string()),
        }
        match meta.get(b"device_id") {
            Ok(Some(d)) if DeviceId::from_key(&d).is_some() => {}
            Ok(_) => damaged(report, "device_id", "missing or not a device id"),
            Err(e) => damaged(report, "device_id", &StoreError::from(e).to_string()),
        }
        self.read_tree(META, report, None, &mut |report, k, v| {
            let sealed = k.starts_with(super::SETTING_PREFIX) || k == b"sign_in_secret_key";
            if sealed && self.keys().open(META, k, v).is_err() {
                damaged(report, &String::from_utf8_lossy(k), "does not open");
            }
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OperatorId;
    use crate::store::WriteSet;

    #[test]
    fn every_index_tree_has_an_owner_that_writes_it() {
        for tree in index::ALL {
            let kind = index::owner(tree);
            assert!(
                matches!(
                    kind,
                    EntityKind::Client
                        | EntityKind::Operator
                        | EntityKind::Slot
                        | EntityKind::Appointment
                        | EntityKind::Note
                        | EntityKind::Message
                        | EntityKind::QueueEntry
                        | EntityKind::Employer
                        | EntityKind::Contact
                ),
                "{}",
                tree.name
            );
        }
        assert_eq!(index::owner(index::SLOT_HELD), EntityKind::Appointment);
        assert_eq!(index::owner(index::OUTBOX_DUE), EntityKind::Message);
    }

    #[test]
    fn a_sound_store_checks_clean_and_stray_and_missing_entries_are_named() {
        let (_tmp, store) = crate::store::temp_store();
        let now = chrono::Utc::now();
        let admin = Operator {
            id: OperatorId::new_at(1),
            login: crate::domain::operator::Login::parse("admin").unwrap(),
            name: "Admin".into(),
            roles: vec![crate::domain::operator::Role::Admin],
            grants: Vec::new(),
            trained_on: None,
            suspension: None,
            created_at: now,
        };
        let mut ws = WriteSet::new();
        ws.put(&store, None, &admin);
        store.commit(admin.id, ws, now).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!((report.key_slots, report.records, report.ops), (1, 1, 1));
        // A stray login entry pointing at no record, and the admin's own entry removed.
        let mut ws = WriteSet::new();
        ws.index(index::OPERATOR_BY_LOGIN, b"ghost".to_vec(), vec![7; 16]);
        ws.unindex(index::OPERATOR_BY_LOGIN, b"admin".to_vec());
        store.commit(admin.id, ws, now).unwrap();
        let report = store.check().unwrap();
        let findings: Vec<_> = report
            .problems
            .iter()
            .map(|p| (p.key.as_str(), p.finding.clone()))
            .collect();
        assert_eq!(
            findings,
            [
                ("61646d696e", Finding::MissingEntry),
                (
                    "67686f7374",
                    Finding::StrayEntry {
                        record_state: RecordState::Missing
                    }
                ),
            ]
        );
        assert_eq!(report.problems[0].record, Some(ulid::Ulid(admin.id.0).to_string()));
        assert_eq!(report.recovery, Recovery::Reindex);
        assert!(report.summary().contains("store reindex"), "{}", report.summary());
    }
}
