//! The app: which screen is up, what each input does, and how it is drawn. Input and the
//! results of background jobs arrive as [`Event`]s; `App::update` changes state and starts
//! jobs for anything slow (opening the store, signing in, unlocking); `App::render` only draws.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;

use crate::desk::{Clock, Desk, SystemClock};
use crate::paths::Paths;
use crate::policy::{Policy, EXAMPLES};
use crate::store::LockedStore;
use crate::ui::command::{Command, Context};
use crate::ui::event::{JobDone, Jobs};
use crate::ui::holder::{Holder, DESK_SCREEN};
use crate::ui::keymap::{KeyChord, Keymap, KeymapError, Resolved};
use crate::ui::main_screen::Main;
use crate::ui::pane::Notice;
use crate::ui::screens::{FormInput, LockForm, LockInput, LoginForm, SetupForm, DEMO_SIZES};
use crate::ui::sync_task::SyncGate;
use crate::ui::theme::Theme;

pub use crate::ui::event::Event;

enum Screen {
    Setup(SetupForm),
    Login(LoginForm),
    Main(Box<Main>),
    Locked(Box<Main>, LockForm),
}

/// What a key does on a form.
enum FormKey {
    /// A command from the `[form]` keys.
    Run(Command),
    /// Type it into the focused field.
    Type,
    /// It starts a longer binding: wait for the next key.
    Wait,
}

/// The whole app.
pub struct App {
    paths: Paths,
    screen: Screen,
    /// The store once opened: kept across sign-outs so signing in again does not reopen it.
    locked_store: Option<LockedStore>,
    /// The note saying this process holds the store, while it does.
    holder: Option<Holder>,
    keymap: Keymap,
    /// A problem with the user's keymap file, shown until dismissed.
    keymap_error: Option<KeymapError>,
    theme: Theme,
    quit: bool,
    dirty: bool,
    /// What a form is waiting for (a job is under way; its submit is not taken again).
    busy: Option<String>,
    clock: Arc<dyn Clock>,
    jobs: Jobs,
    /// The number of the latest signed-in session; results for earlier ones are dropped.
    session: u64,
    /// Keys pressed so far of a binding of several keys (`g g`).
    pending: Vec<KeyChord>,
    /// Held by the running sync job, whichever session started it.
    sync_gate: SyncGate,
}

impl App {
    /// The app for a data directory: first-run set-up when there is no store, else sign-in.
    /// Slow work runs through `jobs`, whose results come back as events.
    pub fn new(paths: Paths, keymap: Keymap, keymap_error: Option<KeymapError>, theme: Theme, jobs: Jobs) -> App {
        Self::with_clock(paths, keymap, keymap_error, theme, Arc::new(SystemClock), jobs)
    }

    /// The same, with another clock (tests and demonstrations at a fixed time).
    pub fn with_clock(
        paths: Paths,
        keymap: Keymap,
        keymap_error: Option<KeymapError>,
        theme: Theme,
        clock: Arc<dyn Clock>,
        jobs: Jobs,
    ) -> App {
        let screen = match LockedStore::state(&paths.store()) {
            crate::store::StoreState::Absent => Screen::Setup(SetupForm::default()),
            crate::store::StoreState::Present => Screen::Login(LoginForm::new(&institution_name(&paths.policy()))),
            // Never the set-up screen over a damaged store: say what is wrong and what to do.
            crate::store::StoreState::Damaged(d) => {
                let mut form = LoginForm::new(&institution_name(&paths.policy()));
                form.error = Some(format!(
                    "the store is damaged: {} {}. To recover: {}",
                    d.file, d.problem, d.recovery
                ));
                Screen::Login(form)
            }
        };
        App {
            paths,
            screen,
            locked_store: None,
            holder: None,
            keymap,
            keymap_error,
            theme,
            quit: false,
            dirty: true,
            busy: None,
            clock,
            jobs,
            session: 0,
            pending: Vec::new(),
            sync_gate: SyncGate::default(),
        }
    }

    /// The signed-in desk, if a session is open (tests and benchmarks act on it beside the
    /// screen, through the same service layer).
    pub fn desk(&self) -> Option<&Arc<crate::desk::Desk>> {
        match &self.screen {
            Screen::Main(m) | Screen::Locked(m, _) => Some(m.desk()),
            Screen::Setup(_) | Screen::Login(_) => None,
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
        if let Event::Key(key) = &event {
            // ctrl-c always ends the program, whatever the keymap says.
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                self.quit = true;
                return;
            }
        }
        let screen = std::mem::replace(&mut self.screen, Screen::Setup(SetupForm::default()));
        self.screen = match (screen, event) {
            (screen, Event::Job(done)) => self.job_done(screen, done),
            (Screen::Setup(form), Event::Key(key)) => self.setup(form, &key),
            (Screen::Login(form), Event::Key(key)) => self.login(form, &key),
            (Screen::Locked(main, form), Event::Key(key)) => self.locked(main, form, &key),
            // Behind the lock the outbox keeps being sent, the day's backup made and the desk
            // synced, on schedule.
            (Screen::Locked(mut main, form), Event::Tick) => {
                main.send_outbox_if_due();
                main.back_up_if_due();
                main.sync_if_due();
                Screen::Locked(main, form)
            }
            (Screen::Main(main), event) => self.main(main, event),
            (screen, _) => screen,
        };
    }

