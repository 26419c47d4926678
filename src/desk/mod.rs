//! The service layer: the only way data changes. Every write checks the acting operator's
//! permission (SEC-05) and the policy, then commits the record, its audit entry and its op-log
//! entry together. The CLI and the TUI both call this; neither touches the store directly.

mod appointments;
mod attachments;
mod audit_log;
pub use audit_log::AuditView;
mod backups;
mod bulk_mail;
mod clash_text;
mod client_edit;
mod client_records;
mod clients;
mod complaints;
mod consents;
mod directory;
mod employer_activity;
mod employer_cache;
mod employer_edit;
mod employer_import;
mod employers;
mod enquiries;
mod erasure;
mod error;
mod event_bookings;
mod events;
mod feedback;
mod held;
mod import;
mod lockout;
pub mod lookup;
mod lookup_load;
mod maintenance;
mod notes;
mod operators;
mod outbox;
mod portal_file;
mod purge;
mod queue;
mod rebooking;
pub use rebooking::RebookingChoices;
mod reports;
mod roster;
mod slots;
mod student_directory;
mod subject_access;
mod sync;
mod sync_bookings;
mod sync_conflicts;
mod sync_leases;
mod sync_places;
mod sync_reinstate;
mod triage;
mod vacancies;
mod views;
mod wellbeing;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::access::{self, Permission};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::{AuditId, OperatorId};
use crate::domain::messages::Channels;
use crate::domain::operator::{Login, Operator, Role};
use crate::domain::RecordRef;
use crate::policy::Policy;
use crate::store::crypto::KdfParams;
use crate::store::{LockedStore, Store, StoreError, StoreState, WriteSet};

pub use appointments::NewBooking;
pub use attachments::{parse_attachment_kind, NAME_CHARS};
pub use backups::{read_manifest, AutoBackup, Backup, Manifest, Restored, MANIFEST};
pub use bulk_mail::{BulkMailPreview, BulkMailRequest, BulkMailSent, LeftOutLine};
pub use clash_text::ClashReport;
pub use client_edit::{ClientChanges, ClientEdit, Edited};
pub use clients::{ClientView, NewClient};
pub use complaints::{ComplaintAbout, ComplaintLine, FlaggedEmployer, NewComplaint, COMPLAINT_SUMMARY_CHARS};
pub use consents::{consent_state_code, ConsentLine, ConsentRegister};
pub use directory::{ClientDirectory, DirectoryEntry};
pub use employer_activity::{BusyEmployer, BUSIEST_MAX};
pub use employer_edit::{EmployerChanges, Logged, NewContact, NewEmployer};
pub use employer_import::{PortalImport, EMPLOYER_COLUMNS, VACANCY_COLUMNS};
pub use employers::EmployerProfile;
pub use enquiries::{channel_code, parse_channel, NewEnquiry, SUMMARY_CHARS};
pub use erasure::{ErasedIds, ErasedTally, Erasure};
pub use error::DeskError;
pub use event_bookings::{AbsentMessaged, Attendee, EventBooked, EventBookingLine, EventCancelled, EventRoster};
pub use events::{NewEvent, MAX_EVENT_CAPACITY, MAX_EVENT_MINUTES};
pub use feedback::{NewFeedback, Quotation, COMMENT_CHARS};
pub use held::Held;
pub use import::{ImportReport, RowError, CSV_HEADER};
pub use lookup::{Covers, Lookup};
pub use lookup_load::LookupSource;
pub use maintenance::{Compacted, IndexesRebuilt};
pub use notes::{NoteSummary, MAX_NOTE_CHARS};
pub use operators::{check_password, NewOperator, MIN_PASSWORD_CHARS};
pub use outbox::{FlushReport, OutboxCounts};
pub use portal_file::{FileFormat, MAX_IMPORT_BYTES};
pub use purge::{AutoPurge, PastRetention, Purge};
pub use queue::{LineState, QueueLine, QueueTarget};
pub use reports::{Grouping, ProgrammeUsageLine, Variant, ERASED, NO_SCHOOL, NO_SHOW_COLUMNS};
pub use slots::{NewSeries, NewSlot, SeriesReport, WithdrawReport};
pub use student_directory::StudentDirectory;
pub use subject_access::{ExportedFile, SubjectExport};
pub use sync::{join, ConflictView, Enrolled, JoinRequest, Joined, Settling, SyncStatus};
pub use sync_conflicts::{DismissedView, RetriedView};
pub use triage::{FlaggedClient, UnresolvedLine, WaiverLine};
pub use vacancies::{NewVacancy, VacancyChanges};
pub use views::{DayLine, StaffName};

