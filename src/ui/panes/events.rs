//! Events: the combined calendar's events from a fortnight ago on (date, time, title,
//! employers, audience, places with booked and waiting counts) and the selected one in full
//! (audience and consultations; roster: booked, the waiting list in order, attended, absent).
//! Create and move an event through a form whose clashes need a reason to go ahead (EVT-01),
//! open it to another school naming who was consulted (EVT-02), and book, cancel, mark
//! attendance by card or number and message the absent (EVT-03). Promote the selected event
//! (and others) to employer contacts by bulk mail, previewing the recipients first (EVT-04,
//! `ui/panes/bulk_mail.rs`).
//!
//! The list is read by a job (only the latest load's result is shown); every write is one desk
//! call, whose refusal (a permission, a rule) is shown on the status line.

mod event_form;
mod load;
mod prompt;
mod view;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Text};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::domain::access::Permission;
use crate::domain::ids::EventId;
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::bulk_mail::{Composed, Composer};
use crate::ui::panes::widgets::block;
use crate::ui::theme::Theme;

pub use event_form::{EventForm, EventFormResult};
pub use load::{load_detail, load_rows, EventDetail, EventRow, RECENT_DAYS};
pub use prompt::{Outcome, Prompt, PromptKind};

/// Lines each event takes in the list.
const ROW_LINES: usize = 2;

/// What has the keyboard.
enum Mode {
    /// Moving through the list.
    Browse,
    /// The create or move form.
    Form(Box<EventForm>),
    /// A prompt on the selected event.
    Prompt(Box<Prompt>),
    /// A bulk mail to employers promoting events (EVT-04).
    Mail(Box<Composer>),
}

/// The events pane.
pub struct EventsPane {
    tz: chrono_tz::Tz,
    rows: Vec<EventRow>,
    selected: usize,
    detail: Option<EventDetail>,
    mode: Mode,
    list_area: Rect,
    /// Numbers the loads; only the latest one's result is shown.
    latest: Latest,
    /// The event to select when the awaited load arrives.
    keep: Option<EventId>,
    /// When the list was last drawn, by the desk's clock (marks ended events).
    now: chrono::DateTime<chrono::Utc>,
}

impl EventsPane {
    /// An events pane; the list loads when the pane is shown.
    pub fn new(desk: &crate::desk::Desk) -> Self {
        Self {
            tz: desk.policy().institution.time_zone,
            rows: Vec::new(),
            selected: 0,
            detail: None,
            mode: Mode::Browse,
            list_area: Rect::default(),
            latest: Latest::default(),
            keep: None,
            now: desk.now(),
        }
    }

    /// Loads the list as a job, keeping the selected event (or `keep`) selected.
    fn reload(&mut self, cx: &mut Cx<'_>) {
        if self.keep.is_none() {
            self.keep = self.rows.get(self.selected).map(|r| r.event.id);
        }
        let ticket = self.latest.issue();
        let latest = self.latest.clone();
        cx.spawn(PaneId::Events, "loading events", move |desk| {
            let rows = if latest.is_current(ticket) {
                load_rows(desk).map_err(|e| e.to_string())
            } else {
                Ok(Vec::new())
            };
            PaneDone::Events(ticket, Box::new(rows))
        });
    }

    /// Shows a load's result if it is the latest one; first time, the first event not over.
    fn loaded(&mut self, ticket: u64, rows: Result<Vec<EventRow>, String>, cx: &mut Cx<'_>) {
        if !self.latest.is_current(ticket) {
            return;
        }
        self.now = cx.desk.now();
        match rows {
            Ok(rows) => self.rows = rows,
            Err(e) => {
                self.rows.clear();
                cx.problem(e);
            }
        }
        let now = self.now;
        self.selected = match self.keep.take() {
            Some(id) => self.rows.iter().position(|r| r.event.id == id),
            None => self.rows.iter().position(|r| r.event.end > now),
        }
        .unwrap_or(0)
        .min(self.rows.len().saturating_sub(1));
        self.load_detail(cx);
    }

