//! Event bookings through the desk (EVT-03, EVT-02, SEC-02): booking a client onto an event or
//! its waiting list, cancelling (the first waiting is promoted and told through the outbox),
//! marking attendance by student number or card, and the "booked but absent" list with a
//! message to each. The rules are in `domain::event_places`; this module gathers what they
//! need and applies the answer in one commit.
//!
//! Every commit that changes an event's bookings rewrites the event record and insists it is
//! unchanged since read (`WriteSet::unchanged_since`): two desks changing the same event's
//! bookings at once cannot both land on the same count, so the later one is decided again on
//! the newer bookings and the event never goes over its capacity. There is no transfer: a
//! booking belongs to its client (SEC-02).
//!
//! Booking, cancelling and attendance need `Permission::Book` (the desk does them at the door);
//! messaging absentees needs `Permission::ManageEmployers` ("manage employers and events").

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::event::{Event, EventBooking, EventBookingState, PlaceConfirmation};
use crate::domain::event_places::{self as places, PlaceRefusal, Placement, Tally};
use crate::domain::ids::{EventBookingId, EventId, MessageId};
use crate::domain::limits;
use crate::domain::messages::events::{plan_absent_follow_up, plan_place_offered, EventFacts};
use crate::domain::messages::PlannedMessage;
use crate::domain::outbox::OutboxEntry;
use crate::domain::rules::{Decision, Refusal, Rule};
use crate::domain::validate::{self, StudentNumber};
use crate::domain::{EntityKind, RecordRef};
use crate::store::{StoreError, Version, WriteSet};

use super::{now_ms, Desk, DeskError};

/// The conflict a commit meets when another desk changed the event's bookings first.
const EVENT_CHANGED: &str = "the event's bookings changed while this was being saved; try again";

/// How many times a booking change is decided again after losing a race.
const RETRIES: usize = 20;

/// Who is being marked as attending: typed student number or a card swipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attendee {
    /// A student number.
    Client(StudentNumber),
    /// What a card reader (or a person) typed, in any of the queue's card formats.
    Card(String),
}

/// One booking as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventBookingLine {
    /// Booking id.
    pub id: EventBookingId,
    /// Student number (none when the client record is missing).
    pub student_number: Option<StudentNumber>,
    /// Name.
    pub name: String,
    /// Where it stands.
    pub state: EventBookingState,
    /// When booked (orders the waiting list).
    pub booked_at: chrono::DateTime<chrono::Utc>,
    /// The word for a place not (or no longer) settled with the sync server: "provisional",
    /// "leased", "lost its place"; none when settled.
    pub unsettled: Option<&'static str>,
}

impl EventBookingLine {
    /// The student number as shown (`?` when the client record is missing).
    pub fn number(&self) -> &str {
        StudentNumber::shown(self.student_number.as_ref())
    }
}

/// An event's bookings: places (booked, attended, absent), the waiting list in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRoster {
    /// The event's places.
    pub capacity: u32,
    /// The counts.
    pub tally: Tally,
    /// Holding a place and not yet marked (booked).
    pub booked: Vec<EventBookingLine>,
    /// The waiting list, first to be promoted first.
    pub waiting: Vec<EventBookingLine>,
    /// Marked as attending.
    pub attended: Vec<EventBookingLine>,
    /// Recorded absent.
    pub absent: Vec<EventBookingLine>,
}

/// What booking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBooked {
    /// The booking made.
    pub booking: EventBooking,
    /// A place, or the waiting list and where on it.
    pub placement: Placement,
}

/// What cancelling did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCancelled {
    /// The cancelled booking.
    pub booking: EventBooking,
    /// Those promoted from the waiting list into the freed place, each with the messages queued.
    pub promoted: Vec<(EventBookingLine, usize)>,
}

/// What messaging the absent did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AbsentMessaged {
    /// Absent clients a message was queued for.
    pub messaged: usize,
    /// Absent clients whose contact preferences allow no channel this terminal has (DATA-12).
    pub not_contactable: usize,
    /// Messages queued in all.
    pub messages: usize,
}

pub(super) fn booking_ref(id: EventBookingId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::EventBooking,
        id: id.0,
    })
}

fn refused(r: PlaceRefusal) -> DeskError {
    if r.is_policy() {
        DeskError::Refused(Decision::refused(Refusal {
            rule: Rule::Audience,
            clause: "EVT-02",
            message: r.to_string(),
            allowed_from: None,
            figures: None,
        }))
    } else {
        DeskError::Invalid(r.to_string())
    }
}

