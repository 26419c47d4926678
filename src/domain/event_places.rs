//! Places on an event as pure rules (EVT-03, EVT-02, SEC-02): who gets a place and who waits,
//! who is promoted when a place frees, who may be marked as attending, who was absent. No IO
//! and no clock: the bookings and `now` are arguments; the desk applies the answer in one
//! commit, so the count it was decided on is the count it lands on.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::event::{Event, EventBooking, EventBookingState};
use super::ids::{ClientId, EventBookingId};

/// How long before an event's start attendance may be marked (the doors open).
pub const DOORS_OPEN_MINUTES: i64 = 60;

/// Where a new booking lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A place.
    Place,
    /// The waiting list, at this 1-based position.
    Waiting {
        /// Position on the list once added.
        position: usize,
    },
}

/// Why a booking action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceRefusal {
    /// The event is over.
    Ended,
    /// The client already holds a booking on the event (booked, waiting or attended).
    AlreadyBooked {
        /// The booking held.
        booking: EventBookingId,
        /// Its state.
        state: EventBookingState,
    },
    /// The event is for other schools' students (EVT-02).
    OutsideAudience {
        /// The client's school, if recorded.
        school: Option<String>,
        /// The schools the event is open to.
        audience: Vec<String>,
    },
    /// The client has no live booking on the event.
    NotBooked,
    /// The client is on the waiting list, not booked.
    OnlyWaiting {
        /// 1-based position on the list.
        position: usize,
    },
    /// Already marked as attending.
    AlreadyAttended,
    /// Attendance is marked from [`DOORS_OPEN_MINUTES`] before the start.
    TooEarly,
    /// The event has not ended yet, so nobody is absent.
    NotOver,
}

impl PlaceRefusal {
    /// Whether this is a refusal by policy (exit 3) rather than a mistaken request (exit 2).
    pub fn is_policy(&self) -> bool {
        matches!(self, PlaceRefusal::OutsideAudience { .. })
    }
}

impl fmt::Display for PlaceRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceRefusal::Ended => write!(f, "the event is over; book a later one"),
            PlaceRefusal::AlreadyBooked { booking, state } => write!(
                f,
                "the client already holds a booking on this event ({}, booking {booking}); one booking per client",
                state_word(*state)
            ),
            PlaceRefusal::OutsideAudience { school, audience } => write!(
                f,
                "the event is open to students of {} only and the client's school is {}; it may be opened to another school by consultation (`event open`)",
                audience.join(", "),
                school.as_deref().map_or_else(|| "not recorded".to_string(), |s| format!("\"{s}\""))
            ),
            PlaceRefusal::NotBooked => write!(f, "the client is not booked on this event; book them first"),
            PlaceRefusal::OnlyWaiting { position } => write!(
                f,
                "the client is on the waiting list (number {position}), not booked; they have no place to attend"
            ),
            PlaceRefusal::AlreadyAttended => write!(f, "the client is already marked as attending"),
            PlaceRefusal::TooEarly => write!(
                f,
                "attendance is marked from {DOORS_OPEN_MINUTES} minutes before the event starts"
            ),
            PlaceRefusal::NotOver => write!(f, "the event has not ended yet, so nobody is absent from it"),
        }
    }
}

/// The word for a booking's state.
pub fn state_word(s: EventBookingState) -> &'static str {
    match s {
        EventBookingState::Booked => "booked",
        EventBookingState::Waiting => "waiting",
        EventBookingState::Attended => "attended",
        EventBookingState::Absent => "absent",
        EventBookingState::Cancelled => "cancelled",
    }
}

/// Whether a booking in this state holds one of the event's places.
pub fn holds_place(s: EventBookingState) -> bool {
    matches!(
        s,
        EventBookingState::Booked | EventBookingState::Attended | EventBookingState::Absent
    )
}

/// The counts shown beside an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Places held (booked, attended or absent).
    pub taken: usize,
    /// On the waiting list.
    pub waiting: usize,
    /// Marked as attending.
    pub attended: usize,
}

/// Counts the bookings of one event.
pub fn tally(bookings: &[EventBooking]) -> Tally {
    let mut t = Tally::default();
    for b in bookings {
        if holds_place(b.state) {
            t.taken += 1;
        }
        match b.state {
            EventBookingState::Waiting => t.waiting += 1,
            EventBookingState::Attended => t.attended += 1,
            _ => {}
        }
    }
    t
}

