//! The real binary in a pseudo-terminal, its screen read back through a VT100 parser: the
//! moments a person goes through, keyboard only.

mod common;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command as Cli;
use common::pty::*;
use predicates::prelude::*;

fn cli(data: &Path) -> Cli {
    let mut c = Cli::cargo_bin("careerdesk").unwrap();
    c.env("CAREERDESK_DATA_DIR", data)
        .env("HOME", data)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .env_remove("CAREERDESK_OPERATOR");
    c
}

/// A store made with the CLI: the admin, a consultant and one client with free guidance slots.
fn store_with_a_client(data: &Path) {
    cli(data)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .assert()
        .success();
    cli(data)
        .args([
            "--as",
            "admin",
            "client",
            "add",
            "--student-number",
            "10234567",
            "--name",
            "Zephyrine Quarrington",
        ])
        .args([
            "--email",
            "zq@student.example.ac.uk",
            "--programme",
            "BSc Physics",
            "--level",
            "ug",
            "--status",
            "student",
        ])
        .assert()
        .success();
    cli(data)
        .args([
            "--as",
            "admin",
            "operator",
            "add",
            "cons1",
            "--name",
            "Casey Consultant",
            "--role",
            "consultant",
        ])
        .args(["--trained", "2026-01-05", "--password-stdin"])
        .write_stdin("consultant-pw-1\n")
        .assert()
        .success();
    // Free guidance slots over the coming days, well away from any time now, on days the
    // standard policy does not close.
    let policy =
        careerdesk::policy::Policy::parse(careerdesk::policy::example("standard").unwrap().text, "standard").unwrap();
    let today = chrono::Local::now().date_naive();
    let open_days: Vec<chrono::NaiveDate> = (3..60)
        .map(|d| today + chrono::Duration::days(d))
        .filter(|d| policy.closure_on(*d).is_none())
        .take(3)
        .collect();
    for day in open_days {
        cli(data)
            .args([
                "--as",
                "admin",
                "slot",
                "add",
                "--consultant",
                "cons1",
                "--type",
                "guidance",
            ])
            .args(["--at", &format!("{day} 10:00")])
            .assert()
            .success();
    }
}

#[test]
fn first_run_setup_creates_the_store_and_opens_the_desk() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Screen::start(tmp.path());
    s.wait_for("First-run set-up");
    s.type_text("Alex Admin");
    s.send(TAB);
    s.type_text(ADMIN_PW);
    s.send(TAB);
    s.type_text(ADMIN_PW);
    s.send(TAB); // policy: keep the first example
    s.send(TAB); // demo data: 500 clients
    s.send(ENTER);
    s.wait_for("Client lookup");
    s.wait_for("demo clients loaded");
    s.wait_for("admin (admin)");
    s.send(ESC); // leave the search box
    s.send("q");
    assert!(s.wait_exit(), "q quits");
    assert!(tmp.path().join("store").exists());
    assert!(tmp.path().join("policy.toml").exists());
}

#[test]
fn sign_in_find_by_three_letters_book_write_a_note_lock_and_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    s.type_text("zep");
    s.wait_for("Zephyrine Quarrington");
    s.send(ENTER);
    s.wait_for("May book");
    s.wait_for("✓ may book Careers guidance");
    s.send("b");
    s.wait_for("Book: choose a type");
    s.send(ENTER); // guidance is listed first
    s.wait_for("choose a free slot");
    s.send(ENTER);
    s.wait_for("Booked guidance");
    // Notes: the new booking is the client's first row.
    s.send("3");
    s.wait_for("Appointments and notes");
    s.send("w");
    s.wait_for("ctrl-s saves");
    s.type_text("Talked through graduate schemes in physics.");
    s.send(CTRL_S);
    s.wait_for("Note saved (confidential setting)");
    s.wait_for("✎ note · confidential");
    // Lock, and only the same operator's password opens it.
    s.send(CTRL_L);
    s.wait_for("Screen locked");
    assert!(
        !s.text().contains("Zephyrine"),
        "nothing of the client shows behind the lock"
    );
    s.type_text("not-the-password");
    s.send(ENTER);
    s.wait_for("wrong password");
    s.type_text(ADMIN_PW);
    s.send(ENTER);
    s.wait_for("Unlocked");
    s.wait_for("Zephyrine Quarrington");
    s.send("q");
    assert!(s.wait_exit());
    // The booking and the note are really in the store.
    cli(tmp.path())
        .args(["--as", "admin", "audit", "--last", "30"])
        .assert()
        .success()
        .stdout(predicates::str::contains("note written").and(predicates::str::contains("booked guidance")));
}

