//! Sync from the desk's side: enrolling this terminal with a server (administrators), one
//! sync now (any operator: the ops it carries were each made, and are each checked, as their
//! own operator), and where sync stands for the status bar and `careerdesk sync --status`.

use serde::{Deserialize, Serialize};

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::ids::TerminalId;
use crate::store::codec;
use crate::store::{Store, WriteSet};
use crate::sync::client::{self, Credentials, Endpoint, SyncProgress, SyncReport};
use crate::sync::tls::{self, Fingerprint};
use crate::sync::SyncError;

/// The sealed setting holding this terminal's enrolment.
const ENROLMENT: &str = "sync_enrolment";

/// This terminal's enrolment, kept sealed with the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Enrolment {
    addr: String,
    fingerprint: Fingerprint,
    terminal: TerminalId,
    secret: [u8; 32],
    server_id: u128,
}

/// What enrolling gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolled {
    /// The server.
    pub server: String,
    /// This terminal's id there.
    pub terminal: TerminalId,
}

/// Where this desk's sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The server, when enrolled.
    pub server: Option<String>,
    /// This terminal's id there.
    pub terminal: Option<TerminalId>,
    /// The newest server sequence pulled.
    pub cursor: u64,
    /// Ops of other desks held.
    pub remote_ops: u64,
    /// This desk's own ops.
    pub own_ops: u64,
    /// Other desks' ops taken and not merged yet.
    pub to_merge: u64,
    /// Other desks' ops in the conflicts queue.
    pub conflicts: u64,
    /// This desk's bookings the server gave away, waiting to be rebooked (also listed there).
    pub to_rebook: u64,
    /// This desk's event bookings that lost their place at the server, for the client to be
    /// told.
    pub places_lost: u64,
}

/// How a person settles a waiting conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Settling {
    /// Another desk's change: settle what stopped it, then merge it again (`--retry`).
    MergeAgain,
    /// A change made here that the sync server refused: have it done again by someone whose
    /// role allows it, then dismiss it (`--dismiss`).
    Dismiss,
    /// A booking that lost its slot: move it into a free one, or cancel it (`rebook`).
    Rebook,
    /// An event booking that lost its place: tell the client (`--told`).
    TellClient,
}

/// An op of another desk waiting in the conflicts queue, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictView {
    /// The desk (device) that made it.
    pub device: String,
    /// Its sequence there.
    pub seq: u64,
    /// The kind of record.
    pub kind: &'static str,
    /// The record's id.
    pub record: String,
    /// What is wrong and what to do.
    pub what: String,
    /// When it was put aside here.
    pub at: chrono::DateTime<chrono::Utc>,
    /// How a person settles it.
    pub settle: Settling,
}

/// Runs one future to completion on a runtime of its own (the CLI and the screen's jobs call
/// sync from plain threads).
pub(super) fn block_on<T>(f: impl std::future::Future<Output = Result<T, SyncError>>) -> Result<T, DeskError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DeskError::Invalid(format!("sync could not start: {e}")))?;
    rt.block_on(f).map_err(DeskError::from)
}

/// The server to enrol or join with, its address and fingerprint checked.
fn endpoint(addr: &str, fingerprint: &str) -> Result<Endpoint, DeskError> {
    let fingerprint =
        tls::parse_fingerprint(fingerprint).map_err(|m| crate::domain::validate::FieldError::new("fingerprint", m))?;
    let addr = addr.trim();
    if addr.is_empty() || !addr.contains(':') {
        return Err(crate::domain::validate::FieldError::new("server", "give the server as HOST:PORT").into());
    }
    Ok(Endpoint {
        addr: addr.to_string(),
        fingerprint,
    })
}

/// A terminal's name, checked: a place, never a person.
fn terminal_name(name: &str) -> Result<&str, DeskError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(crate::domain::validate::FieldError::new(
            "name",
            "give the terminal a name of 1 to 80 characters (a place, such as \"Main desk 2\")",
        )
        .into());
    }
    Ok(name)
}

impl Desk {
    fn enrolment(&self) -> Result<Option<Enrolment>, DeskError> {
        match self.store.setting(ENROLMENT)? {
            None => Ok(None),
            Some(raw) => codec::decode_body(&raw).map(Some).map_err(|e| {
                DeskError::Damaged(format!(
                    "this desk's sync enrolment does not read ({e}); enrol it again"
                ))
            }),
        }
    }

