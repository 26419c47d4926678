//! The one place that turns records into bytes: `[format byte][bincode 2.0.1 body]`.
//!
//! bincode is pinned (`=2.0.1`) because its development has ended; swapping it for another
//! serde format means changing only this file. The format byte lets a record type read the
//! layouts it had before (see [`Record::decode_format`]).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::domain::appointment::{Appointment, Slot, SlotV1};
use crate::domain::client::{Client, ClientV1};
use crate::domain::employer::{Contact, Employer, EngagementNote, Vacancy};
use crate::domain::enquiry::Enquiry;
use crate::domain::event::{Event, EventBooking};
use crate::domain::note::{Note, NoteV1};
use crate::domain::operator::Operator;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, AttachmentContent, Complaint, Consent, Feedback};
use crate::domain::wellbeing::{Concern, ConcernV1};
use crate::domain::EntityKind;

/// Why bytes could not become a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The value is empty.
    #[error("the value is empty")]
    Empty,
    /// The format byte is one this version does not know.
    #[error("format {0} is unknown to this version of careerdesk (a newer version wrote it?)")]
    UnknownFormat(u8),
    /// A value could not be encoded (nothing is written).
    #[error("the record could not be encoded: {0}")]
    Encode(String),
    /// The body does not decode as the expected type.
    #[error("the record does not decode: {0}")]
    Decode(String),
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a value's body (no format byte).
pub fn encode_body<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError::Encode(e.to_string()))
}

/// Decodes a body written by [`encode_body`], refusing trailing bytes.
pub fn decode_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (v, read) =
        bincode::serde::decode_from_slice(bytes, config()).map_err(|e| CodecError::Decode(e.to_string()))?;
    if read != bytes.len() {
        return Err(CodecError::Decode(format!("{} trailing bytes", bytes.len() - read)));
    }
    Ok(v)
}

/// Encodes with a format byte.
pub fn encode_versioned<T: Serialize>(format: u8, value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![format];
    out.extend(encode_body(value)?);
    Ok(out)
}

/// A record kind the store keeps in its own tree.
pub trait Record: Serialize + DeserializeOwned + Sized + Clone + super::index::Indexed {
    /// Which kind (and so which tree).
    const KIND: EntityKind;
    /// The layout version written today.
    const FORMAT: u8 = 1;

    /// Fields that are sets of elements (flags, tags, audiences): a sync merges them element
    /// by element, so two desks' additions both survive.
    const SET_FIELDS: &'static [&'static str] = &[];

    /// The record's id.
    fn id(&self) -> u128;

    /// Puts the set fields in their one order (see [`Record::SET_FIELDS`]), so two desks that
    /// merged the same elements hold the same record. Called on every write.
    fn canonical(&mut self) {}

    /// Told which set fields a merge found both desks changed without seeing each other's
    /// change (a note amended on two desks is flagged for its author).
    fn merged_unseen(&mut self, _fields: &[String]) {}

    /// After a merge of two desks' changes, a rule each desk checked alone that the merged
    /// record now breaks (a withdrawn slot that is also booked): it is not merged, but goes to
    /// the conflicts queue with this message.
    fn merged_breaks(&self) -> Option<String> {
        None
    }

    /// How the record is written as fields, for the op log.
    fn shape() -> crate::domain::change::Shape {
        crate::domain::change::Shape {
            format: Self::FORMAT,
            set_fields: Self::SET_FIELDS,
        }
    }

    /// The client this record belongs to, if any: it is sealed with that client's own key,
    /// so erasing the client makes every copy of it unreadable (DATA-05).
    fn subject(&self) -> Option<u128> {
        None
    }

    /// Reads a body written in `format`; types with older layouts override this to migrate.
    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        if format == Self::FORMAT {
            decode_body(body)
        } else {
            Err(CodecError::UnknownFormat(format))
        }
    }

    /// Encodes in today's layout.
    fn encode(&self) -> Result<Vec<u8>, CodecError> {
        encode_versioned(Self::FORMAT, self)
    }

    /// Decodes any layout this version can read.
    fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let (&format, body) = bytes.split_first().ok_or(CodecError::Empty)?;
        Self::decode_format(format, body)
    }
}

/// The leading fields of a client record: what the in-memory directory needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ClientHead {
    /// Record id.
    pub id: crate::domain::ids::ClientId,
    /// Student number.
    pub student_number: crate::domain::validate::StudentNumber,
    /// Name.
    pub name: String,
    /// Programme.
    pub programme: String,
    /// School.
    pub school: Option<String>,
    /// Level.
    pub level: crate::domain::client::Level,
    /// Status.
    pub status: crate::domain::client::Status,
    /// Course end.
    pub course_end: Option<chrono::NaiveDate>,
    /// E-mail.
    pub email: crate::domain::validate::Email,
}

