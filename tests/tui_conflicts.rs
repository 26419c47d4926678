//! The conflicts pane through the desk screen (`App::update` at a fixed time) against an
//! in-process sync server: two desks book the same slot apart, the other desk syncs first, and
//! at this screen's sign-in sync its booking loses the slot. The client card says "⚠ needs
//! rebooking"; the pane lists it with the free slot offered, moves it there (the new booking
//! "◌ provisional" until the next sync) or cancels it after asking, and the queue is empty.

mod common;

use std::sync::Arc;

use careerdesk::desk::{Desk, FixedClock, NewBooking};
use careerdesk::domain::operator::Role;
use careerdesk::paths::Paths;
use careerdesk::ui::app::Event;
use careerdesk::ui::drive::Driver;
use common::server::Running;
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const W: u16 = 160;
const H: u16 = 40;
const AT: &str = "2026-12-11 10:00";

/// The screen's desk at `tmp`, made with its policy file and `setup` run on it, and another
/// desk of the same service made from its backup (a device id of its own), both signed in as
/// the administrator and neither enrolled. Returns the other desk's folder too, which must
/// outlive the test.
fn desk_and_copy(
    tmp: &std::path::Path,
    clock: &Arc<FixedClock>,
    setup: impl FnOnce(&Desk),
) -> (Desk, Desk, tempfile::TempDir) {
    let paths = Paths::resolve(Some(tmp));
    let other_dir = tempfile::tempdir().unwrap();
    let other_paths = Paths::resolve(Some(other_dir.path()));
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("backup");
    let here = init(tmp, clock.clone());
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    setup(&here);
    here.backup(&paths, &backup).unwrap();
    Desk::restore(&other_paths, &backup, "admin", ADMIN_PASSWORD, clock.clone()).unwrap();
    let locked = careerdesk::store::LockedStore::open(&other_paths.store()).unwrap();
    let other = Desk::sign_in(&locked, policy(), "admin", ADMIN_PASSWORD, clock.clone()).unwrap();
    (here, other, other_dir)
}

/// The screen's desk and another of the same service, both enrolled with `server`, with cons1's
/// applications slots at 10:00 and 11:00 on Fri 11 Dec; Ada One booked into 10:00 on the other
/// desk, which syncs first, and Bo Two into 10:00 here, not yet synced. The clock at Fri 20 Nov
/// 2026 10:00. Returns the other desk's folder, which must outlive the test.
fn two_desks_one_slot(tmp: &std::path::Path, server: &Running) -> (Arc<FixedClock>, tempfile::TempDir) {
    let clock = clock();
    let booking = |client: &str| NewBooking {
        client: sn(client),
        appointment_type: "applications".into(),
        start: local(AT),
        consultant: None,
    };
    let (here, other, other_dir) = desk_and_copy(tmp, &clock, |here| {
        here.add_operator(&staff("cons1", &[Role::Consultant], Some("2026-01-01")))
            .unwrap();
        add(here, &new_client("10000001", "Ada One")).unwrap();
        add(here, &new_client("10000002", "Bo Two")).unwrap();
        for at in [AT, "2026-12-11 11:00"] {
            here.add_slot(&careerdesk::desk::NewSlot {
                consultant: login("cons1"),
                appointment_type: "applications".into(),
                start: local(at),
                minutes: None,
                location: None,
            })
            .unwrap();
        }
    });
    {
        server.enrol(&here, "Main desk");
        common::desks::sync(&here);
        server.enrol(&other, "Second desk");
        common::desks::sync(&other);
        other.book(&booking("10000001")).unwrap();
        common::desks::sync(&other);
        let mine = here.book(&booking("10000002")).unwrap();
        assert!(
            matches!(
                mine.confirmation,
                careerdesk::domain::appointment::Confirmation::Provisional { .. }
            ),
            "{:?}",
            mine.confirmation
        );
    }
    (clock, other_dir)
}

/// The screen signed in as the administrator, its sign-in sync and every job finished.
fn signed_in(tmp: &std::path::Path, clock: Arc<FixedClock>) -> Driver {
    let mut d = signed_in_offline(tmp, clock);
    has(&mut d, "sync: ✓ synced");
    d
}

/// The same, whether or not the sign-in sync reached the server.
fn signed_in_offline(tmp: &std::path::Path, clock: Arc<FixedClock>) -> Driver {
    let mut d = Driver::plain(Paths::resolve(Some(tmp)), clock).unwrap();
    d.sign_in("admin", ADMIN_PASSWORD);
    assert!(d.settle());
    d
}

fn has(d: &mut Driver, text: &str) {
    let s = d.screen(W, H);
    assert!(s.contains(text), "`{text}` is not on screen:\n{s}");
}

fn lacks(d: &mut Driver, text: &str) {
    let s = d.screen(W, H);
    assert!(!s.contains(text), "`{text}` is on screen:\n{s}");
}

