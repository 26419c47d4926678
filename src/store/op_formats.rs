//! The op log's older layouts and how each reads as today's: format 1 sealed the whole op
//! with the institution key; format 2 sealed each change about a client with the client's
//! key; format 3 added the policy version; format 4 (today's, in `oplog.rs`) gives each change
//! its record's layout version and a set field's additions and removals. A change sealed
//! alone carries a version byte of its own: 1 for the layout before format 4, 2 for today's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::oplog::{StoredChange, StoredOp};
use crate::domain::change::{Change, Hlc, Op};
use crate::domain::ids::{DeviceId, OperatorId};
use crate::domain::RecordRef;

/// A change as written before format 4: no record layout, no set edits.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) enum ChangeV1 {
    Create {
        record: RecordRef,
        fields: BTreeMap<String, String>,
    },
    Update {
        record: RecordRef,
        fields: BTreeMap<String, String>,
    },
    Delete {
        record: RecordRef,
    },
    Erased {
        record: RecordRef,
    },
}

impl From<ChangeV1> for Change {
    fn from(c: ChangeV1) -> Change {
        match c {
            ChangeV1::Create { record, fields } => Change::Create {
                record,
                format: 0,
                fields,
            },
            ChangeV1::Update { record, fields } => Change::Update {
                record,
                format: 0,
                fields,
                sets: BTreeMap::new(),
            },
            ChangeV1::Delete { record } => Change::Delete { record },
            ChangeV1::Erased { record } => Change::Erased { record },
        }
    }
}

/// An op as format 1 sealed it, whole.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct OpV1 {
    pub device: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    pub operator: OperatorId,
    pub changes: Vec<ChangeV1>,
}

impl From<OpV1> for Op {
    fn from(o: OpV1) -> Op {
        Op {
            device: o.device,
            seq: o.seq,
            hlc: o.hlc,
            operator: o.operator,
            changes: o.changes.into_iter().map(Change::from).collect(),
        }
    }
}

/// One change as formats 2 and 3 stored it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum StoredChangeV1 {
    Open(ChangeV1),
    Sealed {
        record: RecordRef,
        subject: u128,
        sealed: Vec<u8>,
    },
}

impl From<StoredChangeV1> for StoredChange {
    fn from(c: StoredChangeV1) -> StoredChange {
        match c {
            StoredChangeV1::Open(c) => StoredChange::Open(c.into()),
            StoredChangeV1::Sealed {
                record,
                subject,
                sealed,
            } => StoredChange::Sealed {
                record,
                subject,
                sealed,
            },
        }
    }
}

/// An op as format 3 stored it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct StoredOp3 {
    pub device: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    pub operator: OperatorId,
    pub changes: Vec<StoredChangeV1>,
    pub policy_version: u32,
}

/// An op as format 2 stored it: as 3 without the policy version.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct StoredOp2 {
    pub device: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    pub operator: OperatorId,
    pub changes: Vec<StoredChangeV1>,
}

impl From<StoredOp3> for StoredOp {
    fn from(o: StoredOp3) -> StoredOp {
        StoredOp {
            device: o.device,
            seq: o.seq,
            hlc: o.hlc,
            operator: o.operator,
            changes: o.changes.into_iter().map(StoredChange::from).collect(),
            policy_version: o.policy_version,
        }
    }
}

impl From<StoredOp2> for StoredOp {
    fn from(o: StoredOp2) -> StoredOp {
        StoredOp {
            device: o.device,
            seq: o.seq,
            hlc: o.hlc,
            operator: o.operator,
            changes: o.changes.into_iter().map(StoredChange::from).collect(),
            policy_version: 0,
        }
    }
}

/// A change sealed alone, from its plain bytes (version byte first).
pub(super) fn decode_sealed_change(plain: &[u8]) -> Result<Change, super::codec::CodecError> {
    use super::codec::{decode_body, CodecError};
    let (&version, body) = plain.split_first().ok_or(CodecError::Empty)?;
    match version {
        1 => decode_body::<ChangeV1>(body).map(Change::from),
        2 => decode_body::<Change>(body),
        other => Err(CodecError::UnknownFormat(other)),
    }
}
