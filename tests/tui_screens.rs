//! The desk screen in-process: the app driven by key events and drawn into ratatui's
//! TestBackend at a fixed time, with generated demo data. Whole-screen snapshots (insta) of
//! each pane at 80x24 and 160x48, and the role rule that desk staff never see a note body.

use std::sync::Arc;

use careerdesk::desk::FixedClock;
use careerdesk::paths::Paths;
use careerdesk::ui::app::{App, Event};
use careerdesk::ui::keymap::{Base, Keymap};
use careerdesk::ui::theme::{Theme, ThemeKind};
use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const ADMIN_PW: &str = "admin-password-1";

fn key(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ctrl(app: &mut App, c: char) {
    app.update(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A first-run set-up with 500 demo clients, at Friday 20 November 2026 10:00.
fn app_with_demo(tmp: &std::path::Path) -> App {
    app_with_demo_and_clock(
        tmp,
        Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap())),
    )
}

fn app_with_demo_and_clock(tmp: &std::path::Path, clock: Arc<FixedClock>) -> App {
    let mut app = App::with_clock(
        Paths::resolve(Some(tmp)),
        Keymap::builtin(Base::Default),
        None,
        Theme::of(ThemeKind::Plain),
        clock,
    );
    typed(&mut app, "Alex Admin");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, ADMIN_PW);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, ADMIN_PW);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    // Demo data is generated on another thread; ticks pick up the result.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let s = screen(&mut app, 80, 24);
        if s.contains("demo clients loaded") && !s.contains("Loading the client directory") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "demo data never finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
        app.update(Event::Tick);
    }
    app
}

/// Ticks until the client directory built after sign-in has arrived.
fn settle(app: &mut App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while screen(app, 80, 24).contains("Loading the client directory") {
        assert!(std::time::Instant::now() < deadline, "the directory never loaded");
        std::thread::sleep(std::time::Duration::from_millis(20));
        app.update(Event::Tick);
    }
}

fn go_to_pane(app: &mut App, digit: char) {
    key(app, KeyCode::Esc);
    key(app, KeyCode::Esc);
    key(app, KeyCode::Char(digit));
}

#[test]
fn snapshots_of_each_pane_at_80x24_and_160x48() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = app_with_demo(tmp.path());
    let first = screen(&mut app, 80, 24);
    assert!(first.contains("demo clients loaded"), "{first}");
    // Clients: three letters, enter opens the card.
    typed(&mut app, "ais");
    key(&mut app, KeyCode::Enter);
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("clients_{w}x{h}"), screen(&mut app, w, h));
    }
    let panes = [
        ('1', "calendar"),
        ('3', "notes"),
        ('4', "employers"),
        ('5', "triage"),
        ('6', "queue"),
    ];
    for (digit, name) in panes {
        go_to_pane(&mut app, digit);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&mut app, w, h));
        }
    }
}

#[test]
fn sec_04_desk_staff_never_see_a_note_body_on_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = app_with_demo(tmp.path());
    // Sign out and sign in as a generated desk operator.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::F(12));
    typed(&mut app, "desk1");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, careerdesk::demo::DEMO_PASSWORD);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let phrases: Vec<&str> = include_str!("../assets/demo/note-phrases.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    let mut seen_a_note = false;
    // Look through several clients' notes; try to open every note row.
    for query in ["ali", "chen", "khan", "smith", "patel"] {
        go_to_pane(&mut app, '2');
        key(&mut app, KeyCode::Char('/'));
        ctrl(&mut app, 'u');
        typed(&mut app, query);
        key(&mut app, KeyCode::Enter);
        go_to_pane(&mut app, '3');
        for _ in 0..12 {
            let text = screen(&mut app, 160, 48);
            seen_a_note |= text.contains("body hidden for your role");
            key(&mut app, KeyCode::Char('r'));
            let after = screen(&mut app, 160, 48);
            for p in &phrases {
                assert!(
                    !after.contains(p),
                    "a note body reached a desk operator's screen:\n{after}"
                );
            }
            key(&mut app, KeyCode::Down);
        }
    }
    assert!(seen_a_note, "the test looked at no note at all");
}

#[test]
fn sec_01_the_screen_locks_after_the_idle_time_and_only_the_same_password_opens_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let mut app = app_with_demo_and_clock(tmp.path(), clock.clone());
    typed(&mut app, "ais");
    key(&mut app, KeyCode::Enter);
    clock.set(t0 + chrono::Duration::minutes(4));
    app.update(Event::Tick);
    assert!(
        screen(&mut app, 100, 30).contains("Client lookup"),
        "not yet: the standard policy locks after 5 minutes"
    );
    clock.set(t0 + chrono::Duration::minutes(5));
    app.update(Event::Tick);
    let locked = screen(&mut app, 100, 30);
    assert!(locked.contains("Screen locked"), "{locked}");
    assert!(!locked.contains("Aisha"), "no client data behind the lock:\n{locked}");
    typed(&mut app, "someone-elses-password");
    key(&mut app, KeyCode::Enter);
    assert!(screen(&mut app, 100, 30).contains("wrong password"));
    typed(&mut app, ADMIN_PW);
    key(&mut app, KeyCode::Enter);
    assert!(screen(&mut app, 100, 30).contains("Unlocked"));
}

