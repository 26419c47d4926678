//! The screens before and around the main one: first-run setup, sign-in and the idle lock.
//! Their keys come from the keymap's `[form]` section (see [`crate::ui::command::Context::Form`]):
//! each form takes the [`Command`] a key maps to, or the key itself to type into its field.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::policy::EXAMPLES;
use crate::ui::command::{Command, Context};
use crate::ui::input::Input;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;

/// The first key bound to `cmd` on the forms, for their hint lines.
fn key_of(keymap: &Keymap, cmd: Command) -> String {
    keymap
        .keys_for(Context::Form, cmd)
        .first()
        .map_or_else(|| format!("`{}`", cmd.name()), ToString::to_string)
}

/// Moves the cursor of a text field for a choice command (left and right edit, not choose).
fn nudge(field: &mut Input, cmd: Command) {
    let code = if cmd == Command::PrevChoice {
        KeyCode::Left
    } else {
        KeyCode::Right
    };
    field.handle(&KeyEvent::new(code, KeyModifiers::NONE));
}

/// What a form wants after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormInput {
    /// Nothing more to do.
    Edited,
    /// The form was submitted.
    Submit,
    /// The person asked to quit.
    Quit,
}

/// Demo data choices offered at first run.
pub const DEMO_SIZES: [usize; 3] = [0, 500, 5000];

/// The first-run form: the first administrator, a policy, and demo data.
#[derive(Debug, Clone)]
pub struct SetupForm {
    /// Administrator login.
    pub login: Input,
    /// Their name.
    pub name: Input,
    /// Password.
    pub password: Input,
    /// Password again.
    pub again: Input,
    /// Index into the shipped example policies.
    pub policy: usize,
    /// Index into [`DEMO_SIZES`].
    pub demo: usize,
    /// Focused field, 0..=5.
    pub focus: usize,
    /// The last problem.
    pub error: Option<String>,
}

impl Default for SetupForm {
    fn default() -> Self {
        Self {
            login: Input::with("admin"),
            name: Input::new(),
            password: Input::password(),
            again: Input::password(),
            policy: 0,
            demo: 1,
            focus: 1,
            error: None,
        }
    }
}

const SETUP_FIELDS: usize = 6;

impl SetupForm {
    /// Whether a text field has focus (plain characters are typed into it).
    pub fn typing(&self) -> bool {
        self.focus < 4
    }

    fn field(&mut self) -> Option<&mut Input> {
        match self.focus {
            0 => Some(&mut self.login),
            1 => Some(&mut self.name),
            2 => Some(&mut self.password),
            3 => Some(&mut self.again),
            _ => None,
        }
    }

    /// Carries out a command from the `[form]` keys.
    pub fn command(&mut self, cmd: Command) -> FormInput {
        match cmd {
            Command::Quit | Command::Back => return FormInput::Quit,
            Command::NextField => self.focus = (self.focus + 1) % SETUP_FIELDS,
            Command::PrevField => self.focus = (self.focus + SETUP_FIELDS - 1) % SETUP_FIELDS,
            Command::Select if self.focus + 1 < SETUP_FIELDS => self.focus += 1,
            Command::Select => return FormInput::Submit,
            Command::NextChoice | Command::PrevChoice => {
                if let Some(field) = self.field() {
                    nudge(field, cmd);
                    return FormInput::Edited;
                }
                let (value, n) = if self.focus == 4 {
                    (&mut self.policy, EXAMPLES.len())
                } else {
                    (&mut self.demo, DEMO_SIZES.len())
                };
                *value = if cmd == Command::NextChoice {
                    (*value + 1) % n
                } else {
                    (*value + n - 1) % n
                };
            }
            _ => {}
        }
        FormInput::Edited
    }

    /// Types a key no command took into the focused text field.
    pub fn type_key(&mut self, key: &KeyEvent) {
        if let Some(field) = self.field() {
            field.handle(key);
        }
    }

    /// Draws the form; its hint line names the keys of `keymap`.
    pub fn render(&self, frame: &mut Frame<'_>, th: &Theme, busy: Option<&str>, keymap: &Keymap) {
        let area = centred(frame.area(), 72, 20);
        let ex = &EXAMPLES[self.policy.min(EXAMPLES.len() - 1)];
        let demo = match DEMO_SIZES[self.demo] {
            0 => "no demo data".to_string(),
            n => format!("generated demo data: {n} clients"),
        };
        let choice = |focused: bool, label: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{label}: "), if focused { th.title } else { th.dim }),
                Span::styled(format!("◀ {value} ▶"), if focused { th.selected } else { th.text }),
            ])
        };
        let lines = vec![
            Line::styled("Welcome to careerdesk. Create the first administrator.", th.text),
            Line::raw(""),
            self.login.line("Administrator login", self.focus == 0, th),
            self.name.line("Your name", self.focus == 1, th),
            self.password.line("Password (10+ characters)", self.focus == 2, th),
            self.again.line("Password again", self.focus == 3, th),
            choice(self.focus == 4, "Policy", format!("{} — {}", ex.name, ex.summary)),
            choice(self.focus == 5, "Demo data", demo),
            Line::raw(""),
            Line::styled(
                format!(
                    "{} next field · {}/{} change a choice · {} on the last field creates · {} quits",
                    key_of(keymap, Command::NextField),
                    key_of(keymap, Command::PrevChoice),
                    key_of(keymap, Command::NextChoice),
                    key_of(keymap, Command::Select),
                    key_of(keymap, Command::Back)
                ),
                th.dim,
            ),
        ];
        form(
            frame,
            area,
            lines,
            busy,
            self.error.as_deref(),
            " First-run set-up ",
            th,
        );
    }
}