    fn load_detail(&mut self, cx: &mut Cx<'_>) {
        self.detail = None;
        let Some(row) = self.rows.get(self.selected) else {
            return;
        };
        match load_detail(cx.desk, &row.event) {
            Ok(d) => self.detail = Some(d),
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// The selected event, or a problem saying there is none.
    fn selected_event(&self, cx: &mut Cx<'_>) -> Option<crate::domain::event::Event> {
        let e = self.rows.get(self.selected).map(|r| r.event.clone());
        if e.is_none() {
            cx.problem("no event is selected: create one with the add-event key (see ? for keys)");
        }
        e
    }

    /// Whether the desk lets this operator do what needs `p`; its refusal goes on the status line.
    fn may(cx: &mut Cx<'_>, p: Permission) -> bool {
        match cx.desk.require(p) {
            Ok(()) => true,
            Err(e) => {
                cx.problem(e.to_string());
                false
            }
        }
    }

    fn open_prompt(&mut self, kind: PromptKind, cx: &mut Cx<'_>) {
        if let Some(e) = self.selected_event(cx) {
            if Self::may(cx, kind.permission()) {
                self.mode = Mode::Prompt(Box::new(Prompt::new(kind, &e)));
            }
        }
    }

    /// Handles a command while the create or move form is open.
    fn form_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Form(form) = &mut self.mode else {
            return false;
        };
        let Some(result) = form.command(cmd, cx.desk) else {
            return false;
        };
        match result {
            EventFormResult::Stay => {}
            EventFormResult::Closed => {
                self.mode = Mode::Browse;
                cx.done("Closed the form; nothing was saved.");
            }
            EventFormResult::Refused(why) => {
                self.mode = Mode::Browse;
                cx.problem(why);
            }
            EventFormResult::Saved(e, reason) => {
                self.mode = Mode::Browse;
                let when = view::span_text(self.tz, &e);
                match reason {
                    Some(r) => cx.done(format!(
                        "Saved \"{}\" ({when}) despite the clash, because: {r}",
                        e.title
                    )),
                    None => cx.done(format!("Saved \"{}\" ({when}).", e.title)),
                }
                self.keep = Some(e.id);
                self.reload(cx);
            }
        }
        true
    }

    /// Handles a command while a prompt is open.
    fn prompt_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Prompt(prompt) = &mut self.mode else {
            return false;
        };
        match cmd {
            Command::Back => self.mode = Mode::Browse,
            Command::Select => match prompt.run(cx.desk) {
                Ok(Outcome { said, queued }) => {
                    *cx.messages_queued |= queued;
                    cx.done(said);
                    if prompt.kind.repeats() {
                        prompt.clear();
                    } else {
                        self.mode = Mode::Browse;
                    }
                    self.reload(cx);
                }
                Err(e @ crate::desk::DeskError::Denied(_)) => {
                    self.mode = Mode::Browse;
                    cx.problem(e.to_string());
                }
                Err(e) => cx.problem(e.to_string()),
            },
            _ if prompt.form.movement(cmd) => {}
            _ => return false,
        }
        true
    }

    /// Handles a command while the bulk mail composer is open.
    fn mail_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Mail(composer) = &mut self.mode else {
            return false;
        };
        match composer.command(cmd, cx.desk) {
            None => return false,
            Some(Composed::Stay) => {}
            Some(Composed::Closed) => {
                self.mode = Mode::Browse;
                cx.done("Closed the bulk mail; nothing was sent.");
            }
            Some(Composed::Sent(said)) => {
                self.mode = Mode::Browse;
                *cx.messages_queued = true;
                cx.done(said);
            }
        }
        true
    }

    /// Opens the bulk mail composer promoting the selected event, or says why not (SEC-06).
    fn promote(&mut self, cx: &mut Cx<'_>) {
        let Some(e) = self.selected_event(cx) else {
            return;
        };
        match Composer::open(cx.desk, &e.title, "", "") {
            Ok(c) => self.mode = Mode::Mail(Box::new(c)),
            Err(err) => cx.problem(err.to_string()),
        }
    }

    fn browse_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if is_movement(cmd) {
            let page = (self.list_area.height.saturating_sub(2) as usize / ROW_LINES).max(1);
            let before = self.selected;
            self.selected = move_selection(self.selected, self.rows.len(), cmd, page);
            if before != self.selected || self.detail.is_none() {
                self.load_detail(cx);
            }
            return true;
        }
        match cmd {
            Command::AddEvent => {
                if Self::may(cx, Permission::ManageEmployers) {
                    self.mode = Mode::Form(Box::new(EventForm::add()));
                }
            }
            Command::MoveEvent => {
                if let Some(e) = self.selected_event(cx) {
                    if Self::may(cx, Permission::ManageEmployers) {
                        self.mode = Mode::Form(Box::new(EventForm::move_event(cx.desk, &e)));
                    }
                }
            }
            Command::OpenEvent => self.open_prompt(PromptKind::Open, cx),
            Command::BookEvent => self.open_prompt(PromptKind::Book, cx),
            Command::CancelEventBooking => self.open_prompt(PromptKind::Cancel, cx),
            Command::AttendEvent => self.open_prompt(PromptKind::Attend, cx),
            Command::MessageAbsent => self.open_prompt(PromptKind::Message, cx),
            Command::PromoteEvent => self.promote(cx),
            Command::Select => self.load_detail(cx),
            Command::Refresh => self.reload(cx),
            Command::Back => return false,
            _ => return false,
        }
        true
    }

    fn render_list(&mut self, frame: &mut Frame<'_>, area: Rect, pane: Rect, th: &Theme) {
        self.list_area = Rect::new(area.x - pane.x, area.y - pane.y, area.width, area.height);
        let title = format!("Events: {} · from {RECENT_DAYS} days ago", self.rows.len());
        let focused = matches!(self.mode, Mode::Browse);
        if self.rows.is_empty() {
            let empty =
                Paragraph::new(Line::styled("No events yet: n creates one.", th.dim)).block(block(&title, th, focused));
            frame.render_widget(empty, area);
            return;
        }
        let items: Vec<ListItem> = self
            .rows
            .iter()
            .map(|r| ListItem::new(Text::from(view::row_lines(self.tz, r, self.now, th))))
            .collect();
        let mut state = ListState::default();
        state.select(Some(self.selected));
        let list = List::new(items)
            .block(block(&title, th, focused))
            .highlight_style(th.selected)
            .highlight_symbol("> ");
        frame.render_stateful_widget(list, area, &mut state);
    }
}