    /// Enrols this terminal with the server at `addr`, whose certificate must have
    /// `fingerprint`, using a one-time `code` (administrators). Audited.
    pub fn enrol(&self, addr: &str, fingerprint: &str, code: &str, name: &str) -> Result<Enrolled, DeskError> {
        self.require(Permission::MaintainStore)?;
        let endpoint = endpoint(addr, fingerprint)?;
        let name = terminal_name(name)?;
        let fingerprint = endpoint.fingerprint;
        let (terminal, secret, server_id) = block_on(client::enrol(&endpoint, code.trim(), name))?;
        let enrolment = Enrolment {
            addr: endpoint.addr.clone(),
            fingerprint,
            terminal,
            secret,
            server_id,
        };
        let encoded = codec::encode_body(&enrolment).map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.store.set_setting(ENROLMENT, Some(&encoded))?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "enrolled with the sync server at {} as terminal {terminal}",
                endpoint.addr
            ),
        ));
        self.commit(ws)?;
        Ok(Enrolled {
            server: endpoint.addr,
            terminal,
        })
    }

    /// Whether this desk is enrolled with a sync server.
    pub(super) fn is_enrolled(&self) -> Result<bool, DeskError> {
        Ok(self.enrolment()?.is_some())
    }

    /// How this desk reaches its server; refused when it is not enrolled.
    pub(super) fn credentials(&self) -> Result<Credentials, DeskError> {
        let e = self.enrolment()?.ok_or(DeskError::from(SyncError::NotEnrolled))?;
        Ok(Credentials {
            endpoint: Endpoint {
                addr: e.addr,
                fingerprint: e.fingerprint,
            },
            terminal: e.terminal,
            secret: e.secret,
        })
    }

    /// Syncs with the server once: pushes what it lacks, pulls what other desks made.
    pub fn sync_now(&self, progress: SyncProgress<'_>) -> Result<SyncReport, DeskError> {
        self.require(Permission::Sync)?;
        let creds = self.credentials()?;
        self.store.prepare_merging()?;
        let mut report = self.sync_round(&creds, progress)?;
        // A server restored from an older backup forgot the slots and places it gave since:
        // they are given back before anything new is claimed.
        report.reinstated = self.reinstate_if_due(&creds, report.server_restored)?;
        // Then the bookings the server decides: its answers are written here and sent at once
        // (a second round), so the other desks learn of them at their next sync.
        let (claims, releases) = self.booking_requests()?;
        if !claims.is_empty() || !releases.is_empty() {
            let decided = block_on(client::settle_bookings(&self.store, &creds, claims, releases))?;
            report.bookings = self.take_booking_answers(decided)?;
        }
        // And the event places it gave (decision 0023), in the same way.
        let (claims, releases) = self.place_requests()?;
        if !claims.is_empty() || !releases.is_empty() {
            let decided = block_on(client::settle_places(&self.store, &creds, claims, releases))?;
            report.places = self.take_place_answers(decided)?;
        }
        // What this desk wrote in answer to what it learnt (the server's answers, erasures
        // carried out, slots set right) goes at once too.
        {
            if report.bookings.wrote()
                || report.places.wrote()
                || report.erasures_applied > 0
                || report.slots_repaired > 0
            {
                let again = self.sync_round(&creds, progress)?;
                report.pushed += again.pushed;
                report.pulled += again.pulled;
                report.new += again.new;
                report.cursor = again.cursor;
                report.erasures_applied += again.erasures_applied;
                report.erased_here.0.extend(again.erased_here.0);
                report.policy_taken = again.policy_taken.or(report.policy_taken);
                report.merged += again.merged;
                report.records_changed += again.records_changed;
                report.new_conflicts += again.new_conflicts;
                report.conflicts = again.conflicts;
                report.changed_clients.0.extend(again.changed_clients.0);
                report.slots_repaired += again.slots_repaired;
            }
        }
        report.to_rebook = self.bookings_to_rebook()?.len() as u64;
        report.places_lost = self.place_views()?.len() as u64;
        Ok(report)
    }

    /// One round: push and pull, take a newer policy, carry out erasures, merge.
    fn sync_round(&self, creds: &Credentials, progress: SyncProgress<'_>) -> Result<SyncReport, DeskError> {
        let mut report = block_on(client::sync_once(&self.store, creds, progress))?;
        if let Some((version, text)) = report.policy.take() {
            self.take_policy(version, &text)?;
            report.policy_taken = Some(version);
        }
        // Every tombstone, not only this sync's: an erasure stopped part way here is finished.
        let erased = self.store.erased_remotely_all()?;
        let here = self.apply_erasures(&erased)?;
        report.erasures_applied = here.len() as u64;
        report.erased_here = crate::domain::sync::ErasedClients(here.ids().iter().map(|c| c.0).collect());
        // Then every op taken and not merged yet, this sync's and any a stop left behind
        // (erasures first: an erased client's records go with their keys and backups, as
        // erasure does, and the erasing op's own removals then find nothing left to merge).
        let merged = self
            .store
            .apply_remote(self.now(), &|done, of| progress("merging", done, of))?;
        report.merged = merged.ops;
        report.records_changed = merged.records;
        report.new_conflicts = merged.conflicts;
        report.conflicts = self.store.sync_conflict_count()?;
        report.changed_clients = crate::domain::sync::ChangedClients(merged.clients);
        report.slots_repaired = self.repair_slot_holders(&merged.bookings)?;
        self.merge_settled_conflicts(Some(&merged.bookings))?;
        report.conflicts = self.store.sync_conflict_count()?;
        Ok(report)
    }

    /// Puts a policy version from the server in place of this desk's policy file, after the
    /// same checks the file gets at start-up; the file it replaces is kept beside it. It
    /// applies from the next sign-in. Audited.
    fn take_policy(&self, version: u32, text: &str) -> Result<(), DeskError> {
        let source = format!("policy version {version} from the sync server");
        crate::policy::Policy::parse(text, &source)?;
        let paths = crate::paths::Paths::resolve(self.store.path().parent());
        let file = paths.policy();
        let io = |e: std::io::Error| DeskError::Invalid(format!("cannot write {}: {e}", file.display()));
        if file.exists() {
            let kept = crate::store::beside(&file, &format!("before-v{version}"));
            std::fs::copy(&file, &kept).map_err(io)?;
        }
        let staging = crate::store::beside(&file, "arriving");
        std::fs::write(&staging, text).map_err(io)?;
        std::fs::rename(&staging, &file).map_err(io)?;
        self.store.set_policy_version(version)?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!("the institution's policy version {version} came from the sync server"),
        ));
        self.commit(ws)?;
        Ok(())
    }

    /// Erases here the clients another desk erased (DATA-05): their records, their keys here
    /// and in this desk's backups. The supervisor's decision was made, checked and audited
    /// where they made it; this desk records that it carried it out. Returns those it held.
    fn apply_erasures(&self, erased: &[u128]) -> Result<super::erasure::ErasedIds, DeskError> {
        // The data folder is the store's parent (`Paths::store`), where its backups are.
        let paths = crate::paths::Paths::resolve(self.store.path().parent());
        let mut clients = Vec::new();
        for &id in erased {
            match self.store.get::<crate::domain::client::Client>(id)? {
                Some(c) => clients.push(c),
                // Not held as a record, but their key came with an op: destroy it, here and
                // in the backups made since.
                None if self.store.holds_subject_key(id) => {
                    let slots = self.store.destroy_subject_keys(id)?;
                    super::erasure::reach_backups(&paths, &[(id, slots)])?;
                }
                None => {}
            }
        }
        if clients.is_empty() {
            return Ok(Default::default());
        }
        let done = self.erase_each(&paths, clients, "erased on another desk; carried out here at sync")?;
        Ok(done.erased)
    }

    /// Whether this desk syncs, so its bookings are provisional until the server decides.
    pub(crate) fn sync_enrolled_here(&self) -> Result<bool, DeskError> {
        Ok(self.enrolment()?.is_some())
    }

    /// Whether this terminal is enrolled with a sync server: one setting read, cheap enough for
    /// the screen thread (the desk screen asks at sign-in whether to run its sync task).
    pub fn sync_enrolled(&self) -> Result<bool, DeskError> {
        self.require(Permission::Sync)?;
        Ok(self.enrolment()?.is_some())
    }

    /// Other desks' ops that could not be merged here, oldest first.
    pub fn sync_conflicts(&self) -> Result<Vec<ConflictView>, DeskError> {
        self.require(Permission::Sync)?;
        let mut list: Vec<ConflictView> = self
            .store
            .sync_conflicts()?
            .into_iter()
            .map(|c| ConflictView {
                device: format!("{:032x}", c.device.0),
                seq: c.seq,
                kind: c.record.kind.tree(),
                record: format!("{:032x}", c.record.id),
                what: c.describe(),
                at: c.at,
                settle: if c.reason.is_dismissed_only() {
                    Settling::Dismiss
                } else {
                    Settling::MergeAgain
                },
            })
            .collect();
        list.extend(self.rebooking_views()?);
        list.extend(self.place_views()?);
        list.sort_by_key(|c| c.at);
        Ok(list)
    }

    /// Where this desk's sync stands.
    pub fn sync_status(&self) -> Result<SyncStatus, DeskError> {
        self.require(Permission::Sync)?;
        let e = self.enrolment()?;
        let position = self.store.sync_position()?;
        Ok(SyncStatus {
            server: e.as_ref().map(|e| e.addr.clone()),
            terminal: e.map(|e| e.terminal),
            cursor: position.cursor,
            remote_ops: self.store.remote_op_count()?,
            own_ops: self.store.op_seq()?,
            to_merge: self.store.ops_to_merge()?,
            conflicts: self.store.sync_conflict_count()?,
            to_rebook: self.bookings_to_rebook()?.len() as u64,
            places_lost: self.place_views()?.len() as u64,
        })
    }
}

