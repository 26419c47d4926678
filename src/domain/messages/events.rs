//! Event messages (EVT-03): the place offered to the first on a waiting list when a place
//! frees, and staff's message to those who booked but did not attend; each only by the
//! channels the client allows (DATA-12). Pure: the caller stores them in its outbox.

use chrono::{DateTime, Utc};

use super::{Channel, Channels, MessageKind, PlannedMessage};
use crate::domain::client::{ContactChannel, ContactPreferences};
use crate::domain::validate::{Email, Phone};

/// What the planner needs to know about a client's event booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    /// The client's name as it should appear in a greeting.
    pub client_name: String,
    /// The client's e-mail address, if any.
    pub email: Option<Email>,
    /// The client's phone number, if any.
    pub phone: Option<Phone>,
    /// How the client agreed to be contacted (DATA-12).
    pub contact: ContactPreferences,
    /// The event's title.
    pub title: String,
    /// The start in the institution's time zone, e.g. "Mon 7 Dec 2026 10:00".
    pub local_start: String,
    /// Where.
    pub location: String,
    /// The careers service's name, used to sign messages.
    pub service_name: String,
}

/// `text` on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn email_to(f: &EventFacts) -> Option<String> {
    f.email
        .as_ref()
        .filter(|_| f.contact.allows(ContactChannel::Email))
        .map(|e| e.as_str().to_string())
}

fn sms_to(f: &EventFacts, channels: Channels) -> Option<String> {
    f.phone
        .as_ref()
        .filter(|p| channels.sms && p.is_mobile() && f.contact.allows(ContactChannel::Phone))
        .map(|p| p.as_str().to_string())
}

fn where_and_when(f: &EventFacts) -> String {
    let mut out = format!("When:  {}", one_line(&f.local_start));
    if !f.location.trim().is_empty() {
        out.push_str(&format!("\nWhere: {}", one_line(&f.location)));
    }
    out
}

fn messages(
    f: &EventFacts,
    kind: MessageKind,
    subject: String,
    body: String,
    sms: String,
    now: DateTime<Utc>,
    channels: Channels,
) -> Vec<PlannedMessage> {
    let mut out = Vec::new();
    if let Some(to) = email_to(f) {
        out.push(PlannedMessage {
            kind,
            channel: Channel::Email,
            to,
            subject,
            body,
            ics: None,
            due_at: now,
        });
    }
    if let Some(to) = sms_to(f, channels) {
        out.push(PlannedMessage {
            kind,
            channel: Channel::Sms,
            to,
            subject: String::new(),
            body: sms,
            ics: None,
            due_at: now,
        });
    }
    out
}

/// The message telling a client on the waiting list that a place has come free and is theirs:
/// by e-mail and, where a text can be sent, by text, as the client allows (EVT-03, DATA-12).
pub fn plan_place_offered(f: &EventFacts, now: DateTime<Utc>, channels: Channels) -> Vec<PlannedMessage> {
    let title = one_line(&f.title);
    let body = format!(
        "Dear {},\n\nA place has come free on {title} and it is now yours: you are booked.\n\n{}\n\n\
         If you can no longer come, please cancel so the next person on the waiting list can have the place.\n\n{}\n",
        one_line(&f.client_name),
        where_and_when(f),
        one_line(&f.service_name)
    );
    let sms = format!(
        "{}: a place has come free on {title} ({}) and you are now booked. Please cancel if you cannot come.",
        one_line(&f.service_name),
        one_line(&f.local_start)
    );
    messages(
        f,
        MessageKind::EventPlace,
        format!("You have a place: {title}, {}", one_line(&f.local_start)),
        body,
        sms,
        now,
        channels,
    )
}

/// Staff's message to a client who booked an event but did not attend, with the text staff
/// wrote, as the client allows (EVT-03, DATA-12).
pub fn plan_absent_follow_up(
    f: &EventFacts,
    text: &str,
    now: DateTime<Utc>,
    channels: Channels,
) -> Vec<PlannedMessage> {
    let title = one_line(&f.title);
    let body = format!(
        "Dear {},\n\nYou booked a place on {title} ({}) but we did not see you there.\n\n{}\n\n{}\n",
        one_line(&f.client_name),
        one_line(&f.local_start),
        text.trim(),
        one_line(&f.service_name)
    );
    let sms = format!("{}: about {title}: {}", one_line(&f.service_name), one_line(text));
    messages(
        f,
        MessageKind::EventFollowUp,
        format!("Missed you at {title}"),
        body,
        sms,
        now,
        channels,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts(contact: ContactPreferences) -> EventFacts {
        EventFacts {
            client_name: "Ada\nLovelace".into(),
            email: Some(Email::parse("ada@example.ac.uk").unwrap()),
            phone: Some(Phone::parse("07700 900123").unwrap()),
            contact,
            title: "Insight day".into(),
            local_start: "Mon 7 Dec 2026 10:00".into(),
            location: "Main hall".into(),
            service_name: "Careers Service".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    const SMS: Channels = Channels { sms: true };

    #[test]
    fn evt_03_place_offered_by_every_allowed_channel_due_at_once() {
        let msgs = plan_place_offered(&facts(ContactPreferences::all()), now(), SMS);
        let kinds: Vec<_> = msgs.iter().map(|m| (m.kind, m.channel, m.due_at)).collect();
        assert_eq!(
            kinds,
            vec![
                (MessageKind::EventPlace, Channel::Email, now()),
                (MessageKind::EventPlace, Channel::Sms, now())
            ]
        );
        assert_eq!(msgs[0].subject, "You have a place: Insight day, Mon 7 Dec 2026 10:00");
        assert!(msgs[0].body.starts_with("Dear Ada Lovelace,\n"));
        assert!(msgs[0].body.contains("Where: Main hall"));
        assert_eq!(msgs[1].to, "+447700900123");
        assert_eq!(
            plan_place_offered(&facts(ContactPreferences::all()), now(), Channels::default()).len(),
            1
        );
    }

    #[test]
    fn data_12_event_messages_respect_contact_preferences() {
        let none = facts(ContactPreferences(Vec::new()));
        assert!(plan_place_offered(&none, now(), SMS).is_empty());
        assert!(plan_absent_follow_up(&none, "Hello", now(), SMS).is_empty());
        let phone = facts(ContactPreferences(vec![ContactChannel::Phone]));
        let msgs = plan_absent_follow_up(&phone, "Sorry we missed you.", now(), SMS);
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].channel, Channel::Sms);
        assert!(!msgs[0].body.contains('\n'));
        let post = facts(ContactPreferences(vec![ContactChannel::Post]));
        assert!(plan_place_offered(&post, now(), SMS).is_empty());
    }

    #[test]
    fn evt_03_follow_up_carries_the_staff_text() {
        let msgs = plan_absent_follow_up(
            &facts(ContactPreferences(vec![ContactChannel::Email])),
            "The slides are online.\nBook the next one soon.",
            now(),
            SMS,
        );
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].kind, MessageKind::EventFollowUp);
        assert_eq!(msgs[0].subject, "Missed you at Insight day");
        assert!(msgs[0].body.contains("The slides are online.\nBook the next one soon."));
    }
}
