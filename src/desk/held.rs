//! Everything held on one client, gathered in one place: what erasure removes (DATA-05) and
//! what the subject-access export writes out.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::domain::appointment::Appointment;
use crate::domain::client::Client;
use crate::domain::enquiry::Enquiry;
use crate::domain::event::EventBooking;
use crate::domain::ids::{AppointmentId, MessageId, NoteId};
use crate::domain::note::Note;
use crate::domain::outbox::OutboxEntry;
use crate::domain::queue::QueueEntry;
use crate::domain::records::{Attachment, AttachmentContent, Complaint, Consent, Feedback};
use crate::domain::wellbeing::Concern;
use crate::store::codec::Record;
use crate::store::index::{APPOINTMENT_BY_CLIENT, NOTE_BY_CLIENT, OUTBOX_BY_APPOINTMENT};
use crate::store::WriteSet;

use super::{Desk, DeskError};

/// Every record about one client. Records without an index by client are found from the
/// envelopes' headers (`Store::sealed_for`), without opening anyone else's.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    /// The client.
    pub client: Client,
    /// Their appointments, oldest first.
    pub appointments: Vec<Appointment>,
    /// Messages about those appointments.
    pub messages: Vec<OutboxEntry>,
    /// Notes, with every revision.
    pub notes: Vec<Note>,
    /// Drop-in queue entries.
    pub queue: Vec<QueueEntry>,
    /// Consents.
    pub consents: Vec<Consent>,
    /// Complaints they made.
    pub complaints: Vec<Complaint>,
    /// Attachments (metadata).
    pub attachments: Vec<Attachment>,
    /// The attachments' bytes: erased with them; the export writes them out itself, encoded.
    #[serde(skip)]
    pub attachment_contents: Vec<AttachmentContent>,
    /// Enquiries.
    pub enquiries: Vec<Enquiry>,
    /// Event bookings.
    pub event_bookings: Vec<EventBooking>,
    /// Wellbeing concerns and their referrals (DATA-06).
    pub concerns: Vec<Concern>,
    /// Feedback on their appointments (DATA-10).
    pub feedback: Vec<Feedback>,
}

impl Held {
    /// How many records, the client's own included.
    pub fn records(&self) -> usize {
        1 + self.appointments.len()
            + self.messages.len()
            + self.notes.len()
            + self.queue.len()
            + self.consents.len()
            + self.complaints.len()
            + self.attachments.len()
            + self.enquiries.len()
            + self.event_bookings.len()
            + self.concerns.len()
            + self.feedback.len()
    }

    /// Every record's id, the client's included (to find the audit entries about them).
    pub fn ids(&self) -> Vec<u128> {
        let mut ids = vec![self.client.id.0];
        ids.extend(self.appointments.iter().map(Record::id));
        ids.extend(self.messages.iter().map(Record::id));
        ids.extend(self.notes.iter().map(Record::id));
        ids.extend(self.queue.iter().map(Record::id));
        ids.extend(self.consents.iter().map(Record::id));
        ids.extend(self.complaints.iter().map(Record::id));
        ids.extend(self.attachments.iter().map(Record::id));
        ids.extend(self.enquiries.iter().map(Record::id));
        ids.extend(self.event_bookings.iter().map(Record::id));
        ids.extend(self.concerns.iter().map(Record::id));
        ids.extend(self.feedback.iter().map(Record::id));
        ids
    }

    /// Removes every record into `ws`, the client last.
    pub(super) fn remove_into(&self, ws: &mut WriteSet, desk: &Desk) {
        fn all<T: Record>(ws: &mut WriteSet, desk: &Desk, records: &[T]) {
            for r in records {
                ws.remove(&desk.store, r);
            }
        }
        all(ws, desk, &self.appointments);
        all(ws, desk, &self.messages);
        all(ws, desk, &self.notes);
        all(ws, desk, &self.queue);
        all(ws, desk, &self.consents);
        all(ws, desk, &self.complaints);
        all(ws, desk, &self.attachments);
        all(ws, desk, &self.attachment_contents);
        all(ws, desk, &self.enquiries);
        all(ws, desk, &self.event_bookings);
        all(ws, desk, &self.concerns);
        all(ws, desk, &self.feedback);
        ws.remove(&desk.store, &self.client);
    }
}

