//! The events pane's form for creating an event and for moving one (EVT-01). Enter saves
//! through the desk (`add_event`, `move_event`); when the desk reports clashes on the combined
//! calendar, the form lists each with its reason and asks for the organiser's reason to go
//! ahead. Enter with a reason saves it despite the clash (the desk audits both); esc goes back
//! to the fields and nothing is saved.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::{Desk, DeskError, NewEvent, MAX_EVENT_MINUTES};
use crate::domain::event::Event;
use crate::domain::ids::EventId;
use crate::domain::series;
use crate::domain::text::quote;
use crate::domain::validate::{self, FieldError};
use crate::ui::command::Command;
use crate::ui::panes::form::{Form, FormField};
use crate::ui::theme::Theme;

const EVENT: &str = "Event";
const TITLE: &str = "Title";
const START: &str = "Start";
const END: &str = "End";
const PLACE: &str = "Place";
const EMPLOYERS: &str = "Employers";
const SECTOR: &str = "Sector";
const PROGRAMMES: &str = "Programmes";
const SCHOOLS: &str = "Schools";
const CAPACITY: &str = "Capacity";
const REASON: &str = "Reason";

/// What the pane should do after the form handled a command.
#[derive(Debug)]
pub enum EventFormResult {
    /// Keep the form open.
    Stay,
    /// Close it; nothing was saved.
    Closed,
    /// Saved: the event, and the reason given to go ahead despite a clash.
    Saved(Box<Event>, Option<String>),
    /// The desk refused the operator (a permission): close and say so on the status line.
    Refused(String),
}

/// Whether the form creates an event or moves one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Add,
    Move(EventId),
}

/// The fields read and checked, ready for the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Typed {
    Add(NewEvent),
    Move { start: DateTime<Utc>, minutes: u32 },
}

/// The clashes the desk reported, and the reason field that lets the organiser go ahead.
#[derive(Debug)]
struct ClashStep {
    typed: Typed,
    reason: Form,
}

/// The create or move form.
#[derive(Debug)]
pub struct EventForm {
    kind: Kind,
    form: Form,
    clash: Option<ClashStep>,
}

/// A local time as the fields show it.
fn local_text(desk: &Desk, at: DateTime<Utc>) -> String {
    desk.local_time(at).format("%Y-%m-%d %H:%M").to_string()
}

/// Comma-separated entries, trimmed, blanks left out.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Keeps a value, or records its error.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

impl EventForm {
    /// An empty form for a new event.
    pub fn add() -> Self {
        let fields = vec![
            FormField::new(TITLE, "", ""),
            FormField::new(START, "", "YYYY-MM-DD HH:MM"),
            FormField::new(END, "", "HH:MM the same day, or YYYY-MM-DD HH:MM"),
            FormField::new(PLACE, "", "optional"),
            FormField::new(EMPLOYERS, "", "names or ids, comma-separated"),
            FormField::new(SECTOR, "", "e.g. engineering"),
            FormField::new(PROGRAMMES, "", "target programmes, comma-separated"),
            FormField::new(SCHOOLS, "", "schools whose students may book, comma-separated"),
            FormField::new(CAPACITY, "", "places"),
        ];
        Self {
            kind: Kind::Add,
            form: Form::new(fields),
            clash: None,
        }
    }

    /// A form holding `event`'s times, to move it.
    pub fn move_event(desk: &Desk, event: &Event) -> Self {
        let end = if desk.local_time(event.start).date() == desk.local_time(event.end).date() {
            desk.local_time(event.end).format("%H:%M").to_string()
        } else {
            local_text(desk, event.end)
        };
        let fields = vec![
            FormField::new(EVENT, &event.title, "").locked("moving changes the time only"),
            FormField::new(START, &local_text(desk, event.start), "YYYY-MM-DD HH:MM"),
            FormField::new(END, &end, "HH:MM the same day, or YYYY-MM-DD HH:MM"),
        ];
        Self {
            kind: Kind::Move(event.id),
            form: Form::new(fields),
            clash: None,
        }
    }

    /// Whether the form is asking for a reason to go ahead despite a clash.
    pub fn asking_reason(&self) -> bool {
        self.clash.is_some()
    }

