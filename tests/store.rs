//! The encrypted store through the service layer: sealing at rest, indexes, the op log, the
//! audit log, damaged values and durability.

mod common;

use std::path::Path;

use careerdesk::desk::DeskError;
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::change::Change;
use careerdesk::domain::client::Client;
use careerdesk::domain::operator::Role;
use careerdesk::domain::EntityKind;
use careerdesk::store::StoreError;
use common::*;

const CANARY: &str = "Zqxcanaryvwq";

fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}

#[test]
fn canary_in_clients_and_notes_appears_in_no_file_at_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    {
        let desk = init(tmp.path(), clock.clone());
        desk.add_operator(&staff("cons", &[Role::Consultant], Some("2026-01-01")))
            .unwrap();
        let mut c = new_client("10000001", &format!("Ada {CANARY}"));
        c.email = format!("{}@example.ac.uk", CANARY.to_lowercase());
        let client = add(&desk, &c).unwrap();
        let cons = sign_in_via(&desk, "cons", STAFF_PASSWORD, clock.clone()).unwrap();
        cons.write_note(client.id, None, &format!("Discussed {CANARY} options"))
            .unwrap();
        // The note really is there and readable once unlocked.
        let notes = cons.notes_for(client.id).unwrap();
        assert_eq!(notes.len(), 1);
        let body = cons.read_note(notes[0].id).unwrap();
        assert!(body.current().unwrap().body.contains(CANARY));
        cons.store().flush().unwrap();
    }
    let hits = [CANARY.as_bytes(), CANARY.to_lowercase().as_bytes(), b"10000001"]
        .iter()
        .flat_map(|n| files_containing(tmp.path(), n))
        .collect::<Vec<_>>();
    assert!(hits.is_empty(), "personal data found in plain text in: {hits:?}");
}

#[test]
fn student_numbers_are_unique_and_a_duplicate_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = init(tmp.path(), clock());
    add(&desk, &new_client("10000001", "Ada One")).unwrap();
    let before = desk.store().last_op().unwrap().unwrap().seq;
    let err = add(&desk, &new_client("10000001", "Someone Else")).unwrap_err();
    assert_eq!(err.exit_code(), 2, "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(desk.store().last_op().unwrap().unwrap().seq, before);
    assert_eq!(desk.client_by_student_number(&sn("10000001")).unwrap().name, "Ada One");
    assert_eq!(desk.store().count::<Client>().unwrap(), 1);
}

#[test]
fn data_01_invalid_fields_are_refused_with_each_field_named() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = init(tmp.path(), clock());
    let mut c = new_client("12", "");
    c.email = "not-an-email".into();
    c.phone = Some("12345".into());
    c.course_end = Some("2028-13-01".into());
    let err = add(&desk, &c).unwrap_err();
    let DeskError::Fields(fields) = &err else {
        panic!("expected field errors, got {err}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field).collect();
    assert_eq!(names, ["student-number", "name", "email", "phone", "course-end"]);
    assert_eq!(err.exit_code(), 2);
    assert_eq!(desk.store().count::<Client>().unwrap(), 0);
}

#[test]
fn every_change_is_in_the_op_log_with_dense_sequence_and_field_level_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    let desk = init(tmp.path(), clock.clone());
    let op = desk
        .add_operator(&staff("desk1", &[Role::Desk], Some("2026-01-01")))
        .unwrap();
    let client = add(&desk, &new_client("10000001", "Ada One")).unwrap();
    clock.set(t0() + chrono::Duration::minutes(5));
    desk.suspend_operator(&login("desk1"), "suspected account sharing")
        .unwrap();
    let ops: Vec<_> = desk.store().ops_after(0).unwrap().map(Result::unwrap).collect();
    let seqs: Vec<u64> = ops.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, (1..=ops.len() as u64).collect::<Vec<_>>());
    assert!(ops.windows(2).all(|w| w[0].hlc < w[1].hlc));
    assert!(ops.iter().all(|o| o.device == desk.store().device()));
    let created = ops
        .iter()
        .find(|o| o.changes.iter().any(|c| c.record().id == client.id.0))
        .unwrap();
    assert!(
        matches!(&created.changes[0], Change::Create { fields, .. } if fields.contains_key("name") && fields.contains_key("email"))
    );
    let last = ops.last().unwrap();
    assert_eq!(last.operator, desk.operator().id);
    match &last.changes[0] {
        Change::Update { record, fields, .. } => {
            assert_eq!(record.kind, EntityKind::Operator);
            assert_eq!(record.id, op.id.0);
            assert_eq!(fields.keys().collect::<Vec<_>>(), ["suspension"]);
        }
        other => panic!("expected a field-level update, got {other:?}"),
    }
}

#[test]
fn sec_01_wrong_password_is_refused_and_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    drop(init(tmp.path(), clock.clone()));
    let err = sign_in(tmp.path(), "admin", "not the password", clock.clone())
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 4, "{err}");
    assert!(err.to_string().contains("unknown login or wrong password"), "{err}");
    let err = sign_in(tmp.path(), "nobody", "whatever-password", clock.clone())
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 4);
    let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock).unwrap();
    let log: Vec<_> = desk.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    let refused: Vec<_> = log
        .iter()
        .filter(|e| e.action == AuditAction::SignInRefused)
        .map(|e| e.login.clone().unwrap())
        .collect();
    assert_eq!(refused, ["admin", "nobody"]);
    assert!(log.iter().any(|e| e.action == AuditAction::SignIn));
}

