//! iCalendar (RFC 5545) text for appointment invitations, cancellations and calendar exports.
//!
//! Output uses CRLF line ends, folds lines longer than 75 octets (never inside a UTF-8
//! character) and escapes TEXT values (`\\`, `;`, `,`, newline). Times are written in UTC.

use chrono::{DateTime, Utc};

use super::compose;
use super::BookingFacts;

/// The `PRODID` written into every calendar.
pub const PRODID: &str = concat!("-//careerdesk//careerdesk ", env!("CARGO_PKG_VERSION"), "//EN");

/// The longest a content line may be, in octets, before it is folded.
const MAX_LINE: usize = 75;

/// The calendar's `METHOD` (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// An invitation: add or update the event.
    Request,
    /// Withdraws an event sent earlier with the same UID.
    Cancel,
    /// A plain export for import into a calendar, with no scheduling meaning.
    Publish,
}

impl Method {
    /// The value as written after `METHOD:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// The event's `STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// The event will take place.
    Confirmed,
    /// The event has been cancelled.
    Cancelled,
}

impl EventStatus {
    /// The value as written after `STATUS:`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// The organiser of an event: a display name and an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organizer {
    /// Display name, written as the `CN` parameter.
    pub name: String,
    /// E-mail address, written as a `mailto:` URI.
    pub email: String,
}

/// One `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Globally unique id; the same for an invitation and its cancellation.
    pub uid: String,
    /// Revision number: 0 for the first invitation, higher for later changes.
    pub sequence: u32,
    /// When this version of the event was created.
    pub dtstamp: DateTime<Utc>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// One-line title.
    pub summary: String,
    /// Where it is held.
    pub location: String,
    /// Longer description (may span lines).
    pub description: String,
    /// Confirmed or cancelled.
    pub status: EventStatus,
    /// The organiser, if known.
    pub organizer: Option<Organizer>,
}

impl IcsEvent {
    /// The event for a booking, as the client sees it.
    pub fn for_booking(facts: &BookingFacts, dtstamp: DateTime<Utc>) -> Self {
        IcsEvent {
            uid: uid_for(&facts.appointment_id),
            sequence: 0,
            dtstamp,
            start: facts.start,
            end: facts.end(),
            summary: format!("{} with {}", facts.type_name, facts.consultant_name),
            location: facts.location_name.clone(),
            description: compose::event_description(facts),
            status: EventStatus::Confirmed,
            organizer: None,
        }
    }
}

/// The calendar UID for an appointment: stable, so a cancellation matches its invitation.
pub fn uid_for(appointment_id: &str) -> String {
    format!("{appointment_id}@careerdesk")
}

/// A UTC date-time in iCalendar form, `YYYYMMDDTHHMMSSZ`.
pub fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks; other control
/// characters except tab are dropped.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (such as `CN`): quoted when it holds `:`, `;` or `,`; double quotes and
/// control characters are dropped, as RFC 5545 cannot carry them.
fn param_value(value: &str) -> String {
    let clean: String = value.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Folds one content line (without its line end) into CRLF-terminated lines of at most 75
/// octets, continuation lines starting with a space; never splits a UTF-8 character and never
/// leaves a physical line ending in white space (some readers trim it).
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / MAX_LINE * 3 + 2);
    let mut rest = line;
    let mut limit = MAX_LINE;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return out;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // Some parsers trim each physical line: never end one with a space or tab, carry it over.
        let kept = rest[..cut].trim_end_matches([' ', '\t']).len();
        if kept > 0 {
            cut = kept;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // A continuation line's leading space counts towards its 75 octets.
        limit = MAX_LINE - 1;
    }
}

/// Builds calendar text line by line.
struct Writer {
    out: String,
}

impl Writer {
    fn line(&mut self, line: &str) {
        self.out.push_str(&fold_line(line));
    }

    fn text(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{}", escape_text(value)));
    }

