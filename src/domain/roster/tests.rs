use ring::signature::{Ed25519KeyPair, KeyPair};

use super::*;
use crate::domain::ids::DeviceId;
use crate::domain::sync::OpBody;

/// A roster that holds no key.
fn none(_: &PublicKey) -> Option<RosterEntry> {
    None
}

fn pair(n: u8) -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed_unchecked(&[n; 32]).unwrap()
}

fn public(p: &Ed25519KeyPair) -> PublicKey {
    p.public_key().as_ref().try_into().unwrap()
}

fn sign(p: &Ed25519KeyPair, message: &[u8]) -> Signed {
    Signed {
        key: public(p),
        signature: p.sign(message).as_ref().to_vec(),
    }
}

fn hlc(day: u32) -> Hlc {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, day)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    Hlc {
        wall_ms: at.and_utc().timestamp_millis() as u64,
        counter: 0,
        device: DeviceId(1),
    }
}

/// `operator`'s entry with `roles` and `key`, written on `day`, signed by `by`.
fn entry(operator: u128, roles: &[Role], key: &Ed25519KeyPair, day: u32, by: &Ed25519KeyPair) -> RosterEntry {
    let mut e = RosterEntry {
        operator: OperatorId(operator),
        login: Login::parse(&format!("op{operator}")).unwrap(),
        roles: roles.to_vec(),
        grants: vec![],
        trained_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        suspended: None,
        keys: vec![public(key)],
        hlc: hlc(day),
        signed: Signed {
            key: [0; 32],
            signature: vec![],
        },
    };
    e.signed = sign(by, &entry_message(&e));
    e
}

/// An op of `operator` on `day` erasing `erases`, signed by `by` (or not).
fn op(operator: u128, day: u32, erases: Vec<u128>, by: Option<&Ed25519KeyPair>) -> SealedOp {
    let mut o = SealedOp::sample(DeviceId(2), 1, vec![7, 7, 7]);
    o.operator = OperatorId(operator);
    o.hlc = hlc(day);
    o.erases = erases;
    o.signature = by.map(|p| sign(p, &op_message(&o.claims(), &[7, 7, 7])));
    o
}

#[test]
fn sec_05_an_erasure_signed_by_desk_staff_is_refused_and_by_a_supervisor_taken() {
    let staff = pair(2);
    let admin = pair(1);
    let desk_entry = entry(2, &[Role::Desk], &staff, 1, &admin);
    let refused = check_op(
        &op(2, 3, vec![77], Some(&staff)),
        Some(&desk_entry),
        Cutoff::NoRoster,
        &none,
    )
    .unwrap_err();
    assert!(
        matches!(refused, OpRefusal::Denied(ref m) if m.contains("may not erase clients")),
        "{refused}"
    );
    assert_eq!(
        check_op(
            &op(2, 3, vec![], Some(&staff)),
            Some(&desk_entry),
            Cutoff::NoRoster,
            &none
        ),
        Ok(()),
        "their other ops are taken"
    );
    let sup = entry(2, &[Role::Supervisor], &staff, 1, &admin);
    assert_eq!(
        check_op(&op(2, 3, vec![77], Some(&staff)), Some(&sup), Cutoff::NoRoster, &none),
        Ok(())
    );
}

#[test]
fn sec_05_an_unsigned_erasure_is_refused_whenever_it_was_made_and_other_unsigned_ops_are_taken() {
    let sup = entry(2, &[Role::Supervisor], &pair(2), 1, &pair(1));
    assert_eq!(
        check_op(&op(2, 3, vec![77], None), Some(&sup), Cutoff::NoRoster, &none),
        Err(OpRefusal::UnsignedErasure)
    );
    assert_eq!(
        check_op(&op(2, 3, vec![77], None), None, Cutoff::NoRoster, &none),
        Err(OpRefusal::UnsignedErasure)
    );
    assert_eq!(
        check_op(&op(2, 3, vec![], None), Some(&sup), Cutoff::NoRoster, &none),
        Ok(())
    );
}

