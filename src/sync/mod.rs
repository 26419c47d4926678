//! Sync between desks and a central server (`careerdesk serve`): the protocol's frames and
//! messages, TLS with a pinned server identity, the server's connection loop and the desk's
//! side of a sync. See `docs/protocol.md`.

pub mod client;
pub mod decisions;
pub mod frame;
pub mod message;
pub mod server;
pub mod tls;

/// What can go wrong in a sync, each with what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached.
    #[error("could not reach the sync server at {addr}: {reason}. Check the address and the network; the desk keeps working and syncs later")]
    Unreachable {
        /// Where.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The server's TLS identity is not the one pinned at enrolment.
    #[error("the server at {addr} is not the one this desk was enrolled with (its identity's fingerprint differs); nothing was sent. If the server was really replaced, enrol again with its new fingerprint")]
    WrongServer {
        /// Where.
        addr: String,
    },
    /// The connection failed part way.
    #[error("the connection to the sync server broke: {0}. Nothing is lost: the next sync carries on from where this one stopped")]
    Broken(String),
    /// A frame could not be read or made.
    #[error(transparent)]
    Frame(#[from] frame::FrameError),
    /// The other side refused.
    #[error("the sync server refused: {message}")]
    Refused {
        /// The kind of refusal.
        code: message::ErrorCode,
        /// What it said.
        message: String,
        /// When to try again, if it said.
        retry_after_ms: Option<u64>,
    },
    /// The other side sent something out of turn.
    #[error("the sync server sent something unexpected ({0}); nothing was changed")]
    Protocol(String),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The desk is not enrolled.
    #[error("this desk is not enrolled with a sync server; an administrator enrols it with `careerdesk enrol --server HOST:PORT --code CODE --fingerprint FP`")]
    NotEnrolled,
    /// The desk follows another server.
    #[error("the server at {addr} is not the server this desk follows (another server id); nothing was changed. Enrol the desk again to move it")]
    OtherServer {
        /// Where.
        addr: String,
    },
    /// Waited too long.
    #[error("the sync server did not answer in time; the next sync tries again")]
    TimedOut,
}
