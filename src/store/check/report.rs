//! What a store check found: the report, each damaged item and its finding, and the
//! recovery it calls for.

use std::fmt;

use serde::Serialize;

use crate::domain::EntityKind;
use crate::store::index;

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

    pub(super) fn add(
        &mut self,
        tree: &str,
        key: String,
        kind: Option<EntityKind>,
        record: Option<u128>,
        finding: Finding,
    ) {
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