#[test]
fn sec_05_an_op_signed_with_another_operator_s_key_or_changed_on_the_way_is_refused() {
    let sup = entry(2, &[Role::Supervisor], &pair(2), 1, &pair(1));
    assert!(matches!(
        check_op(&op(2, 3, vec![77], Some(&pair(9))), Some(&sup), Cutoff::NoRoster, &none),
        Err(OpRefusal::NotTheirKey(_))
    ));
    let mut changed = op(2, 3, vec![77], Some(&pair(2)));
    changed.erases = vec![78];
    assert_eq!(
        check_op(&changed, Some(&sup), Cutoff::NoRoster, &none),
        Err(OpRefusal::BadSignature)
    );
    let mut other_content = op(2, 3, vec![77], Some(&pair(2)));
    other_content.body = OpBody::Sealed {
        entry: vec![8, 8, 8],
        keys: vec![],
    };
    assert_eq!(
        check_op(&other_content, Some(&sup), Cutoff::NoRoster, &none),
        Err(OpRefusal::BadSignature)
    );
    assert_eq!(
        check_op(&op(2, 3, vec![77], Some(&pair(2))), None, Cutoff::NoRoster, &none),
        Err(OpRefusal::NotInRoster)
    );
}

#[test]
fn sec_03_a_suspended_operator_s_ops_after_the_suspension_are_refused_and_those_before_taken() {
    let mut e = entry(2, &[Role::Supervisor], &pair(2), 5, &pair(1));
    e.suspended = Some("under investigation".into());
    let after = check_op(&op(2, 6, vec![], Some(&pair(2))), Some(&e), Cutoff::NoRoster, &none).unwrap_err();
    assert!(after.to_string().contains("suspended"), "{after}");
    assert_eq!(
        check_op(&op(2, 4, vec![77], Some(&pair(2))), Some(&e), Cutoff::NoRoster, &none),
        Ok(())
    );
}

#[test]
fn sec_05_an_untrained_operator_s_signed_ops_are_refused() {
    let mut e = entry(2, &[Role::Consultant], &pair(2), 1, &pair(1));
    e.trained_on = chrono::NaiveDate::from_ymd_opt(2026, 12, 20);
    let why = check_op(&op(2, 3, vec![], Some(&pair(2))), Some(&e), Cutoff::NoRoster, &none).unwrap_err();
    assert!(why.to_string().contains("training"), "{why}");
}

#[test]
fn sec_05_roster_entries_are_taken_from_an_administrator_and_refused_from_anyone_else() {
    let admin = pair(1);
    let mut held = Vec::new();
    // The first administrator's own entry founds the roster; a desk-staff entry it signs
    // comes in, even listed first.
    let founder = entry(1, &[Role::Admin], &admin, 1, &admin);
    let staff = entry(2, &[Role::Desk], &pair(2), 2, &admin);
    let done = admit_all(&mut held, &[staff.clone(), founder.clone()]);
    assert_eq!(done.taken, vec![OperatorId(1), OperatorId(2)]);
    assert!(done.refused.is_empty());

    // Desk staff may not make themselves supervisors, nor may anyone outside the roster.
    let promoted = entry(2, &[Role::Supervisor], &pair(2), 3, &pair(2));
    let stranger = entry(3, &[Role::Admin], &pair(3), 3, &pair(3));
    let done = admit_all(&mut held, &[promoted, stranger]);
    assert!(done.taken.is_empty());
    assert_eq!(done.refused.len(), 2);
    assert!(matches!(done.refused[0].1, EntryRefusal::NotAnAdministrator(_)));

    // An operator adds their own new key with one they hold; a forged entry is refused.
    let mut new_key = staff.clone();
    new_key.keys.push(public(&pair(4)));
    new_key.hlc = hlc(4);
    new_key.signed = sign(&pair(2), &entry_message(&new_key));
    let mut forged = entry(2, &[Role::Admin], &pair(2), 5, &admin);
    forged.roles = vec![Role::Supervisor];
    let done = admit_all(&mut held, &[new_key, forged]);
    assert_eq!(done.taken, vec![OperatorId(2)]);
    assert!(matches!(done.refused[0].1, EntryRefusal::BadSignature(_)));
    let now = held.iter().find(|e| e.operator == OperatorId(2)).unwrap();
    assert_eq!(now.keys.len(), 2);
    assert_eq!(now.roles, vec![Role::Desk]);

    // An older entry changes nothing.
    let done = admit_all(&mut held, &[staff]);
    assert!(done.taken.is_empty() && done.refused.is_empty());
}

