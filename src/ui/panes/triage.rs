//! Supervisor triage: unresolved outcomes to settle, clients over the no-show thresholds (with
//! their unwaived no-shows) to block or clear, recent waivers, and the weekly no-show chart with
//! small counts suppressed by the report engine (APPT-02..APPT-04, DATA-08). One row at a time,
//! with quick keys. `A` opens the audit log and `R` the reports (usage, no-shows, contacts per
//! week, programme usage), in place of the lists.
//!
//! The lists and the chart read weeks of appointments: they are built as a job.

mod audit;
mod load;
mod reports;
mod view;

pub use reports::{ReportKind, ReportTables};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::desk::{UnresolvedLine, WaiverLine};
use crate::domain::access::Permission;
use crate::domain::appointment::Outcome;
use crate::domain::client::FlagKind;
use crate::domain::ids::{AppointmentId, ClientId};
use crate::domain::policy::AppointmentTypeId;
use crate::domain::validate::StudentNumber;
use crate::report::Published;
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::Theme;

/// The outcomes a supervisor may record here, with their quick keys.
const OUTCOMES: [(Outcome, char); 4] = [
    (Outcome::Attended, 'a'),
    (Outcome::NoShow, 'n'),
    (Outcome::LateCancel, 'l'),
    (Outcome::EndedTechnical, 't'),
];

/// A client flagged by the no-show rules, with both flags merged into one row.
#[derive(Debug, Clone)]
struct Flagged {
    student_number: StudentNumber,
    name: String,
    client: ClientId,
    flags: Vec<FlagKind>,
    reason: String,
}

/// One row of the triage list.
#[derive(Debug, Clone)]
enum Row {
    /// A section heading.
    Heading(String),
    /// An empty section.
    Nothing,
    /// A past appointment with no outcome.
    Unresolved(UnresolvedLine),
    /// A flagged client.
    Flagged(Flagged),
    /// One of a flagged client's unwaived no-shows or late cancellations.
    Missed {
        booking: AppointmentId,
        start: String,
        appointment_type: AppointmentTypeId,
        outcome: Outcome,
        student_number: StudentNumber,
        name: String,
        client: ClientId,
    },
    /// A recent waiver.
    Waiver(WaiverLine),
}

impl Row {
    fn selectable(&self) -> bool {
        !matches!(self, Row::Heading(_) | Row::Nothing)
    }
}

/// What a reason is being asked for.
#[derive(Debug, Clone)]
enum Action {
    /// Waive a no-show; an unresolved appointment is first recorded as a no-show.
    Waive {
        booking: AppointmentId,
        label: String,
        record_first: bool,
    },
    /// Confirm a block (APPT-04).
    Block {
        student_number: StudentNumber,
        name: String,
    },
    /// Dismiss a proposed block.
    Dismiss {
        student_number: StudentNumber,
        name: String,
    },
}

enum Mode {
    Browse,
    /// Choosing how an unresolved appointment ended.
    Outcome {
        /// Every booking the outcome is for (the marked ones, or the selected one).
        bookings: Vec<AppointmentId>,
        label: String,
        selected: usize,
    },
    /// Typing the required reason for an action.
    Reason {
        action: Action,
        input: Input,
    },
}

/// The triage lists and chart, built by a job.
pub struct TriageData {
    rows: Vec<Row>,
    chart: Published,
}

/// The supervisor triage pane.
pub struct TriagePane {
    tz: chrono_tz::Tz,
    allowed: bool,
    rows: Vec<Row>,
    /// Index into the selectable rows.
    selected: usize,
    /// The no-show table the chart draws, once built.
    chart: Option<Published>,
    mode: Mode,
    list_area: Rect,
    /// Unresolved bookings marked for one outcome together.
    marked: std::collections::BTreeSet<AppointmentId>,
    /// The lists are being built.
    loading: bool,
    /// The audit view, when open in place of the triage lists.
    audit: Option<audit::AuditPane>,
    /// The reports view, when open in place of the triage lists.
    reports: Option<reports::ReportsPane>,
}

