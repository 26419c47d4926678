//! The events pane's short prompts on the selected event: book a student, cancel a booking,
//! mark attendance by card or number, open the event to another school, message the absent.
//! Each runs one desk call (EVT-02, EVT-03, SEC-02) and says what happened in the desk's terms:
//! a place or the waiting list and where on it, who was promoted into a freed place.

use crate::desk::{Attendee, Desk, DeskError, EventBookingLine};
use crate::domain::access::Permission;
use crate::domain::event::Event;
use crate::domain::event_places::Placement;
use crate::domain::ids::{EventBookingId, EventId};
use crate::domain::validate::StudentNumber;
use crate::ui::panes::form::{Form, FormField};

const STUDENT: &str = "Student number";
const CARD: &str = "Card or number";
const SCHOOL: &str = "School";
const CONSULTED: &str = "Consulted";
const MESSAGE: &str = "Message";

/// Which prompt it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Book a student onto the event (or its waiting list).
    Book,
    /// Cancel a student's booking.
    Cancel,
    /// Mark a booked student as attending.
    Attend,
    /// Open the event to another school.
    Open,
    /// Message those absent from the ended event.
    Message,
}

impl PromptKind {
    /// The right the desk asks for (checked by the desk before the prompt opens).
    pub fn permission(self) -> Permission {
        match self {
            PromptKind::Book | PromptKind::Cancel | PromptKind::Attend => Permission::Book,
            PromptKind::Open | PromptKind::Message => Permission::ManageEmployers,
        }
    }

    /// Whether the prompt stays open after it worked, for the next student (the door).
    pub fn repeats(self) -> bool {
        matches!(self, PromptKind::Book | PromptKind::Attend)
    }
}

/// What a prompt did, for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What to say.
    pub said: String,
    /// Whether messages were queued (the outbox is sent now).
    pub queued: bool,
}

/// A prompt on one event.
#[derive(Debug)]
pub struct Prompt {
    /// Which.
    pub kind: PromptKind,
    /// Its fields.
    pub form: Form,
    event: EventId,
    title: String,
}

/// "Ada One (10000001)" for the booking `id` in `lines`, else the number typed.
fn who(lines: &[&EventBookingLine], id: EventBookingId, typed: &str) -> String {
    lines
        .iter()
        .find(|l| l.id == id)
        .map_or_else(|| typed.to_string(), |l| format!("{} ({})", l.name, l.number()))
}

impl Prompt {
    /// A prompt of `kind` on `event`.
    pub fn new(kind: PromptKind, event: &Event) -> Self {
        let fields = match kind {
            PromptKind::Book | PromptKind::Cancel => vec![FormField::new(STUDENT, "", "e.g. 10234567")],
            PromptKind::Attend => vec![FormField::new(CARD, "", "swipe the card or type the number")],
            PromptKind::Open => vec![
                FormField::new(SCHOOL, "", "the school to open it to"),
                FormField::new(CONSULTED, "", "login of the member of staff consulted"),
            ],
            PromptKind::Message => vec![FormField::new(MESSAGE, "", "sent to each as they allow")],
        };
        Self {
            kind,
            form: Form::new(fields),
            event: event.id,
            title: event.title.clone(),
        }
    }

    /// The prompt's title.
    pub fn title(&self) -> String {
        let what = match self.kind {
            PromptKind::Book => "Book a student onto",
            PromptKind::Cancel => "Cancel a booking on",
            PromptKind::Attend => "Mark attendance at",
            PromptKind::Open => "Open to another school:",
            PromptKind::Message => "Message those absent from",
        };
        format!("{what} \"{}\"", self.title)
    }

    /// The help line.
    pub fn help(&self) -> &'static str {
        match self.kind {
            PromptKind::Book => "enter books (the waiting list when full) · esc closes",
            PromptKind::Cancel => "enter cancels the booking · esc closes",
            PromptKind::Attend => "swipe or type, enter marks attending · esc closes",
            PromptKind::Open => "↑/↓ field · enter opens it · esc closes",
            PromptKind::Message => "enter queues the message to each absent student · esc closes",
        }
    }

    /// Runs the prompt's desk call.
    pub fn run(&self, desk: &Desk) -> Result<Outcome, DeskError> {
        let id = self.event.to_string();
        let said = |said: String| Outcome { said, queued: false };
        match self.kind {
            PromptKind::Book => {
                let typed = self.form.value(STUDENT);
                let done = desk.book_event(&id, &StudentNumber::parse(typed)?)?;
                let roster = desk.event_roster(&id)?;
                let all: Vec<&EventBookingLine> = roster.booked.iter().chain(&roster.waiting).collect();
                let name = who(&all, done.booking.id, typed);
                Ok(said(match done.placement {
                    Placement::Place => format!(
                        "{name} has a place on \"{}\" ({} of {} taken).",
                        self.title, roster.tally.taken, roster.capacity
                    ),
                    Placement::Waiting { position } => format!(
                        "\"{}\" is full: {name} is number {position} on the waiting list.",
                        self.title
                    ),
                }))
            }
            PromptKind::Cancel => {
                let typed = self.form.value(STUDENT);
                let done = desk.cancel_event_booking(&id, &StudentNumber::parse(typed)?)?;
                let mut text = format!("Cancelled {typed}'s booking on \"{}\".", self.title);
                let mut queued = false;
                for (line, n) in &done.promoted {
                    queued |= *n > 0;
                    text.push_str(&format!(
                        " {} ({}) was first on the waiting list and now has the place ({n} message(s) queued).",
                        line.name,
                        line.number()
                    ));
                }
                Ok(Outcome { said: text, queued })
            }
            PromptKind::Attend => {
                let typed = self.form.value(CARD);
                let booking = desk.attend_event(&id, &Attendee::Card(typed.to_string()))?;
                let roster = desk.event_roster(&id)?;
                let all: Vec<&EventBookingLine> = roster.attended.iter().collect();
                Ok(said(format!(
                    "{} is marked as attending \"{}\" ({} attended).",
                    who(&all, booking.id, typed),
                    self.title,
                    roster.tally.attended
                )))
            }
            PromptKind::Open => {
                let consulted = self.form.value(CONSULTED);
                let e = desk.open_event(&id, self.form.value(SCHOOL), consulted)?;
                Ok(said(format!(
                    "\"{}\" is open to {} (consulted {}).",
                    e.title,
                    e.audience_schools.join(", "),
                    consulted.to_ascii_lowercase()
                )))
            }
            PromptKind::Message => {
                let done = desk.message_event_absentees(&id, self.form.value(MESSAGE))?;
                Ok(Outcome {
                    said: format!(
                        "Queued {} message(s) to {} absent student(s); {} allow no contact this terminal can make.",
                        done.messages, done.messaged, done.not_contactable
                    ),
                    queued: done.messages > 0,
                })
            }
        }
    }

    /// Empties the fields for the next student.
    pub fn clear(&mut self) {
        for f in &mut self.form.fields {
            f.input.clear();
        }
        self.form.focus = 0;
    }
}
