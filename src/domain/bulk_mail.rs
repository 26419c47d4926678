//! Bulk mail to employer contacts (EVT-04, SEC-06, EMP-04): one message that cross-promotes
//! several events, who it goes to, who is left out and why, and the message each recipient
//! gets on their own. Pure: the employers, their contacts and notes, the time zone and the
//! time come in as arguments; the desk checks the grant, stores and audits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::employer::{Contact, Employer, EngagementNote};
use super::event::Event;
use super::ids::{ContactId, EmployerId, EventId, OperatorId};
use super::liaison::{self, Gate};
use super::limits;
use super::messages::{Channel, MessageKind, PlannedMessage};
use super::validate::{self, Email, FieldError};

/// The most events one message may promote.
pub const MAX_EVENTS: usize = 10;

/// The longest subject line, in characters.
pub const SUBJECT_CHARS: usize = limits::TITLE;

/// The longest body staff may write, in characters (the event details come on top).
pub const BODY_CHARS: usize = limits::EVENT_MESSAGE;

/// Why a bulk mail cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkMailError {
    /// No event was named.
    #[error("name at least one event to promote (--event ID-OR-TITLE)")]
    NoEvents,
    /// More events than one message may carry.
    #[error("{0} events is more than one message may promote ({MAX_EVENTS}); send two mailings")]
    TooManyEvents(usize),
    /// The subject or body is wrong.
    #[error("{0}")]
    Field(#[from] FieldError),
    /// Every contact was left out (or there were none).
    #[error("nobody to send to: {0}")]
    NoRecipients(String),
}

/// One event as the message describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromotedEvent {
    /// The event.
    pub id: EventId,
    /// Its title.
    pub title: String,
    /// When, in the service's time zone, e.g. "Mon 7 Dec 2026 10:00-12:00 GMT".
    pub when: String,
    /// Where ("to be announced" when blank).
    pub place: String,
    /// Who may come, e.g. "students of Engineering; aimed at MEng Civil".
    pub audience: String,
}

impl PromotedEvent {
    /// The event described in the time zone `tz`.
    pub fn of(event: &Event, tz: Tz) -> PromotedEvent {
        let start = event.start.with_timezone(&tz);
        let end = event.end.with_timezone(&tz);
        let when = if start.date_naive() == end.date_naive() {
            format!("{}-{}", start.format("%a %-d %b %Y %H:%M"), end.format("%H:%M %Z"))
        } else {
            format!(
                "{} to {}",
                start.format("%a %-d %b %Y %H:%M"),
                end.format("%a %-d %b %Y %H:%M %Z")
            )
        };
        let schools = if event.audience_schools.is_empty() {
            "students of every school".to_string()
        } else {
            format!("students of {}", event.audience_schools.join(", "))
        };
        let audience = if event.target_programmes.is_empty() {
            schools
        } else {
            format!("{schools}; aimed at {}", event.target_programmes.join(", "))
        };
        let place = if event.location.trim().is_empty() {
            "to be announced".to_string()
        } else {
            event.location.trim().to_string()
        };
        PromotedEvent {
            id: event.id,
            title: one_line(&event.title),
            when,
            place: one_line(&place),
            audience: one_line(&audience),
        }
    }
}

/// What every recipient is sent: subject, the staff's text and the events it promotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Letter {
    /// Subject line.
    pub subject: String,
    /// The staff's text, newlines kept.
    pub body: String,
    /// The events promoted, in the order named, each once.
    pub events: Vec<PromotedEvent>,
    /// The careers service's name, to sign with.
    pub service_name: String,
}