/// Where the time comes from; tests use [`FixedClock`].
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved (for tests).
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A signed-in session: one operator acting on one store under one policy.
pub struct Desk {
    store: Store,
    policy: Policy,
    operator: Operator,
    clock: Arc<dyn Clock>,
    directory: Mutex<Option<Lookup>>,
    /// Employers in memory for search, read again when the store changes.
    employers: Mutex<Option<employer_cache::EmployerCache>>,
    /// How this terminal can send messages: texts are planned only when it can send them.
    channels: Channels,
}

fn now_ms(at: DateTime<Utc>) -> u64 {
    at.timestamp_millis().max(0) as u64
}

impl Desk {
    /// Creates a new store with its first administrator (trained today) and signs them in.
    pub fn init(
        store_dir: &Path,
        policy: Policy,
        admin_login: &str,
        admin_name: &str,
        password: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Desk, DeskError> {
        let login = Login::parse(admin_login)?;
        let name = crate::domain::validate::person_name("name", admin_name)?;
        operators::check_password(password)?;
        refuse_existing_data(store_dir)?;
        let now = clock.now();
        let mut store = LockedStore::create(store_dir, login.as_str(), password, KdfParams::default())?;
        let today = policy.local_date(now);
        let admin = Operator {
            id: OperatorId::new_at(now_ms(now)),
            login,
            name,
            roles: vec![Role::Admin],
            grants: Vec::new(),
            trained_on: Some(today),
            suspension: None,
            created_at: now,
        };
        store.sign_as(admin.id);
        store.note_operator_key(admin.login.as_str())?;
        let mut ws = WriteSet::new();
        ws.put(&store, None, &admin);
        if let Some(entry) = roster::founding_entry(&store, &admin, now_ms(now)) {
            ws.roster_entry(&entry);
        }
        ws.audit(audit_entry(
            now,
            Some(&admin),
            AuditAction::Init,
            None,
            "store created".into(),
        ));
        store.commit(admin.id, ws, now)?;
        Ok(Desk {
            store,
            policy,
            operator: admin,
            clock,
            directory: Mutex::new(None),
            employers: Mutex::new(None),
            channels: Channels::default(),
        })
    }

    /// Unlocks the store with an operator's password and signs them in (SEC-01). Suspended
    /// operators are refused (SEC-03); a login locked or slowed down by wrong passwords is
    /// refused before its password is tried. Every attempt is audited.
    pub fn sign_in(
        locked: &LockedStore,
        policy: Policy,
        login: &str,
        password: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Desk, DeskError> {
        Self::sign_in_reporting(locked, policy, login, password, clock, &crate::store::no_progress)
    }

    /// [`Desk::sign_in`], telling `progress` how a store migration at this unlock is getting on.
    pub fn sign_in_reporting(
        locked: &LockedStore,
        policy: Policy,
        login: &str,
        password: &str,
        clock: Arc<dyn Clock>,
        progress: crate::store::Progress<'_>,
    ) -> Result<Desk, DeskError> {
        let now = clock.now();
        let login_text = login.trim().to_ascii_lowercase();
        lockout::check(locked, &policy, &login_text, now)?;
        let mut store = locked
            .unlock_reporting(&login_text, password, now, progress)
            .map_err(|e| match e {
                StoreError::BadCredentials => lockout::wrong_password(locked, &policy, &login_text, e.to_string(), now),
                other => other.into(),
            })?;
        let operator = find_operator(&store, &login_text)?.ok_or_else(|| {
            DeskError::Denied(format!(
                "{login_text} has a key but no operator record; ask an administrator"
            ))
        })?;
        let mut ws = WriteSet::new();
        if let Some(s) = &operator.suspension {
            ws.audit(audit_entry(
                now,
                Some(&operator),
                AuditAction::SignInRefused,
                None,
                "account suspended".into(),
            ));
            store.commit(operator.id, ws, now)?;
            return Err(DeskError::Denied(format!(
                "{login_text}'s account is suspended ({}); ask an administrator",
                s.reason
            )));
        }
        ws.audit(audit_entry(
            now,
            Some(&operator),
            AuditAction::SignIn,
            None,
            String::new(),
        ));
        store.sign_as(operator.id);
        store.commit(operator.id, ws, now)?;
        let desk = Desk {
            store,
            policy,
            operator,
            clock,
            directory: Mutex::new(None),
            employers: Mutex::new(None),
            channels: Channels::default(),
        };
        desk.bring_roster_up_to_date()?;
        Ok(desk)
    }

    /// The store, locked again: for signing in another operator (after an idle lock, or a
    /// change of operator at the desk) without reopening the database.
    pub fn locked(&self) -> LockedStore {
        self.store.locked()
    }

    /// Says how this terminal can send messages (from notify.toml): until told, e-mail only,
    /// so no text is planned that could never be sent (APPT-09).
    pub fn set_channels(&mut self, channels: Channels) {
        self.channels = channels;
    }

    /// How this terminal can send messages.
    pub fn channels(&self) -> Channels {
        self.channels
    }

    /// The signed-in operator.
    pub fn operator(&self) -> &Operator {
        &self.operator
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The store (read access for reports and tests; writes go through `Desk` methods).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Now, by the desk's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in the institution's time zone.
    pub fn today(&self) -> NaiveDate {
        self.policy.local_date(self.now())
    }

    /// Checks the signed-in operator may do `p` today (SEC-03, SEC-05).
    pub fn require(&self, p: Permission) -> Result<(), DeskError> {
        access::check(&self.operator, p, self.today()).map_err(|d| DeskError::Denied(d.to_string()))
    }

    /// Whether the signed-in operator may do `p` (for showing or hiding, never instead of `require`).
    pub fn may(&self, p: Permission) -> bool {
        self.require(p).is_ok()
    }

    /// Whether `password` is the signed-in operator's (to unlock after an idle lock, SEC-01).
    pub fn verify_password(&self, password: &str) -> Result<bool, DeskError> {
        Ok(self.store.verify_password(self.operator.login.as_str(), password)?)
    }

    /// An audit entry by the signed-in operator, now.
    fn audit(&self, action: AuditAction, subject: Option<RecordRef>, detail: String) -> AuditEntry {
        audit_entry(self.now(), Some(&self.operator), action, subject, detail)
    }

    /// An audit entry carrying the reason the operator gave.
    fn audit_because(
        &self,
        action: AuditAction,
        subject: Option<RecordRef>,
        detail: String,
        reason: &str,
    ) -> AuditEntry {
        let mut entry = self.audit(action, subject, detail);
        entry.reason = Some(reason.to_string());
        entry
    }

    /// Replaces `old` with `new` and records `entry`, as one commit: the common case of a
    /// change to one record.
    fn update<T: crate::store::codec::Record>(&self, old: &T, new: &T, entry: AuditEntry) -> Result<(), DeskError> {
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(old), new);
        ws.audit(entry);
        self.commit(ws)
    }

    /// Commits a write set as the signed-in operator, once their roles reach every kind of
    /// record it changes: the check the sync server makes of the op (decision 0022, step 4).
    fn commit(&self, ws: WriteSet) -> Result<(), DeskError> {
        if let Some(kinds) = ws.changed_kinds() {
            access::check_changes(&self.operator, &kinds, self.today())
                .map_err(|d| DeskError::Denied(d.to_string()))?;
        }
        self.store.commit(self.operator.id, ws, self.now())?;
        Ok(())
    }

    /// The audit log, oldest first (supervisors and admins; SEC-04).
    pub fn audit_log(&self) -> Result<Vec<Result<AuditEntry, StoreError>>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        Ok(self.store.audit_entries()?.collect())
    }
}

/// Refuses to create a store where careerdesk data already is: any file in the store folder
/// (a whole store, a damaged one, or anything else), or a policy file beside it (the data
/// folder of a store that was moved or lost). Creating over either would hide or replace it.
pub fn refuse_existing_data(store_dir: &Path) -> Result<(), DeskError> {
    match LockedStore::state(store_dir) {
        StoreState::Absent => {}
        StoreState::Present => {
            return Err(StoreError::AlreadyInitialised {
                path: store_dir.to_path_buf(),
                found: "a careerdesk store".into(),
            }
            .into())
        }
        StoreState::Damaged(d) => {
            return Err(StoreError::AlreadyInitialised {
                path: store_dir.to_path_buf(),
                found: format!("a damaged careerdesk store: {} {}; {}", d.file, d.problem, d.recovery),
            }
            .into())
        }
    }
    if let Some(data) = store_dir.parent() {
        let policy = data.join(crate::paths::POLICY_FILE);
        if policy.exists() {
            return Err(StoreError::AlreadyInitialised {
                path: data.to_path_buf(),
                found: format!(
                    "the policy file {} of a store that is not there; if the store was moved, put it back \
                     (or restore a backup with `careerdesk store restore BACKUP`); to start afresh, move the \
                     policy file away first",
                    policy.display()
                ),
            }
            .into());
        }
    }
    Ok(())
}

/// A reason an operator must give (waivers, blocks, suspensions): the domain's rule
/// (`validate::reason`: required, short, one line).
fn required_reason<'a>(raw: &'a str, needed_for: &str) -> Result<&'a str, DeskError> {
    Ok(crate::domain::validate::reason(raw, needed_for)?)
}

