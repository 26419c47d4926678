//! The event places the server decided (decision 0023): for each event, the bookings it
//! counted as holding a place, and the leases of places given to desks for fairs. The rule is
//! `domain::place_claim`; this keeps its state, deciding a whole request in one transaction
//! under the push lock, so two desks' claims for an event's last place are decided one after
//! the other, first to arrive first. What is kept are ids: a client erased anywhere has their
//! places let go.

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{decode, encode, RelayError, RelayStore};
use crate::domain::booking_claim::MAX_CLAIMS;
use crate::domain::ids::{DeviceId, EventBookingId, EventId};
use crate::domain::place_claim::{self, PlaceAnswer, PlaceClaim, PlaceHold, PlaceLease, PlaceRelease};
use crate::store::StoreError;

/// Event id (16) ++ booking id (16) -> the [`PlaceHold`].
pub(super) const PLACES: &str = "relay_event_places";
/// Lease id (16) -> [`PlaceLease`]: some of an event's places leased to one desk.
pub(super) const PLACE_LEASES: &str = "relay_place_leases";

/// What one request about places decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacesDecided {
    /// Each claim's answer, in the order asked.
    pub answers: Vec<(EventBookingId, PlaceAnswer)>,
    /// The releases done (or found already done), by booking.
    pub released: Vec<EventBookingId>,
}

fn place_key(event: EventId, booking: EventBookingId) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&event.0.to_be_bytes());
    k[16..].copy_from_slice(&booking.0.to_be_bytes());
    k
}

impl RelayStore {
    /// The places held on one event (read before a transaction, which cannot scan; the push
    /// lock keeps them as read).
    fn places_of(&self, places: &sled::Tree, event: EventId) -> Result<Vec<PlaceHold>, StoreError> {
        places
            .scan_prefix(event.0.to_be_bytes())
            .map(|item| {
                let (k, v) = item?;
                decode(PLACES, &k, &v)
            })
            .collect()
    }

