//! The signed-in main screen: eight panes behind tabs, the help overlay and the palette, the
//! status bar, and the session's background work (the client lookup build, the outbox run,
//! the backup, the sync task).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::desk::{Desk, OutboxCounts};
use crate::domain::access::Permission;
use crate::domain::ids::ClientId;
use crate::notify::{NotifyConfig, Transports};
use crate::paths::Paths;
use crate::ui::command::{Command, Context};
use crate::ui::event::{Event, Jobs, SessionDone};
use crate::ui::housekeeping::{BackupState, Backups};
use crate::ui::keymap::{KeyChord, Keymap, Resolved};
use crate::ui::lookup::SharedIndex;
use crate::ui::pane::{Cx, DeskJobs, Notice, Pane, PaneId};
use crate::ui::panes;
use crate::ui::sync_task::{SyncGate, SyncTask};
use crate::ui::theme::Theme;
use crate::ui::widgets::help::HelpOverlay;
use crate::ui::widgets::palette::{render_palette, Palette, PaletteInput};

mod jobs;

/// How often the screen sends due messages by itself.
pub const OUTBOX_EVERY: chrono::Duration = chrono::Duration::seconds(60);
/// How often the screen asks whether today's automatic backup is due (by the desk's clock).
pub const BACKUP_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// The start-up purge's name (for the log when it fails).
const PURGE_JOB: &str = "the retention purge";

/// The backup job's name (for the log when it fails).
const BACKUP_JOB: &str = "the automatic backup";

/// The outbox job's name (for the log when it fails).
const OUTBOX_JOB: &str = "sending the outbox";

/// The outbox as the screen keeps it: the counts for the status bar and when to send next.
struct Outbox {
    counts: OutboxCounts,
    /// The transports from notify.toml; `None` when it could not be read (nothing is sent).
    transports: Option<Arc<Transports>>,
    from: String,
    /// A run is under way.
    running: bool,
    /// Messages were queued since the last run started: run again as soon as possible.
    wanted: bool,
    /// When the next scheduled run is due, by the desk's clock.
    next_at: DateTime<Utc>,
}

/// The signed-in main screen.
pub struct Main {
    desk: Arc<Desk>,
    jobs: DeskJobs,
    panes: Vec<Box<dyn Pane>>,
    active: usize,
    client: Option<ClientId>,
    notice: Option<Notice>,
    help: Option<u16>,
    palette: Option<Palette>,
    outbox: Outbox,
    backups: Backups,
    /// The sync task (it never runs a job when this terminal is not enrolled).
    sync: SyncTask,
    /// The start-up retention purge is running (a sync waits for it).
    purging: bool,
    /// When the operator last touched a key or the mouse, by the desk's clock.
    last_input: DateTime<Utc>,
    body: Rect,
    tabs: Vec<(Rect, usize)>,
    /// The client lookup index the panes share, once built.
    clients: SharedIndex,
    /// Lookup loads in flight, the clients erased while one was, and the save after an erasure.
    lookup_loads: LookupLoads,
}

/// The lookup loads this session has started and not yet taken.
#[derive(Default)]
struct LookupLoads {
    in_flight: u32,
    /// Clients the start-up purge erased while a load was in flight: its result may still
    /// hold them, so they are removed from it before it is shown.
    erased: Vec<crate::domain::ids::ClientId>,
    /// A save of the lookup (after an erasure) is running.
    saving: bool,
}

