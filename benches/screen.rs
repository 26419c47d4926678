//! The desk screen: a full frame of each pane at 160x48 (target <= 2 ms), and start-up to the
//! first frame after sign-in (target <= 1 s) on a generated store of CAREERDESK_BENCH_CLIENTS
//! clients (default 20000; the targets are stated for 200000).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use careerdesk::desk::{Desk, SystemClock};
use careerdesk::paths::Paths;
use careerdesk::policy::{example, Policy};
use careerdesk::ui::app::Event;
use careerdesk::ui::drive::Driver;
use careerdesk::ui::keymap::{Base, Keymap};
use careerdesk::ui::theme::{Theme, ThemeKind};
use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const PASSWORD: &str = "bench-password-1";

/// A key, without waiting for any job it starts.
fn key(app: &mut Driver, code: KeyCode) {
    app.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn driver(paths: &Paths, keymap: &Keymap) -> Driver {
    Driver::new(
        paths.clone(),
        keymap.clone(),
        None,
        Theme::of(ThemeKind::Normal),
        Arc::new(SystemClock),
    )
    .expect("driver")
}

fn benches(c: &mut Criterion) {
    let n: usize = std::env::var("CAREERDESK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let paths = Paths::resolve(Some(tmp.path()));
    let text = example("standard").map(|e| e.text).unwrap_or_default();
    std::fs::write(paths.policy(), text).expect("policy");
    {
        let policy = Policy::parse(text, "standard").expect("policy");
        let desk = Desk::init(
            &paths.store(),
            policy,
            "admin",
            "Admin",
            PASSWORD,
            Arc::new(SystemClock),
        )
        .expect("init");
        careerdesk::demo::generate(&desk, n, 1, &careerdesk::demo::Progress::Hidden).expect("demo");
    }
    let keymap = Keymap::builtin(Base::Default);
    // Start-up: sign in and draw the first frame; then until client lookup is ready.
    let mut starts = Vec::new();
    let mut ready: Vec<std::time::Duration> = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut app = driver(&paths, &keymap);
        for ch in "admin".chars() {
            key(&mut app, KeyCode::Char(ch));
        }
        key(&mut app, KeyCode::Enter);
        for ch in PASSWORD.chars() {
            key(&mut app, KeyCode::Char(ch));
        }
        key(&mut app, KeyCode::Enter);
        // Signing in is a job: its result is the event that brings up the desk screen.
        while app.screen(160, 48).contains("Signing in") {
            app.next_event(std::time::Duration::from_secs(30));
        }
        starts.push(t.elapsed());
        while app.screen(160, 48).contains("Loading the client directory") {
            app.next_event(std::time::Duration::from_secs(30));
        }
        ready.push(t.elapsed());
    }
    starts.sort();
    ready.sort();
    eprintln!(
        "start-up to first frame after sign-in, {n} clients: median {:?}, worst {:?}",
        starts[2], starts[4]
    );
    eprintln!(
        "start-up until client lookup is ready, {n} clients: median {:?}, worst {:?}",
        ready[2], ready[4]
    );

    let mut app = driver(&paths, &keymap);
    for ch in "admin".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    for ch in PASSWORD.chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    app.settle();
    for ch in "ais".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    app.settle();
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let mut g = c.benchmark_group("frame_160x48");
    for (digit, name) in [
        ('2', "clients"),
        ('1', "calendar"),
        ('3', "notes"),
        ('4', "employers"),
        ('5', "triage"),
        ('6', "queue"),
    ] {
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char(digit));
        app.settle();
        g.bench_function(name, |b| b.iter(|| black_box(term.draw(|f| app.app.render(f)).is_ok())));
    }
    g.finish();
}

criterion_group!(screen, benches);
criterion_main!(screen);