/// The waiting list in order: first joined first (booking id breaks a tie).
pub fn waiting_list(bookings: &[EventBooking]) -> Vec<&EventBooking> {
    let mut w: Vec<&EventBooking> = bookings
        .iter()
        .filter(|b| b.state == EventBookingState::Waiting)
        .collect();
    w.sort_by_key(|b| (b.booked_at, b.id));
    w
}

/// The client's booking that is not cancelled, if any (one per client per event).
pub fn live_booking(bookings: &[EventBooking], client: ClientId) -> Option<&EventBooking> {
    bookings
        .iter()
        .find(|b| b.client == client && b.state != EventBookingState::Cancelled)
}

/// Where a new booking by `client` (of `school`) lands, or why it is refused: the event must
/// not be over, the client must be in its audience when it has one (EVT-02) and hold no live
/// booking on it; a place when fewer than `capacity` are held, else the end of the waiting list.
pub fn place_new(
    event: &Event,
    client: ClientId,
    school: Option<&str>,
    bookings: &[EventBooking],
    now: DateTime<Utc>,
) -> Result<Placement, PlaceRefusal> {
    if event.end <= now {
        return Err(PlaceRefusal::Ended);
    }
    if let Some(b) = live_booking(bookings, client) {
        return Err(PlaceRefusal::AlreadyBooked {
            booking: b.id,
            state: b.state,
        });
    }
    let in_audience = event.audience_schools.is_empty()
        || school.is_some_and(|s| {
            event
                .audience_schools
                .iter()
                .any(|a| a.trim().eq_ignore_ascii_case(s.trim()))
        });
    if !in_audience {
        return Err(PlaceRefusal::OutsideAudience {
            school: school.map(str::to_string),
            audience: event.audience_schools.clone(),
        });
    }
    let t = tally(bookings);
    // Nobody jumps the waiting list: a place only when nobody waits for one.
    if t.taken < event.capacity as usize && t.waiting == 0 {
        Ok(Placement::Place)
    } else {
        Ok(Placement::Waiting {
            position: t.waiting + 1,
        })
    }
}

/// Checks the client's booking may be cancelled: it is live, not yet attended, and the event
/// is not over. Returns the booking.
pub fn cancellable<'a>(
    event: &Event,
    bookings: &'a [EventBooking],
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<&'a EventBooking, PlaceRefusal> {
    if event.end <= now {
        return Err(PlaceRefusal::Ended);
    }
    let b = live_booking(bookings, client).ok_or(PlaceRefusal::NotBooked)?;
    if b.state == EventBookingState::Attended {
        return Err(PlaceRefusal::AlreadyAttended);
    }
    Ok(b)
}

/// The waiting bookings to promote so that the places held reach the capacity and never pass
/// it: the first on the list first. Nobody is promoted once the event is over.
pub fn promotions(event: &Event, bookings: &[EventBooking], now: DateTime<Utc>) -> Vec<EventBookingId> {
    if event.end <= now {
        return Vec::new();
    }
    let free = (event.capacity as usize).saturating_sub(tally(bookings).taken);
    waiting_list(bookings).into_iter().take(free).map(|b| b.id).collect()
}

/// Checks the client may be marked as attending: booked (or recorded absent, a correction),
/// from [`DOORS_OPEN_MINUTES`] before the start. Returns the booking.
pub fn attendable<'a>(
    event: &Event,
    bookings: &'a [EventBooking],
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<&'a EventBooking, PlaceRefusal> {
    let b = live_booking(bookings, client).ok_or(PlaceRefusal::NotBooked)?;
    match b.state {
        EventBookingState::Attended => return Err(PlaceRefusal::AlreadyAttended),
        EventBookingState::Waiting => {
            let position = waiting_list(bookings)
                .iter()
                .position(|w| w.id == b.id)
                .map_or(0, |p| p + 1);
            return Err(PlaceRefusal::OnlyWaiting { position });
        }
        _ => {}
    }
    if now < event.start - Duration::minutes(DOORS_OPEN_MINUTES) {
        return Err(PlaceRefusal::TooEarly);
    }
    Ok(b)
}