/// What a desk joining its institution gives: the server, its one-time code, and an existing
/// operator's login and password (those they sign in with on the first desk).
#[derive(Debug, Clone, Copy)]
pub struct JoinRequest<'a> {
    /// The server, `HOST:PORT`.
    pub server: &'a str,
    /// Its certificate's fingerprint, pinned from now on.
    pub fingerprint: &'a str,
    /// The one-time enrolment code an administrator made (`careerdesk server enrol-code`).
    pub code: &'a str,
    /// A name for this terminal (a place, never a person).
    pub name: &'a str,
    /// An operator of the institution.
    pub login: &'a str,
    /// Their password.
    pub password: &'a str,
}

/// What joining did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Joined {
    /// The server.
    pub server: String,
    /// This terminal's id there.
    pub terminal: TerminalId,
    /// The operators' key slots the store was made with.
    pub key_slots: usize,
    /// The version of the institution's policy taken from the server (none: the one given).
    pub policy_version: Option<u32>,
    /// The first sync.
    pub sync: SyncReport,
}

/// Why joining stopped after the store was made: it is taken away again, and this says so.
fn undone(paths: &crate::paths::Paths, store: Store, policy_written: bool, e: DeskError) -> DeskError {
    drop(store);
    let _ = std::fs::remove_dir_all(paths.store());
    if policy_written {
        let _ = std::fs::remove_file(paths.policy());
    }
    e
}