#[test]
fn a_wrong_password_is_refused_on_the_sign_in_screen() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", "wrong-password-1");
    s.wait_for("sign-in refused");
    s.type_text(ADMIN_PW); // focus stays on the password, which was cleared
    s.send(ENTER);
    s.wait_for("Client lookup");
    s.send(ESC);
    s.send("q");
    assert!(s.wait_exit());
}

#[test]
fn a_user_keymap_rebinds_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    std::fs::create_dir_all(tmp.path().join("config")).unwrap();
    std::fs::write(
        tmp.path().join("config/keymap.toml"),
        "[global]\n\"q\" = \"none\"\n\"ctrl-q\" = \"quit\"\n",
    )
    .unwrap();
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    s.send(ESC); // leave the search box so letters are commands
    s.send("q");
    std::thread::sleep(Duration::from_millis(400));
    assert!(s.child.try_wait().unwrap().is_none(), "q no longer quits");
    s.send("\x11"); // ctrl-q
    assert!(s.wait_exit(), "ctrl-q quits");
}

#[test]
fn a_broken_keymap_is_reported_and_the_defaults_are_used() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    std::fs::create_dir_all(tmp.path().join("config")).unwrap();
    std::fs::write(
        tmp.path().join("config/keymap.toml"),
        "[global]\n\"ctrl-\" = \"quit\"\n",
    )
    .unwrap();
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Your keymap was not loaded");
    s.wait_for("keymap.toml:2");
    s.send(ESC);
    s.send("q");
    assert!(s.wait_exit(), "the default q still quits");
}

#[test]
fn the_help_overlay_lists_the_active_keys() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    s.send(ESC);
    s.send("?");
    s.wait_for("Keys");
    s.wait_for("queue-add");
    s.send(ESC);
    s.send(DOWN);
    s.send("q");
    assert!(s.wait_exit());
}

#[test]
fn first_run_then_sign_in_find_by_three_letters_book_a_free_slot_write_a_note_lock_and_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    // First run: set-up with generated demo data, then quit.
    let mut s = Screen::start(tmp.path());
    s.wait_for("First-run set-up");
    s.type_text("Alex Admin");
    s.send(TAB);
    s.type_text(ADMIN_PW);
    s.send(TAB);
    s.type_text(ADMIN_PW);
    s.send(TAB);
    s.send(TAB);
    s.send(ENTER);
    s.wait_for("demo clients loaded");
    s.send(ESC);
    s.send("q");
    assert!(s.wait_exit());
    drop(s);
    // Second run: sign in and do a desk's moment, keyboard only.
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    s.type_text("ais");
    s.wait_for("Aisha");
    s.send(ENTER);
    s.wait_for("May book");
    s.send("b");
    s.wait_for("Book: choose a type");
    // Move to the first type this client may book now.
    for _ in 0..4 {
        if s.text().contains("> ✓ may book") {
            break;
        }
        s.send(DOWN);
    }
    assert!(s.text().contains("> ✓ may book"), "no bookable type:\n{}", s.text());
    s.send(ENTER);
    s.wait_for("choose a free slot");
    s.send(ENTER);
    s.wait_for("Booked");
    s.send("3");
    s.wait_for("Appointments and notes");
    s.send("w");
    s.wait_for("ctrl-s saves");
    s.type_text("Agreed next steps for the application.");
    s.send(CTRL_S);
    s.wait_for("Note saved");
    s.send(CTRL_L);
    s.wait_for("Screen locked");
    s.type_text(ADMIN_PW);
    s.send(ENTER);
    s.wait_for("Unlocked");
    s.send("q");
    assert!(s.wait_exit());
}

