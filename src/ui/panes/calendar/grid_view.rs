//! Drawing the grids: the day with a column per consultant or room, the week with a column per
//! day, a row per half hour and the events as bands across them at their times. A frame draws
//! the columns that fit around the selected one and the rows that fit around its row, looking
//! each cell up in the grid the load worked out.

use chrono::{Duration, NaiveDate};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::grid::{column_fit, Cell, Hours};
use super::month::{is_booked, is_free};
use super::overlay::EventRow;
use super::view::{cut, symbols, LEGEND};
use super::window::list_window;
use super::{CalendarPane, Columns, Hit, Row, Span as Days};
use crate::ui::panes::widgets::block;
use crate::ui::theme::Theme;

/// The width of the time labels at the left of a grid ("09:30 ").
const LABEL: u16 = 6;

/// The narrowest column of the day grid.
const MIN_COLUMN: u16 = 16;

/// A line of a grid, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GridLine {
    /// An event's band (by index into the events), above the half hour it starts in.
    Band(usize),
    /// A half hour's row of cells.
    Slots(usize),
}

/// The lines of a grid over `hours`: each half hour's cells, preceded by the bands of the
/// events (index, event) starting in it.
pub(super) fn grid_lines<'a>(hours: Hours, events: impl Iterator<Item = (usize, &'a EventRow)>) -> Vec<GridLine> {
    let mut starts: Vec<(usize, usize)> = events.map(|(i, e)| (hours.row_of(e.start), i)).collect();
    starts.sort();
    let mut lines = Vec::with_capacity(hours.rows + starts.len());
    let mut next = starts.into_iter().peekable();
    for row in 0..hours.rows {
        while let Some((_, i)) = next.next_if(|(r, _)| *r == row) {
            lines.push(GridLine::Band(i));
        }
        lines.push(GridLine::Slots(row));
    }
    lines
}

/// `text` cut or padded to exactly `width` characters.
fn fit(text: &str, width: usize) -> String {
    format!("{:<width$}", cut(text, width))
}

/// "○3 ●2": how many of the slots are free and booked.
fn counts(rows: &[&Row]) -> String {
    let free = rows.iter().filter(|r| is_free(&r.slot)).count();
    let booked = rows.iter().filter(|r| is_booked(&r.slot)).count();
    format!("○{free} ●{booked}")
}

impl CalendarPane {
    /// A day grid cell's text and style: the slot's state word, or its booked client (with the
    /// consultant when the columns are rooms), or the counts of several slots.
    fn day_cell(&self, rows: &[&Row], th: &Theme) -> (String, Style) {
        match rows {
            [] => ("·".into(), th.dim),
            [r] => {
                let what = match (&r.client, r.mark) {
                    (Some(c), _) => format!("{} {c}", symbols(r)),
                    (None, Some(m)) => format!("{} {}", r.state.label(), m.label()),
                    (None, None) => r.state.label().to_string(),
                };
                let text = match self.columns {
                    Columns::Consultants => what,
                    Columns::Rooms => format!("{what} · {}", r.login),
                };
                (text, r.state.style(th))
            }
            many => (counts(many), th.text),
        }
    }

    /// A week grid cell's text and style: the slot's symbol and consultant, or the counts.
    fn week_cell(&self, rows: &[&Row], th: &Theme) -> (String, Style) {
        match rows {
            [] => ("·".into(), th.dim),
            [r] => (format!("{} {}", symbols(r), r.login), r.state.style(th)),
            many => (counts(many), th.text),
        }
    }

    /// The day as a grid: a column per consultant (or room), a row per half hour.
    pub(super) fn render_day_grid(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let by = match self.columns {
            Columns::Consultants => "by consultant",
            Columns::Rooms => "by room",
        };
        let title = format!(
            "Calendar · {} · {} · day grid {by}{}",
            self.day_title(self.date),
            self.who(),
            self.loading_mark()
        );
        self.render_grid(frame, area, th, &title);
    }

    /// The week as a grid: a column per day, a row per half hour.
    pub(super) fn render_week_grid(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let title = format!(
            "Calendar · week of {} · {} · week grid{}",
            Self::monday(self.date).format("%a %-d %b %Y"),
            self.who(),
            self.loading_mark()
        );
        self.render_grid(frame, area, th, &title);
    }

    /// The day (or week) of a grid column.
    fn column_day(&self, col: usize) -> NaiveDate {
        match self.span {
            Days::Week => Self::monday(self.date) + Duration::days(col as i64),
            _ => self.date,
        }
    }

