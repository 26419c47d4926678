//! Writing employer records through the desk: profiles, tags, contacts, engagement notes,
//! liaison and hand-over (EMP-01, EMP-03..EMP-05). Every write needs ManageEmployers; contact
//! with another owner's key contacts passes the liaison gate (`domain::liaison`).

use chrono::{DateTime, Utc};

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::employer::{Contact, Employer, EngagementKind, EngagementNote, Ownership};
use crate::domain::ids::{ContactId, EmployerId, EngagementId, OperatorId};
use crate::domain::liaison::{self, Gate};
use crate::domain::limits;
use crate::domain::operator::Login;
use crate::domain::validate::{self, Email, FieldError, Phone};
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError, EmployerProfile};

/// A new employer profile, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEmployer {
    /// Organisation name.
    pub name: String,
    /// Sector.
    pub sector: String,
    /// Website.
    pub website: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The key account owner's login, if a key account.
    pub owner: Option<Login>,
    /// A multi-owner employer (EMP-05); exclusive with `owner`.
    pub multi_owner: bool,
    /// Registered itself through the portal (EMP-02).
    pub self_registered: bool,
}

/// Changes to an employer's profile: `None` leaves a field as it is; an empty website clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmployerChanges {
    /// New name.
    pub name: Option<String>,
    /// New sector.
    pub sector: Option<String>,
    /// New website (empty clears it).
    pub website: Option<String>,
}

/// A new contact at an employer, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewContact {
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// A key contact (EMP-03).
    pub key_contact: bool,
    /// Whether students may see these details (DATA-13).
    pub visible_to_students: bool,
    /// Guidance on contacting them (EMP-03).
    pub guidance: String,
}

/// A logged engagement and what the gate had to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The note written.
    pub note: EngagementNote,
    /// For a multi-owner employer: the recent notes the operator should have read (EMP-05).
    pub recent: Vec<EngagementNote>,
}

fn employer_ref(id: EmployerId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Employer,
        id: id.0,
    })
}

