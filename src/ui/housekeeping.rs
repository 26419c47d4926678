//! The screen's own upkeep state: the automatic backups, as the status bar shows them.

use chrono::{DateTime, Utc};

use crate::paths::Paths;

/// The automatic backups as the screen keeps them.
pub(crate) struct Backups {
    pub(crate) paths: Paths,
    /// A run is under way.
    pub(crate) running: bool,
    /// When to ask again, by the desk's clock.
    pub(crate) next_at: DateTime<Utc>,
    /// What the status bar says of the last run.
    pub(crate) state: BackupState,
}

/// What the last automatic backup run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BackupState {
    /// None has run yet in this session.
    Unknown,
    /// Today's backup exists (made now or earlier).
    Done,
    /// The policy turns them off.
    Off,
    /// It failed; the notice said why.
    Failed,
    /// The desk was too busy to copy the store without making bookings wait: tried again when
    /// the next background job ends, else within the hour.
    Waiting,
}

impl BackupState {
    pub(crate) fn word(&self, running: bool) -> &'static str {
        match (running, self) {
            (true, _) => "running",
            (false, BackupState::Unknown) => "-",
            (false, BackupState::Done) => "today's made",
            (false, BackupState::Off) => "off",
            (false, BackupState::Failed) => "failed",
            (false, BackupState::Waiting) => "waiting for a quiet moment",
        }
    }
}
