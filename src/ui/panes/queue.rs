//! The drop-in queue: who is waiting (position, student number, name, state, waited, estimated
//! wait) and who has been called; check a client in by student number or card swipe, call the
//! next, mark the selected client as seen.

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::desk::{LineState, QueueLine, QueueTarget};
use crate::domain::ids::QueueEntryId;
use crate::ui::command::Command;
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::Theme;

/// The drop-in queue pane.
pub struct QueuePane {
    tz: chrono_tz::Tz,
    lines: Vec<QueueLine>,
    selected: usize,
    /// The check-in field, while open.
    check_in: Option<Input>,
    /// Who was called last, for the header: "Ada One (10000001) at 10:05".
    last_called: Option<String>,
    list_area: Rect,
}

impl QueuePane {
    /// A queue pane; the queue loads when the pane is shown.
    pub fn new(desk: &crate::desk::Desk) -> Self {
        Self {
            tz: desk.policy().institution.time_zone,
            lines: Vec::new(),
            selected: 0,
            check_in: None,
            last_called: None,
            list_area: Rect::default(),
        }
    }

    fn load(&mut self, cx: &mut Cx<'_>) {
        let keep = self.lines.get(self.selected).map(|l| l.id);
        match cx.desk.queue_list() {
            Ok(lines) => self.lines = lines,
            Err(e) => cx.problem(e.to_string()),
        }
        self.selected = keep
            .and_then(|id| self.lines.iter().position(|l| l.id == id))
            .unwrap_or(self.selected)
            .min(self.lines.len().saturating_sub(1));
    }

    fn line_of(&self, id: QueueEntryId) -> Option<&QueueLine> {
        self.lines.iter().find(|l| l.id == id)
    }

