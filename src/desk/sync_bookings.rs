//! Bookings decided by the sync server, the desk's side (decision 0020, step 6): at each sync
//! the desk asks the server for the slots of the provisional bookings it made, and tells it
//! the confirmed bookings cancelled since; then it writes the answers. A confirmed booking
//! gets its messages then (never before); one the server gave to another booking, or refused
//! with every desk's bookings seen together, is never dropped: it waits in this desk's
//! conflicts queue, with free slots to offer, until someone rebooks or cancels it.

use super::{Desk, DeskError};
use crate::domain::appointment::{Appointment, Confirmation, Slot};
use crate::domain::audit::AuditAction;
use crate::domain::booking_claim::{Answer, BookingsSettled, Claim, Release, MAX_HISTORY};
use crate::domain::client::Client;
use crate::domain::ids::AppointmentId;
use crate::store::index::ServerList;
use crate::store::relay::Decided;
use crate::store::WriteSet;

/// How many free slots a booking that needs rebooking offers.
const ALTERNATIVES: usize = 3;

impl Desk {
    /// The provisional bookings this desk made, live, for the server to decide (oldest first,
    /// each with the client's other appointments here), and the slots of confirmed bookings
    /// cancelled since, to let go.
    pub(super) fn booking_requests(&self) -> Result<(Vec<Claim>, Vec<Release>), DeskError> {
        // This replica's own: a store restored from a copy of another desk shares that desk's
        // older device id, and that desk goes on booking under it.
        let own = self.store.device();
        let mut claims = Vec::new();
        for id in self.store.server_bookings(ServerList::ToClaim)? {
            let Some(booking) = self.store.get::<Appointment>(id.0)? else {
                continue;
            };
            let (Confirmation::Provisional { desk } | Confirmation::Leased { desk }) = booking.confirmation else {
                continue;
            };
            // Another desk's provisional booking is that desk's to claim.
            if desk != own {
                continue;
            }
            let mut history = self.client_history(&booking)?;
            if history.len() > MAX_HISTORY {
                history.drain(..history.len() - MAX_HISTORY);
            }
            claims.push(Claim { booking, history });
        }
        let mut releases = Vec::new();
        for id in self.store.server_bookings(ServerList::ToRelease)? {
            if let Some(a) = self.store.get::<Appointment>(id.0)? {
                releases.push(Release {
                    slot: a.slot,
                    booking: a.id,
                });
            }
        }
        Ok((claims, releases))
    }

