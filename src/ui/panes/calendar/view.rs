//! Drawing the calendar: the day list, the week grid, the date field and the client picker.
//! Nothing here loads data.

use std::ops::Range;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::window::{column_window, list_window, Widths};
use super::{CalendarPane, Hit, Row};
use crate::desk::DirectoryEntry;
use crate::ui::input::Input;
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::{SlotState, Theme};

/// The symbols of every state, for the week view's legend.
pub(super) const LEGEND: &str = "○ free  ● booked  ◌ provisional  ◆ checked in  ✔ attended  ✗ no-show/late cancel  ↻ technical  ? unresolved  – cancelled/withdrawn";

/// A time as "Mon 30 Nov 10:00" in the institution's zone.
pub(super) fn local_short(tz: chrono_tz::Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

pub(super) fn hhmm(tz: chrono_tz::Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// The state's symbol alone ("●"), for compact cells; the legend gives the words.
pub(super) fn symbol(state: SlotState) -> &'static str {
    state.label().split(' ').next().unwrap_or("?")
}

/// The state's symbol, and the booking mark's after it ("●◌"), for compact cells.
pub(super) fn symbols(r: &Row) -> String {
    match r.mark {
        Some(m) => format!("{}{}", symbol(r.state), m.symbol()),
        None => symbol(r.state).to_string(),
    }
}

/// The booking mark as a span with its word ("◌ provisional  "), or nothing.
fn mark_span(r: &Row, th: &Theme) -> Span<'static> {
    match r.mark {
        Some(m) => Span::styled(format!("{}  ", m.label()), m.style(th)),
        None => Span::raw(""),
    }
}

/// The first `n` characters of `s`.
pub(super) fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The day list as a frame draws it (see [`CalendarPane::day_list`]).
#[derive(Debug)]
pub(super) struct DayList {
    /// The rows drawn, in order from the top of the list.
    pub rows: Range<usize>,
    /// Their lines (or a line saying there are none).
    pub lines: Vec<Line<'static>>,
    /// The selection's place among the lines.
    pub selected: Option<usize>,
}

/// Relative to the pane area.
fn rel(r: Rect, area: Rect) -> Rect {
    Rect::new(r.x - area.x, r.y - area.y, r.width, r.height)
}

impl CalendarPane {
    pub(super) fn who(&self) -> String {
        match self.consultant {
            Some(id) => match self.staff.get(&id) {
                Some(s) => format!("{} ({})", s.login, s.name),
                None => "one consultant".into(),
            },
            None => "everyone".into(),
        }
    }

