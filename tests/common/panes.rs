//! Driving one pane the way the main screen does, for the pane tests: its commands, keys and
//! clicks, then its background jobs' results fed back until none is running; and the pane drawn
//! into a test backend.

use std::sync::Arc;

use careerdesk::desk::Desk;
use careerdesk::domain::ids::ClientId;
use careerdesk::ui::command::Command;
use careerdesk::ui::event::{channel, Event, Events, JobDone, SessionDone};
use careerdesk::ui::pane::{Cx, DeskJobs, Notice, Pane, PaneId};
use careerdesk::ui::theme::{Theme, ThemeKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The app's side of a pane: the desk, background jobs (their results fed back to the pane
/// after each input, as the main screen does), the shared client selection, the status line
/// and pane-switch requests.
pub struct Ui<'d> {
    desk: &'d Arc<Desk>,
    jobs: DeskJobs,
    events: Events,
    _runtime: tokio::runtime::Runtime,
    pub client: Option<ClientId>,
    pub notice: Option<Notice>,
    pub go_to: Option<PaneId>,
    pub messages_queued: bool,
    pub paths: careerdesk::paths::Paths,
}

impl<'d> Ui<'d> {
    pub fn new(desk: &'d Arc<Desk>) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (jobs, events) = channel(runtime.handle().clone());
        Self {
            jobs: DeskJobs::new(jobs, desk.clone(), 1),
            events,
            _runtime: runtime,
            desk,
            client: None,
            notice: None,
            go_to: None,
            messages_queued: false,
            paths: careerdesk::paths::Paths::resolve(Some(desk.store().path().parent().unwrap_or(desk.store().path()))),
        }
    }

    pub fn cx(&mut self) -> Cx<'_> {
        Cx {
            desk: self.desk,
            jobs: &self.jobs,
            client: &mut self.client,
            notice: &mut self.notice,
            go_to: &mut self.go_to,
            messages_queued: &mut self.messages_queued,
            paths: &self.paths,
        }
    }

    /// Gives the pane the results of its jobs until none is running.
    pub fn settle(&mut self, pane: &mut dyn Pane) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let running = self.events.running();
            let mut arrived = Vec::new();
            while let Some(e) = self.events.try_next() {
                arrived.push(e);
            }
            let took = !arrived.is_empty();
            for e in arrived {
                if let Event::Job(JobDone::Session {
                    done: SessionDone::Pane(_, done),
                    ..
                }) = e
                {
                    let mut cx = self.cx();
                    pane.job_done(done, &mut cx);
                }
            }
            if running == 0 && !took {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "the pane's jobs never finished");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    pub fn shown(&mut self, pane: &mut dyn Pane) {
        let mut cx = self.cx();
        pane.shown(&mut cx);
        self.settle(pane);
    }

    pub fn cmd(&mut self, pane: &mut dyn Pane, c: Command) -> bool {
        let mut cx = self.cx();
        let handled = pane.command(c, &mut cx);
        self.settle(pane);
        handled
    }

    pub fn cmds(&mut self, pane: &mut dyn Pane, cs: &[Command]) {
        for c in cs {
            self.cmd(pane, *c);
        }
    }

    /// Types text the way the app does: plain characters go to `key` while a field has focus.
    pub fn type_text(&mut self, pane: &mut dyn Pane, text: &str) {
        assert!(pane.typing(), "no field has focus to type `{text}` into");
        for ch in text.chars() {
            let mut cx = self.cx();
            pane.key(&KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE), &mut cx);
            self.settle(pane);
        }
    }

    /// Empties the field with focus (ctrl-u) and types `text`.
    pub fn replace(&mut self, pane: &mut dyn Pane, text: &str) {
        self.key(pane, KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        self.type_text(pane, text);
    }

    /// A key the pane takes itself (no command), then its jobs' results.
    pub fn key(&mut self, pane: &mut dyn Pane, key: KeyEvent) -> bool {
        let mut cx = self.cx();
        let handled = pane.key(&key, &mut cx);
        self.settle(pane);
        handled
    }

    pub fn click(&mut self, pane: &mut dyn Pane, column: u16, row: u16) {
        let mut cx = self.cx();
        pane.click(column, row, &mut cx);
        self.settle(pane);
    }

    pub fn done(&self) -> String {
        match &self.notice {
            Some(Notice::Done(t)) => t.clone(),
            other => panic!("expected a success message, got {other:?}"),
        }
    }

    pub fn problem(&self) -> String {
        match &self.notice {
            Some(Notice::Problem(t)) => t.clone(),
            other => panic!("expected a problem message, got {other:?}"),
        }
    }
}

/// The pane drawn at `w` x `h` (no colour), as lines of text; `TUI_DUMP=1` prints each screen.
pub fn screen(pane: &mut dyn Pane, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let th = Theme::of(ThemeKind::Plain);
    t.draw(|f| {
        let area = f.area();
        pane.render(f, area, &th);
    })
    .unwrap();
    let buf = t.backend().buffer();
    let out = (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    if std::env::var_os("TUI_DUMP").is_some() {
        eprintln!("{out}");
    }
    out
}

/// The lookup index the app builds after sign-in.
pub fn built_index(desk: &Desk) -> careerdesk::ui::lookup::SharedIndex {
    let shared = careerdesk::ui::lookup::SharedIndex::default();
    shared.set(careerdesk::desk::Lookup::new(
        desk.build_directory().expect("directory"),
    ));
    shared
}

/// Searches the clients pane for `text` and opens the first match's card.
pub fn open_client(ui: &mut Ui<'_>, pane: &mut careerdesk::ui::panes::clients::ClientsPane, text: &str) {
    ui.cmd(pane, Command::Search);
    ui.replace(pane, text);
    ui.cmd(pane, Command::Select);
}

/// Fails, showing the screen, unless `text` is on it.
pub fn has(screen: &str, text: &str) {
    assert!(screen.contains(text), "`{text}` is not on screen:\n{screen}");
}

/// Fails, showing the screen, if `text` is on it.
pub fn lacks(screen: &str, text: &str) {
    assert!(!screen.contains(text), "`{text}` should not be on screen:\n{screen}");
}
