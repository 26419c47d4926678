//! Secondary indexes: the one place that says which index entries a record has. The store
//! writes them in the same transaction as the record (see [`super::WriteSet::put`]).
//!
//! Index keys built from personal data (student numbers, tags) are keyed hashes, so the index
//! trees on disk hold nothing readable. Keys built from ids and times are in the clear: they
//! order the calendar and say nothing about who a client is.

use crate::domain::appointment::{Appointment, Confirmation, Outcome, Slot};
use crate::domain::client::{Client, FlagKind};
use crate::domain::employer::{Contact, Employer, EngagementNote, Vacancy};
use crate::domain::enquiry::Enquiry;
use crate::domain::event::{Event, EventBooking, EventBookingState, PlaceConfirmation};
use crate::domain::ids::{AppointmentId, ClientId, EmployerId, EventBookingId, EventId, OperatorId};
use crate::domain::note::Note;
use crate::domain::operator::Operator;
use crate::domain::outbox::{Delivery, OutboxEntry};
use crate::domain::queue::{QueueEntry, QueueState};
use crate::domain::records::{Attachment, AttachmentContent, Complaint, Consent, Feedback};
use crate::domain::validate::StudentNumber;
use crate::domain::wellbeing::Concern;

use super::crypto::KeyRing;
use super::{show_key, Store, StoreError};
use crate::domain::EntityKind;

/// An index tree: its sled name and how its entries lie in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexTree {
    /// The sled tree's name.
    pub name: &'static str,
    /// How entries are stored.
    pub layout: Layout,
}

/// How an index tree stores its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One sled key per entry: for trees with few entries.
    Single,
    /// Entries whose keys share their first `n` bytes are one sled value under that prefix
    /// (see [`super::group`]): for trees with an entry per slot or appointment.
    Grouped(usize),
}

const fn single(name: &'static str) -> IndexTree {
    IndexTree {
        name,
        layout: Layout::Single,
    }
}

const fn grouped(name: &'static str, prefix: usize) -> IndexTree {
    IndexTree {
        name,
        layout: Layout::Grouped(prefix),
    }
}

/// Client id by keyed hash of student number (unique), grouped by the hash's first two bytes.
pub const CLIENT_BY_STUDENT_NUMBER: IndexTree = grouped("idx_client_student_number", 2);
/// Operator id by login (unique).
pub const OPERATOR_BY_LOGIN: IndexTree = single("idx_operator_login");
/// Slots by consultant and week: `consultant ++ week ++ start_ms ++ slot`, grouped by
/// consultant and week (one read for a consultant's calendar week).
pub const SLOT_BY_CONSULTANT: IndexTree = grouped("idx_slot_consultant", 20);
/// Slots by start time: `start_ms ++ slot`, grouped by start time.
pub const SLOT_BY_TIME: IndexTree = grouped("idx_slot_time", 8);
/// Appointments by client, then start: `client ++ start_ms ++ appointment`, grouped by client.
pub const APPOINTMENT_BY_CLIENT: IndexTree = grouped("idx_appointment_client", 16);
/// The appointment holding a slot (unique while not cancelled): `start_ms ++ slot ->
/// appointment`, grouped by start time. An appointment's start is copied from its slot and
/// slots never move, so every booking of a slot has the same key.
pub const SLOT_HELD: IndexTree = grouped("idx_slot_held", 8);
/// Appointments with no outcome yet, by end time: `end_ms ++ appointment` (unresolved once past).
pub const APPOINTMENT_OPEN: IndexTree = single("idx_appointment_open");
/// Appointments with a waiver, by waiver time: `waived_ms ++ appointment` (APPT-03 triage).
pub const APPOINTMENT_WAIVED: IndexTree = single("idx_appointment_waived");
/// Clients by flag: `flag code ++ client` (APPT-04 triage, DATA-06).
pub const CLIENT_BY_FLAG: IndexTree = single("idx_client_flag");
/// Outbox messages still to send, by next attempt: `next_ms ++ message`.
pub const OUTBOX_DUE: IndexTree = single("idx_outbox_due");
/// Outbox messages that failed for good: `message`.
pub const OUTBOX_FAILED: IndexTree = single("idx_outbox_failed");
/// Outbox messages by appointment: `appointment ++ message`.
pub const OUTBOX_BY_APPOINTMENT: IndexTree = single("idx_outbox_appointment");
/// Queue entries still waiting or called: `entry`.
pub const QUEUE_OPEN: IndexTree = single("idx_queue_open");
/// Notes by client: `client ++ note`, grouped by client.
pub const NOTE_BY_CLIENT: IndexTree = grouped("idx_note_client", 16);
/// Employers by keyed hash of tag: `hash(tag) ++ employer`.
pub const EMPLOYER_BY_TAG: IndexTree = single("idx_employer_tag");
/// Contacts by employer: `employer ++ contact`.
pub const CONTACT_BY_EMPLOYER: IndexTree = single("idx_contact_employer");
/// Slots made in a series: `series ++ start_ms ++ slot`, grouped by series (one read finds a
/// whole series to withdraw).
pub const SLOT_BY_SERIES: IndexTree = grouped("idx_slot_series", 16);