fn mouse(app: &mut App, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    app.update(Event::Mouse(crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

/// The text of the row marked as selected (`>`), if any.
fn selected_row(s: &str) -> Option<String> {
    s.lines()
        .find(|l| l.trim_start_matches('│').starts_with("> "))
        .map(str::to_string)
}

#[test]
fn a_tab_click_switches_pane_and_the_wheel_moves_the_selection() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let tmp = tempfile::tempdir().unwrap();
    let mut app = app_with_demo(tmp.path());
    let first = screen(&mut app, 80, 24);
    let tabs = first.lines().next().unwrap_or_default().to_string();
    // Columns count characters (the tab marker ▶ is one column wide).
    let column = |label: &str| tabs.find(label).map(|b| tabs[..b].chars().count() as u16);
    let calendar = column("1 Calendar").expect("a calendar tab");
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), calendar, 0);
    let on_calendar = screen(&mut app, 80, 24);
    assert!(on_calendar.contains("Calendar · Fri 20 Nov 2026"), "{on_calendar}");
    let before = selected_row(&on_calendar).expect("a selected slot");
    // The wheel over the list moves the selection down, then back up.
    mouse(&mut app, MouseEventKind::ScrollDown, 10, 6);
    let down = selected_row(&screen(&mut app, 80, 24)).expect("a selected slot");
    assert_ne!(down, before);
    mouse(&mut app, MouseEventKind::ScrollUp, 10, 6);
    assert_eq!(
        selected_row(&screen(&mut app, 80, 24)).as_deref(),
        Some(before.as_str())
    );
    // Over the tabs the wheel does nothing.
    mouse(&mut app, MouseEventKind::ScrollDown, calendar, 0);
    assert_eq!(
        selected_row(&screen(&mut app, 80, 24)).as_deref(),
        Some(before.as_str())
    );
    let clients = column("2 Clients").expect("a clients tab");
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), clients, 0);
    let on_clients = screen(&mut app, 80, 24);
    let tab_row = on_clients.lines().next().unwrap_or_default();
    assert!(
        tab_row.contains("▶[2 Clients]") && !tab_row.contains("▶[1"),
        "{on_clients}"
    );
    assert!(on_clients.contains("Client lookup"), "{on_clients}");
}

/// Books Ada a guidance appointment eleven days ahead from the desk screen, in a store whose
/// config folder has `notify` as its notify.toml (if any); returns the planned messages' channels.
fn channels_planned_by_the_screen(notify: Option<&str>) -> Vec<careerdesk::notify::Channel> {
    use careerdesk::desk::{Desk, NewClient, NewSlot};
    let tmp = tempfile::tempdir().unwrap();
    let paths = Paths::resolve(Some(tmp.path()));
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()));
    let text = careerdesk::policy::example("standard").unwrap().text;
    std::fs::write(paths.policy(), text).unwrap();
    let policy = careerdesk::policy::Policy::parse(text, "standard").unwrap();
    {
        let desk = Desk::init(
            &paths.store(),
            policy.clone(),
            "admin",
            "Admin",
            ADMIN_PW,
            clock.clone(),
        )
        .unwrap();
        desk.add_client(&NewClient {
            student_number: "10000001".into(),
            name: "Ada One".into(),
            email: "ada@student.example.ac.uk".into(),
            phone: Some("07700 900123".into()),
            programme: "BSc Physics".into(),
            level: "ug".into(),
            status: "student".into(),
            ..NewClient::default()
        })
        .unwrap();
        desk.add_operator(&careerdesk::desk::NewOperator {
            login: "cons1".into(),
            name: "Casey".into(),
            roles: vec![careerdesk::domain::operator::Role::Consultant],
            trained_on: Some("2026-01-01".parse().unwrap()),
            password: "staff-password-1".into(),
        })
        .unwrap();
        desk.add_slot(&NewSlot {
            consultant: careerdesk::domain::operator::Login::parse("cons1").unwrap(),
            appointment_type: "drop-in".into(),
            start: careerdesk::domain::validate::local_datetime("at", "2026-12-01 10:00", policy.institution.time_zone)
                .unwrap(),
            minutes: None,
            location: None,
        })
        .unwrap();
    }
    if let Some(text) = notify {
        std::fs::create_dir_all(&paths.config).unwrap();
        std::fs::write(paths.config.join("notify.toml"), text).unwrap();
    }
    let mut app = App::with_clock(
        paths.clone(),
        Keymap::builtin(Base::Default),
        None,
        Theme::of(ThemeKind::Plain),
        clock.clone(),
    );
    typed(&mut app, "admin");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, ADMIN_PW);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    typed(&mut app, "Ada");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('b'));
    // Drop-in is the fourth type.
    for _ in 0..3 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 160, 48);
    assert!(s.contains("Booked drop-in"), "{s}");
    drop(app);
    let locked = careerdesk::store::LockedStore::open(&paths.store()).unwrap();
    let desk = Desk::sign_in(&locked, policy, "admin", ADMIN_PW, clock).unwrap();
    desk.outbox().unwrap().iter().map(|e| e.message.channel).collect()
}

#[test]
fn appt_09_the_screen_plans_texts_only_when_notify_toml_names_an_sms_command() {
    use careerdesk::notify::Channel;
    let without = channels_planned_by_the_screen(None);
    assert_eq!(
        without,
        [Channel::Email, Channel::Email],
        "a confirmation and a reminder, no text"
    );
    let with = channels_planned_by_the_screen(Some("[sms]\ncommand = [\"/bin/true\"]\n"));
    assert_eq!(with.iter().filter(|c| **c == Channel::Sms).count(), 1, "{with:?}");
}
