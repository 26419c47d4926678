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

fn slot(login: &str, changed_ms: u64, byte: u8) -> KeySlotCopy {
    KeySlotCopy {
        login: login.into(),
        changed_ms,
        slot: vec![1, byte, byte],
    }
}

#[test]
fn key_slots_merge_by_login_the_newer_wins_and_one_stamped_ahead_waits() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayStore::open(dir.path()).unwrap();
    let now = 1_000_000;
    assert_eq!(
        relay
            .keep_key_slots(&[slot("sam", 10, 1), slot("kim", 10, 1)], now)
            .unwrap(),
        2
    );
    // The same again, or an older slot (a desk that has not seen the new password yet): kept as held.
    assert_eq!(
        relay
            .keep_key_slots(&[slot("sam", 10, 1), slot("kim", 9, 7)], now)
            .unwrap(),
        0
    );
    // A newer one replaces it; at the same time the bytes decide, the same way everywhere.
    assert_eq!(
        relay
            .keep_key_slots(&[slot("sam", 20, 2), slot("kim", 10, 3)], now)
            .unwrap(),
        2
    );
    assert_eq!(relay.keep_key_slots(&[slot("kim", 10, 2)], now).unwrap(), 0);
    // Stamped more than ten minutes ahead of the server's clock: it waits for a later hello.
    let ahead = now + MAX_SLOT_AHEAD_MS + 1;
    assert_eq!(relay.keep_key_slots(&[slot("sam", ahead, 4)], now).unwrap(), 0);
    assert_eq!(relay.keep_key_slots(&[slot("sam", ahead, 4)], ahead).unwrap(), 1);
    let mut held = relay.key_slots().unwrap();
    held.sort_by(|a, b| a.login.cmp(&b.login));
    assert_eq!(held, vec![slot("kim", 10, 3), slot("sam", ahead, 4)]);
    // Slots that may not travel are refused whole; nothing of the hello's is kept.
    let long = "x".repeat(MAX_SLOT_LOGIN + 1);
    assert!(matches!(
        relay.keep_key_slots(&[slot("new", 1, 1), slot(&long, 1, 1)], now),
        Err(RelayError::BadSlots(_))
    ));
    assert_eq!(relay.key_slots().unwrap().len(), 2);
}

#[test]
fn the_institution_is_given_for_a_valid_code_without_spending_it_and_not_before_it_is_founded() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayStore::open(dir.path()).unwrap();
    let code = relay.issue_code(10_000).unwrap();
    assert!(matches!(
        relay.institution(&code, 5_000),
        Err(RelayError::NoInstitution)
    ));
    relay.check_institution(&[8; 32]).unwrap();
    relay.keep_key_slots(&[slot("sam", 1, 1)], 5_000).unwrap();
    assert!(matches!(
        relay.institution("AAAA-BBBB-CCCC-DDDD", 5_000),
        Err(RelayError::BadCode)
    ));
    assert!(matches!(relay.institution(&code, 10_001), Err(RelayError::BadCode)));
    let found = relay.institution(&code, 5_000).unwrap();
    assert_eq!((found.check, found.key_slots), ([8; 32], vec![slot("sam", 1, 1)]));
    // Not spent: the code still enrols, once.
    assert!(relay.enrol(&code, "second desk", 5_000).is_ok());
    assert!(matches!(relay.institution(&code, 5_000), Err(RelayError::BadCode)));
}