/// Events by start time: `start_ms ++ event` (the clash check reads the window around a new
/// event, the calendar the events starting in the days it shows).
pub const EVENT_BY_START: IndexTree = single("idx_event_start");
/// Events by length: `length_ms ++ event`; the last entry is the longest event, which says how
/// far before a new event the clash check must look.
pub const EVENT_BY_LENGTH: IndexTree = single("idx_event_length");
/// Event bookings by event: `event ++ booking` (a roster reads only its event's bookings).
pub const EVENT_BOOKING_BY_EVENT: IndexTree = single("idx_event_booking_event");

/// Bookings with something to settle with the sync server: `list ++ appointment`, the list
/// a [`ServerList`].
pub const APPOINTMENT_SERVER: IndexTree = single("idx_appointment_server");

/// The lists of bookings with something to settle with the sync server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerList {
    /// Provisional and live: for the desk that made it to claim.
    ToClaim = 0,
    /// Confirmed and then cancelled in time: its slot for the server to let go.
    ToRelease = 1,
    /// Given away by the server, not yet rebooked or cancelled: in its desk's conflicts.
    ToRebook = 2,
}

/// Event bookings with something to settle with the sync server: `list ++ booking`, the list
/// a [`PlaceList`].
pub const EVENT_BOOKING_SERVER: IndexTree = single("idx_event_booking_server");

/// The lists of event bookings with something to settle with the sync server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceList {
    /// A place given provisionally or in a lease, still held: for its desk to claim.
    ToClaim = 0,
    /// Confirmed and then cancelled: its place for the server to let go.
    ToRelease = 1,
    /// Lost its place at the server and put back on the waiting list: in its desk's conflicts
    /// queue until the client is told.
    ToTell = 2,
}

/// Every index tree (for rebuilding them all).
pub const ALL: [IndexTree; 22] = [
    CLIENT_BY_STUDENT_NUMBER,
    OPERATOR_BY_LOGIN,
    SLOT_BY_CONSULTANT,
    SLOT_BY_TIME,
    APPOINTMENT_BY_CLIENT,
    SLOT_HELD,
    APPOINTMENT_OPEN,
    APPOINTMENT_WAIVED,
    CLIENT_BY_FLAG,
    OUTBOX_DUE,
    OUTBOX_FAILED,
    OUTBOX_BY_APPOINTMENT,
    QUEUE_OPEN,
    NOTE_BY_CLIENT,
    EMPLOYER_BY_TAG,
    CONTACT_BY_EMPLOYER,
    SLOT_BY_SERIES,
    EVENT_BY_START,
    EVENT_BY_LENGTH,
    EVENT_BOOKING_BY_EVENT,
    APPOINTMENT_SERVER,
    EVENT_BOOKING_SERVER,
];