    fn event(&mut self, e: &IcsEvent) {
        self.line("BEGIN:VEVENT");
        self.text("UID", &e.uid);
        self.line(&format!("SEQUENCE:{}", e.sequence));
        self.line(&format!("DTSTAMP:{}", utc_stamp(e.dtstamp)));
        self.line(&format!("DTSTART:{}", utc_stamp(e.start)));
        self.line(&format!("DTEND:{}", utc_stamp(e.end)));
        self.text("SUMMARY", &e.summary);
        if !e.location.is_empty() {
            self.text("LOCATION", &e.location);
        }
        if !e.description.is_empty() {
            self.text("DESCRIPTION", &e.description);
        }
        if let Some(o) = &e.organizer {
            let email: String = o.email.chars().filter(|c| !c.is_control()).collect();
            self.line(&format!("ORGANIZER;CN={}:mailto:{email}", param_value(&o.name)));
        }
        self.line(&format!("STATUS:{}", e.status.as_str()));
        self.line("TRANSP:OPAQUE");
        self.line("END:VEVENT");
    }
}

/// A `VCALENDAR` holding `events`; `name`, when given, is written as `X-WR-CALNAME`.
pub fn calendar(method: Method, name: Option<&str>, events: &[IcsEvent]) -> String {
    let mut w = Writer { out: String::new() };
    w.line("BEGIN:VCALENDAR");
    w.line("VERSION:2.0");
    w.text("PRODID", PRODID);
    w.line("CALSCALE:GREGORIAN");
    w.line(&format!("METHOD:{}", method.as_str()));
    if let Some(name) = name {
        w.text("X-WR-CALNAME", name);
    }
    for e in events {
        w.event(e);
    }
    w.line("END:VCALENDAR");
    w.out
}

/// The invitation sent with a confirmation: `METHOD:REQUEST`, `SEQUENCE:0`.
pub fn booking_request(facts: &BookingFacts, dtstamp: DateTime<Utc>, organizer: Option<Organizer>) -> String {
    let mut event = IcsEvent::for_booking(facts, dtstamp);
    event.organizer = organizer;
    calendar(Method::Request, None, &[event])
}

/// The withdrawal sent with a cancellation: `METHOD:CANCEL` for the same UID, `SEQUENCE:1`.
pub fn booking_cancel(facts: &BookingFacts, dtstamp: DateTime<Utc>, organizer: Option<Organizer>) -> String {
    let mut event = IcsEvent::for_booking(facts, dtstamp);
    event.sequence = 1;
    event.status = EventStatus::Cancelled;
    event.organizer = organizer;
    calendar(Method::Cancel, None, &[event])
}

/// A consultant's appointments as one calendar for import (`export ics --consultant`):
/// `METHOD:PUBLISH`, named after the consultant.
pub fn consultant_calendar(consultant_name: &str, events: &[IcsEvent]) -> String {
    calendar(
        Method::Publish,
        Some(&format!("{consultant_name}: appointments")),
        events,
    )
}