impl Desk {
    /// Every booking of one event, oldest first, read through the index of bookings by event.
    /// Damaged records are skipped with a warning so one cannot hide the rest.
    pub(super) fn bookings_of(&self, event: EventId) -> Result<Vec<EventBooking>, DeskError> {
        let mut out = Vec::new();
        for id in self.store.event_bookings_of(event)? {
            match self.store.get::<EventBooking>(id.0) {
                Ok(Some(b)) if b.event == event => out.push(b),
                Ok(_) => tracing::warn!("the booking index names booking {id} under event {event}, which it is not"),
                Err(e) if e.is_damage() => tracing::warn!("event booking record skipped: {e}"),
                Err(e) => return Err(e.into()),
            }
        }
        out.sort_by_key(|b| (b.booked_at, b.id));
        Ok(out)
    }

    /// The event as stored now, with its version, and its bookings.
    fn event_now(&self, id: EventId) -> Result<(Event, Version, Vec<EventBooking>), DeskError> {
        let (event, version) = self
            .store
            .get_versioned::<Event>(id.0)?
            .ok_or_else(|| DeskError::Invalid("that event no longer exists; see `event list`".into()))?;
        let bookings = self.bookings_of(id)?;
        Ok((event, version, bookings))
    }

    /// Runs `decide` on the event as it stands and commits its write set; when another desk
    /// changed the event's bookings meanwhile, decides again on the newer ones.
    pub(super) fn with_event<T>(
        &self,
        id: EventId,
        mut decide: impl FnMut(&Event, &[EventBooking], &mut WriteSet) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let mut tries = 0;
        loop {
            let (event, version, bookings) = self.event_now(id)?;
            let mut ws = WriteSet::new();
            let out = decide(&event, &bookings, &mut ws)?;
            // Rewriting the event (sealed afresh) gives it a new version, so a racing commit
            // decided on the same bookings fails its check below and decides again.
            ws.put(&self.store, Some(&event), &event);
            ws.unchanged_since(&event, version, EVENT_CHANGED);
            match self.commit(ws) {
                Err(DeskError::Store(StoreError::Conflict(m))) if m == EVENT_CHANGED && tries < RETRIES => {
                    tries += 1;
                }
                Err(e) => return Err(e),
                Ok(()) => return Ok(out),
            }
        }
    }

