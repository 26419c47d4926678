//! Places on events decided by the sync server (decision 0023), as pure rules: a desk that
//! syncs gives places provisionally, and at its next sync asks the server for them. The server
//! keeps which bookings hold each event's places and decides here, with no IO: first to arrive
//! first while places are free, counting the places other desks leased for a fair; a booking
//! that arrives to a full event is told so, and its desk puts it back on the waiting list.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::booking_claim::MAX_LEASE_HOURS;
use super::event::{EventBooking, PlaceConfirmation};
use super::event_places::holds_place;
use super::ids::{ClientId, DeviceId, EventBookingId, EventId};

/// A place a desk gave provisionally (or in its lease), for the server to decide, with the
/// event as that desk knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceClaim {
    /// The booking, as the desk holds it.
    pub booking: EventBooking,
    /// The event's places, as the desk knows them.
    pub capacity: u32,
    /// Places on the event held by bookings decided before their desks synced (the server
    /// never saw them), as the desk knows them: they count before any claim.
    pub settled: u32,
}

/// A place the server counted for a booking that was then cancelled: the server lets it go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceRelease {
    /// The event.
    pub event: EventId,
    /// The booking that held the place.
    pub booking: EventBookingId,
}

/// The server's answer to one place claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlaceAnswer {
    /// The place is this booking's.
    Confirmed,
    /// Every place was taken (or leased to another desk) before this claim arrived.
    Full {
        /// Places the server counted as taken or leased.
        taken: u32,
    },
    /// Refused: the client already holds a place on the event, booked on another desk.
    Refused {
        /// The clause it breaks.
        clause: String,
        /// Why, in words.
        message: String,
    },
}

/// A place the server counts as a booking's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceHold {
    /// The booking.
    pub booking: EventBookingId,
    /// Its client (let go if the client is erased).
    pub client: ClientId,
    /// The lease it was given in, if one.
    pub lease: Option<u128>,
}

/// Some of an event's places, leased to one desk before it goes offline (a fair): the server
/// gives them to no other desk until the lease expires or is handed back, so that desk's
/// bookings in them are certain at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceLease {
    /// The lease's id (the server's).
    pub id: u128,
    /// The event.
    pub event: EventId,
    /// How many places.
    pub places: u32,
    /// The desk (replica) it is leased to.
    pub desk: DeviceId,
    /// When it ends by itself.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub expires: DateTime<Utc>,
}

impl PlaceLease {
    /// Places of the lease not yet given to a booking the server holds.
    fn unused(&self, held: &[PlaceHold]) -> u32 {
        let used = held.iter().filter(|h| h.lease == Some(self.id)).count();
        self.places.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX))
    }
}

/// Places counted as gone on an event: those settled before sync, those the server holds,
/// and the unused places of live leases other than `except`'s desk's.
fn gone(settled: u32, held: &[PlaceHold], leases: &[PlaceLease], except: Option<DeviceId>, now: DateTime<Utc>) -> u32 {
    let reserved: u32 = leases
        .iter()
        .filter(|l| l.expires > now && Some(l.desk) != except)
        .map(|l| l.unused(held))
        .sum();
    settled
        .saturating_add(u32::try_from(held.len()).unwrap_or(u32::MAX))
        .saturating_add(reserved)
}

/// The desk that gave a claimed place, provisionally or in its lease.
pub fn made_on(b: &EventBooking) -> Option<DeviceId> {
    match &b.confirmation {
        PlaceConfirmation::Provisional { desk, .. } | PlaceConfirmation::Leased { desk, .. } => Some(*desk),
        _ => None,
    }
}

/// Decides one claim. `held` are the places the server holds on the claim's event, `leases`
/// the leases of that event's places. Returns the answer and, when confirmed afresh, the hold
/// to keep.
pub fn decide(
    claim: &PlaceClaim,
    held: &[PlaceHold],
    leases: &[PlaceLease],
    now: DateTime<Utc>,
) -> (PlaceAnswer, Option<PlaceHold>) {
    let b = &claim.booking;
    if held.iter().any(|h| h.booking == b.id) {
        return (PlaceAnswer::Confirmed, None);
    }
    if held.iter().any(|h| h.client == b.client) {
        return (
            PlaceAnswer::Refused {
                clause: "EVT-03".into(),
                message: "the client already holds a place on this event, booked on another desk".into(),
            },
            None,
        );
    }
    let desk = made_on(b);
    let hold = |lease| PlaceHold {
        booking: b.id,
        client: b.client,
        lease,
    };
    // A place given in the desk's own lease while the lease held was certain there: it stands
    // while the lease has room.
    if let PlaceConfirmation::Leased { lease, .. } = b.confirmation {
        if let Some(l) = leases.iter().find(|l| {
            l.id == lease.0
                && Some(l.desk) == desk
                && l.event == b.event
                && b.booked_at < l.expires
                && l.unused(held) > 0
        }) {
            return (PlaceAnswer::Confirmed, Some(hold(Some(l.id))));
        }
    }
    let taken = gone(claim.settled, held, leases, desk, now);
    // The asking desk's own live leases count as gone too, unless this place is taken from
    // one of them: a provisional place outside the lease must not eat into it.
    let own_reserved: u32 = leases
        .iter()
        .filter(|l| l.expires > now && Some(l.desk) == desk)
        .map(|l| l.unused(held))
        .sum();
    if taken.saturating_add(own_reserved) < claim.capacity {
        (PlaceAnswer::Confirmed, Some(hold(None)))
    } else if let Some(l) = leases
        .iter()
        .find(|l| l.expires > now && Some(l.desk) == desk && l.unused(held) > 0)
    {
        // The event is full but for this desk's own lease: the place comes out of it.
        (PlaceAnswer::Confirmed, Some(hold(Some(l.id))))
    } else {
        (
            PlaceAnswer::Full {
                taken: taken.saturating_add(own_reserved),
            },
            None,
        )
    }
}