    /// What a key means on a form whose focused field takes text when `typing`.
    fn form_key(&mut self, key: &KeyEvent, typing: bool) -> FormKey {
        match self.keymap.resolve(Context::Form, &mut self.pending, key, typing) {
            Resolved::Run(cmd) => FormKey::Run(cmd),
            Resolved::Pending => FormKey::Wait,
            Resolved::Unbound => FormKey::Type,
        }
    }

    fn setup(&mut self, mut form: SetupForm, key: &KeyEvent) -> Screen {
        let cmd = match self.form_key(key, form.typing()) {
            FormKey::Run(cmd) => cmd,
            FormKey::Type if self.busy.is_none() => {
                form.type_key(key);
                return Screen::Setup(form);
            }
            FormKey::Type | FormKey::Wait => return Screen::Setup(form),
        };
        if self.busy.is_some() && cmd != Command::Quit {
            return Screen::Setup(form);
        }
        match form.command(cmd) {
            FormInput::Quit => self.quit = true,
            FormInput::Edited => {}
            FormInput::Submit => {
                form.error = None;
                if let Err(e) = self.start_setup(&form) {
                    form.error = Some(e);
                }
            }
        }
        Screen::Setup(form)
    }

    /// Checks the set-up form and starts creating the store (and demo data) as a job.
    fn start_setup(&mut self, form: &SetupForm) -> Result<(), String> {
        if form.password.value() != form.again.value() {
            return Err("the two passwords differ".into());
        }
        let ex = EXAMPLES.get(form.policy).ok_or("no policy chosen")?;
        let policy = Policy::parse(ex.text, ex.name).map_err(|e| e.to_string())?;
        let name = if form.name.value().trim().is_empty() {
            form.login.value()
        } else {
            form.name.value()
        };
        let setup = crate::ui::start::Setup {
            paths: self.paths.clone(),
            policy,
            policy_text: ex.text,
            policy_name: ex.name,
            login: form.login.value().to_string(),
            name: name.to_string(),
            password: zeroize::Zeroizing::new(form.password.value().to_string()),
            demo: DEMO_SIZES[form.demo.min(DEMO_SIZES.len() - 1)],
            clock: self.clock.clone(),
        };
        self.busy = Some("Creating the store…".into());
        self.jobs
            .spawn("store creation", move |post| crate::ui::start::create(setup, post));
        Ok(())
    }

    fn login(&mut self, mut form: LoginForm, key: &KeyEvent) -> Screen {
        let cmd = match self.form_key(key, true) {
            FormKey::Run(cmd) => cmd,
            FormKey::Type if self.busy.is_none() => {
                form.type_key(key);
                return Screen::Login(form);
            }
            FormKey::Type | FormKey::Wait => return Screen::Login(form),
        };
        if self.busy.is_some() && cmd != Command::Quit {
            return Screen::Login(form);
        }
        match form.command(cmd) {
            FormInput::Quit => self.quit = true,
            FormInput::Edited => {}
            FormInput::Submit => {
                form.error = None;
                let sign_in = crate::ui::start::SignIn {
                    paths: self.paths.clone(),
                    locked: self.locked_store.take(),
                    login: form.login.value().to_string(),
                    password: zeroize::Zeroizing::new(form.password.value().to_string()),
                    clock: self.clock.clone(),
                };
                self.busy = Some("Signing in…".into());
                self.jobs
                    .spawn("sign-in", move |post| crate::ui::start::sign_in(sign_in, post));
            }
        }
        Screen::Login(form)
    }

