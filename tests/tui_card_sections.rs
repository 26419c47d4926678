//! The client card's sections on the screen (DATA-01, DATA-03, DATA-10, DATA-11, SEC-05):
//! consents, attachments, enquiries, feedback and complaints loaded through the desk, shown only
//! as the service allows the operator's role; an attachment opened from the screen is an
//! audited read, refused to desk staff; consents, enquiries and feedback recorded from it.

mod common;

use std::sync::Arc;

use careerdesk::domain::appointment::Outcome;
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::enquiry::EnquiryChannel;
use careerdesk::domain::operator::Role;
use careerdesk::domain::records::AttachmentKind;
use careerdesk::ui::command::Command;
use careerdesk::ui::panes::clients::ClientsPane;

use common::panes::*;
use common::*;

const W: u16 = 170;
const H: u16 = 50;

fn world() -> World {
    World::new(
        at(2026, 11, 16, 9, 0),
        &[
            ("desk1", Role::Desk),
            ("cons1", Role::Consultant),
            ("er1", Role::EmployerRelations),
        ],
        &[("10000001", "Ada One")],
    )
}

/// The clients pane of `desk` with Ada's card open.
fn ada_card(desk: &Arc<careerdesk::desk::Desk>) -> (Ui<'_>, ClientsPane) {
    let mut ui = Ui::new(desk);
    let mut pane = ClientsPane::new(desk, built_index(desk));
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    (ui, pane)
}

/// The audited reads of attachment `id`, by login.
fn reads_of(w: &World, id: u128) -> Vec<String> {
    let ops: std::collections::HashMap<_, _> = w
        .admin
        .operators()
        .unwrap()
        .into_iter()
        .map(|o| (o.id, o.login.to_string()))
        .collect();
    w.admin
        .audit_log()
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.action == AuditAction::Export && e.subject.is_some_and(|s| s.id == id))
        .map(|e| e.operator.and_then(|o| ops.get(&o).cloned()).unwrap_or_default())
        .collect()
}

#[test]
fn data_11_the_card_shows_a_consent_given_through_the_service_and_records_one_on_screen() {
    let w = world();
    let ada = sn("10000001");
    w.admin.give_consent(&ada, "cv-scoring").unwrap();
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = ada_card(&desk);
    let s = screen(&mut pane, W, H);
    has(&s, "[Consents]");
    assert!(
        s.lines()
            .any(|l| l.contains("cv-scoring") && l.contains("given") && l.contains("by admin")),
        "{s}"
    );

    // Given from the screen: a form, then the register holds it, recorded by desk1.
    ui.cmd(&mut pane, Command::GiveConsent);
    ui.type_text(&mut pane, "Not A Service!");
    ui.cmd(&mut pane, Command::Select);
    has(&screen(&mut pane, W, H), "✗");
    assert_eq!(
        desk.consents(&ada).unwrap().current.len(),
        1,
        "a bad name records nothing"
    );
    ui.replace(&mut pane, "job-matcher");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Consent to job-matcher given.");
    let register = desk.consents(&ada).unwrap();
    let line = register
        .current
        .iter()
        .find(|c| c.consent.service == "job-matcher")
        .expect("given from the screen");
    assert_eq!(line.recorded_by_login, "desk1");
    assert!(s_has_line(
        &screen(&mut pane, W, H),
        &["job-matcher", "given", "by desk1"]
    ));

    // Withdrawn from the screen: choose the row, the form starts with its service.
    let row = register
        .current
        .iter()
        .position(|c| c.consent.service == "cv-scoring")
        .unwrap();
    for _ in 0..row {
        ui.cmd(&mut pane, Command::Down);
    }
    ui.cmd(&mut pane, Command::WithdrawConsent);
    has(&screen(&mut pane, W, H), "Withdraw consent");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Consent to cv-scoring withdrawn.");
    assert!(!desk.may_use_service(&ada, "cv-scoring").unwrap());
    assert!(s_has_line(
        &screen(&mut pane, W, H),
        &["cv-scoring", "withdrawn", "by desk1"]
    ));
}

