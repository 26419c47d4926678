//! Event places decided by the sync server, the desk's side (decision 0023): a desk that syncs
//! gives places provisionally; at each sync it asks the server for them and tells it of
//! confirmed places cancelled since, then writes the answers. A place the server found taken
//! is never dropped: its booking goes back on the waiting list in its turn and waits in this
//! desk's conflicts queue until someone has told the client. Before going offline a desk can
//! lease some of an event's places, so its bookings in them are certain at once.

use super::event_bookings::booking_ref;
use super::sync::{block_on, ConflictView};
use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::booking_claim::MAX_LEASE_HOURS;
use crate::domain::client::Client;
use crate::domain::event::{Event, EventBooking, EventBookingState, PlaceConfirmation};
use crate::domain::event_places::{holds_place, waiting_list};
use crate::domain::ids::EventBookingId;
use crate::domain::messages::events::plan_place_offered;
use crate::domain::place_claim::{PlaceAnswer, PlaceClaim, PlaceLease, PlaceRelease, PlacesSettled};
use crate::store::index::PlaceList;
use crate::store::relay::PlacesDecided;
use crate::store::{codec, WriteSet};
use crate::sync::client;

/// The setting that holds this desk's leases of event places.
const PLACE_LEASES: &str = "sync_place_leases";

