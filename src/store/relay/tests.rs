//! The server store's own rules: codes, revocation, dense and idempotent pushes.

use super::*;
use crate::domain::sync::{OpBody, PushRefusal, SealedOp};

fn op(device: DeviceId, seq: u64) -> SealedOp {
    SealedOp::sample(device, seq, vec![seq as u8; 3])
}

#[test]
fn a_code_enrols_once_and_a_revoked_terminal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayStore::open(dir.path()).unwrap();
    let code = relay.issue_code(10_000).unwrap();
    let (id, secret) = relay.enrol(&code.to_lowercase(), "fair laptop", 5_000).unwrap();
    assert!(matches!(relay.enrol(&code, "again", 5_000), Err(RelayError::BadCode)));
    let late = relay.issue_code(10_000).unwrap();
    assert!(matches!(relay.enrol(&late, "late", 10_001), Err(RelayError::BadCode)));
    assert!(relay.authenticate(id, &secret).is_ok());
    assert!(matches!(
        relay.authenticate(id, &[0; 32]),
        Err(RelayError::UnknownTerminal)
    ));
    assert!(relay.revoke(id, 6_000).unwrap());
    assert!(matches!(relay.authenticate(id, &secret), Err(RelayError::Revoked)));
}

#[test]
fn pushes_are_dense_idempotent_and_a_replica_belongs_to_one_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayStore::open(dir.path()).unwrap();
    let t1 = TerminalId(1);
    let t2 = TerminalId(2);
    let d = DeviceId(40);
    let now = Pushing::Current;
    assert_eq!(relay.push(t1, now, 0, &[op(d, 1), op(d, 2)], 0).unwrap(), 2);
    assert_eq!(relay.push(t1, now, 0, &[op(d, 2), op(d, 3)], 0).unwrap(), 3);
    assert_eq!(relay.head().unwrap(), 3);
    assert!(matches!(
        relay.push(t1, now, 0, &[op(d, 5)], 0),
        Err(RelayError::Push(PushRefusal::Gap { .. }))
    ));
    assert!(matches!(
        relay.push(t2, now, 0, &[op(d, 4)], 0),
        Err(RelayError::Push(PushRefusal::NotYours { .. }))
    ));
    // A copy of t1's store on t2 may give its history again, byte for byte, not rewrite it.
    assert_eq!(relay.push(t2, Pushing::Older, 0, &[op(d, 1)], 0).unwrap(), 3);
    let mut rewritten = op(d, 2);
    rewritten.body = OpBody::Sealed {
        entry: vec![9],
        keys: vec![],
    };
    assert!(matches!(
        relay.push(t2, Pushing::Older, 0, &[rewritten], 0),
        Err(RelayError::Push(PushRefusal::Rewritten { .. }))
    ));
    assert_eq!(relay.head().unwrap(), 3);
    let pulled = relay.pull(1, 10, 1 << 20).unwrap();
    assert_eq!(
        pulled.iter().map(|(s, o)| (*s, o.seq)).collect::<Vec<_>>(),
        vec![(2, 2), (3, 3)]
    );
    assert_eq!(relay.pull(0, 2, 1 << 20).unwrap().len(), 2);
}
