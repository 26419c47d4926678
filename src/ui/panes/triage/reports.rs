//! The supervisor's reports view inside triage (DATA-07, DATA-08, DATA-14): usage by school,
//! no-shows by week, contacts per week and programme usage, each as a table and a bar chart.
//! Every one is the publishable form from the same engine as `careerdesk report ...
//! --publishable`, so a small count is never drawn and never derivable from the totals; the
//! tables hold counts and labels only (schools, programmes, weeks, appointment types), never
//! a person. Built as a job: reports read every appointment.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::desk::{Desk, Grouping, Variant};
use crate::report::{Cell, Published};
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::pane::{is_movement, move_selection, Cx, PaneId};
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::Theme;

/// How many weeks the weekly reports cover, as the CLI's default.
pub const WEEKS: u32 = 12;

/// One report of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Appointments attended by school and type (`report usage`).
    Usage,
    /// Appointments due by week and how they ended (`report no-shows`).
    NoShows,
    /// Appointments attended per week by type (`report contacts-per-week`).
    ContactsPerWeek,
    /// Clients of each programme who used each service (DATA-07, as counts).
    ProgrammeUsage,
}

impl ReportKind {
    /// Every report, in the order the view lists them.
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Usage,
        ReportKind::NoShows,
        ReportKind::ContactsPerWeek,
        ReportKind::ProgrammeUsage,
    ];

    /// Its name in the list.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Usage => "Usage by school",
            ReportKind::NoShows => "No-shows by week",
            ReportKind::ContactsPerWeek => "Contacts per week",
            ReportKind::ProgrammeUsage => "Programme usage",
        }
    }

    /// What its rows are.
    fn row_label(self) -> &'static str {
        match self {
            ReportKind::Usage => "school",
            ReportKind::NoShows | ReportKind::ContactsPerWeek => "week of",
            ReportKind::ProgrammeUsage => "programme",
        }
    }

    /// What one count is, for the chart's title.
    fn counts(self) -> &'static str {
        match self {
            ReportKind::Usage | ReportKind::ContactsPerWeek => "appointments attended",
            ReportKind::NoShows => "no-shows (not waived)",
            ReportKind::ProgrammeUsage => "clients using a service, summed over services",
        }
    }

    /// The column the chart draws; the row totals when `None`.
    fn chart_column(self) -> Option<&'static str> {
        match self {
            ReportKind::NoShows => Some("no-show"),
            _ => None,
        }
    }

    /// The report's publishable table, from the desk.
    fn fetch(self, desk: &Desk) -> Result<Published, crate::desk::DeskError> {
        match self {
            ReportKind::Usage => desk.usage_report(Grouping::School, Variant::Publishable),
            ReportKind::NoShows => desk.no_shows_table(WEEKS, Variant::Publishable),
            ReportKind::ContactsPerWeek => desk.contacts_per_week(WEEKS, Variant::Publishable),
            ReportKind::ProgrammeUsage => desk.programme_usage_table(Variant::Publishable),
        }
    }
}

/// Every report's publishable table (or why it could not be made), built by a job.
pub struct ReportTables {
    /// One per [`ReportKind::ALL`], in that order.
    pub tables: Vec<(ReportKind, Result<Published, String>)>,
}

/// Makes every report's publishable table.
pub fn fetch(desk: &Desk) -> ReportTables {
    ReportTables {
        tables: ReportKind::ALL
            .iter()
            .map(|k| (*k, k.fetch(desk).map_err(|e| e.to_string())))
            .collect(),
    }
}

/// The reports view's state.
pub(super) struct ReportsPane {
    selected: usize,
    data: Option<ReportTables>,
    loading: bool,
}

impl ReportsPane {
    /// A reports view, loading at once.
    pub(super) fn open(cx: &mut Cx<'_>) -> Self {
        let mut pane = Self {
            selected: 0,
            data: None,
            loading: false,
        };
        pane.load(cx);
        pane
    }

    fn load(&mut self, cx: &mut Cx<'_>) {
        self.loading = true;
        cx.spawn(PaneId::Triage, "building reports", |desk| {
            PaneDone::Reports(Box::new(Ok(fetch(desk))))
        });
    }

