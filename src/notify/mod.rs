//! Sending appointment messages: the transports ([`transport`], configured by [`config`]).
//! Which messages a booking produces, their text and their retry timing are pure and live in
//! [`crate::domain::messages`]; the caller keeps the outbox (the [`PlannedMessage`]s, their
//! attempts and outcomes) and hands each due message to a [`Transport`] (APPT-09, DATA-12).
#![warn(missing_docs)]

pub mod config;
pub mod transport;

pub use crate::domain::messages::{
    compose, give_up, ics, next_attempt_at, plan, plan_booking_messages, plan_cancellation, retry, BookingFacts,
    Channel, Channels, MessageKind, PlannedMessage, MAX_ATTEMPTS,
};
pub use config::{EmailConfig, EmailTransport, NotifyConfig, NotifyConfigError, SmsConfig, SmtpConfig};
pub use transport::{EmlDir, Security, SetupError, SmsCommand, Smtp, SmtpSettings, Transports};

/// The folder, under the data directory, where the `.eml` transport writes messages.
pub const OUTBOX_DIR: &str = "outbox";

/// Why a message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Retrying will not help (bad address, refused by the server, wrong transport).
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// Worth retrying later (server busy, command failed).
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// The server could not be reached or did not answer in time: worth retrying later, and
    /// not worth trying again for other messages in the same run.
    #[error("temporary failure, server unreachable: {0}")]
    Unreachable(String),
}

impl SendError {
    /// Whether the send should be retried (see [`retry`]).
    pub fn is_temporary(&self) -> bool {
        matches!(self, SendError::Temporary(_) | SendError::Unreachable(_))
    }

    /// Whether the transport itself is out of reach (connect failure, time-out).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SendError::Unreachable(_))
    }
}

/// Something that delivers planned messages.
pub trait Transport {
    /// Sends `msg` with `from` as the sender (`Name <address>` for e-mail).
    fn send(&self, msg: &PlannedMessage, from: &str) -> Result<(), SendError>;
    /// A short name for logs, e.g. `eml`, `smtp`, `sms-command`.
    fn name(&self) -> &'static str;
}