/// The id of the record an index entry belongs to ([`entry_record`]), or the damage named.
fn named_id(tree: IndexTree, key: &[u8], value: &[u8]) -> Result<u128, StoreError> {
    entry_record(tree, key, value).ok_or_else(|| StoreError::Corrupt {
        tree: tree.name.into(),
        key: show_key(key),
        reason: "the index entry does not name a record; run `careerdesk store reindex`".into(),
    })
}

impl Store {
    /// The records named by the entries of `tree` under `prefix`, in key order.
    pub fn indexed<I: From<u128>>(&self, tree: IndexTree, prefix: &[u8]) -> Result<Vec<I>, StoreError> {
        self.index_prefix(tree, prefix)?
            .iter()
            .map(|(k, v)| named_id(tree, k, v).map(I::from))
            .collect()
    }

    /// The records named by the entries of `tree` with keys in `[from, to)`, in key order.
    pub fn indexed_between<I: From<u128>>(
        &self,
        tree: IndexTree,
        from: &[u8],
        to: &[u8],
    ) -> Result<Vec<I>, StoreError> {
        self.index_range(tree, from, to)?
            .iter()
            .map(|(k, v)| named_id(tree, k, v).map(I::from))
            .collect()
    }

    /// The record holding a unique index entry (a student number's client, a login's operator,
    /// a slot's live appointment), if any.
    pub fn unique_owner<I: From<u128>>(&self, tree: IndexTree, key: &[u8]) -> Result<Option<I>, StoreError> {
        match self.index_get(tree, key)? {
            Some(raw) => named_id(tree, key, &raw).map(|id| Some(I::from(id))),
            None => Ok(None),
        }
    }
}

impl Store {
    /// The client with this student number, if any.
    pub fn client_by_student_number(&self, sn: &StudentNumber) -> Result<Option<ClientId>, StoreError> {
        self.unique_owner(CLIENT_BY_STUDENT_NUMBER, &student_number_key(self.keys(), sn))
    }

    /// The operator with this login, if any.
    pub fn operator_by_login(&self, login: &str) -> Result<Option<OperatorId>, StoreError> {
        self.unique_owner(OPERATOR_BY_LOGIN, login.as_bytes())
    }

    /// The employers carrying `tag` (already lower-cased).
    pub fn employers_tagged(&self, tag: &str) -> Result<Vec<EmployerId>, StoreError> {
        self.indexed(EMPLOYER_BY_TAG, &self.keys().index_hash("tag", tag))
    }

    /// The events starting from `from` (inclusive) to `to` (exclusive), by start time.
    pub fn events_starting_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<EventId>, StoreError> {
        if to <= from {
            return Ok(Vec::new());
        }
        self.indexed_between(EVENT_BY_START, &time_key(from), &time_key(to))
    }