    fn render_grid(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme, title: &str) {
        let outer = block(title, th, matches!(self.mode, super::Mode::Browse));
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let [head, body, legend, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(inner);
        let week = self.span == Days::Week;
        let avail = inner.width.saturating_sub(LABEL);
        let columns = self.grid().columns();
        let (shown, each) = if week {
            (0..columns, avail / 7)
        } else {
            column_fit(self.cell.col, columns, avail, MIN_COLUMN)
        };
        let w = each as usize;
        // The column headings.
        let mut heads = vec![Span::raw(" ".repeat(LABEL as usize))];
        for col in shown.clone() {
            let label = self.grid().labels.get(col).cloned().unwrap_or_default();
            let label = if week && self.column_day(col) == self.today {
                format!("[{label}]")
            } else {
                format!(" {label}")
            };
            heads.push(Span::styled(fit(&label, w), th.title));
        }
        if !week && shown.len() < columns {
            heads.push(Span::styled(
                format!(" {}-{} of {}", shown.start + 1, shown.end, columns),
                th.dim,
            ));
        }
        frame.render_widget(Paragraph::new(Line::from(heads)), head);
        // The lines that fit around the selected half hour.
        let events: Vec<(usize, &EventRow)> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                if week {
                    shown.clone().any(|c| self.column_day(c) == e.day)
                } else {
                    e.day == self.date
                }
            })
            .collect();
        let lines = grid_lines(self.grids.hours, events.into_iter());
        let at = lines
            .iter()
            .position(|l| *l == GridLine::Slots(self.cell.row))
            .unwrap_or(0);
        let height = body.height as usize;
        self.page = height.max(1);
        let window = list_window(at, lines.len(), height);
        let mut drawn = Vec::with_capacity(window.len());
        for (k, line) in lines[window].iter().enumerate() {
            let y = body.y + k as u16;
            drawn.push(match *line {
                GridLine::Band(i) => self.band_line(i, week, shown.clone(), w, th),
                GridLine::Slots(row) => {
                    let mut spans = vec![Span::styled(format!("{:<6}", self.grids.hours.label(row)), th.dim)];
                    for (n, col) in shown.clone().enumerate() {
                        let cell = Cell { col, row };
                        let rows: Vec<&Row> = self
                            .grid()
                            .cell(cell)
                            .iter()
                            .filter_map(|&i| self.rows.get(i))
                            .collect();
                        let (text, style) = if week {
                            self.week_cell(&rows, th)
                        } else {
                            self.day_cell(&rows, th)
                        };
                        let selected = cell == self.cell;
                        let mark = if selected { ">" } else { " " };
                        let style = if selected { th.selected } else { style };
                        spans.push(Span::styled(fit(&format!("{mark}{text}"), w), style));
                        let x = body.x + LABEL + n as u16 * each;
                        self.hits.push((Rect::new(x, y, each, 1), Hit::Cell(cell)));
                    }
                    Line::from(spans)
                }
            });
        }
        frame.render_widget(Paragraph::new(drawn), body);
        self.fix_hits(area);
        let keys = if week {
            "arrows move · enter opens · v list · [ ] week"
        } else {
            "arrows move · enter opens · v list · r rooms/consultants · [ ] day"
        };
        let legend_text = format!("{LEGEND} · ○N ●N free/booked · {keys}");
        frame.render_widget(Paragraph::new(Line::styled(legend_text, th.dim)), legend);
        frame.render_widget(Paragraph::new(self.detail(th)), detail);
    }

    /// An event's band: across the whole day grid, or in its day's column of the week grid.
    fn band_line(&self, i: usize, week: bool, shown: std::ops::Range<usize>, w: usize, th: &Theme) -> Line<'static> {
        let Some(e) = self.events.get(i) else {
            return Line::raw("");
        };
        if !week {
            return Line::styled(format!("{:<6}{}", "", e.band()), th.warn);
        }
        let mut spans = vec![Span::raw(" ".repeat(LABEL as usize))];
        for col in shown {
            let text = if self.column_day(col) == e.day {
                fit(&format!(" {}", e.short()), w)
            } else {
                " ".repeat(w)
            };
            spans.push(Span::styled(text, th.warn));
        }
        Line::from(spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_band_comes_just_above_the_half_hour_it_starts_in() {
        use crate::domain::event::Event;
        use crate::domain::ids::{EventId, OperatorId};
        use chrono::{TimeZone, Utc};
        let event = |h: u32, m: u32| Event {
            id: EventId(1),
            title: "Fair".into(),
            organiser: OperatorId(1),
            employers: Vec::new(),
            sector: "law".into(),
            audience_schools: Vec::new(),
            target_programmes: Vec::new(),
            start: Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 11, 30, h + 1, m, 0).unwrap(),
            location: "Hall".into(),
            capacity: 0,
            consultations: Vec::new(),
        };
        let tz = chrono_tz::Europe::London;
        let events = [
            EventRow::of(event(10, 15), None, tz),
            EventRow::of(event(9, 0), None, tz),
        ];
        let hours = Hours::default();
        let lines = grid_lines(hours, events.iter().enumerate());
        assert_eq!(lines.len(), hours.rows + 2);
        assert_eq!(
            &lines[..5],
            &[
                GridLine::Band(1),
                GridLine::Slots(0),
                GridLine::Slots(1),
                GridLine::Band(0),
                GridLine::Slots(2),
            ]
        );
    }

    #[test]
    fn a_cell_text_is_cut_or_padded_to_its_width() {
        assert_eq!(fit("○ free", 8), "○ free  ");
        assert_eq!(fit("● Ada One (10000001)", 8), "● Ada On");
    }
}