    /// Said in the title while newer slots are being loaded.
    pub(super) fn loading_mark(&self) -> &'static str {
        if self.loading.is_some() {
            " · loading…"
        } else {
            ""
        }
    }

    pub(super) fn day_title(&self, d: NaiveDate) -> String {
        let mark = if d == self.today { " (today)" } else { "" };
        format!("{}{mark}", d.format("%a %-d %b %Y"))
    }

    /// One line about the selected slot: when, what, who, where, state, client.
    pub(super) fn detail(&self, th: &Theme) -> Vec<Line<'static>> {
        let Some(r) = self.current() else {
            if self.gridded() && !self.rows.is_empty() {
                let column = self.grid().labels.get(self.cell.col).cloned().unwrap_or_default();
                let at = self.grids.hours.label(self.cell.row);
                return vec![Line::styled(format!("No slot at {at} · {column}."), th.dim)];
            }
            let span = if self.span == super::Span::Week {
                "this week"
            } else {
                "this day"
            };
            return vec![Line::styled(format!("No slots {span} for {}.", self.who()), th.dim)];
        };
        let s = &r.slot;
        let name = self
            .staff
            .get(&s.consultant)
            .map_or(String::new(), |n| format!(" ({})", n.name));
        let hint = match r.state {
            SlotState::Free if s.end() > self.now => "  · book-slot books a client into it",
            SlotState::Free => "  · over",
            SlotState::Unresolved => "  · select opens the client's notes to record the outcome",
            _ if r.appointment.is_some() => "  · select opens the client's notes",
            _ => "",
        };
        let client = r.client.as_ref().map_or(String::new(), |c| format!("  {c}"));
        vec![
            Line::raw(format!(
                "{}–{} · {} · {}{name} · {}",
                local_short(self.tz, s.start),
                hhmm(self.tz, s.end()),
                s.appointment_type,
                r.login,
                s.location
            )),
            Line::from(vec![
                Span::styled(r.state.label(), r.state.style(th)),
                Span::raw(if r.mark.is_some() { " · " } else { "" }),
                mark_span(r, th),
                Span::raw(client),
                Span::styled(hint, th.dim),
            ]),
        ]
    }

    /// One row of the day list: time, consultant, type, location, state, client.
    pub(super) fn day_line(&self, r: &Row, widths: Widths, th: &Theme) -> Line<'static> {
        let Widths {
            login: lw,
            kind: tw,
            place: pw,
        } = widths;
        let s = &r.slot;
        Line::from(vec![
            Span::raw(format!(
                "{}–{}  {:<lw$}  {:<tw$}  {:<pw$}  ",
                hhmm(self.tz, s.start),
                hhmm(self.tz, s.end()),
                r.login,
                s.appointment_type,
                s.location
            )),
            Span::styled(format!("{:<14}", r.state.label()), r.state.style(th)),
            mark_span(r, th),
            Span::raw(r.client.clone().unwrap_or_default()),
        ])
    }

    /// The day list as a list `height` rows tall inside its border shows it: the lines of the
    /// rows that fit around the selection and no others (or what to say when there are none).
    pub(super) fn day_list(&self, height: usize, th: &Theme) -> DayList {
        let rows = list_window(self.selected, self.rows.len(), height);
        let lines = if self.rows.is_empty() && self.loading.is_some() {
            vec![Line::styled("Loading the slots…", th.dim)]
        } else if self.rows.is_empty() {
            vec![Line::styled(
                format!("No slots on this day for {}.", self.who()),
                th.dim,
            )]
        } else {
            let widths = self.index.widths;
            self.rows[rows.clone()]
                .iter()
                .map(|r| self.day_line(r, widths, th))
                .collect()
        };
        let selected = (!rows.is_empty()).then(|| self.selected.min(rows.end - 1) - rows.start);
        DayList { rows, lines, selected }
    }

    /// The events on `day` as band lines, at most `max` (the last saying how many more).
    pub(super) fn event_lines(&self, day: NaiveDate, max: usize, th: &Theme) -> Vec<Line<'static>> {
        let on: Vec<_> = self.events.iter().filter(|e| e.day == day).collect();
        let cap = if on.len() > max {
            max.saturating_sub(1)
        } else {
            on.len()
        };
        let mut lines: Vec<Line<'static>> = on[..cap].iter().map(|e| Line::styled(e.band(), th.warn)).collect();
        if on.len() > cap {
            lines.push(Line::styled(
                format!("★ +{} more event(s) this day", on.len() - cap),
                th.warn,
            ));
        }
        lines
    }

    pub(super) fn render_day(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        // Events on the day, above the slots: drawn only when there are some.
        let bands = self.event_lines(self.date, 3, th);
        let [band_area, list_area, detail_area] = Layout::vertical([
            Constraint::Length(bands.len() as u16),
            Constraint::Fill(1),
            Constraint::Length(4),
        ])
        .areas(area);
        if !bands.is_empty() {
            frame.render_widget(Paragraph::new(bands), band_area);
        }
        let title = format!(
            "Calendar · {} · {} · day view{}",
            self.day_title(self.date),
            self.who(),
            self.loading_mark()
        );
        // Inside the border; the list scrolls just enough to show the selection.
        let visible = list_area.height.saturating_sub(2) as usize;
        self.page = visible.max(1);
        let DayList { rows, lines, selected } = self.day_list(visible, th);
        list(
            frame,
            list_area,
            lines,
            selected,
            block(&title, th, matches!(self.mode, super::Mode::Browse)),
            th,
        );
        for (k, i) in rows.enumerate() {
            let r = Rect::new(list_area.x, list_area.y + 1 + k as u16, list_area.width, 1);
            self.hits.push((r, Hit::Slot(i)));
        }
        self.fix_hits(area);
        let detail = Paragraph::new(self.detail(th)).block(block("Selected slot", th, false));
        frame.render_widget(detail, detail_area);
    }

    /// Makes the hit rectangles recorded in frame coordinates relative to the pane area.
    pub(super) fn fix_hits(&mut self, area: Rect) {
        for (r, _) in &mut self.hits {
            *r = rel(*r, area);
        }
    }

    /// A compact cell: "10:00 ● cons1", squeezed to "10:00●cons1" or "1000●cons1" when narrow.
    fn cell(&self, r: &Row, width: usize) -> String {
        let t = hhmm(self.tz, r.slot.start);
        let sym = symbols(r);
        let tries = [
            format!("{t} {sym} {}", r.login),
            format!("{t}{sym}{}", r.login),
            format!("{}{sym}{}", t.replace(':', ""), r.login),
        ];
        match tries.iter().find(|c| c.chars().count() <= width) {
            Some(c) => c.clone(),
            None => cut(&tries[2], width),
        }
    }

    /// One day's column of the week grid, `height` rows tall and `width` wide for its cells:
    /// the cells that fit around the selection, then "+N more" when not all do, and the row
    /// of each cell drawn (its line in the column is its place in the list).
    pub(super) fn week_column(
        &self,
        day: NaiveDate,
        height: usize,
        width: usize,
        th: &Theme,
    ) -> (Vec<Line<'static>>, Vec<usize>) {
        let on_day = self.index.on(day);
        let at = on_day.binary_search(&self.selected).ok();
        let window = column_window(at, on_day.len(), height);
        let drawn = on_day[window.shown].to_vec();
        let mut lines: Vec<Line<'static>> = drawn
            .iter()
            .map(|&ix| {
                let r = &self.rows[ix];
                let selected = ix == self.selected;
                let text = format!("{}{}", if selected { ">" } else { " " }, self.cell(r, width));
                Line::styled(text, if selected { th.selected } else { r.state.style(th) })
            })
            .collect();
        if window.more > 0 {
            lines.push(Line::styled(format!(" +{} more", window.more), th.dim));
        }
        (lines, drawn)
    }

    pub(super) fn render_week(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let monday = Self::monday(self.date);
        let title = format!(
            "Calendar · week of {} · {} · week view{}",
            monday.format("%a %-d %b %Y"),
            self.who(),
            self.loading_mark()
        );
        let outer = block(&title, th, matches!(self.mode, super::Mode::Browse));
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let has_events = !self.events.is_empty();
        let [head, band, cells, legend, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(has_events)),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(inner);
        let cols = Layout::horizontal([Constraint::Ratio(1, 7); 7]).split(cells);
        let heads = Layout::horizontal([Constraint::Ratio(1, 7); 7]).split(head);
        if has_events {
            // Each day's first event, and how many more, in a row under the day names.
            let bands = Layout::horizontal([Constraint::Ratio(1, 7); 7]).split(band);
            for (i, b) in bands.iter().enumerate() {
                let day = monday + Duration::days(i as i64);
                let on: Vec<_> = self.events.iter().filter(|e| e.day == day).collect();
                let Some(first) = on.first() else { continue };
                let more = if on.len() > 1 {
                    format!(" +{}", on.len() - 1)
                } else {
                    String::new()
                };
                let width = (b.width as usize).saturating_sub(1 + more.chars().count());
                let text = format!(" {}{more}", cut(&first.short(), width));
                frame.render_widget(Paragraph::new(Line::styled(text, th.warn)), *b);
            }
        }
        let visible = cells.height as usize;
        self.page = visible.max(1);
        for (i, (col, hd)) in cols.iter().zip(heads.iter()).enumerate() {
            let day = monday + Duration::days(i as i64);
            let label = day.format("%a %-d").to_string();
            let label = if day == self.today {
                format!("[{label}]")
            } else {
                format!(" {label}")
            };
            frame.render_widget(Paragraph::new(Line::styled(label, th.title)), *hd);
            let width = (col.width as usize).saturating_sub(1);
            let (lines, drawn) = self.week_column(day, visible, width, th);
            for (k, ix) in drawn.into_iter().enumerate() {
                let y = col.y + k as u16;
                self.hits.push((Rect::new(col.x, y, col.width, 1), Hit::Slot(ix)));
            }
            frame.render_widget(Paragraph::new(lines), *col);
        }
        self.fix_hits(area);
        frame.render_widget(Paragraph::new(Line::styled(LEGEND, th.dim)), legend);
        frame.render_widget(Paragraph::new(self.detail(th)), detail);
    }
}

