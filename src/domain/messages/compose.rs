//! The words of appointment messages: subject and body of each e-mail, and the text message.
//!
//! Every confirmation says whether the setting is confidential (APPT-07); online appointments
//! add that they are not recorded without permission (APPT-08).

use super::BookingFacts;

/// Said of an appointment in a confidential setting (APPT-07).
pub const CONFIDENTIAL: &str =
    "The setting is confidential: a private room, and what you discuss stays within the careers service.";

/// Said of an appointment in a setting that is not confidential (APPT-07).
pub const NOT_CONFIDENTIAL: &str =
    "The setting is not confidential: it is not a private room, so others nearby may hear your conversation.";

/// Said of every online appointment (APPT-08).
pub const ONLINE_NOT_RECORDED: &str =
    "This appointment is online. It will not be recorded unless you give your permission.";

/// Said of missed appointments (APPT-02).
const CANCEL_IN_TIME: &str = "If you cannot attend, please cancel before the start time: an appointment missed \
without cancelling counts as one of your allocation.";

/// An e-mail's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// One-line subject.
    pub subject: String,
    /// Plain-text body with `\n` line ends.
    pub body: String,
}

/// The sentence telling the client whether the setting is confidential (APPT-07).
pub fn setting_statement(confidential: bool) -> &'static str {
    if confidential {
        CONFIDENTIAL
    } else {
        NOT_CONFIDENTIAL
    }
}

/// `text` on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The When / With / Where block.
fn details(f: &BookingFacts) -> String {
    format!(
        "When:  {} ({} minutes)\nWith:  {}\nWhere: {}",
        one_line(&f.local_start),
        f.minutes,
        one_line(&f.consultant_name),
        one_line(&f.location_name)
    )
}

/// The setting statement, plus the online line where it applies.
fn setting_lines(f: &BookingFacts) -> String {
    let mut out = setting_statement(f.confidential).to_string();
    if f.online {
        out.push('\n');
        out.push_str(ONLINE_NOT_RECORDED);
    }
    out
}

fn letter(f: &BookingFacts, opening: &str, middle: &str, closing: &str) -> String {
    let mut body = format!("Dear {},\n\n{opening}\n\n{}\n\n", one_line(&f.client_name), details(f));
    if !middle.is_empty() {
        body.push_str(middle);
        body.push_str("\n\n");
    }
    if !closing.is_empty() {
        body.push_str(closing);
        body.push_str("\n\n");
    }
    body.push_str(&one_line(&f.service_name));
    body.push('\n');
    body
}

/// The booking confirmation e-mail (APPT-09), stating the setting's confidentiality (APPT-07).
pub fn confirmation_email(f: &BookingFacts) -> Composed {
    Composed {
        subject: format!(
            "Appointment confirmed: {}, {}",
            one_line(&f.type_name),
            one_line(&f.local_start)
        ),
        body: letter(
            f,
            &format!("Your {} appointment is booked.", one_line(&f.type_name)),
            &setting_lines(f),
            &format!("{CANCEL_IN_TIME}\n\nThe attached calendar file adds the appointment to your calendar."),
        ),
    }
}

/// The reminder e-mail sent before an appointment booked well ahead (APPT-09).
pub fn reminder_email(f: &BookingFacts) -> Composed {
    Composed {
        subject: format!("Reminder: {}, {}", one_line(&f.type_name), one_line(&f.local_start)),
        body: letter(
            f,
            &format!("This is a reminder of your {} appointment.", one_line(&f.type_name)),
            &setting_lines(f),
            CANCEL_IN_TIME,
        ),
    }
}

/// The reminder text message: one line, no personal details beyond time and place (APPT-09).
pub fn reminder_sms(f: &BookingFacts) -> String {
    format!(
        "{}: reminder of your {} appointment on {} at {}. If you cannot attend, please cancel before the start.",
        one_line(&f.service_name),
        one_line(&f.type_name),
        one_line(&f.local_start),
        one_line(&f.location_name)
    )
}

/// The e-mail telling the client a booked appointment has been cancelled.
pub fn cancellation_email(f: &BookingFacts) -> Composed {
    Composed {
        subject: format!(
            "Appointment cancelled: {}, {}",
            one_line(&f.type_name),
            one_line(&f.local_start)
        ),
        body: letter(
            f,
            &format!("Your {} appointment has been cancelled.", one_line(&f.type_name)),
            "",
            "The attached calendar file removes it from your calendar. Contact us to book another time.",
        ),
    }
}

/// The calendar event's description: who, the setting statement, and the online line.
pub fn event_description(f: &BookingFacts) -> String {
    format!(
        "{} appointment with {}.\n{}\n{}",
        one_line(&f.type_name),
        one_line(&f.consultant_name),
        setting_lines(f),
        one_line(&f.service_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn facts(confidential: bool, online: bool) -> BookingFacts {
        BookingFacts {
            appointment_id: "a1".into(),
            client_name: "Ada\nLovelace".into(),
            email: None,
            phone: None,
            contact: crate::domain::client::ContactPreferences::all(),
            type_name: "Guidance".into(),
            consultant_name: "Dr Grace Hopper".into(),
            location_name: "Room 2.14".into(),
            confidential,
            online,
            start: Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
            minutes: 45,
            booked_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
            local_start: "Tue 24 Nov 2026 10:00".into(),
            service_name: "Careers Service".into(),
        }
    }

    #[test]
    fn confirmation_has_the_details_and_signs_off() {
        let c = confirmation_email(&facts(true, false));
        assert_eq!(c.subject, "Appointment confirmed: Guidance, Tue 24 Nov 2026 10:00");
        assert!(c.body.starts_with("Dear Ada Lovelace,\n"));
        assert!(c.body.contains("When:  Tue 24 Nov 2026 10:00 (45 minutes)"));
        assert!(c.body.contains("With:  Dr Grace Hopper"));
        assert!(c.body.contains("Where: Room 2.14"));
        assert!(c.body.contains("cancel before the start time"));
        assert!(c.body.ends_with("Careers Service\n"));
        assert!(!c.body.contains(ONLINE_NOT_RECORDED));
    }

    #[test]
    fn online_appointments_say_they_are_not_recorded() {
        let c = confirmation_email(&facts(false, true));
        assert!(c.body.contains(ONLINE_NOT_RECORDED));
        assert!(event_description(&facts(false, true)).contains(ONLINE_NOT_RECORDED));
    }

    #[test]
    fn subjects_and_sms_are_one_line() {
        let mut f = facts(true, false);
        f.type_name = "Guid\r\nance\tX".into();
        assert!(!confirmation_email(&f).subject.contains(['\r', '\n', '\t']));
        assert!(!reminder_email(&f).subject.contains(['\r', '\n']));
        assert!(!reminder_sms(&f).contains(['\r', '\n']));
    }

    #[test]
    fn reminder_and_cancellation_wording() {
        let f = facts(false, false);
        assert_eq!(reminder_email(&f).subject, "Reminder: Guidance, Tue 24 Nov 2026 10:00");
        assert!(reminder_email(&f).body.contains(NOT_CONFIDENTIAL));
        assert_eq!(
            reminder_sms(&f),
            "Careers Service: reminder of your Guidance appointment on Tue 24 Nov 2026 10:00 at Room 2.14. \
             If you cannot attend, please cancel before the start."
        );
        let c = cancellation_email(&f);
        assert_eq!(c.subject, "Appointment cancelled: Guidance, Tue 24 Nov 2026 10:00");
        assert!(c.body.contains("has been cancelled"));
    }
}
