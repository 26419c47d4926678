//! Which messages a booking produces, to whom and when (APPT-09), within the client's contact
//! preferences (DATA-12). Pure: the caller stores the result in its outbox.

use chrono::{DateTime, Duration, Utc};

use super::{compose, ics, BookingFacts, Channel, Channels, MessageKind, PlannedMessage};
use crate::domain::client::ContactChannel;
use crate::domain::policy::Reminders;

/// The e-mail address to write to, if there is one and the client allows e-mail (DATA-12).
fn email_to(facts: &BookingFacts) -> Option<String> {
    facts
        .email
        .as_ref()
        .filter(|_| facts.contact.allows(ContactChannel::Email))
        .map(|e| e.as_str().to_string())
}

/// The number to text, if it is a mobile and the client allows phone contact (APPT-09, DATA-12).
fn sms_to(facts: &BookingFacts) -> Option<String> {
    facts
        .phone
        .as_ref()
        .filter(|p| p.is_mobile() && facts.contact.allows(ContactChannel::Phone))
        .map(|p| p.as_str().to_string())
}

/// Whether a reminder is due for this booking: booked strictly more than `min_lead_hours`
/// before the start (APPT-09: "booked more than one day in advance").
pub fn wants_reminder(facts: &BookingFacts, reminders: &Reminders) -> bool {
    facts.start.signed_duration_since(facts.booked_at) > Duration::hours(i64::from(reminders.min_lead_hours))
}

/// When the reminder goes out: `send_hours_before` the start, but never before the booking.
pub fn reminder_due_at(facts: &BookingFacts, reminders: &Reminders) -> DateTime<Utc> {
    // The policy keeps the lead time to weeks; checked anyway, as the start comes from a record.
    facts
        .start
        .checked_sub_signed(Duration::hours(i64::from(reminders.send_hours_before)))
        .map_or(facts.booked_at, |due| due.max(facts.booked_at))
}

/// The messages a new booking produces: a confirmation by e-mail with a calendar invitation,
/// due at once, and for bookings made more than `min_lead_hours` ahead a reminder by e-mail
/// and, when `channels` has a way to send texts, by text to a mobile number, each only where
/// the client allows that channel (APPT-09, DATA-12). A booking whose start is not after
/// `booked_at` (recorded after the fact) produces nothing.
pub fn plan_booking_messages(facts: &BookingFacts, reminders: &Reminders, channels: Channels) -> Vec<PlannedMessage> {
    let mut out = Vec::new();
    if facts.start <= facts.booked_at {
        return out;
    }
    let email = email_to(facts);
    if let Some(to) = &email {
        let c = compose::confirmation_email(facts);
        out.push(PlannedMessage {
            kind: MessageKind::Confirmation,
            channel: Channel::Email,
            to: to.clone(),
            subject: c.subject,
            body: c.body,
            ics: Some(ics::booking_request(facts, facts.booked_at, None)),
            due_at: facts.booked_at,
        });
    }
    if wants_reminder(facts, reminders) {
        let due_at = reminder_due_at(facts, reminders);
        if let Some(to) = email {
            let c = compose::reminder_email(facts);
            out.push(PlannedMessage {
                kind: MessageKind::Reminder,
                channel: Channel::Email,
                to,
                subject: c.subject,
                body: c.body,
                ics: None,
                due_at,
            });
        }
        if let Some(to) = sms_to(facts).filter(|_| channels.sms) {
            out.push(PlannedMessage {
                kind: MessageKind::Reminder,
                channel: Channel::Sms,
                to,
                subject: String::new(),
                body: compose::reminder_sms(facts),
                ics: None,
                due_at,
            });
        }
    }
    out
}

