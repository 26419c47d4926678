//! What students may see of employers (DATA-13): employers decide whether their contacts'
//! details are visible to students, so anything meant for students carries only the contacts
//! marked `visible_to_students`, and never key-contact guidance, ownership, tags or engagement
//! notes (internal). Pure.

use chrono::NaiveDate;
use serde::Serialize;

use super::employer::{Contact, Employer, Vacancy};

/// A contact as students may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentContact {
    /// Name (no key-contact mark: that is internal).
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A vacancy as students see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentVacancy {
    /// Title.
    pub title: String,
    /// Closing date.
    pub closes: Option<NaiveDate>,
    /// Where to apply.
    pub url: Option<String>,
}

/// An employer as students may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentEmployer {
    /// Organisation name.
    pub name: String,
    /// Sector.
    pub sector: String,
    /// Website.
    pub website: Option<String>,
    /// The contacts the employer agreed students may see, by name.
    pub contacts: Vec<StudentContact>,
    /// Its vacancies.
    pub vacancies: Vec<StudentVacancy>,
}

/// `employer` for students: only its contacts visible to students (DATA-13), and how many were
/// left out.
pub fn for_students(employer: &Employer, contacts: &[Contact], vacancies: &[Vacancy]) -> (StudentEmployer, usize) {
    let mut shown: Vec<StudentContact> = Vec::new();
    let mut hidden = 0;
    for c in contacts.iter().filter(|c| c.employer == employer.id) {
        if !c.visible_to_students {
            hidden += 1;
            continue;
        }
        shown.push(StudentContact {
            name: c.name.clone(),
            title: c.title.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_string()),
            phone: c.phone.as_ref().map(|p| p.as_str().to_string()),
        });
    }
    shown.sort_by(|a, b| a.name.cmp(&b.name));
    let vacancies = vacancies
        .iter()
        .filter(|v| v.employer == employer.id)
        .map(|v| StudentVacancy {
            title: v.title.clone(),
            closes: v.closes,
            url: v.url.clone(),
        })
        .collect();
    (
        StudentEmployer {
            name: employer.name.clone(),
            sector: employer.sector.clone(),
            website: employer.website.clone(),
            contacts: shown,
            vacancies,
        },
        hidden,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::employer::Ownership;
    use crate::domain::ids::{ContactId, EmployerId, OperatorId};
    use crate::domain::validate::Email;
    use chrono::DateTime;

    fn contact(id: u128, name: &str, visible: bool) -> Contact {
        Contact {
            id: ContactId(id),
            employer: EmployerId(1),
            name: name.into(),
            title: Some("Recruiter".into()),
            email: Some(Email::parse(&format!("{}@acme.example", name.to_lowercase())).unwrap()),
            phone: None,
            key_contact: !visible,
            guidance: "Call the owner first".into(),
            visible_to_students: visible,
        }
    }

    #[test]
    fn data_13_hidden_contacts_guidance_and_ownership_never_reach_students() {
        let e = Employer {
            id: EmployerId(1),
            name: "Acme".into(),
            sector: "engineering".into(),
            website: None,
            tags: vec!["internal-tag".into()],
            ownership: Ownership::KeyAccount { owner: OperatorId(3) },
            self_registered: false,
            created_at: DateTime::UNIX_EPOCH,
        };
        let contacts = [contact(1, "Hidden", false), contact(2, "Shown", true)];
        let (s, hidden) = for_students(&e, &contacts, &[]);
        assert_eq!(hidden, 1);
        assert_eq!(s.contacts.len(), 1);
        assert_eq!(s.contacts[0].email.as_deref(), Some("shown@acme.example"));
        let json = serde_json::to_string(&s).unwrap();
        for never in ["hidden", "Hidden", "Call the owner", "internal-tag", "owner", "key"] {
            assert!(!json.contains(never), "{never:?} in {json}");
        }
    }
}