/// Reads a client's leading fields without decoding the rest of the record (faster start-up).
pub fn decode_client_head(plain: &[u8]) -> Result<ClientHead, CodecError> {
    let (&format, body) = plain.split_first().ok_or(CodecError::Empty)?;
    if format == Client::FORMAT {
        let (head, _) = bincode::serde::decode_from_slice::<ClientHead, _>(body, config())
            .map_err(|e| CodecError::Decode(e.to_string()))?;
        return Ok(head);
    }
    let c = Client::decode_format(format, body)?;
    Ok(ClientHead {
        id: c.id,
        student_number: c.student_number,
        name: c.name,
        programme: c.programme,
        school: c.school,
        level: c.level,
        status: c.status,
        course_end: c.course_end,
        email: c.email,
    })
}

macro_rules! record {
    ($t:ty, $kind:ident) => {
        impl Record for $t {
            const KIND: EntityKind = EntityKind::$kind;
            fn id(&self) -> u128 {
                self.id.0
            }
        }
    };
    ($t:ty, $kind:ident, client: $($client:ident).+) => {
        impl Record for $t {
            const KIND: EntityKind = EntityKind::$kind;
            fn id(&self) -> u128 {
                self.id.0
            }
            fn subject(&self) -> Option<u128> {
                Some(self.$($client).+.0)
            }
        }
    };
    ($t:ty, $kind:ident, maybe_client: $client:ident) => {
        impl Record for $t {
            const KIND: EntityKind = EntityKind::$kind;
            fn id(&self) -> u128 {
                self.id.0
            }
            fn subject(&self) -> Option<u128> {
                self.$client.map(|c| c.0)
            }
        }
    };
}

/// Sorts a set field into its one order and drops repeated elements.
fn sort_set<T: PartialEq, K: Ord>(items: &mut Vec<T>, key: impl FnMut(&T) -> K) {
    items.sort_by_key(key);
    items.dedup();
}

impl Record for Client {
    const KIND: EntityKind = EntityKind::Client;
    /// Format 2 added school, contact preferences, flags, activities, suspension and block.
    const FORMAT: u8 = 2;
    // Activities are counts (two desks' "+1" are not one element), so they are not a set.
    const SET_FIELDS: &'static [&'static str] = &["flags"];

    fn canonical(&mut self) {
        sort_set(&mut self.flags, |f| (f.at, f.reason.clone()));
    }

    fn id(&self) -> u128 {
        self.id.0
    }

    fn subject(&self) -> Option<u128> {
        Some(self.id.0)
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<ClientV1>(body).map(Client::from),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}

impl Record for Slot {
    const KIND: EntityKind = EntityKind::Slot;
    /// Format 2 added the series a slot was made in.
    const FORMAT: u8 = 2;

    fn merged_breaks(&self) -> Option<String> {
        (self.withdrawn && self.booking.is_some())
            .then(|| "a slot withdrawn on one desk was booked on another; the booking needs a new slot".to_string())
    }

    fn id(&self) -> u128 {
        self.id.0
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<SlotV1>(body).map(Slot::from),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}

record!(Operator, Operator);
impl Record for Appointment {
    const KIND: EntityKind = EntityKind::Appointment;
    /// Format 2 added who decided the slot is the booking's (the sync server or the desk).
    const FORMAT: u8 = 2;

    fn id(&self) -> u128 {
        self.id.0
    }

    fn subject(&self) -> Option<u128> {
        Some(self.client.0)
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<crate::domain::appointment::AppointmentV1>(body).map(Appointment::from),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}
record!(Enquiry, Enquiry, maybe_client: client);
impl Record for Employer {
    const KIND: EntityKind = EntityKind::Employer;
    const SET_FIELDS: &'static [&'static str] = &["tags"];

    fn id(&self) -> u128 {
        self.id.0
    }

    fn canonical(&mut self) {
        sort_set(&mut self.tags, String::clone);
    }
}
record!(Contact, Contact);
record!(EngagementNote, Engagement);
record!(Vacancy, Vacancy);
impl Record for Event {
    const KIND: EntityKind = EntityKind::Event;
    // The employers' order is the organiser's, so that list merges as one value.
    const SET_FIELDS: &'static [&'static str] = &["audience_schools", "target_programmes"];

    fn id(&self) -> u128 {
        self.id.0
    }

