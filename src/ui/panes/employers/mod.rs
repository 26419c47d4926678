//! Employers: search by text and tags, key accounts first (★ with their owner, or multi-owner);
//! the profile shows sector, website, tags, ownership, the contact-time chart (EVT-04),
//! contacts (key contacts marked `*` with their guidance), whether each contact is visible to
//! students, vacancies and engagement notes (EMP-01..EMP-05, DATA-13). A key account owned by
//! someone else shows the liaison gate.
//!
//! The pane opens on the list, so letters are commands until `/` (search) or `#` (tags) opens a
//! field; esc leaves a field, and esc in the list clears the tag filter, then the search. Each
//! search reads every employer and runs as a job; only the latest one's result is shown.
//!
//! Forms (`sheet.rs`, `engagement.rs`, `records.rs`) add and edit employers, tags and contacts,
//! log engagement, record liaisons, record a student's complaint about the employer (CMP-01)
//! and add, edit and close its vacancies, each through the desk. The profile lists the
//! employer's complaints, with the supervisors' flag. Bulk mail to employers about events is
//! composed in `ui/panes/bulk_mail.rs` (EVT-04). The busiest employers over the last year are
//! listed by a job (`busiest.rs`). The drawing is in `view.rs`.

mod busiest;
mod engagement;
mod mail;
mod records;
mod sheet;
mod view;

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::desk::{BusyEmployer, ComplaintLine, DeskError, EmployerProfile, StaffName};
use crate::domain::contact_chart::{ContactChart, YEAR_WEEKS};
use crate::domain::employer::{Employer, Ownership};
use crate::domain::ids::{EmployerId, OperatorId};
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::bulk_mail::Composer;
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::Theme;

use sheet::{Outcome, Sheet};

/// Which part of the pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    /// Typing in the search field.
    Search,
    /// Moving through the list.
    List,
    /// Typing comma-separated tags.
    Tags,
}

/// What the right-hand side shows.
enum Mode {
    /// The selected employer's profile.
    Profile,
    /// A form over the profile.
    Sheet(Box<Sheet>),
    /// A bulk mail to employers about events (EVT-04).
    Mail(Box<Composer>),
    /// The busiest employers over the last year (`None` while they are counted).
    Busiest {
        busy: Option<Vec<BusyEmployer>>,
        selected: usize,
    },
}

/// The complaints about the employer on show, as the desk gave them (CMP-01).
#[derive(Default)]
enum Complaints {
    /// Not loaded (no employer on show).
    #[default]
    None,
    /// The complaints, newest first, and for a supervisor the distinct clients flagging it.
    Shown(Vec<ComplaintLine>, Option<usize>),
    /// The desk refused the operator's role: its words.
    Refused(String),
    /// Something else went wrong.
    Failed(String),
}

/// How many employers the busiest list shows.
const BUSIEST: usize = 20;

/// The employers pane.
pub struct EmployersPane {
    tz: chrono_tz::Tz,
    /// The signed-in operator (for the liaison gate, EMP-04).
    me: OperatorId,
    search: Input,
    tags: Input,
    /// The tags as they were before the tag field was opened (esc restores them).
    tags_before: String,
    focus: Focus,
    employers: Vec<Employer>,
    selected: usize,
    profile: Option<EmployerProfile>,
    /// The profile's contacts per week over the last year (EVT-04).
    chart: Option<ContactChart>,
    /// The profile's complaints (CMP-01), or the desk's refusal or problem.
    complaints: Complaints,
    /// The policy's `[complaints] alert_threshold` (distinct students that flag an employer).
    threshold: usize,
    mode: Mode,
    staff: HashMap<OperatorId, StaffName>,
    list_area: Rect,
    /// Numbers the searches; only the latest one's result is shown.
    latest: Latest,
    /// The employer to keep selected when the awaited result arrives.
    keep: Option<EmployerId>,
    /// A message for when the awaited result arrives (the tag filter's count).
    say_count: bool,
}

impl EmployersPane {
    /// An employers pane; the list loads when the pane is shown.
    pub fn new(desk: &crate::desk::Desk) -> Self {
        Self {
            tz: desk.policy().institution.time_zone,
            me: desk.operator().id,
            search: Input::new(),
            tags: Input::new(),
            tags_before: String::new(),
            focus: Focus::List,
            employers: Vec::new(),
            selected: 0,
            profile: None,
            chart: None,
            complaints: Complaints::None,
            threshold: desk.policy().complaints.alert_threshold as usize,
            mode: Mode::Profile,
            staff: HashMap::new(),
            list_area: Rect::default(),
            latest: Latest::default(),
            keep: None,
            say_count: false,
        }
    }