#[test]
fn sec_03_a_suspended_administrator_signs_no_entries() {
    let admin = pair(1);
    let mut founder = entry(1, &[Role::Admin], &admin, 1, &admin);
    let mut held = Vec::new();
    admit_all(&mut held, std::slice::from_ref(&founder));
    let second = entry(5, &[Role::Admin], &pair(5), 2, &admin);
    admit_all(&mut held, &[second]);
    // The second administrator suspends the first.
    founder.suspended = Some("left the service".into());
    founder.hlc = hlc(3);
    founder.signed = sign(&pair(5), &entry_message(&founder));
    assert_eq!(admit_all(&mut held, std::slice::from_ref(&founder)).taken.len(), 1);
    let late = entry(6, &[Role::Supervisor], &pair(6), 4, &admin);
    assert_eq!(admit_all(&mut held, &[late]).refused.len(), 1);
}

#[test]
fn sec_05_a_change_of_staff_accounts_needs_an_administrator_s_signature() {
    let staff = pair(2);
    let desk_entry = entry(2, &[Role::Desk], &staff, 1, &pair(1));
    let mut own = op(2, 3, vec![], None);
    own.kinds = vec![EntityKind::Operator];
    assert_eq!(
        check_op(&own, Some(&desk_entry), Cutoff::NoRoster, &none),
        Err(OpRefusal::UnsignedOperatorChange)
    );
    own.signature = Some(sign(&staff, &op_message(&own.claims(), &[7, 7, 7])));
    let why = check_op(&own, Some(&desk_entry), Cutoff::NoRoster, &none).unwrap_err();
    assert!(
        why.to_string().contains("manage operators") || why.to_string().contains("may not"),
        "{why}"
    );
    let admin_entry = entry(1, &[Role::Admin], &pair(1), 1, &pair(1));
    let mut by_admin = op(1, 3, vec![], None);
    by_admin.kinds = vec![EntityKind::Operator, EntityKind::Client];
    by_admin.signature = Some(sign(&pair(1), &op_message(&by_admin.claims(), &[7, 7, 7])));
    assert_eq!(check_op(&by_admin, Some(&admin_entry), Cutoff::NoRoster, &none), Ok(()));
    // Kinds are signed: naming fewer on the way breaks the signature.
    by_admin.kinds = vec![EntityKind::Client];
    assert_eq!(
        check_op(&by_admin, Some(&admin_entry), Cutoff::NoRoster, &none),
        Err(OpRefusal::BadSignature)
    );
}

/// `operator`'s op on `day` changing records of `kinds`, signed by `by`.
fn op_changing(operator: u128, kinds: &[EntityKind], by: &Ed25519KeyPair) -> SealedOp {
    let mut o = op(operator, 3, vec![], None);
    o.kinds = kinds.to_vec();
    o.signature = Some(sign(by, &op_message(&o.claims(), &[7, 7, 7])));
    o
}

#[test]
fn sec_05_a_signed_op_changing_a_kind_of_record_its_operator_s_roles_do_not_write_is_refused() {
    let key = pair(3);
    let consultant = entry(3, &[Role::Consultant], &key, 1, &pair(1));
    let why = check_op(
        &op_changing(3, &[EntityKind::Employer], &key),
        Some(&consultant),
        Cutoff::NoRoster,
        &none,
    )
    .unwrap_err();
    assert!(why.to_string().contains("may not change employer records"), "{why}");
    let why = check_op(
        &op_changing(3, &[EntityKind::Client, EntityKind::Contact], &key),
        Some(&consultant),
        Cutoff::NoRoster,
        &none,
    )
    .unwrap_err();
    assert!(why.to_string().contains("employer contact"), "{why}");
    for fine in [
        &[EntityKind::Client, EntityKind::Appointment, EntityKind::Note][..],
        &[EntityKind::Slot, EntityKind::Message],
        &[EntityKind::Concern],
    ] {
        assert_eq!(
            check_op(&op_changing(3, fine, &key), Some(&consultant), Cutoff::NoRoster, &none),
            Ok(()),
            "{fine:?}"
        );
    }
    // Employer relations write employers, and never a note or a client.
    let er = entry(3, &[Role::EmployerRelations], &key, 1, &pair(1));
    assert_eq!(
        check_op(
            &op_changing(3, &[EntityKind::Employer, EntityKind::Engagement], &key),
            Some(&er),
            Cutoff::NoRoster,
            &none
        ),
        Ok(())
    );
    for refused in [EntityKind::Note, EntityKind::Client, EntityKind::Concern] {
        assert!(
            check_op(&op_changing(3, &[refused], &key), Some(&er), Cutoff::NoRoster, &none).is_err(),
            "{refused:?}"
        );
    }
    // A place the server decided is settled by whoever is signed in where it was made.
    assert_eq!(
        check_op(
            &op_changing(3, &[EntityKind::Appointment], &key),
            Some(&er),
            Cutoff::NoRoster,
            &none
        ),
        Ok(())
    );
}

