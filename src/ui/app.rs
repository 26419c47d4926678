//! The app: which screen is up, what each input does, and how it is drawn. Input arrives as
//! [`Event`]s; `App::update` changes state (calling the desk for data); `App::render` only draws.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::desk::{Clock, Desk, OutboxCounts, SystemClock};
use crate::domain::access::Permission;
use crate::domain::ids::ClientId;
use crate::paths::Paths;
use crate::policy::{Policy, EXAMPLES};
use crate::store::LockedStore;
use crate::ui::command::{Command, Context};
use crate::ui::keymap::{Keymap, KeymapError};
use crate::ui::pane::{Cx, Notice, Pane, PaneId};
use crate::ui::panes;
use crate::ui::screens::{FormInput, LockForm, LockInput, LoginForm, SetupForm, DEMO_SIZES};
use crate::ui::theme::Theme;
use crate::ui::widgets::help::HelpOverlay;
use crate::ui::widgets::palette::{render_palette, Palette, PaletteInput};

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse was used.
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resize(u16, u16),
    /// Time passed (idle lock, clock).
    Tick,
}

/// The signed-in main screen.
pub struct Main {
    desk: Desk,
    panes: Vec<Box<dyn Pane>>,
    active: usize,
    client: Option<ClientId>,
    notice: Option<Notice>,
    help: Option<u16>,
    palette: Option<Palette>,
    outbox: OutboxCounts,
    outbox_checked: Instant,
    /// When the operator last touched a key or the mouse, by the desk's clock.
    last_input: chrono::DateTime<chrono::Utc>,
    body: Rect,
    tabs: Vec<(Rect, usize)>,
    /// The client directory being built in the background after sign-in.
    directory: Option<std::sync::mpsc::Receiver<Result<crate::ui::fuzzy::ClientIndex, String>>>,
    /// The client lookup index the panes share, once it has arrived.
    clients: crate::ui::fuzzy::SharedIndex,
}

/// Demo data being generated on another thread after first-run set-up.
struct Working {
    form: SetupForm,
    progress: Arc<std::sync::Mutex<(String, u64, u64)>>,
    done: std::sync::mpsc::Receiver<(Desk, Result<crate::demo::DemoSummary, String>)>,
}

enum Screen {
    Setup(SetupForm),
    Working(Box<Working>),
    Login(LoginForm),
    Main(Box<Main>),
    Locked(Box<Main>, LockForm),
}

/// The whole app.
pub struct App {
    paths: Paths,
    screen: Screen,
    locked_store: Option<LockedStore>,
    keymap: Keymap,
    /// A problem with the user's keymap file, shown until dismissed.
    keymap_error: Option<KeymapError>,
    theme: Theme,
    quit: bool,
    dirty: bool,
    busy: Option<String>,
    clock: Arc<dyn Clock>,
}

impl App {
    /// The app for a data directory: first-run set-up when there is no store, else sign-in.
    pub fn new(paths: Paths, keymap: Keymap, keymap_error: Option<KeymapError>, theme: Theme) -> App {
        Self::with_clock(paths, keymap, keymap_error, theme, Arc::new(SystemClock))
    }

    /// The same, with another clock (tests and demonstrations at a fixed time).
    pub fn with_clock(
        paths: Paths,
        keymap: Keymap,
        keymap_error: Option<KeymapError>,
        theme: Theme,
        clock: Arc<dyn Clock>,
    ) -> App {
        let screen = if LockedStore::exists(&paths.store()) {
            Screen::Login(LoginForm::new(&institution_name(&paths.policy())))
        } else {
            Screen::Setup(SetupForm::default())
        };
        App {
            paths,
            screen,
            locked_store: None,
            keymap,
            keymap_error,
            theme,
            quit: false,
            dirty: true,
            busy: None,
            clock,
        }
    }

    /// Whether the app should end.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether something changed since the last draw.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Handles one event.
    pub fn update(&mut self, event: Event) {
        self.dirty = true;
        let screen = std::mem::replace(&mut self.screen, Screen::Setup(SetupForm::default()));
        self.screen = match screen {
            Screen::Setup(form) => self.setup(form, event),
            Screen::Working(w) => self.working(w),
            Screen::Login(form) => self.login(form, event),
            Screen::Main(main) => self.main(main, event),
            Screen::Locked(main, form) => self.locked(main, form, event),
        };
    }

    fn setup(&mut self, mut form: SetupForm, event: Event) -> Screen {
        let Event::Key(key) = event else {
            return Screen::Setup(form);
        };
        match form.key(&key) {
            FormInput::Quit => {
                self.quit = true;
                Screen::Setup(form)
            }
            FormInput::Edited => Screen::Setup(form),
            FormInput::Submit => match self.create_store(&form) {
                Ok(screen) => screen,
                Err(e) => {
                    form.error = Some(e);
                    Screen::Setup(form)
                }
            },
        }
    }

