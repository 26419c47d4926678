//! Vacancies typed in by staff through the desk (EMP-01): added, edited and closed, each
//! needing `ManageEmployers`, every wrong field named, doubles refused, audited.

mod common;

use careerdesk::desk::{DeskError, NewEmployer, NewVacancy, VacancyChanges};
use careerdesk::domain::operator::Role;
use chrono::NaiveDate;
use common::{at, World};

fn world() -> (World, careerdesk::domain::ids::EmployerId) {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("er1", Role::EmployerRelations), ("desk1", Role::Desk)],
        &[],
    );
    let e = w
        .admin
        .add_employer(&NewEmployer {
            name: "Acme Engineering".into(),
            sector: "engineering".into(),
            ..NewEmployer::default()
        })
        .unwrap();
    (w, e.id)
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn emp_01_vacancies_are_added_edited_and_closed_through_the_desk() {
    let (w, acme) = world();
    let er1 = w.as_("er1");
    let v = er1
        .add_vacancy(
            acme,
            &NewVacancy {
                title: "Graduate engineer".into(),
                closes: "2027-01-31".into(),
                url: "https://acme.example/jobs".into(),
            },
        )
        .unwrap();
    assert!(!v.self_uploaded, "typed in by staff, not uploaded by the employer");
    let edited = er1
        .edit_vacancy(
            v.id,
            &VacancyChanges {
                title: Some("Graduate civil engineer".into()),
                closes: Some(String::new()),
                url: None,
            },
        )
        .unwrap();
    assert_eq!(edited.title, "Graduate civil engineer");
    assert_eq!(edited.closes, None, "an empty closing date makes it open-ended");
    assert_eq!(edited.url.as_deref(), Some("https://acme.example/jobs"));
    let closed = er1.close_vacancy(v.id).unwrap();
    assert_eq!(closed.closes, date(2026, 11, 30), "closed today");
    let stored = w.admin.employer_profile(acme).unwrap().vacancies;
    assert_eq!(stored, [closed]);
    // Closed before today: closing again is refused.
    w.clock.set(at(2026, 12, 2, 9, 0));
    assert!(matches!(er1.close_vacancy(v.id), Err(DeskError::Invalid(_))));
    let audit: Vec<String> = w
        .admin
        .audit_log()
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .map(|e| e.detail)
        .filter(|d| d.starts_with("vacancy"))
        .collect();
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(audit[0].starts_with("vacancy added"));
    assert_eq!(audit[1..], ["vacancy edited", "vacancy closed"]);
}

#[test]
fn emp_01_bad_vacancy_fields_doubles_and_other_roles_are_refused_and_nothing_is_saved() {
    let (w, acme) = world();
    let er1 = w.as_("er1");
    match er1.add_vacancy(
        acme,
        &NewVacancy {
            title: " ".into(),
            closes: "2026-11-01".into(),
            url: "nowhere".into(),
        },
    ) {
        Err(DeskError::Fields(f)) => {
            let fields: Vec<&str> = f.iter().map(|e| e.field).collect();
            assert_eq!(fields, ["title", "closes", "url"], "{f:?}");
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let new = NewVacancy {
        title: "Intern".into(),
        ..NewVacancy::default()
    };
    let v = er1.add_vacancy(acme, &new).unwrap();
    assert!(
        matches!(er1.add_vacancy(acme, &new), Err(DeskError::Invalid(m)) if m.contains("already has the vacancy")),
        "the same title and closing date twice"
    );
    let desk1 = w.as_("desk1");
    assert!(matches!(desk1.add_vacancy(acme, &new), Err(DeskError::Denied(_))));
    assert!(matches!(
        desk1.edit_vacancy(v.id, &VacancyChanges::default()),
        Err(DeskError::Denied(_))
    ));
    assert!(matches!(desk1.close_vacancy(v.id), Err(DeskError::Denied(_))));
    assert!(matches!(
        er1.edit_vacancy(
            v.id,
            &VacancyChanges {
                closes: Some("soon".into()),
                ..VacancyChanges::default()
            }
        ),
        Err(DeskError::Fields(_))
    ));
    assert_eq!(w.admin.employer_profile(acme).unwrap().vacancies, [v]);
}