#[test]
fn sec_05_an_op_the_roster_cannot_check_is_taken_only_if_made_before_the_roster_began_on_a_desk_enrolled_by_then() {
    let founded_ms = hlc(5).wall_ms;
    let founded = |enrolled_day: u32, first_signed: Option<u64>| Cutoff::Founded {
        founded_ms,
        enrolled_ms: hlc(enrolled_day).wall_ms,
        first_signed,
    };
    let sup = entry(2, &[Role::Supervisor], &pair(2), 1, &pair(1));
    // Unsigned, erasing nothing: taken before the roster, and after it only if made before it.
    let before = op(2, 3, vec![], None);
    let after = op(2, 6, vec![], None);
    assert_eq!(check_op(&after, Some(&sup), Cutoff::NoRoster, &none), Ok(()));
    assert_eq!(check_op(&before, Some(&sup), founded(1, None), &none), Ok(()));
    assert_eq!(
        check_op(&after, Some(&sup), founded(1, None), &none),
        Err(OpRefusal::Unsigned)
    );
    // ...on a terminal enrolled by then,
    assert_eq!(
        check_op(&before, Some(&sup), founded(6, None), &none),
        Err(OpRefusal::Unsigned)
    );
    // ...and before its replica's first signed op: a desk that signs sends no unsigned op.
    let mut later_in_sequence = before.clone();
    later_in_sequence.seq = 9;
    assert_eq!(check_op(&before, Some(&sup), founded(1, Some(4)), &none), Ok(()));
    assert_eq!(
        check_op(&later_in_sequence, Some(&sup), founded(1, Some(4)), &none),
        Err(OpRefusal::Unsigned)
    );
    // An unsigned erasure or change of staff accounts is refused whenever it was made.
    assert_eq!(
        check_op(&op(2, 3, vec![77], None), Some(&sup), founded(1, None), &none),
        Err(OpRefusal::UnsignedErasure)
    );
    // A signed op by an operator the roster does not know: taken only from before it began.
    let unknown_before = op(8, 3, vec![], Some(&pair(8)));
    let unknown_after = op(8, 6, vec![], Some(&pair(8)));
    assert_eq!(check_op(&unknown_before, None, founded(1, None), &none), Ok(()));
    assert_eq!(
        check_op(&unknown_after, None, founded(1, None), &none),
        Err(OpRefusal::NotInRoster)
    );
    assert_eq!(check_op(&unknown_after, None, Cutoff::NoRoster, &none), Ok(()));
    // A signed op the roster checks is judged by the roster alone, made whenever.
    assert_eq!(
        check_op(
            &op(2, 6, vec![], Some(&pair(2))),
            Some(&sup),
            founded(1, Some(1)),
            &none
        ),
        Ok(())
    );
}

#[test]
fn sec_05_an_op_sealed_again_at_a_key_rotation_is_taken_under_an_administrator_s_key_and_judged_by_its_operator_s_rights(
) {
    let admin_key = pair(1);
    let staff_key = pair(2);
    let admin = entry(1, &[Role::Admin], &admin_key, 1, &admin_key);
    let desk = entry(2, &[Role::Desk], &staff_key, 1, &admin_key);
    let consultant = entry(4, &[Role::Consultant], &pair(4), 1, &admin_key);
    let roster = [admin.clone(), desk.clone(), consultant.clone()];
    let holder = |k: &PublicKey| roster.iter().find(|e| e.keys.contains(k)).cloned();
    // desk staff's op, sealed again and signed by the administrator: taken...
    let resealed = op(2, 3, vec![], Some(&admin_key));
    assert_eq!(check_op(&resealed, Some(&desk), Cutoff::NoRoster, &holder), Ok(()));
    // ...but still judged as desk staff's: an erasure is refused.
    let erasure = op(2, 3, vec![77], Some(&admin_key));
    let why = check_op(&erasure, Some(&desk), Cutoff::NoRoster, &holder).unwrap_err();
    assert!(why.to_string().contains("may not erase clients"), "{why}");
    // Another operator's key that is not an administrator's is still refused.
    let by_consultant = op(2, 3, vec![], Some(&pair(4)));
    assert!(matches!(
        check_op(&by_consultant, Some(&desk), Cutoff::NoRoster, &holder),
        Err(OpRefusal::NotTheirKey(_))
    ));
}