    /// Waits for generated demo data, showing its progress (long work shows progress).
    fn working(&mut self, w: Box<Working>) -> Screen {
        match w.done.try_recv() {
            Ok((desk, result)) => {
                self.locked_store = Some(desk.locked());
                let mut main = self.open_main(desk);
                main.notice = Some(match result {
                    Ok(summary) => Notice::Done(format!(
                        "Store created; {} demo clients loaded. Demo staff sign in with password `{}`.",
                        summary.clients,
                        crate::demo::DEMO_PASSWORD
                    )),
                    Err(e) => Notice::Problem(format!("The store was created but demo data failed: {e}")),
                });
                Screen::Main(main)
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => Screen::Working(w),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                let mut form = w.form;
                form.error = Some("demo data generation stopped unexpectedly; restart careerdesk and sign in".into());
                Screen::Setup(form)
            }
        }
    }

    fn create_store(&mut self, form: &SetupForm) -> Result<Screen, String> {
        if form.password.value() != form.again.value() {
            return Err("the two passwords differ".into());
        }
        let ex = EXAMPLES.get(form.policy).ok_or("no policy chosen")?;
        let policy = Policy::parse(ex.text, ex.name).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&self.paths.data)
            .map_err(|e| format!("cannot create {}: {e}", self.paths.data.display()))?;
        let name = if form.name.value().trim().is_empty() {
            form.login.value()
        } else {
            form.name.value()
        };
        let mut desk = Desk::init(
            &self.paths.store(),
            policy,
            form.login.value(),
            name,
            form.password.value(),
            self.clock.clone(),
        )
        .map_err(|e| e.to_string())?;
        desk.set_channels(crate::notify::NotifyConfig::channels_in(&self.paths.config));
        std::fs::write(self.paths.policy(), ex.text)
            .map_err(|e| format!("cannot write {}: {e}", self.paths.policy().display()))?;
        let demo = DEMO_SIZES[form.demo.min(DEMO_SIZES.len() - 1)];
        if demo == 0 {
            self.locked_store = Some(desk.locked());
            let mut main = self.open_main(desk);
            main.notice = Some(Notice::Done(format!("Store created with the {} policy.", ex.name)));
            return Ok(Screen::Main(main));
        }
        // Generating takes seconds: do it on another thread and show how far it has got.
        let progress = Arc::new(std::sync::Mutex::new(("starting".to_string(), 0, 0)));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = progress.clone();
        std::thread::spawn(move || {
            let report = crate::demo::Progress::Report(Arc::new(move |what: &str, done: u64, total: u64| {
                if let Ok(mut p) = shared.lock() {
                    *p = (what.to_string(), done, total);
                }
            }));
            let result = crate::demo::generate(&desk, demo, 1, &report).map_err(|e| e.to_string());
            let _ = tx.send((desk, result));
        });
        Ok(Screen::Working(Box::new(Working {
            form: form.clone(),
            progress,
            done: rx,
        })))
    }

    fn login(&mut self, mut form: LoginForm, event: Event) -> Screen {
        let Event::Key(key) = event else {
            return Screen::Login(form);
        };
        match form.key(&key) {
            FormInput::Quit => {
                self.quit = true;
                Screen::Login(form)
            }
            FormInput::Edited => Screen::Login(form),
            FormInput::Submit => match self.sign_in(form.login.value(), form.password.value()) {
                Ok(desk) => Screen::Main(self.open_main(desk)),
                Err(e) => {
                    form.password.clear();
                    form.error = Some(e);
                    Screen::Login(form)
                }
            },
        }
    }

    fn sign_in(&mut self, login: &str, password: &str) -> Result<Desk, String> {
        if self.locked_store.is_none() {
            self.locked_store = Some(LockedStore::open(&self.paths.store()).map_err(|e| e.to_string())?);
        }
        let policy = Policy::load(&self.paths.policy()).map_err(|e| e.to_string())?;
        let locked = self.locked_store.as_ref().ok_or("the store is not open")?;
        let mut desk = Desk::sign_in(locked, policy, login, password, self.clock.clone()).map_err(|e| e.to_string())?;
        // Texts are planned only when notify.toml names an SMS command (APPT-09).
        desk.set_channels(crate::notify::NotifyConfig::channels_in(&self.paths.config));
        Ok(desk)
    }

    fn open_main(&mut self, desk: Desk) -> Box<Main> {
        let now = desk.now();
        // The directory takes a moment on a large store: build it off the screen thread so the
        // first frame comes at once; the clients pane says it is loading meanwhile.
        let (tx, rx) = std::sync::mpsc::channel();
        let directory = match desk.directory_job() {
            Ok(job) => {
                std::thread::spawn(move || {
                    // The lookup index is prepared here too, so the screen never waits for it.
                    let index = job().map(crate::ui::fuzzy::ClientIndex::new);
                    let _ = tx.send(index.map_err(|e| e.to_string()));
                });
                Some(rx)
            }
            Err(_) => None,
        };
        let clients = crate::ui::fuzzy::SharedIndex::default();
        let mut main = Box::new(Main {
            panes: panes::all(&desk, &clients),
            clients,
            directory,
            desk,
            active: 0,
            client: None,
            notice: None,
            help: None,
            palette: None,
            outbox: OutboxCounts::default(),
            outbox_checked: Instant::now(),
            last_input: now,
            body: Rect::default(),
            tabs: Vec::new(),
        });
        // Consultants start on their day; everyone else at client lookup.
        let start = if main.desk.operator().has_role(crate::domain::operator::Role::Consultant) {
            PaneId::Notes
        } else {
            PaneId::Clients
        };
        main.active = main.panes.iter().position(|p| p.id() == start).unwrap_or(0);
        main.outbox = main.desk.outbox_counts().unwrap_or_default();
        main.show_active();
        if let Some(e) = &self.keymap_error {
            main.notice = Some(Notice::Problem(format!(
                "Your keymap was not loaded, defaults are in use: {e}"
            )));
        }
        main
    }

    fn main(&mut self, mut m: Box<Main>, event: Event) -> Screen {
        m.take_directory();
        match event {
            Event::Tick => {
                let idle = chrono::Duration::minutes(i64::from(m.desk.policy().security.idle_lock_minutes));
                if m.desk.now() - m.last_input >= idle {
                    return self.lock(m);
                }
                if m.outbox_checked.elapsed() >= Duration::from_secs(30) {
                    m.outbox = m.desk.outbox_counts().unwrap_or(m.outbox);
                    m.outbox_checked = Instant::now();
                }
                Screen::Main(m)
            }
            Event::Resize(..) => Screen::Main(m),
            Event::Mouse(mouse) => {
                m.last_input = m.desk.now();
                m.mouse(mouse);
                Screen::Main(m)
            }
            Event::Key(key) => {
                m.last_input = m.desk.now();
                match self.main_key(&mut m, &key) {
                    Some(Command::Lock) => self.lock(m),
                    Some(Command::SignOut) => self.sign_out(m),
                    _ => Screen::Main(m),
                }
            }
        }
    }

    /// Handles a key on the main screen; returns a command the app itself must act on.
    fn main_key(&mut self, m: &mut Main, key: &KeyEvent) -> Option<Command> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return None;
        }
        if let Some(scroll) = m.help {
            match self.keymap.lookup(Context::Global, key, false) {
                Some(Command::Help | Command::Back) => m.help = None,
                Some(Command::Down) => m.help = Some(scroll.saturating_add(1)),
                Some(Command::Up) => m.help = Some(scroll.saturating_sub(1)),
                _ => {}
            }
            return None;
        }
        if let Some(mut palette) = m.palette.take() {
            let ctx = m.pane().id().context();
            let items = palette.matches(&self.keymap, ctx, &|c| m.allowed(c));
            match palette.handle_key(key, items.len()) {
                PaletteInput::Close => {}
                PaletteInput::Run => {
                    if let Some((cmd, _)) = items.get(palette.selected) {
                        return self.dispatch(m, *cmd);
                    }
                }
                _ => m.palette = Some(palette),
            }
            return None;
        }
        let ctx = m.pane().id().context();
        match self.keymap.lookup(ctx, key, m.pane().typing()) {
            Some(cmd) => self.dispatch(m, cmd),
            None => {
                m.with_pane(|pane, cx| pane.key(key, cx));
                None
            }
        }
    }

    fn dispatch(&mut self, m: &mut Main, cmd: Command) -> Option<Command> {
        match cmd {
            Command::Quit => self.quit = true,
            Command::Help => m.help = Some(0),
            Command::Palette => m.palette = Some(Palette::new()),
            Command::Lock | Command::SignOut => return Some(cmd),
            Command::NextTheme => self.theme = self.theme.next(),
            Command::NextPane => m.switch((m.active + 1) % m.panes.len()),
            Command::PrevPane => m.switch((m.active + m.panes.len() - 1) % m.panes.len()),
            _ => {
                if let Some(p) = PaneId::for_command(cmd) {
                    if let Some(i) = m.panes.iter().position(|x| x.id() == p) {
                        m.switch(i);
                    }
                } else if !m.with_pane(|pane, cx| pane.command(cmd, cx)) && cmd != Command::Back {
                    m.notice = Some(Notice::Problem(format!("`{}` does nothing in this pane", cmd.name())));
                }
            }
        }
        None
    }

    fn lock(&mut self, m: Box<Main>) -> Screen {
        let who = format!("{} ({})", m.desk.operator().name, m.desk.operator().login);
        Screen::Locked(m, LockForm::new(who))
    }

    fn sign_out(&mut self, m: Box<Main>) -> Screen {
        let name = m.desk.policy().institution.name.clone();
        drop(m);
        let mut form = LoginForm::new(&name);
        form.error = None;
        Screen::Login(form)
    }

    fn locked(&mut self, mut m: Box<Main>, mut form: LockForm, event: Event) -> Screen {
        let Event::Key(key) = event else {
            return Screen::Locked(m, form);
        };
        match form.key(&key) {
            LockInput::Edited => Screen::Locked(m, form),
            LockInput::SignOut => self.sign_out(m),
            LockInput::Unlock => match m.desk.verify_password(form.password.value()) {
                Ok(true) => {
                    m.last_input = m.desk.now();
                    m.notice = Some(Notice::Done("Unlocked.".into()));
                    Screen::Main(m)
                }
                Ok(false) => {
                    form.password.clear();
                    form.error = Some("wrong password; only the signed-in operator can unlock".into());
                    Screen::Locked(m, form)
                }
                Err(e) => {
                    form.error = Some(e.to_string());
                    Screen::Locked(m, form)
                }
            },
        }
    }

    /// Draws the current screen.
    pub fn render(&mut self, frame: &mut Frame<'_>) {
        let th = self.theme.clone();
        match &mut self.screen {
            Screen::Setup(form) => form.render(frame, &th, self.busy.as_deref()),
            Screen::Working(w) => {
                let (what, done, total) = w.progress.lock().map(|p| p.clone()).unwrap_or_default();
                let busy = match (done * 100).checked_div(total) {
                    Some(pct) => format!("Generating demo data: {what} {done}/{total} ({pct}%)"),
                    None => format!("Generating demo data: {what}"),
                };
                w.form.render(frame, &th, Some(&busy));
            }
            Screen::Login(form) => form.render(frame, &th, self.busy.as_deref()),
            Screen::Locked(_, form) => form.render(frame, &th),
            Screen::Main(m) => m.render(frame, &th, &self.keymap),
        }
    }

    /// The data directory (for messages).
    pub fn data_dir(&self) -> PathBuf {
        self.paths.data.clone()
    }
}

