//! Drawing triage: list rows, the weekly no-show chart (from the report engine; suppressed
//! counts as text, never as a bar) and the outcome and reason pop-ups. Nothing here loads data.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{Action, Mode, Row, TriagePane, OUTCOMES};
use crate::domain::client::FlagKind;
use crate::domain::validate::StudentNumber;
use crate::ui::panes::widgets::{block, local};
use crate::ui::theme::{SlotState, Theme};

impl TriagePane {
    /// One row of the list.
    pub(super) fn line(&self, row: &Row, th: &Theme) -> Line<'static> {
        match row {
            Row::Heading(t) => Line::styled(t.clone(), th.title),
            Row::Nothing => Line::styled("  none", th.dim),
            Row::Unresolved(u) => Line::from(vec![
                Span::raw(if self.marked.contains(&u.booking) {
                    "[x] "
                } else {
                    "[ ] "
                }),
                Span::styled(
                    format!("{} ", SlotState::Unresolved.label()),
                    SlotState::Unresolved.style(th),
                ),
                Span::raw(format!(
                    "{} {} · {} {} {}",
                    StudentNumber::shown(u.student_number.as_ref()),
                    u.name,
                    u.start,
                    u.appointment_type,
                    u.consultant
                )),
            ]),
            Row::Flagged(f) => {
                // A proposed block implies the concern: show the more serious flag.
                let (mark, style) = if f.flags.contains(&FlagKind::BlockProposed) {
                    ("⚑ block proposed", th.bad)
                } else {
                    ("⚑ no-show concern", th.warn)
                };
                Line::from(vec![
                    Span::styled(mark, style),
                    Span::raw(format!(" {} {} · {}", f.student_number, f.name, f.reason)),
                ])
            }
            Row::Missed {
                start,
                appointment_type,
                outcome,
                ..
            } => {
                let s = SlotState::Settled(*outcome);
                Line::from(vec![
                    Span::raw("    "),
                    Span::styled(s.label(), s.style(th)),
                    Span::raw(format!(" {start} {appointment_type} (not waived)")),
                ])
            }
            Row::Waiver(w) => Line::from(vec![
                Span::styled("✓ waived ", th.good),
                Span::raw(format!(
                    "{} {} · {}",
                    local(self.tz, w.at),
                    StudentNumber::shown(w.student_number.as_ref()),
                    w.reason
                )),
            ]),
        }
    }

    /// The weekly no-show chart: the report engine's publishable no-show table (DATA-08), so
    /// a small week is hidden along with whatever would give it away.
    pub(super) fn render_chart(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let b = block("No-shows by week (DATA-08)", th, false);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let Some(p) = &self.chart else {
            frame.render_widget(Paragraph::new(Line::styled("loading…", th.dim)), inner);
            return;
        };
        let column = p.columns().iter().position(|c| c == "no-show");
        let mut lines = vec![Line::styled("w/c    no-shows (of all due)", th.dim)];
        // Weeks by their Monday, short, as the rest of triage writes days.
        let week = |r: &str| {
            chrono::NaiveDate::parse_from_str(r, "%Y-%m-%d")
                .map_or_else(|_| r.to_string(), |d| d.format("%d %b").to_string())
        };
        let bars = super::reports::bar_lines(p, column, week, (inner.width as usize).saturating_sub(9), th);
        for (i, mut line) in bars.into_iter().enumerate() {
            let of = p.row_totals().get(i).map_or_else(String::new, |t| format!(" of {t}"));
            line.spans.push(Span::styled(of, th.dim));
            lines.push(line);
        }
        if p.suppressed() > 0 {
            lines.push(Line::styled(super::reports::suppression_note(p), th.dim));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }

    /// The outcome chooser or the reason field, over the pane.
    pub(super) fn render_mode(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let (title, lines) = match &self.mode {
            Mode::Browse => return,
            Mode::Outcome { label, selected, .. } => {
                let mut lines = vec![Line::styled(format!("How did {label} end?"), th.text)];
                for (i, (o, key)) in OUTCOMES.iter().enumerate() {
                    let s = SlotState::Settled(*o);
                    let mark = if i == *selected { "> " } else { "  " };
                    let style = if i == *selected { th.selected } else { s.style(th) };
                    lines.push(Line::styled(format!("{mark}{key}  {}", s.label()), style));
                }
                lines.push(Line::styled("↑/↓ and enter, or the letter · esc closes", th.dim));
                ("Record outcome", lines)
            }
            Mode::Reason { action, input } => {
                let what = match action {
                    Action::Waive {
                        label,
                        record_first: true,
                        ..
                    } => {
                        format!("Record {label} as a no-show and waive it (APPT-03).")
                    }
                    Action::Waive { label, .. } => format!("Waive the no-show {label} (APPT-03)."),
                    Action::Block { name, student_number } => {
                        format!("Block {name} ({student_number}) from booking for the policy's block length (APPT-04).")
                    }
                    Action::Dismiss { name, student_number } => {
                        format!("Dismiss the proposed block on {name} ({student_number}).")
                    }
                };
                let lines = vec![
                    Line::raw(what),
                    input.line("Reason (required)", true, th),
                    Line::styled("enter confirms · esc cancels", th.dim),
                ];
                ("Reason", lines)
            }
        };
        let h = (lines.len() as u16 + 4).min(area.height);
        let w = 70.min(area.width);
        let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block(title, th, true)),
            r,
        );
    }
}
