//! What every pane of the main screen provides, and what it may ask of the app.

use std::sync::Arc;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::Desk;
use crate::domain::ids::ClientId;
use crate::ui::command::{Command, Context};
use crate::ui::event::{Event, JobDone, Jobs, PaneDone, SessionDone};
use crate::ui::theme::Theme;

/// The panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    /// Calendar.
    Calendar,
    /// Client lookup and card.
    Clients,
    /// Notes and outcomes.
    Notes,
    /// Employers.
    Employers,
    /// Supervisor triage.
    Triage,
    /// Drop-in queue.
    Queue,
    /// Employability events and their bookings.
    Events,
    /// The sync conflicts queue.
    Conflicts,
}

impl PaneId {
    /// All panes in tab order.
    pub const ALL: [PaneId; 8] = [
        PaneId::Calendar,
        PaneId::Clients,
        PaneId::Notes,
        PaneId::Employers,
        PaneId::Triage,
        PaneId::Queue,
        PaneId::Events,
        PaneId::Conflicts,
    ];

    /// The tab title, with its key.
    pub fn title(self) -> &'static str {
        match self {
            PaneId::Calendar => "Calendar",
            PaneId::Clients => "Clients",
            PaneId::Notes => "Notes",
            PaneId::Employers => "Employers",
            PaneId::Triage => "Triage",
            PaneId::Queue => "Queue",
            PaneId::Events => "Events",
            PaneId::Conflicts => "Conflicts",
        }
    }

    /// The keymap context of the pane.
    pub fn context(self) -> Context {
        match self {
            PaneId::Calendar => Context::Calendar,
            PaneId::Clients => Context::Clients,
            PaneId::Notes => Context::Notes,
            PaneId::Employers => Context::Employers,
            PaneId::Triage => Context::Triage,
            PaneId::Queue => Context::Queue,
            PaneId::Events => Context::Events,
            PaneId::Conflicts => Context::Conflicts,
        }
    }

    /// The pane a show-* command goes to.
    pub fn for_command(cmd: Command) -> Option<PaneId> {
        Some(match cmd {
            Command::ShowCalendar => PaneId::Calendar,
            Command::ShowClients => PaneId::Clients,
            Command::ShowNotes => PaneId::Notes,
            Command::ShowEmployers => PaneId::Employers,
            Command::ShowTriage => PaneId::Triage,
            Command::ShowQueue => PaneId::Queue,
            Command::ShowEvents => PaneId::Events,
            Command::ShowConflicts => PaneId::Conflicts,
            _ => return None,
        })
    }
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something was done.
    Done(String),
    /// Something was refused or failed: what and what to do.
    Problem(String),
}

/// Background jobs for one signed-in session: each gets the desk and posts its result for
/// that session (a result arriving after sign-out is dropped).
#[derive(Clone)]
pub struct DeskJobs {
    jobs: Jobs,
    desk: Arc<Desk>,
    session: u64,
}

impl DeskJobs {
    /// Jobs on `desk` for session number `session`.
    pub fn new(jobs: Jobs, desk: Arc<Desk>, session: u64) -> Self {
        Self { jobs, desk, session }
    }

    /// The session's desk.
    pub fn desk(&self) -> &Arc<Desk> {
        &self.desk
    }

    /// The session number its results carry.
    pub fn session(&self) -> u64 {
        self.session
    }

    /// Runs `work` on a blocking thread; its result goes back to `pane` ([`Pane::job_done`]).
    pub fn spawn(&self, pane: PaneId, what: &'static str, work: impl FnOnce(&Desk) -> PaneDone + Send + 'static) {
        self.spawn_session(what, move |desk| SessionDone::Pane(pane, work(desk)));
    }

    /// Runs `work` on a blocking thread; its result goes back to the main screen.
    pub fn spawn_session(&self, what: &'static str, work: impl FnOnce(&Desk) -> SessionDone + Send + 'static) {
        let desk = self.desk.clone();
        let session = self.session;
        self.jobs.spawn(what, move |_| JobDone::Session {
            session,
            done: work(&desk),
        });
    }

