//! The commit path's tests.

use chrono::Utc;

use super::bulk::write_groups;
use super::*;
use crate::domain::ids::OperatorId;
use crate::store::codec::Record;
use crate::store::group;
use crate::store::index::Layout;
use crate::store::index::SLOT_HELD;

const TREE: IndexTree = IndexTree {
    name: "idx_test",
    layout: Layout::Grouped(2),
};

#[test]
fn bulk_groups_merge_into_groups_already_stored() {
    let db = sled::Config::new().temporary(true).open().unwrap();
    let tree = db.open_tree(TREE.name).unwrap();
    let kv = |k: &[u8], v: &[u8]| (k.to_vec(), v.to_vec());
    write_groups(&tree, TREE, 2, &[kv(b"aa1", b"x"), kv(b"aa3", b"y"), kv(b"bb1", b"")]).unwrap();
    write_groups(&tree, TREE, 2, &[kv(b"aa2", b"z"), kv(b"aa3", b"new")]).unwrap();
    let aa = tree.get(b"aa").unwrap().unwrap();
    let entries = group::decode(&aa).unwrap();
    assert_eq!(entries, vec![(&b"1"[..], &b"x"[..]), (b"2", b"z"), (b"3", b"new")]);
    assert_eq!(tree.len(), 2);
}

/// A record whose encoding fails, to see that such a failure is loud.
#[derive(Clone, serde::Deserialize)]
struct Unencodable {
    id: u128,
}

impl serde::Serialize for Unencodable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("this value refuses to be encoded"))
    }
}

impl crate::store::index::Indexed for Unencodable {}

impl Record for Unencodable {
    const KIND: crate::domain::EntityKind = crate::domain::EntityKind::Note;
    fn id(&self) -> u128 {
        self.id
    }
}

#[test]
fn a_record_that_cannot_be_encoded_fails_the_commit_and_writes_nothing() {
    let (_tmp, store) = crate::store::temp_store();
    let who = OperatorId::new_at(0);
    let before = store.last_op().unwrap().map(|op| op.seq);
    let mut ws = WriteSet::new();
    ws.index(crate::store::index::OPERATOR_BY_LOGIN, b"someone".to_vec(), vec![1; 16]);
    ws.put(&store, None, &Unencodable { id: 7 });
    let err = store.commit(who, ws, Utc::now()).unwrap_err();
    assert!(matches!(&err, StoreError::Encode { .. }), "{err}");
    assert!(err.to_string().contains("refuses to be encoded"), "{err}");
    // Neither the record, the index entry nor an op was written.
    assert!(store.tree(Unencodable::KIND.tree()).unwrap().is_empty());
    assert_eq!(
        store
            .index_get(crate::store::index::OPERATOR_BY_LOGIN, b"someone")
            .unwrap(),
        None
    );
    assert_eq!(store.last_op().unwrap().map(|op| op.seq), before);
}

#[test]
fn a_change_read_before_another_commit_is_refused_and_writes_nothing() {
    use crate::domain::appointment::Slot;
    use crate::domain::ids::SlotId;
    let (_tmp, store) = crate::store::temp_store();
    let who = OperatorId::new_at(0);
    let slot = Slot {
        id: SlotId::new_at(1),
        consultant: who,
        appointment_type: "guidance".into(),
        start: Utc::now(),
        minutes: 45,
        location: "room-1".into(),
        booking: None,
        withdrawn: false,
        series: None,
    };
    let mut ws = WriteSet::new();
    ws.put(&store, None, &slot);
    store.commit(who, ws, Utc::now()).unwrap();
    let (read, version) = store.get_versioned::<Slot>(slot.id.0).unwrap().unwrap();
    // Someone else withdraws it after it was read.
    let mut withdrawn = read.clone();
    withdrawn.withdrawn = true;
    let mut ws = WriteSet::new();
    ws.put(&store, Some(&read), &withdrawn);
    store.commit(who, ws, Utc::now()).unwrap();
    // A change based on the stale read is refused, and the withdrawal stands.
    let mut stale = read.clone();
    stale.minutes = 60;
    let mut ws = WriteSet::new();
    ws.put(&store, Some(&read), &stale);
    ws.unchanged_since(&read, version, "changed meanwhile");
    assert!(matches!(store.commit(who, ws, Utc::now()), Err(StoreError::Conflict(m)) if m == "changed meanwhile"));
    assert_eq!(store.get::<Slot>(slot.id.0).unwrap(), Some(withdrawn.clone()));
    // Read afresh, the same change goes through.
    let (fresh, version) = store.get_versioned::<Slot>(slot.id.0).unwrap().unwrap();
    let mut longer = fresh.clone();
    longer.minutes = 60;
    let mut ws = WriteSet::new();
    ws.put(&store, Some(&fresh), &longer);
    ws.unchanged_since(&fresh, version, "changed meanwhile");
    store.commit(who, ws, Utc::now()).unwrap();
    assert_eq!(store.get::<Slot>(slot.id.0).unwrap().map(|s| s.minutes), Some(60));
}