/// Those who held a place but did not come, once the event has ended: booked and never marked
/// as attending, or already recorded absent; in booking order.
pub fn absentees<'a>(
    event: &Event,
    bookings: &'a [EventBooking],
    now: DateTime<Utc>,
) -> Result<Vec<&'a EventBooking>, PlaceRefusal> {
    if now < event.end {
        return Err(PlaceRefusal::NotOver);
    }
    let mut out: Vec<&EventBooking> = bookings
        .iter()
        .filter(|b| matches!(b.state, EventBookingState::Booked | EventBookingState::Absent))
        .collect();
    out.sort_by_key(|b| (b.booked_at, b.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{EventId, OperatorId};
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, 0, 0).unwrap()
    }

    fn event(capacity: u32, audience: &[&str]) -> Event {
        Event {
            id: EventId(1),
            title: "Insight day".into(),
            organiser: OperatorId(1),
            employers: Vec::new(),
            sector: "engineering".into(),
            audience_schools: audience.iter().map(|s| s.to_string()).collect(),
            target_programmes: Vec::new(),
            start: t(10),
            end: t(12),
            location: "Hall".into(),
            capacity,
            consultations: Vec::new(),
        }
    }

    fn booking(n: u128, client: u128, state: EventBookingState, at_hour: u32) -> EventBooking {
        EventBooking {
            id: EventBookingId(n),
            event: EventId(1),
            client: ClientId(client),
            booked_at: t(at_hour),
            state,
            confirmation: crate::domain::event::PlaceConfirmation::Local,
        }
    }

    use EventBookingState::*;

    #[test]
    fn evt_03_a_place_while_places_are_free_then_the_waiting_list_in_order() {
        let e = event(2, &[]);
        let mut b = vec![booking(1, 1, Booked, 1)];
        assert_eq!(place_new(&e, ClientId(2), None, &b, t(8)), Ok(Placement::Place));
        b.push(booking(2, 2, Booked, 2));
        assert_eq!(
            place_new(&e, ClientId(3), None, &b, t(8)),
            Ok(Placement::Waiting { position: 1 })
        );
        b.push(booking(3, 3, Waiting, 3));
        assert_eq!(
            place_new(&e, ClientId(4), None, &b, t(8)),
            Ok(Placement::Waiting { position: 2 })
        );
    }

    #[test]
    fn evt_03_a_cancelled_booking_frees_its_place_for_a_new_one() {
        let e = event(1, &[]);
        let b = vec![booking(1, 1, Cancelled, 1)];
        assert_eq!(place_new(&e, ClientId(2), None, &b, t(8)), Ok(Placement::Place));
        // The cancelled client may book again.
        assert_eq!(place_new(&e, ClientId(1), None, &b, t(8)), Ok(Placement::Place));
    }

    #[test]
    fn evt_03_nobody_jumps_the_waiting_list() {
        // A place free but someone waiting (a promotion not yet made): the newcomer waits too.
        let e = event(2, &[]);
        let b = vec![booking(1, 1, Booked, 1), booking(2, 2, Waiting, 2)];
        assert_eq!(
            place_new(&e, ClientId(3), None, &b, t(8)),
            Ok(Placement::Waiting { position: 2 })
        );
    }

    #[test]
    fn evt_03_booking_twice_is_refused_whatever_the_state() {
        let e = event(1, &[]);
        for state in [Booked, Waiting, Attended, Absent] {
            let b = vec![booking(7, 1, state, 1)];
            assert_eq!(
                place_new(&e, ClientId(1), None, &b, t(8)),
                Err(PlaceRefusal::AlreadyBooked {
                    booking: EventBookingId(7),
                    state
                })
            );
        }
    }

    #[test]
    fn evt_02_a_client_of_another_school_is_refused_with_the_reason() {
        let e = event(10, &["Engineering"]);
        let r = place_new(&e, ClientId(1), Some("Law"), &[], t(8)).unwrap_err();
        assert!(r.is_policy());
        let text = r.to_string();
        assert!(text.contains("Engineering") && text.contains("\"Law\""), "{text}");
        assert!(place_new(&e, ClientId(1), None, &[], t(8)).is_err());
        assert_eq!(
            place_new(&e, ClientId(1), Some(" engineering "), &[], t(8)),
            Ok(Placement::Place)
        );
    }

    #[test]
    fn evt_03_an_ended_event_takes_no_booking_and_no_cancellation() {
        let e = event(10, &[]);
        assert_eq!(place_new(&e, ClientId(1), None, &[], t(12)), Err(PlaceRefusal::Ended));
        let b = vec![booking(1, 1, Booked, 1)];
        assert_eq!(
            cancellable(&e, &b, ClientId(1), t(12)).unwrap_err(),
            PlaceRefusal::Ended
        );
        assert_eq!(cancellable(&e, &b, ClientId(1), t(11)).unwrap().id, EventBookingId(1));
        assert_eq!(
            cancellable(&e, &b, ClientId(2), t(11)).unwrap_err(),
            PlaceRefusal::NotBooked
        );
    }

    #[test]
    fn evt_03_promotion_fills_freed_places_first_come_first_served_never_past_capacity() {
        let e = event(2, &[]);
        // One place freed (client 1 cancelled), three waiting, joined out of id order.
        let b = vec![
            booking(1, 1, Cancelled, 1),
            booking(2, 2, Booked, 2),
            booking(5, 5, Waiting, 4),
            booking(3, 3, Waiting, 5),
            booking(4, 4, Waiting, 3),
        ];
        assert_eq!(promotions(&e, &b, t(8)), vec![EventBookingId(4)]);
        // Both places free: the two who joined first.
        let mut both = b.clone();
        both[1].state = Cancelled;
        assert_eq!(promotions(&e, &both, t(8)), vec![EventBookingId(4), EventBookingId(5)]);
        // Full (or over, after a capacity cut): nobody.
        let full = vec![
            booking(1, 1, Booked, 1),
            booking(2, 2, Attended, 1),
            booking(3, 3, Waiting, 2),
        ];
        assert!(promotions(&e, &full, t(8)).is_empty());
        let over = vec![
            booking(1, 1, Booked, 1),
            booking(2, 2, Booked, 1),
            booking(6, 6, Absent, 1),
            booking(3, 3, Waiting, 2),
        ];
        assert!(promotions(&e, &over, t(8)).is_empty());
        // Over: nobody is promoted into a past event.
        assert!(promotions(&e, &both, t(12)).is_empty());
    }

    #[test]
    fn evt_03_attendance_only_for_a_place_holder_from_the_doors_opening() {
        let e = event(2, &[]);
        let b = vec![
            booking(1, 1, Booked, 1),
            booking(2, 2, Attended, 1),
            booking(3, 3, Waiting, 2),
            booking(4, 4, Cancelled, 2),
            booking(5, 5, Absent, 2),
        ];
        assert_eq!(attendable(&e, &b, ClientId(1), t(9)).unwrap().id, EventBookingId(1));
        assert_eq!(
            attendable(&e, &b, ClientId(1), t(8)).unwrap_err(),
            PlaceRefusal::TooEarly
        );
        assert_eq!(
            attendable(&e, &b, ClientId(2), t(10)).unwrap_err(),
            PlaceRefusal::AlreadyAttended
        );
        assert_eq!(
            attendable(&e, &b, ClientId(3), t(10)).unwrap_err(),
            PlaceRefusal::OnlyWaiting { position: 1 }
        );
        assert_eq!(
            attendable(&e, &b, ClientId(4), t(10)).unwrap_err(),
            PlaceRefusal::NotBooked
        );
        assert_eq!(
            attendable(&e, &b, ClientId(9), t(10)).unwrap_err(),
            PlaceRefusal::NotBooked
        );
        // Recorded absent but came late after all: a correction.
        assert_eq!(attendable(&e, &b, ClientId(5), t(13)).unwrap().id, EventBookingId(5));
    }

    #[test]
    fn evt_03_absent_are_place_holders_not_marked_once_the_event_has_ended() {
        let e = event(3, &[]);
        let b = vec![
            booking(2, 2, Booked, 2),
            booking(1, 1, Attended, 1),
            booking(3, 3, Waiting, 3),
            booking(4, 4, Cancelled, 1),
            booking(5, 5, Absent, 1),
        ];
        assert_eq!(absentees(&e, &b, t(11)).unwrap_err(), PlaceRefusal::NotOver);
        let ids: Vec<_> = absentees(&e, &b, t(12)).unwrap().iter().map(|b| b.id).collect();
        assert_eq!(ids, vec![EventBookingId(5), EventBookingId(2)]);
    }

    #[test]
    fn evt_03_tally_counts_places_waiting_and_attended() {
        let b = vec![
            booking(1, 1, Booked, 1),
            booking(2, 2, Attended, 1),
            booking(3, 3, Waiting, 2),
            booking(4, 4, Cancelled, 2),
            booking(5, 5, Absent, 2),
        ];
        assert_eq!(
            tally(&b),
            Tally {
                taken: 3,
                waiting: 1,
                attended: 1
            }
        );
    }
}