impl Main {
    /// The main screen for a signed-in desk; starts building the client lookup, the start-up
    /// purge, the first outbox run, the day's backup and (when enrolled) the first sync in the
    /// background.
    pub fn open(desk: Arc<Desk>, session: u64, paths: &Paths, jobs: Jobs, sync_gate: SyncGate) -> Box<Main> {
        let now = desk.now();
        let enrolled = match desk.sync_enrolled() {
            Ok(enrolled) => enrolled,
            Err(e) => {
                tracing::warn!("sync is off for this session: {e}");
                false
            }
        };
        let sync = SyncTask::new(enrolled, desk.policy().sync.every_seconds, now, sync_gate);
        let jobs = DeskJobs::new(jobs, desk.clone(), session);
        let mut notice = None;
        let (transports, from) = match NotifyConfig::load(&paths.config)
            .and_then(|c| Ok((c.transports(&paths.data.join(crate::notify::OUTBOX_DIR))?, c.email.from)))
        {
            Ok((t, from)) => (Some(Arc::new(t)), from),
            Err(e) => {
                notice = Some(Notice::Problem(format!(
                    "messages are not sent from the screen: {e}; `careerdesk outbox flush` says the same"
                )));
                (None, String::new())
            }
        };
        let clients = SharedIndex::default();
        let mut main = Box::new(Main {
            panes: panes::all(&desk, &clients),
            clients,
            jobs,
            desk,
            active: 0,
            client: None,
            notice,
            help: None,
            palette: None,
            outbox: Outbox {
                counts: OutboxCounts::default(),
                transports,
                from,
                running: false,
                wanted: true,
                next_at: now,
            },
            backups: Backups {
                paths: paths.clone(),
                running: false,
                next_at: now,
                state: BackupState::Unknown,
            },
            sync,
            purging: true,
            last_input: now,
            body: Rect::default(),
            tabs: Vec::new(),
            lookup_loads: LookupLoads::default(),
        });
        // The lookup loads at once, beside the day's retention purge (which reads every client
        // on a large store, seconds at 200,000): the first frame comes at once and the clients
        // pane says it is loading meanwhile. The clients the purge erases are removed from the
        // lookup at once (from a load still in flight when it arrives), so it never holds an
        // erased client, and it is then saved again from itself (see `jobs.rs`).
        main.load_lookup();
        let purge_paths = paths.clone();
        main.jobs.spawn_session(PURGE_JOB, move |desk| {
            SessionDone::Purge(desk.purge_if_due(&purge_paths).map_err(|e| e.to_string()))
        });
        // Consultants start on their day; everyone else at client lookup.
        let start = if main.desk.operator().has_role(crate::domain::operator::Role::Consultant) {
            PaneId::Notes
        } else {
            PaneId::Clients
        };
        main.active = main.panes.iter().position(|p| p.id() == start).unwrap_or(0);
        main.show_active();
        main.send_outbox_if_due();
        main.back_up_if_due();
        main.sync_if_due();
        main
    }

    /// The session number.
    pub fn session(&self) -> u64 {
        self.jobs.session()
    }

    /// The desk.
    pub fn desk(&self) -> &Arc<Desk> {
        &self.desk
    }

    /// Who is signed in, for the lock screen.
    pub fn who(&self) -> String {
        format!("{} ({})", self.desk.operator().name, self.desk.operator().login)
    }

    /// The institution's name, for the sign-in screen.
    pub fn institution(&self) -> &str {
        &self.desk.policy().institution.name
    }

