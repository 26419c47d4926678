//! Bulk mail, complaints and vacancies on the screen (EVT-04, SEC-06, CMP-01, CMP-02, EMP-01),
//! driven through the `Pane` trait with a real desk and drawn into a test backend. Each test
//! checks what the service stored (the outbox, the complaint records, the vacancies), not only
//! what the screen says.

mod common;

use std::sync::Arc;

use careerdesk::desk::{ComplaintAbout, Desk, NewComplaint, NewContact, NewEmployer, NewEvent};
use careerdesk::domain::messages::MessageKind;
use careerdesk::domain::operator::Role;
use careerdesk::domain::outbox::OutboxEntry;
use careerdesk::domain::records::{ComplaintSubject, EscalationStage};
use careerdesk::ui::command::Command;
use careerdesk::ui::pane::Pane;
use careerdesk::ui::panes::clients::ClientsPane;
use careerdesk::ui::panes::employers::EmployersPane;
use careerdesk::ui::panes::events::EventsPane;

use common::panes::*;
use common::*;

/// Monday 30 November 2026 09:00. er1 owns the key account Acme Engineering (key contact Sam
/// Key, Pat Plain, No Mail without an address); Bolt Law is open (Lee Bolt); both tagged
/// `stem`. Two December events. er2 has the bulk-email grant, er1 has not. Three students.
fn world() -> World {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("er2", Role::EmployerRelations),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
        ],
    );
    let er1 = w.as_("er1");
    let acme = er1
        .add_employer(&NewEmployer {
            name: "Acme Engineering".into(),
            sector: "engineering".into(),
            tags: vec!["stem".into()],
            owner: Some(login("er1")),
            ..NewEmployer::default()
        })
        .unwrap();
    let bolt = er1
        .add_employer(&NewEmployer {
            name: "Bolt Law".into(),
            sector: "law".into(),
            tags: vec!["stem".into()],
            ..NewEmployer::default()
        })
        .unwrap();
    for (e, name, email, key) in [
        (&acme, "Sam Key", Some("sam@acme.example"), true),
        (&acme, "Pat Plain", Some("pat@acme.example"), false),
        (&acme, "No Mail", None, false),
        (&bolt, "Lee Bolt", Some("lee@bolt.example"), false),
    ] {
        er1.add_contact(
            e.id,
            &NewContact {
                name: name.into(),
                email: email.map(str::to_string),
                key_contact: key,
                ..NewContact::default()
            },
        )
        .unwrap();
    }
    for (title, day) in [("Engineering fair", 7), ("Law insight day", 9)] {
        er1.add_event(
            &NewEvent {
                title: title.into(),
                sector: "engineering".into(),
                start: at(2026, 12, day, 10, 0),
                minutes: 120,
                capacity: 50,
                employers: Vec::new(),
                audience_schools: vec!["Engineering".into()],
                target_programmes: Vec::new(),
                location: "Main hall".into(),
            },
            None,
        )
        .unwrap();
    }
    w.admin.set_bulk_email_grant(&login("er2"), true).unwrap();
    w
}

fn large(pane: &mut dyn Pane) -> String {
    screen(pane, 170, 60)
}

/// The employer mail in the outbox.
fn employer_mail(w: &World) -> Vec<OutboxEntry> {
    w.admin
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.message.kind == MessageKind::EmployerMail)
        .collect()
}

/// The employers pane as `desk`'s operator, `find` searched for, the list focused.
fn employers<'d>(desk: &'d Arc<Desk>, find: &str) -> (Ui<'d>, EmployersPane) {
    let mut ui = Ui::new(desk);
    let mut pane = EmployersPane::new(desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Search);
    ui.type_text(&mut pane, find);
    ui.cmd(&mut pane, Command::Back);
    assert!(!pane.typing(), "the list has focus");
    (ui, pane)
}