    /// Every lease of event places held, live or not.
    pub fn place_leases(&self) -> Result<Vec<PlaceLease>, StoreError> {
        self.db
            .open_tree(PLACE_LEASES)?
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(PLACE_LEASES, &k, &v)
            })
            .collect()
    }

    /// Decides `claims` in order and lets go of `releases`, in one transaction, flushed before
    /// the answer goes back. A claim for an erased client is refused.
    pub fn decide_places(
        &self,
        claims: &[PlaceClaim],
        releases: &[PlaceRelease],
        now: DateTime<Utc>,
    ) -> Result<PlacesDecided, RelayError> {
        if claims.len() > MAX_CLAIMS || releases.len() > MAX_CLAIMS {
            return Err(RelayError::BadClaims(format!(
                "at most {MAX_CLAIMS} place claims and {MAX_CLAIMS} releases in one request"
            )));
        }
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let tree = self.db.open_tree(PLACES).map_err(StoreError::from)?;
        let leases = self.place_leases()?;
        // Each event's places as they stand, once per event, less what this request releases.
        let mut events: Vec<(EventId, Vec<PlaceHold>)> = Vec::new();
        for event in claims
            .iter()
            .map(|c| c.booking.event)
            .chain(releases.iter().map(|r| r.event))
        {
            if !events.iter().any(|(e, _)| *e == event) {
                let mut held = self.places_of(&tree, event)?;
                held.retain(|h| !releases.iter().any(|r| r.event == event && place_claim::releases(h, r)));
                events.push((event, held));
            }
        }
        let mut erased = Vec::with_capacity(claims.len());
        for c in claims {
            erased.push(self.is_erased(c.booking.client.0)?);
        }
        let mut out = PlacesDecided::default();
        let mut keep: Vec<PlaceHold> = Vec::new();
        let mut kept_on: Vec<EventId> = Vec::new();
        for (claim, gone) in claims.iter().zip(erased) {
            let b = &claim.booking;
            if gone {
                let refused = PlaceAnswer::Refused {
                    clause: "DATA-05".into(),
                    message: "the client was erased; nothing more is kept about them".into(),
                };
                out.answers.push((b.id, refused));
                continue;
            }
            let Some((_, held)) = events.iter_mut().find(|(e, _)| *e == b.event) else {
                continue;
            };
            let on_event: Vec<PlaceLease> = leases.iter().filter(|l| l.event == b.event).cloned().collect();
            let (answer, hold) = place_claim::decide(claim, held, &on_event, now);
            if let Some(hold) = hold {
                held.push(hold.clone());
                keep.push(hold);
                kept_on.push(b.event);
            }
            out.answers.push((b.id, answer));
        }
        tree.transaction(|tx| {
            for r in releases {
                let key = place_key(r.event, r.booking);
                if let Some(raw) = tx.get(key)? {
                    let held: PlaceHold = decode(PLACES, &key, &raw).map_err(ConflictableTransactionError::Abort)?;
                    if place_claim::releases(&held, r) {
                        tx.remove(&key)?;
                    }
                }
            }
            for (hold, event) in keep.iter().zip(&kept_on) {
                let value = encode(hold).map_err(ConflictableTransactionError::Abort)?;
                tx.insert(&place_key(*event, hold.booking), value)?;
            }
            Ok(())
        })
        .map_err(|e: TransactionError<StoreError>| RelayError::Store(super::storage(e)))?;
        out.released = releases.iter().map(|r| r.booking).collect();
        self.db.flush().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Gives `asked` (its id chosen here) if that many of the event's places are free with
    /// every desk's places and leases counted; leases past their expiry are let go first.
    /// `capacity` and `settled` are the event as the asking desk knows it. Under the push
    /// lock, flushed before it returns.
    pub fn take_place_lease(
        &self,
        asked: &PlaceLease,
        capacity: u32,
        settled: u32,
        now: DateTime<Utc>,
    ) -> Result<PlaceLease, RelayError> {
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let tree = self.db.open_tree(PLACE_LEASES).map_err(StoreError::from)?;
        let mut live = Vec::new();
        for l in self.place_leases()? {
            if l.expires <= now {
                tree.remove(l.id.to_be_bytes()).map_err(StoreError::from)?;
            } else if l.event == asked.event {
                live.push(l);
            }
        }
        let places = self.db.open_tree(PLACES).map_err(StoreError::from)?;
        let held = self.places_of(&places, asked.event)?;
        if let Some(why) = place_claim::lease_refusal(asked, capacity, settled, &held, &live, now) {
            return Err(RelayError::BadLease(why));
        }
        let lease = PlaceLease {
            id: super::random_u128(),
            ..asked.clone()
        };
        tree.insert(lease.id.to_be_bytes(), encode(&lease)?)
            .map_err(StoreError::from)?;
        self.db.flush().map_err(StoreError::from)?;
        Ok(lease)
    }

    /// Hands a lease of event places back, if `desk` holds it; `None` when no such lease is
    /// held, else whether it was.
    pub(super) fn return_place_lease(&self, id: u128, desk: DeviceId) -> Result<Option<bool>, RelayError> {
        let tree = self.db.open_tree(PLACE_LEASES).map_err(StoreError::from)?;
        let key = id.to_be_bytes();
        let Some(raw) = tree.get(key).map_err(StoreError::from)? else {
            return Ok(None);
        };
        let held: PlaceLease = decode(PLACE_LEASES, &key, &raw)?;
        if held.desk != desk {
            return Err(RelayError::BadLease("that lease is another desk's to hand back".into()));
        }
        tree.remove(key).map_err(StoreError::from)?;
        Ok(Some(true))
    }

    /// Lets go of every place an erased client held (DATA-05: the server keeps their id,
    /// nothing else). Event places are few beside appointments: one walk.
    pub(super) fn drop_places_of(&self, client: u128) -> Result<(), StoreError> {
        let tree = self.db.open_tree(PLACES)?;
        for item in tree.iter() {
            let (k, v) = item?;
            let hold: PlaceHold = decode(PLACES, &k, &v)?;
            if hold.client.0 == client {
                tree.remove(&k)?;
            }
        }
        Ok(())
    }

    /// How many event places the server counts as held.
    pub fn places_held(&self) -> Result<usize, StoreError> {
        Ok(self.db.open_tree(PLACES)?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{EventBooking, EventBookingState, PlaceConfirmation};
    use crate::domain::ids::ClientId;

    fn claim(id: u128, client: u128, desk: u128) -> PlaceClaim {
        PlaceClaim {
            booking: EventBooking {
                id: EventBookingId(id),
                event: EventId(9),
                client: ClientId(client),
                booked_at: Utc::now(),
                state: EventBookingState::Booked,
                confirmation: PlaceConfirmation::Provisional {
                    desk: DeviceId(desk),
                    promoted: false,
                },
            },
            capacity: 1,
            settled: 0,
        }
    }

    #[test]
    fn evt_03_the_server_keeps_the_last_place_for_the_first_claim_until_its_booking_lets_it_go() {
        let dir = tempfile::tempdir().unwrap();
        let relay = RelayStore::open(dir.path()).unwrap();
        let now = Utc::now();
        let d = relay
            .decide_places(&[claim(1, 10, 1), claim(2, 20, 2)], &[], now)
            .unwrap();
        assert_eq!(d.answers[0].1, PlaceAnswer::Confirmed);
        assert_eq!(d.answers[1].1, PlaceAnswer::Full { taken: 1 });
        assert_eq!(relay.places_held().unwrap(), 1);
        // Another booking's release lets nothing go; the holder's own does, and the place goes
        // to the next claim in the same request.
        let wrong = PlaceRelease {
            event: EventId(9),
            booking: EventBookingId(2),
        };
        relay.decide_places(&[], &[wrong], now).unwrap();
        assert_eq!(relay.places_held().unwrap(), 1);
        let right = PlaceRelease {
            event: EventId(9),
            booking: EventBookingId(1),
        };
        let d = relay.decide_places(&[claim(2, 20, 2)], &[right], now).unwrap();
        assert_eq!(d.answers[0].1, PlaceAnswer::Confirmed);
        relay.drop_places_of(20).unwrap();
        assert_eq!(relay.places_held().unwrap(), 0);
    }

    #[test]
    fn evt_03_a_lease_of_the_last_place_keeps_it_from_other_desks_until_handed_back() {
        let dir = tempfile::tempdir().unwrap();
        let relay = RelayStore::open(dir.path()).unwrap();
        let now = Utc::now();
        let asked = PlaceLease {
            id: 0,
            event: EventId(9),
            places: 1,
            desk: DeviceId(1),
            expires: now + chrono::Duration::hours(4),
        };
        let lease = relay.take_place_lease(&asked, 1, 0, now).unwrap();
        assert!(matches!(
            relay.take_place_lease(&asked, 1, 0, now),
            Err(RelayError::BadLease(_))
        ));
        let d = relay.decide_places(&[claim(2, 20, 2)], &[], now).unwrap();
        assert_eq!(d.answers[0].1, PlaceAnswer::Full { taken: 1 });
        assert!(relay.return_place_lease(lease.id, DeviceId(2)).is_err(), "not desk 2's");
        assert_eq!(relay.return_place_lease(lease.id, DeviceId(1)).unwrap(), Some(true));
        let d = relay.decide_places(&[claim(2, 20, 2)], &[], now).unwrap();
        assert_eq!(d.answers[0].1, PlaceAnswer::Confirmed);
    }
}
