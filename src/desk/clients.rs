//! Client records through the desk: add, look up, show (DATA-01, DATA-12).

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::{Client, ClientDetails, ContactPreferences, Level, Status};
use crate::domain::ids::ClientId;
use crate::domain::limits;
use crate::domain::validate::{self, Email, FieldError, Phone, StudentNumber};
use crate::domain::{EntityKind, RecordRef};
use crate::store::{StoreError, WriteSet};

use super::directory::{ClientDirectory, DirectoryEntry};
use super::lookup::{Covers, Lookup};
use super::lookup_load::LookupSource;
use super::{now_ms, Desk, DeskError};

/// Keeps a value, or records its error.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// A client as typed by a person or read from a file: every field still text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewClient {
    /// Student number.
    pub student_number: String,
    /// Full name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone (optional).
    pub phone: Option<String>,
    /// Programme of study.
    pub programme: String,
    /// School (optional).
    pub school: Option<String>,
    /// `ug`, `pgt` or `pgr`.
    pub level: String,
    /// `student` or `graduate`.
    pub status: String,
    /// YYYY-MM-DD (optional).
    pub course_end: Option<String>,
    /// `email,phone,post` or `none` (optional; default: all).
    pub contact: Option<String>,
}

impl NewClient {
    /// Checks every field, reporting all that are wrong at once.
    pub fn parse(&self) -> Result<ClientDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let student_number = keep(&mut errors, StudentNumber::parse(&self.student_number));
        let name = keep(&mut errors, validate::person_name("name", &self.name));
        let email = keep(&mut errors, Email::parse(&self.email));
        let phone = match self.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => keep(&mut errors, Phone::parse(p)).map(Some),
            None => Some(None),
        };
        let programme = keep(
            &mut errors,
            validate::line("programme", &self.programme, limits::PROGRAMME),
        );
        let school = keep(
            &mut errors,
            validate::optional_line("school", self.school.as_deref(), limits::SCHOOL),
        );
        let level = keep(
            &mut errors,
            self.level.parse::<Level>().map_err(|m| FieldError::new("level", m)),
        );
        let status = keep(
            &mut errors,
            self.status.parse::<Status>().map_err(|m| FieldError::new("status", m)),
        );
        let course_end = match self.course_end.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => keep(&mut errors, validate::date("course-end", d)).map(Some),
            None => Some(None),
        };
        let contact = match self.contact.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => keep(&mut errors, ContactPreferences::parse(c)),
            None => Some(ContactPreferences::all()),
        };
        match (
            student_number,
            name,
            email,
            phone,
            programme,
            school,
            level,
            status,
            course_end,
            contact,
        ) {
            (
                Some(student_number),
                Some(name),
                Some(email),
                Some(phone),
                Some(programme),
                Some(school),
                Some(level),
                Some(status),
                Some(course_end),
                Some(contact),
            ) if errors.is_empty() => Ok(ClientDetails {
                student_number,
                name,
                email,
                phone,
                programme,
                school,
                level,
                status,
                course_end,
                contact,
            }),
            _ => Err(errors),
        }
    }
}

/// A client as the signed-in operator may see them: contact details only with the right.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClientView {
    /// Record id.
    pub id: String,
    /// Student number.
    pub student_number: String,
    /// Name.
    pub name: String,
    /// Programme.
    pub programme: String,
    /// School.
    pub school: Option<String>,
    /// Level.
    pub level: Level,
    /// Status.
    pub status: Status,
    /// Course end.
    pub course_end: Option<chrono::NaiveDate>,
    /// E-mail, if the operator may see contact details.
    pub email: Option<String>,
    /// Phone, if the operator may see contact details.
    pub phone: Option<String>,
    /// Contact preferences.
    pub contact: String,
    /// Flags, as codes.
    pub flags: Vec<String>,
    /// Suspension reason, if suspended.
    pub suspended: Option<String>,
    /// Block end date, if blocked today.
    pub blocked_until: Option<chrono::NaiveDate>,
}

