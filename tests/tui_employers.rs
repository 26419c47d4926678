//! The employers pane's editing, the liaison gate and the contact-time chart, driven through
//! the `Pane` trait with a real desk (fixed clock, shipped `standard` policy) and drawn into a
//! test backend: adding, editing and tagging an employer, adding a contact, logging engagement
//! (refused by the gate until a liaison is recorded, or with the recent notes of a multi-owner
//! employer), the chart in the profile and the busiest employers.

mod common;

use std::sync::Arc;

use careerdesk::desk::{Desk, NewContact, NewEmployer};
use careerdesk::domain::employer::EngagementKind;
use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::pane::Pane;
use careerdesk::ui::panes::employers::EmployersPane;

use common::panes::*;
use common::*;

/// er1 and er2 (employer relations), desk1; Monday 30 November 2026 08:00 UTC. er1 owns the
/// key account Acme Engineering (key contact Kim Key, and Pat Plain); Globex Finance is
/// multi-owner, with a call by er1 last week; Initech Consulting is open.
fn world() -> World {
    let w = World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("er2", Role::EmployerRelations),
            ("desk1", Role::Desk),
        ],
        &[],
    );
    let er1 = w.as_("er1");
    let employer = |name: &str, sector: &str, owner: Option<&str>, multi_owner: bool| {
        er1.add_employer(&NewEmployer {
            name: name.into(),
            sector: sector.into(),
            website: Some(format!(
                "https://{}.example.com",
                name.split(' ').next().unwrap().to_lowercase()
            )),
            tags: vec![sector.into()],
            owner: owner.map(login),
            multi_owner,
            self_registered: false,
        })
        .unwrap()
    };
    let acme = employer("Acme Engineering", "engineering", Some("er1"), false);
    let globex = employer("Globex Finance", "finance", None, true);
    employer("Initech Consulting", "consulting", None, false);
    for (name, key) in [("Kim Key", true), ("Pat Plain", false)] {
        er1.add_contact(
            acme.id,
            &NewContact {
                name: name.into(),
                key_contact: key,
                guidance: if key { "Call first".into() } else { String::new() },
                ..NewContact::default()
            },
        )
        .unwrap();
    }
    er1.log_engagement_at(
        globex.id,
        EngagementKind::Call,
        "Agreed the spring talks",
        &[],
        Some(at(2026, 11, 24, 10, 0)),
    )
    .unwrap();
    w
}

fn large(pane: &mut dyn Pane) -> String {
    screen(pane, 160, 48)
}

/// The pane signed in as `who`, shown, with `find` searched for and the list focused.
fn pane_for<'d>(desk: &'d Arc<Desk>, find: &str) -> (Ui<'d>, EmployersPane) {
    let mut ui = Ui::new(desk);
    let mut pane = EmployersPane::new(desk);
    ui.shown(&mut pane);
    if !find.is_empty() {
        ui.cmd(&mut pane, Command::Search);
        ui.type_text(&mut pane, find);
        ui.cmd(&mut pane, Command::Back);
    }
    assert!(!pane.typing(), "the list has focus");
    (ui, pane)
}

/// Fills the open form's fields top to bottom (`None` leaves one as it is).
fn fill(ui: &mut Ui<'_>, pane: &mut EmployersPane, values: &[Option<&str>]) {
    ui.cmd(pane, Command::First);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            ui.cmd(pane, Command::Down);
        }
        if let Some(v) = v {
            ui.replace(pane, v);
        }
    }
}

#[test]
fn emp_01_an_employer_added_on_the_screen_is_found_by_search() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "");
    assert!(ui.cmd(&mut pane, Command::AddEmployer));
    assert!(pane.typing(), "the form takes what is typed");
    has(&large(&mut pane), "Add an employer");
    fill(
        &mut ui,
        &mut pane,
        &[
            Some("Northwind Robotics"),
            Some("engineering"),
            Some("https://northwind.example.com"),
            Some("robotics, #graduate"),
            Some("multi-owner"),
        ],
    );
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Added Northwind Robotics.");
    assert!(!pane.typing(), "the form closed");
    let s = large(&mut pane);
    has(&s, "Northwind Robotics  ◇ multi-owner  #graduate #robotics");
    has(&s, "Ownership: ◇ multi-owner, no single owner (EMP-05)");
    // Found by search, and in the store.
    ui.cmd(&mut pane, Command::Search);
    ui.type_text(&mut pane, "northwind");
    let s = large(&mut pane);
    has(&s, "Employers: 1");
    has(&s, "Sector: engineering · Website: https://northwind.example.com");
    assert_eq!(w.admin.find_employers("northwind", &[]).unwrap().len(), 1);
}

