//! The employers pane's forms for what is recorded about an employer besides its profile: a
//! student's complaint about it (CMP-01: the student by number, whether they allow it to be
//! taken up, what happened) and its vacancies (EMP-01: add one; choose one by its number in
//! the profile, then edit or close it). Each is one desk call, which checks permission and
//! every field; a refusal is shown under the fields and nothing is saved.

use crate::desk::{ComplaintAbout, Desk, DeskError, EmployerProfile, NewComplaint, NewVacancy, VacancyChanges};
use crate::domain::employer::Vacancy;
use crate::domain::ids::{EmployerId, VacancyId};
use crate::domain::validate::{FieldError, StudentNumber};
use crate::ui::panes::form::{Form, FormField};

use super::sheet::{yes_no, Outcome, Sheet, What};

pub(super) const STUDENT: &str = "Student number";
pub(super) const PERMISSION: &str = "Permission";
pub(super) const SUMMARY: &str = "What happened";
pub(super) const VACANCY_TITLE: &str = "Title";
pub(super) const CLOSES: &str = "Closes";
pub(super) const APPLY: &str = "Apply at";
pub(super) const WHICH: &str = "Vacancy number";

/// Words in the closing-date field that close a vacancy today.
const CLOSE_WORDS: [&str; 3] = ["close", "closed", "today"];

/// A vacancy being edited: which, and its employer.
pub(in crate::ui::panes::employers) struct VacancyEdit {
    pub(super) id: VacancyId,
    pub(super) employer: EmployerId,
    pub(super) title: String,
}

impl Sheet {
    /// A form recording a student's complaint about `p`'s employer (CMP-01).
    pub(super) fn complaint(p: &EmployerProfile) -> Sheet {
        Sheet {
            form: Form::new(vec![
                FormField::new(STUDENT, "", "the complaining student's number, e.g. 10234567"),
                FormField::new(
                    PERMISSION,
                    "no",
                    "yes or no: may the service take it up with the employer",
                ),
                FormField::new(SUMMARY, "", "in brief"),
            ]),
            what: What::Complaint {
                id: p.employer.id,
                name: p.employer.name.clone(),
            },
        }
    }

    /// An empty form for a vacancy at `p`'s employer (EMP-01).
    pub(super) fn vacancy(p: &EmployerProfile) -> Sheet {
        Sheet {
            form: Form::new(vec![
                FormField::new(VACANCY_TITLE, "", ""),
                FormField::new(CLOSES, "", "YYYY-MM-DD, empty for open-ended"),
                FormField::new(APPLY, "", "optional, e.g. https://example.com/apply"),
            ]),
            what: What::Vacancy {
                id: p.employer.id,
                name: p.employer.name.clone(),
            },
        }
    }

    /// The edit form of `p`'s only vacancy, or a form asking which to edit; `None` when it has
    /// none.
    pub(super) fn pick_vacancy(p: &EmployerProfile) -> Option<Sheet> {
        match p.vacancies.as_slice() {
            [] => None,
            [only] => Some(Sheet::edit_vacancy(only)),
            all => {
                let mut form = Form::new(vec![FormField::new(WHICH, "", "its number in the profile's list")]);
                form.notes
                    .extend(all.iter().enumerate().map(|(i, v)| format!("  {}. {}", i + 1, v.title)));
                Some(Sheet {
                    form,
                    what: What::PickVacancy {
                        vacancies: all.to_vec(),
                    },
                })
            }
        }
    }

    /// A form holding `v` to edit; `close` (or `today`) as the closing date closes it today.
    pub(super) fn edit_vacancy(v: &Vacancy) -> Sheet {
        let closes = v.closes.map_or_else(String::new, |d| d.to_string());
        Sheet {
            form: Form::new(vec![
                FormField::new(VACANCY_TITLE, &v.title, ""),
                FormField::new(
                    CLOSES,
                    &closes,
                    "YYYY-MM-DD; `close` closes it today; empty: open-ended",
                ),
                FormField::new(APPLY, v.url.as_deref().unwrap_or(""), "empty clears it"),
            ]),
            what: What::EditVacancy(VacancyEdit {
                id: v.id,
                employer: v.employer,
                title: v.title.clone(),
            }),
        }
    }