impl Desk {
    /// Adds a client (DATA-01: e-mail and phone validated on entry).
    pub fn add_client(&self, details: &ClientDetails) -> Result<Client, DeskError> {
        self.require(Permission::EditClients)?;
        let now = self.now();
        let client = Client::new(ClientId::new_at(now_ms(now)), details.clone(), now);
        // Said up front, naming who holds the number, so the desk can open that client instead
        // (the unique index still refuses a second one that lands meanwhile).
        if let Some(existing) = self.store.client_by_student_number(&client.student_number)? {
            let name = self
                .store
                .get::<Client>(existing.0)
                // A damaged record still holds the number: the refusal stands, without its name.
                .ok()
                .flatten()
                .map_or_else(|| "a record that cannot be read".to_string(), |c| c.name);
            return Err(DeskError::ClientExists {
                existing,
                student_number: client.student_number.clone(),
                name,
            });
        }
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &client);
        ws.audit(self.audit(
            AuditAction::Create,
            Some(RecordRef {
                kind: EntityKind::Client,
                id: client.id.0,
            }),
            "client added".into(),
        ));
        self.commit(ws)?;
        self.directory_update(&client);
        Ok(client)
    }

    /// Suspends a client pending investigation (SEC-03): they cannot be booked until lifted.
    pub fn suspend_client(&self, student_number: &StudentNumber, reason: &str) -> Result<Client, DeskError> {
        self.require(Permission::Block)?;
        let reason = super::required_reason(reason, "to suspend a client (SEC-03)")?;
        let old = self.client_by_student_number(student_number)?;
        let mut new = old.clone();
        new.suspension = Some(crate::domain::client::Suspension {
            reason: reason.to_string(),
            by: self.operator.id,
            at: self.now(),
        });
        self.update(
            &old,
            &new,
            self.audit_because(
                AuditAction::Update,
                Some(RecordRef {
                    kind: EntityKind::Client,
                    id: new.id.0,
                }),
                "client suspended".into(),
                reason,
            ),
        )?;
        Ok(new)
    }

    /// Finds a client by student number.
    pub fn client_by_student_number(&self, sn: &StudentNumber) -> Result<Client, DeskError> {
        self.require(Permission::ViewClients)?;
        let not_found = || {
            DeskError::Invalid(format!(
                "no client has student number {sn}; try `client find` with part of their name"
            ))
        };
        let id = self.store.client_by_student_number(sn)?.ok_or_else(not_found)?;
        self.store.get::<Client>(id.0)?.ok_or_else(not_found)
    }

    /// A client as the signed-in operator may see them.
    pub fn view_client(&self, c: &Client) -> ClientView {
        let contact = self.may(Permission::ViewContactDetails);
        ClientView {
            id: c.id.to_string(),
            student_number: c.student_number.to_string(),
            name: c.name.clone(),
            programme: c.programme.clone(),
            school: c.school.clone(),
            level: c.level,
            status: c.status,
            course_end: c.course_end,
            email: contact.then(|| c.email.to_string()),
            phone: if contact {
                c.phone.as_ref().map(|p| p.to_string())
            } else {
                None
            },
            contact: c.contact.to_string(),
            flags: c.flags.iter().map(|f| format!("{:?}", f.kind)).collect(),
            suspended: c.suspension.as_ref().map(|s| s.reason.clone()),
            blocked_until: c.block_on(self.today()).map(|b| b.expires),
        }
    }

    /// Clients matching `query` by name, student number or e-mail, best first.
    pub fn find_clients(&self, query: &str, limit: usize) -> Result<Vec<DirectoryEntry>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut guard = self.directory.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.build_lookup()?);
        }
        Ok(guard.as_ref().map(|d| d.search(query, limit)).unwrap_or_default())
    }

    /// Builds the client lookup now: the one engine the command line and the screen search.
    /// The saved lookup and the changes since are read when they can be (see `lookup_load`).
    pub fn build_lookup(&self) -> Result<Lookup, DeskError> {
        self.load_lookup().map(|(l, _)| l)
    }

    /// [`Self::build_lookup`], saying whether the saved copy was used.
    pub fn load_lookup(&self) -> Result<(Lookup, LookupSource), DeskError> {
        self.require(Permission::ViewClients)?;
        super::lookup_load::load(&self.store, read_directory)
    }

    /// Builds the client lookup afresh from the client records (and saves it), whatever is saved.
    pub fn rebuild_lookup(&self) -> Result<Lookup, DeskError> {
        self.require(Permission::ViewClients)?;
        super::lookup_load::fresh(&self.store, read_directory)
    }

    /// A job that builds the client lookup on another thread (the screen shows its first
    /// frame meanwhile). The permission is checked now, when the job is made.
    pub fn lookup_job(&self) -> Result<impl FnOnce() -> Result<Lookup, DeskError> + Send + 'static, DeskError> {
        self.require(Permission::ViewClients)?;
        let store = self.store.clone();
        Ok(move || super::lookup_load::load(&store, read_directory).map(|(l, _)| l))
    }

    /// Saves a copy of a lookup kept in memory, after an erasure made the saved copy unreadable
    /// (DATA-05): built from the lookup itself, no record read, without any client erased
    /// since the store was opened, under the lookup key made after the erasure. The desk
    /// screen runs it as a background job once the erased clients are out of its lookup.
    /// False when it was not saved (see `lookup_load::resave`): the next sign-in builds it.
    pub fn save_lookup_copy(&self, dir: ClientDirectory, covers: Option<Covers>) -> Result<bool, DeskError> {
        self.require(Permission::ViewClients)?;
        super::lookup_load::resave(&self.store, dir, covers)
    }

    /// Loads this desk's own lookup (the one `find_clients` searches) if it is not loaded:
    /// the command line does before an erasure, so that [`Self::save_kept_lookup`] can save
    /// it again afterwards from memory. Operators who may not view clients skip it.
    pub fn keep_lookup(&self) -> Result<(), DeskError> {
        if !self.may(Permission::ViewClients) {
            return Ok(());
        }
        let mut guard = self.directory.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.build_lookup()?);
        }
        Ok(())
    }

    /// Saves this desk's own lookup again after an erasure (which removed the erased clients
    /// from it), as [`Self::save_lookup_copy`] does; false when none is loaded.
    pub fn save_kept_lookup(&self) -> Result<bool, DeskError> {
        self.require(Permission::ViewClients)?;
        let snapshot = self
            .directory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(Lookup::snapshot);
        match snapshot {
            Some((dir, covers)) => super::lookup_load::resave(&self.store, dir, covers),
            None => Ok(false),
        }
    }

    /// Builds the in-memory directory now (the TUI calls this right after sign-in). Damaged
    /// client records are skipped and logged; the rest stay searchable.
    pub fn build_directory(&self) -> Result<ClientDirectory, DeskError> {
        self.require(Permission::ViewClients)?;
        directory_from(&self.store)
    }
}

