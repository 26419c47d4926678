//! How index entries lie on disk: grouped under a shared prefix (store format 2), with the
//! event indexes (format 3), migrated from one key per entry (format 1) or from a store
//! without the event indexes (format 2) at the first unlock, and rebuilt on request.

mod common;

use std::path::Path;

use careerdesk::desk::{Desk, DeskError};
use careerdesk::domain::operator::Role;
use careerdesk::store::StoreError;
use common::*;

/// The grouped index trees and their prefix lengths (store/index.rs says why each).
const GROUPED: [(&str, usize); 6] = [
    ("idx_client_student_number", 2),
    ("idx_slot_consultant", 20),
    ("idx_slot_time", 8),
    ("idx_appointment_client", 16),
    ("idx_slot_held", 8),
    ("idx_note_client", 16),
];

/// A group value's entries, read by the documented format: a format byte (1), then per entry
/// `suffix length ++ suffix ++ value length ++ value`.
fn group_entries(raw: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    assert_eq!(raw[0], 1, "group format byte");
    let mut rest = &raw[1..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (s, after) = rest[1..].split_at(rest[0] as usize);
        let (v, after) = after[1..].split_at(after[0] as usize);
        out.push((s.to_vec(), v.to_vec()));
        rest = after;
    }
    out
}

/// Sled keys per index tree.
fn keys_in(dir: &Path, tree: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = raw_sled(store_dir(dir));
    let t = db.open_tree(tree).unwrap();
    t.iter()
        .map(|r| r.unwrap())
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect()
}

/// Two consultants, two clients; three slots (two starting together), three bookings.
fn build(dir: &Path) {
    let clock = clock();
    clock.set(at(2026, 11, 20, 9, 0));
    let admin = init(dir, clock.clone());
    for login in ["cons1", "cons2"] {
        admin
            .add_operator(&staff(login, &[Role::Consultant], Some("2026-01-01")))
            .unwrap();
    }
    add(&admin, &new_client("10000001", "Ada One")).unwrap();
    add(&admin, &new_client("10000002", "Bo Two")).unwrap();
    for (who, when) in [
        ("cons1", "2026-11-23 10:00"),
        ("cons2", "2026-11-23 10:00"),
        ("cons1", "2026-11-24 11:00"),
    ] {
        admin
            .add_slot(&careerdesk::desk::NewSlot {
                consultant: login(who),
                appointment_type: "applications".into(),
                start: local(when),
                minutes: None,
                location: None,
            })
            .unwrap();
    }
    for (sn, when, who) in [
        ("10000001", "2026-11-23 10:00", "cons1"),
        ("10000001", "2026-11-24 11:00", "cons1"),
        ("10000002", "2026-11-23 10:00", "cons2"),
    ] {
        admin
            .book(&careerdesk::desk::NewBooking {
                client: self::sn(sn),
                appointment_type: "applications".into(),
                start: local(when),
                consultant: Some(login(who)),
            })
            .unwrap();
    }
}

/// What the desk reads back through the indexes.
fn check_reads(desk: &Desk) {
    let ada = desk.client_by_student_number(&sn("10000001")).unwrap();
    let bo = desk.client_by_student_number(&sn("10000002")).unwrap();
    assert_eq!(desk.client_appointments(ada.id).unwrap().len(), 2);
    assert_eq!(desk.client_appointments(bo.id).unwrap().len(), 1);
    let cons1 = desk.operator_by_login(&login("cons1")).unwrap();
    let week = desk
        .consultant_slots(cons1.id, at(2026, 11, 23, 0, 0), at(2026, 11, 30, 0, 0))
        .unwrap();
    assert_eq!(week.len(), 2);
    assert!(week[0].start < week[1].start);
    let monday = desk
        .slots_between(at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0))
        .unwrap();
    assert_eq!(monday.len(), 2);
    assert_eq!(
        desk.slots_between(at(2026, 11, 20, 0, 0), at(2026, 12, 1, 0, 0))
            .unwrap()
            .len(),
        3
    );
    // The slot Bo holds is still guarded: nobody else gets it.
    let err = desk
        .book(&careerdesk::desk::NewBooking {
            client: sn("10000001"),
            appointment_type: "applications".into(),
            start: local("2026-11-23 10:00"),
            consultant: Some(login("cons2")),
        })
        .unwrap_err();
    assert!(err.to_string().contains("already booked"), "{err}");
}

