//! Client lookup: type a few letters of a name, a student number or an e-mail; the card shows
//! programme, status, contact details (by role), flags, appointments, and for each appointment
//! type whether the client may book it and, if not, why. Book, cancel, check in, queue; add a
//! walk-in client and edit a client's details (the form is in `client_form.rs`).
//!
//! Each search runs as a job on the shared lookup index; only the latest one's matches are
//! shown (a slower earlier search is dropped). Enter pressed before the matches arrive opens
//! the first of them when they do. Free slots are looked up as a job too (a month of slots);
//! a client's card is a handful of records and loads at once.
//!
//! Below the record, the card shows one of its sections at a time (consents, attachments,
//! enquiries, feedback, complaints), loaded through the desk as a job when the card opens; each
//! shows what the service allows the operator's role, or its refusal.
//!
//! The booking and cancelling steps are in `booking.rs`, the commands, keys and job results in
//! `events.rs`, the drawing (the matches, the booking steps' lists, the card) in `view.rs`, the
//! sections in `sections.rs` and choosing and recording in them in `records.rs`.

mod booking;
mod events;
mod records;
mod sections;
mod view;

pub use sections::{CardSections, Loaded, Section};

use chrono::Utc;
use ratatui::layout::Rect;

use std::collections::HashMap;

use crate::desk::{ClientView, DirectoryEntry};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::client::Client;
use crate::domain::ids::{ClientId, OperatorId};
use crate::domain::policy::AppointmentTypeId;
use crate::domain::rules::Decision;
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::input::Input;
use crate::ui::lookup::SharedIndex;
use crate::ui::pane::{Cx, PaneId};
use crate::ui::panes::client_form::{ClientForm, FormResult};

/// How many matches the list shows.
const MATCHES: usize = 200;

/// The selected client's card, loaded when the selection changes.
struct Card {
    client: Client,
    view: ClientView,
    appointments: Vec<Appointment>,
    eligibility: Vec<(AppointmentTypeId, String, Decision)>,
    notes: usize,
    /// Wellbeing concerns recorded (DATA-06); `None` for roles not told of them.
    concerns: Option<usize>,
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
    /// Choosing a row in the card's section on show.
    Section { selected: usize },
    /// Recording a consent, an enquiry or feedback for the card's client.
    Record(Box<records::RecordForm>),
    /// Reading an attachment's content (after an audited read).
    Attachment {
        name: String,
        lines: Vec<String>,
        scroll: usize,
    },
    /// Erasing the card's client: the reason, then the student number typed again (DATA-05).
    Erase {
        /// Which of the two is being typed.
        step: EraseStep,
        reason: Input,
        confirm: Input,
    },
}

/// The steps of erasing a client from the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EraseStep {
    Reason,
    Confirm,
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
    /// The card's sections, once loaded for the card on show.
    sections: Option<CardSections>,
    /// The section on show below the card.
    section: Section,
    /// An open enquiry chosen to resolve, awaiting `enter` again to confirm (DATA-03).
    resolving: Option<crate::domain::ids::EnquiryId>,
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
            sections: None,
            section: Section::default(),
            resolving: None,
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
                concerns: desk.concern_count(id),
            })
        })();
        match loaded {
            Ok(card) => {
                self.now = desk.now();
                *cx.client = Some(card.client.id);
                if self.sections.as_ref().is_some_and(|s| s.client != card.client.id) {
                    self.sections = None;
                }
                self.card = Some(card);
                self.load_sections(cx);
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

    /// Opens the erasure steps for the card's client (supervisors and administrators).
    fn start_erase(&mut self, cx: &mut Cx<'_>) {
        if let Err(e) = cx.desk.require(crate::domain::access::Permission::Erase) {
            return cx.problem(e.to_string());
        }
        if self.card.is_none() {
            return cx.problem("choose a client first: type part of a name, then enter");
        }
        self.mode = Mode::Erase {
            step: EraseStep::Reason,
            reason: Input::new(),
            confirm: Input::new(),
        };
    }

    /// Enter in the erasure steps: from the reason to the confirmation, then the erasure.
    fn erase_step(&mut self, cx: &mut Cx<'_>) {
        let Mode::Erase { step, reason, confirm } = &mut self.mode else {
            return;
        };
        let Some(card) = &self.card else {
            self.mode = Mode::Browse;
            return;
        };
        match step {
            EraseStep::Reason if reason.value().trim().is_empty() => {
                cx.problem("a reason is required (DATA-05): write why, not who; or esc to cancel")
            }
            EraseStep::Reason => *step = EraseStep::Confirm,
            EraseStep::Confirm if confirm.value().trim() != card.client.student_number.as_str() => cx.problem(format!(
                "that is not {}'s student number; nothing was erased (type it again, or esc)",
                card.client.name
            )),
            EraseStep::Confirm => {
                let (sn, name, id) = (
                    card.client.student_number.clone(),
                    card.client.name.clone(),
                    card.client.id,
                );
                match cx.desk.erase_client(cx.paths, &sn, reason.value()) {
                    Ok(done) => {
                        self.index.remove(id);
                        self.card = None;
                        self.sections = None;
                        *cx.client = None;
                        self.mode = Mode::Browse;
                        self.search.clear();
                        self.refilter(cx);
                        cx.done(format!(
                            "Erased {name} ({sn}): {} record(s), {} future booking(s) freed, {} message(s) withdrawn.",
                            done.records, done.slots_freed, done.messages_withdrawn
                        ));
                    }
                    Err(e) => cx.problem(e.to_string()),
                }
            }
        }
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
}
