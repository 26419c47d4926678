//! The sync server's own store: every op any desk pushed, in the order the server accepted
//! them (a dense server sequence), with each replica's high-water mark, the enrolled
//! terminals, one-time enrolment codes and the server's identity. Ops arrive sealed by the
//! desks; the server never opens them. A batch and its bookkeeping are one transaction.

use std::path::{Path, PathBuf};

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use sled::Tree;

use super::codec;
use super::{open_db, StoreError};
use crate::domain::ids::{DeviceId, TerminalId};
use crate::domain::sync::{PushRefusal, TerminalEntry};

/// Server sequence (8 bytes) -> the op.
const OPS: &str = "relay_ops";
/// Device (16) ++ device sequence (8) -> server sequence.
const BY_DEVICE: &str = "relay_by_device";
/// Device (16) -> [`ReplicaState`].
const REPLICAS: &str = "relay_replicas";
/// Terminal (16) -> [`TerminalEntry`].
const TERMINALS: &str = "relay_terminals";
/// Code hash (32) -> [`EnrolCode`].
const CODES: &str = "relay_codes";
/// Erased client (16) -> server sequence of the op that erased them: an absorbing tombstone.
const ERASED: &str = "relay_erased";
/// Client (16) ++ server sequence (8) -> nothing: the ops about each client.
const BY_SUBJECT: &str = "relay_by_subject";
/// Device (16) -> the terminal (16) whose store's current replica it is.
const CURRENT: &str = "relay_current";
const META: &str = "relay_meta";
const HEAD: &[u8] = b"head";
const SERVER_ID: &[u8] = b"server_id";
const EPOCH: &[u8] = b"epoch";
const TLS_CERT: &[u8] = b"tls_cert";
const TLS_KEY: &[u8] = b"tls_key";
const POLICY_TEXT: &[u8] = b"policy_text";
const INSTITUTION: &[u8] = b"institution_check";
const POLICY_VERSION: &[u8] = b"policy_version";
const FORMAT: u8 = 1;

/// The server's name and the life of its data: a restored server takes a new epoch, so desks
/// know to push again what it lacks and pull again from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayIdentity {
    /// Fixed for the server's life.
    pub server_id: u128,
    /// New at every restore.
    pub epoch: u128,
}

/// A certificate and its private key, DER.
pub type CertAndKey = (Vec<u8>, Vec<u8>);

/// What the server holds of one replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaState {
    /// The terminal that first pushed its ops.
    pub terminal: TerminalId,
    /// The sequence before its first op (0, or the old replica's last for a restored store).
    pub base: u64,
    /// Its newest op held.
    pub high_water: u64,
}

/// Which of a terminal's replicas a push is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushing {
    /// Its store's current replica, which only it may push.
    Current,
    /// A replica its store was copied from (a restore, a desk set up from another's backup).
    Older,
}

/// A one-time enrolment code, kept as its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EnrolCode {
    expires_ms: u64,
    used: bool,
}

/// Why the server refused something a terminal asked.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The store itself failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Unknown, used or expired code.
    #[error("the enrolment code is unknown, already used or expired; ask the server's administrator for a new one (`careerdesk server enrol-code`)")]
    BadCode,
    /// Unknown terminal or wrong secret.
    #[error("this terminal is not enrolled with the server (or its credential is wrong); enrol it again with `careerdesk enrol`")]
    UnknownTerminal,
    /// The terminal was revoked.
    #[error("this terminal's enrolment was revoked by the server's administrator")]
    Revoked,
    /// A push that does not follow on.
    #[error(transparent)]
    Push(#[from] PushRefusal),
    /// A desk whose store holds another institution's key.
    #[error("this desk's data belongs to another institution than the one this server serves (its data key differs); nothing was sent. A new desk of this institution is set up from the server with `careerdesk join`, on a data folder with no store")]
    OtherInstitution,
    /// A policy that does not read; nothing was changed.
    #[error("the policy was not taken: {0}")]
    BadPolicy(String),
    /// Key slots a hello may not carry; nothing was kept.
    #[error("the key slots were not taken: {0}")]
    BadSlots(String),
    /// A lease that cannot be given or handed back; nothing was changed.
    #[error("the lease was not changed: {0}")]
    BadLease(String),
    /// Booking claims a request may not carry; nothing was decided.
    #[error("the bookings were not decided: {0}")]
    BadClaims(String),
    /// A desk asked to join a server no desk of an institution has synced with yet.
    #[error("this server holds no institution yet: set up the first desk with `careerdesk init`, enrol it (`careerdesk enrol`) and sync it (`careerdesk sync`); then join other desks to it")]
    NoInstitution,
}