    /// Runs `work` on a blocking thread; it may post results to the main screen as it goes
    /// (progress), and its last result goes there too.
    pub fn spawn_session_posting(
        &self,
        what: &'static str,
        work: impl FnOnce(&Desk, &(dyn Fn(SessionDone) + Sync)) -> SessionDone + Send + 'static,
    ) {
        let desk = self.desk.clone();
        let session = self.session;
        self.jobs.spawn(what, move |poster| {
            let post = |done: SessionDone| poster.post(Event::Job(JobDone::Session { session, done }));
            JobDone::Session {
                session,
                done: work(&desk, &post),
            }
        });
    }
}

/// What a pane can reach while handling input: the desk, background jobs, the shared
/// selection, and requests to the app (a notice, a pane switch, a send of the outbox).
pub struct Cx<'a> {
    /// The signed-in session.
    pub desk: &'a Desk,
    /// Background jobs on the same desk.
    pub jobs: &'a DeskJobs,
    /// The client selected anywhere (the clients pane sets it; notes reads it).
    pub client: &'a mut Option<ClientId>,
    /// A message for the status line.
    pub notice: &'a mut Option<Notice>,
    /// A pane to switch to after this input.
    pub go_to: &'a mut Option<PaneId>,
    /// Set when messages were queued (a booking or a cancellation): the outbox is sent now.
    pub messages_queued: &'a mut bool,
    /// The data folder's paths (an erasure reaches the automatic backups).
    pub paths: &'a crate::paths::Paths,
}

impl Cx<'_> {
    /// Runs slow work for `pane` off the screen thread (see [`DeskJobs::spawn`]).
    pub fn spawn(&self, pane: PaneId, what: &'static str, work: impl FnOnce(&Desk) -> PaneDone + Send + 'static) {
        self.jobs.spawn(pane, what, work);
    }

    /// Shows a success message.
    pub fn done(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice::Done(text.into()));
    }

    /// Shows a problem.
    pub fn problem(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice::Problem(text.into()));
    }
}

/// One pane of the main screen. Panes load data when they handle input or are shown, never
/// while rendering; slow loads and searches run as jobs whose results arrive in `job_done`.
pub trait Pane {
    /// Which pane this is.
    fn id(&self) -> PaneId;
    /// Whether a text field has focus (plain keys are typed, not commands).
    fn typing(&self) -> bool;
    /// Called when the pane is shown (reload what may have changed).
    fn shown(&mut self, cx: &mut Cx<'_>);
    /// Handles a command; returns whether it did.
    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool;
    /// Handles a key no command took (typing into a field); returns whether it did.
    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool;
    /// A click at row `row` of the pane's last area: select what is there.
    fn click(&mut self, _column: u16, _row: u16, _cx: &mut Cx<'_>) {}
    /// Draws the pane.
    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme);
    /// The commands the bottom bar shows for this pane.
    fn featured(&self) -> &'static [Command];
    /// The shared client lookup index has been built (in the background after sign-in).
    fn directory_ready(&mut self, _cx: &mut Cx<'_>) {}
    /// A job this pane started has finished.
    fn job_done(&mut self, _done: PaneDone, _cx: &mut Cx<'_>) {}
    /// A sync with the server went through; `on_show` says whether this pane is the one shown.
    fn synced(&mut self, _on_show: bool, _cx: &mut Cx<'_>) {}
    /// How many conflicts a load of the conflicts queue just counted, once (the status bar
    /// takes it); `None` for every other pane and between loads.
    fn take_conflict_count(&mut self) -> Option<u64> {
        None
    }
}

/// Keeps a selection inside a list of `len` rows after a movement command.
pub fn move_selection(selected: usize, len: usize, cmd: Command, page: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match cmd {
        Command::Up => selected.saturating_sub(1),
        Command::Down => (selected + 1).min(last),
        Command::PageUp => selected.saturating_sub(page.max(1)),
        Command::PageDown => (selected + page.max(1)).min(last),
        Command::First => 0,
        Command::Last => last,
        _ => selected.min(last),
    }
}

/// Whether a command only moves a selection.
pub fn is_movement(cmd: Command) -> bool {
    matches!(
        cmd,
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::First | Command::Last
    )
}