fn directory_from(store: &crate::store::Store) -> Result<ClientDirectory, DeskError> {
    let started = std::time::Instant::now();
    let directory = read_directory(store)?;
    tracing::info!(
        clients = directory.len(),
        ms = started.elapsed().as_millis() as u64,
        "client directory built"
    );
    Ok(directory)
}

/// Every client's directory entry, read on every core; damaged records are logged and skipped.
fn read_directory(store: &crate::store::Store) -> Result<ClientDirectory, DeskError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let parts = store.scan_parallel(EntityKind::Client, threads, |part: &mut ClientDirectory, key, plain| {
        let head = plain.and_then(|p| {
            crate::store::codec::decode_client_head(p).map_err(|e| StoreError::Corrupt {
                tree: EntityKind::Client.tree().into(),
                key: crate::store::show_key(key),
                reason: e.to_string(),
            })
        });
        match head {
            Ok(h) => part.put(
                h.id,
                [&h.name, h.student_number.as_str(), h.email.as_str(), &h.programme],
            ),
            Err(e) => tracing::warn!("client directory: {e}"),
        }
    })?;
    let mut directory = ClientDirectory::new();
    for part in parts {
        directory.append(part);
    }
    Ok(directory)
}

impl Desk {
    pub(super) fn directory_remove(&self, c: &Client) {
        if let Some(d) = self.directory.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            d.remove(c.id);
        }
    }

    pub(super) fn directory_update(&self, c: &Client) {
        if let Some(d) = self.directory.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            d.upsert(c);
        }
    }
}
