//! Appointment messages as the rules see them: which a booking produces and when ([`plan`]),
//! their text ([`compose`]), their calendar attachment ([`ics`]) and when a failed send is tried
//! again ([`retry`]). Pure: time is passed in, nothing is stored or sent; the `notify` module holds
//! the transports (APPT-09, DATA-12).

pub mod compose;
pub mod events;
pub mod ics;
pub mod plan;
pub mod retry;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::client::ContactPreferences;
use super::validate::{Email, Phone};

pub use plan::{plan_booking_messages, plan_cancellation};
pub use retry::{give_up, next_attempt_at, MAX_ATTEMPTS};

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    /// Sent when the appointment is booked.
    Confirmation,
    /// Sent before the appointment, for bookings made well ahead (APPT-09).
    Reminder,
    /// Sent when a booked appointment is cancelled; withdraws the calendar entry.
    Cancellation,
    /// Sent when a client on an event's waiting list is given a place (EVT-03).
    EventPlace,
    /// Sent by staff to those who booked an event but did not attend (EVT-03).
    EventFollowUp,
    /// Bulk mail to an employer contact promoting events (EVT-04); added last so stored
    /// messages keep their kind.
    EmployerMail,
}

impl MessageKind {
    /// The code used in file names, logs and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            MessageKind::Confirmation => "confirmation",
            MessageKind::Reminder => "reminder",
            MessageKind::Cancellation => "cancellation",
            MessageKind::EventPlace => "event-place",
            MessageKind::EventFollowUp => "event-follow-up",
            MessageKind::EmployerMail => "employer-mail",
        }
    }
}

/// How a message reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// An e-mail to the client's address.
    Email,
    /// A text message to the client's mobile number.
    Sms,
}

impl Channel {
    /// The code used in file names, logs and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// Whether the client's contact preferences allow a message on this channel now (DATA-12):
    /// an e-mail needs e-mail contact, a text phone contact.
    pub fn allowed_by(self, contact: &ContactPreferences) -> bool {
        match self {
            Channel::Email => contact.allows(super::client::ContactChannel::Email),
            Channel::Sms => contact.allows(super::client::ContactChannel::Phone),
        }
    }
}

/// The ways this terminal can send messages. E-mail always works (written as `.eml` files when
/// no SMTP server is set); text messages only when an SMS command is configured in notify.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Channels {
    /// Whether an SMS command is configured.
    pub sms: bool,
}

/// What the planner needs to know about a booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingFacts {
    /// The appointment's id; the calendar UID is derived from it.
    pub appointment_id: String,
    /// The client's name as it should appear in a greeting.
    pub client_name: String,
    /// The client's e-mail address, if any.
    pub email: Option<Email>,
    /// The client's phone number, if any.
    pub phone: Option<Phone>,
    /// How the client agreed to be contacted (DATA-12).
    pub contact: ContactPreferences,
    /// The appointment type's display name.
    pub type_name: String,
    /// The consultant's display name.
    pub consultant_name: String,
    /// The location's display name.
    pub location_name: String,
    /// Whether the location is a confidential setting (APPT-07).
    pub confidential: bool,
    /// Whether the appointment is held online (APPT-08).
    pub online: bool,
    /// When the appointment starts.
    pub start: DateTime<Utc>,
    /// Its length in minutes.
    pub minutes: u16,
    /// When it was booked.
    pub booked_at: DateTime<Utc>,
    /// The start already formatted in the institution's time zone, e.g. "Tue 24 Nov 2026 10:00".
    pub local_start: String,
    /// The careers service's name, used to sign messages.
    pub service_name: String,
}

impl BookingFacts {
    /// When the appointment ends.
    pub fn end(&self) -> DateTime<Utc> {
        crate::domain::appointment::end_of(self.start, self.minutes.into())
    }
}

/// A message to send at or after `due_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMessage {
    /// What the message is about.
    pub kind: MessageKind,
    /// How it is sent.
    pub channel: Channel,
    /// An e-mail address, or a phone number in international form (`+44...`).
    pub to: String,
    /// The subject line (e-mail only; empty for SMS).
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// An iCalendar attachment (RFC 5545), for e-mail.
    pub ics: Option<String>,
    /// The earliest time the message may be sent.
    pub due_at: DateTime<Utc>,
}
