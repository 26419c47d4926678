//! Client lookup: type a few letters of a name, a student number or an e-mail; the card shows
//! programme, status, contact details (by role), flags, appointments, and for each appointment
//! type whether the client may book it and, if not, why. Book, cancel, check in, queue; add a
//! walk-in client and edit a client's details (the form is in `client_form.rs`).
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

use std::collections::HashMap;

use crate::desk::{ClientView, DirectoryEntry};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::client::{Client, FlagKind};
use crate::domain::ids::{ClientId, OperatorId};
use crate::domain::policy::AppointmentTypeId;
use crate::domain::rules::Decision;
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::fuzzy::{ClientIndex, SharedIndex};
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::client_form::{ClientForm, FormResult};
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
        /// Each slot's consultant, as shown: "cons1 (Casey Consultant)".
        who: HashMap<OperatorId, String>,
    },
    /// Choosing which upcoming booking to cancel.
    Cancel {
        bookings: Vec<Appointment>,
        selected: usize,
    },
    /// Adding a walk-in client, or editing the card's client.
    Form(Box<ClientForm>),
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
    /// The client to keep selected when the awaited matches arrive (after an add or an edit).
    keep: Option<ClientId>,
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
            keep: None,
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
        self.load_card_of(id, cx);
    }

    fn load_card_of(&mut self, id: ClientId, cx: &mut Cx<'_>) {
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
        if let Some(id) = self.card.as_ref().map(|c| c.client.id) {
            self.load_card_of(id, cx);
        }
    }

    /// Shows one client: their student number in the search, their row selected, their card.
    fn show_client(&mut self, c: &Client, cx: &mut Cx<'_>) {
        self.search.set(c.student_number.as_str());
        self.refilter(cx);
        self.keep = Some(c.id);
        self.searching = false;
        self.load_card_of(c.id, cx);
    }

    /// Handles a command while the add or edit form is open.
    fn form_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Form(form) = &mut self.mode else {
            return false;
        };
        let Some(result) = form.command(cmd, cx.desk) else {
            return false;
        };
        match result {
            FormResult::Stay => {}
            FormResult::Closed => self.mode = Mode::Browse,
            FormResult::Added(c) => {
                self.mode = Mode::Browse;
                self.index.upsert(&c);
                cx.done(format!("Added {} ({}).", c.name, c.student_number));
                self.show_client(&c, cx);
            }
            FormResult::Edited(done) => {
                self.mode = Mode::Browse;
                self.index.upsert(&done.client);
                cx.done(format!("Changed {} for {}.", done.changed.join(", "), done.client.name));
                self.refilter_keeping(done.client.id, cx);
                self.load_card_of(done.client.id, cx);
            }
            FormResult::OpenExisting(id) => {
                self.mode = Mode::Browse;
                match cx.desk.client(id) {
                    Ok(c) => self.show_client(&c, cx),
                    Err(e) => cx.problem(e.to_string()),
                }
            }
        }
        true
    }

    /// Searches again, keeping the selection on `id` when it still matches.
    fn refilter_keeping(&mut self, id: ClientId, cx: &mut Cx<'_>) {
        self.refilter(cx);
        self.keep = Some(id);
    }

    fn start_form(&mut self, add: bool, cx: &mut Cx<'_>) {
        if let Err(e) = cx.desk.require(crate::domain::access::Permission::EditClients) {
            return cx.problem(e.to_string());
        }
        if add {
            self.mode = Mode::Form(Box::new(ClientForm::add()));
            return;
        }
        match &self.card {
            Some(card) => self.mode = Mode::Form(Box::new(ClientForm::edit(&card.client, cx.desk))),
            None => cx.problem("choose a client first: type part of a name, then enter"),
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
                } else if self.search.value().trim().is_empty() {
                    cx.problem("nobody to open: type part of a name, a student number or an e-mail");
                } else if !self.index.is_ready() {
                    cx.problem("the client directory is still loading; try again in a moment");
                } else {
                    cx.problem(format!(
                        "no client matches `{}`; `n` adds a walk-in client",
                        self.search.value().trim()
                    ));
                }
            }
            Mode::FindingSlots { type_id } => self.mode = Mode::FindingSlots { type_id },
            Mode::Form(form) => self.mode = Mode::Form(form),
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
                who,
            } => {
                let (Some(card), Some(slot)) = (&self.card, slots.get(selected)) else {
                    return cx.problem("no slot chosen: esc goes back");
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
                            who,
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
        (self.searching && matches!(self.mode, Mode::Browse)) || matches!(self.mode, Mode::Form(_))
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.reload_card(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if matches!(self.mode, Mode::Form(_)) {
            return self.form_command(cmd, cx);
        }
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
                Mode::Form(_) => {}
            }
            return true;
        }
        match cmd {
            Command::Select => self.choose(cx),
            Command::Back => match &self.mode {
                // A step of booking goes back to the one before; choosing a type, to the card.
                Mode::BookSlot { .. } | Mode::FindingSlots { .. } => self.mode = Mode::BookType { selected: 0 },
                Mode::BookType { .. } | Mode::Cancel { .. } | Mode::Form(_) => self.mode = Mode::Browse,
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
                if self.card.is_none() {
                    cx.problem("choose a client first: type part of a name, then enter");
                } else if bookings.is_empty() {
                    cx.problem("this client has no upcoming bookings to cancel");
                } else {
                    self.mode = Mode::Cancel { bookings, selected: 0 };
                }
            }
            Command::AddClient => self.start_form(true, cx),
            Command::EditClient => self.start_form(false, cx),
            Command::CheckIn if self.card.is_none() => {
                cx.problem("choose a client first: type part of a name, then enter");
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
        if let Mode::Form(form) = &mut self.mode {
            form.key(key);
            return true;
        }
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
                let keep = self.keep.take();
                self.selected = keep
                    .and_then(|id| self.matches.iter().position(|m| m.id == id))
                    .unwrap_or(0);
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
                        // Each row names its consultant: two slots at one time read the same otherwise.
                        let who = cx
                            .desk
                            .staff_names()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(id, s)| (id, format!("{} ({})", s.login, s.name)))
                            .collect();
                        self.mode = Mode::BookSlot {
                            type_id,
                            slots,
                            selected: 0,
                            who,
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
            Command::AddClient,
            Command::EditClient,
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
