//! Whose a record is, for re-sealing (decision 0018): a live record's envelope names its
//! client; for a record since removed from the store, the op log's own history does (its
//! Create and Update changes carry the record's fields, the `client` field among them, and a
//! change sealed with a client's key names the client in its header). What neither places
//! with a client still in the store is [`Owner::Unknown`]: never guessed.

use std::collections::{BTreeMap, HashMap};

use super::crypto::KeyRef;
use super::subject_keys::LOOKUP_SUBJECT;
use super::{Store, StoreError, OPLOG};
use crate::domain::ids::ClientId;
use crate::domain::{EntityKind, RecordRef};

/// The clients removed records belonged to, from the op log: ids only (`None`: the history
/// says the record named no client).
pub(crate) type History = HashMap<RecordRef, Option<u128>>;

/// What a change says of the client a record is about: `Some(Some(id))` names one,
/// `Some(None)` says it names none, `None` says nothing.
pub(crate) type Named = Option<Option<u128>>;

/// Whose key a value about a record belongs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The client's.
    Client(u128),
    /// The record is about no client: the institution key is right.
    NoClient,
    /// It may be a client's, but nothing in the store says whose (or the client it names is
    /// no longer in the store, with no key left to seal with).
    Unknown,
}

/// Whether records of a kind can be about a client (the kinds whose `Record::subject` names one:
/// a client record is its own subject, the others name it in their `client` field).
pub(crate) fn may_name_client(kind: EntityKind) -> bool {
    use EntityKind as K;
    // Every kind listed, so that a new one is decided here.
    match kind {
        K::Client
        | K::Appointment
        | K::Note
        | K::Enquiry
        | K::EventBooking
        | K::Consent
        | K::Complaint
        | K::Feedback
        | K::Attachment
        | K::AttachmentContent
        | K::QueueEntry
        | K::Message
        | K::Concern => true,
        K::Operator | K::Slot | K::Employer | K::Contact | K::Engagement | K::Vacancy | K::Event => false,
    }
}

/// What a change's fields say of the client a record is about: `Some(Some(id))` when they name
/// one, `Some(None)` when they say none, `None` when they say nothing (no `client` field, or
/// one that does not read as a client id: not guessed).
pub(crate) fn client_in_fields(record: RecordRef, fields: &BTreeMap<String, String>) -> Named {
    if record.kind == EntityKind::Client {
        return Some(Some(record.id));
    }
    if !may_name_client(record.kind) {
        return Some(None);
    }
    let value = fields.get("client")?;
    serde_json::from_str::<Option<ClientId>>(value)
        .ok()
        .map(|c| c.map(|c| c.0).filter(|&id| id != 0))
}

impl Store {
    /// One pass over the op log: for each record no longer in the store that a change names,
    /// the client its latest change that says names (or that it names none). Entries that do
    /// not open are left to the re-seal itself to count.
    pub(crate) fn removed_records_history(&self) -> Result<History, StoreError> {
        let mut history = History::new();
        for item in self.tree(OPLOG)?.iter() {
            let (k, v) = item?;
            let Ok(owners) = self.op_owners(&k, &v) else {
                continue;
            };
            for (record, named) in owners {
                // A client record is its own subject, and a kind that names no client needs no entry.
                let Some(named) = named else {
                    continue;
                };
                if record.kind == EntityKind::Client || !may_name_client(record.kind) {
                    continue;
                }
                if history.contains_key(&record) || self.live(&record)?.is_none() {
                    history.insert(record, named);
                }
            }
        }
        Ok(history)
    }

    /// Whose key a value about `record` belongs under: the client its live envelope names,
    /// else the one its history names (a client record: itself), when that client is still in
    /// the store (their record, or a key of theirs).
    pub(crate) fn owner(&self, record: &RecordRef, history: &History) -> Result<Owner, StoreError> {
        if let Some(raw) = self.live(record)? {
            return Ok(match KeyRef::of(&raw) {
                Ok((KeyRef::Subject { id, .. }, _)) if id != LOOKUP_SUBJECT && id != 0 => Owner::Client(id),
                _ => Owner::NoClient,
            });
        }
        let named = match record.kind {
            EntityKind::Client => Some(Some(record.id)),
            kind if may_name_client(kind) => history.get(record).copied(),
            _ => Some(None),
        };
        Ok(match named {
            Some(Some(id)) if self.subjects.has(id) || self.live(&client_ref(id))?.is_some() => Owner::Client(id),
            Some(Some(_)) | None => Owner::Unknown,
            Some(None) => Owner::NoClient,
        })
    }

    /// The record's stored bytes, if it is in the store.
    fn live(&self, record: &RecordRef) -> Result<Option<sled::IVec>, StoreError> {
        Ok(self.tree(record.kind.tree())?.get(record.id.to_be_bytes())?)
    }
}

fn client_ref(id: u128) -> RecordRef {
    RecordRef {
        kind: EntityKind::Client,
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(kind: EntityKind) -> RecordRef {
        RecordRef { kind, id: 7 }
    }

    #[test]
    fn data_05_the_client_field_of_a_change_names_the_client_and_nothing_is_guessed() {
        let id = ClientId(0x0191_2345_6789_abcd_ef01_2345_6789_abcd);
        let named = BTreeMap::from([("client".to_string(), serde_json::to_string(&id).unwrap())]);
        assert_eq!(client_in_fields(at(EntityKind::Note), &named), Some(Some(id.0)));
        let none = BTreeMap::from([("client".to_string(), "null".to_string())]);
        assert_eq!(client_in_fields(at(EntityKind::Enquiry), &none), Some(None));
        // An update that leaves the client as it was says nothing; a value that is not an id
        // is not read as one.
        assert_eq!(client_in_fields(at(EntityKind::Note), &BTreeMap::new()), None);
        let odd = BTreeMap::from([("client".to_string(), "\"someone\"".to_string())]);
        assert_eq!(client_in_fields(at(EntityKind::Appointment), &odd), None);
        // A client record is its own subject; an employer names no client.
        assert_eq!(
            client_in_fields(at(EntityKind::Client), &BTreeMap::new()),
            Some(Some(7))
        );
        assert_eq!(client_in_fields(at(EntityKind::Employer), &named), Some(None));
    }
}