fn ch(d: &mut Driver, c: char) {
    d.key(KeyCode::Char(c));
}

/// The status bar (the last line drawn).
fn bar(d: &mut Driver) -> String {
    d.status_bar(W, H)
}

/// Bo Two's card in the clients pane.
fn bo_s_card(d: &mut Driver) {
    ch(d, '2');
    ch(d, '/');
    d.send(Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
    d.typed("bo two");
    d.key(KeyCode::Enter);
    has(d, "10000002");
}

#[test]
fn conflicts_pane_moves_a_booking_that_lost_its_slot_into_the_offered_slot_and_the_queue_empties() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = two_desks_one_slot(tmp.path(), &server);
    let mut d = signed_in(tmp.path(), clock);
    assert!(bar(&mut d).contains("1 conflict"), "{}", bar(&mut d));

    // The client card says what happened to the booking, in words.
    bo_s_card(&mut d);
    has(&mut d, "⚠ needs rebooking");

    // `8` opens the queue: the booking, why, and the free 11:00 slot with its consultant.
    ch(&mut d, '8');
    has(&mut d, "▶[8 Conflicts]");
    has(&mut d, "Conflicts: 1 waiting");
    has(&mut d, "⚠ needs rebooking appointments");
    has(&mut d, "Bo Two (10000002)");
    has(
        &mut d,
        "1. Fri 11 Dec 2026 11:00–11:30 · applications · cons1 (cons1 person)",
    );

    // `m` chooses among the offers, enter moves it there.
    ch(&mut d, 'm');
    has(&mut d, "> 1. Fri 11 Dec 2026 11:00");
    has(&mut d, "enter moves the booking there");
    d.key(KeyCode::Enter);
    has(
        &mut d,
        "✓ Moved Bo Two (10000002) into Fri 11 Dec 2026 11:00 applications with cons1",
    );
    has(&mut d, "(provisional until the next sync)");
    has(&mut d, "Nothing waits in the conflicts queue.");
    assert!(!bar(&mut d).contains("conflict"), "{}", bar(&mut d));

    // The card now shows the new booking, provisional until the server decides it.
    bo_s_card(&mut d);
    has(&mut d, "◌ provisional");
    lacks(&mut d, "⚠ needs rebooking");
    server.stop();
}

#[test]
fn conflicts_pane_cancels_a_booking_that_lost_its_slot_only_after_asking() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = two_desks_one_slot(tmp.path(), &server);
    let mut d = signed_in(tmp.path(), clock);
    d.key(KeyCode::F(11));
    has(&mut d, "Conflicts: 1 waiting");
    // The question first; esc keeps the booking in the queue.
    ch(&mut d, 'x');
    has(
        &mut d,
        "Cancel the booking of Bo Two (10000002), applications Fri 11 Dec 2026 10:00?",
    );
    has(&mut d, "enter cancels it · esc keeps it");
    d.key(KeyCode::Esc);
    has(&mut d, "Kept the booking; it still needs rebooking.");
    has(&mut d, "Conflicts: 1 waiting");
    // Asked again, enter cancels it.
    ch(&mut d, 'x');
    d.key(KeyCode::Enter);
    has(&mut d, "✓ Cancelled the booking of Bo Two (10000002)");
    has(&mut d, "Nothing waits in the conflicts queue.");
    server.stop();
}

#[test]
fn conflicts_pane_is_in_the_palette_and_says_so_when_the_queue_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = Paths::resolve(Some(tmp.path()));
    let clock = clock();
    drop(
        Desk::init(
            &paths.store(),
            policy(),
            "admin",
            "Admin Person",
            ADMIN_PASSWORD,
            clock.clone(),
        )
        .unwrap(),
    );
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let mut d = Driver::plain(paths, clock).unwrap();
    d.sign_in("admin", ADMIN_PASSWORD);
    assert!(d.settle());
    d.key(KeyCode::Esc);
    d.ctrl('p');
    d.typed("show-conflicts");
    has(&mut d, "Go to the sync conflicts queue");
    d.key(KeyCode::Enter);
    has(&mut d, "▶[8 Conflicts]");
    has(&mut d, "Nothing waits in the conflicts queue.");
}

#[test]
fn conflicts_pane_on_show_reads_the_queue_again_when_a_sync_makes_a_booking_lose_its_slot() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let listen = server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = two_desks_one_slot(tmp.path(), &server);
    // The server is away at sign-in: Bo Two's booking is still only provisional here.
    server.stop();
    let mut d = signed_in_offline(tmp.path(), clock);
    assert!(bar(&mut d).contains("offline"), "{}", bar(&mut d));
    // Out of the search field (which takes digits), then to the queue.
    d.key(KeyCode::Esc);
    ch(&mut d, '8');
    has(&mut d, "Nothing waits in the conflicts queue.");
    // Back, the server gives the slot to the other desk's booking; the pane on show says so at
    // once, with nothing pressed but sync-now.
    let server = Running::start_on(server_dir.path(), &listen);
    d.key(KeyCode::F(9));
    has(&mut d, "Conflicts: 1 waiting");
    has(&mut d, "⚠ needs rebooking appointments");
    assert!(bar(&mut d).contains("1 conflict"), "{}", bar(&mut d));
    server.stop();
}