impl Desk {
    /// Gathers everything held on `client` (no permission check: callers check theirs).
    pub(super) fn held_on(&self, client: Client) -> Result<Held, DeskError> {
        let mut all = self.held_on_each(vec![client])?;
        all.pop()
            .ok_or_else(|| DeskError::Invalid("the client's records could not be gathered".into()))
    }

    /// [`Desk::held_on`] for several clients, reading each tree without an index by client
    /// once for all of them (a purge erases in batches). In the order given.
    pub(super) fn held_on_each(&self, clients: Vec<Client>) -> Result<Vec<Held>, DeskError> {
        let store = &self.store;
        let ids: HashSet<u128> = clients.iter().map(|c| c.id.0).collect();
        let mut queue = store.sealed_for_each::<QueueEntry>(&ids)?;
        let mut consents = store.sealed_for_each::<Consent>(&ids)?;
        let mut complaints = store.sealed_for_each::<Complaint>(&ids)?;
        let mut attachments = store.sealed_for_each::<Attachment>(&ids)?;
        let mut attachment_contents = store.sealed_for_each::<AttachmentContent>(&ids)?;
        let mut enquiries = store.sealed_for_each::<Enquiry>(&ids)?;
        let mut event_bookings = store.sealed_for_each::<EventBooking>(&ids)?;
        let mut concerns = store.sealed_for_each::<Concern>(&ids)?;
        let mut feedback = store.sealed_for_each::<Feedback>(&ids)?;
        // Messages sealed for the client that no appointment leads to (event place offers,
        // messages to absentees).
        let mut own_messages = store.sealed_for_each::<OutboxEntry>(&ids)?;
        let mut out = Vec::with_capacity(clients.len());
        for client in clients {
            let id = client.id.0;
            let appointments: Vec<Appointment> = store
                .indexed::<AppointmentId>(APPOINTMENT_BY_CLIENT, &client.id.key())?
                .into_iter()
                .filter_map(|id| store.get::<Appointment>(id.0).transpose())
                .collect::<Result<_, _>>()?;
            let mut messages = Vec::new();
            for a in &appointments {
                for id in store.indexed::<MessageId>(OUTBOX_BY_APPOINTMENT, &a.id.key())? {
                    if let Some(m) = store.get::<OutboxEntry>(id.0)? {
                        messages.push(m);
                    }
                }
            }
            for m in own_messages.remove(&id).unwrap_or_default() {
                if !messages.iter().any(|k| k.id == m.id) {
                    messages.push(m);
                }
            }
            let notes: Vec<Note> = store
                .indexed::<NoteId>(NOTE_BY_CLIENT, &client.id.key())?
                .into_iter()
                .filter_map(|id| store.get::<Note>(id.0).transpose())
                .collect::<Result<_, _>>()?;
            out.push(Held {
                appointments,
                messages,
                notes,
                queue: take(&mut queue, id),
                consents: take(&mut consents, id),
                complaints: take(&mut complaints, id),
                attachments: take(&mut attachments, id),
                attachment_contents: take(&mut attachment_contents, id),
                enquiries: take(&mut enquiries, id),
                event_bookings: take(&mut event_bookings, id),
                concerns: take(&mut concerns, id),
                feedback: take(&mut feedback, id),
                client,
            });
        }
        Ok(out)
    }
}

/// A client's records from a per-client map, leaving the others.
fn take<T>(each: &mut HashMap<u128, Vec<T>>, client: u128) -> Vec<T> {
    each.remove(&client).unwrap_or_default()
}