    /// Every event's counts from one read of the bookings (for `event list`).
    pub fn event_tallies(&self) -> Result<std::collections::HashMap<EventId, Tally>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut by_event: std::collections::HashMap<EventId, Vec<EventBooking>> = Default::default();
        for b in self.store.scan::<EventBooking>()? {
            match b {
                Ok(b) => by_event.entry(b.event).or_default().push(b),
                Err(e) if e.is_damage() => tracing::warn!("event booking record skipped: {e}"),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(by_event.into_iter().map(|(id, bs)| (id, places::tally(&bs))).collect())
    }

    /// An event's counts: places held, waiting, attended (for `event show`).
    pub fn event_tally(&self, event: &Event) -> Result<Tally, DeskError> {
        self.require(Permission::ViewClients)?;
        Ok(places::tally(&self.bookings_of(event.id)?))
    }

    fn booking_line(&self, b: &EventBooking) -> Result<EventBookingLine, DeskError> {
        let client = self.store.get::<Client>(b.client.0)?;
        Ok(EventBookingLine {
            id: b.id,
            student_number: client.as_ref().map(|c| c.student_number.clone()),
            name: client.map(|c| c.name).unwrap_or_else(|| "(unknown client)".into()),
            state: b.state,
            booked_at: b.booked_at,
            unsettled: b.confirmation.word(),
        })
    }

    /// An event's bookings: booked, the waiting list in order, attended and absent.
    pub fn event_roster(&self, event: &str) -> Result<EventRoster, DeskError> {
        self.require(Permission::ViewClients)?;
        let event = self.find_event(event)?;
        let bookings = self.bookings_of(event.id)?;
        let lines = |state: EventBookingState| -> Result<Vec<EventBookingLine>, DeskError> {
            bookings
                .iter()
                .filter(|b| b.state == state)
                .map(|b| self.booking_line(b))
                .collect()
        };
        let waiting = places::waiting_list(&bookings)
            .into_iter()
            .map(|b| self.booking_line(b))
            .collect::<Result<_, _>>()?;
        Ok(EventRoster {
            capacity: event.capacity,
            tally: places::tally(&bookings),
            booked: lines(EventBookingState::Booked)?,
            waiting,
            attended: lines(EventBookingState::Attended)?,
            absent: lines(EventBookingState::Absent)?,
        })
    }

    /// Books a client onto an event: a place while any is free and nobody waits, else the
    /// waiting list (EVT-03). Refused when the client already holds a booking on it, when the
    /// event is over, when the client is suspended (SEC-03), and, by policy (exit 3), when the
    /// event's audience does not include the client's school (EVT-02).
    pub fn book_event(&self, event: &str, client: &StudentNumber) -> Result<EventBooked, DeskError> {
        self.require(Permission::Book)?;
        let event = self.find_event(event)?;
        let client = self.client_by_student_number(client)?;
        if client.suspension.is_some() {
            return Err(DeskError::Refused(Decision::refused(Refusal {
                rule: Rule::Suspended,
                clause: "SEC-03",
                message: format!(
                    "{} is suspended pending investigation and cannot be booked",
                    client.name
                ),
                allowed_from: None,
                figures: None,
            })));
        }
        self.with_event(event.id, |event, bookings, ws| {
            let now = self.now();
            let placement =
                places::place_new(event, client.id, client.school.as_deref(), bookings, now).map_err(refused)?;
            // A desk that syncs cannot see the places the other desks gave meanwhile: the
            // server decides (decision 0023), unless the place is in this desk's lease.
            let (state, confirmation) = match placement {
                Placement::Place => (
                    EventBookingState::Booked,
                    self.place_confirmation(event, bookings, false)?,
                ),
                Placement::Waiting { .. } => (EventBookingState::Waiting, PlaceConfirmation::Local),
            };
            let booking = EventBooking {
                id: EventBookingId::new_at(now_ms(now)),
                event: event.id,
                client: client.id,
                booked_at: now,
                state,
                confirmation,
            };
            ws.put(&self.store, None, &booking);
            let what = match (placement, booking.confirmation.word()) {
                (Placement::Place, Some(word)) => format!("booked a place ({word}) on"),
                (Placement::Place, None) => "booked a place on".to_string(),
                (Placement::Waiting { position }, _) => format!("joined the waiting list (number {position}) of"),
            };
            ws.audit(self.audit(
                AuditAction::Create,
                booking_ref(booking.id),
                format!("{what} event {}", event.id),
            ));
            Ok(EventBooked { booking, placement })
        })
    }

    /// Cancels a client's booking on an event. A freed place goes to the first on the waiting
    /// list, who is told through the outbox as their contact preferences allow (EVT-03,
    /// DATA-12), in the same commit.
    pub fn cancel_event_booking(&self, event: &str, client: &StudentNumber) -> Result<EventCancelled, DeskError> {
        self.require(Permission::Book)?;
        let event = self.find_event(event)?;
        let client = self.client_by_student_number(client)?;
        self.with_event(event.id, |event, bookings, ws| {
            let now = self.now();
            let old = places::cancellable(event, bookings, client.id, now).map_err(refused)?;
            let mut new = old.clone();
            new.state = EventBookingState::Cancelled;
            ws.put(&self.store, Some(old), &new);
            ws.audit(self.audit(
                AuditAction::Update,
                booking_ref(new.id),
                format!(
                    "cancelled a booking ({}) on event {}",
                    places::state_word(old.state),
                    event.id
                ),
            ));
            let mut after: Vec<EventBooking> = bookings
                .iter()
                .map(|b| if b.id == new.id { new.clone() } else { b.clone() })
                .collect();
            let mut promoted = Vec::new();
            for id in places::promotions(event, &after, now) {
                let Some(at) = after.iter().position(|b| b.id == id) else {
                    continue;
                };
                let waiting = after[at].clone();
                let mut placed = waiting.clone();
                placed.state = EventBookingState::Booked;
                placed.confirmation = self.place_confirmation(event, &after, true)?;
                ws.put(&self.store, Some(&waiting), &placed);
                // The next promotion counts this place (a lease's room).
                after[at] = placed.clone();
                // A provisional place is told only once the server confirms it.
                let told_now = !matches!(placed.confirmation, PlaceConfirmation::Provisional { .. });
                let queued = match self.store.get::<Client>(placed.client.0)?.filter(|_| told_now) {
                    Some(c) => {
                        let messages = plan_place_offered(&self.event_facts(&c, event), now, self.channels);
                        let n = messages.len();
                        self.queue_event_messages(ws, c.id, messages);
                        n
                    }
                    None => 0,
                };
                ws.audit(self.audit(
                    AuditAction::Update,
                    booking_ref(placed.id),
                    format!(
                        "promoted from the waiting list of event {} into a freed place ({queued} message(s) queued)",
                        event.id
                    ),
                ));
                promoted.push((self.booking_line(&placed)?, queued));
            }
            Ok(EventCancelled { booking: new, promoted })
        })
    }

    /// Marks a booked client as attending, found by student number or card swipe (the queue's
    /// card formats). Someone not booked, or only waiting, is refused.
    pub fn attend_event(&self, event: &str, who: &Attendee) -> Result<EventBooking, DeskError> {
        self.require(Permission::Book)?;
        let event = self.find_event(event)?;
        let client = match who {
            Attendee::Client(sn) => self.client_by_student_number(sn)?,
            Attendee::Card(raw) => self.client_by_card(raw)?,
        };
        self.with_event(event.id, |event, bookings, ws| {
            let old = places::attendable(event, bookings, client.id, self.now()).map_err(refused)?;
            let mut new = old.clone();
            new.state = EventBookingState::Attended;
            ws.put(&self.store, Some(old), &new);
            ws.audit(self.audit(
                AuditAction::Update,
                booking_ref(new.id),
                format!("attended event {}", event.id),
            ));
            Ok(new)
        })
    }

    /// Those who booked a place on an ended event but were not marked as attending (EVT-03).
    pub fn event_absentees(&self, event: &str) -> Result<Vec<EventBookingLine>, DeskError> {
        self.require(Permission::ViewClients)?;
        let event = self.find_event(event)?;
        let bookings = self.bookings_of(event.id)?;
        let absent = places::absentees(&event, &bookings, self.now()).map_err(refused)?;
        absent
            .into_iter()
            .map(|b| {
                let mut line = self.booking_line(b)?;
                line.state = EventBookingState::Absent;
                Ok(line)
            })
            .collect()
    }

    /// Queues `text` to each client absent from an ended event, by the channels each allows
    /// (DATA-12), and records them as absent, in one commit (EVT-03).
    pub fn message_event_absentees(&self, event: &str, text: &str) -> Result<AbsentMessaged, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let text = validate::text("message", text, limits::EVENT_MESSAGE)?;
        let event = self.find_event(event)?;
        self.with_event(event.id, |event, bookings, ws| {
            let now = self.now();
            let absent = places::absentees(event, bookings, now).map_err(refused)?;
            let mut report = AbsentMessaged::default();
            for old in absent {
                if old.state != EventBookingState::Absent {
                    let mut new = old.clone();
                    new.state = EventBookingState::Absent;
                    ws.put(&self.store, Some(old), &new);
                }
                let Some(c) = self.store.get::<Client>(old.client.0)? else {
                    report.not_contactable += 1;
                    continue;
                };
                let messages = plan_absent_follow_up(&self.event_facts(&c, event), &text, now, self.channels);
                if messages.is_empty() {
                    report.not_contactable += 1;
                } else {
                    report.messaged += 1;
                    report.messages += messages.len();
                }
                self.queue_event_messages(ws, c.id, messages);
            }
            ws.audit(self.audit(
                AuditAction::Update,
                Some(RecordRef {
                    kind: EntityKind::Event,
                    id: event.id.0,
                }),
                format!(
                    "messaged those absent from event {}: {} client(s), {} message(s), {} not contactable",
                    event.id, report.messaged, report.messages, report.not_contactable
                ),
            ));
            Ok(report)
        })
    }

    pub(super) fn event_facts(&self, client: &Client, event: &Event) -> EventFacts {
        EventFacts {
            client_name: client.name.clone(),
            email: Some(client.email.clone()),
            phone: client.phone.clone(),
            contact: client.contact.clone(),
            title: event.title.clone(),
            local_start: self.local_time(event.start).format("%a %-d %b %Y %H:%M").to_string(),
            location: event.location.clone(),
            service_name: self.policy.institution.name.clone(),
        }
    }

    pub(super) fn queue_event_messages(
        &self,
        ws: &mut WriteSet,
        client: crate::domain::ids::ClientId,
        messages: Vec<PlannedMessage>,
    ) {
        for message in messages {
            let entry = OutboxEntry::pending(MessageId::new_at(now_ms(self.now())), None, Some(client), message);
            ws.put(&self.store, None, &entry);
        }
    }
}
