//! The app without a terminal, for tests and benchmarks: events are given to `App::update`
//! one by one and the results of background jobs are fed back the way the event loop does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::desk::Clock;
use crate::paths::Paths;
use crate::ui::app::App;
use crate::ui::event::{channel, Event, Events, Jobs};
use crate::ui::keymap::{Base, Keymap, KeymapError};
use crate::ui::theme::{Theme, ThemeKind};

/// The longest [`Driver::settle`] waits for background jobs.
const SETTLE_LIMIT: Duration = Duration::from_secs(120);

/// An app with its event channel and a runtime for its jobs.
pub struct Driver {
    /// The app.
    pub app: App,
    events: Events,
    jobs: Jobs,
    runtime: tokio::runtime::Runtime,
}

impl Driver {
    /// An app for `paths` at the time `clock` gives.
    pub fn new(
        paths: Paths,
        keymap: Keymap,
        keymap_error: Option<KeymapError>,
        theme: Theme,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Driver> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        let (jobs, events) = channel(runtime.handle().clone());
        let app = App::with_clock(paths, keymap, keymap_error, theme, clock, jobs.clone());
        Ok(Driver {
            app,
            events,
            jobs,
            runtime,
        })
    }

    /// An app for `paths` with the built-in keys and the plain theme, as the tests use it.
    pub fn plain(paths: Paths, clock: Arc<dyn Clock>) -> std::io::Result<Driver> {
        Driver::new(
            paths,
            Keymap::builtin(Base::Default),
            None,
            Theme::of(ThemeKind::Plain),
            clock,
        )
    }

    /// Types `login`, enter, `password` and enter on the sign-in screen; the last enter is
    /// given alone ([`Driver::send`]), so the caller sees the password being checked and
    /// settles when it wants to.
    pub fn sign_in(&mut self, login: &str, password: &str) {
        self.typed(login);
        self.key(KeyCode::Enter);
        self.typed(password);
        self.send(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    }

    /// The status bar: the last line drawn at `w` x `h`.
    pub fn status_bar(&mut self, w: u16, h: u16) -> String {
        let s = self.screen(w, h);
        s.lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .to_string()
    }

    /// The signed-in desk, if a session is open.
    pub fn desk(&self) -> Option<&Arc<crate::desk::Desk>> {
        self.app.desk()
    }

    /// The jobs handle the app uses (to post events as the terminal would).
    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// Gives the app one event and nothing else: job results are left waiting.
    pub fn send(&mut self, event: Event) {
        self.app.update(event);
    }

    /// Gives the app one event, then every job result until no job is running.
    pub fn update(&mut self, event: Event) {
        self.app.update(event);
        self.settle();
    }

    /// A key with no modifiers, then [`Driver::settle`].
    pub fn key(&mut self, code: KeyCode) {
        self.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// A key with ctrl held, then [`Driver::settle`].
    pub fn ctrl(&mut self, c: char) {
        self.update(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    }

    /// Each character as a key.
    pub fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Feeds job results to the app until no job is running and none is waiting; returns
    /// whether that happened within two minutes.
    pub fn settle(&mut self) -> bool {
        let deadline = Instant::now() + SETTLE_LIMIT;
        loop {
            // Read the count first: a job posts its result before it stops counting.
            let running = self.events.running();
            let mut took = false;
            while let Some(event) = self.events.try_next() {
                self.app.update(event);
                took = true;
            }
            if running == 0 && !took {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            if !took {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// Waits up to `limit` for one event that has arrived on the channel and gives it to the
    /// app; returns whether one came. Nothing else is given to the app meanwhile.
    pub fn next_event(&mut self, limit: Duration) -> bool {
        let events = &mut self.events;
        let next = self
            .runtime
            .block_on(async { tokio::time::timeout(limit, events.next()).await });
        match next {
            Ok(Some(event)) => {
                self.app.update(event);
                true
            }
            _ => false,
        }
    }

    /// The screen as text, `w` x `h`, each line's trailing spaces removed.
    pub fn screen(&mut self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|never| match never {});
        if t.draw(|f| self.app.render(f)).is_err() {
            return String::new();
        }
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}