    /// Submits one of this file's forms.
    pub(super) fn submit_record(&mut self, desk: &Desk) -> Outcome {
        let done = match &self.what {
            What::Complaint { id, name } => submit_complaint(&self.form, desk, *id, name),
            What::Vacancy { id, name } => submit_vacancy(&self.form, desk, *id, name),
            What::PickVacancy { vacancies } => pick(&self.form, vacancies),
            What::EditVacancy(edit) => submit_edit(&self.form, desk, edit),
            _ => return Outcome::Stay,
        };
        match done {
            Ok(outcome) => outcome,
            Err(e) => self.refused(e),
        }
    }
}

fn submit_complaint(form: &Form, desk: &Desk, id: EmployerId, name: &str) -> Result<Outcome, DeskError> {
    let mut errors = Vec::new();
    let client = StudentNumber::parse(form.value(STUDENT))
        .map_err(|e| errors.push(e))
        .ok();
    let permission = yes_no(form, PERMISSION, "permission").map_err(|e| errors.push(e)).ok();
    if form.value(SUMMARY).is_empty() {
        errors.push(FieldError::new("summary", "is required: what happened, in brief"));
    }
    let (Some(client), Some(permission), true) = (client, permission, errors.is_empty()) else {
        return Err(DeskError::Fields(errors));
    };
    let c = desk.add_complaint(&NewComplaint {
        client: client.clone(),
        about: ComplaintAbout::Employer {
            employer: id.to_string(),
            permission,
        },
        summary: form.value(SUMMARY).to_string(),
    })?;
    let taken_up = match permission {
        true => "the student allows it to be taken up",
        false => "no permission to take it up",
    };
    Ok(Outcome::Saved(
        format!("Recorded {client}'s complaint about {name} ({taken_up}; id {}).", c.id),
        id,
    ))
}

fn submit_vacancy(form: &Form, desk: &Desk, id: EmployerId, name: &str) -> Result<Outcome, DeskError> {
    let v = desk.add_vacancy(
        id,
        &NewVacancy {
            title: form.value(VACANCY_TITLE).to_string(),
            closes: form.value(CLOSES).to_string(),
            url: form.value(APPLY).to_string(),
        },
    )?;
    Ok(Outcome::Saved(format!("Added the vacancy {} at {name}.", v.title), id))
}

fn pick(form: &Form, vacancies: &[Vacancy]) -> Result<Outcome, DeskError> {
    let typed = form.value(WHICH);
    let chosen = typed
        .trim_end_matches('.')
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| vacancies.get(i));
    match chosen {
        Some(v) => Ok(Outcome::Next(Box::new(Sheet::edit_vacancy(v)), None)),
        None => Err(DeskError::Fields(vec![FieldError::new(
            "vacancy number",
            format!("type a number from 1 to {}, as the profile lists them", vacancies.len()),
        )])),
    }
}

fn submit_edit(form: &Form, desk: &Desk, edit: &VacancyEdit) -> Result<Outcome, DeskError> {
    let closes = form.value(CLOSES);
    if CLOSE_WORDS.contains(&closes.to_lowercase().as_str()) {
        let changed = |label: &str| form.field(label).is_some_and(|f| f.changed());
        if changed(VACANCY_TITLE) || changed(APPLY) {
            return Err(DeskError::Fields(vec![FieldError::new(
                "closes",
                "closing a vacancy changes nothing else: save the other changes first, then close it",
            )]));
        }
        let v = desk.close_vacancy(edit.id)?;
        return Ok(Outcome::Saved(
            format!("Closed the vacancy {} today.", v.title),
            edit.employer,
        ));
    }
    let changed = |label: &str| form.field(label).filter(|f| f.changed()).map(|f| f.value().to_string());
    let changes = VacancyChanges {
        title: changed(VACANCY_TITLE),
        closes: changed(CLOSES),
        url: changed(APPLY),
    };
    if changes == VacancyChanges::default() {
        return Ok(Outcome::Closed);
    }
    let v = desk.edit_vacancy(edit.id, &changes)?;
    let was = match v.title == edit.title {
        true => String::new(),
        false => format!(" (was {})", edit.title),
    };
    Ok(Outcome::Saved(
        format!("Saved the vacancy {}{was}.", v.title),
        edit.employer,
    ))
}