fn institution_name(policy: &std::path::Path) -> String {
    Policy::load(policy).map_or_else(|_| "careerdesk".into(), |p| p.institution.name)
}

impl Main {
    /// Hands the background-built client directory to the panes once it is ready.
    fn take_directory(&mut self) {
        let Some(rx) = &self.directory else { return };
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Err("the client directory could not be built".into()),
        };
        self.directory = None;
        match result {
            Ok(index) => {
                *self.clients.borrow_mut() = Some(index);
                for p in &mut self.panes {
                    p.directory_ready();
                }
            }
            Err(e) => self.notice = Some(Notice::Problem(format!("client lookup is unavailable: {e}"))),
        }
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
        let mut go_to = None;
        let handled = {
            let mut cx = Cx {
                desk: &self.desk,
                client: &mut self.client,
                notice: &mut self.notice,
                go_to: &mut go_to,
            };
            f(self.panes[self.active].as_mut(), &mut cx)
        };
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

    fn render(&mut self, frame: &mut Frame<'_>, th: &Theme, keymap: &Keymap) {
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
        let featured = self.pane().featured();
        frame.render_widget(
            Paragraph::new(crate::ui::widgets::command_bar::command_bar_line(
                keymap, ctx, featured, bar.width,
            )),
            bar,
        );
        let op = self.desk.operator();
        let now = self.desk.local_time(self.desk.now());
        let status_text = format!(
            " {} ({}) · {} · sync: offline (no server set up) · outbox: {} pending, {} failed ",
            op.login,
            op.roles_text(),
            now.format("%a %-d %b %H:%M"),
            self.outbox.pending,
            self.outbox.failed
        );
        frame.render_widget(Paragraph::new(Line::styled(status_text, th.bar)).style(th.bar), status);
        let wt = th.widgets();
        if let Some(scroll) = self.help {
            let rows = keymap.help_rows(ctx);
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