/// Sets up a new desk of the institution the server serves, in the data folder `paths`,
/// which must hold no store (decision 0020, step 2). In order, each refusal leaving nothing:
/// - the server's institution is fetched with the one-time code (which is checked, not
///   spent), the server's certificate pinned to `fingerprint`; a server no desk has synced
///   with yet holds no institution, and is refused;
/// - the operator's slot among the institution's key slots must open with their password,
///   and its key becomes the new store's institution key (a device id of its own);
/// - the terminal enrols, spending the code; the institution's policy is written (the
///   server's, else `own_policy`: text and where it came from);
/// - the first sync pulls everything the server holds, telling `progress`.
///
/// If anything fails once the store is made, it is taken away again, so the folder is as it
/// was and `join` can be run again (with a new code once the code was spent). The operator
/// then signs in on this desk with their own login and password.
pub fn join(
    paths: &crate::paths::Paths,
    req: JoinRequest<'_>,
    own_policy: Option<(&str, &str)>,
    progress: SyncProgress<'_>,
) -> Result<Joined, DeskError> {
    let endpoint = endpoint(req.server, req.fingerprint)?;
    let name = terminal_name(req.name)?;
    super::refuse_existing_data(&paths.store())?;
    // As sign-in takes it.
    let login = req.login.trim().to_ascii_lowercase();
    let code = req.code.trim();
    let found = block_on(client::institution(&endpoint, code))?;
    let (policy_text, policy_version) = match (&found.policy, own_policy) {
        (Some((version, text)), _) => {
            let source = format!("policy version {version} from the sync server");
            crate::policy::Policy::parse(text, &source)?;
            (text.clone(), Some(*version))
        }
        (None, Some((text, source))) => {
            crate::policy::Policy::parse(text, source)?;
            (text.to_string(), None)
        }
        (None, None) => {
            return Err(crate::domain::validate::FieldError::new(
                "policy",
                "the server serves no policy yet: give this desk the institution's policy file with --policy FILE \
                 (the first desk's), or serve it first with `careerdesk server policy FILE` on the server",
            )
            .into())
        }
    };
    std::fs::create_dir_all(&paths.data).map_err(DeskError::file("create", &paths.data))?;
    let store =
        match crate::store::LockedStore::join(&paths.store(), &found.key_slots, &found.check, &login, req.password) {
            Ok(s) => s,
            Err(crate::store::StoreError::BadCredentials) => {
                return Err(DeskError::Invalid(format!(
                    "wrong login or password: no operator {} of the institution signs in with that password; \
                 nothing was made, and the code is not spent. Use the login and password you sign in with on \
                 the first desk",
                    crate::store::recordable_login(&login)
                )))
            }
            Err(e) => return Err(e.into()),
        };
    let (terminal, secret, server_id) = match block_on(client::enrol(&endpoint, code, name)) {
        Ok(t) => t,
        Err(e) => return Err(undone(paths, store, false, e)),
    };
    let enrolment = Enrolment {
        addr: endpoint.addr.clone(),
        fingerprint: endpoint.fingerprint,
        terminal,
        secret,
        server_id,
    };
    let keep = || -> Result<(), DeskError> {
        let encoded = codec::encode_body(&enrolment).map_err(|e| DeskError::Invalid(e.to_string()))?;
        store.set_setting(ENROLMENT, Some(&encoded))?;
        let file = paths.policy();
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, policy_text.as_bytes()))
            .map_err(DeskError::file("write", &file))?;
        Ok(())
    };
    if let Err(e) = keep() {
        return Err(undone(paths, store, paths.policy().exists(), e));
    }
    let finish = || -> Result<SyncReport, DeskError> {
        if let Some(v) = policy_version {
            store.set_policy_version(v)?;
        }
        let now = chrono::Utc::now();
        let mut ws = WriteSet::new();
        let mut entry = super::audit_entry(
            now,
            None,
            AuditAction::Maintenance,
            None,
            format!(
                "desk joined its institution through the sync server at {} as terminal {terminal}",
                endpoint.addr
            ),
        );
        entry.login = Some(crate::store::recordable_login(&login));
        ws.audit_kept(entry);
        store.commit(crate::domain::ids::OperatorId(0), ws, now)?;
        let creds = Credentials {
            endpoint: endpoint.clone(),
            terminal,
            secret,
        };
        store.prepare_merging()?;
        let mut report = block_on(client::sync_once(&store, &creds, progress))?;
        // Everything pulled becomes this desk's records (the operators who sign in here too).
        let merged = store.apply_remote(chrono::Utc::now(), &|done, of| progress("merging", done, of))?;
        report.merged = merged.ops;
        report.records_changed = merged.records;
        report.new_conflicts = merged.conflicts;
        report.conflicts = merged.conflicts;
        Ok(report)
    };
    match finish() {
        Ok(sync) => Ok(Joined {
            server: endpoint.addr.clone(),
            terminal,
            key_slots: found.key_slots.len(),
            policy_version,
            sync,
        }),
        Err(e) => Err(undone(
            paths,
            store,
            true,
            DeskError::Invalid(format!(
                "joining stopped at the first sync, and this desk was taken away again: {e}. The code is spent; \
                 terminal {terminal} was enrolled for it and can be revoked (`careerdesk server revoke {terminal}`). \
                 Ask for a new code and join again"
            )),
        )),
    }
}
