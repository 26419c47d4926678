//! The supervisor's audit view in triage (SEC-04, issue 11 item 5): the audit log filtered by
//! a typed query, break-glass reads first; a wrong query is named and nothing else changes.

mod common;

use std::sync::Arc;

use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::panes::triage::TriagePane;

use common::panes::*;
use common::*;

#[test]
fn sec_04_a_supervisor_filters_the_audit_log_by_operator_action_and_client() {
    let w = World::new(
        at(2026, 11, 16, 9, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("sup1", Role::Supervisor),
            ("desk1", Role::Desk),
        ],
        &[("10000001", "Ada One"), ("10000002", "Bo Two")],
    );
    let ada = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    let bo = w.admin.client_by_student_number(&sn("10000002")).unwrap();
    let cons1 = w.as_("cons1");
    let on_ada = cons1.write_note(ada.id, None, "Talked about placements.").unwrap();
    let on_bo = cons1.write_note(bo.id, None, "Talked about a masters.").unwrap();
    cons1.read_note(on_ada.id).unwrap();
    w.as_("cons2").read_note(on_bo.id).unwrap();

    // Desk staff see no audit view: triage is closed to them.
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    assert!(!ui.cmd(&mut pane, Command::AuditLog));
    has(&screen(&mut pane, 160, 48), "Triage is for supervisors");
    drop(ui);

    let sup = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&sup);
    let mut pane = TriagePane::new(&sup);
    ui.shown(&mut pane);
    assert!(ui.cmd(&mut pane, Command::AuditLog));
    let s = screen(&mut pane, 160, 48);
    has(&s, "Audit log");
    has(&s, "read-note");
    has(&s, "sign-in");

    // Only cons1's note reads.
    ui.cmd(&mut pane, Command::Search);
    ui.type_text(&mut pane, "operator:cons1 action:read-note");
    ui.cmd(&mut pane, Command::Select);
    let s = screen(&mut pane, 160, 48);
    has(&s, "1 entry matches operator:cons1 action:read-note");
    lacks(&s, "cons2");
    lacks(&s, "sign-in ");

    // Everything about Bo, by student number.
    ui.cmd(&mut pane, Command::Search);
    ui.replace(&mut pane, "client:10000002");
    ui.cmd(&mut pane, Command::Select);
    let s = screen(&mut pane, 160, 48);
    // Bo's record, the note written on him and its read; not the read of Ada's note.
    has(&s, "3 entries match client:10000002");
    has(&s, "client added");
    assert!(s.lines().any(|l| l.contains("cons2") && l.contains("read-note")), "{s}");
    assert!(
        !s.lines().any(|l| l.contains("cons1") && l.contains("read-note")),
        "{s}"
    );

    // A wrong query is named; what is shown stays.
    ui.cmd(&mut pane, Command::Search);
    ui.replace(&mut pane, "when:yesterday");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("is not a filter"), "{}", ui.problem());

    // esc leaves the box, esc again goes back to the triage lists.
    ui.cmd(&mut pane, Command::Back);
    has(&screen(&mut pane, 160, 48), "Triage: select");
}

#[test]
fn sec_04_break_glass_reads_are_listed_first_with_their_reason() {
    let w = World::new(
        at(2026, 11, 16, 9, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("sup1", Role::Supervisor),
        ],
        &[("10000001", "Ada One")],
    );
    let ada = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    let private = w
        .as_("cons1")
        .write_note_at(
            ada.id,
            None,
            "Only for me.",
            Some(careerdesk::domain::note::AccessLevel::AuthorOnly),
        )
        .unwrap();
    let cons2 = w.as_("cons2");
    cons2
        .read_note_because(private.id, Some("covering cons1's caseload today"))
        .unwrap();
    // Later, ordinary entries: they come after the break-glass read all the same.
    w.as_("cons1").read_note(private.id).unwrap();
    w.as_("cons2");

    let sup = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&sup);
    let mut pane = TriagePane::new(&sup);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::AuditLog);
    let s = screen(&mut pane, 160, 48);
    has(&s, "break-glass reads first (1)");
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("2026-11-16")).collect();
    assert!(rows[0].contains("! break-glass") && rows[0].contains("cons2"), "{s}");
    assert!(rows[0].contains("why: covering cons1's caseload today"), "{s}");
    assert!(rows[1..].iter().all(|r| !r.contains("! break-glass")), "{s}");
}