    /// The client's other appointments here, oldest first.
    fn client_history(&self, booking: &Appointment) -> Result<Vec<Appointment>, DeskError> {
        let mut out = Vec::new();
        for id in self
            .store
            .indexed::<AppointmentId>(crate::store::index::APPOINTMENT_BY_CLIENT, &booking.client.key())?
        {
            if id == booking.id {
                continue;
            }
            if let Some(a) = self.store.get::<Appointment>(id.0)? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Writes the server's answers here, each booking in its own commit.
    pub(super) fn take_booking_answers(&self, decided: Decided) -> Result<BookingsSettled, DeskError> {
        let mut settled = BookingsSettled::default();
        for (id, answer) in decided.answers {
            match self.take_answer(id, answer)? {
                Some(true) => settled.confirmed += 1,
                Some(false) => settled.needs_rebooking += 1,
                None => {}
            }
        }
        for id in decided.released {
            let Some(old) = self.store.get::<Appointment>(id.0)? else {
                continue;
            };
            if old.confirmation != Confirmation::Confirmed {
                continue;
            }
            let new = Appointment {
                confirmation: Confirmation::Released,
                ..old.clone()
            };
            let mut ws = WriteSet::new();
            ws.put(&self.store, Some(&old), &new);
            ws.audit(self.audit(
                AuditAction::Update,
                super::appointments::appt_ref(id),
                "the sync server let the cancelled booking's slot go".into(),
            ));
            self.commit(ws)?;
            settled.released += 1;
        }
        Ok(settled)
    }

    /// One answer: `Some(true)` confirmed, `Some(false)` now needs rebooking, `None` when the
    /// booking is gone or was decided already.
    fn take_answer(&self, id: AppointmentId, answer: Answer) -> Result<Option<bool>, DeskError> {
        let Some(old) = self.store.get::<Appointment>(id.0)? else {
            return Ok(None);
        };
        let (Confirmation::Provisional { desk } | Confirmation::Leased { desk }) = old.confirmation else {
            return Ok(None);
        };
        // A booking in this desk's lease had its messages planned when it was made.
        let planned = matches!(old.confirmation, Confirmation::Leased { .. });
        let slot = self.store.get::<Slot>(old.slot.0)?;
        let mut ws = WriteSet::new();
        let (new, holder, what) = match answer {
            Answer::Confirmed => (
                Appointment {
                    confirmation: Confirmation::Confirmed,
                    ..old.clone()
                },
                Some(old.id),
                "the sync server confirmed the booking".to_string(),
            ),
            Answer::Taken { by } => {
                let reason =
                    format!("another desk booked this slot first (booking {by}); rebook the client into another slot");
                (
                    self.needing_rebooking(&old, desk, reason.clone(), Some(by))?,
                    Some(by),
                    reason,
                )
            }
            Answer::Refused { clause, message } => {
                let reason = format!("refused with every desk's bookings seen together ({clause}): {message}");
                (self.needing_rebooking(&old, desk, reason.clone(), None)?, None, reason)
            }
        };
        ws.put(&self.store, Some(&old), &new);
        // The slot's record says who holds it, as the server decided; another desk that
        // heard the same answer writes the same.
        if let Some(slot) = slot.filter(|s| s.booking != holder && (s.booking == Some(old.id) || holder.is_some())) {
            let held = Slot {
                booking: holder,
                ..slot.clone()
            };
            ws.put(&self.store, Some(&slot), &held);
        }
        let confirmed = new.confirmation == Confirmation::Confirmed;
        if confirmed && !planned && new.is_live() {
            if let Some(client) = self.store.get::<Client>(new.client.0)? {
                self.plan_messages_for_booking(&mut ws, &client, &new)?;
            }
        }
        // A booking in this desk's lease that lost its slot after all (another desk had it
        // before the lease, unseen here): its messages are withdrawn, as at a cancellation.
        if !confirmed && planned {
            self.cancel_messages_for(&mut ws, &new)?;
        }
        ws.audit(self.audit(AuditAction::Update, super::appointments::appt_ref(id), what));
        self.commit(ws)?;
        Ok(Some(confirmed))
    }

    pub(super) fn needing_rebooking(
        &self,
        old: &Appointment,
        desk: crate::domain::ids::DeviceId,
        reason: String,
        taken_by: Option<AppointmentId>,
    ) -> Result<Appointment, DeskError> {
        let alternatives = self
            .free_slots_like(old, ALTERNATIVES + 1)?
            .into_iter()
            .filter(|s| s.id != old.slot)
            .take(ALTERNATIVES)
            .map(|s| s.id)
            .collect();
        Ok(Appointment {
            confirmation: Confirmation::NeedsRebooking {
                desk,
                reason,
                taken_by,
                alternatives,
            },
            ..old.clone()
        })
    }

    /// This desk's bookings the server gave away or refused, not yet rebooked or cancelled.
    pub fn bookings_to_rebook(&self) -> Result<Vec<Appointment>, DeskError> {
        self.require(crate::domain::access::Permission::Sync)?;
        let own = self.store.device();
        let mut out = Vec::new();
        for id in self.store.server_bookings(ServerList::ToRebook)? {
            if let Some(a) = self.store.get::<Appointment>(id.0)? {
                if let Confirmation::NeedsRebooking { desk, .. } = &a.confirmation {
                    if *desk == own {
                        out.push(a);
                    }
                }
            }
        }
        Ok(out)
    }

    /// This desk's bookings to rebook, as conflicts-queue lines: who, when, why, and the free
    /// slots to offer.
    pub(super) fn rebooking_views(&self) -> Result<Vec<super::sync::ConflictView>, DeskError> {
        let mut out = Vec::new();
        for a in self.bookings_to_rebook()? {
            let Confirmation::NeedsRebooking {
                desk,
                reason,
                alternatives,
                ..
            } = &a.confirmation
            else {
                continue;
            };
            let who = match self.store.get::<Client>(a.client.0)? {
                Some(c) => format!("{} ({})", c.name, c.student_number),
                None => "a client".to_string(),
            };
            let mut offers = Vec::new();
            for id in alternatives {
                if let Some(s) = self
                    .store
                    .get::<Slot>(id.0)?
                    .filter(|s| s.booking.is_none() && !s.withdrawn)
                {
                    offers.push(self.local_time(s.start).format("%a %-d %b %H:%M").to_string());
                }
            }
            let offers = if offers.is_empty() {
                "no free slot of that type soon: find one in the calendar".to_string()
            } else {
                format!("free: {}", offers.join(", "))
            };
            out.push(super::sync::ConflictView {
                device: format!("{:032x}", desk.0),
                seq: 0,
                kind: "appointments",
                record: format!("{:032x}", a.id.0),
                what: format!(
                    "booking {} of {who}, {} {}, needs rebooking: {reason}; {offers}",
                    a.id,
                    a.appointment_type,
                    self.local_time(a.start).format("%a %-d %b %Y %H:%M")
                ),
                at: a.booked_at,
                settle: super::sync::Settling::Rebook,
            });
        }
        Ok(out)
    }
}

/// How many slots one commit sets right after a merge.
const REPAIRS_PER_COMMIT: usize = 500;

/// The writes that give each slot in `fixes` its holder, each guarded by the version it was
/// read at.
fn slot_fixes(store: &crate::store::Store, fixes: &[(Slot, crate::store::Version, Option<AppointmentId>)]) -> WriteSet {
    let mut ws = WriteSet::new();
    for (slot, version, holder) in fixes {
        let held = Slot {
            booking: *holder,
            ..slot.clone()
        };
        ws.put(store, Some(slot), &held);
        ws.unchanged_since(
            slot,
            *version,
            "the slot changed while it was set right; the next sync does it",
        );
    }
    ws
}

impl Desk {
    /// Sets each slot among `touched` (slots and appointments a merge changed) back to the
    /// booking that holds it for certain, where a change made without knowing of that booking
    /// (an erasure or a cancellation of a provisional booking on another desk) freed it or gave
    /// it to another. Returns how many were set right.
    pub(super) fn repair_slot_holders(&self, touched: &[crate::domain::RecordRef]) -> Result<u64, DeskError> {
        let mut slots: Vec<u128> = Vec::new();
        // A first sync can touch a million bookings: no search of the list for each.
        let mut seen = std::collections::HashSet::new();
        for r in touched {
            let slot = match r.kind {
                crate::domain::EntityKind::Slot => Some(r.id),
                crate::domain::EntityKind::Appointment => self.store.get::<Appointment>(r.id)?.map(|a| a.slot.0),
                _ => None,
            };
            if let Some(s) = slot.filter(|s| seen.insert(*s)) {
                slots.push(s);
            }
        }
        let mut fixes = Vec::new();
        for id in slots {
            let Some((slot, version)) = self.store.get_versioned::<Slot>(id)? else {
                continue;
            };
            let holder = match self.store.slot_holder(&slot)? {
                Some(holder) => Some(holder),
                // Held by no booking for certain. A slot naming a booking that is not here
                // (its client erased) is free: each desk frees it when it carries out the
                // erasure, but that write goes with the erased client's ops, so another desk's
                // later word that the booking holds it must not stand.
                None => match slot.booking {
                    Some(b) if self.store.get::<Appointment>(b.0)?.is_none() => None,
                    _ => continue,
                },
            };
            if slot.booking != holder {
                fixes.push((slot, version, holder));
            }
        }
        // A first sync can have thousands to set right: one durable commit for each chunk,
        // not each slot. A chunk that meets a change made meanwhile goes again one by one, so
        // one busy slot does not hold back the others.
        let mut repaired = 0;
        for chunk in fixes.chunks(REPAIRS_PER_COMMIT) {
            match self.commit(slot_fixes(&self.store, chunk)) {
                Ok(()) => repaired += chunk.len() as u64,
                Err(DeskError::Store(crate::store::StoreError::Conflict(_))) => {
                    for fix in chunk {
                        match self.commit(slot_fixes(&self.store, std::slice::from_ref(fix))) {
                            Ok(()) => repaired += 1,
                            // Changed meanwhile by someone at this desk: the next sync looks again.
                            Err(DeskError::Store(crate::store::StoreError::Conflict(_))) => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(repaired)
    }

    /// Settles a booking that needs rebooking: books its client into `slot` (every rule
    /// checked, as any booking), then cancels the old one, which frees nothing. The new
    /// booking is made first, so a refusal leaves the old one in the queue as it was.
    pub fn rebook_into(
        &self,
        booking: AppointmentId,
        slot: crate::domain::ids::SlotId,
    ) -> Result<Appointment, DeskError> {
        self.require(crate::domain::access::Permission::Book)?;
        let old = self.appointment(booking)?;
        if !old.needs_rebooking() || old.outcome().is_some() {
            return Err(DeskError::Invalid(format!(
                "booking {} does not need rebooking; cancel it and book again to move it",
                old.id
            )));
        }
        let client = self
            .store
            .get::<Client>(old.client.0)?
            .ok_or_else(|| DeskError::Invalid(format!("the client of booking {} is no longer held", old.id)))?;
        let new = self.book_slot(&client, slot, self.now())?;
        self.cancel(old.id)?;
        Ok(new)
    }
}