#[test]
fn emp_01_the_add_form_names_each_wrong_field_and_an_owner_makes_a_key_account() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "");
    ui.cmd(&mut pane, Command::AddEmployer);
    fill(
        &mut ui,
        &mut pane,
        &[Some("Zeta Labs"), Some(""), Some("not a site"), None, Some("nobody")],
    );
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "✗ sector");
    has(&s, "✗ website: must be an address like https://example.com");
    assert!(w.admin.find_employers("zeta", &[]).unwrap().is_empty(), "nothing added");
    fill(
        &mut ui,
        &mut pane,
        &[None, Some("science"), Some(""), None, Some("nobody")],
    );
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "no operator has login nobody");
    fill(&mut ui, &mut pane, &[None, None, None, None, Some("er1")]);
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Added Zeta Labs.");
    has(&large(&mut pane), "Zeta Labs  ★ key account (owner: er1)");
}

#[test]
fn emp_01_desk_staff_get_the_desk_s_refusal_on_the_form() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = pane_for(&desk, "initech");
    ui.cmd(&mut pane, Command::AddEmployer);
    fill(&mut ui, &mut pane, &[Some("Desk Made Ltd"), Some("retail")]);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "✗ permission denied");
    assert!(pane.typing(), "the form stays open");
    ui.cmds(&mut pane, &[Command::Back, Command::Back]);
    ui.cmd(&mut pane, Command::LogEngagement);
    fill(&mut ui, &mut pane, &[None, None, None, Some("Walked in")]);
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "✗ permission denied");
    assert!(w.admin.find_employers("desk made", &[]).unwrap().is_empty());
}

#[test]
fn emp_01_editing_tagging_and_adding_a_contact_from_the_pane() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "initech");
    ui.cmd(&mut pane, Command::EditEmployer);
    has(&large(&mut pane), "Edit the employer");
    fill(&mut ui, &mut pane, &[None, Some("management consulting")]);
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Saved Initech Consulting.");
    has(&large(&mut pane), "Sector: management consulting");
    ui.cmd(&mut pane, Command::TagEmployer);
    has(&large(&mut pane), "Tagged now: #consulting");
    fill(&mut ui, &mut pane, &[Some("internships, #spring"), Some("consulting")]);
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Initech Consulting now has #internships #spring.");
    has(&large(&mut pane), "Tags: #internships #spring");
    // Removing a tag it does not carry is refused.
    ui.cmd(&mut pane, Command::TagEmployer);
    fill(&mut ui, &mut pane, &[None, Some("nope")]);
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "Initech Consulting is not tagged #nope");
    ui.cmds(&mut pane, &[Command::Back, Command::Back]);
    ui.cmd(&mut pane, Command::AddContact);
    fill(
        &mut ui,
        &mut pane,
        &[
            Some("Sam Lee"),
            Some("Campus recruiter"),
            Some("sam.lee@initech.example.com"),
            Some("07700 900123"),
            Some("maybe"),
        ],
    );
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "key contact: \"maybe\": type yes or no");
    fill(
        &mut ui,
        &mut pane,
        &[
            None,
            None,
            None,
            None,
            Some("yes"),
            Some("Ring before noon"),
            Some("yes"),
        ],
    );
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Added Sam Lee* at Initech Consulting.");
    let s = large(&mut pane);
    has(&s, "Sam Lee* · ◉ visible to students");
    has(&s, "Campus recruiter · sam.lee@initech.example.com · +447700900123");
    has(&s, "guidance: Ring before noon");
}