fn assert_grouped(dir: &Path) {
    for (tree, n) in GROUPED {
        for (k, v) in keys_in(dir, tree) {
            assert_eq!(k.len(), n, "{tree}: sled keys are group prefixes");
            assert!(!group_entries(&v).is_empty(), "{tree}: no empty groups are kept");
        }
    }
}

#[test]
fn index_entries_sharing_a_prefix_share_one_sled_value() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path());
    check_reads(&sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap());
    assert_grouped(tmp.path());
    // Two start times, so two groups; the 10:00 group holds both consultants' slots.
    let by_time = keys_in(tmp.path(), "idx_slot_time");
    assert_eq!(by_time.len(), 2);
    assert_eq!(group_entries(&by_time[0].1).len(), 2);
    // One group per consultant and week; one per client.
    assert_eq!(keys_in(tmp.path(), "idx_slot_consultant").len(), 2);
    let by_client = keys_in(tmp.path(), "idx_appointment_client");
    assert_eq!(by_client.len(), 2);
    let sizes: Vec<usize> = by_client.iter().map(|(_, v)| group_entries(v).len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 3);
}

#[test]
fn cancelling_removes_the_entry_from_its_group_and_frees_the_slot() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path());
    {
        let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap();
        let bo = desk.client_by_student_number(&sn("10000002")).unwrap();
        let held = desk.client_appointments(bo.id).unwrap().remove(0);
        desk.cancel(held.id).unwrap();
        // The slot is free again: another client may have it (not Ada, who is with cons1 then).
        add(&desk, &new_client("10000003", "Cy Three")).unwrap();
        desk.book(&careerdesk::desk::NewBooking {
            client: sn("10000003"),
            appointment_type: "applications".into(),
            start: local("2026-11-23 10:00"),
            consultant: Some(login("cons2")),
        })
        .unwrap();
    }
    // Both 10:00 slots are held again (Ada's and Cy's), in the one group for that start time.
    let held = keys_in(tmp.path(), "idx_slot_held");
    let entries: usize = held.iter().map(|(_, v)| group_entries(v).len()).sum();
    assert_eq!(entries, 3);
    assert_grouped(tmp.path());
}

