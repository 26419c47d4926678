//! The desk screen on the shared demo store (`support`: 200,000 clients unless
//! CAREERDESK_BENCH_CLIENTS says otherwise), its clock pinned to the busy weekday, Tuesday
//! 17 November 2026, so the calendar shows that day's full slot grid:
//!
//! - a full 160x48 frame of each pane, the calendar's day and week views (as lists and as
//!   grids) and its month explicitly, against a
//!   trivial frame drawn in the same process: a Paragraph of 48 lines of text filling every
//!   cell of the screen, which does no work of a pane's own (the clients pane is not used as
//!   the anchor: it is one of the panes measured, with a lookup's matches and a client card);
//! - start-up: sign-in to the first frame of the desk screen, and until the client lookup is
//!   ready, against opening and unlocking the same store in the same process.
//!
//! ```sh
//! cargo bench --bench screen
//! ```

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use careerdesk::paths::Paths;
use careerdesk::ui::app::Event;
use careerdesk::ui::drive::Driver;
use careerdesk::ui::keymap::{Base, Keymap};
use careerdesk::ui::theme::{Theme, ThemeKind};
use chrono::Datelike;
use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Terminal;

/// Frames timed for each figure.
const FRAMES: usize = 400;

/// A frame's target: 2 ms at 160x48.
const FRAME_TARGET: Duration = Duration::from_millis(2);

/// The same target as a ratio to the trivial frame, a screen full of plain text, which
/// measured 0.61 ms on the 2-core development machine (criterion mean 610 us): 2 ms is about
/// 3.3 of them, so a frame is held to 3.2.
const FRAME_RATIO: f64 = 3.2;

/// Start-up's target: the desk screen's first frame within 1 s of signing in; and, for lack of
/// a target of its own, the same for the client lookup being ready (the target of opening,
/// unlocking and building the client directory, which the lookup waits for).
const START_TARGET: Duration = Duration::from_secs(1);

/// The same as a ratio to opening and unlocking the store, which measured 0.28 s at 200,000
/// clients: 1 s is about 3.6 of them, so start-up is held to 3.5.
const START_RATIO: f64 = 3.5;

/// Start-ups timed (each signs in afresh).
const STARTS: usize = 5;

