//! Two desks and a server as three real processes: `careerdesk serve`, one desk driven from
//! the command line and one desk's screen in a pseudo-terminal. A booking made on the first
//! desk while the screen is open reaches the screen at its next sync.

mod common;

use common::pty::*;
use common::serving::{cli_twin, enrol, serve};
use common::{as_op, cli_add_clients, cli_init_with};
use predicates::str::contains;

/// A free weekday a few days on, on which the standard policy does not close.
fn open_day() -> chrono::NaiveDate {
    let policy =
        careerdesk::policy::Policy::parse(careerdesk::policy::example("standard").unwrap().text, "standard").unwrap();
    let today = chrono::Local::now().date_naive();
    (3..60)
        .map(|d| today + chrono::Duration::days(d))
        .find(|d| policy.closure_on(*d).is_none())
        .expect("an open day within two months")
}

#[test]
fn sync_a_booking_made_on_one_desk_shows_on_the_other_desks_screen_after_its_sync() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[("cons1", "consultant")]);
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000001"]);
    let at = format!("{} 10:00", open_day());
    as_op(a.path(), "admin")
        .args([
            "slot",
            "add",
            "--consultant",
            "cons1",
            "--type",
            "guidance",
            "--at",
            &at,
        ])
        .assert()
        .success();
    // B is a second desk of the same service, from A's backup.
    cli_twin(a.path(), b.path());
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    enrol(b.path(), server_dir.path(), &s);
    as_op(a.path(), "admin").args(["sync"]).assert().success();

    // B's screen: signed in, it syncs at once; the client has nothing booked.
    let mut screen = Screen::start(b.path());
    sign_in(&mut screen, "admin", common::ADMIN_PASSWORD);
    screen.wait_for("✓ synced");
    screen.wait_for("Client lookup");
    screen.type_text("C1000001");
    screen.wait_for("C1000001");
    screen.send(ENTER);
    screen.wait_for("Upcoming (0)");

    // A books while B's screen is open, and syncs: the server confirms it.
    as_op(a.path(), "admin")
        .args(["book", "--client", "C1000001", "--type", "guidance", "--at", &at])
        .assert()
        .success()
        .stdout(contains("provisional"));
    as_op(a.path(), "admin")
        .args(["sync"])
        .assert()
        .success()
        .stdout(contains("1 confirmed"));

    // B syncs now (f9); the card, read again (ctrl-r), shows the booking once that sync is
    // through.
    screen.send(F9);
    let mut shown = false;
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(250));
        screen.send(CTRL_R);
        std::thread::sleep(std::time::Duration::from_millis(250));
        if screen.text().contains("Upcoming (1)") {
            shown = true;
            break;
        }
    }
    assert!(shown, "the booking reaches the card: {}", screen.text());
    screen.send("q");
    assert!(screen.wait_exit());
}