/// Tags as stored: trimmed, lower-case, no blanks or repeats, in the order given.
pub(crate) fn clean_tags(raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let t = t.trim().to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The key two employers are the same by (EMP-02): name and website, case-folded and trimmed.
pub(crate) fn same_employer_key(name: &str, website: Option<&str>) -> (String, String) {
    let site = website.unwrap_or("").trim().trim_end_matches('/').to_lowercase();
    (name.trim().to_lowercase(), site)
}

fn check_website(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let site = validate::optional_line("website", raw, limits::URL)?;
    if let Some(s) = &site {
        if s.contains(char::is_whitespace) || !s.contains('.') {
            return Err(FieldError::new(
                "website",
                "must be an address like https://example.com",
            ));
        }
    }
    Ok(site)
}

impl Desk {
    fn employer(&self, id: EmployerId) -> Result<Employer, DeskError> {
        self.store
            .get::<Employer>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no employer with id {id}")))
    }

    /// An operator's login for showing beside a record; the id when the record cannot be read.
    pub fn operator_login(&self, id: OperatorId) -> String {
        self.login_of(id).unwrap_or_else(|_| format!("operator {id}"))
    }

    /// An employer by id or by a name that only one employer has (case-folded); an ambiguous
    /// name lists the employers it could mean.
    pub fn resolve_employer(&self, text: &str) -> Result<Employer, DeskError> {
        self.require(Permission::ViewClients)?;
        let text = text.trim();
        if let Ok(u) = ulid::Ulid::from_string(text) {
            if let Some(e) = self.store.get::<Employer>(u.0)? {
                return Ok(e);
            }
        }
        let wanted = text.to_lowercase();
        let mut all: Vec<Employer> = self.store.scan::<Employer>()?.filter_map(Result::ok).collect();
        let exact: Vec<Employer> = all
            .iter()
            .filter(|e| e.name.to_lowercase() == wanted)
            .cloned()
            .collect();
        let matches = if exact.is_empty() {
            all.retain(|e| e.name.to_lowercase().contains(&wanted));
            all
        } else {
            exact
        };
        match matches.len() {
            0 => Err(DeskError::Invalid(format!(
                "no employer is called {text:?}; `employer find` lists them"
            ))),
            1 => Ok(matches
                .into_iter()
                .next()
                .ok_or_else(|| DeskError::Invalid("no employer".into()))?),
            _ => Err(DeskError::Invalid(format!(
                "{text:?} could be any of these employers; give its id:\n{}",
                matches
                    .iter()
                    .map(|e| format!("  {} {}", ulid::Ulid(e.id.0), e.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            ))),
        }
    }

    /// The employer already in the store with the same name and website, case-folded (EMP-02).
    pub(crate) fn same_employer(&self, name: &str, website: Option<&str>) -> Result<Option<Employer>, DeskError> {
        let key = same_employer_key(name, website);
        for e in self.store.scan::<Employer>()? {
            let e = e?;
            if same_employer_key(&e.name, e.website.as_deref()) == key {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// Checks a new employer's fields and builds its record (no write).
    pub(crate) fn build_employer(&self, new: &NewEmployer) -> Result<Employer, DeskError> {
        let mut errors = Vec::new();
        let name = validate::line("name", &new.name, limits::TITLE)
            .map_err(|e| errors.push(e))
            .ok();
        let sector = validate::line("sector", &new.sector, limits::SECTOR)
            .map_err(|e| errors.push(e))
            .ok();
        let website = check_website(new.website.as_deref())
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let tags = clean_tags(&new.tags);
        for t in &tags {
            if let Err(e) = validate::line("tags", t, limits::TAG) {
                errors.push(e);
            }
        }
        let ownership = match (&new.owner, new.multi_owner) {
            (Some(_), true) => {
                errors.push(FieldError::new("owner", "give an owner or --multi-owner, not both"));
                Ownership::Open
            }
            (Some(login), false) => match super::find_operator(&self.store, login.as_str())? {
                Some(op) => Ownership::KeyAccount { owner: op.id },
                None => {
                    errors.push(FieldError::new("owner", format!("no operator has login {login}")));
                    Ownership::Open
                }
            },
            (None, true) => Ownership::MultiOwner,
            (None, false) => Ownership::Open,
        };
        let (Some(name), Some(sector), true) = (name, sector, errors.is_empty()) else {
            return Err(DeskError::Fields(errors));
        };
        let now = self.now();
        let e = Employer {
            id: EmployerId::new_at(now_ms(now)),
            name,
            sector,
            website,
            tags,
            ownership,
            self_registered: new.self_registered,
            created_at: now,
        };
        e.check().map_err(DeskError::Fields)?;
        Ok(e)
    }

    /// Adds an employer profile (EMP-01). The same name and website as one already there is
    /// refused, naming it.
    pub fn add_employer(&self, new: &NewEmployer) -> Result<Employer, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let e = self.build_employer(new)?;
        if let Some(old) = self.same_employer(&e.name, e.website.as_deref())? {
            return Err(DeskError::Invalid(format!(
                "{} ({}) is already in the store as {}; use `employer edit`",
                old.name,
                old.website.as_deref().unwrap_or("no website"),
                ulid::Ulid(old.id.0)
            )));
        }
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &e);
        ws.audit(self.audit(AuditAction::Create, employer_ref(e.id), "employer added".into()));
        self.commit(ws)?;
        Ok(e)
    }

    /// Changes an employer's name, sector or website (EMP-01).
    pub fn edit_employer(&self, id: EmployerId, changes: &EmployerChanges) -> Result<Employer, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.employer(id)?;
        let mut new = old.clone();
        let mut errors = Vec::new();
        if let Some(n) = &changes.name {
            match validate::line("name", n, limits::TITLE) {
                Ok(n) => new.name = n,
                Err(e) => errors.push(e),
            }
        }
        if let Some(s) = &changes.sector {
            match validate::line("sector", s, limits::SECTOR) {
                Ok(s) => new.sector = s,
                Err(e) => errors.push(e),
            }
        }
        if let Some(w) = &changes.website {
            match check_website(Some(w)) {
                Ok(w) => new.website = w,
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(DeskError::Fields(errors));
        }
        if new == old {
            return Ok(old);
        }
        if let Some(other) = self.same_employer(&new.name, new.website.as_deref())? {
            if other.id != id {
                return Err(DeskError::Invalid(format!(
                    "another employer already has that name and website: {}",
                    ulid::Ulid(other.id.0)
                )));
            }
        }
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, employer_ref(id), "employer edited".into()),
        )?;
        Ok(new)
    }

    /// Adds tags to an employer (EMP-01); tags it already has are kept once.
    pub fn tag_employer(&self, id: EmployerId, tags: &[String]) -> Result<Employer, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.employer(id)?;
        let mut all = old.tags.clone();
        all.extend(tags.iter().cloned());
        let all = clean_tags(&all);
        for t in &all {
            validate::line("tags", t, limits::TAG)?;
        }
        if all == old.tags {
            return Ok(old);
        }
        let mut new = old.clone();
        new.tags = all;
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, employer_ref(id), "employer tagged".into()),
        )?;
        Ok(new)
    }

    /// Removes tags from an employer (EMP-01); a tag it does not carry is named in the refusal.
    pub fn untag_employer(&self, id: EmployerId, tags: &[String]) -> Result<Employer, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.employer(id)?;
        let gone = clean_tags(tags);
        if let Some(t) = gone.iter().find(|t| !old.tags.contains(t)) {
            return Err(DeskError::Fields(vec![FieldError::new(
                "tags",
                format!("{} is not tagged #{t}", old.name),
            )]));
        }
        if gone.is_empty() {
            return Ok(old);
        }
        let mut new = old.clone();
        new.tags.retain(|t| !gone.contains(t));
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, employer_ref(id), "employer untagged".into()),
        )?;
        Ok(new)
    }

    /// Adds a contact at an employer (EMP-03, DATA-13).
    pub fn add_contact(&self, employer: EmployerId, new: &NewContact) -> Result<Contact, DeskError> {
        self.require(Permission::ManageEmployers)?;
        self.employer(employer)?;
        let mut errors = Vec::new();
        let name = validate::person_name("name", &new.name)
            .map_err(|e| errors.push(e))
            .ok();
        let title = validate::optional_line("title", new.title.as_deref(), limits::TITLE)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let email = match new.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Email::parse(raw).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        let phone = match new.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Phone::parse(raw).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        let guidance = new.guidance.trim().to_string();
        if let Err(e) = limits::check("guidance", &guidance, limits::GUIDANCE) {
            errors.push(e);
        }
        let (Some(name), true) = (name, errors.is_empty()) else {
            return Err(DeskError::Fields(errors));
        };
        let c = Contact {
            id: ContactId::new_at(now_ms(self.now())),
            employer,
            name,
            title,
            email,
            phone,
            key_contact: new.key_contact,
            guidance,
            visible_to_students: new.visible_to_students,
        };
        c.check().map_err(DeskError::Fields)?;
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &c);
        ws.audit(self.audit(
            AuditAction::Create,
            Some(RecordRef {
                kind: EntityKind::Contact,
                id: c.id.0,
            }),
            "employer contact added".into(),
        ));
        self.commit(ws)?;
        Ok(c)
    }

    /// The liaison gate for the signed-in operator contacting `contacts` at an employer now
    /// (EMP-04, EMP-05): refused naming the owner, or the recent notes to read for a
    /// multi-owner employer.
    pub fn contact_gate(
        &self,
        profile: &EmployerProfile,
        contacts: &[ContactId],
    ) -> Result<Vec<EngagementNote>, DeskError> {
        let key = profile
            .contacts
            .iter()
            .any(|c| c.key_contact && contacts.contains(&c.id));
        let gate = liaison::decide(
            &profile.employer.ownership,
            self.operator.id,
            key,
            &profile.engagement,
            self.now(),
        );
        match gate {
            Gate::LiaiseFirst { owner } => {
                let login = self.login_of(owner)?;
                Err(DeskError::LiaiseFirst {
                    message: format!(
                        "{} is a key account owned by {login}; liaise with {login} first and record it with \
                         `employer liaise {:?} --with {login} --note WHAT-WAS-AGREED`",
                        profile.employer.name, profile.employer.name
                    ),
                    owner: login,
                })
            }
            Gate::CheckRecent(notes) => Ok(notes.into_iter().cloned().collect()),
            Gate::Open | Gate::Owner | Gate::Liaised(_) => Ok(Vec::new()),
        }
    }

    /// Logs an engagement with an employer now (EMP-01), with the contacts involved by name;
    /// the liaison gate applies to another owner's key contacts (EMP-04).
    pub fn log_engagement(
        &self,
        employer: EmployerId,
        kind: EngagementKind,
        text: &str,
        contact_names: &[String],
    ) -> Result<Logged, DeskError> {
        self.log_engagement_at(employer, kind, text, contact_names, None)
    }

    /// Logs an engagement that happened `at` (`None`: now), as [`Desk::log_engagement`]; a time
    /// after now is refused.
    pub fn log_engagement_at(
        &self,
        employer: EmployerId,
        kind: EngagementKind,
        text: &str,
        contact_names: &[String],
        at: Option<DateTime<Utc>>,
    ) -> Result<Logged, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let at = self.happened("when", at)?;
        if kind == EngagementKind::Liaison {
            return Err(DeskError::Invalid("record a liaison with `employer liaise`".into()));
        }
        let text = validate::text("text", text, limits::ENGAGEMENT)?;
        let profile = self.employer_profile(employer)?;
        let mut contacts = Vec::new();
        for wanted in contact_names {
            let w = wanted.trim().to_lowercase();
            let found: Vec<&Contact> = profile.contacts.iter().filter(|c| c.name.to_lowercase() == w).collect();
            match found.as_slice() {
                [c] => contacts.push(c.id),
                [] => {
                    return Err(DeskError::Invalid(format!(
                        "{} has no contact called {wanted:?}; `employer show` lists them",
                        profile.employer.name
                    )))
                }
                _ => {
                    return Err(DeskError::Invalid(format!(
                        "{} has several contacts called {wanted:?}",
                        profile.employer.name
                    )))
                }
            }
        }
        let recent = self.contact_gate(&profile, &contacts)?;
        let note = self.write_engagement(employer, kind, contacts, None, text, at)?;
        Ok(Logged { note, recent })
    }

    fn write_engagement(
        &self,
        employer: EmployerId,
        kind: EngagementKind,
        contacts: Vec<ContactId>,
        liaised_with: Option<OperatorId>,
        text: String,
        at: DateTime<Utc>,
    ) -> Result<EngagementNote, DeskError> {
        let note = EngagementNote {
            id: EngagementId::new_at(now_ms(self.now())),
            employer,
            contacts,
            author: self.operator.id,
            at,
            kind,
            liaised_with,
            text,
        };
        note.check().map_err(DeskError::Fields)?;
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &note);
        ws.audit(self.audit(
            AuditAction::Create,
            Some(RecordRef {
                kind: EntityKind::Engagement,
                id: note.id.0,
            }),
            format!("{} logged", kind.as_str()),
        ));
        self.commit(ws)?;
        Ok(note)
    }

    /// Records a liaison with a key account's owner now, and what was agreed (EMP-04).
    pub fn record_liaison(
        &self,
        employer: EmployerId,
        with: &Login,
        agreed: &str,
    ) -> Result<EngagementNote, DeskError> {
        self.record_liaison_at(employer, with, agreed, None)
    }

    /// Records a liaison with a key account's owner: who, when (`None`: now; not after now)
    /// and what was agreed (EMP-04).
    pub fn record_liaison_at(
        &self,
        employer: EmployerId,
        with: &Login,
        agreed: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<EngagementNote, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let at = self.happened("when", at)?;
        let agreed = validate::text("note", agreed, limits::ENGAGEMENT)?;
        let e = self.employer(employer)?;
        let Ownership::KeyAccount { owner } = e.ownership else {
            return Err(DeskError::Invalid(format!(
                "{} is not a key account: no liaison is needed",
                e.name
            )));
        };
        let owner_login = self.login_of(owner)?;
        if owner_login != with.as_str() {
            return Err(DeskError::Invalid(format!(
                "{} is owned by {owner_login}, not {with}: liaise with {owner_login}",
                e.name
            )));
        }
        if owner == self.operator.id {
            return Err(DeskError::Invalid(format!("you own {}: no liaison is needed", e.name)));
        }
        self.write_engagement(employer, EngagementKind::Liaison, Vec::new(), Some(owner), agreed, at)
    }

    /// Hands a key account over to another operator, or makes an employer a key account
    /// (EMP-03); audited with both owners. Liaisons with the previous owner stop counting.
    pub fn hand_over(&self, employer: EmployerId, to: &Login) -> Result<Employer, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.employer(employer)?;
        let target = self.operator_by_login(to)?;
        let from = match old.ownership {
            Ownership::KeyAccount { owner } if owner == target.id => {
                return Err(DeskError::Invalid(format!("{to} already owns {}", old.name)))
            }
            Ownership::KeyAccount { owner } => self.login_of(owner)?,
            Ownership::MultiOwner => "multi-owner".into(),
            Ownership::Open => "no owner".into(),
        };
        let mut new = old.clone();
        new.ownership = Ownership::KeyAccount { owner: target.id };
        self.update(
            &old,
            &new,
            self.audit(
                AuditAction::Update,
                employer_ref(employer),
                format!("key account handed over from {from} to {to}"),
            ),
        )?;
        Ok(new)
    }
}