impl Pane for EventsPane {
    fn id(&self) -> PaneId {
        PaneId::Events
    }

    fn typing(&self) -> bool {
        !matches!(self.mode, Mode::Browse)
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.reload(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        match self.mode {
            Mode::Browse => self.browse_command(cmd, cx),
            Mode::Form(_) => self.form_command(cmd, cx),
            Mode::Prompt(_) => self.prompt_command(cmd, cx),
            Mode::Mail(_) => self.mail_command(cmd, cx),
        }
    }

    fn key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> bool {
        match &mut self.mode {
            Mode::Browse => false,
            Mode::Form(form) => {
                form.key(key);
                true
            }
            Mode::Prompt(prompt) => {
                prompt.form.key(key);
                true
            }
            Mode::Mail(composer) => {
                composer.key(key);
                true
            }
        }
    }

    fn click(&mut self, column: u16, row: u16, cx: &mut Cx<'_>) {
        let a = self.list_area;
        if !matches!(self.mode, Mode::Browse)
            || column < a.x
            || column >= a.x + a.width
            || row <= a.y
            || row + 1 >= a.y + a.height
        {
            return;
        }
        let visible = (a.height.saturating_sub(2) as usize / ROW_LINES).max(1);
        let offset = (self.selected + 1).saturating_sub(visible);
        let i = (row - a.y - 1) as usize / ROW_LINES + offset;
        if i < self.rows.len() {
            self.selected = i;
            self.load_detail(cx);
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
        self.render_list(frame, left, area, th);
        let detail_area = match &self.mode {
            Mode::Prompt(p) => {
                let height = p.form.fields.len() as u16 + p.form.problems.len() as u16 + 6;
                let [top, rest] = Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(right);
                p.form.render(frame, top, &p.title(), p.help(), th);
                rest
            }
            _ => right,
        };
        let body = match (self.rows.get(self.selected), &self.detail) {
            (Some(row), Some(d)) => view::detail_lines(self.tz, row, d, th),
            _ => vec![Line::styled("Choose an event to see its bookings.", th.dim)],
        };
        frame.render_widget(
            Paragraph::new(body)
                .wrap(Wrap { trim: false })
                .block(block("Event", th, false)),
            detail_area,
        );
        match &self.mode {
            Mode::Form(form) => form.render(frame, area, th),
            Mode::Mail(composer) => composer.render(frame, area, th),
            _ => {}
        }
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        if let PaneDone::Events(ticket, rows) = done {
            self.loaded(ticket, *rows, cx);
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::AddEvent,
            Command::BookEvent,
            Command::AttendEvent,
            Command::CancelEventBooking,
            Command::MoveEvent,
            Command::OpenEvent,
            Command::MessageAbsent,
            Command::PromoteEvent,
            Command::Help,
        ]
    }
}
