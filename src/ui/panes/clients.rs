//! Client lookup: type a few letters of a name, a student number or an e-mail; the card shows
//! programme, status, contact details (by role), flags, appointments, and for each appointment
//! type whether the client may book it and, if not, why. Book, cancel, check in, queue.
//!
//! Each search runs as a job on the shared lookup index; only the latest one's matches are
//! shown (a slower earlier search is dropped). Enter pressed before the matches arrive opens
//! the first of them when they do. Free slots are looked up as a job too (a month of slots);
//! a client's card is a handful of records and loads at once.

use chrono::Utc;
use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::desk::{ClientView, DirectoryEntry};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::client::{Client, FlagKind};
use crate::domain::policy::AppointmentTypeId;
use crate::domain::rules::Decision;
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::fuzzy::{ClientIndex, SharedIndex};
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::{block, list, local};
use crate::ui::theme::{SlotState, Theme};

/// How many matches the list shows.
const MATCHES: usize = 200;

/// The selected client's card, loaded when the selection changes.
struct Card {
    client: Client,
    view: ClientView,
    appointments: Vec<Appointment>,
    eligibility: Vec<(AppointmentTypeId, String, Decision)>,
    notes: usize,
}

enum Mode {
    /// Searching and browsing.
    Browse,
    /// Choosing an appointment type to book.
    BookType { selected: usize },
    /// Looking up the free slots of a type.
    FindingSlots { type_id: AppointmentTypeId },
    /// Choosing a free slot of a type.
    BookSlot {
        type_id: AppointmentTypeId,
        slots: Vec<Slot>,
        selected: usize,
    },
    /// Choosing which upcoming booking to cancel.
    Cancel {
        bookings: Vec<Appointment>,
        selected: usize,
    },
}

/// The clients pane.
pub struct ClientsPane {
    index: SharedIndex,
    search: Input,
    searching: bool,
    matches: Vec<DirectoryEntry>,
    /// Numbers the searches; only the latest one's matches are shown.
    latest: Latest,
    /// The search whose matches are awaited.
    waiting: Option<u64>,
    /// Enter was pressed while a search was under way: open the first match when it arrives.
    open_when_found: bool,
    selected: usize,
    card: Option<Card>,
    mode: Mode,
    list_area: Rect,
    tz: chrono_tz::Tz,
    /// The desk's time when the card was loaded (upcoming versus past).
    now: chrono::DateTime<Utc>,
}

impl ClientsPane {
    /// A pane over the client directory.
    pub fn new(desk: &crate::desk::Desk, index: SharedIndex) -> Self {
        Self {
            tz: desk.policy().institution.time_zone,
            now: desk.now(),
            index,
            search: Input::new(),
            searching: true,
            matches: Vec::new(),
            latest: Latest::default(),
            waiting: None,
            open_when_found: false,
            selected: 0,
            card: None,
            mode: Mode::Browse,
            list_area: Rect::default(),
        }
    }

    /// Starts a search for what is typed (once the lookup index is built).
    fn refilter(&mut self, cx: &mut Cx<'_>) {
        let q = self.search.value().trim().to_string();
        let ticket = self.latest.issue();
        self.open_when_found = false;
        if q.is_empty() || !self.index.is_ready() {
            self.matches.clear();
            self.selected = 0;
            self.waiting = None;
            return;
        }
        self.waiting = Some(ticket);
        let (index, latest) = (self.index.clone(), self.latest.clone());
        cx.spawn(PaneId::Clients, "client lookup", move |_| {
            // A search typed over this one makes it pointless: skip it.
            let found = latest.is_current(ticket).then(|| index.search(&q, MATCHES)).flatten();
            PaneDone::ClientMatches(ticket, found)
        });
    }