    /// The length of the longest event stored (zero when there is none).
    pub fn longest_event(&self) -> Result<chrono::Duration, StoreError> {
        let Some((key, _)) = self.index_last(EVENT_BY_LENGTH)? else {
            return Ok(chrono::Duration::zero());
        };
        let ms = key
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| StoreError::Corrupt {
                tree: EVENT_BY_LENGTH.name.into(),
                key: show_key(&key),
                reason: "the index entry does not hold a length; run `careerdesk store reindex`".into(),
            })?;
        Ok(chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX)))
    }

    /// The booking that holds `slot` for certain (decided on this desk or by the server, and
    /// not cancelled in time), if one does.
    pub fn slot_holder(&self, slot: &Slot) -> Result<Option<AppointmentId>, StoreError> {
        let key = [time_key(slot.start).as_slice(), &slot.id.key()].concat();
        Ok(self
            .index_get(SLOT_HELD, &key)?
            .and_then(|v| <[u8; 16]>::try_from(v.as_slice()).ok())
            .map(|b| AppointmentId(u128::from_be_bytes(b))))
    }

    /// The bookings on one of the lists to settle with the sync server, in id order.
    pub fn server_bookings(&self, list: ServerList) -> Result<Vec<AppointmentId>, StoreError> {
        self.indexed(APPOINTMENT_SERVER, &[list as u8])
    }

    /// The event bookings on one of the lists to settle with the sync server, in id order.
    pub fn server_places(&self, list: PlaceList) -> Result<Vec<EventBookingId>, StoreError> {
        self.indexed(EVENT_BOOKING_SERVER, &[list as u8])
    }

    /// The bookings of one event, in booking-id order.
    pub fn event_bookings_of(&self, event: EventId) -> Result<Vec<EventBookingId>, StoreError> {
        self.indexed(EVENT_BOOKING_BY_EVENT, &event.key())
    }
}

fn student_number_key(keys: &KeyRing, sn: &StudentNumber) -> Vec<u8> {
    keys.index_hash("student-number", sn.as_str()).to_vec()
}

/// The kind of record whose entries `tree` holds.
pub fn owner(tree: IndexTree) -> EntityKind {
    match tree.name {
        n if n == CLIENT_BY_STUDENT_NUMBER.name || n == CLIENT_BY_FLAG.name => EntityKind::Client,
        n if n == OPERATOR_BY_LOGIN.name => EntityKind::Operator,
        n if n == SLOT_BY_CONSULTANT.name || n == SLOT_BY_TIME.name => EntityKind::Slot,
        n if n == OUTBOX_DUE.name || n == OUTBOX_FAILED.name || n == OUTBOX_BY_APPOINTMENT.name => EntityKind::Message,
        n if n == QUEUE_OPEN.name => EntityKind::QueueEntry,
        n if n == NOTE_BY_CLIENT.name => EntityKind::Note,
        n if n == EMPLOYER_BY_TAG.name => EntityKind::Employer,
        n if n == CONTACT_BY_EMPLOYER.name => EntityKind::Contact,
        n if n == EVENT_BY_START.name || n == EVENT_BY_LENGTH.name => EntityKind::Event,
        n if n == EVENT_BOOKING_BY_EVENT.name || n == EVENT_BOOKING_SERVER.name => EntityKind::EventBooking,
        _ => EntityKind::Appointment,
    }
}

/// The id of the record an entry of `tree` belongs to: the value of a unique entry, else the
/// last 16 bytes of the key (every other entry's key ends with its record's id).
pub fn entry_record(tree: IndexTree, key: &[u8], value: &[u8]) -> Option<u128> {
    let unique = [CLIENT_BY_STUDENT_NUMBER.name, OPERATOR_BY_LOGIN.name, SLOT_HELD.name].contains(&tree.name);
    let id = if unique {
        value
    } else {
        key.get(key.len().checked_sub(16)?..)?
    };
    <[u8; 16]>::try_from(id).ok().map(u128::from_be_bytes)
}

/// One index entry a record owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Index tree.
    pub tree: IndexTree,
    /// Key.
    pub key: Vec<u8>,
    /// Value (the record id for unique indexes, empty otherwise).
    pub value: Vec<u8>,
    /// For unique indexes: the message when another record holds the key.
    pub unique: Option<String>,
}

impl IndexEntry {
    fn plain(tree: IndexTree, parts: &[&[u8]]) -> Self {
        Self {
            tree,
            key: parts.concat(),
            value: Vec::new(),
            unique: None,
        }
    }
}

/// Big-endian milliseconds, so keys sort by time (times before 1970 sort as 0).
pub fn time_key(at: chrono::DateTime<chrono::Utc>) -> [u8; 8] {
    (at.timestamp_millis().max(0) as u64).to_be_bytes()
}

