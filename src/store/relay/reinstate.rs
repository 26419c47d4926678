//! Decisions given back to a server restored from an older backup: it has forgotten the slots
//! and event places it gave since that backup, though the desks hold them as confirmed. Each
//! desk, at its first sync after it sees the new epoch, tells it what it holds as confirmed;
//! the server takes each back where nothing else holds it now, and names the ones it has
//! meanwhile given to another booking (or whose event has filled), so that desk treats them as
//! taken, never as two bookings of one slot.

use super::claims::{CLIENT_HOLDS, HOLDS};
use super::places::PLACES;
use super::{decode, encode, RelayError, RelayStore};
use crate::domain::appointment::Appointment;
use crate::domain::booking_claim::MAX_CLAIMS;
use crate::domain::ids::{AppointmentId, EventBookingId};
use crate::domain::place_claim::{PlaceClaim, PlaceHold};
use crate::store::StoreError;

/// What giving decisions back found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reinstated {
    /// Bookings whose slot the server had given to another booking since: (booking, holder).
    pub slots_taken: Vec<(AppointmentId, AppointmentId)>,
    /// Event bookings whose event the server had filled since.
    pub places_full: Vec<EventBookingId>,
}

impl RelayStore {
    /// Takes back the confirmed bookings and places a desk holds (at most `MAX_CLAIMS` of
    /// each), where nothing else holds them now; under the push lock, flushed before it returns.
    /// An erased client's are let be.
    pub fn reinstate(&self, slots: &[Appointment], places: &[PlaceClaim]) -> Result<Reinstated, RelayError> {
        if slots.len() > MAX_CLAIMS || places.len() > MAX_CLAIMS {
            return Err(RelayError::BadClaims(format!(
                "at most {MAX_CLAIMS} bookings and {MAX_CLAIMS} places given back in one request"
            )));
        }
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let holds = self.db.open_tree(HOLDS).map_err(StoreError::from)?;
        let client_holds = self.db.open_tree(CLIENT_HOLDS).map_err(StoreError::from)?;
        let place_tree = self.db.open_tree(PLACES).map_err(StoreError::from)?;
        let mut out = Reinstated::default();
        for a in slots {
            if self.is_erased(a.client.0)? {
                continue;
            }
            let key = a.slot.0.to_be_bytes();
            match holds.get(key).map_err(StoreError::from)? {
                Some(raw) => {
                    let holder: Appointment = decode(HOLDS, &key, &raw)?;
                    if holder.id != a.id {
                        out.slots_taken.push((a.id, holder.id));
                    }
                }
                None => {
                    let mut ck = [0u8; 32];
                    ck[..16].copy_from_slice(&a.client.0.to_be_bytes());
                    ck[16..].copy_from_slice(&a.id.0.to_be_bytes());
                    holds.insert(key, encode(a)?).map_err(StoreError::from)?;
                    client_holds.insert(ck, &key).map_err(StoreError::from)?;
                }
            }
        }
        for c in places {
            let b = &c.booking;
            if self.is_erased(b.client.0)? {
                continue;
            }
            let mut key = [0u8; 32];
            key[..16].copy_from_slice(&b.event.0.to_be_bytes());
            key[16..].copy_from_slice(&b.id.0.to_be_bytes());
            if place_tree.get(key).map_err(StoreError::from)?.is_some() {
                continue;
            }
            let held = place_tree.scan_prefix(b.event.0.to_be_bytes()).count();
            let taken = u32::try_from(held).unwrap_or(u32::MAX).saturating_add(c.settled);
            if taken >= c.capacity {
                out.places_full.push(b.id);
                continue;
            }
            let hold = PlaceHold {
                booking: b.id,
                client: b.client,
                lease: None,
            };
            place_tree.insert(key, encode(&hold)?).map_err(StoreError::from)?;
        }
        self.db.flush().map_err(StoreError::from)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appointment::{AppointmentState, Confirmation, RecordingConsent};
    use crate::domain::event::{EventBooking, EventBookingState, PlaceConfirmation};
    use crate::domain::ids::{ClientId, EventId, OperatorId, SlotId};
    use chrono::Utc;

    fn confirmed(id: u128, slot: u128, client: u128) -> Appointment {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 9, 10, 0, 0).unwrap();
        Appointment {
            id: AppointmentId(id),
            slot: SlotId(slot),
            client: ClientId(client),
            consultant: OperatorId(7),
            appointment_type: "guidance".into(),
            start: at,
            minutes: 45,
            location: "room-1".into(),
            booked_at: at,
            booked_by: OperatorId(1),
            state: AppointmentState::Booked,
            recording_consent: RecordingConsent::NotGiven,
            waiver: None,
            confirmation: Confirmation::Confirmed,
        }
    }

    fn place(id: u128, client: u128) -> PlaceClaim {
        PlaceClaim {
            booking: EventBooking {
                id: EventBookingId(id),
                event: EventId(9),
                client: ClientId(client),
                booked_at: Utc::now(),
                state: EventBookingState::Booked,
                confirmation: PlaceConfirmation::Confirmed,
            },
            capacity: 1,
            settled: 0,
        }
    }

    #[test]
    fn sync_a_restored_server_takes_back_what_is_free_and_names_what_it_gave_away_since() {
        let dir = tempfile::tempdir().unwrap();
        let relay = RelayStore::open(dir.path()).unwrap();
        let r = relay.reinstate(&[confirmed(1, 10, 100)], &[place(5, 100)]).unwrap();
        assert_eq!(r, Reinstated::default());
        assert_eq!((relay.holds().unwrap(), relay.places_held().unwrap()), (1, 1));
        // Given back twice: nothing changes.
        assert_eq!(
            relay.reinstate(&[confirmed(1, 10, 100)], &[place(5, 100)]).unwrap(),
            Reinstated::default()
        );
        // Another booking of the same slot, another place on the full event: named.
        let r = relay.reinstate(&[confirmed(2, 10, 200)], &[place(6, 200)]).unwrap();
        assert_eq!(r.slots_taken, vec![(AppointmentId(2), AppointmentId(1))]);
        assert_eq!(r.places_full, vec![EventBookingId(6)]);
        assert_eq!((relay.holds().unwrap(), relay.places_held().unwrap()), (1, 1));
    }
}