/// Places on an event held by bookings decided before their desks synced: the server never
/// saw them, so each claim carries them.
fn settled(bookings: &[EventBooking]) -> u32 {
    let n = bookings
        .iter()
        .filter(|b| holds_place(b.state) && b.confirmation == PlaceConfirmation::Local)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Desk {
    /// Who decides a place given here now: this desk alone when it does not sync; this desk's
    /// lease of the event's places while it has room; else the server, provisionally.
    pub(super) fn place_confirmation(
        &self,
        event: &Event,
        bookings: &[EventBooking],
        promoted: bool,
    ) -> Result<PlaceConfirmation, DeskError> {
        if !self.sync_enrolled_here()? {
            return Ok(PlaceConfirmation::Local);
        }
        let desk = self.store.device();
        let now = self.now();
        for l in self.held_place_leases()? {
            if l.event != event.id || l.desk != desk || l.expires <= now {
                continue;
            }
            let used = bookings
                .iter()
                .filter(|b| holds_place(b.state))
                .filter(|b| matches!(b.confirmation, PlaceConfirmation::Leased { lease, .. } if lease.0 == l.id))
                .count();
            if used < l.places as usize {
                return Ok(PlaceConfirmation::Leased {
                    desk,
                    lease: crate::domain::ids::LeaseId(l.id),
                    told: false,
                });
            }
        }
        Ok(PlaceConfirmation::Provisional { desk, promoted })
    }

    /// The places this desk gave provisionally or in its lease, for the server to decide
    /// (oldest first, each with its event as known here), and confirmed places cancelled
    /// since, to let go.
    pub(super) fn place_requests(&self) -> Result<(Vec<PlaceClaim>, Vec<PlaceRelease>), DeskError> {
        let own = self.store.device();
        let mut claims = Vec::new();
        for id in self.store.server_places(PlaceList::ToClaim)? {
            let Some(booking) = self.store.get::<EventBooking>(id.0)? else {
                continue;
            };
            // Another desk's provisional place is that desk's to claim.
            if crate::domain::place_claim::made_on(&booking) != Some(own) {
                continue;
            }
            let Some(event) = self.store.get::<Event>(booking.event.0)? else {
                continue;
            };
            let bookings = self.bookings_of(event.id)?;
            claims.push(PlaceClaim {
                booking,
                capacity: event.capacity,
                settled: settled(&bookings),
            });
        }
        claims.sort_by_key(|c| (c.booking.booked_at, c.booking.id));
        let mut releases = Vec::new();
        for id in self.store.server_places(PlaceList::ToRelease)? {
            if let Some(b) = self.store.get::<EventBooking>(id.0)? {
                releases.push(PlaceRelease {
                    event: b.event,
                    booking: b.id,
                });
            }
        }
        Ok((claims, releases))
    }

    /// Writes the server's answers about places here, each booking in its own commit.
    pub(super) fn take_place_answers(&self, decided: PlacesDecided) -> Result<PlacesSettled, DeskError> {
        let mut settled = PlacesSettled::default();
        for (id, answer) in decided.answers {
            match self.take_place_answer(id, answer)? {
                Some(true) => settled.confirmed += 1,
                Some(false) => settled.displaced += 1,
                None => {}
            }
        }
        for id in decided.released {
            let Some(old) = self.store.get::<EventBooking>(id.0)? else {
                continue;
            };
            if !crate::domain::place_claim::to_release(&old) {
                continue;
            }
            self.with_event(old.event, |_, bookings, ws| {
                let Some(now) = bookings
                    .iter()
                    .find(|b| b.id == id)
                    .filter(|b| crate::domain::place_claim::to_release(b))
                else {
                    return Ok(());
                };
                let new = EventBooking {
                    confirmation: PlaceConfirmation::Released,
                    ..now.clone()
                };
                ws.put(&self.store, Some(now), &new);
                ws.audit(self.audit(
                    AuditAction::Update,
                    booking_ref(id),
                    "the sync server let the cancelled booking's event place go".into(),
                ));
                Ok(())
            })?;
            settled.released += 1;
        }
        Ok(settled)
    }

    /// One answer: `Some(true)` confirmed, `Some(false)` lost its place, `None` when the
    /// booking is gone or was decided already.
    fn take_place_answer(&self, id: EventBookingId, answer: PlaceAnswer) -> Result<Option<bool>, DeskError> {
        let Some(first) = self.store.get::<EventBooking>(id.0)? else {
            return Ok(None);
        };
        self.with_event(first.event, |event, bookings, ws| {
            let Some(old) = bookings.iter().find(|b| b.id == id) else {
                return Ok(None);
            };
            let Some(desk) =
                crate::domain::place_claim::made_on(old).filter(|_| crate::domain::place_claim::to_claim(old))
            else {
                return Ok(None);
            };
            let now = self.now();
            match &answer {
                PlaceAnswer::Confirmed => {
                    let confirmation = match old.confirmation {
                        PlaceConfirmation::Leased { desk, lease, .. } => PlaceConfirmation::Leased {
                            desk,
                            lease,
                            told: true,
                        },
                        _ => PlaceConfirmation::Confirmed,
                    };
                    let new = EventBooking {
                        confirmation,
                        ..old.clone()
                    };
                    ws.put(&self.store, Some(old), &new);
                    // A client promoted from the waiting list hears of the place only now.
                    let mut queued = 0;
                    if matches!(old.confirmation, PlaceConfirmation::Provisional { promoted: true, .. }) {
                        if let Some(c) = self.store.get::<Client>(old.client.0)? {
                            let messages = plan_place_offered(&self.event_facts(&c, event), now, self.channels);
                            queued = messages.len();
                            self.queue_event_messages(ws, c.id, messages);
                        }
                    }
                    ws.audit(self.audit(
                        AuditAction::Update,
                        booking_ref(id),
                        format!(
                            "the sync server confirmed the place on event {} ({queued} message(s) queued)",
                            event.id
                        ),
                    ));
                    Ok(Some(true))
                }
                PlaceAnswer::Full { taken } => {
                    let reason = format!(
                        "the event was full when the server saw every desk's places ({taken} of {} taken or leased)",
                        event.capacity
                    );
                    // Back on the waiting list in its turn, if the event is still to come; a
                    // client already marked as come keeps that mark.
                    let state = match old.state {
                        EventBookingState::Booked => EventBookingState::Waiting,
                        other => other,
                    };
                    let new = EventBooking {
                        state,
                        confirmation: PlaceConfirmation::Displaced {
                            desk,
                            reason: reason.clone(),
                        },
                        ..old.clone()
                    };
                    ws.put(&self.store, Some(old), &new);
                    ws.audit(self.audit(
                        AuditAction::Update,
                        booking_ref(id),
                        format!("lost its place on event {}: {reason}", event.id),
                    ));
                    Ok(Some(false))
                }
                PlaceAnswer::Refused { clause, message } => {
                    // The client holds a place through another booking: this one goes, and
                    // nothing the client has is lost.
                    let new = EventBooking {
                        state: EventBookingState::Cancelled,
                        confirmation: PlaceConfirmation::Displaced {
                            desk,
                            reason: format!("{clause}: {message}"),
                        },
                        ..old.clone()
                    };
                    ws.put(&self.store, Some(old), &new);
                    ws.audit(self.audit(
                        AuditAction::Update,
                        booking_ref(id),
                        format!("cancelled by the sync server ({clause}): {message}"),
                    ));
                    Ok(Some(false))
                }
            }
        })
    }

    /// This desk's bookings that lost their place at the server and wait on the waiting list
    /// for the client to be told, as conflicts-queue lines (events still to come).
    pub(super) fn place_views(&self) -> Result<Vec<ConflictView>, DeskError> {
        let own = self.store.device();
        let now = self.now();
        let mut out = Vec::new();
        for id in self.store.server_places(PlaceList::ToTell)? {
            let Some(b) = self.store.get::<EventBooking>(id.0)? else {
                continue;
            };
            let PlaceConfirmation::Displaced { desk, reason } = &b.confirmation else {
                continue;
            };
            if *desk != own {
                continue;
            }
            let Some(event) = self.store.get::<Event>(b.event.0)?.filter(|e| e.end > now) else {
                continue;
            };
            let who = match self.store.get::<Client>(b.client.0)? {
                Some(c) => format!("{} ({})", c.name, c.student_number),
                None => "a client".to_string(),
            };
            let bookings = self.bookings_of(event.id)?;
            let position = waiting_list(&bookings)
                .iter()
                .position(|w| w.id == b.id)
                .map_or(0, |p| p + 1);
            out.push(ConflictView {
                device: format!("{:032x}", desk.0),
                seq: 0,
                kind: "event_bookings",
                record: format!("{:032x}", b.id.0),
                what: format!(
                    "booking {} of {who} on event {} \"{}\", {}, lost its place: {reason}; now number {position} on the waiting list. Tell the client, then `careerdesk conflicts --told {}` (or cancel the booking)",
                    b.id,
                    event.id,
                    event.title,
                    self.local_time(event.start).format("%a %-d %b %Y %H:%M"),
                    b.id
                ),
                at: b.booked_at,
                settle: super::sync::Settling::TellClient,
            });
        }
        Ok(out)
    }

    /// Records that the client of a booking that lost its place was told: it stays on the
    /// waiting list in its turn and leaves the conflicts queue. Audited.
    pub fn place_loss_told(&self, booking: &str) -> Result<EventBooking, DeskError> {
        self.require(Permission::Book)?;
        let id: EventBookingId = booking.trim().parse().map_err(|_| {
            DeskError::Invalid(format!(
                "{booking:?} is not an event booking's id; `careerdesk conflicts` names each"
            ))
        })?;
        let first = self.store.get::<EventBooking>(id.0)?.ok_or_else(|| {
            DeskError::Invalid(format!(
                "there is no event booking {id}; `careerdesk conflicts` lists them"
            ))
        })?;
        self.with_event(first.event, |event, bookings, ws| {
            let Some(old) = bookings.iter().find(|b| b.id == id) else {
                return Err(DeskError::Invalid(format!("there is no event booking {id}")));
            };
            if !matches!(old.confirmation, PlaceConfirmation::Displaced { .. }) {
                return Err(DeskError::Invalid(format!(
                    "booking {id} did not lose its place; nothing to tell"
                )));
            }
            let new = EventBooking {
                confirmation: PlaceConfirmation::Local,
                ..old.clone()
            };
            ws.put(&self.store, Some(old), &new);
            ws.audit(self.audit(
                AuditAction::Update,
                booking_ref(id),
                format!(
                    "the client was told the booking on event {} lost its place; it stays {}",
                    event.id,
                    crate::domain::event_places::state_word(new.state)
                ),
            ));
            Ok(new)
        })
    }

    /// Leases `places` of an event's places to this desk for `hours` (1 to 72) from now, so its
    /// bookings in them are certain offline. Needs a desk that syncs, and the server's
    /// agreement that so many are free. Audited.
    pub fn lease_event_places(&self, event: &str, places: u32, hours: u32) -> Result<PlaceLease, DeskError> {
        self.require(Permission::Book)?;
        if hours == 0 || i64::from(hours) > MAX_LEASE_HOURS {
            return Err(DeskError::Invalid(format!(
                "a lease lasts 1 to {MAX_LEASE_HOURS} hours"
            )));
        }
        if places == 0 {
            return Err(DeskError::Invalid("a lease holds at least one place".into()));
        }
        let event = self.find_event(event)?;
        if event.end <= self.now() {
            return Err(DeskError::Invalid("that event is over; nothing to lease".into()));
        }
        let bookings = self.bookings_of(event.id)?;
        let creds = self.credentials()?;
        let asked = PlaceLease {
            id: 0,
            event: event.id,
            places,
            desk: self.store.device(),
            // The server sets it by its own clock.
            expires: self.now() + chrono::Duration::hours(i64::from(hours)),
        };
        let lease = block_on(client::take_place_lease(
            &self.store,
            &creds,
            asked,
            event.capacity,
            settled(&bookings),
            hours,
        ))?;
        let mut held = self.held_place_leases()?;
        held.push(lease.clone());
        self.keep_place_leases(&held)?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "leased {places} place(s) on event {} until {}",
                event.id,
                self.local_time(lease.expires).format("%Y-%m-%d %H:%M")
            ),
        ));
        self.commit(ws)?;
        Ok(lease)
    }

    /// This desk's leases of event places still running, soonest to end first.
    pub fn place_leases(&self) -> Result<Vec<PlaceLease>, DeskError> {
        self.require(Permission::ViewClients)?;
        let now = self.now();
        let mut live: Vec<PlaceLease> = self
            .held_place_leases()?
            .into_iter()
            .filter(|l| l.expires > now)
            .collect();
        live.sort_by_key(|l| l.expires);
        Ok(live)
    }

    /// Forgets a lease of event places handed back; whether this desk held it.
    pub(super) fn forget_place_lease(&self, id: u128) -> Result<bool, DeskError> {
        let mut held = self.held_place_leases()?;
        let had = held.iter().any(|l| l.id == id);
        held.retain(|l| l.id != id);
        self.keep_place_leases(&held)?;
        Ok(had)
    }

    fn held_place_leases(&self) -> Result<Vec<PlaceLease>, DeskError> {
        match self.store.setting(PLACE_LEASES)? {
            None => Ok(Vec::new()),
            Some(raw) => codec::decode_body(&raw).map_err(|e| {
                DeskError::Damaged(format!(
                    "this desk's list of leases of event places does not read ({e}); hand them back on the server"
                ))
            }),
        }
    }

    fn keep_place_leases(&self, leases: &[PlaceLease]) -> Result<(), DeskError> {
        let now = self.now();
        let live: Vec<&PlaceLease> = leases.iter().filter(|l| l.expires > now).collect();
        let encoded = codec::encode_body(&live).map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.store.set_setting(PLACE_LEASES, Some(&encoded))?;
        Ok(())
    }
}
