//! Typed record identifiers: ULIDs, time-ordered, stored as 16 big-endian bytes.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u128);

        // Binary formats (the store) get the 16-byte number; readable ones (JSON output, the
        // op log's field values) get the ULID text.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(&ulid::Ulid(self.0))
                } else {
                    s.serialize_u128(self.0)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let text = String::deserialize(d)?;
                    ulid::Ulid::from_string(&text).map(|u| Self(u.0)).map_err(serde::de::Error::custom)
                } else {
                    u128::deserialize(d).map(Self)
                }
            }
        }

        impl $name {
            /// A new identifier from a ULID made at `at_ms` (milliseconds since the epoch).
            pub fn new_at(at_ms: u64) -> Self {
                Self(ulid::Ulid::from_parts(at_ms, rand::random::<u128>()).0)
            }

            /// An identifier from a time and a sequence number, ordered by both (audit entries).
            pub fn sequenced(at_ms: u64, seq: u64) -> Self {
                Self((u128::from(at_ms) << 80) | u128::from(seq))
            }

            /// The identifier as the big-endian key bytes a store tree is ordered by.
            pub fn key(self) -> [u8; 16] {
                self.0.to_be_bytes()
            }

            /// Reads an identifier from 16 key bytes.
            pub fn from_key(bytes: &[u8]) -> Option<Self> {
                <[u8; 16]>::try_from(bytes).ok().map(|b| Self(u128::from_be_bytes(b)))
            }
        }

        impl From<u128> for $name {
            fn from(n: u128) -> Self {
                Self(n)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", ulid::Ulid(self.0))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let text = s.trim();
                // The ULID crate drops the bits of a first character above 7, so a text that does
                // not come back the same names another record: refuse it.
                match ulid::Ulid::from_string(text) {
                    Ok(u) if u.to_string().eq_ignore_ascii_case(text) => Ok(Self(u.0)),
                    _ => Err(format!(
                        "{} is not a record id (26 letters and digits, starting 0-7, e.g. 01J...)",
                        super::text::quote(text)
                    )),
                }
            }
        }
    )*};
}

id_type!(
    /// A client (student or graduate).
    ClientId,
    /// A staff operator account.
    OperatorId,
    /// A bookable slot in a consultant's calendar.
    SlotId,
    /// A series of slots made together (a term's availability).
    SeriesId,
    /// An appointment: one client's booking of one slot.
    AppointmentId,
    /// A note on a client or appointment.
    NoteId,
    /// An enquiry (email, phone, desk or chat).
    EnquiryId,
    /// An employer organisation.
    EmployerId,
    /// A person at an employer.
    ContactId,
    /// An engagement note on an employer.
    EngagementId,
    /// A vacancy an employer advertises.
    VacancyId,
    /// An employability event.
    EventId,
    /// A client's booking on an event.
    EventBookingId,
    /// A consent given or withdrawn by a client.
    ConsentId,
    /// A complaint.
    ComplaintId,
    /// Feedback on an appointment or event.
    FeedbackId,
    /// An uploaded file.
    AttachmentId,
    /// An entry in the drop-in queue.
    QueueEntryId,
    /// A message in the outbox.
    MessageId,
    /// A wellbeing concern raised about a client (DATA-06).
    ConcernId,
    /// An entry in the audit log.
    AuditId,
    /// A device (terminal) holding a replica.
    DeviceId,
    /// A terminal enrolled with a sync server: the credential it connects with.
    TerminalId,
    /// A lease the sync server gave a desk (of a consultant's slots or an event's places).
    LeaseId,
);

#[cfg(test)]
mod tests {
    use super::AppointmentId;

    #[test]
    fn an_id_that_does_not_round_trip_is_refused() {
        let id = AppointmentId::new_at(1_700_000_000_000);
        let text = id.to_string();
        assert_eq!(text.parse::<AppointmentId>(), Ok(id));
        assert_eq!(text.to_lowercase().parse::<AppointmentId>(), Ok(id));
        // A first character above 7 would overflow 128 bits and wrap to another id.
        let overflow = format!("8{}", &text[1..]);
        assert!(overflow.parse::<AppointmentId>().is_err());
        assert!("ZZZZZZZZZZZZZZZZZZZZZZZZZZ".parse::<AppointmentId>().is_err());
        assert!("01J".parse::<AppointmentId>().is_err());
        assert!(format!("{text}x").parse::<AppointmentId>().is_err());
    }
}