#[test]
fn sec_05_an_op_is_judged_by_the_rights_its_operator_had_when_it_was_made() {
    let admin = pair(1);
    let key = pair(2);
    let new_key = pair(3);
    let as_supervisor = entry(2, &[Role::Supervisor], &key, 2, &admin);
    let mut demoted = entry(2, &[Role::Desk], &key, 5, &admin);
    demoted.keys.push(public(&new_key));
    let history = [as_supervisor.clone(), demoted.clone()];
    // An erasure made on day 3, while a supervisor, pushed after the demotion of day 5: taken.
    let made_then = entry_at(&history, &demoted, hlc(3));
    assert_eq!(made_then.roles, vec![Role::Supervisor]);
    assert!(made_then.keys.contains(&public(&new_key)), "keys from the newest entry");
    assert_eq!(
        check_op(
            &op(2, 3, vec![77], Some(&key)),
            Some(&made_then),
            Cutoff::NoRoster,
            &none
        ),
        Ok(())
    );
    // One made on day 6, after it: refused.
    let made_after = entry_at(&history, &demoted, hlc(6));
    assert_eq!(made_after.roles, vec![Role::Desk]);
    assert!(check_op(
        &op(2, 6, vec![77], Some(&key)),
        Some(&made_after),
        Cutoff::NoRoster,
        &none
    )
    .is_err());
    // Before any entry: the oldest; with no history kept: the newest.
    assert_eq!(entry_at(&history, &demoted, hlc(1)).roles, vec![Role::Supervisor]);
    assert_eq!(entry_at(&[], &demoted, hlc(3)), demoted);
}

#[test]
fn data_05_a_desk_carries_out_an_erasure_only_if_its_own_roster_lets_its_maker_erase() {
    let admin = pair(1);
    let sup_key = pair(2);
    let desk_key = pair(3);
    let sup = entry(2, &[Role::Supervisor], &sup_key, 1, &admin);
    let staff = entry(3, &[Role::Desk], &desk_key, 1, &admin);
    let since = Some(hlc(2).wall_ms);
    // A supervisor's signed erasure: carried out, its content there or dropped with its hash.
    let erasure = op(2, 3, vec![77], Some(&sup_key));
    assert_eq!(desk_takes_erasure(&erasure, Some(&sup), &none, since), Ok(()));
    let mut dropped = erasure.clone();
    dropped.drop_content();
    assert!(matches!(dropped.body, OpBody::DroppedKeepingHash { .. }));
    assert_eq!(desk_takes_erasure(&dropped, Some(&sup), &none, since), Ok(()));
    // A client added to its erasures on the way: its signature no longer opens.
    let mut widened = dropped.clone();
    widened.erases.push(78);
    assert_eq!(
        desk_takes_erasure(&widened, Some(&sup), &none, since),
        Err(OpRefusal::BadSignature)
    );
    // Desk staff may not erase, whatever the server said.
    let by_staff = op(3, 3, vec![77], Some(&desk_key));
    assert!(desk_takes_erasure(&by_staff, Some(&staff), &none, since).is_err());
    // Unsigned, or dropped before hashes were kept: only if dated before this desk's roster.
    let unsigned = op(2, 3, vec![77], None);
    assert_eq!(
        desk_takes_erasure(&unsigned, Some(&sup), &none, since),
        Err(OpRefusal::UnsignedErasure)
    );
    let old = op(2, 1, vec![77], None);
    assert_eq!(desk_takes_erasure(&old, Some(&sup), &none, since), Ok(()));
    assert_eq!(desk_takes_erasure(&unsigned, Some(&sup), &none, None), Ok(()));
    let mut legacy_dropped = erasure.clone();
    legacy_dropped.body = OpBody::Dropped;
    assert_eq!(
        desk_takes_erasure(&legacy_dropped, Some(&sup), &none, since),
        Err(OpRefusal::UnsignedErasure)
    );
}