impl Letter {
    /// Checks the subject (one line) and body (lines; Windows line ends read as newlines; no
    /// other control characters) and the events (1 to [`MAX_EVENTS`], repeats dropped).
    pub fn new(
        subject: &str,
        body: &str,
        events: Vec<PromotedEvent>,
        service_name: &str,
    ) -> Result<Letter, BulkMailError> {
        let subject = validate::line("subject", subject, SUBJECT_CHARS)?;
        let body = body.replace("\r\n", "\n");
        if body.trim().is_empty() {
            return Err(FieldError::new("body", "is empty; write the message in the body file").into());
        }
        let body = validate::text("body", &body, BODY_CHARS)?;
        let mut unique: Vec<PromotedEvent> = Vec::new();
        for e in events {
            if !unique.iter().any(|u| u.id == e.id) {
                unique.push(e);
            }
        }
        match unique.len() {
            0 => return Err(BulkMailError::NoEvents),
            n if n > MAX_EVENTS => return Err(BulkMailError::TooManyEvents(n)),
            _ => {}
        }
        Ok(Letter {
            subject,
            body,
            events: unique,
            service_name: one_line(service_name),
        })
    }

    /// The message for one recipient: addressed to them alone.
    pub fn compose(&self, to: &Recipient, now: DateTime<Utc>) -> PlannedMessage {
        let mut body = format!("Dear {},\n\n{}\n\n", one_line(&to.contact_name), self.body);
        let heading = if self.events.len() == 1 {
            "The event:"
        } else {
            "The events:"
        };
        body.push_str(heading);
        body.push_str("\n\n");
        for (i, e) in self.events.iter().enumerate() {
            body.push_str(&format!(
                "{}. {}\n   When:     {}\n   Where:    {}\n   Audience: {}\n\n",
                i + 1,
                e.title,
                e.when,
                e.place,
                e.audience
            ));
        }
        body.push_str(&self.service_name);
        body.push('\n');
        PlannedMessage {
            kind: MessageKind::EmployerMail,
            channel: Channel::Email,
            to: to.email.as_str().to_string(),
            subject: self.subject.clone(),
            body,
            ics: None,
            due_at: now,
        }
    }
}

/// One employer as the planner sees it: its profile, contacts and engagement notes.
#[derive(Debug, Clone, Copy)]
pub struct EmployerFacts<'a> {
    /// The employer.
    pub employer: &'a Employer,
    /// Its contacts.
    pub contacts: &'a [Contact],
    /// Its engagement notes (liaisons among them).
    pub notes: &'a [EngagementNote],
}

/// A contact the message goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// Their employer.
    pub employer: EmployerId,
    /// The employer's name.
    pub employer_name: String,
    /// The contact.
    pub contact: ContactId,
    /// Their name.
    pub contact_name: String,
    /// A key contact, cleared by ownership or a liaison (EMP-04).
    pub key_contact: bool,
    /// Their address.
    pub email: Email,
}

/// Why a contact is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "why")]
pub enum LeftOutReason {
    /// The contact has no e-mail address.
    NoEmail,
    /// Another operator's key contact, and this operator has not liaised with the owner (EMP-04).
    LiaiseFirst {
        /// The key account's owner.
        owner: OperatorId,
    },
    /// The same address is already a recipient: it gets one message, not two.
    SameAddress {
        /// The recipient who has the address.
        as_contact: String,
    },
}

/// A contact the message does not go to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// Their employer.
    pub employer: EmployerId,
    /// The employer's name.
    pub employer_name: String,
    /// The contact.
    pub contact: ContactId,
    /// Their name (with `*` for a key contact).
    pub contact_name: String,
    /// Why.
    pub reason: LeftOutReason,
}

/// A multi-owner employer being mailed: others may be in touch, so their recent notes are worth
/// reading first (EMP-05).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRecent {
    /// The employer.
    pub employer: EmployerId,
    /// Its name.
    pub employer_name: String,
    /// Engagement notes in the last [`liaison::RECENT_DAYS`] days.
    pub notes: usize,
}

/// Who a mailing goes to and who is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recipients {
    /// The recipients, by employer name then as the profile lists contacts.
    pub to: Vec<Recipient>,
    /// Those left out, with the reason.
    pub left_out: Vec<LeftOut>,
    /// Multi-owner employers among those mailed, with their recent notes.
    pub check_recent: Vec<CheckRecent>,
}

impl Recipients {
    /// How many employers get at least one message.
    pub fn employers(&self) -> usize {
        let mut ids: Vec<EmployerId> = self.to.iter().map(|r| r.employer).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    }
}