/// Fills the open form's fields top to bottom (`None` leaves one as it is).
fn fill(ui: &mut Ui<'_>, pane: &mut dyn Pane, values: &[Option<&str>]) {
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
fn evt_04_bulk_mail_from_the_screen_previews_recipients_then_queues_one_message_each() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = employers(&desk, "Acme");
    assert!(ui.cmd(&mut pane, Command::MailEmployers));
    assert!(pane.typing(), "the composer takes typing");
    let s = large(&mut pane);
    has(&s, "Bulk mail to employers (EVT-04)");
    has(&s, "Acme Engineering");
    fill(
        &mut ui,
        &mut pane,
        &[
            Some("Engineering fair, Law insight day"),
            None,
            None,
            Some("Two events this December"),
            Some("Please join us.\\nReply to book a stand."),
        ],
    );
    // The first enter previews: who gets it, who is left out and why; nothing is queued.
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "Preview, nothing sent yet: 1 message(s) to 1 employer(s)");
    has(&s, "Pat Plain <pat@acme.example> at Acme Engineering");
    has(
        &s,
        "Sam Key* at Acme Engineering: key contact of er1's key account: liaise with er1 first",
    );
    has(&s, "No Mail at Acme Engineering: no e-mail address");
    has(&s, "enter sends one message to each of the 1 recipient(s)");
    assert!(employer_mail(&w).is_empty(), "a preview queues nothing");
    // Typing withdraws the preview: enter previews again rather than sending.
    ui.cmd(&mut pane, Command::Up);
    ui.type_text(&mut pane, "!");
    ui.cmd(&mut pane, Command::Select);
    assert!(employer_mail(&w).is_empty(), "a changed mail is previewed again first");
    has(&large(&mut pane), "Two events this December!");
    // Enter again sends exactly what was previewed, through the outbox.
    ui.cmd(&mut pane, Command::Select);
    assert!(!pane.typing(), "the composer closed");
    let said = ui.done();
    assert!(
        said.contains("Queued 1 message(s) to 1 employer(s) promoting 2 event(s); 2 contact(s) left out"),
        "{said}"
    );
    assert!(ui.messages_queued, "the outbox is sent now");
    let mail = employer_mail(&w);
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].message.to, "pat@acme.example");
    assert_eq!(mail[0].message.subject, "Two events this December!");
    for want in [
        "Please join us.\nReply to book a stand.",
        "Engineering fair",
        "Law insight day",
    ] {
        assert!(
            mail[0].message.body.contains(want),
            "{want:?} in {}",
            mail[0].message.body
        );
    }
    // The mailing is an e-mail engagement in Acme's profile.
    has(&large(&mut pane), "Bulk mail \"Two events this December!\"");
}

#[test]
fn evt_04_an_event_is_promoted_from_the_events_pane_to_every_employer_with_a_tag() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let mut ui = Ui::new(&desk);
    let mut pane = EventsPane::new(&desk);
    ui.shown(&mut pane);
    assert!(ui.cmd(&mut pane, Command::PromoteEvent));
    has(&large(&mut pane), "Engineering fair");
    fill(
        &mut ui,
        &mut pane,
        &[
            None,
            None,
            Some("#stem"),
            Some("The engineering fair"),
            Some("Come and meet our students."),
        ],
    );
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "2 message(s) to 2 employer(s)");
    has(&s, "Lee Bolt <lee@bolt.example> at Bolt Law");
    has(&s, "Pat Plain <pat@acme.example> at Acme Engineering");
    assert!(employer_mail(&w).is_empty());
    ui.cmd(&mut pane, Command::Select);
    assert!(ui
        .done()
        .contains("Queued 2 message(s) to 2 employer(s) promoting 1 event(s)"));
    let mut to: Vec<String> = employer_mail(&w).into_iter().map(|e| e.message.to).collect();
    to.sort();
    assert_eq!(to, ["lee@bolt.example", "pat@acme.example"]);
}

