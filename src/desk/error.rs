//! Errors from the service layer, each with the exit code the CLI gives it.

use crate::domain::ids::{AppointmentId, ClientId};
use crate::domain::rules::Decision;
use crate::domain::validate::FieldError;
use crate::policy::PolicyErrors;
use crate::store::StoreError;

use super::import::RowError;

/// Why a request to the desk did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The input was wrong: the message says which field and what to do.
    #[error("{0}")]
    Invalid(String),
    /// Several fields were wrong.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Fields(Vec<FieldError>),
    /// The policy refused it: every rule that did, with its clause, figures and the first date
    /// it would allow.
    #[error("refused by policy: {}", .0.explain())]
    Refused(Decision),
    /// The event clashes with others on the combined calendar (EVT-01): each, and why. Give a
    /// reason to go ahead.
    #[error(
        "refused by policy: the event clashes with {} event(s) on the calendar:\n{}\nMove it, or give a reason to go ahead (--despite-clash REASON)",
        .0.len(),
        .0.iter().map(|c| format!("  {}", c.text)).collect::<Vec<_>>().join("\n")
    )]
    Clashes(Vec<super::clash_text::ClashReport>),
    /// The liaison gate refused it: the key account's owner must be liaised with first (EMP-04).
    #[error("refused by policy: EMP-04: {message}")]
    LiaiseFirst {
        /// The owner's login.
        owner: String,
        /// What to say, naming the owner and the command to record the liaison.
        message: String,
    },
    /// A note's access level refused it (SEC-04): a read above the reader's level without a
    /// break-glass reason, or a level looser than the setting allows. The message says how.
    #[error("refused by policy: {0}")]
    NoteLevel(String),
    /// An escalation out of order (CMP-02): stages go director, committee, university.
    #[error("refused by policy: CMP-02: {0}")]
    Escalation(crate::domain::complaint::EscalationRefused),
    /// The operator may not do it.
    #[error("permission denied: {0}")]
    Denied(String),
    /// A client with that student number is already in the store: here is who.
    #[error(
        "a client with student number {student_number} already exists ({name}); use `client show {student_number}`"
    )]
    ClientExists {
        /// The existing client.
        existing: ClientId,
        /// Their student number.
        student_number: crate::domain::validate::StudentNumber,
        /// Their name, so the person at the desk can tell it is the same student.
        name: String,
    },
    /// The same client is already booked into that slot.
    #[error("{message}")]
    AlreadyBooked {
        /// The booking they hold.
        booking: AppointmentId,
        /// What to say.
        message: String,
    },
    /// The policy file is wrong.
    #[error("{0}")]
    Policy(#[from] PolicyErrors),
    /// An import had bad rows and nothing was imported.
    #[error("nothing was imported: {} bad row(s):\n{}\nFix these rows, or pass --skip-bad to import the good rows only", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    BadRows(Vec<RowError>),
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", .path.display())]
    File {
        /// What was being done: open, read, write, create.
        action: &'static str,
        /// Which file or folder.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The terminal could not be used.
    #[error("terminal error: {0}")]
    Terminal(String),
    /// A check found damage; the message says what and what to do.
    #[error("{0}")]
    Damaged(String),
    /// careerdesk stopped on an unexpected internal failure (logged); nothing was half-saved.
    #[error("careerdesk stopped unexpectedly ({0}); the log has the details. Changes are saved whole or not at all")]
    Stopped(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sync did not finish; what it had stored is kept.
    #[error(transparent)]
    Sync(crate::sync::SyncError),
}

impl From<crate::sync::SyncError> for DeskError {
    fn from(e: crate::sync::SyncError) -> Self {
        match e {
            crate::sync::SyncError::Store(s) => DeskError::Store(s),
            other => DeskError::Sync(other),
        }
    }
}

impl From<FieldError> for DeskError {
    fn from(e: FieldError) -> Self {
        DeskError::Fields(vec![e])
    }
}

impl DeskError {
    /// A file error, for `map_err`: `.map_err(DeskError::file("open", &path))`.
    pub fn file(action: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> DeskError {
        let path = path.to_path_buf();
        move |source| DeskError::File { action, path, source }
    }

    /// The process exit code: 2 bad input, 3 refused by policy, 4 permission denied, 1 other.
    pub fn exit_code(&self) -> i32 {
        match self {
            DeskError::Invalid(_)
            | DeskError::Fields(_)
            | DeskError::Policy(_)
            | DeskError::BadRows(_)
            | DeskError::ClientExists { .. }
            | DeskError::AlreadyBooked { .. }
            | DeskError::File { .. } => 2,
            DeskError::Refused(_)
            | DeskError::Clashes(_)
            | DeskError::LiaiseFirst { .. }
            | DeskError::NoteLevel(_)
            | DeskError::Escalation(_) => 3,
            DeskError::Denied(_) => 4,
            DeskError::Store(StoreError::BadCredentials) => 4,
            DeskError::Store(
                StoreError::Conflict(_) | StoreError::NotInitialised { .. } | StoreError::AlreadyInitialised { .. },
            ) => 2,
            DeskError::Store(_) | DeskError::Terminal(_) | DeskError::Damaged(_) | DeskError::Stopped(_) => 1,
            DeskError::Sync(crate::sync::SyncError::NotEnrolled) => 2,
            DeskError::Sync(crate::sync::SyncError::Refused { .. } | crate::sync::SyncError::WrongServer { .. }) => 4,
            // Unreachable, broken off or timed out: worth trying again later.
            DeskError::Sync(_) => 5,
        }
    }
}