    fn canonical(&mut self) {
        sort_set(&mut self.audience_schools, String::clone);
        sort_set(&mut self.target_programmes, String::clone);
    }
}
impl Record for EventBooking {
    const KIND: EntityKind = EntityKind::EventBooking;
    /// Format 2 added who decided the place is the booking's (the sync server or the desk).
    const FORMAT: u8 = 2;

    fn id(&self) -> u128 {
        self.id.0
    }

    fn subject(&self) -> Option<u128> {
        Some(self.client.0)
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<crate::domain::event::EventBookingV1>(body).map(EventBooking::from),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}
record!(Consent, Consent, client: client);
record!(Complaint, Complaint, client: client);
record!(Feedback, Feedback, maybe_client: client);
record!(Attachment, Attachment, client: client);
record!(AttachmentContent, AttachmentContent, client: client);
record!(QueueEntry, QueueEntry, client: client);

impl Record for Note {
    const KIND: EntityKind = EntityKind::Note;
    /// Format 2 added the access level; a format-1 note reads with its label's default.
    const FORMAT: u8 = 2;
    // Two desks' amendments of one note are both kept (and the note flagged at the merge).
    const SET_FIELDS: &'static [&'static str] = &["revisions"];

    fn canonical(&mut self) {
        sort_set(&mut self.revisions, |r| (r.at, r.by, r.body.clone()));
    }

    fn merged_unseen(&mut self, fields: &[String]) {
        if fields.iter().any(|f| f == "revisions") {
            self.needs_review = true;
        }
    }

    fn id(&self) -> u128 {
        self.id.0
    }

    fn subject(&self) -> Option<u128> {
        Some(self.client.0)
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<NoteV1>(body).map(Note::from),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}

impl Record for Concern {
    const KIND: EntityKind = EntityKind::Concern;
    /// Format 2 added the closure; a format-1 concern reads as open.
    const FORMAT: u8 = 2;

    fn id(&self) -> u128 {
        self.id.0
    }

    fn subject(&self) -> Option<u128> {
        Some(self.client.0)
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<ConcernV1>(body).map(Concern::from),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}

/// An outbox entry before it named its client (format 1).
#[derive(serde::Deserialize)]
struct OutboxEntryV1 {
    id: crate::domain::ids::MessageId,
    appointment: Option<crate::domain::ids::AppointmentId>,
    message: crate::domain::messages::PlannedMessage,
    state: crate::domain::outbox::Delivery,
}

impl Record for OutboxEntry {
    const KIND: EntityKind = EntityKind::Message;
    /// Format 2 added the client the message goes to.
    const FORMAT: u8 = 2;

    fn id(&self) -> u128 {
        self.id.0
    }

    fn subject(&self) -> Option<u128> {
        self.client.map(|c| c.0)
    }

