//! What the events pane shows, read through the desk: the list (events from a fortnight ago
//! on, so an ended event's absent list stays at hand, with their counts and employers' names)
//! and the selected event's detail (audience, consultations, roster).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::desk::{Desk, DeskError, EventBookingLine, EventRoster};
use crate::domain::event::Event;
use crate::domain::event_places::Tally;
use crate::domain::ids::EmployerId;

/// How many days back the list reaches (ended events stay listed for their absent list).
pub const RECENT_DAYS: i64 = 14;

/// One event of the list, with what its row shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// The event.
    pub event: Event,
    /// Places taken, waiting, attended.
    pub tally: Tally,
    /// The employers taking part, by name.
    pub employers: Vec<String>,
}

/// A consultation that opened the event to a school, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consulted {
    /// The school.
    pub school: String,
    /// The login of the member of staff consulted.
    pub login: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The selected event in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDetail {
    /// The organiser's login.
    pub organiser: String,
    /// Who was consulted to open it to each further school.
    pub consultations: Vec<Consulted>,
    /// Booked, waiting (in order), attended, absent.
    pub roster: EventRoster,
    /// After the event: those who booked a place and were not marked as attending.
    pub absentees: Option<Vec<EventBookingLine>>,
}

/// An employer's name, or its id when it cannot be read.
fn employer_name(desk: &Desk, id: EmployerId, seen: &mut HashMap<EmployerId, String>) -> String {
    seen.entry(id)
        .or_insert_with(|| {
            desk.resolve_employer(&id.to_string())
                .map(|e| e.name)
                .unwrap_or_else(|_| format!("employer {id}"))
        })
        .clone()
}

/// The list's events, earliest first, each with its counts (runs as a job).
pub fn load_rows(desk: &Desk) -> Result<Vec<EventRow>, DeskError> {
    let from = desk.now() - Duration::days(RECENT_DAYS);
    let events = desk.events_between(from, DateTime::<Utc>::MAX_UTC)?;
    let tallies = desk.event_tallies()?;
    let mut names = HashMap::new();
    Ok(events
        .into_iter()
        .map(|event| EventRow {
            tally: tallies.get(&event.id).copied().unwrap_or_default(),
            employers: event
                .employers
                .iter()
                .map(|id| employer_name(desk, *id, &mut names))
                .collect(),
            event,
        })
        .collect())
}

/// The detail of one event: its roster, and after it has ended, who was absent.
pub fn load_detail(desk: &Desk, event: &Event) -> Result<EventDetail, DeskError> {
    let id = event.id.to_string();
    let roster = desk.event_roster(&id)?;
    let absentees = if event.end <= desk.now() {
        Some(desk.event_absentees(&id)?)
    } else {
        None
    };
    Ok(EventDetail {
        organiser: desk.operator_login(event.organiser),
        consultations: event
            .consultations
            .iter()
            .map(|c| Consulted {
                school: c.school.clone(),
                login: desk.operator_login(c.consulted),
                at: c.at,
            })
            .collect(),
        roster,
        absentees,
    })
}
