//! The terminal: raw mode, the alternate screen and mouse capture on the way in, always
//! restored on the way out (on panic too), and the event loop that feeds the app.

use std::io::{self, Stdout};
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::paths::Paths;
use crate::ui::app::{App, Event};
use crate::ui::keymap::Keymap;
use crate::ui::safe_backend::SafeBackend;
use crate::ui::theme::Theme;

/// How often the app gets a tick (idle lock, clock) when nothing else happens.
const TICK: Duration = Duration::from_millis(250);
/// The shortest time between two frames: bursts of input are drawn once.
const FRAME: Duration = Duration::from_millis(10);

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
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let guard = Guard;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    // Every cell is checked on its way to the terminal: record text never carries a control.
    let terminal = Terminal::new(SafeBackend::new(CrosstermBackend::new(io::stdout())))?;
    Ok((guard, terminal))
}

/// Runs the desk screen until the person quits.
pub fn run(paths: Paths) -> io::Result<()> {
    let (keymap, keymap_error) = Keymap::load_user(&paths.config);
    if let Some(e) = &keymap_error {
        tracing::warn!("keymap not loaded: {e}");
    }
    let mut app = App::new(paths, keymap, keymap_error, Theme::from_env());
    let (_guard, mut terminal) = enter()?;
    let mut last_tick = Instant::now();
    let mut last_frame = Instant::now() - FRAME;
    loop {
        if app.take_dirty() {
            let wait = FRAME.saturating_sub(last_frame.elapsed());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            terminal.draw(|f| app.render(f))?;
            last_frame = Instant::now();
        }
        if event::poll(TICK.saturating_sub(last_tick.elapsed()))? {
            // Take everything that is waiting before drawing again.
            loop {
                match event::read()? {
                    TermEvent::Key(k) if k.kind != KeyEventKind::Release => app.update(Event::Key(k)),
                    TermEvent::Mouse(m) => app.update(Event::Mouse(m)),
                    TermEvent::Resize(w, h) => app.update(Event::Resize(w, h)),
                    _ => {}
                }
                if app.should_quit() || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if last_tick.elapsed() >= TICK {
            app.update(Event::Tick);
            last_tick = Instant::now();
        }
        if app.should_quit() {
            return Ok(());
        }
    }
}