    fn decode_format(format: u8, body: &[u8]) -> Result<Self, CodecError> {
        match format {
            1 => decode_body::<OutboxEntryV1>(body).map(|v| OutboxEntry {
                id: v.id,
                appointment: v.appointment,
                message: v.message,
                state: v.state,
                client: None,
            }),
            2 => decode_body(body),
            other => Err(CodecError::UnknownFormat(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client::{ContactChannel, Level, Status};
    use crate::domain::ids::ClientId;
    use crate::domain::validate::{Email, StudentNumber};
    use chrono::{TimeZone, Utc};

    #[test]
    fn client_written_in_format_1_reads_as_today_s_client() {
        let v1 = ClientV1 {
            id: ClientId(42),
            student_number: StudentNumber::parse("10234567").unwrap(),
            name: "Ada Example".into(),
            programme: "BSc Physics".into(),
            level: Level::Ug,
            status: Status::Student,
            course_end: Some("2027-06-30".parse().unwrap()),
            email: Email::parse("ada@example.ac.uk").unwrap(),
            phone: None,
            created_at: Utc.with_ymd_and_hms(2025, 9, 1, 9, 0, 0).unwrap(),
        };
        let bytes = encode_versioned(1, &v1).unwrap();
        let c = Client::decode(&bytes).unwrap();
        assert_eq!(c.name, "Ada Example");
        assert_eq!(c.student_number.as_str(), "10234567");
        assert_eq!(c.contact.0, vec![ContactChannel::Email]);
        assert!(c.flags.is_empty() && c.school.is_none());
        // Re-encoding writes today's format.
        let again = c.encode().unwrap();
        assert_eq!(again[0], 2);
        assert_eq!(Client::decode(&again).unwrap(), c);
    }

    #[test]
    fn client_head_reads_the_leading_fields_of_every_format() {
        let v1 = ClientV1 {
            id: ClientId(7),
            student_number: StudentNumber::parse("10234567").unwrap(),
            name: "Ada Example".into(),
            programme: "BSc Physics".into(),
            level: Level::Ug,
            status: Status::Student,
            course_end: None,
            email: Email::parse("ada@example.ac.uk").unwrap(),
            phone: None,
            created_at: Utc.with_ymd_and_hms(2025, 9, 1, 9, 0, 0).unwrap(),
        };
        let from_v1 = decode_client_head(&encode_versioned(1, &v1).unwrap()).unwrap();
        let current = Client::from(v1);
        let from_v2 = decode_client_head(&current.encode().unwrap()).unwrap();
        assert_eq!(from_v1, from_v2);
        assert_eq!(from_v2.name, "Ada Example");
        assert_eq!(from_v2.email.as_str(), "ada@example.ac.uk");
    }

    #[test]
    fn slot_written_in_format_1_reads_as_today_s_slot_with_no_series() {
        use crate::domain::ids::{OperatorId, SlotId};
        let v1 = SlotV1 {
            id: SlotId(9),
            consultant: OperatorId(3),
            appointment_type: "guidance".into(),
            start: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
            minutes: 45,
            location: "atrium-pod-1".into(),
            booking: None,
            withdrawn: false,
        };
        let bytes = encode_versioned(1, &v1).unwrap();
        let s = Slot::decode(&bytes).unwrap();
        assert_eq!((s.id, s.consultant, s.minutes), (SlotId(9), OperatorId(3), 45));
        assert_eq!(s.location.as_str(), "atrium-pod-1");
        assert_eq!(s.series, None);
        // Re-encoding writes today's format, which reads back the same.
        let again = s.encode().unwrap();
        assert_eq!(again[0], 2);
        assert_eq!(Slot::decode(&again).unwrap(), s);
        // A format-2 body is not mistaken for format 1, nor the other way round.
        assert!(Slot::decode_format(2, &bytes[1..]).is_err());
    }

    #[test]
    fn sec_04_note_written_in_format_1_reads_with_its_label_s_default_level() {
        use crate::domain::ids::{NoteId, OperatorId};
        use crate::domain::note::{AccessLevel, Confidentiality, NoteRevision};
        for (label, level) in [
            (Confidentiality::Confidential, AccessLevel::Consultants),
            (Confidentiality::NotConfidential, AccessLevel::WholeService),
        ] {
            let v1 = NoteV1 {
                id: NoteId(5),
                client: ClientId(42),
                appointment: None,
                confidentiality: label,
                revisions: vec![NoteRevision {
                    by: OperatorId(3),
                    at: Utc.with_ymd_and_hms(2025, 10, 1, 11, 0, 0).unwrap(),
                    body: "Talked through two offers.".into(),
                }],
                needs_review: false,
            };
            let n = Note::decode(&encode_versioned(1, &v1).unwrap()).unwrap();
            assert_eq!((n.level, n.confidentiality), (level, label));
            assert_eq!(n.revisions, v1.revisions);
            let again = n.encode().unwrap();
            assert_eq!(again[0], 2);
            assert_eq!(Note::decode(&again).unwrap(), n);
        }
    }

    #[test]
    fn data_06_a_concern_written_in_format_1_reads_as_open() {
        use crate::domain::ids::{ConcernId, OperatorId};
        let v1 = ConcernV1 {
            id: ConcernId(7),
            client: ClientId(42),
            raised_by: OperatorId(3),
            raised_at: Utc.with_ymd_and_hms(2026, 11, 1, 11, 0, 0).unwrap(),
            reason: "low".into(),
            referrals: Vec::new(),
        };
        let c = Concern::decode(&encode_versioned(1, &v1).unwrap()).unwrap();
        assert!(c.is_open());
        assert_eq!((c.id, c.reason.as_str()), (ConcernId(7), "low"));
        let again = c.encode().unwrap();
        assert_eq!(again[0], 2);
        assert_eq!(Concern::decode(&again).unwrap(), c);
    }

    #[test]
    fn unknown_format_and_garbage_are_errors_not_panics() {
        assert_eq!(Client::decode(&[]), Err(CodecError::Empty));
        assert_eq!(Client::decode(&[9, 1, 2]), Err(CodecError::UnknownFormat(9)));
        assert!(matches!(
            Client::decode(&[2, 0xff, 0xff, 0xff]),
            Err(CodecError::Decode(_))
        ));
    }
}