impl From<sled::Error> for RelayError {
    fn from(e: sled::Error) -> Self {
        RelayError::Store(e.into())
    }
}

/// The server's store.
pub struct RelayStore {
    db: sled::Db,
    path: PathBuf,
    ops: Tree,
    by_device: Tree,
    replicas: Tree,
    terminals: Tree,
    codes: Tree,
    erased: Tree,
    by_subject: Tree,
    current: Tree,
    key_slots: Tree,
    meta: Tree,
    /// One push at a time: an erasure and an op about the same client never pass each other.
    pushing: std::sync::Mutex<()>,
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    codec::encode_versioned(FORMAT, value).map_err(|e| StoreError::Io(e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(tree: &str, key: &[u8], raw: &[u8]) -> Result<T, StoreError> {
    super::decode_plain(tree, key, raw)
}

fn be_u64(raw: Option<sled::IVec>) -> u64 {
    raw.and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
        .map_or(0, u64::from_be_bytes)
}

fn random_u128() -> u128 {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    u128::from_be_bytes(b)
}

fn storage(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => e.into(),
    }
}

impl RelayStore {
    /// Opens (creating on first use) the server's store in `dir`.
    pub fn open(dir: &Path) -> Result<RelayStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let db = open_db(dir)?;
        let tree = |n: &str| db.open_tree(n);
        let store = RelayStore {
            ops: tree(OPS)?,
            by_device: tree(BY_DEVICE)?,
            replicas: tree(REPLICAS)?,
            terminals: tree(TERMINALS)?,
            codes: tree(CODES)?,
            erased: tree(ERASED)?,
            by_subject: tree(BY_SUBJECT)?,
            current: tree(CURRENT)?,
            key_slots: tree(slots::KEY_SLOTS)?,
            meta: tree(META)?,
            pushing: std::sync::Mutex::new(()),
            path: dir.to_path_buf(),
            db,
        };
        if store.meta.get(SERVER_ID)?.is_none() {
            store.meta.insert(SERVER_ID, &random_u128().to_be_bytes())?;
            store.meta.insert(EPOCH, &random_u128().to_be_bytes())?;
            store.db.flush()?;
        }
        // A roster founded before its time was kept counts from now (decision 0022, step 6).
        if !store.roster_is_empty()? {
            store.found_roster(chrono::Utc::now().timestamp_millis().max(0) as u64)?;
        }
        Ok(store)
    }

    /// The store's folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The server's id and epoch.
    pub fn identity(&self) -> Result<RelayIdentity, StoreError> {
        let read = |k: &[u8]| -> Result<u128, StoreError> {
            self.meta
                .get(k)?
                .and_then(|v| <[u8; 16]>::try_from(v.as_ref()).ok())
                .map(u128::from_be_bytes)
                .ok_or_else(|| StoreError::Corrupt {
                    tree: META.into(),
                    key: String::from_utf8_lossy(k).into(),
                    reason: "missing".into(),
                })
        };
        Ok(RelayIdentity {
            server_id: read(SERVER_ID)?,
            epoch: read(EPOCH)?,
        })
    }

    /// Gives the server a new epoch: done after it is restored from a backup, so every desk
    /// pushes again what it lacks.
    pub fn new_epoch(&self) -> Result<u128, StoreError> {
        let epoch = random_u128();
        self.meta.insert(EPOCH, &epoch.to_be_bytes())?;
        self.db.flush()?;
        Ok(epoch)
    }

    /// The TLS certificate and private key (DER) kept from the first start, if any.
    pub fn tls_identity(&self) -> Result<Option<CertAndKey>, StoreError> {
        Ok(match (self.meta.get(TLS_CERT)?, self.meta.get(TLS_KEY)?) {
            (Some(c), Some(k)) => Some((c.to_vec(), k.to_vec())),
            _ => None,
        })
    }

    /// Keeps the TLS certificate and private key (DER).
    pub fn set_tls_identity(&self, cert: &[u8], key: &[u8]) -> Result<(), StoreError> {
        self.meta.insert(TLS_CERT, cert)?;
        self.meta.insert(TLS_KEY, key)?;
        self.db.flush()?;
        Ok(())
    }

    /// Checks a desk's institution: the first desk's founds it; any other is refused.
    pub fn check_institution(&self, check: &[u8; 32]) -> Result<(), RelayError> {
        let founded = self
            .meta
            .compare_and_swap(INSTITUTION, None as Option<&[u8]>, Some(&check[..]))
            .map_err(StoreError::from)?;
        match founded {
            Ok(()) => {
                self.db.flush().map_err(StoreError::from)?;
                Ok(())
            }
            Err(held) if held.current.as_deref() == Some(&check[..]) => Ok(()),
            Err(_) => Err(RelayError::OtherInstitution),
        }
    }

    /// Keeps a new version of the institution's policy (already checked); returns its number.
    pub fn set_policy(&self, text: &str) -> Result<u32, StoreError> {
        let version = self.policy()?.map_or(0, |(v, _)| v) + 1;
        self.meta
            .transaction(|tx| {
                tx.insert(POLICY_TEXT, text.as_bytes())?;
                tx.insert(POLICY_VERSION, &version.to_be_bytes())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(storage)?;
        self.db.flush()?;
        Ok(version)
    }

    /// The institution's policy the server serves, with its version, if one was set.
    pub fn policy(&self) -> Result<Option<(u32, String)>, StoreError> {
        let version = self
            .meta
            .get(POLICY_VERSION)?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(u32::from_be_bytes);
        match (version, self.meta.get(POLICY_TEXT)?) {
            (Some(v), Some(t)) => Ok(Some((v, String::from_utf8_lossy(&t).into_owned()))),
            _ => Ok(None),
        }
    }

    /// The newest server sequence (0 before any op).
    pub fn head(&self) -> Result<u64, StoreError> {
        Ok(be_u64(self.meta.get(HEAD)?))
    }

    /// Makes a one-time enrolment code valid until `expires_ms`; only its hash is kept.
    pub fn issue_code(&self, expires_ms: u64) -> Result<String, StoreError> {
        let mut raw = [0u8; 10];
        rand::thread_rng().fill_bytes(&mut raw);
        // Ten bytes as base32 in groups: easy to read out and type.
        let text = ulid::Ulid(u128::from_be_bytes({
            let mut b = [0u8; 16];
            b[6..].copy_from_slice(&raw);
            b
        }))
        .to_string();
        let code = format!(
            "{}-{}-{}-{}",
            &text[10..14],
            &text[14..18],
            &text[18..22],
            &text[22..26]
        );
        let entry = EnrolCode {
            expires_ms,
            used: false,
        };
        self.codes.insert(code_hash(&code), encode(&entry)?)?;
        self.db.flush()?;
        Ok(code)
    }

    /// Whether `code` is a valid enrolment code now (unknown, used and expired ones are
    /// [`RelayError::BadCode`]); it is not spent.
    pub fn check_code(&self, code: &str, now_ms: u64) -> Result<(), RelayError> {
        let hash = code_hash(code);
        let Some(raw) = self.codes.get(hash).map_err(StoreError::from)? else {
            return Err(RelayError::BadCode);
        };
        let c: EnrolCode = decode(CODES, &hash, &raw)?;
        if c.used || c.expires_ms < now_ms {
            return Err(RelayError::BadCode);
        }
        Ok(())
    }

    /// Enrols a terminal with a one-time code: its id and secret (shown once, held only by
    /// the terminal). The code is spent in the same transaction.
    pub fn enrol(&self, code: &str, name: &str, now_ms: u64) -> Result<(TerminalId, [u8; 32]), RelayError> {
        let hash = code_hash(code);
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        let id = TerminalId::new_at(now_ms);
        let entry = TerminalEntry {
            id,
            name: name.to_string(),
            enrolled_ms: now_ms,
            last_sync_ms: None,
            revoked_ms: None,
            secret_hash: secret_hash(&secret),
            replicas: Vec::new(),
        };
        let value = encode(&entry)?;
        let result = (&self.codes, &self.terminals).transaction(|(codes, terminals)| {
            let Some(raw) = codes.get(hash)? else {
                return Err(ConflictableTransactionError::Abort(None));
            };
            let mut c: EnrolCode =
                decode(CODES, &hash, &raw).map_err(|e| ConflictableTransactionError::Abort(Some(e)))?;
            if c.used || c.expires_ms < now_ms {
                return Err(ConflictableTransactionError::Abort(None));
            }
            c.used = true;
            codes.insert(
                &hash,
                encode(&c).map_err(|e| ConflictableTransactionError::Abort(Some(e)))?,
            )?;
            terminals.insert(&id.0.to_be_bytes(), value.clone())?;
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(None)) => return Err(RelayError::BadCode),
            Err(TransactionError::Abort(Some(e))) => return Err(e.into()),
            Err(TransactionError::Storage(e)) => return Err(StoreError::from(e).into()),
        }
        self.db.flush().map_err(StoreError::from)?;
        Ok((id, secret))
    }

    /// The terminal whose credential this is, if enrolled and not revoked.
    pub fn authenticate(&self, id: TerminalId, secret: &[u8; 32]) -> Result<TerminalEntry, RelayError> {
        let entry = self.terminal(id)?.ok_or(RelayError::UnknownTerminal)?;
        // Compared as keyed hashes: equal-length digests, so timing says nothing useful.
        if entry.secret_hash != secret_hash(secret) {
            return Err(RelayError::UnknownTerminal);
        }
        if entry.revoked_ms.is_some() {
            return Err(RelayError::Revoked);
        }
        Ok(entry)
    }

    /// One terminal.
    pub fn terminal(&self, id: TerminalId) -> Result<Option<TerminalEntry>, StoreError> {
        let key = id.0.to_be_bytes();
        self.terminals
            .get(key)?
            .map(|raw| decode(TERMINALS, &key, &raw))
            .transpose()
    }

    /// Every enrolled terminal, in enrolment order.
    pub fn terminals(&self) -> Result<Vec<TerminalEntry>, StoreError> {
        self.terminals
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(TERMINALS, &k, &v)
            })
            .collect()
    }

    fn update_terminal(&self, id: TerminalId, change: impl Fn(&mut TerminalEntry)) -> Result<bool, StoreError> {
        let changed = self.change_terminal(id, change)?;
        if changed {
            self.db.flush()?;
        }
        Ok(changed)
    }

    /// Changes a terminal's entry without waiting for the disk (for what may be lost in a
    /// crash without harm: sled writes it within a second).
    fn change_terminal(&self, id: TerminalId, change: impl Fn(&mut TerminalEntry)) -> Result<bool, StoreError> {
        let key = id.0.to_be_bytes();
        let Some(mut entry) = self.terminal(id)? else {
            return Ok(false);
        };
        change(&mut entry);
        self.terminals.insert(key, encode(&entry)?)?;
        Ok(true)
    }

    /// Revokes a terminal: it is refused from its next frame on. False if unknown.
    pub fn revoke(&self, id: TerminalId, now_ms: u64) -> Result<bool, StoreError> {
        self.update_terminal(id, |t| {
            t.revoked_ms.get_or_insert(now_ms);
        })
    }

    /// Records a terminal's sync.
    /// Records a terminal's sync. Not flushed: a last-sync time lost in a crash is harmless,
    /// and a flush at every hello would cost every round a second fsync.
    pub fn note_sync(&self, id: TerminalId, now_ms: u64) -> Result<(), StoreError> {
        self.change_terminal(id, |t| t.last_sync_ms = Some(now_ms)).map(|_| ())
    }

    /// What the server holds of one replica.
    pub fn replica(&self, device: DeviceId) -> Result<Option<ReplicaState>, StoreError> {
        let key = device.0.to_be_bytes();
        self.replicas
            .get(key)?
            .map(|raw| decode(REPLICAS, &key, &raw))
            .transpose()
    }
}

/// A code's hash, with the case and separators a person may type folded away.
fn code_hash(code: &str) -> [u8; 32] {
    let folded: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    *blake3::keyed_hash(&[7u8; 32], folded.as_bytes()).as_bytes()
}

fn secret_hash(secret: &[u8; 32]) -> [u8; 32] {
    *blake3::keyed_hash(&[11u8; 32], secret).as_bytes()
}

mod backend;
mod claims;
mod ops;
mod places;
mod reinstate;
mod roster;
mod slots;

pub use backend::RelayBackend;
pub use claims::Decided;
pub use places::PlacesDecided;
pub use reinstate::Reinstated;
pub use roster::{RefusedOp, TerminalOps};
pub use slots::{Institution, KeySlotCopy, MAX_KEY_SLOTS, MAX_SLOT_AHEAD_MS, MAX_SLOT_BYTES, MAX_SLOT_LOGIN};
#[cfg(test)]
mod tests;