impl TriagePane {
    /// A triage pane; only supervisors see anything in it.
    pub fn new(desk: &crate::desk::Desk) -> Self {
        Self {
            tz: desk.policy().institution.time_zone,
            allowed: desk.may(Permission::SupervisorReports),
            rows: Vec::new(),
            selected: 0,
            chart: None,
            mode: Mode::Browse,
            list_area: Rect::default(),
            marked: std::collections::BTreeSet::new(),
            loading: false,
            audit: None,
            reports: None,
        }
    }

    fn selectable(&self) -> Vec<usize> {
        (0..self.rows.len()).filter(|&i| self.rows[i].selectable()).collect()
    }

    /// The selected row's index into `rows`.
    fn selected_row(&self) -> Option<usize> {
        self.selectable().get(self.selected).copied()
    }

    fn current(&self) -> Option<&Row> {
        self.selected_row().and_then(|i| self.rows.get(i))
    }

    /// Builds the lists again as a job.
    fn load(&mut self, cx: &mut Cx<'_>) {
        if !self.allowed {
            return;
        }
        self.loading = true;
        cx.spawn(PaneId::Triage, "building triage", |desk| {
            PaneDone::Triage(Box::new(load::fetch(desk).map_err(|e| e.to_string())))
        });
    }

    /// `select`: settle an unresolved appointment, or open a client's notes.
    fn choose(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current().cloned() else {
            return cx.problem("nothing to open: no unresolved outcomes, flagged clients or waivers");
        };
        let client = match row {
            Row::Unresolved(u) => {
                let (bookings, label) = if self.marked.is_empty() {
                    (
                        vec![u.booking],
                        format!("{} {} for {}", u.appointment_type, u.start, u.name),
                    )
                } else {
                    let n = self.marked.len();
                    (
                        self.marked.iter().cloned().collect(),
                        format!("the {n} marked appointments"),
                    )
                };
                self.mode = Mode::Outcome {
                    bookings,
                    label,
                    selected: 0,
                };
                return;
            }
            Row::Flagged(f) => Some(f.client),
            Row::Missed { client, .. } => Some(client),
            Row::Waiver(w) => Some(w.client),
            Row::Heading(_) | Row::Nothing => None,
        };
        match client {
            Some(id) => {
                *cx.client = Some(id);
                *cx.go_to = Some(PaneId::Notes);
            }
            None => cx.problem("that client's record could not be found"),
        }
    }

    fn record(&mut self, outcome: Outcome, cx: &mut Cx<'_>) {
        let Mode::Outcome { bookings, label, .. } = &self.mode else {
            return;
        };
        let mut failed = Vec::new();
        for b in bookings {
            if let Err(e) = cx.desk.record_outcome(*b, outcome) {
                failed.push(e.to_string());
            }
        }
        if failed.is_empty() {
            cx.done(format!("Recorded {} for {label}.", outcome.code()));
        } else {
            cx.problem(format!(
                "{} of {} not recorded: {}",
                failed.len(),
                bookings.len(),
                failed.join("; ")
            ));
        }
        self.marked.clear();
        self.mode = Mode::Browse;
        self.load(cx);
    }

    /// Opens the reason field for an action on the selected row.
    fn ask(&mut self, cmd: Command, cx: &mut Cx<'_>) {
        let Some(row) = self.current().cloned() else {
            return cx.problem("nothing selected");
        };
        let action = match (cmd, row) {
            (Command::Waive, Row::Unresolved(u)) => Action::Waive {
                label: format!("{} {} for {}", u.appointment_type, u.start, u.name),
                booking: u.booking,
                record_first: true,
            },
            (
                Command::Waive,
                Row::Missed {
                    booking,
                    start,
                    appointment_type,
                    name,
                    ..
                },
            ) => Action::Waive {
                label: format!("{appointment_type} {start} for {name}"),
                booking,
                record_first: false,
            },
            (Command::Waive, Row::Flagged(f)) => {
                return cx.problem(format!(
                    "choose one of {}'s no-shows listed under them, then waive it",
                    f.name
                ));
            }
            (Command::Waive, Row::Waiver(_)) => return cx.problem("that no-show is already waived"),
            (
                Command::ConfirmBlock | Command::DismissBlock,
                Row::Missed {
                    student_number, name, ..
                },
            ) => block_action(cmd, student_number, name),
            (Command::ConfirmBlock | Command::DismissBlock, Row::Flagged(f)) => {
                let proposed = f.flags.contains(&FlagKind::BlockProposed);
                if cmd == Command::DismissBlock && !proposed {
                    return cx.problem(format!(
                        "no block is proposed for {}; there is nothing to dismiss",
                        f.name
                    ));
                }
                block_action(cmd, f.student_number, f.name)
            }
            (Command::Waive, _) => return cx.problem("waive applies to an unresolved appointment or a no-show row"),
            _ => return cx.problem("choose a flagged client first (under “Over a no-show threshold”)"),
        };
        self.mode = Mode::Reason {
            action,
            input: Input::new(),
        };
    }