/// Whether one line of the screen holds every one of `parts`.
fn s_has_line(s: &str, parts: &[&str]) -> bool {
    let found = s.lines().any(|l| parts.iter().all(|p| l.contains(p)));
    if !found {
        eprintln!("no line with {parts:?}:\n{s}");
    }
    found
}

#[test]
fn data_01_an_attachment_read_from_the_screen_is_audited_and_desk_staff_get_the_refusal() {
    let w = world();
    let a = w
        .as_("desk1")
        .attach(
            &sn("10000001"),
            "ada-cv.txt",
            AttachmentKind::Cv,
            b"Ada One\nCurriculum vitae: zyqcontentcanary\n".to_vec(),
        )
        .unwrap();

    // Desk staff see the file listed (name, kind, size) but the desk refuses its content.
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = ada_card(&desk);
    ui.cmd(&mut pane, Command::OpenAttachment);
    let s = screen(&mut pane, W, H);
    has(&s, "[Attachments]");
    assert!(s_has_line(&s, &["ada-cv.txt", "cv", "43 B"]));
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("permission denied"), "{}", ui.problem());
    lacks(&screen(&mut pane, W, H), "zyqcontentcanary");
    assert!(reads_of(&w, a.id.0).is_empty(), "a refused read reads nothing");
    drop(ui);

    // A consultant opens it: the content is shown and the read is in the audit log.
    let cons = Arc::new(w.as_("cons1"));
    let (mut ui, mut pane) = ada_card(&cons);
    ui.cmd(&mut pane, Command::OpenAttachment);
    ui.cmd(&mut pane, Command::OpenAttachment);
    assert!(ui.done().contains("the read is logged"), "{}", ui.done());
    let s = screen(&mut pane, W, H);
    has(&s, "Attachment ada-cv.txt");
    has(&s, "zyqcontentcanary");
    assert_eq!(reads_of(&w, a.id.0), ["cons1"]);
    // esc goes back to the attachments.
    ui.cmd(&mut pane, Command::Back);
    has(&screen(&mut pane, W, H), "[Attachments]");
}

#[test]
fn data_10_feedback_and_an_enquiry_are_recorded_from_the_card_and_listed_in_its_sections() {
    let w = World::new(
        at(2026, 11, 9, 8, 0),
        &[("desk1", Role::Desk), ("cons1", Role::Consultant)],
        &[("10000001", "Ada One")],
    );
    w.slot("cons1", "guidance", "2026-11-10 10:00");
    let booked = w
        .book_with(&w.admin, "10000001", "guidance", "2026-11-10 10:00", None)
        .unwrap();
    w.clock.set(at(2026, 11, 16, 9, 0));
    w.as_("cons1").record_outcome(booked.id, Outcome::Attended).unwrap();
    let ada = sn("10000001");
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = ada_card(&desk);

    // Feedback on her latest past appointment; a wrong rating is named and records nothing.
    ui.cmd(&mut pane, Command::AddFeedback);
    let s = screen(&mut pane, W, H);
    has(&s, "Record feedback");
    has(&s, "guidance 2026-11-10 10:00");
    ui.type_text(&mut pane, "9");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "Clear next steps for applications.");
    ui.cmd(&mut pane, Command::Down);
    ui.replace(&mut pane, "yes");
    ui.cmd(&mut pane, Command::Select);
    has(&screen(&mut pane, W, H), "must be 1 to 5");
    assert!(desk.client_feedback(&ada).unwrap().is_empty());
    ui.cmd(&mut pane, Command::First);
    ui.replace(&mut pane, "4");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Feedback recorded.");
    let given = desk.client_feedback(&ada).unwrap();
    assert_eq!(given.len(), 1);
    assert_eq!((given[0].rating, given[0].may_quote_anonymously), (4, true));
    assert!(s_has_line(
        &screen(&mut pane, W, H),
        &["4/5", "may be quoted", "Clear next steps"]
    ));

    // An enquiry at the desk: open until resolved.
    ui.cmd(&mut pane, Command::AddEnquiry);
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "Asked about summer internships");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Enquiry recorded.");
    let asked = desk.client_enquiries(&ada).unwrap();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].channel, EnquiryChannel::Desk);
    has(&screen(&mut pane, W, H), "[Enquiries]");
    assert!(s_has_line(
        &screen(&mut pane, W, H),
        &["desk", "open", "summer internships"]
    ));
    desk.resolve_enquiry(asked[0].id).unwrap();
    ui.cmd(&mut pane, Command::Refresh);
    assert!(s_has_line(
        &screen(&mut pane, W, H),
        &["resolved 2026-11-16", "summer internships"]
    ));
}