#[test]
fn sec_06_evt_04_without_the_bulk_email_grant_the_composer_is_refused_on_both_panes() {
    let w = world();
    let desk = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = employers(&desk, "Acme");
    ui.cmd(&mut pane, Command::MailEmployers);
    let said = ui.problem();
    assert!(said.contains("bulk-email grant"), "{said}");
    assert!(!pane.typing(), "no composer opened");
    lacks(&large(&mut pane), "Bulk mail to employers");
    let mut events = EventsPane::new(&desk);
    ui.shown(&mut events);
    ui.cmd(&mut events, Command::PromoteEvent);
    assert!(ui.problem().contains("bulk-email grant"));
    assert!(!events.typing());
    assert!(employer_mail(&w).is_empty());
}

#[test]
fn evt_04_a_blank_subject_or_unknown_event_is_refused_in_the_composer_and_nothing_is_queued() {
    let w = world();
    let desk = Arc::new(w.as_("er2"));
    let (mut ui, mut pane) = employers(&desk, "Bolt");
    ui.cmd(&mut pane, Command::MailEmployers);
    fill(
        &mut ui,
        &mut pane,
        &[Some("Engineering fair"), None, None, Some(""), Some("Hello.")],
    );
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "✗ subject: is required");
    ui.cmd(&mut pane, Command::Select);
    assert!(pane.typing(), "still composing");
    fill(
        &mut ui,
        &mut pane,
        &[Some("No such fair"), None, None, Some("Hello"), None],
    );
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "No such fair");
    lacks(&s, "Preview, nothing sent yet");
    ui.cmd(&mut pane, Command::Select);
    assert!(employer_mail(&w).is_empty(), "nothing was queued");
    // esc twice (something was typed) closes it, sending nothing.
    ui.cmds(&mut pane, &[Command::Back, Command::Back]);
    assert!(!pane.typing());
    assert!(employer_mail(&w).is_empty());
}

fn complain(desk: &Desk, client: &str, about: ComplaintAbout) -> careerdesk::domain::records::Complaint {
    desk.add_complaint(&NewComplaint {
        client: sn(client),
        about,
        summary: "asked to work an unpaid trial week".into(),
    })
    .unwrap()
}

fn about_acme(permission: bool) -> ComplaintAbout {
    ComplaintAbout::Employer {
        employer: "Acme Engineering".into(),
        permission,
    }
}

#[test]
fn cmp_01_a_complaint_recorded_in_the_employer_profile_is_stored_and_listed() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = employers(&desk, "Acme");
    has(&large(&mut pane), "Complaints (0)");
    assert!(ui.cmd(&mut pane, Command::AddComplaint));
    has(&large(&mut pane), "Record a complaint about Acme Engineering (CMP-01)");
    // Bad input: an unknown student and a malformed one are refused, nothing saved.
    fill(
        &mut ui,
        &mut pane,
        &[Some("99999999"), Some("yes"), Some("Unpaid trial week")],
    );
    ui.cmd(&mut pane, Command::Select);
    assert!(pane.typing(), "the form stays open");
    has(&large(&mut pane), "99999999");
    fill(&mut ui, &mut pane, &[Some("12"), Some("maybe"), Some("")]);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "is not a student number");
    has(&s, "type yes or no");
    has(&s, "what happened, in brief");
    assert!(w.admin.complaints(None).unwrap().is_empty(), "nothing was saved");
    // Good input is recorded through the desk, with the permission flag.
    fill(
        &mut ui,
        &mut pane,
        &[Some("10000001"), Some("yes"), Some("Unpaid trial week")],
    );
    ui.cmd(&mut pane, Command::Select);
    assert!(!pane.typing());
    assert!(ui
        .done()
        .contains("Recorded 10000001's complaint about Acme Engineering"));
    let stored = w.admin.complaints(Some("Acme Engineering")).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].student_number, Some(sn("10000001")));
    assert_eq!(stored[0].complaint.summary, "Unpaid trial week");
    assert!(matches!(
        stored[0].complaint.subject,
        ComplaintSubject::Employer { permission: true, .. }
    ));
    let s = large(&mut pane);
    has(&s, "Complaints (1)");
    has(&s, "10000001 · permission to take it up: Unpaid trial week");
}