    fn load_card(&mut self, cx: &mut Cx<'_>) {
        let Some(entry) = self.matches.get(self.selected) else {
            return;
        };
        let id = entry.id;
        let desk = cx.desk;
        let loaded = (|| -> Result<Card, crate::desk::DeskError> {
            let client = desk.client(id)?;
            let appointments = desk.client_appointments(id)?;
            let eligibility = desk
                .eligibility_overview(&client)?
                .into_iter()
                .map(|(ty, d)| {
                    let name = desk
                        .policy()
                        .appointment_type(&ty)
                        .map_or_else(|| ty.to_string(), |t| t.name.clone());
                    (ty, name, d)
                })
                .collect();
            let notes = desk.notes_for(id)?.len();
            Ok(Card {
                view: desk.view_client(&client),
                client,
                appointments,
                eligibility,
                notes,
            })
        })();
        match loaded {
            Ok(card) => {
                self.now = desk.now();
                *cx.client = Some(card.client.id);
                self.card = Some(card);
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    fn reload_card(&mut self, cx: &mut Cx<'_>) {
        if self.card.is_some() {
            self.load_card(cx);
        }
    }

    fn upcoming(&self) -> Vec<Appointment> {
        let now = self.now;
        self.card
            .as_ref()
            .map(|c| {
                c.appointments
                    .iter()
                    .filter(|a| a.outcome().is_none() && a.end() > now)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn choose(&mut self, cx: &mut Cx<'_>) {
        match std::mem::replace(&mut self.mode, Mode::Browse) {
            Mode::Browse => {
                if self.waiting.is_some() {
                    self.open_when_found = true;
                } else if !self.matches.is_empty() {
                    self.searching = false;
                    self.load_card(cx);
                }
            }
            Mode::FindingSlots { type_id } => self.mode = Mode::FindingSlots { type_id },
            Mode::BookType { selected } => {
                let Some(card) = &self.card else { return };
                let Some((type_id, name, decision)) = card.eligibility.get(selected) else {
                    return;
                };
                if !decision.is_allowed() {
                    cx.problem(format!("{name}: {}", decision.explain()));
                    self.mode = Mode::BookType { selected };
                    return;
                }
                let type_id = type_id.clone();
                self.mode = Mode::FindingSlots {
                    type_id: type_id.clone(),
                };
                cx.spawn(PaneId::Clients, "free slots", move |desk| {
                    let slots = desk.free_slots(&type_id, 28, 200).map_err(|e| e.to_string());
                    PaneDone::FreeSlots(type_id, slots)
                });
            }
            Mode::BookSlot {
                type_id,
                slots,
                selected,
            } => {
                let (Some(card), Some(slot)) = (&self.card, slots.get(selected)) else {
                    return;
                };
                match cx.desk.book_slot(&card.client, slot.id, cx.desk.now()) {
                    Ok(a) => {
                        let setting = match cx.desk.policy().location(&a.location) {
                            Some(l) if l.confidential => "confidential setting",
                            _ => "not a confidential setting",
                        };
                        *cx.messages_queued = true;
                        cx.done(format!(
                            "Booked {} {} for {} at {} ({setting}).",
                            type_id,
                            cx.desk.local_time(a.start).format("%a %-d %b %H:%M"),
                            card.client.name,
                            a.location
                        ));
                        self.reload_card(cx);
                    }
                    Err(e) => {
                        cx.problem(e.to_string());
                        self.mode = Mode::BookSlot {
                            type_id,
                            slots,
                            selected,
                        };
                    }
                }
            }
            Mode::Cancel { bookings, selected } => {
                let Some(a) = bookings.get(selected) else { return };
                match cx.desk.cancel(a.id) {
                    Ok(c) => {
                        *cx.messages_queued = true;
                        let how = c.outcome().map_or("cancelled", |o| o.code());
                        cx.done(format!("Booking {} {how}.", c.id));
                        self.reload_card(cx);
                    }
                    Err(e) => cx.problem(e.to_string()),
                }
            }
        }
    }
}

impl Pane for ClientsPane {
    fn id(&self) -> PaneId {
        PaneId::Clients
    }

    fn typing(&self) -> bool {
        self.searching && matches!(self.mode, Mode::Browse)
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.reload_card(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if is_movement(cmd) {
            let page = self.list_area.height.saturating_sub(2) as usize;
            match &mut self.mode {
                Mode::Browse => {
                    self.selected = move_selection(self.selected, self.matches.len(), cmd, page);
                    if !self.searching {
                        self.load_card(cx);
                    }
                }
                Mode::BookType { selected } => {
                    let n = self.card.as_ref().map_or(0, |c| c.eligibility.len());
                    *selected = move_selection(*selected, n, cmd, page);
                }
                Mode::BookSlot { slots, selected, .. } => *selected = move_selection(*selected, slots.len(), cmd, page),
                Mode::FindingSlots { .. } => {}
                Mode::Cancel { bookings, selected } => *selected = move_selection(*selected, bookings.len(), cmd, page),
            }
            return true;
        }
        match cmd {
            Command::Select => self.choose(cx),
            Command::Back => match &self.mode {
                // A step of booking goes back to the one before; choosing a type, to the card.
                Mode::BookSlot { .. } | Mode::FindingSlots { .. } => self.mode = Mode::BookType { selected: 0 },
                Mode::BookType { .. } | Mode::Cancel { .. } => self.mode = Mode::Browse,
                // Leave the search box, keeping what was typed: letters work as commands again.
                Mode::Browse if self.searching => self.searching = false,
                Mode::Browse => return false,
            },
            Command::Search => {
                self.mode = Mode::Browse;
                self.searching = true;
            }
            Command::Refresh => {
                cx.spawn(PaneId::Clients, "rebuilding the client lookup", |desk| {
                    PaneDone::Index(
                        desk.build_directory()
                            .map(|d| Box::new(ClientIndex::new(d)))
                            .map_err(|e| e.to_string()),
                    )
                });
                self.reload_card(cx);
            }
            Command::Book => match &self.card {
                Some(_) => self.mode = Mode::BookType { selected: 0 },
                None => cx.problem("choose a client first: type part of a name, then enter"),
            },
            Command::CancelBooking => {
                let bookings = self.upcoming();
                if bookings.is_empty() {
                    cx.problem("this client has no upcoming bookings");
                } else {
                    self.mode = Mode::Cancel { bookings, selected: 0 };
                }
            }
            Command::CheckIn => {
                let today = cx.desk.today();
                let due: Vec<Appointment> = self
                    .upcoming()
                    .into_iter()
                    .filter(|a| cx.desk.policy().local_date(a.start) == today)
                    .collect();
                match due.first() {
                    Some(a) => match cx.desk.check_in(a.id) {
                        Ok(_) => {
                            cx.done(format!(
                                "Checked in for {} at {}.",
                                a.appointment_type,
                                cx.desk.local_time(a.start).format("%H:%M")
                            ));
                            self.reload_card(cx);
                        }
                        Err(e) => cx.problem(e.to_string()),
                    },
                    None => cx.problem("no booking today to check in for; `a` adds them to the drop-in queue"),
                }
            }
            Command::QueueAdd => match &self.card {
                Some(card) => match cx.desk.queue_add_client(&card.client) {
                    Ok(_) => cx.done(format!("{} added to the drop-in queue.", card.client.name)),
                    Err(e) => cx.problem(e.to_string()),
                },
                None => cx.problem("choose a client first"),
            },
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
        if self.typing() && self.search.handle(key) {
            self.refilter(cx);
            return true;
        }
        false
    }

    fn click(&mut self, column: u16, row: u16, cx: &mut Cx<'_>) {
        let a = self.list_area;
        if column < a.width && row > a.y && row < a.y + a.height.saturating_sub(1) {
            let i = (row - a.y - 1) as usize;
            if i < self.matches.len() && matches!(self.mode, Mode::Browse) {
                self.selected = i;
                self.searching = false;
                self.load_card(cx);
            }
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
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
            Mode::Browse => self.render_card(frame, right, th),
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
            } => {
                let rows = slots
                    .iter()
                    .map(|s| {
                        Line::from(format!(
                            "{}  {} min  {}",
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
        }
    }

    fn directory_ready(&mut self, cx: &mut Cx<'_>) {
        self.refilter(cx);
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        match done {
            PaneDone::ClientMatches(ticket, found) => {
                if self.waiting != Some(ticket) {
                    return;
                }
                self.waiting = None;
                self.matches = found.unwrap_or_default();
                self.selected = 0;
                if std::mem::take(&mut self.open_when_found) {
                    self.choose(cx);
                }
            }
            PaneDone::Index(Ok(index)) => {
                self.index.set(*index);
                self.refilter(cx);
                cx.done("Client lookup rebuilt.");
            }
            PaneDone::Index(Err(e)) => cx.problem(format!("client lookup could not be rebuilt: {e}")),
            PaneDone::FreeSlots(type_id, result) => {
                // Only if the person is still waiting for this type's slots.
                if !matches!(&self.mode, Mode::FindingSlots { type_id: t } if *t == type_id) {
                    return;
                }
                let name = cx
                    .desk
                    .policy()
                    .appointment_type(&type_id)
                    .map_or_else(|| type_id.to_string(), |t| t.name.clone());
                let selected = self
                    .card
                    .as_ref()
                    .and_then(|c| c.eligibility.iter().position(|(id, _, _)| *id == type_id))
                    .unwrap_or(0);
                match result {
                    Ok(slots) if slots.is_empty() => {
                        self.mode = Mode::BookType { selected };
                        cx.problem(format!("no free {name} slots in the next 4 weeks"));
                    }
                    Ok(slots) => {
                        self.mode = Mode::BookSlot {
                            type_id,
                            slots,
                            selected: 0,
                        }
                    }
                    Err(e) => {
                        self.mode = Mode::BookType { selected };
                        cx.problem(e);
                    }
                }
            }
            _ => {}
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Search,
            Command::Select,
            Command::Book,
            Command::CancelBooking,
            Command::CheckIn,
            Command::QueueAdd,
            Command::NextPane,
            Command::Quit,
            Command::Help,
        ]
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

impl ClientsPane {
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
            lines.push(Line::styled(format!("{what}: {}", short(&f.reason)), th.warn));
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
            lines.push(Line::raw(format!(
                "  {}  {}  {}",
                local(self.tz, a.start),
                a.appointment_type,
                a.location
            )));
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
            ]));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .block(block("Client", th, !self.searching))
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}