/// A box of `width` x `height` centred in `area`.
fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// The one-line date field.
pub(super) fn render_goto(frame: &mut Frame<'_>, area: Rect, input: &Input, th: &Theme) {
    let r = popup(area, 64, 4);
    frame.render_widget(Clear, r);
    let text = vec![
        input.line("Date", true, th),
        Line::styled(
            "YYYY-MM-DD, DD/MM/YYYY, today, tomorrow, +N · enter jumps · esc closes",
            th.dim,
        ),
    ];
    frame.render_widget(Paragraph::new(text).block(block("Go to date", th, true)), r);
}

/// The client picker over the calendar; returns where each match was drawn (pane-relative).
pub(super) fn render_pick(
    frame: &mut Frame<'_>,
    area: Rect,
    what: &str,
    search: &Input,
    matches: &[DirectoryEntry],
    selected: usize,
    th: &Theme,
) -> Vec<(Rect, usize)> {
    let r = popup(area, 76, 16);
    frame.render_widget(Clear, r);
    let outer = block(&format!("{what}: choose the client"), th, true);
    let inner = outer.inner(r);
    frame.render_widget(outer, r);
    let [field, hint, rows] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(search.line("Client", true, th)), field);
    let help = if search.value().trim().is_empty() {
        "type part of a name, a student number or an e-mail"
    } else if matches.is_empty() {
        "no client matches"
    } else {
        "↑/↓ choose · enter books · esc closes"
    };
    frame.render_widget(Paragraph::new(Line::styled(help, th.dim)), hint);
    let visible = rows.height as usize;
    let offset = (selected + 1).saturating_sub(visible);
    let mut lines = Vec::new();
    let mut hits = Vec::new();
    for (k, e) in matches.iter().enumerate().skip(offset).take(visible) {
        let mark = if k == selected { "> " } else { "  " };
        let text = format!("{mark}{}  {}  {}", e.name, e.student_number, e.programme);
        lines.push(Line::styled(text, if k == selected { th.selected } else { th.text }));
        hits.push((
            rel(Rect::new(rows.x, rows.y + (k - offset) as u16, rows.width, 1), area),
            k,
        ));
    }
    frame.render_widget(Paragraph::new(lines), rows);
    hits
}