/// The `METHOD` of a calendar text, if it has one (used for the MIME `method` parameter).
pub fn method_of(ics: &str) -> Option<&str> {
    ics.lines()
        .map(|l| l.trim_end_matches('\r'))
        .find_map(|l| l.strip_prefix("METHOD:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts() -> BookingFacts {
        BookingFacts {
            appointment_id: "01JD8ZK6M3V9Q2W4E5R6T7Y8U9".into(),
            client_name: "Ada Lovelace".into(),
            email: None,
            phone: None,
            contact: crate::domain::client::ContactPreferences::all(),
            type_name: "Guidance".into(),
            consultant_name: "Dr Grace Hopper".into(),
            location_name: "Room 2.14, Careers Centre; Level 2".into(),
            confidential: true,
            online: false,
            start: Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
            minutes: 45,
            booked_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 5).unwrap(),
            local_start: "Tue 24 Nov 2026 10:00".into(),
            service_name: "Careers Service".into(),
        }
    }

    #[test]
    fn text_values_escape_backslash_semicolon_comma_and_newlines() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape_text("tab\there\u{7}bell"), "tab\therebell");
        assert_eq!(escape_text("Zoë: café"), "Zoë: café");
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold_line("SUMMARY:x"), "SUMMARY:x\r\n");
        let exact = "X".repeat(75);
        assert_eq!(fold_line(&exact), format!("{exact}\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_with_a_leading_space() {
        let line = format!("DESCRIPTION:{}", "a".repeat(200));
        let folded = fold_line(&line);
        assert!(folded.ends_with("\r\n"));
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() >= 3);
        for (i, p) in parts.iter().enumerate() {
            assert!(p.len() <= 75, "line {i} has {} octets", p.len());
            assert_eq!(p.starts_with(' '), i > 0);
        }
        assert_eq!(parts[0].len(), 75);
        assert_eq!(parts[1].len(), 75);
        let unfolded: String = parts
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { *p } else { &p[1..] })
            .collect();
        assert_eq!(unfolded, line);
    }

    #[test]
    fn folding_never_splits_a_utf8_character() {
        // 'é' is two octets: an odd prefix puts a character across the 75th octet.
        let line = format!("SUMMARY:{}", "é".repeat(80));
        let folded = fold_line(&line);
        for p in folded.split("\r\n").filter(|p| !p.is_empty()) {
            assert!(p.len() <= 75);
            assert!(std::str::from_utf8(p.as_bytes()).is_ok());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
    }

    #[test]
    fn folded_lines_never_end_in_white_space() {
        let line = format!("LOCATION:{}  b {}d", "a".repeat(64), "c ".repeat(80));
        let folded = fold_line(&line);
        for p in folded.split("\r\n").filter(|p| !p.is_empty()) {
            assert!(p.len() <= 75, "{p:?}");
            assert!(!p.ends_with(' '), "{p:?}");
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{line}\r\n"));
    }

    #[test]
    fn a_request_has_the_required_properties_in_utc_with_crlf() {
        let ics = booking_request(
            &facts(),
            Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 5).unwrap(),
            Some(Organizer {
                name: "Careers Service, Main Campus".into(),
                email: "careers@example.ac.uk".into(),
            }),
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF in {ics:?}");
        let unfolded = ics.replace("\r\n ", "");
        for want in [
            "METHOD:REQUEST",
            "UID:01JD8ZK6M3V9Q2W4E5R6T7Y8U9@careerdesk",
            "SEQUENCE:0",
            "DTSTAMP:20261120T093005Z",
            "DTSTART:20261124T100000Z",
            "DTEND:20261124T104500Z",
            "SUMMARY:Guidance with Dr Grace Hopper",
            r"LOCATION:Room 2.14\, Careers Centre\; Level 2",
            "ORGANIZER;CN=\"Careers Service, Main Campus\":mailto:careers@example.ac.uk",
            "STATUS:CONFIRMED",
        ] {
            assert!(unfolded.lines().any(|l| l == want), "missing {want} in\n{unfolded}");
        }
        let description = unfolded.lines().find(|l| l.starts_with("DESCRIPTION:")).unwrap();
        assert!(description.contains(r"\n"), "{description}");
        assert!(description.contains("confidential"), "{description}");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
    }

    #[test]
    fn a_cancellation_reuses_the_uid_with_sequence_1() {
        let f = facts();
        let ics = booking_cancel(&f, f.booked_at, None).replace("\r\n ", "");
        assert!(ics.contains("\r\nMETHOD:CANCEL\r\n"));
        assert!(ics.contains(&format!("\r\nUID:{}\r\n", uid_for(&f.appointment_id))));
        assert!(ics.contains("\r\nSEQUENCE:1\r\n"));
        assert!(ics.contains("\r\nSTATUS:CANCELLED\r\n"));
        assert!(!ics.contains("ORGANIZER"));
        assert_eq!(method_of(&ics), Some("CANCEL"));
    }

    #[test]
    fn a_consultant_export_holds_every_event() {
        let f = facts();
        let mut second = IcsEvent::for_booking(&f, f.booked_at);
        second.uid = uid_for("other");
        second.start = f.start + chrono::Duration::hours(2);
        second.end = second.start + chrono::Duration::minutes(30);
        let ics = consultant_calendar("Dr Grace Hopper", &[IcsEvent::for_booking(&f, f.booked_at), second]);
        assert_eq!(ics.matches("BEGIN:VEVENT\r\n").count(), 2);
        assert_eq!(ics.matches("END:VEVENT\r\n").count(), 2);
        assert!(ics.contains("METHOD:PUBLISH\r\n"));
        assert!(ics.contains("X-WR-CALNAME:Dr Grace Hopper: appointments\r\n"));
        assert!(ics.contains("DTSTART:20261124T120000Z\r\n"));
    }
}
