//! Drawing the clients pane: the search box and its matches, the booking steps' lists, and the
//! selected client's card. Nothing here loads data.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{ClientsPane, Mode, Section};
use crate::domain::appointment::Appointment;
use crate::domain::client::FlagKind;
use crate::domain::policy::AppointmentTypeId;
use crate::domain::rules::Decision;
use crate::ui::pane::Pane;
use crate::ui::panes::widgets::{block, list, local};
use crate::ui::theme::{BookingMark, SlotState, Theme};

impl ClientsPane {
    /// Draws the search and the matches, and beside them the card or the booking step on show.
    pub(super) fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let [left, right] = Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
        let [search_area, list_area] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(left);
        let search = Paragraph::new(self.search.line("Find", self.typing(), th)).block(block(
            "Client lookup: name, student number or e-mail",
            th,
            self.typing(),
        ));
        frame.render_widget(search, search_area);
        self.list_area = Rect::new(0, list_area.y - area.y, list_area.width, list_area.height);
        let rows: Vec<Line<'static>> = self
            .matches
            .iter()
            .map(|e| Line::from(format!("{}  {}  {}", e.name, e.student_number, e.programme)))
            .collect();
        let title = if !self.index.is_ready() {
            "Loading the client directory…".to_string()
        } else if self.search.value().is_empty() {
            "Matches (start typing)".to_string()
        } else if self.waiting.is_some() {
            format!("Matches: {} (searching…)", self.matches.len())
        } else {
            format!("Matches: {}", self.matches.len())
        };
        list(
            frame,
            list_area,
            rows,
            (!self.matches.is_empty()).then_some(self.selected),
            block(&title, th, !self.typing() && matches!(self.mode, Mode::Browse)),
            th,
        );
        match &self.mode {
            Mode::Browse | Mode::Section { .. } => self.render_card(frame, right, th),
            Mode::Record(form) => form.render(frame, right, th),
            Mode::Attachment { name, lines, scroll } => {
                let shown: Vec<Line<'static>> = lines.iter().skip(*scroll).map(|l| Line::raw(l.clone())).collect();
                frame.render_widget(
                    Paragraph::new(shown).block(block(
                        &format!("Attachment {name} (read logged) · ↑/↓ scroll · esc closes"),
                        th,
                        true,
                    )),
                    right,
                );
            }
            Mode::BookType { selected } => {
                let rows = self
                    .card
                    .as_ref()
                    .map(|c| {
                        c.eligibility
                            .iter()
                            .map(|(id, name, d)| eligibility_line(id, name, d, th))
                            .collect()
                    })
                    .unwrap_or_default();
                list(
                    frame,
                    right,
                    rows,
                    Some(*selected),
                    block("Book: choose a type (enter), esc to go back", th, true),
                    th,
                );
            }
            Mode::FindingSlots { type_id } => {
                let text = Paragraph::new(Line::styled(format!("Looking up free {type_id} slots…"), th.dim))
                    .block(block("Book: free slots in the next 4 weeks", th, true));
                frame.render_widget(text, right);
            }
            Mode::BookSlot {
                type_id,
                slots,
                selected,
                who,
            } => {
                let rows = slots
                    .iter()
                    .map(|s| {
                        let with = who.get(&s.consultant).map_or("?", String::as_str);
                        Line::from(format!(
                            "{}  {} min  {with}  {}",
                            local(self.tz, s.start),
                            s.minutes,
                            s.location
                        ))
                    })
                    .collect();
                list(
                    frame,
                    right,
                    rows,
                    Some(*selected),
                    block(&format!("Book {type_id}: choose a free slot (enter)"), th, true),
                    th,
                );
            }
            Mode::Cancel { bookings, selected } => {
                let rows = bookings
                    .iter()
                    .map(|a| {
                        Line::from(format!(
                            "{}  {}  {}",
                            local(self.tz, a.start),
                            a.appointment_type,
                            a.location
                        ))
                    })
                    .collect();
                list(
                    frame,
                    right,
                    rows,
                    Some(*selected),
                    block("Cancel which booking? (enter)", th, true),
                    th,
                );
            }
            Mode::Form(form) => form.render(frame, right, th),
            Mode::Erase { step, reason, confirm } => {
                let who = self.card.as_ref().map_or_else(String::new, |c| {
                    format!("{} ({})", c.client.name, c.client.student_number)
                });
                let lines = vec![
                    Line::raw(format!("Erase {who} for good (DATA-05).")),
                    Line::raw("Their records, notes and bookings go; de-identified counts stay."),
                    Line::raw(""),
                    reason.line(
                        "Reason (kept; write why, not who)",
                        *step == super::EraseStep::Reason,
                        th,
                    ),
                    confirm.line("Type the student number again", *step == super::EraseStep::Confirm, th),
                    Line::styled("enter goes on · esc cancels", th.dim),
                ];
                frame.render_widget(
                    ratatui::widgets::Paragraph::new(lines)
                        .wrap(ratatui::widgets::Wrap { trim: false })
                        .block(block("Erase client", th, true)),
                    right,
                );
            }
        }
    }

    fn render_card(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let Some(card) = &self.card else {
            let help = Paragraph::new(vec![
                Line::raw(""),
                Line::styled(
                    "Type two or three letters of a name, a student number, or an e-mail;",
                    th.dim,
                ),
                Line::styled("↑/↓ choose, enter opens the client's card.", th.dim),
            ])
            .block(block("Client", th, false));
            frame.render_widget(help, area);
            return;
        };
        let v = &card.view;
        let hidden = || "(hidden for your role)".to_string();
        // Records written before text had limits may hold anything: a few lines' worth is shown.
        let short = |s: &str| crate::domain::text::shorten(s, crate::domain::limits::SCHOOL).into_owned();
        let mut lines = vec![
            Line::from(vec![
                Span::styled(short(&v.name), th.title),
                Span::raw(format!("  {}", v.student_number)),
            ]),
            Line::raw(format!(
                "{} · {} · {} · {}",
                short(&v.programme),
                v.school.as_deref().map_or_else(|| "-".into(), short),
                v.level.code(),
                v.status.code()
            )),
            Line::raw(format!(
                "E-mail: {}   Phone: {}   Contact by: {}",
                v.email.clone().unwrap_or_else(hidden),
                if v.email.is_some() {
                    v.phone.clone().unwrap_or_else(|| "-".into())
                } else {
                    hidden()
                },
                v.contact
            )),
        ];
        for f in &card.client.flags {
            let what = match f.kind {
                FlagKind::WellbeingConcern => "⚑ wellbeing concern",
                FlagKind::NoShowConcern => "⚑ no-show concern",
                FlagKind::BlockProposed => "⚑ block proposed",
            };
            lines.push(Line::styled(format!("{what}: {}", short(f.shown_reason())), th.warn));
        }
        if let Some(n) = card.concerns.filter(|n| *n > 0) {
            lines.push(Line::styled(
                format!("⚑ wellbeing concern open ({n}): `wellbeing show` lists them and their referrals"),
                th.warn,
            ));
        }
        if let Some(s) = &v.suspended {
            lines.push(Line::styled(format!("⛔ suspended: {}", short(s)), th.bad));
        }
        if let Some(d) = v.blocked_until {
            lines.push(Line::styled(format!("⛔ blocked from booking until {d}"), th.bad));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled("May book", th.title));
        for (id, name, d) in &card.eligibility {
            lines.push(eligibility_line(id, name, d, th));
        }
        lines.push(Line::raw(""));
        let now = self.now;
        let upcoming: Vec<&Appointment> = card
            .appointments
            .iter()
            .filter(|a| a.outcome().is_none() && a.end() > now)
            .collect();
        lines.push(Line::styled(format!("Upcoming ({})", upcoming.len()), th.title));
        for a in upcoming.iter().take(5) {
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "  {}  {}  {}",
                    local(self.tz, a.start),
                    a.appointment_type,
                    a.location
                )),
                mark_span(a, th),
            ]));
        }
        lines.push(Line::styled(
            format!(
                "Past (latest of {}) · {} note(s)",
                card.appointments.len() - upcoming.len(),
                card.notes
            ),
            th.title,
        ));
        for a in card
            .appointments
            .iter()
            .rev()
            .filter(|a| !(a.outcome().is_none() && a.end() > now))
            .take(5)
        {
            let state = match a.outcome() {
                Some(o) => SlotState::Settled(o),
                None => SlotState::Unresolved,
            };
            let waived = if a.waiver.is_some() { " (waived)" } else { "" };
            lines.push(Line::from(vec![
                Span::raw(format!("  {}  {:<14} ", local(self.tz, a.start), a.appointment_type)),
                Span::styled(format!("{}{waived}", state.label()), state.style(th)),
                mark_span(a, th),
            ]));
        }
        // A short screen keeps its height for the card until `s` asks for the sections.
        let section_height = match (area.height >= 36, matches!(self.mode, Mode::Section { .. })) {
            (true, _) => 9,
            (false, true) => area.height / 2,
            (false, false) => 0,
        };
        let [top, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(section_height)]).areas(area);
        let browsing = !self.searching && matches!(self.mode, Mode::Browse);
        frame.render_widget(
            Paragraph::new(lines)
                .block(block("Client", th, browsing))
                .wrap(Wrap { trim: false }),
            top,
        );
        if section_height > 0 {
            self.render_section(frame, bottom, th);
        }
    }

    /// The section on show: its tabs in the title, its rows (or the service's refusal).
    fn render_section(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let tabs: Vec<String> = Section::ALL
            .iter()
            .map(|s| {
                if *s == self.section {
                    format!("[{}]", s.title())
                } else {
                    s.title().to_string()
                }
            })
            .collect();
        let title = match self.resolving {
            Some(_) if self.section == Section::Enquiries && matches!(self.mode, Mode::Section { .. }) => {
                "Resolve this enquiry? enter resolves it, esc keeps it open".to_string()
            }
            _ if self.section == Section::Enquiries => format!("{} · s next · enter resolves", tabs.join(" ")),
            _ => format!("{} · s next", tabs.join(" ")),
        };
        let (rows, selected) = match &self.sections {
            None => (vec![Line::styled("loading…", th.dim)], None),
            Some(s) => {
                let selected = match self.mode {
                    Mode::Section { selected } if s.rows(self.section) > 0 => Some(selected),
                    _ => None,
                };
                (s.lines(self.section, self.tz, th), selected)
            }
        };
        let focused = matches!(self.mode, Mode::Section { .. });
        list(frame, area, rows, selected, block(&title, th, focused), th);
    }
}

/// "  ◌ provisional" after a booking the sync server has yet to decide (or gave away).
fn mark_span(a: &Appointment, th: &Theme) -> Span<'static> {
    match BookingMark::of_booking(a) {
        Some(m) => Span::styled(format!("  {}", m.label()), m.style(th)),
        None => Span::raw(""),
    }
}

fn eligibility_line(_id: &AppointmentTypeId, name: &str, d: &Decision, th: &Theme) -> Line<'static> {
    if d.is_allowed() {
        Line::from(vec![Span::styled("✓ may book ", th.good), Span::raw(name.to_string())])
    } else {
        Line::from(vec![
            Span::styled("✗ not now  ", th.bad),
            Span::raw(format!("{name}: ")),
            Span::styled(d.explain().replace('\n', "; "), th.dim),
        ])
    }
}
