//! How an op that travels is kept on disk (the server's ops, the ops a desk has taken):
//! format 1 before ops were signed, format 2 with its operator's signature and the kinds of
//! record it changes (decision 0022).

use serde::Deserialize;

use super::{codec, show_key, StoreError};
use crate::domain::change::Hlc;
use crate::domain::ids::{DeviceId, OperatorId};
use crate::domain::sync::{OpBody, SealedOp};

/// The layout written today.
const FORMAT: u8 = 2;

/// An op as kept before signatures: it reads as unsigned.
#[derive(Deserialize)]
struct SealedOpV1 {
    device: DeviceId,
    seq: u64,
    hlc: Hlc,
    operator: OperatorId,
    subjects: Vec<u128>,
    erases: Vec<u128>,
    policy_version: u32,
    body: OpBody,
}

/// Encodes a travelling op in today's layout.
pub(crate) fn encode_op(op: &SealedOp) -> Result<Vec<u8>, StoreError> {
    codec::encode_versioned(FORMAT, op).map_err(|e| StoreError::Io(e.to_string()))
}

/// Decodes a travelling op kept in any layout this careerdesk wrote.
pub(crate) fn decode_op(tree: &str, key: &[u8], raw: &[u8]) -> Result<SealedOp, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        tree: tree.into(),
        key: show_key(key),
        reason,
    };
    let (&format, body) = raw.split_first().ok_or_else(|| corrupt("empty".into()))?;
    match format {
        1 => {
            let v: SealedOpV1 = codec::decode_body(body).map_err(|e| corrupt(e.to_string()))?;
            Ok(SealedOp {
                device: v.device,
                seq: v.seq,
                hlc: v.hlc,
                operator: v.operator,
                subjects: v.subjects,
                erases: v.erases,
                policy_version: v.policy_version,
                body: v.body,
                signature: None,
                kinds: Vec::new(),
            })
        }
        FORMAT => codec::decode_body(body).map_err(|e| corrupt(e.to_string())),
        other => Err(corrupt(codec::CodecError::UnknownFormat(other).to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_kept_before_signatures_reads_as_unsigned_and_today_s_keeps_its_signature() {
        let mut op = SealedOp::sample(DeviceId(3), 7, vec![1, 2, 3]);
        let old = codec::encode_versioned(
            1,
            &(
                op.device,
                op.seq,
                op.hlc,
                op.operator,
                &op.subjects,
                &op.erases,
                op.policy_version,
                &op.body,
            ),
        )
        .unwrap();
        assert_eq!(decode_op("t", b"k", &old).unwrap(), op);
        op.signature = Some(crate::domain::roster::Signed {
            key: [9; 32],
            signature: vec![1; 64],
        });
        assert_eq!(decode_op("t", b"k", &encode_op(&op).unwrap()).unwrap(), op);
        assert!(
            decode_op("t", b"k", &[7, 1, 2]).is_err(),
            "an unknown layout is refused"
        );
        assert!(decode_op("t", b"k", &[]).is_err());
    }
}
