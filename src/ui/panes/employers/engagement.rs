//! The employers pane's engagement and liaison forms (EMP-01, EMP-04, EMP-05). Logging an
//! engagement that names another owner's key contact, with no liaison recorded, is refused by
//! the desk's liaison gate: the form names the owner, and enter then opens the liaison form
//! (who, when, what was agreed). Once the liaison is recorded the engagement form comes back
//! as it was typed, and enter logs it. A multi-owner employer has no gate: its form lists the
//! recent engagement notes to read first.

use crate::desk::{Desk, DeskError, EmployerProfile};
use crate::domain::employer::{EngagementKind, Ownership};
use crate::domain::ids::EmployerId;
use crate::domain::operator::Login;
use crate::domain::validate::{self, FieldError};
use crate::ui::panes::form::{Form, FormField};

use super::sheet::{Outcome, Sheet, What, AGREED, CONTACTS, KIND, TEXT, WHEN, WITH};

/// How many of a multi-owner employer's recent notes the form lists.
const RECENT_SHOWN: usize = 5;

/// An engagement being logged.
pub(in crate::ui::panes::employers) struct Engagement {
    pub(super) id: EmployerId,
    pub(super) name: String,
    /// After a refusal by the gate: the owner to liaise with (enter offers the liaison form).
    gated: Option<String>,
}

/// A liaison being recorded, and the engagement form to go back to after it.
pub(in crate::ui::panes::employers) struct Liaison {
    pub(super) id: EmployerId,
    pub(super) name: String,
    then: Option<Box<Sheet>>,
}

/// Now, as the when field shows it: local time, to the minute.
fn now_text(desk: &Desk) -> String {
    desk.local_time(desk.now()).format("%Y-%m-%d %H:%M").to_string()
}

impl Engagement {
    /// Typing after a refusal withdraws the liaison offer (the contacts may have changed).
    pub(super) fn typed(&mut self, form: &mut Form) {
        if self.gated.take().is_some() {
            form.problems.clear();
            form.notes.retain(|n| !n.starts_with("enter records"));
        }
    }

    /// The form's last line.
    pub(super) fn help(&self) -> &'static str {
        match self.gated {
            Some(_) => "enter records the liaison first · ↑/↓ field · esc cancels",
            None => "↑/↓ field · enter logs it · esc cancels",
        }
    }
}

impl Sheet {
    /// A form logging an engagement with the profile's employer. The notes list its contacts;
    /// a multi-owner employer's recent notes are listed to read first (EMP-05).
    pub(in crate::ui::panes::employers) fn engagement(p: &EmployerProfile, owner: &str, desk: &Desk) -> Sheet {
        let mut form = Form::new(vec![
            FormField::new(KIND, "meeting", "meeting, call, email, fair, visit, event or other"),
            FormField::new(WHEN, &now_text(desk), "YYYY-MM-DD HH:MM, not after now"),
            FormField::new(CONTACTS, "", "names, comma-separated, optional"),
            FormField::new(TEXT, "", "what happened"),
        ]);
        if !p.contacts.is_empty() {
            let names: Vec<String> = p.contacts.iter().map(|c| c.display_name()).collect();
            form.notes
                .push(format!("Contacts here: {} (* = key contact)", names.join(", ")));
        }
        match p.employer.ownership {
            Ownership::KeyAccount { owner: o } if o != desk.operator().id => form.notes.push(format!(
                "Key account of {owner}: naming a key contact needs a liaison with {owner} first (EMP-04)."
            )),
            Ownership::MultiOwner => {
                let recent = desk.contact_gate(p, &[]).unwrap_or_default();
                form.notes.push(match recent.len() {
                    0 => "Multi-owner (EMP-05): no single owner; no engagement in the last 90 days.".to_string(),
                    n => format!("Multi-owner (EMP-05): no single owner; read the {n} recent note(s) first:"),
                });
                for n in recent.iter().take(RECENT_SHOWN) {
                    form.notes.push(format!(
                        "  {} {} · {}: {}",
                        desk.local_time(n.at).format("%Y-%m-%d"),
                        n.kind.as_str(),
                        desk.operator_login(n.author),
                        n.text
                    ));
                }
            }
            _ => {}
        }
        Sheet {
            form,
            what: What::Engagement(Engagement {
                id: p.employer.id,
                name: p.employer.name.clone(),
                gated: None,
            }),
        }
    }

