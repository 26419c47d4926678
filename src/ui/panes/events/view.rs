//! How the events pane draws its list rows and the selected event's detail.

use chrono::{DateTime, Utc};
use ratatui::text::{Line, Span};

use crate::desk::EventBookingLine;
use crate::domain::event::Event;
use crate::ui::theme::Theme;

use super::load::{EventDetail, EventRow};

/// "Tue 8 Dec 10:00–12:00" (the end with its own date when it is another day).
pub fn span_text(tz: chrono_tz::Tz, e: &Event) -> String {
    let (start, end) = (e.start.with_timezone(&tz), e.end.with_timezone(&tz));
    let end_text = if start.date_naive() == end.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        end.format("%a %-d %b %H:%M").to_string()
    };
    format!("{}–{end_text}", start.format("%a %-d %b %Y %H:%M"))
}

/// "3/40 booked · 2 waiting".
pub fn places_text(row: &EventRow) -> String {
    let full = if row.tally.taken >= row.event.capacity as usize {
        " · full"
    } else {
        ""
    };
    format!(
        "{}/{} booked · {} waiting{full}",
        row.tally.taken, row.event.capacity, row.tally.waiting
    )
}

/// A list row: the date, time and title, then employers, audience and places.
pub fn row_lines(tz: chrono_tz::Tz, row: &EventRow, now: DateTime<Utc>, th: &Theme) -> Vec<Line<'static>> {
    let e = &row.event;
    let ended = if e.end <= now { "  ✓ ended" } else { "" };
    let employers = if row.employers.is_empty() {
        "no employer".to_string()
    } else {
        row.employers.join(", ")
    };
    let audience = if e.audience_schools.is_empty() {
        "all schools".to_string()
    } else {
        e.audience_schools.join(", ")
    };
    vec![
        Line::from(vec![
            Span::styled(span_text(tz, e), th.text),
            Span::styled(format!("  {}", e.title), th.title),
            Span::styled(ended.to_string(), th.dim),
        ]),
        Line::styled(format!("    {employers} · {audience} · {}", places_text(row)), th.dim),
    ]
}

/// A list of bookings under a heading, numbered when `numbered` (the waiting list's order).
fn roster_part(lines: &mut Vec<Line<'static>>, heading: &str, people: &[EventBookingLine], numbered: bool, th: &Theme) {
    lines.push(Line::styled(format!("{heading} ({})", people.len()), th.title));
    if people.is_empty() {
        lines.push(Line::styled("  none", th.dim));
    }
    for (i, p) in people.iter().enumerate() {
        let n = if numbered {
            format!("{}. ", i + 1)
        } else {
            String::new()
        };
        // A place the sync server has not settled says so, in words, not colour alone.
        let mark = p.unsettled.map(|w| format!("  ({w})")).unwrap_or_default();
        lines.push(Line::raw(format!("  {n}{} {}{mark}", p.number(), p.name)));
    }
}

/// The selected event's detail: when and where, who takes part, the audience and how it was
/// opened, the places, and the roster.
pub fn detail_lines(tz: chrono_tz::Tz, row: &EventRow, d: &EventDetail, th: &Theme) -> Vec<Line<'static>> {
    let e = &row.event;
    let none = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    let mut lines = vec![
        Line::styled(e.title.clone(), th.title),
        Line::raw(format!("When: {}", span_text(tz, e))),
        Line::raw(format!(
            "Place: {} · Organiser: {}",
            if e.location.is_empty() { "-" } else { &e.location },
            d.organiser
        )),
        Line::raw(format!("Employers: {}", none(&row.employers))),
        Line::raw(format!(
            "Sector: {} · Programmes: {}",
            e.sector,
            none(&e.target_programmes)
        )),
        Line::raw(format!("Audience: {}", none(&e.audience_schools))),
    ];
    for c in &d.consultations {
        lines.push(Line::styled(
            format!(
                "  opened to {} on {}, consulting {}",
                c.school,
                c.at.with_timezone(&tz).format("%a %-d %b %Y %H:%M"),
                c.login
            ),
            th.dim,
        ));
    }
    lines.push(Line::raw(format!(
        "Places: {} · {} attended",
        places_text(row),
        d.roster.tally.attended
    )));
    lines.push(Line::raw(""));
    roster_part(&mut lines, "Booked", &d.roster.booked, false, th);
    roster_part(&mut lines, "Waiting list, in order", &d.roster.waiting, true, th);
    roster_part(&mut lines, "Attended", &d.roster.attended, false, th);
    match &d.absentees {
        Some(absent) => roster_part(&mut lines, "Booked but absent", absent, false, th),
        None => roster_part(&mut lines, "Absent", &d.roster.absent, false, th),
    }
    lines
}