/// Rewrites every grouped index tree as format 1 had it: one sled key per entry, the
/// consultant index without the week, the held-slot index keyed by slot alone.
fn downgrade_to_format_1(dir: &Path) {
    let db = raw_sled(store_dir(dir));
    for (tree, n) in GROUPED {
        let t = db.open_tree(tree).unwrap();
        let groups: Vec<_> = t.iter().map(|r| r.unwrap()).collect();
        t.clear().unwrap();
        for (g, raw) in groups {
            for (suffix, value) in group_entries(&raw) {
                let key = [g.as_ref(), &suffix].concat();
                assert!(key.len() > n);
                let old = match tree {
                    "idx_slot_consultant" => [&key[..16], &key[20..]].concat(),
                    "idx_slot_held" => key[8..].to_vec(),
                    _ => key,
                };
                t.insert(old, value).unwrap();
            }
        }
    }
    db.open_tree("meta").unwrap().insert(b"format", &[1u8]).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_format_1_store_is_reindexed_at_its_first_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path());
    downgrade_to_format_1(tmp.path());
    assert_eq!(keys_in(tmp.path(), "idx_slot_time").len(), 3, "one key per entry");
    // Signing in says how the migration is getting on (the desk screen shows it).
    let told = std::sync::Mutex::new(Vec::new());
    let progress = |what: &str, done: u64, total: u64| told.lock().unwrap().push((what.to_string(), done, total));
    let locked = careerdesk::store::LockedStore::open(&store_dir(tmp.path())).unwrap();
    let desk = Desk::sign_in_reporting(&locked, policy(), "admin", ADMIN_PASSWORD, clock(), &progress).unwrap();
    check_reads(&desk);
    let told = told.into_inner().unwrap();
    assert!(told.contains(&("re-indexing clients".to_string(), 0, 2)), "{told:?}");
    assert!(told.contains(&("re-indexing clients".to_string(), 2, 2)), "{told:?}");
    assert!(told.iter().any(|(w, _, _)| w == "re-indexing appointments"), "{told:?}");
    assert_eq!(
        told.last().map(|(w, _, _)| w.as_str()),
        Some("checking the rebuilt copy")
    );
    drop(desk);
    drop(locked);
    assert_grouped(tmp.path());
    let db = raw_sled(store_dir(tmp.path()));
    let format = db.open_tree("meta").unwrap().get(b"format").unwrap().unwrap();
    assert_eq!(format.as_ref(), &[3u8]);
    drop(db);
    // The migration was made in a copy; the format-1 store is kept beside it.
    let kept = data_dir_names(tmp.path());
    assert!(kept.iter().any(|n| n.starts_with("store.before-format-3-")), "{kept:?}");
    assert!(!kept.iter().any(|n| n == "store.migrating"), "{kept:?}");
}

/// The event indexes format 3 added.
const EVENT_INDEXES: [&str; 3] = ["idx_event_start", "idx_event_length", "idx_event_booking_event"];

#[test]
fn evt_01_a_format_2_store_gains_the_event_indexes_at_its_first_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let (events, rosters) = {
        let admin = init(tmp.path(), clock());
        careerdesk::demo::generate(&admin, 20, 3, &careerdesk::demo::Progress::Hidden).unwrap();
        let events = admin.events().unwrap();
        let rosters: Vec<_> = events
            .iter()
            .map(|e| admin.event_roster(&e.id.to_string()).unwrap())
            .collect();
        (events, rosters)
    };
    assert!(rosters.iter().all(|r| r.tally.taken > 0), "{rosters:?}");
    {
        // Format 2 as it was: no event index trees.
        let db = raw_sled(store_dir(tmp.path()));
        for tree in EVENT_INDEXES {
            assert!(!db.open_tree(tree).unwrap().is_empty(), "{tree}");
            db.drop_tree(tree).unwrap();
        }
        db.open_tree("meta").unwrap().insert(b"format", &[2u8]).unwrap();
        db.flush().unwrap();
    }
    let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap();
    assert_eq!(desk.events().unwrap(), events);
    for (e, roster) in events.iter().zip(&rosters) {
        assert_eq!(&desk.event_roster(&e.id.to_string()).unwrap(), roster);
        let near = desk
            .events_between(e.start - chrono::Duration::days(2), e.end + chrono::Duration::days(2))
            .unwrap();
        assert!(near.contains(e));
    }
    drop(desk);
    let db = raw_sled(store_dir(tmp.path()));
    assert_eq!(
        db.open_tree("meta").unwrap().get(b"format").unwrap().unwrap().as_ref(),
        &[3u8]
    );
    for tree in EVENT_INDEXES {
        assert!(!db.open_tree(tree).unwrap().is_empty(), "{tree}");
    }
    drop(db);
    let kept = data_dir_names(tmp.path());
    assert!(kept.iter().any(|n| n.starts_with("store.before-format-3-")), "{kept:?}");
}