    /// The tag filter as a list.
    fn tag_list(&self) -> Vec<String> {
        self.tags
            .value()
            .split(',')
            .map(|t| t.trim().trim_start_matches('#').to_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn login(&self, id: OperatorId) -> String {
        self.staff.get(&id).map_or_else(|| "?".to_string(), |s| s.login.clone())
    }

    /// Runs the search again as a job, keeping the selected employer when it still matches.
    fn refilter(&mut self, cx: &mut Cx<'_>) {
        if self.keep.is_none() {
            self.keep = self.employers.get(self.selected).map(|e| e.id);
        }
        let ticket = self.latest.issue();
        let (text, tags, latest) = (self.search.value().to_string(), self.tag_list(), self.latest.clone());
        cx.spawn(PaneId::Employers, "employer search", move |desk| {
            let found = if latest.is_current(ticket) {
                desk.find_employers(&text, &tags).map_err(|e| e.to_string())
            } else {
                Ok(Vec::new())
            };
            PaneDone::Employers(ticket, found)
        });
    }

    /// Shows a search's result if it is the latest one.
    fn found(&mut self, ticket: u64, found: Result<Vec<Employer>, String>, cx: &mut Cx<'_>) {
        if !self.latest.is_current(ticket) {
            return;
        }
        match found {
            Ok(found) => self.employers = found,
            Err(e) => {
                self.employers.clear();
                cx.problem(e);
            }
        }
        let keep = self.keep.take();
        self.selected = keep
            .and_then(|id| self.employers.iter().position(|e| e.id == id))
            .unwrap_or(0);
        self.load_profile(cx);
        if std::mem::take(&mut self.say_count) {
            let tags = self.tag_list();
            if tags.is_empty() {
                cx.done(format!("No tag filter: {} employer(s)", self.employers.len()));
            } else {
                cx.done(format!(
                    "{} employer(s) tagged {}",
                    self.employers.len(),
                    view::hashtags(&tags)
                ));
            }
        }
    }

    fn load_profile(&mut self, cx: &mut Cx<'_>) {
        self.profile = None;
        self.chart = None;
        self.complaints = Complaints::None;
        let Some(e) = self.employers.get(self.selected) else {
            return;
        };
        match cx.desk.employer_profile(e.id) {
            Ok(p) => {
                self.chart = Some(cx.desk.chart_of(&p.engagement, YEAR_WEEKS));
                self.complaints = Self::complaints_of(cx.desk, e.id);
                self.profile = Some(p);
            }
            Err(err) => cx.problem(err.to_string()),
        }
    }

    /// The complaints about `id` and, for a supervisor, its flag; or why they are not shown.
    fn complaints_of(desk: &crate::desk::Desk, id: EmployerId) -> Complaints {
        let found = desk
            .complaints(Some(&id.to_string()))
            .and_then(|lines| Ok((lines, desk.employer_complaint_flag(id)?)));
        match found {
            Ok((lines, flag)) => Complaints::Shown(lines, flag),
            Err(DeskError::Denied(why)) => Complaints::Refused(why),
            Err(e) => Complaints::Failed(e.to_string()),
        }
    }

    /// The selected employer's profile, or the reason there is none.
    fn chosen(&self, cx: &mut Cx<'_>) -> Option<&EmployerProfile> {
        if self.profile.is_none() {
            cx.problem("choose an employer first: none is selected (`n` adds one)");
        }
        self.profile.as_ref()
    }

    /// The login of a key account's owner ("" for others).
    fn owner_login(&self, e: &Employer) -> String {
        match e.ownership {
            Ownership::KeyAccount { owner } => self.login(owner),
            _ => String::new(),
        }
    }

    /// Opens a form for a command of the list, if it is one.
    fn open_sheet(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let sheet = match cmd {
            Command::AddEmployer => Sheet::add(),
            Command::AddComplaint | Command::AddVacancy | Command::EditVacancy => {
                let Some(p) = self.chosen(cx) else {
                    return true;
                };
                match cmd {
                    Command::AddComplaint => Sheet::complaint(p),
                    Command::AddVacancy => Sheet::vacancy(p),
                    _ => match Sheet::pick_vacancy(p) {
                        Some(s) => s,
                        None => {
                            let said = format!("{} has no vacancies to edit (`v` adds one)", p.employer.name);
                            cx.problem(said);
                            return true;
                        }
                    },
                }
            }
            Command::EditEmployer | Command::TagEmployer | Command::AddContact | Command::LogEngagement => {
                let Some(p) = self.chosen(cx) else {
                    return true;
                };
                let owner = self.owner_login(&p.employer);
                match cmd {
                    Command::EditEmployer => Sheet::edit(&p.employer, &owner),
                    Command::TagEmployer => Sheet::tags(&p.employer),
                    Command::AddContact => Sheet::contact(&p.employer),
                    _ => Sheet::engagement(p, &owner, cx.desk),
                }
            }
            Command::RecordLiaison => {
                let Some(p) = self.chosen(cx) else {
                    return true;
                };
                let Ownership::KeyAccount { owner } = p.employer.ownership else {
                    cx.problem(format!(
                        "{} is not a key account: no liaison is needed",
                        p.employer.name
                    ));
                    return true;
                };
                if owner == self.me {
                    cx.problem(format!("you own {}: no liaison is needed", p.employer.name));
                    return true;
                }
                Sheet::liaison(p.employer.id, &p.employer.name, &self.login(owner), cx.desk, None)
            }
            _ => return false,
        };
        self.focus = Focus::List;
        self.mode = Mode::Sheet(Box::new(sheet));
        true
    }

    /// Passes a command to the open form and acts on what it says.
    fn sheet_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Sheet(sheet) = &mut self.mode else {
            return false;
        };
        let Some(outcome) = sheet.command(cmd, cx.desk) else {
            return false;
        };
        match outcome {
            Outcome::Stay => {}
            Outcome::Closed => self.mode = Mode::Profile,
            Outcome::Saved(said, id) => {
                self.mode = Mode::Profile;
                cx.done(said);
                self.show(id, cx);
            }
            Outcome::Next(next, said) => {
                self.mode = Mode::Sheet(next);
                if let Some(said) = said {
                    cx.done(said);
                }
                self.load_profile(cx);
            }
            Outcome::Liaise { id, name, owner } => {
                if let Mode::Sheet(back) = std::mem::replace(&mut self.mode, Mode::Profile) {
                    self.mode = Mode::Sheet(Box::new(Sheet::liaison(id, &name, &owner, cx.desk, Some(back))));
                }
            }
        }
        true
    }

    /// Shows `id` in the list (searching again, keeping it selected) and its profile.
    fn show(&mut self, id: EmployerId, cx: &mut Cx<'_>) {
        self.keep = Some(id);
        if let Some(i) = self.employers.iter().position(|e| e.id == id) {
            self.selected = i;
        }
        self.refilter(cx);
    }

    fn load_staff(&mut self, cx: &mut Cx<'_>) {
        match cx.desk.staff_names() {
            Ok(s) => self.staff = s,
            Err(e) => cx.problem(e.to_string()),
        }
    }
}

impl Pane for EmployersPane {
    fn id(&self) -> PaneId {
        PaneId::Employers
    }

