//! Drawing the conflicts pane: one row per conflict cut to the pane's width, the selected one
//! in full below with, for a booking that needs rebooking, the free slots to move it into;
//! and the question before a cancellation or the reason before a dismissal. Nothing here
//! reads the store.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{ConflictRow, ConflictsPane, Mode, Rebooking};
use crate::desk::Settling;
use crate::ui::panes::widgets::{block, list, local};
use crate::ui::theme::{BookingMark, Theme};

/// The state column of a row that is another desk's change: symbol and word.
const NOT_MERGED: &str = "✗ not merged";
/// The state column of a change made here that the sync server refused.
const REFUSED: &str = "✗ refused";

/// Width of the state column.
const STATE_W: usize = 18;
/// Width of the kind column.
const KIND_W: usize = 13;
/// Width of the "when" column ("Fri 11 Dec 10:00").
const WHEN_W: usize = 17;

/// `text` cut to `width` characters, ending in "…" when cut.
pub(super) fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    out
}

/// A time as "Fri 11 Dec 10:00" in the institution's zone.
fn short(tz: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

impl ConflictsPane {
    /// One row of the list, `width` characters at most: state, kind, when, what.
    pub(super) fn row_line(&self, r: &ConflictRow, width: usize, th: &Theme) -> Line<'static> {
        let (state, style) = match r.rebooking {
            Some(_) => (
                BookingMark::NeedsRebooking.label(),
                BookingMark::NeedsRebooking.style(th),
            ),
            None if r.view.settle == Settling::Dismiss => (REFUSED, th.bad),
            None => (NOT_MERGED, th.bad),
        };
        let head = format!(
            "{:<KIND_W$}{:<WHEN_W$}",
            fit(r.view.kind, KIND_W - 1),
            short(self.tz, r.view.at)
        );
        let rest = width.saturating_sub(STATE_W + head.chars().count());
        Line::from(vec![
            Span::styled(format!("{state:<STATE_W$}"), style),
            Span::raw(head),
            Span::raw(fit(&r.view.what, rest)),
        ])
    }

    /// The selected conflict in full, and a booking's free slots.
    fn detail(&self, th: &Theme) -> Vec<Line<'static>> {
        let Some(r) = self.current() else {
            return vec![Line::styled("Nothing selected.", th.dim)];
        };
        let mut lines = vec![Line::raw(r.view.what.clone())];
        match &r.rebooking {
            None if r.view.settle == Settling::Dismiss => lines.push(Line::styled(
                format!(
                    "Made on this desk (change {}), refused {}. Once it is done again, d dismisses it with a reason.",
                    r.view.seq,
                    local(self.tz, r.view.at)
                ),
                th.dim,
            )),
            None => lines.push(Line::styled(
                format!(
                    "From desk {} (change {}), put aside {}.",
                    fit(&r.view.device, 12),
                    r.view.seq,
                    local(self.tz, r.view.at)
                ),
                th.dim,
            )),
            Some(b) => lines.extend(self.offer_lines(b, th)),
        }
        lines
    }

    /// The free slots offered to a booking, the chosen one marked while choosing.
    fn offer_lines(&self, b: &Rebooking, th: &Theme) -> Vec<Line<'static>> {
        let a = &b.appointment;
        let mut lines = vec![Line::from(vec![
            Span::styled(
                BookingMark::NeedsRebooking.label().to_string(),
                BookingMark::NeedsRebooking.style(th),
            ),
            Span::raw(format!(
                "  {}: {} {} at {}",
                b.client,
                a.appointment_type,
                local(self.tz, a.start),
                a.location
            )),
        ])];
        let offers = match &b.offers {
            Err(e) => {
                lines.push(Line::styled(format!("No slots can be offered: {e}"), th.bad));
                return lines;
            }
            Ok(o) if o.is_empty() => {
                lines.push(Line::styled(
                    "No free slot of that type in the coming weeks: find one in the calendar, or cancel (x).",
                    th.warn,
                ));
                return lines;
            }
            Ok(o) => o,
        };
        lines.push(Line::styled(
            if b.offered_then {
                "Free slots to move into (offered when the slot was lost):"
            } else {
                "Free slots to move into (those offered then are taken; the next of the type):"
            },
            th.title,
        ));
        let chosen = match self.mode {
            Mode::Offers { selected } => Some(selected),
            _ => None,
        };
        for (i, o) in offers.iter().enumerate() {
            let s = &o.slot;
            let mark = if chosen == Some(i) { "> " } else { "  " };
            let text = format!(
                "{mark}{}. {}–{} · {} · {} · {}",
                i + 1,
                local(self.tz, s.start),
                s.end().with_timezone(&self.tz).format("%H:%M"),
                s.appointment_type,
                o.consultant,
                s.location
            );
            lines.push(Line::styled(
                text,
                if chosen == Some(i) { th.selected } else { th.text },
            ));
        }
        lines.push(Line::styled(
            if chosen.is_some() {
                "↑/↓ choose · enter moves the booking there · esc back"
            } else {
                "m or enter chooses a slot to move it into · x cancels it"
            },
            th.dim,
        ));
        lines
    }

    /// Draws the pane.
    pub(super) fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let loading = if self.loading { " · loading…" } else { "" };
        match &self.data {
            None => {
                let text = Line::styled("Reading the conflicts queue…", th.dim);
                frame.render_widget(Paragraph::new(text).block(block("Conflicts", th, true)), area);
                return;
            }
            Some(Err(e)) => {
                let text = vec![
                    Line::styled("The conflicts queue cannot be shown", th.title),
                    Line::styled(e.clone(), th.bad),
                ];
                frame.render_widget(
                    Paragraph::new(text)
                        .block(block(&format!("Conflicts{loading}"), th, true))
                        .wrap(Wrap { trim: false }),
                    area,
                );
                return;
            }
            Some(Ok(_)) => {}
        }
        let detail_h = if area.height >= 24 { 12 } else { area.height / 2 };
        let [top, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(detail_h)]).areas(area);
        self.list_area = Rect::new(top.x - area.x, top.y - area.y, top.width, top.height);
        let visible = top.height.saturating_sub(2) as usize;
        self.offset = (self.selected + 1).saturating_sub(visible.max(1));
        // Inside the border and the "> " of the selected row.
        let width = top.width.saturating_sub(4) as usize;
        let title = format!(
            "Conflicts: {} waiting · m rebook-into · x cancel-rebooking · a merge-again · t client-told · d dismiss-refused{loading}",
            self.rows().len()
        );
        if self.rows().is_empty() {
            let text = vec![
                Line::styled("Nothing waits in the conflicts queue.", th.good),
                Line::styled(
                    "Every change from other desks merged, and every booking made here has its slot.",
                    th.dim,
                ),
            ];
            frame.render_widget(Paragraph::new(text).block(block(&title, th, true)), area);
            return;
        }
        let lines: Vec<Line<'static>> = self
            .rows()
            .iter()
            .skip(self.offset)
            .take(visible.max(1))
            .map(|r| self.row_line(r, width, th))
            .collect();
        let selected = Some(self.selected - self.offset);
        list(
            frame,
            top,
            lines,
            selected,
            block(&title, th, self.mode == Mode::Browse),
            th,
        );
        let detail = Paragraph::new(self.detail(th))
            .block(block("Selected", th, matches!(self.mode, Mode::Offers { .. })))
            .wrap(Wrap { trim: false });
        frame.render_widget(detail, bottom);
        match self.mode {
            Mode::Cancel => self.draw_cancel(frame, area, th),
            Mode::Dismiss => self.draw_dismiss(frame, area, th),
            Mode::Browse | Mode::Offers { .. } => {}
        }
    }

    /// The reason asked before a refused change leaves the queue.
    fn draw_dismiss(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let w = 100.min(area.width);
        let h = 7.min(area.height);
        let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
        frame.render_widget(Clear, r);
        let text = vec![
            Line::raw("Dismiss this refused change? It leaves the queue for good, and the audit log keeps why."),
            self.reason.line("Reason", true, th),
            Line::styled(
                "say who did it again, or why it is not needed · enter dismisses · esc keeps it",
                th.dim,
            ),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .block(block("Dismiss refused change", th, true))
                .wrap(Wrap { trim: false }),
            r,
        );
    }

    /// The question before a cancellation.
    fn draw_cancel(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let Some(b) = self.rebooking() else { return };
        let w = 100.min(area.width);
        let h = 7.min(area.height);
        let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
        frame.render_widget(Clear, r);
        let text = vec![
            Line::raw(format!(
                "Cancel the booking of {}, {} {}?",
                b.client,
                b.appointment.appointment_type,
                local(self.tz, b.appointment.start)
            )),
            Line::styled("It holds no slot; the client has no booking for it afterwards.", th.dim),
            Line::styled("enter cancels it · esc keeps it", th.dim),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .block(block("Cancel booking", th, true))
                .wrap(Wrap { trim: false }),
            r,
        );
    }
}
