//! The supervisor's audit view inside triage (SEC-04, issue 11 item 5): the audit log filtered
//! by a typed query (operator, client, action, date range), break-glass reads first, then
//! newest first. Built as a job: the log can be long.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::desk::AuditView;
use crate::domain::audit_filter;
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, PaneId};
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::Theme;

/// The most entries the view lists at once; a narrower query shows the rest.
const SHOWN: usize = 500;

/// The audit view's state.
pub(super) struct AuditPane {
    tz: chrono_tz::Tz,
    query: Input,
    /// The query box has the keys.
    editing: bool,
    view: AuditView,
    selected: usize,
    loading: bool,
    /// What the last query asked, for the title.
    asked: String,
}

impl AuditPane {
    /// An audit view with an empty query, loading at once.
    pub(super) fn open(tz: chrono_tz::Tz, cx: &mut Cx<'_>) -> Self {
        let mut pane = Self {
            tz,
            query: Input::new(),
            editing: false,
            view: AuditView::default(),
            selected: 0,
            loading: false,
            asked: String::new(),
        };
        pane.load(cx);
        pane
    }

    /// Whether the query box has the keys.
    pub(super) fn typing(&self) -> bool {
        self.editing
    }

    /// Runs the typed query as a job; a wrong query is named at once and nothing is loaded.
    fn load(&mut self, cx: &mut Cx<'_>) {
        let query = match audit_filter::parse_query(self.query.value()) {
            Ok(q) => q,
            Err(e) => return cx.problem(e),
        };
        self.loading = true;
        self.asked = self.query.value().trim().to_string();
        cx.spawn(PaneId::Triage, "reading the audit log", move |desk| {
            PaneDone::Audit(Box::new(desk.audit_view(&query, SHOWN).map_err(|e| e.to_string())))
        });
    }

    /// A key for the query box.
    pub(super) fn key(&mut self, key: &crossterm::event::KeyEvent) -> bool {
        self.editing && self.query.handle(key)
    }

    /// A command; `false` when the view has no use for it (it goes back to triage on `back`
    /// outside the query box).
    pub(super) fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if self.editing {
            match cmd {
                Command::Select => {
                    self.editing = false;
                    self.load(cx);
                }
                Command::Back => self.editing = false,
                _ => return false,
            }
            return true;
        }
        if is_movement(cmd) {
            self.selected = move_selection(self.selected, self.view.entries.len(), cmd, 10);
            return true;
        }
        match cmd {
            Command::Search => self.editing = true,
            Command::Refresh => self.load(cx),
            _ => return false,
        }
        true
    }

    /// Takes the job's result.
    pub(super) fn loaded(&mut self, result: Result<AuditView, String>, cx: &mut Cx<'_>) {
        self.loading = false;
        match result {
            Ok(v) => self.view = v,
            Err(e) => cx.problem(e),
        }
        self.selected = self.selected.min(self.view.entries.len().saturating_sub(1));
    }

    fn line(&self, e: &crate::domain::audit::AuditEntry, th: &Theme) -> Line<'static> {
        let when = e.at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M");
        let who = e.login.clone().unwrap_or_else(|| "?".into());
        let record = e.subject.map_or("-".to_string(), |s| s.to_string());
        // The reason first: it is what a supervisor reads the line for.
        let why = e.reason.as_ref().map_or(String::new(), |r| format!("why: {r} · "));
        let text = format!(
            "{when}  {who:<12} {:<14} {why}{record:<22} {}",
            e.action.code(),
            e.detail
        );
        if e.is_break_glass() {
            Line::styled(format!("! break-glass  {text}"), th.warn)
        } else {
            Line::styled(text, th.text)
        }
    }

    /// Draws the query box and the entries.
    pub(super) fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let [top, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let hint = if self.editing {
            "enter runs it · esc leaves the box"
        } else {
            "/ types a query · esc back to triage"
        };
        let query = Paragraph::new(vec![self.query.line("Query", self.editing, th)]).block(block(
            &format!("Audit log: operator:LOGIN client:STUDENT_NUMBER action:CODE from:DATE to:DATE · {hint}"),
            th,
            self.editing,
        ));
        frame.render_widget(query, top);
        let breaks = self.view.entries.iter().filter(|e| e.is_break_glass()).count();
        let mut title = format!(
            "{} {}{}{} · break-glass reads first ({breaks})",
            self.view.matched,
            if self.view.matched == 1 {
                "entry matches"
            } else {
                "entries match"
            },
            if self.asked.is_empty() {
                String::new()
            } else {
                format!(" {}", self.asked)
            },
            if self.view.matched > self.view.entries.len() {
                format!(" · the first {} shown", self.view.entries.len())
            } else {
                String::new()
            },
        );
        if self.view.unreadable > 0 {
            title.push_str(&format!(" · {} unreadable (erased or damaged)", self.view.unreadable));
        }
        if self.loading {
            title.push_str(" · loading…");
        }
        let lines: Vec<Line<'static>> = if self.view.entries.is_empty() && !self.loading {
            vec![Line::styled("No entry matches.", th.dim)]
        } else {
            self.view.entries.iter().map(|e| self.line(e, th)).collect()
        };
        let selected = (!self.view.entries.is_empty()).then_some(self.selected);
        list(frame, body, lines, selected, block(&title, th, !self.editing), th);
    }
}
