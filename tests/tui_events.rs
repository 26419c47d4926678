//! The events pane end to end: the real binary in a pseudo-terminal, keyboard only, then the
//! data read back through the command line (EVT-01, EVT-03).

mod common;

use chrono::{Duration, Utc};
use common::pty::*;
use common::{as_op, cli_add_clients, cli_init};
use predicates::prelude::*;

/// A local time `minutes` from now in the standard policy's zone, as the form takes it.
fn local_in(minutes: i64) -> String {
    let policy =
        careerdesk::policy::Policy::parse(careerdesk::policy::example("standard").unwrap().text, "standard").unwrap();
    (Utc::now() + Duration::minutes(minutes))
        .with_timezone(&policy.institution.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Fills the create form field by field, moving down after each.
fn fill(s: &mut Screen, values: &[&str]) {
    for v in values {
        s.type_text(v);
        s.send(DOWN);
    }
}

#[test]
fn evt_01_evt_03_create_a_clashing_event_with_a_reason_book_and_mark_attendance_on_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    cli_init(data);
    cli_add_clients(|| as_op(data, "admin"), &["10000001"]);
    as_op(data, "admin")
        .args([
            "employer",
            "add",
            "--name",
            "Acme Engineering",
            "--sector",
            "engineering",
        ])
        .assert()
        .success();
    // Doors open an hour before the start, so attendance can be marked straight away.
    let (start, end) = (local_in(30), local_in(150));

    let mut s = Screen::start(data);
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    s.send(ESC); // leave the search box
    s.send("7");
    s.wait_for("No events yet");

    s.send("n");
    s.wait_for("Create an event");
    let first = [
        "Careers fair",
        &start,
        &end,
        "Main hall",
        "Acme Engineering",
        "engineering",
        "",
        "",
        "40",
    ];
    fill(&mut s, &first);
    s.send(ENTER);
    s.wait_for("Saved \"Careers fair\"");

    // A second event at the same time with the same employer and sector clashes.
    s.send("n");
    s.wait_for("Create an event");
    let second = [
        "Engineering talk",
        &start,
        &end,
        "Room 2",
        "Acme Engineering",
        "engineering",
        "",
        "",
        "20",
    ];
    fill(&mut s, &second);
    s.send(ENTER);
    s.wait_for("Clashes on the combined calendar (EVT-01)");
    s.wait_for("\"Careers fair\"");
    s.wait_for("overlaps it and shares employer Acme Engineering, sector \"engineering\"");
    s.type_text("the speaker is only free then");
    s.send(ENTER);
    s.wait_for("despite the clash, because: the speaker is only free then");

    // The new event is selected: book the student, then mark them attending by card.
    s.send("b");
    s.wait_for("Book a student onto \"Engineering talk\"");
    s.type_text("10000001");
    s.send(ENTER);
    s.wait_for("Client 10000001 (10000001) has a place on \"Engineering talk\" (1 of 20 taken)");
    s.send(ESC);
    s.send("a");
    s.wait_for("Mark attendance at \"Engineering talk\"");
    s.type_text(";10000001?");
    s.send(ENTER);
    s.wait_for("Client 10000001 (10000001) is marked as attending \"Engineering talk\"");
    s.send(ESC);
    s.wait_for("Attended (1)");
    s.send("q");
    assert!(s.wait_exit(), "q quits");

    as_op(data, "admin")
        .args(["event", "bookings", "Engineering talk"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("1 of 20 places taken, 0 waiting, 1 attended")
                .and(predicate::str::is_match(r"attended\s+10000001\s+Client 10000001").unwrap()),
        );
    as_op(data, "admin")
        .args(["event", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Careers fair").and(predicate::str::contains("Engineering talk")));
}