/// The sign-in form.
#[derive(Debug, Clone)]
pub struct LoginForm {
    /// Login.
    pub login: Input,
    /// Password.
    pub password: Input,
    /// Focused field.
    pub focus: usize,
    /// The last problem.
    pub error: Option<String>,
    /// Institution name for the title.
    pub institution: String,
}

impl LoginForm {
    /// A form for an institution.
    pub fn new(institution: &str) -> Self {
        Self {
            login: Input::new(),
            password: Input::password(),
            focus: 0,
            error: None,
            institution: institution.to_string(),
        }
    }

    fn field(&mut self) -> &mut Input {
        if self.focus == 0 {
            &mut self.login
        } else {
            &mut self.password
        }
    }

    /// Carries out a command from the `[form]` keys.
    pub fn command(&mut self, cmd: Command) -> FormInput {
        match cmd {
            Command::Quit | Command::Back => FormInput::Quit,
            Command::NextField | Command::PrevField => {
                self.focus = 1 - self.focus.min(1);
                FormInput::Edited
            }
            Command::Select if self.focus == 0 => {
                self.focus = 1;
                FormInput::Edited
            }
            Command::Select => FormInput::Submit,
            Command::NextChoice | Command::PrevChoice => {
                nudge(self.field(), cmd);
                FormInput::Edited
            }
            _ => FormInput::Edited,
        }
    }

    /// Types a key no command took into the focused field.
    pub fn type_key(&mut self, key: &KeyEvent) {
        self.field().handle(key);
    }

    /// Draws the form; its hint line names the keys of `keymap`.
    pub fn render(&self, frame: &mut Frame<'_>, th: &Theme, busy: Option<&str>, keymap: &Keymap) {
        let area = centred(frame.area(), 60, 11);
        let lines = vec![
            Line::styled(self.institution.clone(), th.text),
            Line::raw(""),
            self.login.line("Login", self.focus == 0, th),
            self.password.line("Password", self.focus == 1, th),
            Line::raw(""),
            Line::styled(
                format!(
                    "{} signs in · {} quits",
                    key_of(keymap, Command::Select),
                    key_of(keymap, Command::Back)
                ),
                th.dim,
            ),
        ];
        form(
            frame,
            area,
            lines,
            busy,
            self.error.as_deref(),
            " careerdesk: sign in ",
            th,
        );
    }
}

/// The idle lock: only the same operator's password opens it (SEC-01).
#[derive(Debug, Clone)]
pub struct LockForm {
    /// Password.
    pub password: Input,
    /// Who is signed in.
    pub who: String,
    /// The last problem.
    pub error: Option<String>,
}

/// What the lock form wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockInput {
    /// Typing.
    Edited,
    /// Try the password.
    Unlock,
    /// Sign out instead.
    SignOut,
}

impl LockForm {
    /// A lock for `who`.
    pub fn new(who: String) -> Self {
        Self {
            password: Input::password(),
            who,
            error: None,
        }
    }

    /// Carries out a command from the `[form]` keys.
    pub fn command(&mut self, cmd: Command) -> LockInput {
        match cmd {
            Command::Select => LockInput::Unlock,
            Command::SignOut => LockInput::SignOut,
            Command::NextChoice | Command::PrevChoice => {
                nudge(&mut self.password, cmd);
                LockInput::Edited
            }
            _ => LockInput::Edited,
        }
    }

    /// Types a key no command took into the password field.
    pub fn type_key(&mut self, key: &KeyEvent) {
        self.password.handle(key);
    }

    /// Draws the lock screen: no client data is visible behind it. `busy` says what is under way.
    pub fn render(&self, frame: &mut Frame<'_>, th: &Theme, busy: Option<&str>, keymap: &Keymap) {
        let area = centred(frame.area(), 60, 9);
        let lines = vec![
            Line::styled(format!("🔒 Locked. Signed in: {}", self.who), th.text),
            Line::raw(""),
            self.password.line("Password", true, th),
            Line::raw(""),
            Line::styled(
                format!(
                    "{} unlocks · {} signs out",
                    key_of(keymap, Command::Select),
                    key_of(keymap, Command::SignOut)
                ),
                th.dim,
            ),
        ];
        form(frame, area, lines, busy, self.error.as_deref(), " Screen locked ", th);
    }
}

/// Draws a form: its lines, then what is under way (`busy`) and the last problem, in a titled box.
fn form(
    frame: &mut Frame<'_>,
    area: Rect,
    mut lines: Vec<Line<'_>>,
    busy: Option<&str>,
    error: Option<&str>,
    title: &str,
    th: &Theme,
) {
    if let Some(b) = busy {
        lines.push(Line::styled(format!("… {b}"), th.warn));
    }
    if let Some(e) = error {
        lines.push(Line::styled(format!("✗ {e}"), th.bad));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title.to_string(), th.title));
    // A long problem (a damaged store's recovery steps) wraps: grow the box to show all of it.
    let inner = usize::from(area.width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let needed = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = if needed > area.height {
        centred(frame.area(), area.width, needed)
    } else {
        area
    };
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

/// A rectangle of at most `w` x `h` in the middle of `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let [_, mid, _] = Layout::vertical([Constraint::Fill(1), Constraint::Length(h), Constraint::Fill(1)]).areas(area);
    let [_, c, _] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(w), Constraint::Fill(1)]).areas(mid);
    c
}
