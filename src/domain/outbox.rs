//! Outbox entries: planned confirmations and reminders with their delivery state (APPT-09).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{AppointmentId, ClientId, MessageId};
use super::messages::PlannedMessage;

/// Where a message stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Not sent yet: due at `next_at` (first `due_at`, later the retry time).
    Pending {
        /// Attempts made.
        attempts: u32,
        /// When to try next.
        #[serde(with = "chrono::serde::ts_milliseconds")]
        next_at: DateTime<Utc>,
        /// The last failure, if any.
        last_error: Option<String>,
    },
    /// Delivered to the transport.
    Sent {
        /// When.
        #[serde(with = "chrono::serde::ts_milliseconds")]
        at: DateTime<Utc>,
    },
    /// Given up: shown to staff until dealt with.
    Failed {
        /// Attempts made.
        attempts: u32,
        /// Why.
        error: String,
    },
    /// No longer wanted (the booking was cancelled before it went).
    Withdrawn,
}

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Record id.
    pub id: MessageId,
    /// The appointment it is about.
    pub appointment: Option<AppointmentId>,
    /// What to send, to whom, when.
    pub message: PlannedMessage,
    /// Delivery state.
    pub state: Delivery,
    /// The client it goes to, if it goes to one: it is sealed with their key (DATA-05).
    pub client: Option<ClientId>,
}

impl OutboxEntry {
    /// A new message waiting to go at its due time, with no attempts made.
    pub fn pending(
        id: MessageId,
        appointment: Option<AppointmentId>,
        client: Option<ClientId>,
        message: PlannedMessage,
    ) -> Self {
        OutboxEntry {
            id,
            appointment,
            state: Delivery::Pending {
                attempts: 0,
                next_at: message.due_at,
                last_error: None,
            },
            message,
            client,
        }
    }
}
