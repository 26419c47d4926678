//! The desk screen's keys through `App::update` with the real keymaps: esc leaves every field
//! of every pane, command keys are not typed into a field without focus, user keymaps with
//! keys pressed in turn (`g h`) and remapped help and palette keys; and background results
//! (the sign-in, the client lookup, the outbox after a booking) reaching the screen without a
//! key being pressed.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use careerdesk::desk::{Desk, FixedClock, NewSlot};
use careerdesk::paths::Paths;
use careerdesk::ui::app::Event;
use careerdesk::ui::drive::Driver;
use careerdesk::ui::keymap::{Base, Keymap};
use careerdesk::ui::theme::{Theme, ThemeKind};
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const W: u16 = 140;
const H: u16 = 40;

/// A store with the admin, a consultant, one client with an unresolved appointment this
/// morning and free slots this afternoon and next week; the clock at Fri 20 Nov 2026 10:00.
fn store(tmp: &std::path::Path) -> Arc<FixedClock> {
    let paths = Paths::resolve(Some(tmp));
    let clock = clock();
    clock.set(at(2026, 11, 20, 8, 0));
    {
        let admin = Desk::init(
            &paths.store(),
            policy(),
            "admin",
            "Admin Person",
            ADMIN_PASSWORD,
            clock.clone(),
        )
        .expect("init");
        admin
            .add_operator(&staff(
                "cons1",
                &[careerdesk::domain::operator::Role::Consultant],
                Some("2026-01-01"),
            ))
            .unwrap();
        add(&admin, &new_client("10000001", "Ada One")).unwrap();
        for at in ["2026-11-20 09:00", "2026-11-20 15:00", "2026-11-27 10:00"] {
            admin
                .add_slot(&NewSlot {
                    consultant: login("cons1"),
                    appointment_type: "guidance".into(),
                    start: local(at),
                    minutes: None,
                    location: None,
                })
                .unwrap();
        }
        admin
            .book(&careerdesk::desk::NewBooking {
                client: sn("10000001"),
                appointment_type: "guidance".into(),
                start: local("2026-11-20 09:00"),
                consultant: Some(login("cons1")),
            })
            .unwrap();
    }
    std::fs::write(
        paths.policy(),
        careerdesk::policy::example("standard")
            .map(|e| e.text)
            .unwrap_or_default(),
    )
    .unwrap();
    clock.set(at(2026, 11, 20, 10, 0));
    clock
}

/// The app on that store with `keymap`, the admin signed in and every job finished.
fn signed_in(tmp: &std::path::Path, keymap: Keymap) -> Driver {
    let clock = store(tmp);
    let mut d = Driver::new(
        Paths::resolve(Some(tmp)),
        keymap,
        None,
        Theme::of(ThemeKind::Plain),
        clock,
    )
    .unwrap();
    d.sign_in("admin", ADMIN_PASSWORD);
    assert!(d.settle());
    let s = d.screen(W, H);
    assert!(s.contains("▶[2 Clients]"), "{s}");
    d
}

fn has(d: &mut Driver, text: &str) {
    let s = d.screen(W, H);
    assert!(s.contains(text), "`{text}` is not on screen:\n{s}");
}

fn lacks(d: &mut Driver, text: &str) {
    let s = d.screen(W, H);
    assert!(!s.contains(text), "`{text}` should not be on screen:\n{s}");
}

fn ch(d: &mut Driver, c: char) {
    d.key(KeyCode::Char(c));
}