#[test]
fn cmp_01_the_profile_shows_supervisors_the_flag_and_employer_relations_the_refusal() {
    let w = world();
    for client in ["10000001", "10000002", "10000003"] {
        complain(&w.admin, client, about_acme(false));
    }
    let sup = Arc::new(w.as_("sup1"));
    let (_ui, mut pane) = employers(&sup, "Acme");
    let s = large(&mut pane);
    has(&s, "Complaints (3)");
    has(
        &s,
        "⚑ flagged to supervisors: 3 distinct student(s) complained (threshold 3)",
    );
    has(&s, "may be taken up (flagged)");
    let desk1 = Arc::new(w.as_("desk1"));
    let (_ui, mut pane) = employers(&desk1, "Acme");
    let s = large(&mut pane);
    has(&s, "Complaints (3)");
    lacks(&s, "flagged to supervisors");
    has(&s, "no permission to take it up");
    let er = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = employers(&er, "Acme");
    has(&large(&mut pane), "not shown to your role");
    // Recording one is refused by the desk for employer relations: nothing saved.
    ui.cmd(&mut pane, Command::AddComplaint);
    fill(&mut ui, &mut pane, &[Some("10000001"), Some("no"), Some("Late pay")]);
    ui.cmd(&mut pane, Command::Select);
    assert!(pane.typing(), "the refusal is shown on the form");
    assert_eq!(w.admin.complaints(None).unwrap().len(), 3);
}

#[test]
fn cmp_02_a_service_complaint_is_escalated_from_the_client_card_one_stage_at_a_time() {
    let w = world();
    let service = complain(&w.admin, "10000001", ComplaintAbout::Service);
    let history = |w: &World| match w.admin.complaint(service.id).unwrap().complaint.subject {
        ComplaintSubject::Service { history } => history.into_iter().map(|(s, _)| s).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    // Desk staff see it but may not escalate: the desk's refusal, nothing changed.
    let desk1 = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk1);
    let mut pane = ClientsPane::new(&desk1, built_index(&desk1));
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    ui.cmd(&mut pane, Command::EscalateComplaint);
    has(&large(&mut pane), "[not escalated]");
    ui.cmd(&mut pane, Command::EscalateComplaint);
    assert!(ui.problem().contains("escalate"), "{:?}", ui.notice);
    assert!(history(&w).is_empty());
    // A supervisor escalates it: director, then committee, each stored and dated.
    let sup = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&sup);
    let mut pane = ClientsPane::new(&sup, built_index(&sup));
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    ui.cmds(&mut pane, &[Command::EscalateComplaint, Command::EscalateComplaint]);
    assert!(ui.done().contains("Escalated the complaint to the director"));
    assert_eq!(history(&w), [EscalationStage::Director]);
    has(&large(&mut pane), "[escalated to the director");
    ui.cmd(&mut pane, Command::EscalateComplaint);
    assert_eq!(history(&w), [EscalationStage::Director, EscalationStage::Committee]);
    // A complaint about an employer does not escalate.
    complain(&w.admin, "10000002", about_acme(true));
    open_client(&mut ui, &mut pane, "Bo Two");
    ui.cmds(&mut pane, &[Command::EscalateComplaint, Command::EscalateComplaint]);
    assert!(ui.problem().contains("does not escalate"));
}

