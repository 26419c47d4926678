//! The store check's tests.

use super::*;
use crate::domain::ids::OperatorId;
use crate::store::index;
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
                    | EntityKind::Event
                    | EntityKind::EventBooking
            ),
            "{}",
            tree.name
        );
    }
    assert_eq!(index::owner(index::SLOT_HELD), EntityKind::Appointment);
    assert_eq!(index::owner(index::OUTBOX_DUE), EntityKind::Message);
    assert_eq!(index::owner(index::EVENT_BY_LENGTH), EntityKind::Event);
    assert_eq!(index::owner(index::EVENT_BOOKING_BY_EVENT), EntityKind::EventBooking);
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