#[test]
fn a_command_run_while_the_screen_has_the_store_says_so_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    let pid = s.child.process_id().expect("the screen's process id");
    let add = |data: &Path| {
        cli(data)
            .args(["--as", "admin", "client", "add", "--student-number", "10999999"])
            .args(["--name", "Nobody Written", "--email", "nw@student.example.ac.uk"])
            .args(["--programme", "BSc Physics", "--level", "ug", "--status", "student"])
            .assert()
    };
    add(tmp.path()).code(1).stdout(predicates::str::is_empty()).stderr(
        predicates::str::contains(format!("the desk screen (process {pid}, open since "))
            .and(predicates::str::contains("is using this store"))
            .and(predicates::str::contains("ctrl-p lists commands) or close it first")),
    );
    s.send(ESC);
    s.send("q");
    assert!(s.wait_exit());
    assert!(
        !tmp.path().join(careerdesk::ui::holder::FILE_NAME).exists(),
        "the note goes with the screen"
    );
    // Nothing was written, and with the screen closed the same command works.
    cli(tmp.path())
        .args(["--as", "admin", "client", "find", "Nobody"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Nobody Written").not());
    add(tmp.path()).success();
}

#[test]
fn a_stale_note_from_a_killed_screen_does_not_block_commands() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    assert!(tmp.path().join(careerdesk::ui::holder::FILE_NAME).exists());
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    cli(tmp.path())
        .args(["--as", "admin", "client", "find", "zep"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Zephyrine Quarrington"));
}

#[test]
fn the_terminal_is_restored_after_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start_with(tmp.path(), &[("CAREERDESK_DEBUG_PANIC_AFTER_FIRST_FRAME", "1")]);
    assert!(s.wait_exit(), "the screen ends after its panic");
    // Let the reader take the last bytes the program wrote.
    std::thread::sleep(Duration::from_millis(300));
    let parser = s.parser.lock().unwrap();
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "back on the main screen");
    assert!(!screen.hide_cursor(), "the cursor is shown");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture is off"
    );
    assert!(
        screen.contents().contains("panicking after the first frame"),
        "{}",
        screen.contents()
    );
}

#[test]
fn a_walk_in_client_is_added_from_the_clients_pane_and_found_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "admin", ADMIN_PW);
    s.wait_for("Client lookup");
    s.send(ESC); // leave the search box so letters are commands
    s.send("n");
    s.wait_for("Add a walk-in client");
    s.type_text("20249999");
    s.send(DOWN);
    s.type_text("Quentin Walkin");
    s.send(DOWN);
    s.type_text("qw@student.example.ac.uk");
    s.send(DOWN);
    s.send(DOWN);
    s.type_text("BA History");
    s.send(ENTER);
    s.wait_for("Added Quentin Walkin (20249999)");
    s.wait_for("May book");
    // Found again by three letters of the name.
    s.send("/");
    s.send(CTRL_U);
    s.type_text("que");
    s.wait_for("Matches: 1");
    s.wait_for("Quentin Walkin  20249999  BA History");
    s.send(ESC);
    s.send(ESC);
    s.send("q");
    assert!(s.wait_exit());
    cli(tmp.path())
        .args(["--as", "admin", "client", "show", "20249999"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Quentin Walkin").and(predicates::str::contains("BA History")));
}

#[test]
fn data_02_the_screen_runs_the_retention_purge_at_start_up_and_says_what_went() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_a_client(tmp.path());
    // A graduate whose course ended in 2014: past any of the sources' limits (3 to 6 years).
    cli(tmp.path())
        .args(["--as", "admin", "client", "add", "--student-number", "10999999"])
        .args(["--name", "Oswin Longgone", "--email", "ol@student.example.ac.uk"])
        .args(["--programme", "BSc Physics", "--level", "ug", "--status", "graduate"])
        .args(["--course-end", "2014-06-30"])
        .assert()
        .success();
    let mut s = Screen::start(tmp.path());
    sign_in(&mut s, "cons1", "consultant-pw-1");
    s.wait_for("Retention purge: 1 client(s) past the policy's limit erased");
    assert!(!s.text().contains("Oswin"), "the screen never names who went");
    s.send("2");
    s.wait_for("Client lookup");
    s.type_text("osw");
    s.wait_for("Matches: 0");
    s.send(CTRL_U);
    s.type_text("zep");
    s.wait_for("Zephyrine Quarrington");
    s.send(ESC);
    s.send("q");
    assert!(s.wait_exit());
    cli(tmp.path())
        .args(["--as", "admin", "client", "show", "10999999"])
        .assert()
        .code(2);
    cli(tmp.path())
        .args(["--as", "admin", "audit", "--action", "erase"])
        .assert()
        .success()
        .stdout(predicates::str::contains("retention purge: 1 client(s) erased"));
    // DATA-05 and the half-second start: the screen dropped the erased client from its lookup
    // and saved it again from itself, so the next sign-in reads that copy (not every record),
    // and it holds no one erased.
    let desk = common::sign_in(tmp.path(), "admin", ADMIN_PW, common::clock()).unwrap();
    let (lookup, source) = desk.load_lookup().unwrap();
    assert!(
        matches!(source, careerdesk::desk::LookupSource::Saved { .. }),
        "{source:?}"
    );
    assert!(lookup.search("oswin", 5).is_empty());
    assert_eq!(lookup.search("zephyrine", 5).len(), 1);
}
