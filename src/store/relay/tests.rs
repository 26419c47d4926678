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

/// `device`'s op `seq`, made at `wall_ms`.
fn op_at(device: DeviceId, seq: u64, wall_ms: u64) -> SealedOp {
    let mut o = op(device, seq);
    o.hlc.wall_ms = wall_ms;
    o
}

#[test]
fn sec_05_unsigned_ops_are_taken_after_the_roster_began_only_if_made_before_it_on_a_terminal_enrolled_by_then() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayStore::open(dir.path()).unwrap();
    let code = relay.issue_code(1_000_000).unwrap();
    let (old_desk, _) = relay.enrol(&code, "old desk", 1_000).unwrap();
    let d = DeviceId(40);
    let now = 100_000;
    let cur = Pushing::Current;
    // No roster yet: nothing can be checked, and an unsigned op is taken.
    relay.push(old_desk, cur, 0, &[op_at(d, 1, 2_000)], now).unwrap();
    relay.found_roster(5_000).unwrap();
    assert_eq!(relay.roster_founded().unwrap(), Some(5_000));
    relay.found_roster(9_000).unwrap();
    assert_eq!(relay.roster_founded().unwrap(), Some(5_000), "founded once");
    // Made before the roster began, pushed after: taken. Made after it: refused.
    relay
        .push(old_desk, cur, 0, &[op_at(d, 2, 4_000), op_at(d, 3, 6_000)], now)
        .unwrap();
    assert_eq!(relay.unsigned_taken(d).unwrap(), 2);
    let refused = relay.refused_of(d).unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, 3);
    assert!(refused[0].1.contains("not signed"), "{}", refused[0].1);
    assert_eq!(
        relay.replica_high_water(d).unwrap(),
        3,
        "the replica's sequence goes on"
    );
    // Once its replica has sent a signed op, an unsigned one is refused whenever it was made.
    let mut signed = op_at(d, 4, 4_500);
    let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[5; 32]).unwrap();
    let message = crate::domain::roster::op_message(&signed.claims(), &[4, 4, 4]);
    signed.signature = Some(crate::domain::roster::Signed {
        key: ring::signature::KeyPair::public_key(&pair).as_ref().try_into().unwrap(),
        signature: pair.sign(&message).as_ref().to_vec(),
    });
    relay
        .push(old_desk, cur, 0, &[signed, op_at(d, 5, 4_600)], now)
        .unwrap();
    assert_eq!(
        relay.refused_of(d).unwrap().iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![3, 5],
        "the signed op is taken (made before the roster), the unsigned one after it is not"
    );
    assert_eq!(relay.unsigned_taken(d).unwrap(), 2);
    // A terminal enrolled after the roster began sends no unsigned op, even dated before it.
    let late_code = relay.issue_code(1_000_000).unwrap();
    let (new_desk, _) = relay.enrol(&late_code, "new desk", 7_000).unwrap();
    let d2 = DeviceId(41);
    relay.push(new_desk, cur, 0, &[op_at(d2, 1, 2_000)], now).unwrap();
    assert_eq!(relay.refused_of(d2).unwrap().len(), 1);
    // The cut-off survives a restart.
    drop(relay);
    let relay = RelayStore::open(dir.path()).unwrap();
    assert_eq!(relay.roster_founded().unwrap(), Some(5_000));
    relay.push(old_desk, cur, 0, &[op_at(d, 6, 4_700)], now).unwrap();
    assert_eq!(relay.refused_of(d).unwrap().len(), 3);
}