    fn typing(&self) -> bool {
        self.focus != Focus::List || matches!(self.mode, Mode::Sheet(_) | Mode::Mail(_))
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.load_staff(cx);
        self.refilter(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        match self.mode {
            Mode::Sheet(_) => return self.sheet_command(cmd, cx),
            Mode::Mail(_) => return self.mail_command(cmd, cx),
            Mode::Busiest { .. } => return self.busiest_command(cmd, cx),
            Mode::Profile => {}
        }
        if self.focus == Focus::List && self.open_sheet(cmd, cx) {
            return true;
        }
        if is_movement(cmd) && self.focus != Focus::Tags {
            let page = self.list_area.height.saturating_sub(2) as usize;
            let before = self.selected;
            self.selected = move_selection(self.selected, self.employers.len(), cmd, page);
            if before != self.selected || self.profile.is_none() {
                self.load_profile(cx);
            }
            return true;
        }
        match (cmd, self.focus) {
            (Command::Select, Focus::Tags) => {
                self.focus = Focus::List;
                self.say_count = true;
                self.refilter(cx);
            }
            (Command::Back, Focus::Tags) => {
                let before = self.tags_before.clone();
                self.tags.set(&before);
                self.focus = Focus::List;
            }
            (Command::Select | Command::Back, Focus::Search) => self.focus = Focus::List,
            (Command::Back, Focus::List) => {
                if !self.tags.value().is_empty() {
                    self.tags.clear();
                    self.refilter(cx);
                    cx.done("Tag filter cleared");
                } else if !self.search.value().is_empty() {
                    self.search.clear();
                    self.refilter(cx);
                    cx.done("Search cleared");
                } else {
                    return false;
                }
            }
            (Command::Select, Focus::List) if self.employers.is_empty() => {
                cx.problem("no employer to open: none matches the search or tag filter (esc clears the tags)")
            }
            (Command::Select, Focus::List) => self.load_profile(cx),
            (Command::Search, _) => self.focus = Focus::Search,
            (Command::FilterTags, _) => {
                self.tags_before = self.tags.value().to_string();
                self.focus = Focus::Tags;
            }
            (Command::Refresh, _) => {
                self.load_staff(cx);
                self.refilter(cx);
            }
            (Command::BusiestEmployers, _) => {
                self.focus = Focus::List;
                self.busiest(cx);
            }
            (Command::MailEmployers, _) => self.compose(cx),
            (_, Focus::Tags) if is_movement(cmd) => {}
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
        match &mut self.mode {
            Mode::Sheet(sheet) => {
                sheet.key(key);
                return true;
            }
            Mode::Mail(composer) => {
                composer.key(key);
                return true;
            }
            _ => {}
        }
        match self.focus {
            Focus::Search => {
                if self.search.handle(key) {
                    self.refilter(cx);
                }
                true
            }
            Focus::Tags => {
                self.tags.handle(key);
                true
            }
            Focus::List => false,
        }
    }

    fn click(&mut self, column: u16, row: u16, cx: &mut Cx<'_>) {
        let a = self.list_area;
        if column >= a.x && column < a.x + a.width && row > a.y && row + 1 < a.y + a.height {
            let visible = a.height.saturating_sub(2) as usize;
            let offset = (self.selected + 1).saturating_sub(visible);
            let i = (row - a.y - 1) as usize + offset;
            if i < self.employers.len() {
                self.selected = i;
                self.focus = Focus::List;
                self.load_profile(cx);
            }
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let [left, right] = Layout::horizontal([Constraint::Percentage(48), Constraint::Percentage(52)]).areas(area);
        let [search_area, tags_area, list_area] =
            Layout::vertical([Constraint::Length(3), Constraint::Length(3), Constraint::Fill(1)]).areas(left);
        let search = Paragraph::new(self.search.line("Find", self.focus == Focus::Search, th)).block(block(
            "Employers: name or sector",
            th,
            self.focus == Focus::Search,
        ));
        frame.render_widget(search, search_area);
        let tags = Paragraph::new(self.tags.line("Tags", self.focus == Focus::Tags, th)).block(block(
            "Tag filter (comma-separated)",
            th,
            self.focus == Focus::Tags,
        ));
        frame.render_widget(tags, tags_area);
        self.list_area = Rect::new(
            list_area.x - area.x,
            list_area.y - area.y,
            list_area.width,
            list_area.height,
        );
        let rows: Vec<Line<'static>> = if self.employers.is_empty() {
            vec![Line::styled("No employers match.", th.dim)]
        } else {
            let width = list_area.width.saturating_sub(4) as usize;
            self.employers.iter().map(|e| self.row(e, width, th)).collect()
        };
        let title = format!("Employers: {} · key accounts first", self.employers.len());
        let selected = (!self.employers.is_empty()).then_some(self.selected);
        list(
            frame,
            list_area,
            rows,
            selected,
            block(&title, th, self.focus == Focus::List),
            th,
        );
        let (title, body) = match (&self.mode, &self.profile) {
            (Mode::Sheet(sheet), _) => return sheet.render(frame, right, th),
            (Mode::Mail(composer), _) => return composer.render(frame, area, th),
            (Mode::Busiest { busy: None, .. }, _) => (
                "Busiest employers, last year (EVT-04)",
                vec![Line::styled("Counting contacts…", th.dim)],
            ),
            (
                Mode::Busiest {
                    busy: Some(b),
                    selected,
                },
                _,
            ) => (
                "Busiest employers, last year (EVT-04)",
                view::busiest_lines(b, *selected, th),
            ),
            (Mode::Profile, Some(p)) => (
                "Profile",
                self.profile_lines(p, right.width.saturating_sub(2) as usize, th),
            ),
            (Mode::Profile, None) => (
                "Profile",
                vec![Line::styled("Choose an employer to see its profile.", th.dim)],
            ),
        };
        frame.render_widget(
            Paragraph::new(body).wrap(Wrap { trim: false }).block(block(
                title,
                th,
                matches!(self.mode, Mode::Busiest { .. }),
            )),
            right,
        );
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        match done {
            PaneDone::Employers(ticket, found) => self.found(ticket, found, cx),
            PaneDone::Busiest(found) => {
                if let Mode::Busiest { busy, .. } = &mut self.mode {
                    match found {
                        Ok(found) => *busy = Some(found),
                        Err(e) => {
                            self.mode = Mode::Profile;
                            cx.problem(e);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Search,
            Command::FilterTags,
            Command::AddEmployer,
            Command::LogEngagement,
            Command::MailEmployers,
            Command::AddVacancy,
            Command::BusiestEmployers,
            Command::Help,
        ]
    }
}
