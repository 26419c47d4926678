//! Erasing a client from the card (DATA-05): supervisors only, a reason, then the student
//! number typed again; a wrong one erases nothing.

mod common;

use std::sync::Arc;

use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::panes::clients::ClientsPane;

use common::panes::*;
use common::*;

#[test]
fn data_05_a_supervisor_erases_from_the_card_after_a_reason_and_the_student_number_again() {
    let w = World::new(
        at(2026, 11, 30, 8, 0),
        &[("desk1", Role::Desk), ("sup1", Role::Supervisor)],
        &[("10000001", "Ada One"), ("10000002", "Bo Two")],
    );
    // Desk staff are told they may not.
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = ClientsPane::new(&desk, built_index(&desk));
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    ui.cmd(&mut pane, Command::EraseClient);
    assert!(ui.problem().contains("may not erase clients"), "{}", ui.problem());
    drop(ui);

    let sup = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&sup);
    let shared = built_index(&sup);
    let mut pane = ClientsPane::new(&sup, shared.clone());
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    ui.cmd(&mut pane, Command::EraseClient);
    let s = screen(&mut pane, 160, 48);
    assert!(s.contains("Erase Ada One (10000001) for good"), "{s}");
    // No reason: refused, still asking.
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("a reason is required"), "{}", ui.problem());
    ui.type_text(&mut pane, "the student asked");
    ui.cmd(&mut pane, Command::Select);
    // The wrong student number erases nothing.
    ui.type_text(&mut pane, "10000002");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("nothing was erased"), "{}", ui.problem());
    assert!(sup.client_by_student_number(&sn("10000001")).is_ok());
    ui.replace(&mut pane, "10000001");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("Erased Ada One (10000001)"), "{}", ui.done());
    assert!(sup.client_by_student_number(&sn("10000001")).is_err());
    assert!(sup.client_by_student_number(&sn("10000002")).is_ok());
    // The lookup forgot her at once.
    assert!(shared.search("Ada", 5).unwrap().is_empty());
    assert_eq!(shared.search("Bo", 5).unwrap().len(), 1);
    // And asked the screen to save it again (its saved copy's key went with the erasure).
    assert!(shared.take_save_wanted());
    assert!(!shared.take_save_wanted(), "once");
}
