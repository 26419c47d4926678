//! The desk screen's sync task, through `App::update` at a fixed time against an in-process
//! server: the first sync at sign-in and its progress, the status bar after a stopped server
//! with the retries following the backoff, the sync-now key, and a desk that is not enrolled.

mod common;

use std::sync::Arc;
use std::time::Duration;

use careerdesk::desk::{Desk, FixedClock};
use careerdesk::paths::Paths;
use careerdesk::ui::app::Event;
use careerdesk::ui::drive::Driver;
use common::server::Running;
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const W: u16 = 200;
const H: u16 = 30;

/// A store whose administrator is `admin`, enrolled with `server` when one is given, and the
/// standard policy; the clock at Fri 20 Nov 2026 10:00 (10:00 in London too).
fn store(tmp: &std::path::Path, server: Option<&Running>) -> Arc<FixedClock> {
    let paths = Paths::resolve(Some(tmp));
    let clock = clock();
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
        add(&admin, &new_client("10000001", "Ada One")).unwrap();
        if let Some(server) = server {
            server.enrol(&admin, "Main desk");
        }
    }
    let standard = careerdesk::policy::example("standard")
        .map(|e| e.text)
        .unwrap_or_default();
    std::fs::write(paths.policy(), standard).unwrap();
    clock
}

/// The app on that store, the admin's password typed and enter pressed (nothing settled).
fn signing_in(tmp: &std::path::Path, clock: Arc<FixedClock>) -> Driver {
    let mut d = Driver::plain(Paths::resolve(Some(tmp)), clock).unwrap();
    d.sign_in("admin", ADMIN_PASSWORD);
    d
}

/// Signed in with every job finished.
fn signed_in(tmp: &std::path::Path, clock: Arc<FixedClock>) -> Driver {
    let mut d = signing_in(tmp, clock);
    assert!(d.settle());
    let s = d.screen(W, H);
    assert!(s.contains("▶[2 Clients]"), "{s}");
    d
}

/// The status bar (the last line drawn).
fn bar(d: &mut Driver) -> String {
    d.status_bar(W, H)
}

fn has(d: &mut Driver, text: &str) {
    let s = d.screen(W, H);
    assert!(s.contains(text), "`{text}` is not on screen:\n{s}");
}

/// Moves the desk's clock on by `secs` and lets a tick through, then every job it started.
fn tick_after(d: &mut Driver, clock: &FixedClock, secs: i64) {
    clock.set(careerdesk::desk::Clock::now(clock) + chrono::Duration::seconds(secs));
    d.update(Event::Tick);
}

/// The seconds in the bar's "next try in N s".
fn next_try(d: &mut Driver) -> i64 {
    let b = bar(d);
    let rest = b
        .split("next try in ")
        .nth(1)
        .unwrap_or_else(|| panic!("no next try on the bar: {b}"));
    let secs = rest.split(' ').next().unwrap_or_default();
    assert!(rest[secs.len()..].starts_with(" s"), "{b}");
    secs.parse().unwrap_or_else(|_| panic!("{b}"))
}

fn f9(d: &mut Driver) {
    d.key(KeyCode::F(9));
}

#[test]
fn sync_status_bar_shows_progress_then_synced_after_the_first_job_at_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path(), Some(&server));
    let mut d = signing_in(tmp.path(), clock);
    // One event at a time: the sign-in, the first jobs, then the sync's progress and result.
    let mut seen_percent = None;
    for _ in 0..200 {
        if !d.next_event(Duration::from_secs(30)) {
            break;
        }
        let b = bar(&mut d);
        if let Some(rest) = b.split("sync: ⟳ syncing ").nth(1) {
            if let Some(pct) = rest.split('%').next().and_then(|p| p.parse::<u8>().ok()) {
                seen_percent = Some(pct);
            }
        }
        if b.contains("sync: ✓ synced") {
            break;
        }
    }
    let pct = seen_percent.expect("the bar showed how far the sync had got");
    assert!(pct <= 100);
    assert!(d.settle());
    assert!(bar(&mut d).contains("sync: ✓ synced 10:00"), "{}", bar(&mut d));
    assert!(server.relay().head().unwrap() > 0, "the desk's ops reached the server");
    server.stop();
}

#[test]
fn sync_status_bar_shows_offline_since_and_the_next_try_follows_the_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path(), Some(&server));
    let mut d = signed_in(tmp.path(), clock.clone());
    assert!(bar(&mut d).contains("sync: ✓ synced 10:00"), "{}", bar(&mut d));
    server.stop();

    // Not due before the policy's 60 seconds.
    tick_after(&mut d, &clock, 59);
    assert!(bar(&mut d).contains("sync: ✓ synced 10:00"), "{}", bar(&mut d));
    // Due at 60: the server is gone.
    tick_after(&mut d, &clock, 1);
    assert!(
        bar(&mut d).contains("sync: ✗ offline since 10:01, next try in"),
        "{}",
        bar(&mut d)
    );
    has(&mut d, "could not reach the sync server");
    let first = next_try(&mut d);
    assert!((3..=5).contains(&first), "the first wait is 2.5 to 5 s: {first}");
    // Two seconds on, no try has been made: the same wait, counting down.
    tick_after(&mut d, &clock, 2);
    assert_eq!(next_try(&mut d), first - 2);
    // When it is due, the second failure waits 5 to 10 s, the third 10 to 20 s.
    tick_after(&mut d, &clock, first - 2);
    let second = next_try(&mut d);
    assert!((5..=10).contains(&second), "the second wait is 5 to 10 s: {second}");
    tick_after(&mut d, &clock, second);
    let third = next_try(&mut d);
    assert!((10..=20).contains(&third), "the third wait is 10 to 20 s: {third}");
    assert!(bar(&mut d).contains("offline since 10:01"), "{}", bar(&mut d));
}