    /// Shows a message on the status line.
    pub fn set_notice(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    /// Back from the lock screen.
    pub fn unlocked(&mut self) {
        self.last_input = self.desk.now();
        self.notice = Some(Notice::Done("Unlocked.".into()));
    }

    /// Handles an event; returns a command the app itself must act on (quit, lock, sign out,
    /// theme).
    pub fn event(&mut self, event: Event, keymap: &Keymap, pending: &mut Vec<KeyChord>) -> Option<Command> {
        let out = match event {
            Event::Tick => {
                let idle = chrono::Duration::minutes(i64::from(self.desk.policy().security.idle_lock_minutes));
                if self.desk.now() - self.last_input >= idle {
                    return Some(Command::Lock);
                }
                None
            }
            Event::Mouse(mouse) => {
                self.last_input = self.desk.now();
                self.mouse(mouse);
                None
            }
            Event::Key(key) => {
                self.last_input = self.desk.now();
                self.key(&key, keymap, pending)
            }
            Event::Resize(..) | Event::Job(_) => None,
        };
        self.save_lookup_if_wanted();
        self.send_outbox_if_due();
        self.back_up_if_due();
        self.sync_if_due();
        out
    }

    /// Handles a key on the main screen; returns a command the app itself must act on.
    fn key(&mut self, key: &KeyEvent, keymap: &Keymap, pending: &mut Vec<KeyChord>) -> Option<Command> {
        if let Some(scroll) = self.help {
            if let Resolved::Run(cmd) = keymap.resolve(Context::Help, pending, key, false) {
                self.help = match cmd {
                    Command::Help | Command::Back => None,
                    Command::Down => Some(scroll.saturating_add(1)),
                    Command::Up => Some(scroll.saturating_sub(1)),
                    Command::PageDown => Some(scroll.saturating_add(10)),
                    Command::PageUp => Some(scroll.saturating_sub(10)),
                    Command::First => Some(0),
                    Command::Last => Some(u16::MAX),
                    Command::Quit => return Some(Command::Quit),
                    _ => Some(scroll),
                };
            }
            return None;
        }
        if let Some(mut palette) = self.palette.take() {
            let ctx = self.pane().id().context();
            let items = palette.matches(keymap, ctx, &|c| self.allowed(c));
            let input = match keymap.resolve(Context::Palette, pending, key, true) {
                Resolved::Run(cmd) => palette.command(cmd, items.len()),
                Resolved::Pending => PaletteInput::Ignored,
                Resolved::Unbound => palette.type_key(key),
            };
            match input {
                PaletteInput::Close => {}
                PaletteInput::Run => {
                    if let Some(cmd) = palette.selected_command(&items) {
                        return self.dispatch(cmd);
                    }
                }
                _ => self.palette = Some(palette),
            }
            return None;
        }
        let ctx = self.pane().id().context();
        match keymap.resolve(ctx, pending, key, self.pane().typing()) {
            Resolved::Run(cmd) => self.dispatch(cmd),
            Resolved::Pending => None,
            Resolved::Unbound => {
                self.with_pane(|pane, cx| pane.key(key, cx));
                None
            }
        }
    }

    fn dispatch(&mut self, cmd: Command) -> Option<Command> {
        match cmd {
            Command::Quit | Command::Lock | Command::SignOut | Command::NextTheme => return Some(cmd),
            Command::Help => self.help = Some(0),
            Command::Palette => self.palette = Some(Palette::new()),
            Command::SyncNow => self.sync_now(),
            Command::NextPane => self.switch((self.active + 1) % self.panes.len()),
            Command::PrevPane => self.switch((self.active + self.panes.len() - 1) % self.panes.len()),
            _ => {
                if let Some(p) = PaneId::for_command(cmd) {
                    if let Some(i) = self.panes.iter().position(|x| x.id() == p) {
                        self.switch(i);
                    }
                } else if !self.with_pane(|pane, cx| pane.command(cmd, cx)) && cmd != Command::Back {
                    self.notice = Some(Notice::Problem(format!("`{}` does nothing in this pane", cmd.name())));
                }
            }
        }
        None
    }

    fn pane(&self) -> &dyn Pane {
        self.panes[self.active].as_ref()
    }

    fn allowed(&self, cmd: Command) -> bool {
        match cmd.context() {
            Context::Triage => self.desk.may(Permission::SupervisorReports),
            Context::Notes => self.desk.may(Permission::ViewClients),
            _ => true,
        }
    }

    fn with_pane(&mut self, f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> bool) -> bool {
        self.with_pane_at(self.active, f)
    }

    /// Gives pane `i` the context to act in, then carries out what it asked for.
    fn with_pane_at(&mut self, i: usize, f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> bool) -> bool {
        let mut go_to = None;
        let mut queued = false;
        let handled = {
            let mut cx = Cx {
                desk: &self.desk,
                jobs: &self.jobs,
                client: &mut self.client,
                notice: &mut self.notice,
                go_to: &mut go_to,
                messages_queued: &mut queued,
                paths: &self.backups.paths,
            };
            f(self.panes[i].as_mut(), &mut cx)
        };
        // A fresh read of the conflicts queue puts its count on the status bar at once.
        if let Some(n) = self.panes[i].take_conflict_count() {
            self.sync.conflicts = Some(n);
        }
        if queued {
            self.outbox.wanted = true;
        }
        if let Some(p) = go_to {
            if let Some(i) = self.panes.iter().position(|x| x.id() == p) {
                self.switch(i);
            }
        }
        handled
    }

    fn switch(&mut self, i: usize) {
        self.active = i.min(self.panes.len() - 1);
        self.show_active();
    }

    fn show_active(&mut self) {
        self.with_pane(|pane, cx| {
            pane.shown(cx);
            true
        });
    }

    fn mouse(&mut self, mouse: MouseEvent) {
        let hit = |r: &Rect| {
            mouse.column >= r.x && mouse.column < r.x + r.width && mouse.row >= r.y && mouse.row < r.y + r.height
        };
        // The wheel moves the selection, as the arrow keys do.
        let wheel = match mouse.kind {
            MouseEventKind::ScrollDown => Some(Command::Down),
            MouseEventKind::ScrollUp => Some(Command::Up),
            _ => None,
        };
        if let Some(cmd) = wheel {
            if hit(&self.body) {
                self.with_pane(|pane, cx| pane.command(cmd, cx));
            }
            return;
        }
        if mouse.kind != MouseEventKind::Down(MouseButton::Left) {
            return;
        }
        if let Some((_, i)) = self.tabs.iter().find(|(r, _)| hit(r)).copied() {
            self.switch(i);
        } else if hit(&self.body) {
            let (col, row) = (mouse.column - self.body.x, mouse.row - self.body.y);
            self.with_pane(|pane, cx| {
                pane.click(col, row, cx);
                true
            });
        }
    }

    /// Draws the screen; `pending` are the keys typed so far of a longer binding.
    pub fn render(&mut self, frame: &mut Frame<'_>, th: &Theme, keymap: &Keymap, pending: &[KeyChord]) {
        let [tabs, body, notice, bar, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        // Tabs: the active one is marked with ▶ and brackets, not only by colour.
        let mut spans = Vec::new();
        self.tabs.clear();
        let mut x = tabs.x;
        for (i, p) in self.panes.iter().enumerate() {
            let label = if i == self.active {
                format!("▶[{} {}] ", i + 1, p.id().title())
            } else {
                format!(" {} {}  ", i + 1, p.id().title())
            };
            let w = label.chars().count() as u16;
            self.tabs.push((Rect::new(x, tabs.y, w, 1), i));
            x = x.saturating_add(w);
            spans.push(Span::styled(label, if i == self.active { th.selected } else { th.dim }));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
        self.body = body;
        self.panes[self.active].render(frame, body, th);
        let notice_line = match &self.notice {
            Some(Notice::Done(t)) => Line::styled(format!("✓ {t}"), th.good),
            Some(Notice::Problem(t)) => Line::styled(format!("✗ {t}"), th.bad),
            None => Line::raw(""),
        };
        frame.render_widget(Paragraph::new(notice_line), notice);
        let ctx = self.pane().id().context();
        let bar_line = if pending.is_empty() {
            crate::ui::widgets::command_bar::command_bar_line(keymap, ctx, self.pane().featured(), bar.width)
        } else {
            let typed: Vec<String> = pending.iter().map(ToString::to_string).collect();
            Line::styled(
                format!("{} … (the next key completes the command)", typed.join(" ")),
                th.key,
            )
        };
        frame.render_widget(Paragraph::new(bar_line), bar);
        let op = self.desk.operator();
        let now = self.desk.local_time(self.desk.now());
        let sync = self.sync.bar_text(self.desk.now(), &|at| {
            self.desk.local_time(at).format("%H:%M").to_string()
        });
        let status_text = format!(
            " {} ({}) · {} · {sync} · outbox: {} pending, {} failed · backup: {} ",
            op.login,
            op.roles_text(),
            now.format("%a %-d %b %H:%M"),
            self.outbox.counts.pending,
            self.outbox.counts.failed,
            self.backups.state.word(self.backups.running)
        );
        frame.render_widget(Paragraph::new(Line::styled(status_text, th.bar)).style(th.bar), status);
        let wt = th.widgets();
        if let Some(scroll) = self.help {
            let mut rows = keymap.help_rows(ctx);
            rows.extend(keymap.overlay_rows(Context::Help));
            rows.extend(keymap.overlay_rows(Context::Palette));
            frame.render_widget(
                &HelpOverlay {
                    rows: &rows,
                    scroll,
                    theme: &wt,
                },
                frame.area(),
            );
        }
        if let Some(p) = &self.palette {
            let items = p.matches(keymap, ctx, &|c| self.allowed(c));
            render_palette(frame.area(), frame.buffer_mut(), p, &items, &wt);
        }
    }
}