    fn submit_reason(&mut self, cx: &mut Cx<'_>) {
        let Mode::Reason { action, input } = &self.mode else {
            return;
        };
        let reason = input.value().trim().to_string();
        if reason.is_empty() {
            let rule = if matches!(action, Action::Waive { .. }) {
                "APPT-03"
            } else {
                "APPT-04"
            };
            return cx.problem(format!("a reason is required ({rule}); type it, or esc to cancel"));
        }
        let desk = cx.desk;
        let result = match action {
            Action::Waive {
                booking,
                label,
                record_first,
            } => {
                let recorded = if *record_first {
                    desk.record_outcome(*booking, Outcome::NoShow).map(|_| ())
                } else {
                    Ok(())
                };
                match recorded {
                    Ok(()) => desk.waive(*booking, &reason).map_err(|e| match record_first {
                        true => crate::desk::DeskError::Invalid(format!("recorded as a no-show, but not waived: {e}")),
                        false => e,
                    }),
                    Err(e) => Err(e),
                }
                .map(|_| format!("Waived the no-show {label}: it no longer counts (APPT-03)."))
            }
            Action::Block { student_number, name } => {
                desk.block_client(student_number, &reason, None).map(|c| match c.block {
                    Some(b) => format!("{name} is blocked from booking until {} (APPT-04).", b.expires),
                    None => format!("{name} is blocked from booking (APPT-04)."),
                })
            }
            Action::Dismiss { student_number, name } => desk
                .unblock_client(student_number, &reason)
                .map(|_| format!("The proposed block on {name} is dismissed.")),
        };
        match result {
            Ok(msg) => {
                cx.done(msg);
                self.mode = Mode::Browse;
            }
            Err(e) => {
                cx.problem(e.to_string());
                self.mode = Mode::Browse;
            }
        }
        self.load(cx);
    }
}

/// The block action a command asks for.
fn block_action(cmd: Command, student_number: StudentNumber, name: String) -> Action {
    if cmd == Command::ConfirmBlock {
        Action::Block { student_number, name }
    } else {
        Action::Dismiss { student_number, name }
    }
}

impl Pane for TriagePane {
    fn id(&self) -> PaneId {
        PaneId::Triage
    }