#[test]
fn esc_leaves_every_field_of_every_pane() {
    let tmp = tempfile::tempdir().unwrap();
    let mut d = signed_in(tmp.path(), Keymap::builtin(Base::Default));
    // Clients: the search field has focus at sign-in; esc leaves it and keeps the search.
    has(&mut d, "▶ Client lookup");
    d.typed("ada");
    has(&mut d, "Ada One");
    d.key(KeyCode::Esc);
    lacks(&mut d, "▶ Client lookup");
    has(&mut d, "Ada One");
    // Letters are commands again: `/` goes back into the field.
    ch(&mut d, '/');
    has(&mut d, "▶ Client lookup");
    d.key(KeyCode::Enter);
    has(&mut d, "May book");
    // A step of booking: esc goes back to the card.
    ch(&mut d, 'b');
    has(&mut d, "Book: choose a type");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Book: choose a type");
    has(&mut d, "May book");

    // The walk-in form: esc with something typed asks first, the second esc closes it; a form
    // with nothing typed closes at once.
    ch(&mut d, 'n');
    has(&mut d, "Add a walk-in client");
    d.typed("2024");
    d.key(KeyCode::Esc);
    has(&mut d, "press esc again to close the form");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Add a walk-in client");
    has(&mut d, "May book");
    ch(&mut d, 'n');
    d.key(KeyCode::Esc);
    lacks(&mut d, "Add a walk-in client");

    // Calendar: the date field, then the client picker of a free slot.
    ch(&mut d, '1');
    has(&mut d, "Calendar · Fri 20 Nov 2026");
    ch(&mut d, 'g');
    has(&mut d, "Go to date");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Go to date");
    d.key(KeyCode::End);
    ch(&mut d, 'b');
    has(&mut d, "Book guidance");
    d.typed("ad");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Book guidance");
    // The series form, as nothing has been typed in it, closes at the first esc.
    ch(&mut d, 'S');
    has(&mut d, "Add a series of slots");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Add a series of slots");

    // Notes of the selected client: the editor asks before a typed note is thrown away.
    ch(&mut d, '3');
    has(&mut d, "Appointments and notes");
    ch(&mut d, 'w');
    has(&mut d, "ctrl-s saves");
    d.typed("draft");
    d.key(KeyCode::Esc);
    has(&mut d, "press esc again to discard");
    d.key(KeyCode::Esc);
    lacks(&mut d, "ctrl-s saves");
    has(&mut d, "Note discarded");
    // esc again goes back to the previous view: the operator's day.
    d.key(KeyCode::Esc);
    has(&mut d, "Your day");

    // Employers: the search field and the tag field.
    ch(&mut d, '4');
    lacks(&mut d, "▶ Employers: name or sector");
    ch(&mut d, '/');
    has(&mut d, "▶ Employers: name or sector");
    d.key(KeyCode::Esc);
    lacks(&mut d, "▶ Employers: name or sector");
    ch(&mut d, '#');
    has(&mut d, "▶ Tag filter");
    d.typed("fin");
    d.key(KeyCode::Esc);
    lacks(&mut d, "▶ Tag filter");

    // Triage: the reason field for waiving this morning's unresolved appointment.
    ch(&mut d, '5');
    has(&mut d, "Unresolved outcomes (1)");
    ch(&mut d, 'W');
    has(&mut d, "Reason (required)");
    d.typed("ill");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Reason (required)");
    d.key(KeyCode::Enter);
    has(&mut d, "How did guidance");
    d.key(KeyCode::Esc);
    lacks(&mut d, "How did guidance");
    has(&mut d, "Unresolved outcomes (1)");

    // Queue: the check-in field.
    ch(&mut d, '6');
    ch(&mut d, 'a');
    has(&mut d, "Check in to the drop-in queue");
    d.typed("100");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Check in to the drop-in queue");

    // The help overlay and the palette.
    ch(&mut d, '?');
    has(&mut d, "Keys (esc to close)");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Keys (esc to close)");
    d.ctrl('p');
    has(&mut d, "Commands (enter to run");
    d.typed("qu");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Commands (enter to run");
    assert!(!d.app.should_quit(), "nothing typed above ran quit");
}

#[test]
fn q_and_question_mark_in_the_employers_pane_are_commands_until_a_field_is_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let mut d = signed_in(tmp.path(), Keymap::builtin(Base::Default));
    d.key(KeyCode::Esc);
    ch(&mut d, '4');
    ch(&mut d, '?');
    has(&mut d, "Keys (esc to close)");
    d.key(KeyCode::Esc);
    // In the search field they are typed.
    ch(&mut d, '/');
    d.typed("q?");
    has(&mut d, "Find: q?");
    assert!(!d.app.should_quit());
    d.key(KeyCode::Esc);
    ch(&mut d, 'q');
    assert!(d.app.should_quit(), "q quits from the employers list");
}

#[test]
fn a_user_keymap_binds_keys_pressed_in_turn() {
    let tmp = tempfile::tempdir().unwrap();
    let keymap = Keymap::parse_user("[global]\n\"g h\" = \"help\"\n\"g q\" = \"quit\"\n", "keymap.toml").unwrap();
    let mut d = signed_in(tmp.path(), keymap);
    d.key(KeyCode::Esc);
    ch(&mut d, 'g');
    has(&mut d, "g … (the next key completes the command)");
    lacks(&mut d, "Keys (esc to close)");
    ch(&mut d, 'h');
    has(&mut d, "Keys (esc to close)");
    has(&mut d, "g h");
    d.key(KeyCode::Esc);
    // A key that completes nothing is taken on its own: `g` then `3` goes to the notes.
    ch(&mut d, 'g');
    ch(&mut d, '3');
    has(&mut d, "▶[3 Notes]");
    lacks(&mut d, "the next key completes");
    ch(&mut d, 'g');
    ch(&mut d, 'q');
    assert!(d.app.should_quit());
}