fn data_dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_format_1_store_whose_migration_fails_is_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    {
        // Enough records that the clients' pages lie in the log's older part, read only when
        // the clients tree is, not when the store opens.
        let admin = init(tmp.path(), clock());
        careerdesk::demo::generate(&admin, 20, 3, &careerdesk::demo::Progress::Hidden).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    downgrade_to_format_1(tmp.path());
    // A damaged page in the clients tree: the rebuild cannot read every record.
    break_a_client_page(&store_dir(tmp.path()));
    let names = data_dir_names(tmp.path());
    let index_before = keys_in(tmp.path(), "idx_slot_time");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let Err(err) = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()) else {
        panic!("a store whose records cannot all be read was migrated");
    };
    assert_eq!(err.exit_code(), 1, "{err}");
    // The store opened; the rebuild met the damaged page part-way.
    assert!(err.to_string().contains("part of the store's database file"), "{err}");
    // Nothing moved, no partial copy left, the format-1 indexes untouched.
    assert_eq!(data_dir_names(tmp.path()), names);
    assert_eq!(keys_in(tmp.path(), "idx_slot_time"), index_before);
    let db = raw_sled(store_dir(tmp.path()));
    assert_eq!(
        db.open_tree("meta").unwrap().get(b"format").unwrap().unwrap().as_ref(),
        &[1u8]
    );
}

#[test]
fn a_store_in_an_unknown_format_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path());
    {
        let db = raw_sled(store_dir(tmp.path()));
        db.open_tree("meta").unwrap().insert(b"format", &[9u8]).unwrap();
        db.flush().unwrap();
    }
    let before = keys_in(tmp.path(), "idx_appointment_client");
    let Err(err) = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()) else {
        panic!("a store in format 9 was opened");
    };
    let msg = err.to_string();
    assert!(
        msg.contains("format 9") && msg.contains("careerdesk that made it"),
        "{msg}"
    );
    assert_eq!(keys_in(tmp.path(), "idx_appointment_client"), before);
}

#[test]
fn a_damaged_index_group_is_reported_and_rebuilding_the_indexes_repairs_it() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path());
    let ada_key = {
        let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap();
        desk.client_by_student_number(&sn("10000001")).unwrap().id.key()
    };
    {
        let db = raw_sled(store_dir(tmp.path()));
        let t = db.open_tree("idx_appointment_client").unwrap();
        let v = t.get(ada_key).unwrap().unwrap();
        t.insert(ada_key, &v[..v.len() - 3]).unwrap();
        db.flush().unwrap();
    }
    let clock = clock();
    let admin = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock.clone()).unwrap();
    let ada = admin.client_by_student_number(&sn("10000001")).unwrap();
    match admin.client_appointments(ada.id).unwrap_err() {
        DeskError::Store(StoreError::Corrupt { tree, reason, .. }) => {
            assert_eq!(tree, "idx_appointment_client");
            assert!(reason.contains("store reindex"), "{reason}");
        }
        other => panic!("expected a damaged-index error, got {other}"),
    }
    // Other clients are unaffected.
    let bo = admin.client_by_student_number(&sn("10000002")).unwrap();
    assert_eq!(admin.client_appointments(bo.id).unwrap().len(), 1);
    // Only an administrator may rebuild.
    let cons = sign_in_via(&admin, "cons1", STAFF_PASSWORD, clock.clone()).unwrap();
    assert_eq!(cons.rebuild_indexes().unwrap_err().exit_code(), 4);
    let done = admin.rebuild_indexes().unwrap();
    assert_eq!(done.damaged, 0);
    assert!(done.records >= 10 && done.entries >= done.records, "{done:?}");
    // The rebuild was made in a copy put in the store's place; the old store is kept beside it.
    assert!(done.previous.join("db").exists(), "{done:?}");
    let admin = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock).unwrap();
    check_reads(&admin);
    let audit: Vec<_> = admin.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    assert!(audit
        .iter()
        .any(|e| e.action.code() == "maintenance" && e.detail.contains("indexes rebuilt")));
}