    /// A form recording a liaison about `id` with `owner`; `then` is the engagement form to
    /// return to once it is recorded.
    pub(in crate::ui::panes::employers) fn liaison(
        id: EmployerId,
        name: &str,
        owner: &str,
        desk: &Desk,
        then: Option<Box<Sheet>>,
    ) -> Sheet {
        let mut form = Form::new(vec![
            FormField::new(WITH, owner, "the owner's login"),
            FormField::new(WHEN, &now_text(desk), "YYYY-MM-DD HH:MM, not after now"),
            FormField::new(AGREED, "", "what was agreed"),
        ]);
        form.focus_on(AGREED);
        if then.is_some() {
            form.notes
                .push("The engagement you typed is kept: it comes back once this is recorded.".into());
        }
        Sheet {
            form,
            what: What::Liaison(Liaison {
                id,
                name: name.to_string(),
                then,
            }),
        }
    }

    /// Submits an engagement or a liaison form.
    pub(super) fn submit_engagement(&mut self, desk: &Desk) -> Outcome {
        let tz = desk.policy().institution.time_zone;
        let when = validate::local_datetime("when", self.form.value(WHEN), tz);
        match &mut self.what {
            What::Engagement(g) => {
                if let Some(owner) = g.gated.take() {
                    return Outcome::Liaise {
                        id: g.id,
                        name: g.name.clone(),
                        owner,
                    };
                }
                let kind = EngagementKind::parse(self.form.value(KIND));
                let contacts: Vec<String> = self
                    .form
                    .value(CONTACTS)
                    .split(',')
                    .map(|c| c.trim().trim_end_matches('*').trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect();
                let (kind, at) = match (kind, when) {
                    (Ok(k), Ok(at)) => (k, at),
                    (k, w) => return self.refused(DeskError::Fields(errors([k.err(), w.err()]))),
                };
                let (id, name) = (g.id, g.name.clone());
                match desk.log_engagement_at(id, kind, self.form.value(TEXT), &contacts, Some(at)) {
                    Ok(logged) => {
                        let article = match kind {
                            EngagementKind::Email | EngagementKind::Event | EngagementKind::Other => "an",
                            _ => "a",
                        };
                        let mut said = format!("Logged {article} {} with {name}.", kind.as_str());
                        if !logged.recent.is_empty() {
                            said.push_str(&format!(
                                " Multi-owner: {} recent note(s) by colleagues are in the profile.",
                                logged.recent.len()
                            ));
                        }
                        Outcome::Saved(said, id)
                    }
                    Err(DeskError::LiaiseFirst { owner, .. }) => {
                        self.form.problems.push(format!(
                            "Refused by the liaison gate (EMP-04): {name} is a key account owned by {owner}; \
                             liaise with {owner} before contacting its key contacts."
                        ));
                        self.form.notes.push(format!(
                            "enter records the liaison with {owner} (who, when, what was agreed)"
                        ));
                        g.gated = Some(owner);
                        Outcome::Stay
                    }
                    Err(e) => self.refused(e),
                }
            }
            What::Liaison(l) => {
                let with = Login::parse(self.form.value(WITH)).map_err(|e| FieldError::new("with", e.message));
                let (with, at) = match (with, when) {
                    (Ok(w), Ok(at)) => (w, at),
                    (w, t) => return self.refused(DeskError::Fields(errors([w.err(), t.err()]))),
                };
                let (id, name) = (l.id, l.name.clone());
                match desk.record_liaison_at(id, &with, self.form.value(AGREED), Some(at)) {
                    Ok(_) => {
                        let said = format!("Recorded the liaison with {with} about {name}.");
                        match l.then.take() {
                            Some(mut back) => {
                                back.form.problems.clear();
                                back.form.notes.retain(|n| !n.starts_with("enter records"));
                                back.form
                                    .notes
                                    .push(format!("✓ Liaison with {with} recorded: enter logs the engagement."));
                                Outcome::Next(back, Some(said))
                            }
                            None => Outcome::Saved(said, id),
                        }
                    }
                    Err(e) => self.refused(e),
                }
            }
            _ => Outcome::Stay,
        }
    }
}

/// The errors among `found`.
fn errors<const N: usize>(found: [Option<FieldError>; N]) -> Vec<FieldError> {
    found.into_iter().flatten().collect()
}