/// Big-endian count of whole weeks since 1970 (weeks run Thursday to Wednesday: only the
/// grouping matters, and it never splits a key's order).
pub fn week_key(at: chrono::DateTime<chrono::Utc>) -> [u8; 4] {
    const WEEK_MS: i64 = 7 * 86_400_000;
    ((at.timestamp_millis().max(0) / WEEK_MS) as u32).to_be_bytes()
}

/// The key of a consultant's slots index at a time: `consultant ++ week ++ start_ms`.
pub fn consultant_time_key(consultant: crate::domain::ids::OperatorId, at: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    [consultant.key().as_slice(), &week_key(at), &time_key(at)].concat()
}

/// A record kind's index entries.
pub trait Indexed {
    /// The entries this record should have.
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        Vec::new()
    }
}

impl Indexed for Client {
    fn index_entries(&self, keys: &KeyRing) -> Vec<IndexEntry> {
        let flags = self
            .flags
            .iter()
            .map(|f| IndexEntry::plain(CLIENT_BY_FLAG, &[&[flag_code(f.kind)], &self.id.key()]));
        let mut out: Vec<IndexEntry> = flags.collect();
        out.push(IndexEntry {
            tree: CLIENT_BY_STUDENT_NUMBER,
            key: student_number_key(keys, &self.student_number),
            value: self.id.key().to_vec(),
            unique: Some(format!(
                "a client with student number {} already exists; use `client show {}`",
                self.student_number, self.student_number
            )),
        });
        out
    }
}

/// The byte a flag kind is indexed under.
pub fn flag_code(kind: FlagKind) -> u8 {
    match kind {
        FlagKind::WellbeingConcern => 1,
        FlagKind::NoShowConcern => 2,
        FlagKind::BlockProposed => 3,
    }
}

impl Indexed for Operator {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        vec![IndexEntry {
            tree: OPERATOR_BY_LOGIN,
            key: self.login.as_str().as_bytes().to_vec(),
            value: self.id.key().to_vec(),
            unique: Some(format!("an operator with login {} already exists", self.login)),
        }]
    }
}

impl Indexed for Slot {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        let mut out = vec![
            IndexEntry::plain(
                SLOT_BY_CONSULTANT,
                &[&consultant_time_key(self.consultant, self.start), &self.id.key()],
            ),
            IndexEntry::plain(SLOT_BY_TIME, &[&time_key(self.start), &self.id.key()]),
        ];
        if let Some(series) = self.series {
            out.push(IndexEntry::plain(
                SLOT_BY_SERIES,
                &[&series.key(), &time_key(self.start), &self.id.key()],
            ));
        }
        out
    }
}

impl Indexed for Appointment {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        let mut out = vec![IndexEntry::plain(
            APPOINTMENT_BY_CLIENT,
            &[&self.client.key(), &time_key(self.start), &self.id.key()],
        )];
        let outcome = self.outcome();
        if self.holds_slot_for_certain() {
            // SEC-02 and no double booking: one live appointment per slot. A provisional
            // booking is held by its slot's record on its desk and decided by the server, so
            // two desks' provisional bookings of one slot merge side by side.
            out.push(IndexEntry {
                tree: SLOT_HELD,
                key: [time_key(self.start).as_slice(), &self.slot.key()].concat(),
                value: self.id.key().to_vec(),
                unique: Some("that slot has just been booked by someone else; pick another".into()),
            });
        }
        // One the server gave away holds nothing to settle; it waits to be rebooked.
        if outcome.is_none() && !self.needs_rebooking() {
            out.push(IndexEntry::plain(
                APPOINTMENT_OPEN,
                &[&time_key(self.end()), &self.id.key()],
            ));
        }
        let server = match (&self.confirmation, outcome) {
            (Confirmation::Provisional { .. } | Confirmation::Leased { .. }, None) => Some(ServerList::ToClaim),
            (Confirmation::Confirmed, Some(Outcome::Cancelled)) => Some(ServerList::ToRelease),
            (Confirmation::NeedsRebooking { .. }, None) => Some(ServerList::ToRebook),
            _ => None,
        };
        if let Some(list) = server {
            out.push(IndexEntry::plain(APPOINTMENT_SERVER, &[&[list as u8], &self.id.key()]));
        }
        if let Some(w) = &self.waiver {
            out.push(IndexEntry::plain(
                APPOINTMENT_WAIVED,
                &[&time_key(w.at), &self.id.key()],
            ));
        }
        out
    }
}