#[test]
fn a_unique_entry_in_a_group_refuses_a_second_owner() {
    let (_tmp, store) = crate::store::temp_store();
    let who = OperatorId::new_at(0);
    let key = [[0u8; 8].as_slice(), &[7u8; 16]].concat();
    let hold = |owner: u8| {
        let mut ws = WriteSet::new();
        ws.unique(SLOT_HELD, key.clone(), vec![owner; 16], "taken".into());
        store.commit(who, ws, Utc::now())
    };
    hold(1).unwrap();
    // The same owner again is fine; another owner is refused and changes nothing.
    hold(1).unwrap();
    assert!(matches!(hold(2), Err(StoreError::Conflict(m)) if m == "taken"));
    assert_eq!(store.index_get(SLOT_HELD, &key).unwrap(), Some(vec![1; 16]));
    // Another slot starting at the same time shares the group but not the guard.
    let mut ws = WriteSet::new();
    let other = [[0u8; 8].as_slice(), &[8u8; 16]].concat();
    ws.unique(SLOT_HELD, other.clone(), vec![2; 16], "taken".into());
    store.commit(who, ws, Utc::now()).unwrap();
    assert_eq!(store.index_prefix(SLOT_HELD, &[0u8; 8]).unwrap().len(), 2);
    // Removing one entry leaves the other in the group.
    let mut ws = WriteSet::new();
    ws.unindex(SLOT_HELD, key.clone());
    store.commit(who, ws, Utc::now()).unwrap();
    assert_eq!(store.index_get(SLOT_HELD, &key).unwrap(), None);
    assert_eq!(store.index_get(SLOT_HELD, &other).unwrap(), Some(vec![2; 16]));
    hold(2).unwrap();
}
/// The index writes a write set holds, as (tree, whether it sets the entry).
fn index_writes(ws: &WriteSet) -> Vec<(&'static str, bool)> {
    ws.writes
        .iter()
        .filter_map(|w| match w {
            Write::Index { tree, value, .. } => Some((tree.name, value.is_some())),
            Write::Put { .. } | Write::Delete { .. } => None,
        })
        .collect()
}

fn a_slot() -> crate::domain::appointment::Slot {
    crate::domain::appointment::Slot {
        id: crate::domain::ids::SlotId::new_at(1),
        consultant: OperatorId::new_at(0),
        appointment_type: "guidance".into(),
        start: Utc::now(),
        minutes: 45,
        location: "room-1".into(),
        booking: None,
        withdrawn: false,
        series: Some(crate::domain::ids::SeriesId::new_at(2)),
    }
}

#[test]
fn a_change_that_keeps_a_records_index_entries_does_not_rewrite_them() {
    use crate::domain::appointment::{Appointment, AppointmentState, Outcome, RecordingConsent};
    use crate::store::index::{
        APPOINTMENT_BY_CLIENT, APPOINTMENT_OPEN, SLOT_BY_CONSULTANT, SLOT_BY_SERIES, SLOT_BY_TIME,
    };
    let (_tmp, store) = crate::store::temp_store();
    // A new slot writes all three of its entries.
    let slot = a_slot();
    let mut ws = WriteSet::new();
    ws.put(&store, None, &slot);
    assert_eq!(
        index_writes(&ws),
        [
            (SLOT_BY_CONSULTANT.name, true),
            (SLOT_BY_TIME.name, true),
            (SLOT_BY_SERIES.name, true)
        ]
    );
    // Booking it changes none of them: no index group is read or rewritten for the slot.
    let mut held = slot.clone();
    held.booking = Some(crate::domain::ids::AppointmentId::new_at(3));
    let mut ws = WriteSet::new();
    ws.put(&store, Some(&slot), &held);
    assert_eq!(index_writes(&ws), []);
    // Settling an appointment removes its open entry, leaves its client entry, and still
    // guards and writes the slot it holds.
    let appt = Appointment {
        id: crate::domain::ids::AppointmentId::new_at(3),
        slot: slot.id,
        client: crate::domain::ids::ClientId::new_at(4),
        consultant: slot.consultant,
        appointment_type: slot.appointment_type.clone(),
        start: slot.start,
        minutes: slot.minutes,
        location: slot.location.clone(),
        booked_at: slot.start,
        booked_by: slot.consultant,
        state: AppointmentState::Booked,
        recording_consent: RecordingConsent::NotGiven,
        waiver: None,
        confirmation: crate::domain::appointment::Confirmation::Local,
    };
    let attended = appt.settled(Outcome::Attended, appt.booked_by, appt.start);
    let mut ws = WriteSet::new();
    ws.put(&store, Some(&appt), &attended);
    assert_eq!(
        index_writes(&ws),
        [(APPOINTMENT_OPEN.name, false), (SLOT_HELD.name, true)]
    );
    assert_eq!(ws.guards.len(), 1);
    assert!(!index_writes(&ws).contains(&(APPOINTMENT_BY_CLIENT.name, true)));
}

#[test]
fn data_05_an_erasure_stopped_before_its_keys_were_destroyed_is_finished_at_the_next_unlock() {
    let (_tmp, store) = crate::store::temp_store();
    let who = OperatorId::new_at(0);
    let sealed = store
        .seal_for(Some(42), "clients", b"k", Ok(b"canary".to_vec()))
        .unwrap();
    assert!(store.holds_subject_key(42));
    let mut ws = WriteSet::new();
    ws.erasing(42);
    store.commit(who, ws, Utc::now()).unwrap();
    // The program stops here, before destroying the key; the next unlock finishes the job.
    let again = store.locked().unlock("admin", "password-1", Utc::now()).unwrap();
    assert!(!again.holds_subject_key(42));
    assert_eq!(
        again.open_sealed("clients", b"k", &sealed),
        Err(crate::store::crypto::SealError::UnknownKey)
    );
    assert_eq!(again.finish_pending_erasures().unwrap(), 0, "done once");
}
