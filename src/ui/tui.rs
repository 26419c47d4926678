//! The terminal: raw mode, the alternate screen and mouse capture on the way in, always
//! restored on the way out (on panic too), and the event loop that feeds the app.
//!
//! One channel carries every [`Event`]: a reader thread posts the terminal's keys, mouse and
//! resizes, a ticker task posts ticks, and background jobs post their results. The loop takes
//! whatever is waiting, hands it to `App::update`, and draws at most one frame per [`FRAME`],
//! only when something changed (decision 0012).

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::time::Instant;

use crate::paths::Paths;
use crate::ui::app::App;
use crate::ui::event::{channel, Event, Events, Poster};
use crate::ui::keymap::Keymap;
use crate::ui::safe_backend::SafeBackend;
use crate::ui::theme::Theme;

/// How often the app gets a tick (idle lock, clock, outbox schedule).
const TICK: Duration = Duration::from_millis(250);
/// The shortest time between two frames: bursts of input and results are drawn once.
const FRAME: Duration = Duration::from_millis(10);
/// How long the reader thread waits for input before checking whether the screen has closed.
const READ_POLL: Duration = Duration::from_millis(100);
/// A debug-build switch for the test that the terminal is restored after a panic: the screen
/// panics right after drawing its first frame.
const PANIC_FOR_TEST: &str = "CAREERDESK_DEBUG_PANIC_AFTER_FIRST_FRAME";

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Puts the terminal back however the screen ends.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn enter() -> io::Result<(Guard, Terminal<SafeBackend<CrosstermBackend<Stdout>>>)> {
    let previous = std::panic::take_hook();
    let screen_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        // A panic in a background job is caught and shown on the screen, which stays up; one
        // on the screen thread ends the program, so the terminal is put back first.
        if std::thread::current().id() == screen_thread {
            restore();
            previous(info);
        } else {
            tracing::error!("{info}");
        }
    }));
    enable_raw_mode()?;
    let guard = Guard;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    // Every cell is checked on its way to the terminal: record text never carries a control.
    let terminal = Terminal::new(SafeBackend::new(CrosstermBackend::new(io::stdout())))?;
    Ok((guard, terminal))
}

/// Reads the terminal on its own thread and posts what it reads, until the screen closes.
fn read_terminal(post: Poster, closed: Arc<AtomicBool>) {
    while !closed.load(Ordering::SeqCst) {
        match event::poll(READ_POLL) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                tracing::error!("cannot read the terminal: {e}");
                return;
            }
        }
        let event = match event::read() {
            Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => Event::Key(k),
            Ok(TermEvent::Mouse(m)) => Event::Mouse(m),
            Ok(TermEvent::Resize(w, h)) => Event::Resize(w, h),
            Ok(_) => continue,
            Err(e) => {
                tracing::error!("cannot read the terminal: {e}");
                return;
            }
        };
        post.post(event);
    }
}

/// Runs the desk screen until the person quits.
pub fn run(paths: Paths) -> io::Result<()> {
    let (keymap, keymap_error) = Keymap::load_user(&paths.config);
    if let Some(e) = &keymap_error {
        tracing::warn!("keymap not loaded: {e}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    let (jobs, events) = channel(runtime.handle().clone());
    let mut app = App::new(paths, keymap, keymap_error, Theme::from_env(), jobs.clone());
    let (_guard, mut terminal) = enter()?;
    let closed = Arc::new(AtomicBool::new(false));
    let reader = {
        let (post, closed) = (jobs.poster(), closed.clone());
        std::thread::spawn(move || read_terminal(post, closed))
    };
    let ticks = jobs.poster();
    runtime.spawn(async move {
        let mut every = tokio::time::interval(TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            ticks.post(Event::Tick);
        }
    });
    let result = runtime.block_on(event_loop(&mut app, events, &mut terminal));
    closed.store(true, Ordering::SeqCst);
    let _ = reader.join();
    drop(app);
    // A job still running (an SMTP send waiting on its time-out) is not waited for: its work
    // is committed message by message, and what it had not committed is sent next time.
    runtime.shutdown_background();
    result
}

/// Takes events until the app quits, drawing coalesced frames.
async fn event_loop(
    app: &mut App,
    mut events: Events,
    terminal: &mut Terminal<SafeBackend<CrosstermBackend<Stdout>>>,
) -> io::Result<()> {
    let debug_panic = cfg!(debug_assertions) && std::env::var_os(PANIC_FOR_TEST).is_some();
    let mut last_frame = Instant::now() - FRAME;
    loop {
        if app.take_dirty() {
            // Whatever arrives before the frame is due is taken first and drawn with it.
            let due = last_frame + FRAME;
            while let Ok(Some(event)) = tokio::time::timeout_at(due, events.next()).await {
                app.update(event);
                if app.should_quit() {
                    return Ok(());
                }
            }
            terminal.draw(|f| app.render(f))?;
            last_frame = Instant::now();
            if debug_panic {
                panic!("{PANIC_FOR_TEST} is set: panicking after the first frame");
            }
        }
        let Some(event) = events.next().await else {
            return Ok(());
        };
        app.update(event);
        while let Some(event) = events.try_next() {
            if app.should_quit() {
                break;
            }
            app.update(event);
        }
        if app.should_quit() {
            return Ok(());
        }
    }
}