    /// Takes a job's result to the screen it is for.
    fn job_done(&mut self, screen: Screen, done: JobDone) -> Screen {
        match done {
            JobDone::Opened { locked, result } => {
                self.busy = None;
                if locked.is_some() {
                    self.locked_store = locked;
                    if self.holder.is_none() {
                        self.holder = Some(Holder::claim(&self.paths.data, DESK_SCREEN));
                    }
                }
                match (screen, result) {
                    (Screen::Login(_) | Screen::Setup(_), Ok((desk, notice))) => {
                        Screen::Main(self.open_main(*desk, notice))
                    }
                    (Screen::Login(mut form), Err(e)) => {
                        form.password.clear();
                        form.error = Some(e);
                        Screen::Login(form)
                    }
                    (Screen::Setup(mut form), Err(e)) => {
                        form.error = Some(e);
                        Screen::Setup(form)
                    }
                    (other, _) => other,
                }
            }
            JobDone::Progress(what, done, total) => {
                let doing = match screen {
                    Screen::Setup(_) => Some("Generating demo data"),
                    Screen::Login(_) => Some("Updating the store for this version of careerdesk (once)"),
                    _ => None,
                };
                if let Some(doing) = doing {
                    self.busy = Some(match (done * 100).checked_div(total) {
                        Some(pct) => format!("{doing}: {what} {done}/{total} ({pct}%)"),
                        None => format!("{doing}: {what}"),
                    });
                }
                screen
            }
            JobDone::Unlocked(result) => match screen {
                Screen::Locked(mut main, mut form) => {
                    self.busy = None;
                    match result {
                        Ok(true) => {
                            main.unlocked();
                            Screen::Main(main)
                        }
                        Ok(false) => {
                            form.password.clear();
                            form.error = Some("wrong password; only the signed-in operator can unlock".into());
                            Screen::Locked(main, form)
                        }
                        Err(e) => {
                            form.error = Some(e);
                            Screen::Locked(main, form)
                        }
                    }
                }
                other => other,
            },
            JobDone::Session { session, done } => match screen {
                Screen::Main(mut main) if main.session() == session => {
                    main.job_done(done);
                    Screen::Main(main)
                }
                Screen::Locked(mut main, form) if main.session() == session => {
                    main.job_done(done);
                    Screen::Locked(main, form)
                }
                other => other,
            },
            JobDone::Failed(what, message) => {
                tracing::error!("background job `{what}` panicked: {message}");
                let text = format!("{what} failed unexpectedly ({message}); the log has the details");
                self.busy = None;
                match screen {
                    Screen::Main(mut main) => {
                        main.job_failed(what, text);
                        Screen::Main(main)
                    }
                    Screen::Locked(mut main, mut form) => {
                        main.job_failed(what, text.clone());
                        form.error = Some(text);
                        Screen::Locked(main, form)
                    }
                    Screen::Login(mut form) => {
                        form.error = Some(text);
                        Screen::Login(form)
                    }
                    Screen::Setup(mut form) => {
                        form.error = Some(text);
                        Screen::Setup(form)
                    }
                }
            }
        }
    }

    fn open_main(&mut self, desk: Desk, notice: Option<Notice>) -> Box<Main> {
        self.session += 1;
        let mut main = Main::open(
            Arc::new(desk),
            self.session,
            &self.paths,
            self.jobs.clone(),
            self.sync_gate.clone(),
        );
        if let Some(n) = notice {
            main.set_notice(n);
        }
        if let Some(e) = &self.keymap_error {
            main.set_notice(Notice::Problem(format!(
                "Your keymap was not loaded, defaults are in use: {e}"
            )));
        }
        main
    }

    fn main(&mut self, mut m: Box<Main>, event: Event) -> Screen {
        match m.event(event, &self.keymap, &mut self.pending) {
            Some(Command::Quit) => {
                self.quit = true;
                Screen::Main(m)
            }
            Some(Command::NextTheme) => {
                self.theme = self.theme.next();
                Screen::Main(m)
            }
            Some(Command::Lock) => {
                let form = LockForm::new(m.who());
                Screen::Locked(m, form)
            }
            Some(Command::SignOut) => self.sign_out(m),
            _ => Screen::Main(m),
        }
    }

    fn sign_out(&mut self, m: Box<Main>) -> Screen {
        let name = m.institution().to_string();
        drop(m);
        Screen::Login(LoginForm::new(&name))
    }

    fn locked(&mut self, m: Box<Main>, mut form: LockForm, key: &KeyEvent) -> Screen {
        let cmd = match self.form_key(key, true) {
            FormKey::Run(cmd) => cmd,
            FormKey::Type if self.busy.is_none() => {
                form.type_key(key);
                return Screen::Locked(m, form);
            }
            FormKey::Type | FormKey::Wait => return Screen::Locked(m, form),
        };
        if self.busy.is_some() {
            return Screen::Locked(m, form);
        }
        match form.command(cmd) {
            LockInput::Edited => Screen::Locked(m, form),
            LockInput::SignOut => self.sign_out(m),
            LockInput::Unlock => {
                // argon2 takes a noticeable moment: check the password off the screen thread.
                form.error = None;
                let desk = m.desk().clone();
                let password = zeroize::Zeroizing::new(form.password.value().to_string());
                self.busy = Some("Checking the password…".into());
                self.jobs.spawn("unlock", move |_| {
                    JobDone::Unlocked(desk.verify_password(&password).map_err(|e| e.to_string()))
                });
                Screen::Locked(m, form)
            }
        }
    }

    /// Draws the current screen.
    pub fn render(&mut self, frame: &mut Frame<'_>) {
        let th = self.theme.clone();
        let busy = self.busy.as_deref();
        match &mut self.screen {
            Screen::Setup(form) => form.render(frame, &th, busy, &self.keymap),
            Screen::Login(form) => form.render(frame, &th, busy, &self.keymap),
            Screen::Locked(_, form) => form.render(frame, &th, busy, &self.keymap),
            Screen::Main(m) => m.render(frame, &th, &self.keymap, &self.pending),
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
