//! An employer's vacancies typed in by staff (EMP-01, EMP-02): added, edited and closed through
//! the desk, each needing `ManageEmployers`, every wrong field named at once, audited. Vacancies
//! an employer's portal exports come in through `employer_import.rs`.

use chrono::NaiveDate;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::employer::{Employer, Vacancy};
use crate::domain::ids::{EmployerId, VacancyId};
use crate::domain::limits;
use crate::domain::validate::{self, FieldError};
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// A new vacancy, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewVacancy {
    /// Job title.
    pub title: String,
    /// Closing date, YYYY-MM-DD; empty for open-ended.
    pub closes: String,
    /// Where to apply; empty for none.
    pub url: String,
}

/// Changes to a vacancy; `None` leaves a field as it is, an empty closing date or address
/// clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VacancyChanges {
    /// A new title.
    pub title: Option<String>,
    /// A new closing date, YYYY-MM-DD (empty: open-ended).
    pub closes: Option<String>,
    /// A new address to apply at (empty: none).
    pub url: Option<String>,
}

fn vacancy_ref(id: VacancyId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Vacancy,
        id: id.0,
    })
}

fn check_title(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    validate::line("title", raw, limits::TITLE)
        .map_err(|e| errors.push(e))
        .ok()
}

fn check_closes(raw: &str, errors: &mut Vec<FieldError>) -> Option<Option<NaiveDate>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    validate::date("closes", raw).map(Some).map_err(|e| errors.push(e)).ok()
}

fn check_url(raw: &str, errors: &mut Vec<FieldError>) -> Option<Option<String>> {
    match validate::optional_line("url", Some(raw), limits::URL) {
        Ok(Some(u)) if u.contains(char::is_whitespace) || !u.contains('.') => {
            errors.push(FieldError::new(
                "url",
                "must be an address like https://example.com/apply",
            ));
            None
        }
        Ok(u) => Some(u),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

impl Desk {
    /// Adds a vacancy at `employer` (EMP-01): a title, an optional closing date not before
    /// today and an optional address; the same title and closing date there already is refused.
    pub fn add_vacancy(&self, employer: EmployerId, new: &NewVacancy) -> Result<Vacancy, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let e = self
            .store
            .get::<Employer>(employer.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no employer with id {employer}")))?;
        let mut errors = Vec::new();
        let title = check_title(&new.title, &mut errors);
        let closes = check_closes(&new.closes, &mut errors);
        if let Some(Some(d)) = closes {
            if d < self.today() {
                errors.push(FieldError::new(
                    "closes",
                    format!("{d} is already past; a new vacancy closes today or later"),
                ));
            }
        }
        let url = check_url(&new.url, &mut errors);
        let (Some(title), Some(closes), Some(url), true) = (title, closes, url, errors.is_empty()) else {
            return Err(DeskError::Fields(errors));
        };
        let v = Vacancy {
            id: VacancyId::new_at(now_ms(self.now())),
            employer,
            title,
            closes,
            url,
            self_uploaded: false,
        };
        v.check().map_err(DeskError::Fields)?;
        self.refuse_double(&v)?;
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &v);
        ws.audit(self.audit(
            AuditAction::Create,
            vacancy_ref(v.id),
            format!("vacancy added at employer {}", e.id),
        ));
        self.commit(ws)?;
        Ok(v)
    }

    /// Changes a vacancy's title, closing date or address (EMP-01); an unchanged vacancy is
    /// not written.
    pub fn edit_vacancy(&self, id: VacancyId, changes: &VacancyChanges) -> Result<Vacancy, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.vacancy(id)?;
        let mut new = old.clone();
        let mut errors = Vec::new();
        if let Some(t) = changes.title.as_deref().and_then(|t| check_title(t, &mut errors)) {
            new.title = t;
        }
        if let Some(c) = changes.closes.as_deref().and_then(|c| check_closes(c, &mut errors)) {
            new.closes = c;
        }
        if let Some(u) = changes.url.as_deref().and_then(|u| check_url(u, &mut errors)) {
            new.url = u;
        }
        if !errors.is_empty() {
            return Err(DeskError::Fields(errors));
        }
        if new == old {
            return Ok(old);
        }
        new.check().map_err(DeskError::Fields)?;
        self.refuse_double(&new)?;
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, vacancy_ref(id), "vacancy edited".into()),
        )?;
        Ok(new)
    }

    /// Closes a vacancy today (EMP-01): its closing date becomes today unless it is already
    /// earlier, which is refused as already closed.
    pub fn close_vacancy(&self, id: VacancyId) -> Result<Vacancy, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.vacancy(id)?;
        let today = self.today();
        if old.closes.is_some_and(|d| d < today) {
            return Err(DeskError::Invalid(format!(
                "{} already closed on {}",
                old.title,
                old.closes.map_or_else(String::new, |d| d.to_string())
            )));
        }
        let mut new = old.clone();
        new.closes = Some(today);
        if new == old {
            return Ok(old);
        }
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, vacancy_ref(id), "vacancy closed".into()),
        )?;
        Ok(new)
    }

    fn vacancy(&self, id: VacancyId) -> Result<Vacancy, DeskError> {
        self.store
            .get::<Vacancy>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no vacancy with id {id}")))
    }

    /// Refuses a vacancy with the same title (case aside) and closing date as another at its
    /// employer, as the portal import does.
    fn refuse_double(&self, v: &Vacancy) -> Result<(), DeskError> {
        let key = |x: &Vacancy| (x.employer, x.title.to_lowercase(), x.closes);
        for other in self.store.scan::<Vacancy>()?.filter_map(Result::ok) {
            if other.id != v.id && key(&other) == key(v) {
                return Err(DeskError::Invalid(format!(
                    "the employer already has the vacancy {} with that closing date",
                    other.title
                )));
            }
        }
        Ok(())
    }
}