    /// Adds the typed or swiped client to the queue.
    fn submit_check_in(&mut self, cx: &mut Cx<'_>) {
        let Some(input) = &self.check_in else { return };
        let raw = input.value().trim().to_string();
        if raw.is_empty() {
            return cx.problem("type a student number or swipe the card, then enter; esc closes");
        }
        let already: Vec<QueueEntryId> = self.lines.iter().map(|l| l.id).collect();
        match cx.desk.queue_add(&raw) {
            Ok(entry) => {
                let id = entry.id;
                self.check_in = None;
                self.load(cx);
                let (who, position) = match self.line_of(id) {
                    Some(l) => (format!("{} ({})", l.name, l.number()), l.position),
                    None => ("The client".to_string(), 0),
                };
                if let Some(i) = self.lines.iter().position(|l| l.id == id) {
                    self.selected = i;
                }
                let place = if position > 0 {
                    format!("position {position}")
                } else {
                    "already called".into()
                };
                if already.contains(&id) {
                    cx.done(format!("{who} is already in the queue ({place})."));
                } else {
                    cx.done(format!("{who} joined the queue at {place}."));
                }
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    fn call_next(&mut self, cx: &mut Cx<'_>) {
        match cx.desk.queue_next() {
            Ok(Some(entry)) => {
                let id = entry.id;
                self.load(cx);
                let at = cx.desk.now().with_timezone(&self.tz).format("%H:%M");
                let who = match self.line_of(id) {
                    Some(l) => format!("{} ({}) after {} min", l.name, l.number(), l.waited_minutes),
                    None => "the next client".into(),
                };
                self.last_called = Some(format!("{who} at {at}"));
                if let Some(i) = self.lines.iter().position(|l| l.id == id) {
                    self.selected = i;
                }
                cx.done(format!("Called {who}."));
            }
            Ok(None) => cx.problem("nobody is waiting"),
            Err(e) => cx.problem(e.to_string()),
        }
    }

    fn mark_done(&mut self, cx: &mut Cx<'_>) {
        let Some(l) = self.lines.get(self.selected) else {
            return cx.problem("the queue is empty");
        };
        let (id, who) = (l.id, format!("{} ({})", l.name, l.number()));
        match cx.desk.queue_done(&QueueTarget::Entry(id)) {
            Ok(_) => {
                cx.done(format!("{who} marked as seen."));
                self.load(cx);
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    fn row(&self, l: &QueueLine, th: &Theme) -> Line<'static> {
        let position = if l.position > 0 {
            format!("{:>3}.", l.position)
        } else {
            " now".into()
        };
        let (state, style) = match l.state {
            LineState::Called => ("▶ called ", th.good),
            LineState::Waiting => ("… waiting", th.text),
        };
        let estimate = match l.estimated_wait_minutes {
            Some(m) => format!("est. ~{m} min"),
            None => "being seen".into(),
        };
        Line::from(vec![
            Span::raw(format!("{position} {}  {:<20} ", l.number(), cut(&l.name, 20))),
            Span::styled(state, style),
            Span::raw(format!("  waited {} min  ", l.waited_minutes)),
            Span::styled(estimate, th.dim),
        ])
    }
}

/// The first `n` characters of `s`.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

impl Pane for QueuePane {
    fn id(&self) -> PaneId {
        PaneId::Queue
    }

    fn typing(&self) -> bool {
        self.check_in.is_some()
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.load(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if self.check_in.is_some() {
            match cmd {
                Command::Select => self.submit_check_in(cx),
                Command::Back => self.check_in = None,
                _ if is_movement(cmd) => {}
                _ => return false,
            }
            return true;
        }
        if is_movement(cmd) {
            let page = self.list_area.height.saturating_sub(2) as usize;
            self.selected = move_selection(self.selected, self.lines.len(), cmd, page);
            return true;
        }
        match cmd {
            Command::QueueCheckIn => self.check_in = Some(Input::new()),
            Command::QueueNext => self.call_next(cx),
            Command::QueueDone => self.mark_done(cx),
            Command::Refresh => self.load(cx),
            Command::Back => {}
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> bool {
        match &mut self.check_in {
            Some(input) => {
                input.handle(key);
                true
            }
            None => false,
        }
    }

    fn click(&mut self, column: u16, row: u16, _cx: &mut Cx<'_>) {
        let a = self.list_area;
        if column < a.x || column >= a.x + a.width || row <= a.y || row + 1 >= a.y + a.height {
            return;
        }
        let visible = a.height.saturating_sub(2) as usize;
        let offset = (self.selected + 1).saturating_sub(visible);
        let i = (row - a.y - 1) as usize + offset;
        if i < self.lines.len() {
            self.selected = i;
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let field_height = if self.check_in.is_some() { 4 } else { 0 };
        let [head, field, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(field_height),
            Constraint::Fill(1),
        ])
        .areas(area);
        let waiting = self.lines.iter().filter(|l| l.state != LineState::Called).count();
        let called = self.lines.len() - waiting;
        let mut spans = vec![Span::styled(
            format!(" Waiting: {waiting} · Called: {called}"),
            th.title,
        )];
        if let Some(c) = &self.last_called {
            spans.push(Span::raw(format!(" · Last called: {c}")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), head);
        if let Some(input) = &self.check_in {
            let text = vec![
                input.line("Student number or card", true, th),
                Line::styled("swipe the card or type the number · enter adds · esc closes", th.dim),
            ];
            frame.render_widget(
                Paragraph::new(text).block(block("Check in to the drop-in queue", th, true)),
                field,
            );
        }
        self.list_area = Rect::new(body.x - area.x, body.y - area.y, body.width, body.height);
        let rows: Vec<Line<'static>> = if self.lines.is_empty() {
            vec![Line::styled("Nobody is in the queue.", th.dim)]
        } else {
            self.lines.iter().map(|l| self.row(l, th)).collect()
        };
        let title = "Drop-in queue: pos · student number · name · state · waited · estimate";
        let selected = (!self.lines.is_empty()).then_some(self.selected);
        list(
            frame,
            body,
            rows,
            selected,
            block(title, th, self.check_in.is_none()),
            th,
        );
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::QueueCheckIn,
            Command::QueueNext,
            Command::QueueDone,
            Command::Refresh,
            Command::Help,
        ]
    }
}