#[test]
fn calendar_on_show_marks_a_provisional_booking_and_loads_again_when_a_sync_decides_it() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let listen = server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = two_desks_one_slot(tmp.path(), &server);
    server.stop();
    let mut d = signed_in_offline(tmp.path(), clock);
    d.key(KeyCode::Esc);
    ch(&mut d, '1');
    ch(&mut d, 'g');
    d.typed("2026-12-11");
    d.key(KeyCode::Enter);
    let s = d.screen(W, H);
    let row = s
        .lines()
        .find(|l| l.contains("10:00–10:30"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        row.contains("● booked") && row.contains("◌ provisional") && row.contains("Bo Two"),
        "{row}"
    );
    // The sync gives the slot to the other desk's booking: the calendar on show says so.
    let server = Running::start_on(server_dir.path(), &listen);
    d.key(KeyCode::F(9));
    let s = d.screen(W, H);
    let row = s
        .lines()
        .find(|l| l.contains("10:00–10:30"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("Ada One") && !row.contains("provisional"), "{row}");
    server.stop();
}

/// The screen's desk and another of the same service, enrolled with `server`, each having
/// registered student number 10000077 for a different person offline; the other desk synced
/// first, so its change waits in this desk's conflicts queue after the sign-in sync. Returns
/// the other desk's folder, which must outlive the test.
fn two_desks_one_student_number(tmp: &std::path::Path, server: &Running) -> (Arc<FixedClock>, tempfile::TempDir) {
    let clock = clock();
    let (here, other, other_dir) = desk_and_copy(tmp, &clock, |_| {});
    server.enrol(&here, "Main desk");
    server.enrol(&other, "Second desk");
    add(&other, &new_client("10000077", "Zyqfirst Person")).unwrap();
    add(&here, &new_client("10000077", "Zyqsecond Person")).unwrap();
    common::desks::sync(&other);
    (clock, other_dir)
}

#[test]
fn conflicts_pane_merges_another_desk_s_change_again_once_what_stopped_it_is_settled() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = two_desks_one_student_number(tmp.path(), &server);
    let mut d = signed_in(tmp.path(), clock);
    assert!(bar(&mut d).contains("1 conflict"), "{}", bar(&mut d));
    // The clients pane opens typing into its search (no client is shown yet): f11 is a key
    // of its own.
    d.key(KeyCode::F(11));
    has(&mut d, "Conflicts: 1 waiting");
    has(&mut d, "a merge-again");
    has(&mut d, "student number");
    // Tried before anything is settled: it stays, saying why.
    ch(&mut d, 'a');
    assert!(d.settle());
    has(&mut d, "still not merged");
    has(&mut d, "Conflicts: 1 waiting");
    // This desk's record was the mistake: once it is erased, `a` merges the other desk's.
    let paths = Paths::resolve(Some(tmp.path()));
    d.desk()
        .unwrap()
        .erase_client(&paths, &sn("10000077"), "registered twice")
        .unwrap();
    ch(&mut d, 'a');
    assert!(d.settle());
    has(&mut d, "✓ Merged the change from another desk");
    has(&mut d, "Nothing waits in the conflicts queue.");
    assert!(!bar(&mut d).contains("conflict"), "{}", bar(&mut d));
    assert_eq!(
        d.desk()
            .unwrap()
            .client_by_student_number(&sn("10000077"))
            .unwrap()
            .name,
        "Zyqfirst Person"
    );
    server.stop();
}

/// The screen's desk and another of the same service, enrolled with `server`, with a one-place
/// event on Mon 7 Dec; each gives its place offline, the other desk syncs first, so this
/// desk's booking loses its place at the sign-in sync. Returns the other desk's folder.
fn two_desks_one_place(tmp: &std::path::Path, server: &Running) -> (Arc<FixedClock>, tempfile::TempDir) {
    let clock = clock();
    let (here, other, other_dir) = desk_and_copy(tmp, &clock, |here| {
        add(here, &new_client("10000001", "Ada One")).unwrap();
        add(here, &new_client("10000002", "Bo Two")).unwrap();
        here.add_event(
            &careerdesk::desk::NewEvent {
                title: "Engineering fair".into(),
                sector: "engineering".into(),
                start: at(2026, 12, 7, 10, 0),
                minutes: 120,
                capacity: 1,
                audience_schools: vec!["Natural Sciences".into()],
                location: "Main hall".into(),
                ..careerdesk::desk::NewEvent::default()
            },
            None,
        )
        .unwrap();
    });
    server.enrol(&here, "Main desk");
    common::desks::sync(&here);
    server.enrol(&other, "Second desk");
    common::desks::sync(&other);
    other.book_event("Engineering fair", &sn("10000001")).unwrap();
    common::desks::sync(&other);
    let mine = here.book_event("Engineering fair", &sn("10000002")).unwrap().booking;
    assert!(matches!(
        mine.confirmation,
        careerdesk::domain::event::PlaceConfirmation::Provisional { .. }
    ));
    (clock, other_dir)
}