/// Whether `release` lets go of `hold` (only the booking that holds a place lets it go).
pub fn releases(hold: &PlaceHold, release: &PlaceRelease) -> bool {
    hold.booking == release.booking
}

/// Why a lease of `asked.places` places cannot be given, if it cannot: none asked for, too
/// long, or more than are free with every desk's places and leases counted.
pub fn lease_refusal(
    asked: &PlaceLease,
    capacity: u32,
    settled: u32,
    held: &[PlaceHold],
    leases: &[PlaceLease],
    now: DateTime<Utc>,
) -> Option<String> {
    if asked.places == 0 {
        return Some("a lease holds at least one place".into());
    }
    if asked.expires <= now || asked.expires > now + Duration::hours(MAX_LEASE_HOURS) {
        return Some(format!("a lease lasts from now up to {MAX_LEASE_HOURS} hours"));
    }
    let free = capacity.saturating_sub(gone(settled, held, leases, None, now));
    (asked.places > free).then(|| {
        format!(
            "only {free} of the event's {capacity} places are free to lease (the others are taken or leased to desks)"
        )
    })
}

/// Whether a booking is one its desk asks the server about: a place given provisionally or in
/// the desk's lease (and not yet counted), still held.
pub fn to_claim(b: &EventBooking) -> bool {
    matches!(
        b.confirmation,
        PlaceConfirmation::Provisional { .. } | PlaceConfirmation::Leased { told: false, .. }
    ) && holds_place(b.state)
}

/// Whether a cancelled booking's place is one the server counted and must let go.
pub fn to_release(b: &EventBooking) -> bool {
    matches!(
        b.confirmation,
        PlaceConfirmation::Confirmed | PlaceConfirmation::Leased { told: true, .. }
    ) && b.state == super::event::EventBookingState::Cancelled
}

/// What a sync's answers about event places did on the desk that asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlacesSettled {
    /// Places confirmed.
    pub confirmed: u64,
    /// Places lost to a full event: back on the waiting list, in the conflicts queue.
    pub displaced: u64,
    /// Places of cancelled bookings let go.
    pub released: u64,
}

