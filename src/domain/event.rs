//! Employability events and their bookings (EVT-01..EVT-03).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, DeviceId, EmployerId, EventBookingId, EventId, LeaseId, OperatorId};
use super::limits::{self, check, check_each};
use super::validate::FieldError;

/// A consultation that opened an event to another school (EVT-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceConsultation {
    /// The school the event was opened to.
    pub school: String,
    /// The operator consulted.
    pub consulted: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// An employability event on the combined calendar (EVT-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Record id.
    pub id: EventId,
    /// Title.
    pub title: String,
    /// Organising operator.
    pub organiser: OperatorId,
    /// Employers taking part.
    pub employers: Vec<EmployerId>,
    /// Sector, used by the clash check.
    pub sector: String,
    /// Schools whose students may book (EVT-02).
    pub audience_schools: Vec<String>,
    /// Target programmes or degrees, used by the clash check.
    pub target_programmes: Vec<String>,
    /// Start.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    /// End.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub end: DateTime<Utc>,
    /// Where.
    pub location: String,
    /// Places.
    pub capacity: u32,
    /// Consultations that opened it to other schools.
    pub consultations: Vec<AudienceConsultation>,
}

impl Event {
    /// Checks every text field against its limit, reporting all that are over (EVT-01, EVT-02).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        limits::all([
            check("title", &self.title, limits::TITLE),
            check("sector", &self.sector, limits::SECTOR),
            check_each("audience-schools", &self.audience_schools, limits::SCHOOL),
            check_each("target-programmes", &self.target_programmes, limits::PROGRAMME),
            check("location", &self.location, limits::LOCATION),
        ])
    }
}

/// Where an event booking stands (EVT-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventBookingState {
    /// Has a place.
    Booked,
    /// On the waiting list, promoted in booking order when a place frees.
    Waiting,
    /// Came.
    Attended,
    /// Booked but did not come.
    Absent,
    /// Cancelled.
    Cancelled,
}

/// A client's booking on an event; it cannot be passed to anyone else (SEC-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBooking {
    /// Record id.
    pub id: EventBookingId,
    /// Event.
    pub event: EventId,
    /// Client.
    pub client: ClientId,
    /// When booked (orders the waiting list).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub booked_at: DateTime<Utc>,
    /// State.
    pub state: EventBookingState,
    /// Who decided that the booking holds its place: this desk alone, or the sync server.
    pub confirmation: PlaceConfirmation,
}

/// Who decided that an event booking holds its place. A desk that syncs cannot see the places
/// the other desks gave meanwhile, so its places are provisional until the sync server, first
/// to arrive first, confirms them (decision 0023); a desk that does not sync decides alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlaceConfirmation {
    /// Decided on this desk, which syncs with no server, or a booking that holds no place to
    /// decide (the waiting list).
    Local,
    /// A place given on a desk that syncs: the server decides at that desk's next sync.
    Provisional {
        /// The desk (replica) that made it, which asks the server.
        desk: DeviceId,
        /// Promoted from the waiting list: the client is told once the server confirms.
        promoted: bool,
    },
    /// The server counted the place as this booking's.
    Confirmed,
    /// A place in a lease of the event's places this desk holds from the server: certain at
    /// once; the server is told at that desk's next sync, and it stays marked as the lease's
    /// so the desk counts what is left of the lease.
    Leased {
        /// The desk (replica) that made it.
        desk: DeviceId,
        /// The lease (the server's id).
        lease: LeaseId,
        /// Whether the server has counted it.
        told: bool,
    },
    /// The server found the event full with every desk's places seen together (or the client
    /// holding a place already): the booking went back to the waiting list (or was
    /// cancelled) and waits in its desk's conflicts queue until someone tells the client.
    Displaced {
        /// The desk that made it.
        desk: DeviceId,
        /// Why, in words.
        reason: String,
    },
    /// Confirmed and then cancelled; the server has let the place go.
    Released,
}

impl PlaceConfirmation {
    /// The word shown beside a booking whose place is not (or no longer) settled.
    pub fn word(&self) -> Option<&'static str> {
        match self {
            PlaceConfirmation::Local
            | PlaceConfirmation::Confirmed
            | PlaceConfirmation::Released
            | PlaceConfirmation::Leased { told: true, .. } => None,
            PlaceConfirmation::Provisional { .. } => Some("provisional"),
            PlaceConfirmation::Leased { told: false, .. } => Some("leased"),
            PlaceConfirmation::Displaced { .. } => Some("lost its place"),
        }
    }
}

/// The layout of an event booking before the server decided places (format 1); it reads as
/// decided on its desk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventBookingV1 {
    /// Record id.
    pub id: EventBookingId,
    /// Event.
    pub event: EventId,
    /// Client.
    pub client: ClientId,
    /// When booked.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub booked_at: DateTime<Utc>,
    /// State.
    pub state: EventBookingState,
}

impl From<EventBookingV1> for EventBooking {
    fn from(v: EventBookingV1) -> Self {
        EventBooking {
            id: v.id,
            event: v.event,
            client: v.client,
            booked_at: v.booked_at,
            state: v.state,
            confirmation: PlaceConfirmation::Local,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evt_03_a_leased_place_reads_back_from_the_op_log_s_field_values() {
        // Merging rebuilds a record from its fields as JSON values, where a bare u128 past
        // 2^64 turns into a float: every id in a record must travel as text.
        let b = EventBooking {
            id: EventBookingId(u128::MAX - 1),
            event: EventId(u128::MAX - 2),
            client: ClientId(u128::MAX - 3),
            booked_at: DateTime::UNIX_EPOCH,
            state: EventBookingState::Booked,
            confirmation: PlaceConfirmation::Leased {
                desk: DeviceId(u128::MAX - 4),
                lease: LeaseId(u128::MAX - 5),
                told: false,
            },
        };
        let mut object = serde_json::Map::new();
        for (k, v) in crate::domain::change::fields_of(&b).unwrap() {
            object.insert(k, serde_json::from_str(&v).unwrap());
        }
        let back: EventBooking = serde_json::from_value(serde_json::Value::Object(object)).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn evt_01_event_text_over_its_limits_is_all_named() {
        let mut e = Event {
            id: EventId(1),
            title: "Engineering fair".into(),
            organiser: OperatorId(1),
            employers: Vec::new(),
            sector: "engineering".into(),
            audience_schools: vec!["Engineering".into()],
            target_programmes: vec!["MEng Civil".into()],
            start: DateTime::UNIX_EPOCH,
            end: DateTime::UNIX_EPOCH,
            location: "Main hall".into(),
            capacity: 200,
            consultations: Vec::new(),
        };
        assert!(e.check().is_ok());
        e.title = "t".repeat(limits::TITLE + 1);
        e.audience_schools.push("s".repeat(limits::SCHOOL + 1));
        e.location = "l".repeat(limits::LOCATION + 1);
        let fields: Vec<&str> = e.check().unwrap_err().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["title", "audience-schools", "location"]);
    }
}