fn audit_entry(
    at: DateTime<Utc>,
    op: Option<&Operator>,
    action: AuditAction,
    subject: Option<RecordRef>,
    detail: String,
) -> AuditEntry {
    AuditEntry {
        id: AuditId::new_at(now_ms(at)),
        at,
        operator: op.map(|o| o.id),
        login: op.map(|o| o.login.to_string()),
        action,
        subject,
        detail,
        reason: None,
    }
}

/// The operator with `login`: through the login index, or, if that index is damaged or has
/// lost the entry, by reading every operator record, so a damaged index never locks
/// administrators out of the store they need to repair.
fn find_operator(store: &Store, login: &str) -> Result<Option<Operator>, DeskError> {
    let through_index = match store.operator_by_login(login) {
        Ok(Some(id)) => Some(store.get::<Operator>(id.0)),
        Ok(None) => None,
        Err(e) => Some(Err(e)),
    };
    match through_index {
        Some(Ok(Some(op))) if op.login.as_str() == login => return Ok(Some(op)),
        Some(Err(e)) if !e.is_damage() => return Err(e.into()),
        _ => {}
    }
    let mut found = None;
    for record in store.scan::<Operator>()? {
        match record {
            Ok(op) if op.login.as_str() == login => {
                found = Some(op);
                break;
            }
            Ok(_) => {}
            Err(e) if e.is_damage() => tracing::warn!("operator record skipped while signing in: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    if found.is_some() {
        tracing::warn!(
            "{login} was found by reading every operator record: the login index is damaged; run `careerdesk store check`"
        );
    }
    Ok(found)
}