#[test]
fn sec_03_suspended_operator_cannot_sign_in() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    let desk = init(tmp.path(), clock.clone());
    desk.add_operator(&staff("desk1", &[Role::Desk], Some("2026-01-01")))
        .unwrap();
    assert!(sign_in_via(&desk, "desk1", STAFF_PASSWORD, clock.clone()).is_ok());
    desk.suspend_operator(&login("desk1"), "suspected breach").unwrap();
    let err = sign_in_via(&desk, "desk1", STAFF_PASSWORD, clock.clone())
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 4);
    assert!(err.to_string().contains("suspended"), "{err}");
    let log: Vec<_> = desk.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    assert!(log
        .iter()
        .any(|e| e.action == AuditAction::SignInRefused && e.detail == "account suspended"));
}

#[test]
fn sec_05_untrained_operator_may_read_but_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    let admin = init(tmp.path(), clock.clone());
    add(&admin, &new_client("10000001", "Ada One")).unwrap();
    admin.add_operator(&staff("newbie", &[Role::Desk], None)).unwrap();
    let newbie = sign_in_via(&admin, "newbie", STAFF_PASSWORD, clock).unwrap();
    assert_eq!(
        newbie.client_by_student_number(&sn("10000001")).unwrap().name,
        "Ada One"
    );
    let err = add(&newbie, &new_client("10000002", "Bo Two")).unwrap_err();
    assert_eq!(err.exit_code(), 4);
    assert!(err.to_string().contains("training"), "{err}");
    let err = newbie
        .add_operator(&staff("x1", &[Role::Admin], Some("2026-01-01")))
        .unwrap_err();
    assert_eq!(err.exit_code(), 4);
}

#[test]
fn sec_04_desk_staff_see_that_notes_exist_but_never_read_bodies() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    let admin = init(tmp.path(), clock.clone());
    let client = add(&admin, &new_client("10000001", "Ada One")).unwrap();
    admin
        .add_operator(&staff("desk1", &[Role::Desk], Some("2026-01-01")))
        .unwrap();
    admin
        .add_operator(&staff("cons", &[Role::Consultant], Some("2026-01-01")))
        .unwrap();
    let cons = sign_in_via(&admin, "cons", STAFF_PASSWORD, clock.clone()).unwrap();
    let note = cons.write_note(client.id, None, "Talked about options.").unwrap();
    let desk = sign_in_via(&admin, "desk1", STAFF_PASSWORD, clock.clone()).unwrap();
    let seen = desk.notes_for(client.id).unwrap();
    assert_eq!(seen.len(), 1);
    let err = desk.read_note(note.id).unwrap_err();
    assert_eq!(err.exit_code(), 4);
    assert!(desk.write_note(client.id, None, "x").is_err());
    // The consultant's read is in the audit log, the refused one is not a read.
    cons.read_note(note.id).unwrap();
    let log: Vec<_> = admin.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    let reads: Vec<_> = log.iter().filter(|e| e.action == AuditAction::ReadNote).collect();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].login.as_deref(), Some("cons"));
    assert_eq!(reads[0].subject.unwrap().id, note.id.0);
}

#[test]
fn a_damaged_value_is_reported_by_tree_and_key_and_the_rest_stays_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    let (damaged_id, damaged_sn) = {
        let desk = init(tmp.path(), clock.clone());
        let a = add(&desk, &new_client("10000001", "Ada One")).unwrap();
        add(&desk, &new_client("10000002", "Bo Two")).unwrap();
        (a.id, a.student_number)
    };
    {
        let db = raw_sled(store_dir(tmp.path()));
        let tree = db.open_tree("clients").unwrap();
        let key = damaged_id.key();
        let mut v = tree.get(key).unwrap().unwrap().to_vec();
        let mid = v.len() / 2;
        v[mid] ^= 0x5a;
        tree.insert(key, v).unwrap();
        db.flush().unwrap();
    }
    let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock).unwrap();
    let err = desk.client_by_student_number(&damaged_sn).unwrap_err();
    match &err {
        DeskError::Store(StoreError::Corrupt { tree, key, .. }) => {
            assert_eq!(tree, "clients");
            assert_eq!(key, &damaged_id.to_string());
        }
        other => panic!("expected a damaged-record error, got {other}"),
    }
    assert_eq!(err.exit_code(), 1);
    assert_eq!(desk.client_by_student_number(&sn("10000002")).unwrap().name, "Bo Two");
    let found = desk.find_clients("two", 10).unwrap();
    assert_eq!(found.len(), 1);
    let results: Vec<_> = desk.store().scan::<Client>().unwrap().collect();
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
}

#[test]
fn committed_changes_survive_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    let id = {
        let desk = init(tmp.path(), clock.clone());
        add(&desk, &new_client("10000001", "Ada One")).unwrap().id
    };
    let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock).unwrap();
    assert_eq!(desk.store().get::<Client>(id.0).unwrap().unwrap().name, "Ada One");
    // The op log's clock carries on after the last op.
    let last = desk.store().last_op().unwrap().unwrap();
    add(&desk, &new_client("10000002", "Bo Two")).unwrap();
    let next = desk.store().last_op().unwrap().unwrap();
    assert_eq!(next.seq, last.seq + 1);
    assert!(next.hlc > last.hlc);
}

#[test]
fn init_refuses_an_existing_store_and_open_refuses_a_missing_one() {
    let tmp = tempfile::tempdir().unwrap();
    drop(init(tmp.path(), clock()));
    let again = careerdesk::desk::Desk::init(
        &store_dir(tmp.path()),
        policy(),
        "other",
        "Other",
        ADMIN_PASSWORD,
        clock(),
    );
    assert!(matches!(
        again,
        Err(DeskError::Store(StoreError::AlreadyInitialised { .. }))
    ));
    let missing = careerdesk::store::LockedStore::open(&tmp.path().join("nowhere"));
    assert!(matches!(missing, Err(StoreError::NotInitialised { .. })));
}