#[test]
fn sync_now_key_syncs_at_once_resetting_the_backoff_or_says_one_is_running() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let listen = server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path(), Some(&server));
    let mut d = signed_in(tmp.path(), clock.clone());
    server.stop();
    // Three failures: the next scheduled try is 10 to 20 s away.
    tick_after(&mut d, &clock, 60);
    for _ in 0..2 {
        let wait = next_try(&mut d);
        tick_after(&mut d, &clock, wait);
    }
    assert!(next_try(&mut d) >= 10, "{}", bar(&mut d));
    // sync-now tries at once, and its failure starts the backoff again from 2.5 to 5 s.
    f9(&mut d);
    has(&mut d, "could not reach the sync server");
    assert!(next_try(&mut d) <= 5, "{}", bar(&mut d));

    // With the server back, sync-now syncs at once, long before the next scheduled try.
    let server = Running::start_on(dir.path(), &listen);
    clock.set(careerdesk::desk::Clock::now(&*clock) + chrono::Duration::seconds(1));
    // A second press while it runs says so and starts no other.
    d.send(Event::Key(KeyEvent::new(KeyCode::F(9), KeyModifiers::NONE)));
    assert!(bar(&mut d).contains("sync: ⟳ syncing"), "{}", bar(&mut d));
    d.send(Event::Key(KeyEvent::new(KeyCode::F(9), KeyModifiers::NONE)));
    has(&mut d, "A sync is already running");
    assert!(d.settle());
    assert!(bar(&mut d).contains("sync: ✓ synced 10:01"), "{}", bar(&mut d));
    assert!(!bar(&mut d).contains("offline"), "{}", bar(&mut d));
    server.stop();
}

#[test]
fn sync_status_bar_says_not_enrolled_and_runs_no_job_for_a_desk_not_enrolled() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path(), None);
    let mut d = signed_in(tmp.path(), clock.clone());
    assert!(bar(&mut d).contains("sync: not enrolled"), "{}", bar(&mut d));
    // A minute on, a tick starts nothing: a job would show "syncing" before its result came.
    clock.set(common::t0() + chrono::Duration::seconds(61));
    d.send(Event::Tick);
    assert!(bar(&mut d).contains("sync: not enrolled"), "{}", bar(&mut d));
    assert!(d.settle());
    // sync-now says what to do instead.
    d.send(Event::Key(KeyEvent::new(KeyCode::F(9), KeyModifiers::NONE)));
    assert!(bar(&mut d).contains("sync: not enrolled"), "{}", bar(&mut d));
    has(&mut d, "not enrolled with a sync server");
}

#[test]
fn sync_now_is_in_the_help_overlay_and_the_palette() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path(), None);
    let mut d = signed_in(tmp.path(), clock);
    d.key(KeyCode::Esc);
    d.key(KeyCode::F(1));
    let mut listed = false;
    for _ in 0..20 {
        let s = d.screen(W, H);
        if s.contains("Sync with the server now") {
            listed = s.contains("f9");
            break;
        }
        d.key(KeyCode::PageDown);
    }
    assert!(listed, "help lists sync-now with its key:\n{}", d.screen(W, H));
    d.key(KeyCode::Esc);
    d.ctrl('p');
    d.typed("sync-now");
    has(&mut d, "sync-now");
    d.key(KeyCode::Enter);
    has(&mut d, "not enrolled with a sync server");
}

#[test]
fn data_05_a_client_erased_on_another_desk_leaves_the_screen_s_lookup_at_its_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    // This desk (the screen's) and another of the same service, set up from its backup: both
    // hold Ada One.
    let tmp = tempfile::tempdir().unwrap();
    let clock = store(tmp.path(), None);
    let paths = Paths::resolve(Some(tmp.path()));
    let other_dir = tempfile::tempdir().unwrap();
    let other_paths = Paths::resolve(Some(other_dir.path()));
    {
        let here = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock.clone()).unwrap();
        let backup = dir.path().join("backup");
        here.backup(&paths, &backup).unwrap();
        server.enrol(&here, "Main desk");
        Desk::restore(&other_paths, &backup, "admin", ADMIN_PASSWORD, clock.clone()).unwrap();
    }
    let locked = careerdesk::store::LockedStore::open(&other_paths.store()).unwrap();
    let other = Desk::sign_in(&locked, policy(), "admin", ADMIN_PASSWORD, clock.clone()).unwrap();
    server.enrol(&other, "Second desk");

    let mut d = signed_in(tmp.path(), clock.clone());
    d.typed("ada");
    has(&mut d, "Ada One");

    // A supervisor erases her on the other desk, which syncs; this screen syncs (f9).
    other
        .erase_client(&other_paths, &sn("10000001"), "the student asked (DATA-05)")
        .unwrap();
    other.sync_now(&|_: &str, _: u64, _: u64| {}).unwrap();
    f9(&mut d);
    assert!(d.settle());
    // The same search again, from an empty box.
    d.send(Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
    d.typed("ada");
    let s = d.screen(W, H);
    assert!(!s.contains("Ada One"), "the erased client is still offered:\n{s}");
    assert!(s.contains("Matches: 0"), "{s}");
    drop(d);
    let again = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock).unwrap();
    assert!(
        again.client_by_student_number(&sn("10000001")).is_err(),
        "erased in the store too"
    );
    server.stop();
}