#[test]
fn emp_01_an_engagement_logged_on_the_screen_shows_in_the_profile() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "initech");
    ui.cmd(&mut pane, Command::LogEngagement);
    let s = large(&mut pane);
    has(&s, "Log an engagement with Initech Consulting");
    has(&s, "When: 2026-11-30 08:00");
    fill(
        &mut ui,
        &mut pane,
        &[Some("visit"), Some("2026-11-27 14:00"), None, Some("Toured the labs")],
    );
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Logged a visit with Initech Consulting.");
    let s = large(&mut pane);
    has(&s, "2026-11-27 visit · er2: Toured the labs");
    has(&s, "Engagement (1)");
    // A time after now, or a kind there is not, is refused naming the field.
    ui.cmd(&mut pane, Command::LogEngagement);
    fill(
        &mut ui,
        &mut pane,
        &[Some("lunch"), Some("2026-12-01 09:00"), None, Some("Later")],
    );
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(
        &s,
        "✗ kind: must be one of meeting, call, email, fair, visit, event, other",
    );
    fill(&mut ui, &mut pane, &[Some("call")]);
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "✗ when: is after now");
}

#[test]
fn emp_04_the_gate_refusal_names_the_owner_and_a_recorded_liaison_lets_it_through() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "acme");
    ui.cmd(&mut pane, Command::LogEngagement);
    let s = large(&mut pane);
    has(&s, "Contacts here: Kim Key*, Pat Plain");
    has(
        &s,
        "Key account of er1: naming a key contact needs a liaison with er1 first (EMP-04).",
    );
    fill(
        &mut ui,
        &mut pane,
        &[None, None, Some("Kim Key*"), Some("Invited Kim to the fair")],
    );
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(
        &s,
        "✗ Refused by the liaison gate (EMP-04): Acme Engineering is a key account owned",
    );
    has(&s, "by er1; liaise with er1 before contacting its key contacts.");
    has(&s, "enter records the liaison with er1");
    let acme = w.admin.resolve_employer("Acme Engineering").unwrap();
    assert!(
        w.admin.employer_profile(acme.id).unwrap().engagement.is_empty(),
        "nothing logged"
    );
    // Enter offers the liaison: who (the owner), when (now), what was agreed.
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "Record a liaison about Acme Engineering");
    has(&s, "With: er1");
    has(&s, "The engagement you typed is kept");
    ui.type_text(&mut pane, "er1 agreed I invite Kim to the fair");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Recorded the liaison with er1 about Acme Engineering.");
    let s = large(&mut pane);
    has(&s, "Log an engagement with Acme Engineering");
    has(&s, "✓ Liaison with er1 recorded: enter logs the engagement.");
    has(&s, "Text: Invited Kim to the fair");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Logged a meeting with Acme Engineering.");
    let s = large(&mut pane);
    has(&s, "liaison with er1 · er2: er1 agreed I invite Kim to the fair");
    has(&s, "meeting · er2: Invited Kim to the fair");
}

#[test]
fn emp_04_a_liaison_is_recorded_from_the_list_and_the_owner_needs_none() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "acme");
    ui.cmd(&mut pane, Command::RecordLiaison);
    fill(
        &mut ui,
        &mut pane,
        &[None, Some("2026-11-29 16:00"), Some("Spoke about Kim")],
    );
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Recorded the liaison with er1 about Acme Engineering.");
    has(&large(&mut pane), "2026-11-29 liaison with er1 · er2: Spoke about Kim");
    let owner = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = pane_for(&owner, "acme");
    ui.cmd(&mut pane, Command::RecordLiaison);
    assert_eq!(ui.problem(), "you own Acme Engineering: no liaison is needed");
    assert!(!pane.typing());
}

#[test]
fn emp_05_a_multi_owner_employer_shows_recent_notes_instead_of_a_gate() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "globex");
    ui.cmd(&mut pane, Command::LogEngagement);
    let s = large(&mut pane);
    has(
        &s,
        "Multi-owner (EMP-05): no single owner; read the 1 recent note(s) first:",
    );
    has(&s, "2026-11-24 call · er1: Agreed the spring talks");
    lacks(&s, "liaison");
    fill(
        &mut ui,
        &mut pane,
        &[Some("email"), None, None, Some("Sent the fair dates")],
    );
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().starts_with("Logged an email with Globex Finance."),
        "{}",
        ui.done()
    );
    has(&large(&mut pane), "2026-11-30 e-mail · er2: Sent the fair dates");
}