/// Chooses the recipients among `employers`' contacts for `operator` at `now`: contacts without
/// an e-mail are left out; another owner's key contacts are left out unless this operator
/// liaised with the owner (EMP-04, the same gate as logging contact); an address already
/// chosen is not chosen twice. Employers come by name, each employer's contacts key first.
pub fn choose_recipients(operator: OperatorId, employers: &[EmployerFacts<'_>], now: DateTime<Utc>) -> Recipients {
    let mut order: Vec<&EmployerFacts<'_>> = employers.iter().collect();
    order.sort_by(|a, b| {
        a.employer
            .name
            .cmp(&b.employer.name)
            .then(a.employer.id.cmp(&b.employer.id))
    });
    order.dedup_by_key(|f| f.employer.id);
    let mut out = Recipients::default();
    let mut taken: HashMap<String, String> = HashMap::new();
    for f in order {
        let e = f.employer;
        let mut contacts: Vec<&Contact> = f.contacts.iter().filter(|c| c.employer == e.id).collect();
        contacts.sort_by(|a, b| b.key_contact.cmp(&a.key_contact).then_with(|| a.name.cmp(&b.name)));
        let mut mailed = false;
        for c in contacts {
            let leave = |reason| LeftOut {
                employer: e.id,
                employer_name: e.name.clone(),
                contact: c.id,
                contact_name: c.display_name(),
                reason,
            };
            let Some(email) = &c.email else {
                out.left_out.push(leave(LeftOutReason::NoEmail));
                continue;
            };
            if let Gate::LiaiseFirst { owner } = liaison::decide(&e.ownership, operator, c.key_contact, f.notes, now) {
                out.left_out.push(leave(LeftOutReason::LiaiseFirst { owner }));
                continue;
            }
            let address = email.as_str().to_lowercase();
            if let Some(first) = taken.get(&address) {
                out.left_out.push(leave(LeftOutReason::SameAddress {
                    as_contact: first.clone(),
                }));
                continue;
            }
            taken.insert(address, format!("{} at {}", c.name, e.name));
            mailed = true;
            out.to.push(Recipient {
                employer: e.id,
                employer_name: e.name.clone(),
                contact: c.id,
                contact_name: c.name.clone(),
                key_contact: c.key_contact,
                email: email.clone(),
            });
        }
        if mailed {
            if let Gate::CheckRecent(notes) = liaison::decide(&e.ownership, operator, false, f.notes, now) {
                out.check_recent.push(CheckRecent {
                    employer: e.id,
                    employer_name: e.name.clone(),
                    notes: notes.len(),
                });
            }
        }
    }
    out
}

/// A planned mailing: the recipients and each one's own message, in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkPlan {
    /// Who it goes to and who is left out.
    pub recipients: Recipients,
    /// `messages[i]` goes to `recipients.to[i]`, and only to them.
    pub messages: Vec<PlannedMessage>,
}

/// Plans `letter` to `employers` for `operator` at `now`; refused when nobody is left to send to,
/// saying who was left out and why (`describe` words each one's reason).
pub fn plan(
    operator: OperatorId,
    letter: &Letter,
    employers: &[EmployerFacts<'_>],
    now: DateTime<Utc>,
    describe: impl Fn(&LeftOut) -> String,
) -> Result<BulkPlan, BulkMailError> {
    let recipients = choose_recipients(operator, employers, now);
    if recipients.to.is_empty() {
        let why = if recipients.left_out.is_empty() {
            "the employers chosen have no contacts".to_string()
        } else {
            let lines: Vec<String> = recipients
                .left_out
                .iter()
                .map(|l| format!("  {}, {}: {}", l.employer_name, l.contact_name, describe(l)))
                .collect();
            format!("every contact was left out:\n{}", lines.join("\n"))
        };
        return Err(BulkMailError::NoRecipients(why));
    }
    let messages = recipients.to.iter().map(|r| letter.compose(r, now)).collect();
    Ok(BulkPlan { recipients, messages })
}

/// `text` on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