#[test]
fn evt_03_conflicts_pane_lists_an_event_place_lost_at_sync_and_clears_it_once_the_client_is_told() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = two_desks_one_place(tmp.path(), &server);
    let mut d = signed_in(tmp.path(), clock);
    assert!(bar(&mut d).contains("1 conflict"), "{}", bar(&mut d));
    d.key(KeyCode::F(11));
    has(&mut d, "Conflicts: 1 waiting");
    has(&mut d, "t client-told");
    has(&mut d, "Bo Two (10000002)");
    has(&mut d, "lost its place");
    has(&mut d, "number 1 on the waiting list");
    // Merging again is for other desks' changes; it says what to do instead.
    ch(&mut d, 'a');
    assert!(d.settle());
    has(&mut d, "tell the client, then record it (t)");
    has(&mut d, "Conflicts: 1 waiting");
    ch(&mut d, 't');
    assert!(d.settle());
    has(&mut d, "✓ Recorded that the client was told; the booking stays waiting");
    has(&mut d, "Nothing waits in the conflicts queue.");
    let roster = d.desk().unwrap().event_roster("Engineering fair").unwrap();
    assert_eq!(roster.tally.taken, 1);
    assert_eq!(roster.waiting.len(), 1, "still on the waiting list");
    assert_eq!(roster.waiting[0].number(), "10000002");
    server.stop();
}

/// The screen's desk and another of the same service, enrolled with `server`, with desk staff
/// desk1; on the screen's desk a change to desk1's account is committed in desk1's name
/// without their signature (what a desk not running careerdesk's code could send), so the
/// sign-in sync has it refused. Returns the other desk's folder.
fn a_refused_change(tmp: &std::path::Path, server: &Running) -> (Arc<FixedClock>, tempfile::TempDir) {
    let clock = clock();
    let (here, other, other_dir) = desk_and_copy(tmp, &clock, |here| {
        here.add_operator(&staff("desk1", &[Role::Desk], Some("2026-01-05")))
            .unwrap();
    });
    server.enrol(&here, "Main desk");
    server.enrol(&other, "Second desk");
    let old = here.operator_by_login(&login("desk1")).unwrap();
    let mut promoted = old.clone();
    promoted.roles = vec![Role::Supervisor];
    let mut ws = careerdesk::store::WriteSet::new();
    ws.put(here.store(), Some(&old), &promoted);
    here.store()
        .commit(old.id, ws, careerdesk::desk::Clock::now(clock.as_ref()))
        .unwrap();
    (clock, other_dir)
}

#[test]
fn sec_05_conflicts_pane_dismisses_a_refused_change_with_a_reason_and_it_stays_gone_after_a_sync() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let (clock, _other) = a_refused_change(tmp.path(), &server);
    let mut d = signed_in(tmp.path(), clock);
    assert!(bar(&mut d).contains("1 conflict"), "{}", bar(&mut d));
    d.key(KeyCode::F(11));
    has(&mut d, "✗ refused");
    has(&mut d, "refused by the sync server");
    has(&mut d, "d dismisses it with a reason");
    ch(&mut d, 'd');
    has(&mut d, "Dismiss refused change");
    // No reason: it stays, saying so; esc keeps it.
    d.key(KeyCode::Enter);
    assert!(d.settle());
    has(&mut d, "not dismissed");
    has(&mut d, "reason");
    d.key(KeyCode::Esc);
    lacks(&mut d, "Dismiss refused change");
    has(&mut d, "Conflicts: 1 waiting");
    ch(&mut d, 'd');
    d.typed("desk1 stays desk staff; the record is put back");
    d.key(KeyCode::Enter);
    assert!(d.settle());
    has(&mut d, "Dismissed the refused change");
    has(&mut d, "Nothing waits in the conflicts queue.");
    // The next sync does not put it back.
    d.key(KeyCode::F(9));
    assert!(d.settle());
    has(&mut d, "sync: ✓ synced");
    has(&mut d, "Nothing waits in the conflicts queue.");
    assert!(!bar(&mut d).contains("conflict"), "{}", bar(&mut d));
    server.stop();
}