#[test]
fn evt_04_the_profile_charts_contacts_per_week_over_the_last_year() {
    let w = world();
    let er1 = w.as_("er1");
    let initech = w.admin.resolve_employer("Initech").unwrap();
    for at in [
        at(2026, 11, 30, 7, 0),
        at(2026, 11, 23, 9, 0),
        at(2026, 11, 24, 9, 0),
        at(2025, 6, 1, 9, 0), // older than a year: not charted
    ] {
        er1.log_engagement_at(initech.id, EngagementKind::Meeting, "Met", &[], Some(at))
            .unwrap();
    }
    let desk = Arc::new(w.as_("er2"));
    let (_ui, mut pane) = pane_for(&desk, "initech");
    let s = large(&mut pane);
    insta::assert_snapshot!("employer_profile_with_its_contact_chart_160x48", s);
    has(&s, "Weekly contacts (EVT-04) · last 52 weeks");
    has(&s, "3 in all · busiest w/c 23 Nov: 2");
    let spark = format!("{}█▄ max 2", "·".repeat(50));
    has(&s, &spark);
    has(&s, "8 Dec 2025");
    has(&s, "w/c 30 Nov");
    // A narrow pane shows the latest weeks that fit, and says how many.
    let s = screen(&mut pane, 80, 30);
    has(&s, "Weekly contacts (EVT-04) · last 32 of 52");
    has(&s, &format!("{}█▄ max 2", "·".repeat(30)));
    // An employer with no contacts says so.
    let (_ui, mut pane) = pane_for(&desk, "acme");
    let s = large(&mut pane);
    has(&s, "no contacts in these weeks");
    has(&s, &format!("{} max 0", "·".repeat(52)));
}

#[test]
fn evt_04_the_busiest_employers_are_listed_most_first_and_enter_shows_one() {
    let w = world();
    let er1 = w.as_("er1");
    let initech = w.admin.resolve_employer("Initech").unwrap();
    for day in [20, 23, 27] {
        er1.log_engagement_at(
            initech.id,
            EngagementKind::Call,
            "Called",
            &[],
            Some(at(2026, 11, day, 9, 0)),
        )
        .unwrap();
    }
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = pane_for(&desk, "acme");
    assert!(ui.cmd(&mut pane, Command::BusiestEmployers));
    let s = large(&mut pane);
    has(&s, "Busiest employers, last year (EVT-04)");
    let first = s
        .lines()
        .position(|l| l.contains("1. Initech Consulting · 3 contact(s)"));
    let second = s.lines().position(|l| l.contains("2. Globex Finance · 1 contact(s)"));
    assert!(first.is_some() && first < second, "{s}");
    lacks(&s, "Acme Engineering · ");
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "Ownership: ◇ multi-owner, no single owner (EMP-05)");
    has(&s, "Globex Finance");
    ui.cmd(&mut pane, Command::BusiestEmployers);
    ui.cmd(&mut pane, Command::Back);
    has(&large(&mut pane), "Profile");
}

#[test]
fn emp_02_emp_03_the_profile_shows_vacancies_and_editing_the_owner_hands_the_account_over() {
    let w = world();
    let er1 = w.as_("er1");
    let csv = "employer,title,closes,url\n\
Acme Engineering,Graduate engineer,2027-01-31,https://acme.example.com/jobs/1\n\
Acme Engineering,Summer placement,,\n";
    er1.import_vacancies(csv.as_bytes(), "v.csv", careerdesk::desk::FileFormat::Csv, true)
        .unwrap();
    let desk = Arc::new(er1);
    let (mut ui, mut pane) = pane_for(&desk, "acme");
    let s = large(&mut pane);
    has(&s, "Vacancies (2)");
    has(&s, "Graduate engineer · closes 31 Jan 2027 · uploaded by the employer");
    has(&s, "https://acme.example.com/jobs/1");
    has(&s, "Summer placement · open-ended");
    // The owner hands the key account to er2 from the edit form.
    ui.cmd(&mut pane, Command::EditEmployer);
    has(&large(&mut pane), "Owner: er1");
    fill(&mut ui, &mut pane, &[None, None, None, Some("multi-owner")]);
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "✗ owner: type the new owner's login");
    fill(&mut ui, &mut pane, &[None, None, None, Some("er2")]);
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Saved Acme Engineering; handed over to er2.");
    has(&large(&mut pane), "Ownership: ★ key account, owner er2");
}
