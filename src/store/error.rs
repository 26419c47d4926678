//! What can go wrong in the store, each with what to do about it. sled's own messages never
//! reach the user: its errors become one of these.

use std::path::PathBuf;

/// What the user should do about a damaged store.
pub(crate) const RESTORE_STEPS: &str = "restore the latest backup with `careerdesk store restore BACKUP` \
     (see docs/operations.md), or move the store folder away and start a new store";

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("the store at {path} could not be opened: {reason}")]
    Open {
        /// Where.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// There is no store yet.
    #[error("there is no careerdesk store at {path}; create one with `careerdesk init --policy FILE --admin LOGIN`")]
    NotInitialised {
        /// Where.
        path: PathBuf,
    },
    /// `init` on an existing store, or on a folder that holds store files.
    #[error("{path} already holds careerdesk data ({found}); nothing was changed. Use that store, or choose another --data-dir")]
    AlreadyInitialised {
        /// Where.
        path: PathBuf,
        /// What was found there.
        found: String,
    },
    /// A store file is missing or damaged: named, with the steps to recover.
    #[error("the store at {path} is damaged: {file} {problem}. Nothing was changed. To recover: {recovery}")]
    Damaged {
        /// The store's folder.
        path: PathBuf,
        /// The file (or folder) inside it.
        file: String,
        /// What is wrong with it.
        problem: String,
        /// What to do.
        recovery: String,
    },
    /// Part of the database file could not be read.
    #[error("part of the store's database file (`db`) could not be read{}: it is damaged there. \
             Run `careerdesk store check` to see what is affected; then {RESTORE_STEPS}",
            .at.map(|a| format!(" (near byte {a})")).unwrap_or_default())]
    Unreadable {
        /// Where in the file, when sled said.
        at: Option<u64>,
    },
    /// Wrong password or unknown login (deliberately not saying which).
    #[error("sign-in refused: unknown login or wrong password")]
    BadCredentials,
    /// A stored value could not be opened or decoded.
    #[error("damaged record in tree `{tree}` at key {key}: {reason}. Other records are unaffected; restore this one from a backup or another terminal")]
    Corrupt {
        /// Tree.
        tree: String,
        /// Key, as a record id or hex.
        key: String,
        /// What failed.
        reason: String,
    },
    /// A value sealed with the key of a client who was erased: by design it cannot be opened.
    #[error("the entry in `{tree}` at key {key} is about a client who was erased; it cannot be read")]
    Erased {
        /// Tree.
        tree: String,
        /// Key, as a record id or hex.
        key: String,
    },
    /// A uniqueness rule would be broken.
    #[error("{0}")]
    Conflict(String),
    /// A backup that may not hold commits up found the store changing at every try.
    #[error("the store kept changing while the backup was copied (the desk is busy); no backup was kept, and it is tried again later")]
    Busy,
    /// A value could not be encoded or sealed: nothing was written.
    #[error("could not store a {what}: {reason}; nothing was written")]
    Encode {
        /// What was being stored.
        what: String,
        /// Why.
        reason: String,
    },
    /// The storage engine failed: what it means for the user, with sled's error kept as the source.
    #[error("storage error: {message}")]
    Engine {
        /// What happened and what to do, in the user's words.
        message: String,
        /// sled's own error.
        #[source]
        source: sled::Error,
    },
    /// A lower-level storage failure.
    #[error("storage error: {0}")]
    Io(String),
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        let message = match &e {
            sled::Error::Corruption { at, .. } => {
                return StoreError::Unreadable {
                    at: at.map(|p| match p {
                        sled::DiskPtr::Inline(offset) | sled::DiskPtr::Blob(offset, _) => offset,
                    }),
                }
            }
            sled::Error::Io(io) => format!("{io}; check the disk and the store folder's permissions"),
            sled::Error::CollectionNotFound(_) => "a part of the store is missing".into(),
            sled::Error::Unsupported(what) | sled::Error::ReportableBug(what) => {
                format!("the storage engine refused an operation ({what})")
            }
        };
        StoreError::Engine { message, source: e }
    }
}

impl StoreError {
    /// Whether the error says the store's files are damaged (rather than, say, a bad password).
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StoreError::Damaged { .. } | StoreError::Unreadable { .. } | StoreError::Corrupt { .. }
        )
    }
}
