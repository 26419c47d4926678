//! Decisions given back to a sync server restored from an older backup (it forgot the slots
//! and event places it gave since): at the first sync after this desk sees the server's new
//! epoch, it sends every booking and place it holds as confirmed. What the server had meanwhile
//! given to another booking is treated here as taken: the booking needs rebooking, the place
//! goes back on the waiting list, each in this desk's conflicts queue, never two bookings of
//! one slot. The work is marked due in a setting first, so a sync cut off part way does it
//! again.

use super::sync::block_on;
use super::{Desk, DeskError};
use crate::domain::appointment::{Appointment, Confirmation, Slot};
use crate::domain::audit::AuditAction;
use crate::domain::event::{Event, EventBooking, EventBookingState, PlaceConfirmation};
use crate::domain::event_places::holds_place;
use crate::domain::ids::{AppointmentId, EventBookingId};
use crate::domain::place_claim::PlaceClaim;
use crate::domain::sync::ReinstatedHere;
use crate::store::WriteSet;
use crate::sync::client::{self, Credentials};

/// Set while decisions are still to be given back to a restored server.
const REINSTATE_DUE: &str = "sync_reinstate_due";

impl Desk {
    /// Gives a restored server back what this desk holds as confirmed, when due (`restored`:
    /// this sync saw the server's new epoch).
    pub(super) fn reinstate_if_due(&self, creds: &Credentials, restored: bool) -> Result<ReinstatedHere, DeskError> {
        if restored {
            self.store.set_setting(REINSTATE_DUE, Some(b"1"))?;
        }
        if self.store.setting(REINSTATE_DUE)?.is_none() {
            return Ok(ReinstatedHere::default());
        }
        let slots: Vec<Appointment> = self
            .store
            .scan::<Appointment>()?
            .filter_map(Result::ok)
            .filter(|a| a.confirmation == Confirmation::Confirmed && a.holds_slot_for_certain() && a.is_live())
            .collect();
        let mut places = Vec::new();
        for b in self.store.scan::<EventBooking>()?.filter_map(Result::ok) {
            let counted = matches!(
                b.confirmation,
                PlaceConfirmation::Confirmed | PlaceConfirmation::Leased { told: true, .. }
            );
            if !counted || !holds_place(b.state) {
                continue;
            }
            let Some(event) = self.store.get::<Event>(b.event.0)? else {
                continue;
            };
            let settled = self
                .bookings_of(event.id)?
                .iter()
                .filter(|o| holds_place(o.state) && o.confirmation == PlaceConfirmation::Local)
                .count();
            places.push(PlaceClaim {
                booking: b,
                capacity: event.capacity,
                settled: u32::try_from(settled).unwrap_or(u32::MAX),
            });
        }
        let mut done = ReinstatedHere {
            sent: (slots.len() + places.len()) as u64,
            ..ReinstatedHere::default()
        };
        let back = block_on(client::reinstate(&self.store, creds, slots, places))?;
        for (id, by) in back.slots_taken {
            if self.slot_taken_since(id, by)? {
                done.slots_taken += 1;
            }
        }
        for id in back.places_full {
            if self.place_filled_since(id)? {
                done.places_lost += 1;
            }
        }
        // Another desk's confirmation of a slot this desk held as confirmed was put aside at
        // this sync's merge (the slot was held here); now that it is free, it merges.
        if done.slots_taken > 0 {
            self.merge_settled_conflicts(None)?;
        }
        self.store.set_setting(REINSTATE_DUE, None)?;
        Ok(done)
    }

    /// A confirmed booking whose slot the restored server gave to `by`: it needs rebooking
    /// here, its reminders withdrawn.
    fn slot_taken_since(&self, id: AppointmentId, by: AppointmentId) -> Result<bool, DeskError> {
        let Some(old) = self.store.get::<Appointment>(id.0)? else {
            return Ok(false);
        };
        if old.confirmation != Confirmation::Confirmed || !old.is_live() {
            return Ok(false);
        }
        let reason = format!(
            "the sync server, restored from a backup, had given this slot to booking {by} meanwhile; rebook the client into another slot"
        );
        let new = self.needing_rebooking(&old, self.store.device(), reason.clone(), Some(by))?;
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        if let Some(slot) = self
            .store
            .get::<Slot>(old.slot.0)?
            .filter(|s| s.booking == Some(old.id))
        {
            let held = Slot {
                booking: Some(by),
                ..slot.clone()
            };
            ws.put(&self.store, Some(&slot), &held);
        }
        self.cancel_messages_for(&mut ws, &new)?;
        ws.audit(self.audit(AuditAction::Update, super::appointments::appt_ref(id), reason));
        self.commit(ws)?;
        Ok(true)
    }

    /// A confirmed place whose event the restored server filled meanwhile: back on the waiting
    /// list, in this desk's conflicts queue.
    fn place_filled_since(&self, id: EventBookingId) -> Result<bool, DeskError> {
        let Some(first) = self.store.get::<EventBooking>(id.0)? else {
            return Ok(false);
        };
        self.with_event(first.event, |event, bookings, ws| {
            let Some(old) = bookings
                .iter()
                .find(|b| b.id == id && b.state == EventBookingState::Booked)
            else {
                return Ok(false);
            };
            let reason =
                "the sync server, restored from a backup, had given the event's places to other bookings meanwhile"
                    .to_string();
            let new = EventBooking {
                state: EventBookingState::Waiting,
                confirmation: PlaceConfirmation::Displaced {
                    desk: self.store.device(),
                    reason: reason.clone(),
                },
                ..old.clone()
            };
            ws.put(&self.store, Some(old), &new);
            ws.audit(self.audit(
                AuditAction::Update,
                super::event_bookings::booking_ref(id),
                format!("lost its place on event {}: {reason}", event.id),
            ));
            Ok(true)
        })
    }
}