#[test]
fn emp_01_a_vacancy_is_added_edited_and_closed_from_the_profile() {
    let w = world();
    let desk = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = employers(&desk, "Acme");
    let vacancies = |w: &World| {
        let id = w.admin.resolve_employer("Acme Engineering").unwrap().id;
        w.admin.employer_profile(id).unwrap().vacancies
    };
    // Bad input: every wrong field named, nothing saved.
    assert!(ui.cmd(&mut pane, Command::AddVacancy));
    fill(&mut ui, &mut pane, &[Some(""), Some("31/01/2027"), Some("not a url")]);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "title: is required");
    has(&s, "is not a date");
    has(&s, "must be an address");
    assert!(vacancies(&w).is_empty());
    fill(
        &mut ui,
        &mut pane,
        &[
            Some("Graduate engineer"),
            Some("2027-01-31"),
            Some("https://acme.example/jobs"),
        ],
    );
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("Added the vacancy Graduate engineer"));
    ui.cmd(&mut pane, Command::AddVacancy);
    fill(&mut ui, &mut pane, &[Some("Summer intern"), None, None]);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "1. Graduate engineer · closes 31 Jan 2027");
    has(&s, "2. Summer intern · open-ended");
    assert_eq!(vacancies(&w).len(), 2);
    // Edit: choose by number (a wrong number is refused), then change the title.
    ui.cmd(&mut pane, Command::EditVacancy);
    ui.type_text(&mut pane, "3");
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "type a number from 1 to 2");
    ui.replace(&mut pane, "2");
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "Edit the vacancy Summer intern");
    fill(
        &mut ui,
        &mut pane,
        &[Some("Summer engineering intern"), Some("2027-03-01"), None],
    );
    ui.cmd(&mut pane, Command::Select);
    assert!(ui
        .done()
        .contains("Saved the vacancy Summer engineering intern (was Summer intern)"));
    let v = vacancies(&w);
    assert!(v
        .iter()
        .any(|v| v.title == "Summer engineering intern" && v.closes == chrono::NaiveDate::from_ymd_opt(2027, 3, 1)));
    // Close: `close` as the closing date closes it today.
    ui.cmd(&mut pane, Command::EditVacancy);
    ui.type_text(&mut pane, "1");
    ui.cmd(&mut pane, Command::Select);
    fill(&mut ui, &mut pane, &[None, Some("close"), None]);
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("Closed the vacancy Graduate engineer today"));
    let v = vacancies(&w);
    let grad = v.iter().find(|v| v.title == "Graduate engineer").unwrap();
    assert_eq!(grad.closes, chrono::NaiveDate::from_ymd_opt(2026, 11, 30));
}

#[test]
fn emp_01_desk_staff_get_the_desk_s_refusal_on_the_vacancy_form() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = employers(&desk, "Bolt");
    ui.cmd(&mut pane, Command::AddVacancy);
    fill(&mut ui, &mut pane, &[Some("Trainee solicitor"), None, None]);
    ui.cmd(&mut pane, Command::Select);
    assert!(pane.typing(), "the form stays open with the refusal");
    has(&large(&mut pane), "manage employers");
    let id = w.admin.resolve_employer("Bolt Law").unwrap().id;
    assert!(w.admin.employer_profile(id).unwrap().vacancies.is_empty());
}

#[test]
fn evt_04_cmp_01_cmp_02_emp_01_the_new_actions_are_in_the_help_overlay_and_the_palette() {
    use careerdesk::ui::command::Context;
    use careerdesk::ui::keymap::{Base, Keymap};
    use careerdesk::ui::widgets::palette::Palette;
    for base in [Base::Default, Base::Vim] {
        let map = Keymap::builtin(base);
        for (context, name, keys) in [
            (Context::Employers, "mail-employers", "m"),
            (Context::Employers, "add-complaint", "C"),
            (Context::Employers, "add-vacancy", "v"),
            (Context::Employers, "edit-vacancy", "V"),
            (Context::Events, "promote-event", "p"),
            (Context::Clients, "escalate-complaint", "X"),
        ] {
            let rows = map.help_rows(context);
            let row = rows
                .iter()
                .find(|r| r.name == name)
                .unwrap_or_else(|| panic!("{name} in help"));
            assert_eq!(row.keys, keys, "{name}");
            let command = Command::from_name(name).unwrap();
            let palette = Palette::new().matches(&map, context, &|_| true);
            assert!(
                palette.iter().any(|(c, k)| *c == command && k == keys),
                "{name} in the palette"
            );
        }
    }
}
