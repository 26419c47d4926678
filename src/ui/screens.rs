//! The screens before and around the main one: first-run setup, sign-in and the idle lock.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::policy::EXAMPLES;
use crate::ui::input::Input;
use crate::ui::theme::Theme;

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
    /// Handles a key.
    pub fn key(&mut self, key: &KeyEvent) -> FormInput {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') | KeyCode::Char('q') if ctrl => return FormInput::Quit,
            KeyCode::Esc => return FormInput::Quit,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % SETUP_FIELDS,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + SETUP_FIELDS - 1) % SETUP_FIELDS,
            KeyCode::Enter if self.focus + 1 < SETUP_FIELDS => self.focus += 1,
            KeyCode::Enter => return FormInput::Submit,
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if self.focus >= 4 => {
                let forward = key.code != KeyCode::Left;
                let (value, n) = if self.focus == 4 {
                    (&mut self.policy, EXAMPLES.len())
                } else {
                    (&mut self.demo, DEMO_SIZES.len())
                };
                *value = if forward {
                    (*value + 1) % n
                } else {
                    (*value + n - 1) % n
                };
            }
            _ => {
                let field = match self.focus {
                    0 => &mut self.login,
                    1 => &mut self.name,
                    2 => &mut self.password,
                    3 => &mut self.again,
                    _ => return FormInput::Edited,
                };
                field.handle(key);
            }
        }
        FormInput::Edited
    }

    /// Draws the form.
    pub fn render(&self, frame: &mut Frame<'_>, th: &Theme, busy: Option<&str>) {
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
                "tab/↓ next field · ←/→ change a choice · enter on the last field creates · esc quits",
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

    /// Handles a key.
    pub fn key(&mut self, key: &KeyEvent) -> FormInput {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') | KeyCode::Char('q') if ctrl => FormInput::Quit,
            KeyCode::Esc => FormInput::Quit,
            KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
                self.focus = 1 - self.focus.min(1);
                FormInput::Edited
            }
            KeyCode::Enter if self.focus == 0 => {
                self.focus = 1;
                FormInput::Edited
            }
            KeyCode::Enter => FormInput::Submit,
            _ => {
                if self.focus == 0 {
                    self.login.handle(key);
                } else {
                    self.password.handle(key);
                }
                FormInput::Edited
            }
        }
    }

    /// Draws the form.
    pub fn render(&self, frame: &mut Frame<'_>, th: &Theme, busy: Option<&str>) {
        let area = centred(frame.area(), 60, 11);
        let lines = vec![
            Line::styled(self.institution.clone(), th.text),
            Line::raw(""),
            self.login.line("Login", self.focus == 0, th),
            self.password.line("Password", self.focus == 1, th),
            Line::raw(""),
            Line::styled("enter signs in · esc quits", th.dim),
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

    /// Handles a key.
    pub fn key(&mut self, key: &KeyEvent) -> LockInput {
        match key.code {
            KeyCode::Enter => LockInput::Unlock,
            KeyCode::Char('o') if key.modifiers.contains(KeyModifiers::CONTROL) => LockInput::SignOut,
            _ => {
                self.password.handle(key);
                LockInput::Edited
            }
        }
    }

    /// Draws the lock screen: no client data is visible behind it.
    pub fn render(&self, frame: &mut Frame<'_>, th: &Theme) {
        let area = centred(frame.area(), 60, 9);
        let lines = vec![
            Line::styled(format!("🔒 Locked. Signed in: {}", self.who), th.text),
            Line::raw(""),
            self.password.line("Password", true, th),
            Line::raw(""),
            Line::styled("enter unlocks · ctrl-o signs out", th.dim),
        ];
        form(frame, area, lines, None, self.error.as_deref(), " Screen locked ", th);
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