impl PlacesSettled {
    /// Whether any answer was written (so the other desks should hear of it at once).
    pub fn wrote(&self) -> bool {
        self.confirmed + self.displaced + self.released > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventBookingState;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 9, 9, 0, 0).unwrap()
    }

    fn booking(id: u128, client: u128, confirmation: PlaceConfirmation) -> EventBooking {
        EventBooking {
            id: EventBookingId(id),
            event: EventId(1),
            client: ClientId(client),
            booked_at: now(),
            state: EventBookingState::Booked,
            confirmation,
        }
    }

    fn provisional(desk: u128) -> PlaceConfirmation {
        PlaceConfirmation::Provisional {
            desk: DeviceId(desk),
            promoted: false,
        }
    }

    fn leased(desk: u128, lease: u128) -> PlaceConfirmation {
        PlaceConfirmation::Leased {
            desk: DeviceId(desk),
            lease: crate::domain::ids::LeaseId(lease),
            told: false,
        }
    }

    fn claim(b: EventBooking, capacity: u32) -> PlaceClaim {
        PlaceClaim {
            booking: b,
            capacity,
            settled: 0,
        }
    }

    fn lease(id: u128, desk: u128, places: u32) -> PlaceLease {
        PlaceLease {
            id,
            event: EventId(1),
            places,
            desk: DeviceId(desk),
            expires: now() + Duration::hours(8),
        }
    }

    /// Decides each claim in turn, keeping what was confirmed; the answers in order.
    fn run(claims: &[PlaceClaim], leases: &[PlaceLease]) -> Vec<PlaceAnswer> {
        let mut held = Vec::new();
        claims
            .iter()
            .map(|c| {
                let (answer, hold) = decide(c, &held, leases, now());
                held.extend(hold);
                answer
            })
            .collect()
    }

    #[test]
    fn evt_03_the_last_place_goes_to_the_first_claim_to_arrive_and_the_next_finds_the_event_full() {
        let answers = run(
            &[
                claim(booking(1, 10, provisional(1)), 2),
                claim(booking(2, 20, provisional(2)), 2),
                claim(booking(3, 30, provisional(3)), 2),
            ],
            &[],
        );
        assert_eq!(
            answers,
            [
                PlaceAnswer::Confirmed,
                PlaceAnswer::Confirmed,
                PlaceAnswer::Full { taken: 2 }
            ]
        );
    }

    #[test]
    fn evt_03_places_decided_before_sync_count_first() {
        let c = PlaceClaim {
            settled: 2,
            ..claim(booking(1, 10, provisional(1)), 2)
        };
        assert_eq!(run(&[c], &[]), [PlaceAnswer::Full { taken: 2 }]);
    }

    #[test]
    fn evt_03_a_claim_asked_again_is_confirmed_again_and_a_second_place_for_one_client_is_refused() {
        let first = claim(booking(1, 10, provisional(1)), 5);
        let (answer, hold) = decide(&first, &[], &[], now());
        assert_eq!(answer, PlaceAnswer::Confirmed);
        let held = vec![hold.unwrap()];
        assert_eq!(decide(&first, &held, &[], now()), (PlaceAnswer::Confirmed, None));
        let twice = claim(booking(2, 10, provisional(2)), 5);
        assert!(matches!(
            decide(&twice, &held, &[], now()).0,
            PlaceAnswer::Refused { clause, .. } if clause == "EVT-03"
        ));
    }

    #[test]
    fn evt_03_leased_places_go_to_no_other_desk_and_the_leasing_desk_s_places_come_out_of_its_lease() {
        // Three places, two leased to desk 1: desk 2 gets the one left, then finds it full.
        let leases = [lease(77, 1, 2)];
        let answers = run(
            &[
                claim(booking(1, 10, provisional(2)), 3),
                claim(booking(2, 20, provisional(2)), 3),
                claim(booking(3, 30, leased(1, 77)), 3),
                claim(booking(4, 40, leased(1, 77)), 3),
                claim(booking(5, 50, leased(1, 77)), 3),
            ],
            &leases,
        );
        assert_eq!(
            answers,
            [
                PlaceAnswer::Confirmed,
                PlaceAnswer::Full { taken: 3 },
                PlaceAnswer::Confirmed,
                PlaceAnswer::Confirmed,
                PlaceAnswer::Full { taken: 3 },
            ]
        );
        // A lease past its expiry holds nothing back.
        let old = [PlaceLease {
            expires: now() - Duration::minutes(1),
            ..lease(77, 1, 2)
        }];
        assert_eq!(
            run(&[claim(booking(1, 10, provisional(2)), 1)], &old),
            [PlaceAnswer::Confirmed]
        );
    }

    #[test]
    fn evt_03_a_lease_of_more_places_than_are_free_is_refused() {
        let held = [PlaceHold {
            booking: EventBookingId(1),
            client: ClientId(10),
            lease: None,
        }];
        let others = [lease(5, 2, 2)];
        let asked = PlaceLease {
            id: 0,
            ..lease(0, 1, 2)
        };
        let why = lease_refusal(&asked, 4, 0, &held, &others, now()).expect("one place is free");
        assert!(why.contains("only 1 of the event's 4 places"), "{why}");
        let one = PlaceLease {
            places: 1,
            ..asked.clone()
        };
        assert_eq!(lease_refusal(&one, 4, 0, &held, &others, now()), None);
        let none = PlaceLease { places: 0, ..asked };
        assert!(lease_refusal(&none, 4, 0, &held, &others, now()).is_some());
    }

    #[test]
    fn evt_03_only_places_given_on_a_desk_that_syncs_and_still_held_are_claimed() {
        assert!(to_claim(&booking(1, 1, provisional(1))));
        assert!(!to_claim(&booking(1, 1, PlaceConfirmation::Local)));
        let mut waiting = booking(1, 1, provisional(1));
        waiting.state = EventBookingState::Waiting;
        assert!(!to_claim(&waiting));
        let counted = booking(
            1,
            1,
            PlaceConfirmation::Leased {
                desk: DeviceId(1),
                lease: crate::domain::ids::LeaseId(7),
                told: true,
            },
        );
        assert!(
            !to_claim(&counted),
            "a leased place the server counted is not asked again"
        );
        let mut cancelled = counted;
        cancelled.state = EventBookingState::Cancelled;
        assert!(to_release(&cancelled));
    }
}