/// A key, without waiting for any job it starts.
fn key(app: &mut Driver, code: KeyCode) {
    app.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn driver(paths: &Paths) -> Driver {
    Driver::new(
        paths.clone(),
        Keymap::builtin(Base::Default),
        None,
        Theme::of(ThemeKind::Normal),
        support::clock(),
    )
    .expect("driver")
}

/// Types the administrator's login and password on the sign-in screen.
fn sign_in_keys(app: &mut Driver) {
    for ch in "admin".chars() {
        key(app, KeyCode::Char(ch));
    }
    key(app, KeyCode::Enter);
    for ch in support::PASSWORD.chars() {
        key(app, KeyCode::Char(ch));
    }
    key(app, KeyCode::Enter);
}

/// A data folder showing the cached demo store without adding anything beside it: the store
/// is linked, and the policy is the standard one with automatic backups off (else the screen
/// would copy the whole store into the cached folder at its first sign-in, and measure that).
fn screen_folder(demo: &Paths) -> (tempfile::TempDir, Paths) {
    #[cfg(unix)]
    let (tmp, paths) = {
        let tmp = tempfile::tempdir().expect("temp dir");
        let paths = Paths::resolve(Some(tmp.path()));
        std::os::unix::fs::symlink(demo.store(), paths.store()).expect("link the store");
        (tmp, paths)
    };
    #[cfg(not(unix))]
    let (tmp, paths) = {
        let _ = demo;
        support::demo_copy(support::clients())
    };
    let text = careerdesk::policy::example("standard")
        .map(|e| e.text)
        .unwrap_or_default();
    let text = text.replacen("automatic = true", "automatic = false", 1);
    assert!(
        text.contains("automatic = false"),
        "the standard policy's backups moved"
    );
    std::fs::write(paths.policy(), text).expect("policy");
    (tmp, paths)
}

/// Times `f` `n` times after as many unmeasured runs.
fn timed(n: usize, mut f: impl FnMut()) -> support::Spread {
    for _ in 0..n {
        f();
    }
    let times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    support::Spread::of(&times)
}

/// Sign-in to the first frame of the desk screen, and until the client lookup is ready, each
/// against opening and unlocking the store.
fn start_up(paths: &Paths, n: usize) {
    let mut opens = Vec::new();
    for _ in 0..STARTS {
        let t = Instant::now();
        drop(black_box(support::sign_in(paths)));
        opens.push(t.elapsed());
    }
    let open = support::Spread::of(&opens).p50;
    let mut firsts = Vec::new();
    let mut ready = Vec::new();
    for _ in 0..STARTS {
        let t = Instant::now();
        let mut app = driver(paths);
        sign_in_keys(&mut app);
        // Signing in is a job: its result is the event that brings up the desk screen.
        while app.screen(160, 48).contains("Signing in") {
            app.next_event(Duration::from_secs(30));
        }
        firsts.push(t.elapsed());
        while app.screen(160, 48).contains("Loading the client directory") {
            app.next_event(Duration::from_secs(30));
        }
        ready.push(t.elapsed());
        assert!(app.settle(), "the desk screen's jobs never finished");
    }
    let (first, ready) = (support::Spread::of(&firsts), support::Spread::of(&ready));
    let anchor = "open + unlock (median)";
    support::report(
        &format!("sign-in to the first frame, {n} clients (median of {STARTS})"),
        first.p50,
        anchor,
        open,
        START_RATIO,
    );
    support::report_absolute(
        &format!("sign-in to the first frame, {n} clients (worst of {STARTS})"),
        first.max,
        START_TARGET,
        anchor,
        open,
    );
    support::report(
        &format!("sign-in until client lookup is ready, {n} clients (median of {STARTS})"),
        ready.p50,
        anchor,
        open,
        START_RATIO,
    );
    support::report_absolute(
        &format!("sign-in until client lookup is ready, {n} clients (worst of {STARTS})"),
        ready.max,
        START_TARGET,
        anchor,
        open,
    );
}

/// The trivial frame: 48 lines of text filling a 160x48 screen.
fn trivial_frame(term: &mut Terminal<TestBackend>) {
    let lines: Vec<Line<'static>> = (0..48)
        .map(|i| {
            Line::raw(format!(
                "{i:>3} {}",
                "trivial text of a pane that draws nothing but lines ".repeat(3)
            ))
        })
        .collect();
    black_box(term.draw(|f| f.render_widget(Paragraph::new(lines), f.area())).is_ok());
}

fn benches(c: &mut Criterion) {
    let n = support::clients();
    let demo = support::demo_store(n);
    let (_folder, paths) = screen_folder(&demo);
    let day = support::busy_weekday().date_naive();
    let monday = day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
    {
        let desk = support::sign_in(&paths);
        let slots = desk.calendar(day, 1, None).expect("the day's slots").len();
        let week = desk.calendar(monday, 7, None).expect("the week's slots").len();
        eprintln!("busy weekday {day}: {slots} slots on the day, {week} in its week, {n} clients");
    }
    start_up(&paths, n);

    let mut app = driver(&paths);
    sign_in_keys(&mut app);
    assert!(app.settle(), "sign-in never finished");
    for ch in "ais".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    assert!(app.settle(), "the lookup never finished");
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let trivial = timed(FRAMES, || trivial_frame(&mut term)).p50;
    let anchor = "trivial frame, a 48-line Paragraph (median)";
    let mut frame = |app: &mut Driver, what: &str| {
        let s = timed(FRAMES, || {
            black_box(term.draw(|f| app.app.render(f)).is_ok());
        });
        support::report(
            &format!("{what} frame 160x48 (median)"),
            s.p50,
            anchor,
            trivial,
            FRAME_RATIO,
        );
        support::report_absolute(
            &format!("{what} frame 160x48 (p99)"),
            s.p99,
            FRAME_TARGET,
            anchor,
            trivial,
        );
    };
    for (digit, name) in [
        ('2', "clients"),
        ('1', "calendar day view"),
        ('3', "notes"),
        ('4', "employers"),
        ('5', "triage"),
        ('6', "queue"),
    ] {
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char(digit));
        assert!(app.settle(), "the {name} pane never finished loading");
        if digit == '1' {
            let s = app.screen(160, 48);
            assert!(s.contains("Tue 17 Nov 2026 (today)") && s.contains("day view"), "{s}");
        }
        frame(&mut app, name);
    }
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('w'));
    assert!(app.settle(), "the week never finished loading");
    let s = app.screen(160, 48);
    assert!(s.contains("week of Mon 16 Nov 2026") && s.contains("[Tue 17]"), "{s}");
    frame(&mut app, "calendar week view");
    // The grids and the month: switching list and grid loads nothing; the month loads its
    // counts (and events) once.
    key(&mut app, KeyCode::Char('v'));
    assert!(app.settle(), "the week grid never settled");
    let s = app.screen(160, 48);
    assert!(s.contains("week grid") && s.contains("[Tue 17]"), "{s}");
    frame(&mut app, "calendar week grid");
    key(&mut app, KeyCode::Char('w'));
    assert!(app.settle(), "the day grid never finished loading");
    let s = app.screen(160, 48);
    assert!(
        s.contains("Tue 17 Nov 2026 (today)") && s.contains("day grid by consultant"),
        "{s}"
    );
    frame(&mut app, "calendar day grid");
    key(&mut app, KeyCode::Char('m'));
    assert!(app.settle(), "the month never finished loading");
    let s = app.screen(160, 48);
    assert!(s.contains("November 2026") && s.contains("month view"), "{s}");
    frame(&mut app, "calendar month view");
    // Back to the day list, then the week as before.
    for ch in ['m', 'v', 'w'] {
        key(&mut app, KeyCode::Char(ch));
        assert!(app.settle(), "the calendar never finished loading");
    }

    // The same frames under criterion, for its statistics.
    let mut g = c.benchmark_group("frame_160x48");
    g.bench_function("trivial_paragraph", |b| b.iter(|| trivial_frame(&mut term)));
    g.bench_function("calendar_week", |b| {
        b.iter(|| black_box(term.draw(|f| app.app.render(f)).is_ok()))
    });
    key(&mut app, KeyCode::Char('w'));
    assert!(app.settle(), "the day never finished loading");
    let s = app.screen(160, 48);
    assert!(s.contains("Tue 17 Nov 2026 (today)") && s.contains("day view"), "{s}");
    g.bench_function("calendar_day", |b| {
        b.iter(|| black_box(term.draw(|f| app.app.render(f)).is_ok()))
    });
    g.finish();
}

criterion_group!(screen, benches);
criterion_main!(screen);