/// The messages a cancellation produces: an e-mail with a `METHOD:CANCEL` calendar entry for
/// the invitation's UID (`SEQUENCE:1`), due at `cancelled_at`, when the client allows e-mail
/// and the appointment has not yet started (DATA-12). The caller also drops any reminder of
/// this appointment still waiting in its outbox.
pub fn plan_cancellation(facts: &BookingFacts, cancelled_at: DateTime<Utc>) -> Vec<PlannedMessage> {
    if facts.start <= cancelled_at {
        return Vec::new();
    }
    email_to(facts)
        .map(|to| {
            let c = compose::cancellation_email(facts);
            PlannedMessage {
                kind: MessageKind::Cancellation,
                channel: Channel::Email,
                to,
                subject: c.subject,
                body: c.body,
                ics: Some(ics::booking_cancel(facts, cancelled_at, None)),
                due_at: cancelled_at,
            }
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client::ContactPreferences;
    use crate::domain::validate::{Email, Phone};
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
    }

    /// A booking made `hours_ahead` hours before its start, with e-mail and a mobile number.
    fn booked(hours_ahead: i64) -> BookingFacts {
        BookingFacts {
            appointment_id: "01JD8ZK6M3V9Q2W4E5R6T7Y8U9".into(),
            client_name: "Ada Lovelace".into(),
            email: Some(Email::parse("ada@example.ac.uk").unwrap()),
            phone: Some(Phone::parse("07700 900123").unwrap()),
            contact: ContactPreferences::all(),
            type_name: "Guidance".into(),
            consultant_name: "Dr Grace Hopper".into(),
            location_name: "Room 2.14".into(),
            confidential: true,
            online: false,
            start: start(),
            minutes: 45,
            booked_at: start() - Duration::hours(hours_ahead),
            local_start: "Tue 24 Nov 2026 10:00".into(),
            service_name: "Careers Service".into(),
        }
    }

    /// A terminal with an SMS command configured.
    const SMS: Channels = Channels { sms: true };

    #[test]
    fn appt_09_no_sms_is_planned_where_no_sms_command_is_configured() {
        let f = booked(72);
        let msgs = plan_booking_messages(&f, &Reminders::default(), Channels::default());
        assert_eq!(
            kinds(&msgs),
            vec![
                (MessageKind::Confirmation, Channel::Email),
                (MessageKind::Reminder, Channel::Email)
            ]
        );
        // A client who allows only phone contact then gets nothing at all, rather than a text
        // that could never be sent.
        let mut phone_only = f.clone();
        phone_only.contact = ContactPreferences(vec![ContactChannel::Phone]);
        assert!(plan_booking_messages(&phone_only, &Reminders::default(), Channels::default()).is_empty());
        assert_eq!(plan_booking_messages(&phone_only, &Reminders::default(), SMS).len(), 1);
    }

    fn kinds(msgs: &[PlannedMessage]) -> Vec<(MessageKind, Channel)> {
        msgs.iter().map(|m| (m.kind, m.channel)).collect()
    }

    #[test]
    fn appt_09_booking_23_hours_ahead_gets_no_reminder() {
        let msgs = plan_booking_messages(&booked(23), &Reminders::default(), SMS);
        assert_eq!(kinds(&msgs), vec![(MessageKind::Confirmation, Channel::Email)]);
    }

    #[test]
    fn appt_09_booking_exactly_24_hours_ahead_gets_no_reminder() {
        let msgs = plan_booking_messages(&booked(24), &Reminders::default(), SMS);
        assert_eq!(kinds(&msgs), vec![(MessageKind::Confirmation, Channel::Email)]);
        let mut f = booked(24);
        f.booked_at -= Duration::seconds(1);
        assert_eq!(plan_booking_messages(&f, &Reminders::default(), SMS).len(), 3);
    }

    #[test]
    fn appt_09_booking_25_hours_ahead_gets_a_reminder_by_email_and_sms() {
        let f = booked(25);
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert_eq!(
            kinds(&msgs),
            vec![
                (MessageKind::Confirmation, Channel::Email),
                (MessageKind::Reminder, Channel::Email),
                (MessageKind::Reminder, Channel::Sms),
            ]
        );
        let confirmation = &msgs[0];
        assert_eq!(confirmation.to, "ada@example.ac.uk");
        assert_eq!(confirmation.due_at, f.booked_at);
        let ics = confirmation.ics.as_deref().unwrap();
        assert!(ics.contains("METHOD:REQUEST\r\n"));
        assert!(ics.contains("DTSTART:20261124T100000Z\r\n"));
        let due = start() - Duration::hours(24);
        assert_eq!(msgs[1].due_at, due);
        assert_eq!(msgs[1].to, "ada@example.ac.uk");
        assert!(msgs[1].ics.is_none());
        assert_eq!(msgs[2].due_at, due);
        assert_eq!(msgs[2].to, "+447700900123");
        assert!(msgs[2].body.contains("Tue 24 Nov 2026 10:00"));
    }

    #[test]
    fn appt_09_reminder_is_never_due_before_the_booking() {
        let reminders = Reminders {
            min_lead_hours: 24,
            send_hours_before: 48,
        };
        let f = booked(30);
        let msgs = plan_booking_messages(&f, &reminders, SMS);
        assert_eq!(msgs.len(), 3);
        assert!(msgs.iter().all(|m| m.due_at == f.booked_at));
        let f = booked(72);
        let msgs = plan_booking_messages(&f, &reminders, SMS);
        assert_eq!(msgs[1].due_at, start() - Duration::hours(48));
    }

    #[test]
    fn appt_09_landline_gets_no_sms() {
        let mut f = booked(72);
        f.phone = Some(Phone::parse("0161 306 0000").unwrap());
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert_eq!(
            kinds(&msgs),
            vec![
                (MessageKind::Confirmation, Channel::Email),
                (MessageKind::Reminder, Channel::Email)
            ]
        );
        f.phone = None;
        assert_eq!(plan_booking_messages(&f, &Reminders::default(), SMS).len(), 2);
    }

    #[test]
    fn data_12_contact_preferences_are_respected() {
        let mut f = booked(72);
        f.contact = ContactPreferences(Vec::new());
        assert!(plan_booking_messages(&f, &Reminders::default(), SMS).is_empty());
        assert!(plan_cancellation(&f, f.booked_at).is_empty());

        f.contact = ContactPreferences(vec![ContactChannel::Email]);
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert_eq!(
            kinds(&msgs),
            vec![
                (MessageKind::Confirmation, Channel::Email),
                (MessageKind::Reminder, Channel::Email)
            ]
        );

        f.contact = ContactPreferences(vec![ContactChannel::Phone]);
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert_eq!(kinds(&msgs), vec![(MessageKind::Reminder, Channel::Sms)]);
        assert!(plan_cancellation(&f, f.booked_at).is_empty());

        f.contact = ContactPreferences(vec![ContactChannel::Post]);
        assert!(plan_booking_messages(&f, &Reminders::default(), SMS).is_empty());
    }

    #[test]
    fn no_email_address_means_no_email() {
        let mut f = booked(72);
        f.email = None;
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert_eq!(kinds(&msgs), vec![(MessageKind::Reminder, Channel::Sms)]);
    }

    #[test]
    fn appt_07_confirmation_says_whether_the_setting_is_confidential() {
        let mut f = booked(2);
        f.confidential = true;
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert!(msgs[0].body.contains(compose::CONFIDENTIAL), "{}", msgs[0].body);
        assert!(!msgs[0].body.contains(compose::NOT_CONFIDENTIAL));
        assert!(msgs[0].body.contains("The setting is confidential"));

        f.confidential = false;
        f.location_name = "Open-plan desk, Careers Centre".into();
        let msgs = plan_booking_messages(&f, &Reminders::default(), SMS);
        assert!(msgs[0].body.contains(compose::NOT_CONFIDENTIAL), "{}", msgs[0].body);
        assert!(!msgs[0].body.contains(compose::CONFIDENTIAL));
        assert!(msgs[0].body.contains("The setting is not confidential"));
    }

    #[test]
    fn a_booking_recorded_after_its_start_sends_nothing() {
        let mut f = booked(1);
        f.booked_at = f.start + Duration::minutes(5);
        assert!(plan_booking_messages(&f, &Reminders::default(), SMS).is_empty());
    }

    #[test]
    fn cancellation_withdraws_the_same_calendar_entry() {
        let f = booked(72);
        let confirmation = plan_booking_messages(&f, &Reminders::default(), SMS).remove(0);
        let cancelled_at = f.booked_at + Duration::hours(1);
        let msgs = plan_cancellation(&f, cancelled_at);
        assert_eq!(msgs.len(), 1);
        let m = &msgs[0];
        assert_eq!((m.kind, m.channel), (MessageKind::Cancellation, Channel::Email));
        assert_eq!(m.due_at, cancelled_at);
        let ics = m.ics.as_deref().unwrap();
        assert!(ics.contains("METHOD:CANCEL\r\n"));
        assert!(ics.contains("SEQUENCE:1\r\n"));
        let uid_line = |s: &str| s.lines().find(|l| l.starts_with("UID:")).map(str::to_string);
        assert_eq!(uid_line(ics), uid_line(confirmation.ics.as_deref().unwrap()));
        assert!(plan_cancellation(&f, f.start).is_empty());
    }
}