#[test]
fn remapped_help_and_palette_keys_work_and_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let keymap = Keymap::parse_user(
        "[help]\n\"space\" = \"back\"\n[palette]\n\"ctrl-g\" = \"back\"\n\"esc\" = \"none\"\n[form]\n\"ctrl-t\" = \"next-field\"\n",
        "keymap.toml",
    )
    .unwrap();
    let mut d = signed_in(tmp.path(), keymap);
    d.key(KeyCode::Esc);
    ch(&mut d, '?');
    has(&mut d, "Keys (esc to close)");
    // The help overlay lists its own keys and the palette's, at its end.
    d.key(KeyCode::End);
    has(&mut d, "esc, q, space");
    has(&mut d, "ctrl-g");
    ch(&mut d, ' ');
    lacks(&mut d, "Keys (esc to close)");
    d.ctrl('p');
    has(&mut d, "Commands (enter to run");
    d.key(KeyCode::Esc);
    has(&mut d, "Commands (enter to run");
    d.ctrl('g');
    lacks(&mut d, "Commands (enter to run");
    // The forms' keys come from [form]: sign out, and ctrl-t moves to the password field.
    d.key(KeyCode::F(12));
    has(&mut d, "careerdesk: sign in");
    d.typed("admin");
    d.ctrl('t');
    d.typed(ADMIN_PASSWORD);
    d.key(KeyCode::Enter);
    has(&mut d, "▶[2 Clients]");
}

#[test]
fn the_sign_in_and_the_client_lookup_reach_the_screen_without_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path());
    let mut d = Driver::plain(Paths::resolve(Some(tmp.path())), clock).unwrap();
    let press = |d: &mut Driver, code| d.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    for c in "admin".chars() {
        press(&mut d, KeyCode::Char(c));
    }
    press(&mut d, KeyCode::Enter);
    for c in ADMIN_PASSWORD.chars() {
        press(&mut d, KeyCode::Char(c));
    }
    press(&mut d, KeyCode::Enter);
    // The key is handled at once: the password is being checked off the screen thread.
    has(&mut d, "Signing in…");
    // From here only events the jobs post reach the app: no key, no tick.
    let guard = Instant::now() + Duration::from_secs(60);
    let mut seen_loading = false;
    loop {
        let s = d.screen(W, H);
        if s.contains("▶[2 Clients]") {
            seen_loading |= s.contains("Loading the client directory");
            if !s.contains("Loading the client directory") {
                break;
            }
        }
        assert!(Instant::now() < guard, "the lookup never arrived:\n{s}");
        d.next_event(Duration::from_secs(5));
    }
    let _ = seen_loading;
    has(&mut d, "Matches (start typing)");
    press(&mut d, KeyCode::Char('a'));
    press(&mut d, KeyCode::Char('d'));
    // The search is a job too: its matches arrive as an event.
    while !d.screen(W, H).contains("Ada One") {
        assert!(Instant::now() < guard, "no matches arrived");
        d.next_event(Duration::from_secs(5));
    }
}

#[test]
fn appt_09_a_booking_on_the_screen_is_sent_at_once_and_the_status_bar_counts_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let mut d = signed_in(tmp.path(), Keymap::builtin(Base::Default));
    let outbox = tmp.path().join(careerdesk::notify::OUTBOX_DIR);
    let sent = |kind: &str| {
        std::fs::read_dir(&outbox)
            .map(|r| {
                r.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(&format!("-{kind}.eml")))
                    .count()
            })
            .unwrap_or(0)
    };
    // This morning's booking was confirmed by the first run after sign-in.
    assert_eq!(sent("confirmation"), 1);
    d.typed("ada");
    d.key(KeyCode::Enter);
    ch(&mut d, 'b');
    d.key(KeyCode::Enter);
    has(&mut d, "choose a free slot");
    // The slots are soonest first: this afternoon's, then next week's.
    d.key(KeyCode::Down);
    d.key(KeyCode::Enter);
    has(&mut d, "Booked guidance");
    // Right after the booking the outbox ran in the background: the confirmation is out and
    // the reminder for next week waits, as the status bar says.
    assert_eq!(sent("confirmation"), 2);
    has(&mut d, "outbox: ");
    let s = d.screen(W, H);
    let pending: usize = s
        .split("outbox: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a pending count");
    assert!(pending >= 1, "the reminder is pending:\n{s}");
    assert_eq!(sent("reminder"), 0);
}