    /// Types into the field with focus (the reason, while the clashes are shown).
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        match &mut self.clash {
            Some(step) => step.reason.key(key),
            None => self.form.key(key),
        }
    }

    /// Handles a command while the form is open; `None` when the form does not use it.
    pub fn command(&mut self, cmd: Command, desk: &Desk) -> Option<EventFormResult> {
        if let Some(step) = &mut self.clash {
            return match cmd {
                Command::Back => {
                    self.clash = None;
                    self.form.problems.clear();
                    self.form.notes = vec![
                        "Not saved. Change the time, or enter to see the clashes again; esc closes the form.".into(),
                    ];
                    Some(EventFormResult::Stay)
                }
                Command::Select => {
                    let reason = step.reason.value(REASON).to_string();
                    if reason.is_empty() {
                        step.reason.problems.retain(|p| !p.starts_with("type a reason"));
                        step.reason.problems.push(
                            "type a reason to go ahead despite the clash, or esc to go back without saving".into(),
                        );
                        return Some(EventFormResult::Stay);
                    }
                    let typed = step.typed.clone();
                    Some(self.save(desk, typed, Some(reason)))
                }
                _ if step.reason.movement(cmd) => Some(EventFormResult::Stay),
                _ => None,
            };
        }
        if self.form.movement(cmd) {
            return Some(EventFormResult::Stay);
        }
        match cmd {
            Command::Back if self.form.back() => Some(EventFormResult::Closed),
            Command::Back => Some(EventFormResult::Stay),
            Command::Select => {
                self.form.problems.clear();
                self.form.notes.clear();
                Some(match self.read(desk) {
                    Ok(typed) => self.save(desk, typed, None),
                    Err(errors) => self.refused(DeskError::Fields(errors)),
                })
            }
            _ => None,
        }
    }

    /// Sends the event to the desk; clashes open the reason step.
    fn save(&mut self, desk: &Desk, typed: Typed, reason: Option<String>) -> EventFormResult {
        let result = match (&self.kind, &typed) {
            (Kind::Add, Typed::Add(new)) => desk.add_event(new, reason.as_deref()),
            (Kind::Move(id), Typed::Move { start, minutes }) => {
                desk.move_event(&id.to_string(), *start, Some(*minutes), reason.as_deref())
            }
            _ => Err(DeskError::Invalid(
                "the form does not match the event; close it and try again".into(),
            )),
        };
        match result {
            Ok(e) => EventFormResult::Saved(Box::new(e), reason),
            Err(DeskError::Clashes(clashes)) => {
                let mut reason = Form::new(vec![FormField::new(REASON, "", "why go ahead despite the clash")]);
                reason.problems = clashes.iter().map(|c| c.text.clone()).collect();
                reason.notes = vec![format!(
                    "It clashes with {} event(s) on the combined calendar. Go ahead only with a reason: it is audited with the clashes.",
                    clashes.len()
                )];
                self.clash = Some(ClashStep { typed, reason });
                EventFormResult::Stay
            }
            Err(e) => self.refused(e),
        }
    }

    /// The typed event, or every field that is wrong.
    fn read(&self, desk: &Desk) -> Result<Typed, Vec<FieldError>> {
        let tz = desk.policy().institution.time_zone;
        let f = &self.form;
        let mut errors = Vec::new();
        let start = keep(&mut errors, validate::local_datetime("start", f.value(START), tz));
        let end_text = f.value(END);
        // A time of day alone ends the event on its start's day.
        let end = if (1..=5).contains(&end_text.len()) {
            let clock = keep(&mut errors, series::parse_clock("end", end_text));
            match (start, clock) {
                (Some(start), Some(t)) => {
                    let day = desk.local_time(start).date();
                    let text = format!("{} {}", day, t.format("%H:%M"));
                    keep(&mut errors, validate::local_datetime("end", &text, tz))
                }
                _ => None,
            }
        } else {
            keep(&mut errors, validate::local_datetime("end", end_text, tz))
        };
        let minutes = match (start, end) {
            (Some(s), Some(e)) if e <= s => {
                errors.push(FieldError::new(
                    "end",
                    format!("{end_text} is not after the start; give the time the event ends"),
                ));
                None
            }
            (Some(s), Some(e)) => match u32::try_from((e - s).num_minutes()) {
                Ok(m) if m <= MAX_EVENT_MINUTES => Some(m),
                _ => {
                    errors.push(FieldError::new(
                        "end",
                        "the event would last more than a week; check the end's date",
                    ));
                    None
                }
            },
            _ => None,
        };
        let typed = match &self.kind {
            Kind::Move(_) => minutes
                .zip(start)
                .map(|(minutes, start)| Typed::Move { start, minutes }),
            Kind::Add => {
                let capacity = match f.value(CAPACITY).parse::<u32>() {
                    Ok(c) => Some(c),
                    Err(_) => {
                        errors.push(FieldError::new(
                            "capacity",
                            format!(
                                "{} is not a number of places; type a whole number, e.g. 40",
                                quote(f.value(CAPACITY))
                            ),
                        ));
                        None
                    }
                };
                let mut employers = Vec::new();
                for name in list(f.value(EMPLOYERS)) {
                    match desk.resolve_employer(&name) {
                        Ok(e) => employers.push(e.id),
                        Err(e) => errors.push(FieldError::new("employers", e.to_string())),
                    }
                }
                match (start, minutes, capacity) {
                    (Some(start), Some(minutes), Some(capacity)) => Some(Typed::Add(NewEvent {
                        title: f.value(TITLE).to_string(),
                        sector: f.value(SECTOR).to_string(),
                        start,
                        minutes,
                        capacity,
                        employers,
                        audience_schools: list(f.value(SCHOOLS)),
                        target_programmes: list(f.value(PROGRAMMES)),
                        location: f.value(PLACE).to_string(),
                    })),
                    _ => None,
                }
            }
        };
        match typed {
            Some(t) if errors.is_empty() => Ok(t),
            _ => Err(errors),
        }
    }

    /// Shows why the desk refused, each wrong field on its own line, focus on the first; a
    /// refusal of the operator closes the form with the desk's words on the status line.
    fn refused(&mut self, e: DeskError) -> EventFormResult {
        let target = match &mut self.clash {
            Some(step) => &mut step.reason,
            None => &mut self.form,
        };
        match e {
            DeskError::Denied(_) => return EventFormResult::Refused(e.to_string()),
            DeskError::Fields(errors) => {
                if let Some(first) = errors.first() {
                    target.focus_on(label_of(first.field));
                }
                target.problems.extend(errors.iter().map(|e| e.to_string()));
            }
            other => {
                if let Some(label) = named_field(&other.to_string()) {
                    target.focus_on(label);
                }
                target.problems.push(other.to_string());
            }
        }
        EventFormResult::Stay
    }

    /// Draws the form in `area`.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        if let Some(step) = &self.clash {
            let help = "type the reason · enter goes ahead despite the clash · esc goes back (nothing is saved)";
            return step
                .reason
                .render(frame, area, "Clashes on the combined calendar (EVT-01)", help, th);
        }
        let (title, help) = match self.kind {
            Kind::Add => ("Create an event", "↑/↓ field · enter creates · esc cancels"),
            Kind::Move(_) => ("Move the event", "↑/↓ field · enter moves · esc cancels"),
        };
        self.form.render(frame, area, title, help, th);
    }
}

/// The label of the field a desk message starts with ("capacity: ..."), if any.
fn named_field(message: &str) -> Option<&'static str> {
    let field = message.split(':').next()?;
    Some(label_of(field)).filter(|l| !l.is_empty())
}

/// The form label of a field the desk names in an error.
fn label_of(field: &str) -> &'static str {
    match field {
        "title" => TITLE,
        "start" => START,
        "end" | "minutes" => END,
        "location" => PLACE,
        "employers" | "employer" => EMPLOYERS,
        "sector" => SECTOR,
        "programme" | "target-programmes" => PROGRAMMES,
        "audience" | "audience-schools" => SCHOOLS,
        "capacity" => CAPACITY,
        "reason" => REASON,
        _ => "",
    }
}