    fn typing(&self) -> bool {
        matches!(self.mode, Mode::Reason { .. }) || self.audit.as_ref().is_some_and(|a| a.typing())
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.allowed = cx.desk.may(Permission::SupervisorReports);
        self.load(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if !self.allowed {
            return false;
        }
        if let Some(audit) = &mut self.audit {
            if !audit.command(cmd, cx) && cmd == Command::Back {
                self.audit = None;
            }
            return true;
        }
        if let Some(view) = &mut self.reports {
            if !view.command(cmd, cx) && cmd == Command::Back {
                self.reports = None;
            }
            return true;
        }
        if cmd == Command::AuditLog && matches!(self.mode, Mode::Browse) {
            self.audit = Some(audit::AuditPane::open(self.tz, cx));
            return true;
        }
        if cmd == Command::Reports && matches!(self.mode, Mode::Browse) {
            self.reports = Some(reports::ReportsPane::open(cx));
            return true;
        }
        if cmd == Command::Back {
            self.mode = Mode::Browse;
            return true;
        }
        match &mut self.mode {
            Mode::Outcome { selected, .. } => {
                if is_movement(cmd) {
                    *selected = move_selection(*selected, OUTCOMES.len(), cmd, OUTCOMES.len());
                } else if cmd == Command::Select {
                    let o = OUTCOMES[(*selected).min(OUTCOMES.len() - 1)].0;
                    self.record(o, cx);
                } else {
                    return false;
                }
                return true;
            }
            Mode::Reason { .. } => {
                if cmd == Command::Select {
                    self.submit_reason(cx);
                }
                return true;
            }
            Mode::Browse => {}
        }
        if is_movement(cmd) {
            let page = self.list_area.height.saturating_sub(2) as usize;
            self.selected = move_selection(self.selected, self.selectable().len(), cmd, page);
            return true;
        }
        match cmd {
            Command::Select => self.choose(cx),
            Command::Mark => match self.current() {
                Some(Row::Unresolved(u)) => {
                    let b = u.booking;
                    if !self.marked.remove(&b) {
                        self.marked.insert(b);
                    }
                    let page = self.list_area.height.saturating_sub(2) as usize;
                    self.selected = move_selection(self.selected, self.selectable().len(), Command::Down, page);
                }
                _ => cx.problem("only unresolved appointments can be marked"),
            },
            Command::Waive | Command::ConfirmBlock | Command::DismissBlock => self.ask(cmd, cx),
            Command::Refresh => self.load(cx),
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
        if let Some(audit) = &mut self.audit {
            return audit.key(key);
        }
        match &mut self.mode {
            Mode::Reason { input, .. } => {
                input.handle(key);
                true
            }
            Mode::Outcome { .. } => {
                let KeyCode::Char(c) = key.code else { return false };
                match OUTCOMES.iter().find(|(_, k)| *k == c.to_ascii_lowercase()) {
                    Some((o, _)) => {
                        self.record(*o, cx);
                        true
                    }
                    None => false,
                }
            }
            Mode::Browse => false,
        }
    }

    fn click(&mut self, column: u16, row: u16, _cx: &mut Cx<'_>) {
        let a = self.list_area;
        if self.audit.is_some()
            || self.reports.is_some()
            || !matches!(self.mode, Mode::Browse)
            || column < a.x
            || column >= a.x + a.width
            || row <= a.y
        {
            return;
        }
        let visible = a.height.saturating_sub(2) as usize;
        let offset = self.selected_row().map_or(0, |s| (s + 1).saturating_sub(visible));
        let i = (row - a.y - 1) as usize + offset;
        if (row - a.y - 1) as usize >= visible {
            return;
        }
        if let Some(pos) = self.selectable().iter().position(|&r| r == i) {
            self.selected = pos;
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        if !self.allowed {
            let text = vec![
                Line::styled("Triage is for supervisors", th.title),
                Line::styled(
                    "Unresolved outcomes, no-show flags and blocks are settled by a supervisor.",
                    th.dim,
                ),
            ];
            frame.render_widget(Paragraph::new(text).block(block("Triage", th, false)), area);
            return;
        }
        if let Some(audit) = &self.audit {
            return audit.render(frame, area, th);
        }
        if let Some(view) = &self.reports {
            return view.render(frame, area, th);
        }
        let [left, right] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
        self.list_area = Rect::new(left.x - area.x, left.y - area.y, left.width, left.height);
        let lines: Vec<Line<'static>> = self.rows.iter().map(|r| self.line(r, th)).collect();
        let title = if self.loading {
            "Triage: select · waive · confirm-block · dismiss-block · loading…"
        } else {
            "Triage: select · waive · confirm-block · dismiss-block"
        };
        list(
            frame,
            left,
            lines,
            self.selected_row(),
            block(title, th, matches!(self.mode, Mode::Browse)),
            th,
        );
        self.render_chart(frame, right, th);
        self.render_mode(frame, area, th);
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        if let PaneDone::Audit(result) = done {
            if let Some(audit) = &mut self.audit {
                audit.loaded(*result, cx);
            }
            return;
        }
        if let PaneDone::Reports(result) = done {
            if let Some(view) = &mut self.reports {
                view.loaded(*result, cx);
            }
            return;
        }
        let PaneDone::Triage(data) = done else { return };
        self.loading = false;
        match *data {
            Ok(d) => {
                self.rows = d.rows;
                self.chart = Some(d.chart);
            }
            Err(e) => cx.problem(e),
        }
        self.selected = self.selected.min(self.selectable().len().saturating_sub(1));
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Select,
            Command::Mark,
            Command::Waive,
            Command::ConfirmBlock,
            Command::DismissBlock,
            Command::AuditLog,
            Command::Reports,
            Command::Refresh,
            Command::Help,
        ]
    }
}