impl Indexed for OutboxEntry {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        let mut out = Vec::new();
        if let Some(a) = self.appointment {
            out.push(IndexEntry::plain(OUTBOX_BY_APPOINTMENT, &[&a.key(), &self.id.key()]));
        }
        match &self.state {
            Delivery::Pending { next_at, .. } => {
                out.push(IndexEntry::plain(OUTBOX_DUE, &[&time_key(*next_at), &self.id.key()]))
            }
            Delivery::Failed { .. } => out.push(IndexEntry::plain(OUTBOX_FAILED, &[&self.id.key()])),
            Delivery::Sent { .. } | Delivery::Withdrawn => {}
        }
        out
    }
}

impl Indexed for QueueEntry {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        match self.state {
            QueueState::Waiting | QueueState::Called { .. } => vec![IndexEntry::plain(QUEUE_OPEN, &[&self.id.key()])],
            QueueState::Done { .. } | QueueState::Left => Vec::new(),
        }
    }
}

impl Indexed for Note {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        vec![IndexEntry::plain(NOTE_BY_CLIENT, &[&self.client.key(), &self.id.key()])]
    }
}

impl Indexed for Employer {
    fn index_entries(&self, keys: &KeyRing) -> Vec<IndexEntry> {
        self.tags
            .iter()
            .map(|t| IndexEntry::plain(EMPLOYER_BY_TAG, &[&keys.index_hash("tag", t), &self.id.key()]))
            .collect()
    }
}

impl Indexed for Contact {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        vec![IndexEntry::plain(
            CONTACT_BY_EMPLOYER,
            &[&self.employer.key(), &self.id.key()],
        )]
    }
}

impl Indexed for Enquiry {}
impl Indexed for Concern {}
impl Indexed for EngagementNote {}
impl Indexed for Vacancy {}
impl Indexed for Event {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        let length = (self.end - self.start).num_milliseconds().max(0) as u64;
        vec![
            IndexEntry::plain(EVENT_BY_START, &[&time_key(self.start), &self.id.key()]),
            IndexEntry::plain(EVENT_BY_LENGTH, &[&length.to_be_bytes(), &self.id.key()]),
        ]
    }
}

impl Indexed for EventBooking {
    fn index_entries(&self, _keys: &KeyRing) -> Vec<IndexEntry> {
        let mut out = vec![IndexEntry::plain(
            EVENT_BOOKING_BY_EVENT,
            &[&self.event.key(), &self.id.key()],
        )];
        let list = match (&self.confirmation, self.state) {
            _ if crate::domain::place_claim::to_claim(self) => Some(PlaceList::ToClaim),
            _ if crate::domain::place_claim::to_release(self) => Some(PlaceList::ToRelease),
            (PlaceConfirmation::Displaced { .. }, EventBookingState::Waiting) => Some(PlaceList::ToTell),
            _ => None,
        };
        if let Some(list) = list {
            out.push(IndexEntry::plain(
                EVENT_BOOKING_SERVER,
                &[&[list as u8], &self.id.key()],
            ));
        }
        out
    }
}
impl Indexed for Consent {}
impl Indexed for Complaint {}
impl Indexed for Feedback {}
impl Indexed for Attachment {}
impl Indexed for AttachmentContent {}
