//! Employers: search by text and tags, key accounts first (★ with their owner, or multi-owner);
//! the profile shows sector, website, tags, ownership, contacts (key contacts marked `*` with
//! their guidance), whether each contact is visible to students, and engagement notes
//! (EMP-01, EMP-03..EMP-05, DATA-13). A key account owned by someone else shows the liaison gate.
//!
//! The pane opens on the list, so letters are commands until `/` (search) or `#` (tags) opens a
//! field; esc leaves a field, and esc in the list clears the tag filter, then the search. Each
//! search reads every employer and runs as a job; only the latest one's result is shown.

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::desk::{EmployerProfile, StaffName};
use crate::domain::employer::{Employer, EngagementKind, Ownership};
use crate::domain::ids::OperatorId;
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::Theme;

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
    staff: HashMap<OperatorId, StaffName>,
    list_area: Rect,
    /// Numbers the searches; only the latest one's result is shown.
    latest: Latest,
    /// The employer to keep selected when the awaited result arrives.
    keep: Option<crate::domain::ids::EmployerId>,
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
                    hashtags(&tags)
                ));
            }
        }
    }

    fn load_profile(&mut self, cx: &mut Cx<'_>) {
        self.profile = None;
        let Some(e) = self.employers.get(self.selected) else {
            return;
        };
        match cx.desk.employer_profile(e.id) {
            Ok(p) => self.profile = Some(p),
            Err(err) => cx.problem(err.to_string()),
        }
    }

    fn load_staff(&mut self, cx: &mut Cx<'_>) {
        match cx.desk.staff_names() {
            Ok(s) => self.staff = s,
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// "★ key account (owner: login)", "multi-owner" or nothing (EMP-03, EMP-05).
    fn ownership_mark(&self, e: &Employer) -> Option<String> {
        match e.ownership {
            Ownership::KeyAccount { owner } => Some(format!("★ key account (owner: {})", self.login(owner))),
            Ownership::MultiOwner => Some("◇ multi-owner".into()),
            Ownership::Open => None,
        }
    }

    /// A list row; when `width` is too narrow for the full mark, "★ owner" or "◇ multi-owner".
    fn row(&self, e: &Employer, width: usize, th: &Theme) -> Line<'static> {
        let mut spans = vec![Span::raw(e.name.clone())];
        if let Some(mut m) = self.ownership_mark(e) {
            if e.name.chars().count() + 2 + m.chars().count() > width {
                if let Ownership::KeyAccount { owner } = e.ownership {
                    m = format!("★ {}", self.login(owner));
                }
            }
            spans.push(Span::styled(format!("  {m}"), th.warn));
        }
        if !e.tags.is_empty() {
            spans.push(Span::styled(format!("  {}", hashtags(&e.tags)), th.dim));
        }
        Line::from(spans)
    }

    /// The selected employer's profile as lines.
    fn profile_lines(&self, p: &EmployerProfile, th: &Theme) -> Vec<Line<'static>> {
        let e = &p.employer;
        let mut lines = vec![Line::styled(e.name.clone(), th.title)];
        let registered = if e.self_registered { " · self-registered" } else { "" };
        lines.push(Line::raw(format!(
            "Sector: {} · Website: {}{registered}",
            e.sector,
            e.website.clone().unwrap_or_else(|| "-".into())
        )));
        let tags = if e.tags.is_empty() {
            "-".to_string()
        } else {
            hashtags(&e.tags)
        };
        lines.push(Line::raw(format!("Tags: {tags}")));
        match e.ownership {
            Ownership::KeyAccount { owner } => {
                let name = self
                    .staff
                    .get(&owner)
                    .map_or(String::new(), |s| format!(" ({})", s.name));
                lines.push(Line::styled(
                    format!("Ownership: ★ key account, owner {}{name}", self.login(owner)),
                    th.text,
                ));
                if owner == self.me {
                    lines.push(Line::styled("You own this key account.", th.good));
                } else {
                    lines.push(Line::styled(
                        format!(
                            "Key account: liaise with {} before contacting its key contacts (EMP-04)",
                            self.login(owner)
                        ),
                        th.warn,
                    ));
                }
            }
            Ownership::MultiOwner => {
                lines.push(Line::raw("Ownership: ◇ multi-owner, no single owner (EMP-05)"));
                lines.push(Line::styled(
                    "Check the recent engagement notes below before making contact.",
                    th.dim,
                ));
            }
            Ownership::Open => lines.push(Line::raw("Ownership: open, anyone may make contact")),
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Contacts ({}) · * = key contact", p.contacts.len()),
            th.title,
        ));
        if p.contacts.is_empty() {
            lines.push(Line::styled("  none recorded", th.dim));
        }
        for c in &p.contacts {
            let mut details: Vec<String> = Vec::new();
            if let Some(t) = &c.title {
                details.push(t.clone());
            }
            if let Some(m) = &c.email {
                details.push(m.to_string());
            }
            if let Some(ph) = &c.phone {
                details.push(ph.to_string());
            }
            let (seen, style) = if c.visible_to_students {
                ("◉ visible to students", th.text)
            } else {
                ("⊘ hidden from students", th.dim)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", c.display_name()), th.text),
                Span::styled(format!(" · {seen}"), style),
            ]));
            if !details.is_empty() {
                lines.push(Line::styled(format!("      {}", details.join(" · ")), th.dim));
            }
            if !c.guidance.trim().is_empty() {
                lines.push(Line::styled(format!("      guidance: {}", c.guidance.trim()), th.warn));
            }
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("Engagement ({})", p.engagement.len()), th.title));
        if p.engagement.is_empty() {
            lines.push(Line::styled("  none recorded", th.dim));
        }
        for n in &p.engagement {
            let kind = match (n.kind, n.liaised_with) {
                (EngagementKind::Liaison, Some(o)) => format!("liaison with {}", self.login(o)),
                (k, _) => kind_word(k).to_string(),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "  {} {kind} · {}: ",
                        n.at.with_timezone(&self.tz).format("%Y-%m-%d"),
                        self.login(n.author)
                    ),
                    th.dim,
                ),
                Span::raw(n.text.clone()),
            ]));
        }
        lines
    }
}

/// Tags as "#a #b".
fn hashtags(tags: &[String]) -> String {
    tags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")
}

/// The word for an engagement kind.
fn kind_word(k: EngagementKind) -> &'static str {
    match k {
        EngagementKind::Meeting => "meeting",
        EngagementKind::Call => "call",
        EngagementKind::Email => "e-mail",
        EngagementKind::Event => "event",
        EngagementKind::Liaison => "liaison",
        EngagementKind::Other => "other",
        EngagementKind::Fair => "fair",
        EngagementKind::Visit => "visit",
    }
}

impl Pane for EmployersPane {
    fn id(&self) -> PaneId {
        PaneId::Employers
    }

    fn typing(&self) -> bool {
        self.focus != Focus::List
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.load_staff(cx);
        self.refilter(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
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
            (_, Focus::Tags) if is_movement(cmd) => {}
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
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
        let body = match &self.profile {
            Some(p) => self.profile_lines(p, th),
            None => vec![Line::styled("Choose an employer to see its profile.", th.dim)],
        };
        frame.render_widget(
            Paragraph::new(body)
                .wrap(Wrap { trim: false })
                .block(block("Profile", th, false)),
            right,
        );
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        if let PaneDone::Employers(ticket, found) = done {
            self.found(ticket, found, cx);
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Search,
            Command::FilterTags,
            Command::Select,
            Command::Refresh,
            Command::Help,
        ]
    }
}
