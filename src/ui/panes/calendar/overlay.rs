//! Employability events on the calendar (EVT-01): each event on show with its audience and,
//! where it has places, its tally, as the band of text the views draw across their slots.

use chrono::{DateTime, NaiveDate, Utc};

use super::grid::minute_of;
use crate::domain::event::Event;
use crate::domain::event_places::Tally;

/// An event on show, with what the calendar draws of it.
#[derive(Debug, Clone)]
pub(super) struct EventRow {
    /// The event.
    pub event: Event,
    /// Its bookings' counts, when it has places.
    pub tally: Option<Tally>,
    /// The local day it starts on.
    pub day: NaiveDate,
    /// Its local start and end, minutes after midnight (the end at most midnight of its day).
    pub start: u32,
    pub end: u32,
}

impl EventRow {
    /// The event as the calendar shows it, in the institution's zone `tz`.
    pub fn of(event: Event, tally: Option<Tally>, tz: chrono_tz::Tz) -> EventRow {
        let start = event.start.with_timezone(&tz);
        let end = event.end.with_timezone(&tz);
        let day = start.date_naive();
        let end_minute = if end.date_naive() > day {
            24 * 60
        } else {
            minute_of(end)
        };
        EventRow {
            day,
            start: minute_of(start),
            end: end_minute.max(minute_of(start)),
            tally,
            event,
        }
    }

    /// Who may come: the schools, then the target programmes ("all schools" when neither).
    pub fn audience(&self) -> String {
        let e = &self.event;
        let mut parts: Vec<&str> = e.audience_schools.iter().map(String::as_str).collect();
        parts.extend(e.target_programmes.iter().map(String::as_str));
        if parts.is_empty() {
            "all schools".into()
        } else {
            parts.join(", ")
        }
    }

    /// "12/40 places, 3 waiting" for an event with places, else nothing.
    pub fn places(&self) -> Option<String> {
        let e = &self.event;
        if e.capacity == 0 {
            return None;
        }
        let t = self.tally.unwrap_or_default();
        let waiting = if t.waiting > 0 {
            format!(", {} waiting", t.waiting)
        } else {
            String::new()
        };
        Some(format!("{}/{} places{waiting}", t.taken, e.capacity))
    }

    /// The band: "★ 12:00–14:00 Careers fair · Engineering, MEng Civil · 12/40 places · Main hall".
    pub fn band(&self) -> String {
        let hm = |m: u32| format!("{:02}:{:02}", m / 60 % 24, m % 60);
        let end = if self.end >= 24 * 60 {
            "24:00".into()
        } else {
            hm(self.end)
        };
        let mut text = format!("★ {}–{end} {} · {}", hm(self.start), self.event.title, self.audience());
        if let Some(p) = self.places() {
            text.push_str(&format!(" · {p}"));
        }
        text.push_str(&format!(" · {}", self.event.location));
        text
    }

    /// A short form for a narrow cell: "★ 12:00 Careers fair 12/40".
    pub fn short(&self) -> String {
        let places = self
            .tally
            .filter(|_| self.event.capacity > 0)
            .map_or(String::new(), |t| format!(" {}/{}", t.taken, self.event.capacity));
        format!(
            "★ {:02}:{:02} {}{places}",
            self.start / 60,
            self.start % 60,
            self.event.title
        )
    }
}

/// Whether an event is on show between `from` and `to`: it overlaps them.
pub(super) fn overlaps(e: &Event, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    e.start < to && e.end.max(e.start) >= from
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{EventId, OperatorId};
    use chrono::TimeZone;

    fn event(capacity: u32) -> Event {
        Event {
            id: EventId(1),
            title: "Careers fair".into(),
            organiser: OperatorId(1),
            employers: Vec::new(),
            sector: "engineering".into(),
            audience_schools: vec!["Engineering".into()],
            target_programmes: vec!["MEng Civil".into()],
            start: Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 11, 30, 14, 0, 0).unwrap(),
            location: "Main hall".into(),
            capacity,
            consultations: Vec::new(),
        }
    }

    #[test]
    fn evt_01_an_event_band_names_its_time_audience_and_places() {
        let tally = Tally {
            taken: 12,
            waiting: 3,
            attended: 0,
        };
        let row = EventRow::of(event(40), Some(tally), chrono_tz::Europe::London);
        assert_eq!((row.start, row.end), (720, 840));
        assert_eq!(
            row.band(),
            "★ 12:00–14:00 Careers fair · Engineering, MEng Civil · 12/40 places, 3 waiting · Main hall"
        );
        assert_eq!(row.short(), "★ 12:00 Careers fair 12/40");
        // No places: no tally.
        let row = EventRow::of(event(0), None, chrono_tz::Europe::London);
        assert_eq!(
            row.band(),
            "★ 12:00–14:00 Careers fair · Engineering, MEng Civil · Main hall"
        );
    }
}