#[test]
fn data_03_an_open_enquiry_is_resolved_from_the_card_after_a_confirmation() {
    let w = world();
    let ada = sn("10000001");
    let desk = Arc::new(w.as_("desk1"));
    desk.add_enquiry(&careerdesk::desk::NewEnquiry {
        channel: EnquiryChannel::Phone,
        client: Some(ada.clone()),
        summary: "Rang about CV help".into(),
        body: None,
    })
    .unwrap();
    let (mut ui, mut pane) = ada_card(&desk);
    // Recording another from the card leaves the enquiries section chosen, first row selected.
    ui.cmd(&mut pane, Command::AddEnquiry);
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "Asked about summer internships");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Enquiry recorded.");
    let shown = desk.client_enquiries(&ada).unwrap();
    assert_eq!(shown.len(), 2);
    let (first, other) = (shown[0].id, shown[1].id);
    let open = |id| {
        desk.client_enquiries(&ada)
            .unwrap()
            .into_iter()
            .find(|e| e.id == id)
            .unwrap()
            .resolved_on
            .is_none()
    };

    // The first enter asks; esc keeps it open.
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("enter again resolves it"), "{}", ui.done());
    has(&screen(&mut pane, W, H), "Resolve this enquiry?");
    assert!(open(first));
    ui.cmd(&mut pane, Command::Back);
    assert_eq!(ui.done(), "The enquiry stays open.");
    lacks(&screen(&mut pane, W, H), "Resolve this enquiry?");
    assert!(open(first));
    // Moving to another row forgets the question: enter there asks again.
    ui.cmd(&mut pane, Command::Select);
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::Up);
    ui.cmd(&mut pane, Command::Select);
    assert!(
        open(first),
        "a question asked before moving does not count as the confirmation"
    );

    // Enter again confirms: the stored enquiry is resolved today, the other stays open.
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Enquiry resolved on 2026-11-16.");
    assert!(!open(first));
    assert!(open(other));
    ui.settle(&mut pane);
    assert!(s_has_line(&screen(&mut pane, W, H), &["resolved 2026-11-16"]));
    // A resolved one is said to be so, and stays as it is.
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("was resolved on 2026-11-16"), "{}", ui.problem());
}

#[test]
fn sec_05_a_section_the_service_refuses_shows_its_refusal_and_a_refused_write_records_nothing() {
    let w = world();
    let ada = sn("10000001");
    w.as_("desk1")
        .add_complaint(&careerdesk::desk::NewComplaint {
            client: ada.clone(),
            about: careerdesk::desk::ComplaintAbout::Service,
            summary: "zyqcomplaintcanary waited an hour".into(),
        })
        .unwrap();

    // Desk staff record complaints, so they see Ada's.
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = ada_card(&desk);
    for _ in 0..5 {
        ui.cmd(&mut pane, Command::CardSection);
    }
    let s = screen(&mut pane, W, H);
    has(&s, "[Complaints]");
    assert!(s_has_line(&s, &["about the service", "zyqcomplaintcanary"]));
    drop(ui);

    // Employer-relations staff do not: the service's refusal is shown, never the complaint.
    let er = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = ada_card(&er);
    for _ in 0..5 {
        ui.cmd(&mut pane, Command::CardSection);
    }
    let s = screen(&mut pane, W, H);
    has(&s, "[Complaints]");
    has(&s, "Not shown to your role: ");
    lacks(&s, "zyqcomplaintcanary");
    // Nor may they record a consent: the service refuses, and the register is unchanged.
    ui.cmd(&mut pane, Command::GiveConsent);
    ui.type_text(&mut pane, "cv-scoring");
    ui.cmd(&mut pane, Command::Select);
    has(&screen(&mut pane, W, H), "permission denied");
    assert!(w.admin.consents(&ada).unwrap().current.is_empty());
}