    /// A command; `false` when the view has no use for it (`back` closes it).
    pub(super) fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if is_movement(cmd) {
            self.selected = move_selection(self.selected, ReportKind::ALL.len(), cmd, ReportKind::ALL.len());
            return true;
        }
        match cmd {
            Command::Refresh => self.load(cx),
            _ => return false,
        }
        true
    }

    /// Takes the job's result.
    pub(super) fn loaded(&mut self, result: Result<ReportTables, String>, cx: &mut Cx<'_>) {
        self.loading = false;
        match result {
            Ok(d) => self.data = Some(d),
            Err(e) => cx.problem(e),
        }
    }

    /// Draws the list of reports, and the chosen one's table and chart.
    pub(super) fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let [left, right] = Layout::horizontal([Constraint::Length(24), Constraint::Fill(1)]).areas(area);
        let names = ReportKind::ALL.iter().map(|k| Line::raw(k.title())).collect();
        let title = if self.loading {
            "Reports · loading…"
        } else {
            "Reports · esc back"
        };
        list(frame, left, names, Some(self.selected), block(title, th, true), th);
        let kind = ReportKind::ALL[self.selected.min(ReportKind::ALL.len() - 1)];
        let table = self
            .data
            .as_ref()
            .and_then(|d| d.tables.iter().find(|(k, _)| *k == kind))
            .map(|(_, t)| t);
        let [top, bottom] = Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(right);
        let heading = format!("{} (publishable, DATA-08)", kind.title());
        match table {
            None => frame.render_widget(
                Paragraph::new(Line::styled("loading…", th.dim)).block(block(&heading, th, false)),
                right,
            ),
            Some(Err(e)) => frame.render_widget(
                Paragraph::new(Line::styled(e.clone(), th.bad)).block(block(&heading, th, false)),
                right,
            ),
            Some(Ok(p)) => {
                let mut lines = table_lines(p, kind.row_label(), th);
                lines.push(Line::raw(""));
                lines.push(Line::styled(suppression_note(p), th.dim));
                frame.render_widget(Paragraph::new(lines).block(block(&heading, th, false)), top);
                let b = block(&format!("Chart: {}", kind.counts()), th, false);
                let width = b.inner(bottom).width as usize;
                let column = kind
                    .chart_column()
                    .and_then(|c| p.columns().iter().position(|x| x == c));
                let bars = bar_lines(p, column, |r| r.to_string(), width, th);
                frame.render_widget(Paragraph::new(bars).block(b), bottom);
            }
        }
    }
}

/// What the publishable form hides, said under each table.
pub fn suppression_note(p: &Published) -> String {
    match (p.threshold(), crate::report::legend(p)) {
        (Some(t), None) => format!("nothing hidden: every count is 0 or at least {t}"),
        (Some(_), Some(legend)) => legend,
        (None, _) => "every count shown".into(),
    }
}

/// The table as lines: a header, one line per row with its total, and the totals line.
pub fn table_lines(p: &Published, row_label: &str, th: &Theme) -> Vec<Line<'static>> {
    let first = p
        .rows()
        .iter()
        .map(|r| r.chars().count())
        .chain([row_label.len(), "total".len()])
        .max()
        .unwrap_or(5)
        .min(32);
    let widths: Vec<usize> = p
        .columns()
        .iter()
        .map(|c| c.chars().count().max(4))
        .chain(std::iter::once(5))
        .collect();
    let line = |label: &str, cells: Vec<String>| -> String {
        let mut out = format!("{:<first$}", crate::domain::text::shorten(label, first));
        for (cell, w) in cells.iter().zip(&widths) {
            out.push_str(&format!("  {cell:>w$}"));
        }
        out
    };
    let mut header: Vec<String> = p.columns().to_vec();
    header.push("total".into());
    let mut lines = vec![Line::styled(line(row_label, header), th.title)];
    for (i, r) in p.rows().iter().enumerate() {
        let mut cells: Vec<String> = p.row(i).iter().map(ToString::to_string).collect();
        cells.push(p.row_totals().get(i).map_or_else(String::new, ToString::to_string));
        lines.push(Line::raw(line(r, cells)));
    }
    let mut totals: Vec<String> = p.column_totals().iter().map(ToString::to_string).collect();
    totals.push(p.total().to_string());
    lines.push(Line::styled(line("total", totals), th.title));
    lines
}

/// A bar per row, labelled by `label` of the row's own label: the cell of `column`, or the
/// row's total when `None`. A hidden count is text only, never a bar whose length would give
/// it away.
pub fn bar_lines(
    p: &Published,
    column: Option<usize>,
    label: impl Fn(&str) -> String,
    width: usize,
    th: &Theme,
) -> Vec<Line<'static>> {
    let value = |i: usize| match column {
        Some(c) => p.cell(i, c),
        None => p.row_totals().get(i).copied().unwrap_or(Cell::Count(0)),
    };
    let labels: Vec<String> = p.rows().iter().map(|r| label(r)).collect();
    let label_width = labels.iter().map(|r| r.chars().count()).max().unwrap_or(0).min(20);
    let max = (0..p.rows().len())
        .filter_map(|i| match value(i) {
            Cell::Count(n) => Some(n),
            Cell::Suppressed(_) | Cell::Withheld | Cell::Unbounded => None,
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let room = width.saturating_sub(label_width + 3 + 6).max(1);
    (0..p.rows().len())
        .map(|i| {
            let label = crate::domain::text::shorten(&labels[i], label_width).into_owned();
            let (bar, text) = match value(i) {
                Cell::Count(n) => {
                    let len = usize::try_from(n).unwrap_or(usize::MAX).saturating_mul(room) / max as usize;
                    ("█".repeat(len.min(room)), n.to_string())
                }
                hidden => (String::new(), hidden.to_string()),
            };
            Line::from(vec![
                Span::raw(format!("{label:<label_width$} │")),
                Span::styled(bar, th.warn),
                Span::raw(format!(" {text}")),
            ])
        })
        .collect()
}
