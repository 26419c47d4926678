//! Drawing the notes pane: the operator's day or the client's appointments with their notes,
//! and over them the note being read or written, the outcome choice or the re-booking offers.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{Mode, NotesPane, Row, OUTCOMES};
use crate::domain::ids::OperatorId;
use crate::domain::note::Confidentiality;
use crate::ui::panes::widgets::{block, list, local};
use crate::ui::screens::centred;
use crate::ui::theme::{BookingMark, SlotState, Theme};

/// "◌ provisional  " after a booking the sync server has yet to decide (or gave away).
fn mark_span(a: Option<&crate::domain::appointment::Appointment>, th: &Theme) -> Span<'static> {
    match a.and_then(BookingMark::of_booking) {
        Some(m) => Span::styled(format!("{}  ", m.label()), m.style(th)),
        None => Span::raw(""),
    }
}

impl NotesPane {
    /// Draws the list on show and, over it, the step under way.
    pub(super) fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        match &self.client {
            None => {
                frame.render_widget(
                    Paragraph::new(Line::styled(
                        "Your day: enter opens the client and their notes",
                        th.title,
                    )),
                    header,
                );
                let rows = self
                    .today
                    .iter()
                    .map(|line| {
                        let (s, a) = (&line.slot, &line.appointment);
                        let state = match a {
                            None => SlotState::Free,
                            Some(a) => match a.outcome() {
                                Some(o) => SlotState::Settled(o),
                                None if a.end() <= self.now => SlotState::Unresolved,
                                None => SlotState::Booked,
                            },
                        };
                        let client = line
                            .client
                            .as_ref()
                            .map_or(String::new(), |(name, sn)| format!("  {name} ({sn})"));
                        Line::from(vec![
                            Span::raw(format!("{}  {:<14} ", local(self.tz, s.start), s.appointment_type)),
                            Span::styled(format!("{:<14}", state.label()), state.style(th)),
                            mark_span(a.as_ref(), th),
                            Span::raw(client),
                        ])
                    })
                    .collect::<Vec<_>>();
                let empty = rows.is_empty();
                list(
                    frame,
                    body,
                    rows,
                    (!empty).then_some(self.selected),
                    block("Today", th, true),
                    th,
                );
            }
            Some(c) => {
                let hidden = if self.may_read {
                    ""
                } else {
                    "  · note bodies are for consultants and supervisors"
                };
                frame.render_widget(
                    Paragraph::new(Line::from(vec![
                        Span::styled(c.name.clone(), th.title),
                        Span::raw(format!("  {}  {}{hidden}", c.student_number, c.programme)),
                    ])),
                    header,
                );
                let rows = self
                    .rows
                    .iter()
                    .map(|r| match r {
                        Row::Appointment(a) => {
                            let state = match a.outcome() {
                                Some(o) => SlotState::Settled(o),
                                None if a.end() <= self.now => SlotState::Unresolved,
                                None => SlotState::Booked,
                            };
                            Line::from(vec![
                                Span::raw(format!(
                                    "{}  {:<14} {:<18} ",
                                    local(self.tz, a.start),
                                    a.appointment_type,
                                    a.location
                                )),
                                Span::styled(state.label(), state.style(th)),
                                mark_span(Some(a), th),
                            ])
                        }
                        Row::Note(n) => {
                            let label = match n.confidentiality {
                                Confidentiality::Confidential => "confidential",
                                Confidentiality::NotConfidential => "not confidential",
                            };
                            let when = n.at.map(|t| local(self.tz, t)).unwrap_or_default();
                            let body = if self.may_read {
                                "r to read (logged)"
                            } else {
                                "body hidden for your role"
                            };
                            Line::styled(
                                format!(
                                    "    ✎ note · {label} · {} · {when} · {} rev. · {body}",
                                    self.who(n.author),
                                    n.revisions
                                ),
                                th.dim,
                            )
                        }
                    })
                    .collect::<Vec<_>>();
                let empty = rows.is_empty();
                list(
                    frame,
                    body,
                    rows,
                    (!empty).then_some(self.selected),
                    block("Appointments and notes", th, true),
                    th,
                );
            }
        }
        match &mut self.mode {
            Mode::Browse => {}
            Mode::BreakGlass { level, input, .. } => {
                let popup = centred(area, area.width.saturating_sub(8).clamp(20, 90), 7);
                let lines = vec![
                    Line::raw(format!(
                        "This note is {}, above your level. To read it, say why (SEC-04):",
                        level.code()
                    )),
                    Line::styled(
                        "the read and your reason go to the audit log, shown to supervisors.",
                        th.dim,
                    ),
                    Line::raw(""),
                    input.line("Reason", true, th),
                ];
                frame.render_widget(Clear, popup);
                frame.render_widget(
                    Paragraph::new(lines)
                        .block(block("Break-glass read · enter reads · esc cancels", th, true))
                        .wrap(Wrap { trim: false }),
                    popup,
                );
            }
            Mode::Reading(note) => {
                let popup = centred(
                    area,
                    area.width.saturating_sub(8).max(20),
                    area.height.saturating_sub(4).max(6),
                );
                let label = match note.confidentiality {
                    Confidentiality::Confidential => "confidential setting",
                    Confidentiality::NotConfidential => "NOT a confidential setting",
                };
                let cur = note.current();
                let mut lines = vec![Line::styled(
                    format!(
                        "{label} · by {} · {} · revision {} of {}",
                        self.staff
                            .get(&cur.map_or(OperatorId(0), |r| r.by))
                            .map_or("?", |s| s.login.as_str()),
                        cur.map(|r| local(self.tz, r.at)).unwrap_or_default(),
                        note.revisions.len(),
                        note.revisions.len()
                    ),
                    th.dim,
                )];
                lines.push(Line::raw(""));
                for l in cur.map(|r| r.body.as_str()).unwrap_or_default().lines() {
                    lines.push(Line::raw(l.to_string()));
                }
                frame.render_widget(Clear, popup);
                frame.render_widget(
                    Paragraph::new(lines)
                        .block(block("Note (this read is logged) · esc closes", th, true))
                        .wrap(Wrap { trim: false }),
                    popup,
                );
            }
            Mode::Writing {
                editor, appointment, ..
            } => {
                let popup = centred(
                    area,
                    area.width.saturating_sub(6).max(20),
                    area.height.saturating_sub(2).max(6),
                );
                let title = match appointment {
                    Some(a) => format!(
                        "Note for {} {} · ctrl-s saves · esc esc discards",
                        a.appointment_type,
                        local(self.tz, a.start)
                    ),
                    None => "Note (no appointment) · ctrl-s saves · esc esc discards".into(),
                };
                editor.set_block(block(&title, th, true));
                frame.render_widget(Clear, popup);
                frame.render_widget(&**editor, popup);
            }
            Mode::Rebook { offers, selected } => {
                let popup = centred(area, 76, (offers.len() as u16 + 2).min(area.height));
                let rows = offers
                    .iter()
                    .map(|s| {
                        let who = self.staff.get(&s.consultant).map_or("?", |n| n.login.as_str());
                        Line::raw(format!(
                            "{}  {}  {}  {}",
                            local(self.tz, s.start),
                            s.appointment_type,
                            who,
                            s.location
                        ))
                    })
                    .collect();
                frame.render_widget(Clear, popup);
                list(
                    frame,
                    popup,
                    rows,
                    Some(*selected),
                    block("Re-book (APPT-10): enter books, esc skips", th, true),
                    th,
                );
            }
            Mode::Outcome { appointment, selected } => {
                let popup = centred(area, 70, 8);
                let rows = OUTCOMES.iter().map(|(_, d)| Line::raw(d.to_string())).collect();
                frame.render_widget(Clear, popup);
                let title = format!(
                    "Outcome of {} {}",
                    appointment.appointment_type,
                    local(self.tz, appointment.start)
                );
                list(frame, popup, rows, Some(*selected), block(&title, th, true), th);
            }
        }
    }
}
