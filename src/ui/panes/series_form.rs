//! The calendar's form for a series of slots over a term: who, which type, which weekdays, from
//! and to, how often, between which dates. Enter first previews (a dry run: what would be made
//! and what skipped, and why); enter again, with nothing changed, makes the slots.

use chrono::{Duration, NaiveDate};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::{Desk, DeskError, NewSeries, SeriesReport};
use crate::domain::operator::Login;
use crate::domain::policy::{AppointmentTypeId, LocationId};
use crate::domain::series;
use crate::domain::validate::{self, FieldError};
use crate::ui::command::Command;
use crate::ui::input::Input;
use crate::ui::panes::form::{Form, FormField};
use crate::ui::theme::Theme;

const CONSULTANT: &str = "Consultant";
const TYPE: &str = "Type";
const DAYS: &str = "Days";
const FROM: &str = "From";
const TO: &str = "To";
const EVERY: &str = "Every";
const MINUTES: &str = "Minutes";
const START: &str = "Start";
const UNTIL: &str = "Until";
const LOCATION: &str = "Location";
const SKIP: &str = "Skip days";

/// How many skipped days and times the preview lists.
const PREVIEW_SKIPS: usize = 6;

/// What the calendar should do after the form handled a command.
#[derive(Debug)]
pub enum SeriesResult {
    /// Keep the form open.
    Stay,
    /// Close it; nothing was made.
    Closed,
    /// The series was made.
    Made(Box<SeriesReport>),
}

/// The series form.
#[derive(Debug)]
pub struct SeriesForm {
    form: Form,
    /// The series the last preview showed; enter makes it if nothing has changed since.
    previewed: Option<NewSeries>,
}

impl SeriesForm {
    /// A form for `login`'s calendar starting on `start`, until the end of the term holding it
    /// (or twelve weeks on).
    pub fn new(desk: &Desk, login: &str, start: NaiveDate) -> Self {
        let start = start.max(desk.today());
        let until = desk
            .policy()
            .term_containing(start)
            .map_or(start + Duration::weeks(12) - Duration::days(1), |t| t.end);
        let ty = desk
            .policy()
            .appointment_types
            .first()
            .map_or(String::new(), |t| t.id.to_string());
        let fields = vec![
            FormField::new(CONSULTANT, login, "login"),
            FormField::new(TYPE, &ty, "appointment type id"),
            FormField::new(DAYS, "mon,tue,thu", "e.g. mon,tue,thu or mon-fri"),
            FormField::new(FROM, "09:00", "first slot starts"),
            FormField::new(TO, "12:30", "last slot ends by"),
            FormField::new(EVERY, "45m", "e.g. 45m, 1h"),
            FormField::new(MINUTES, "", "empty: the type's length"),
            FormField::new(START, &start.to_string(), "YYYY-MM-DD"),
            FormField::new(UNTIL, &until.to_string(), "YYYY-MM-DD, included"),
            FormField::new(LOCATION, "", "empty: one that suits the type"),
            FormField::new(SKIP, "", "dates to leave out, comma-separated"),
        ];
        Self {
            form: Form::new(fields),
            previewed: None,
        }
    }

    /// The field with focus, for the calendar's cursor keys.
    pub fn focused(&mut self) -> Option<&mut Input> {
        self.form.focused()
    }

    /// Types into the field with focus; a change means the preview must be made again.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let changed = self.form.key(key);
        if changed && self.previewed.take().is_some() {
            self.form.notes.clear();
        }
        changed
    }

    /// Handles a command while the form is open; `None` when the form does not use it.
    pub fn command(&mut self, cmd: Command, desk: &Desk) -> Option<SeriesResult> {
        if self.form.movement(cmd) {
            return Some(SeriesResult::Stay);
        }
        match cmd {
            Command::Back if self.form.back() => Some(SeriesResult::Closed),
            Command::Back => Some(SeriesResult::Stay),
            Command::Select => Some(self.submit(desk)),
            _ => None,
        }
    }

    fn submit(&mut self, desk: &Desk) -> SeriesResult {
        self.form.problems.clear();
        let input = match self.read() {
            Ok(input) => input,
            Err(errors) => return self.refused(DeskError::Fields(errors)),
        };
        let confirmed = self.previewed.as_ref() == Some(&input);
        match desk.add_series(&input, !confirmed) {
            Ok(report) if confirmed => SeriesResult::Made(Box::new(report)),
            Ok(report) => {
                self.preview(desk, &report);
                self.previewed = Some(input);
                SeriesResult::Stay
            }
            Err(e) => self.refused(e),
        }
    }

    /// Shows what the dry run would make and skip.
    fn preview(&mut self, desk: &Desk, report: &SeriesReport) {
        let mut notes = vec![format!(
            "Would make {} slot(s) and skip {}.",
            report.made.len(),
            report.skipped.len()
        )];
        if let (Some(first), Some(last)) = (report.made.first(), report.made.last()) {
            notes.push(format!(
                "First {}, last {}.",
                desk.local_time(first.start).format("%a %-d %b %H:%M"),
                desk.local_time(last.start).format("%a %-d %b %H:%M")
            ));
        }
        for k in report.skipped.iter().take(PREVIEW_SKIPS) {
            let when = match k.time {
                Some(t) => format!("{} {}", k.date.format("%a %-d %b"), t.format("%H:%M")),
                None => k.date.format("%a %-d %b").to_string(),
            };
            notes.push(format!("  skip {when}: {}", k.reason.describe()));
        }
        if report.skipped.len() > PREVIEW_SKIPS {
            notes.push(format!("  … and {} more", report.skipped.len() - PREVIEW_SKIPS));
        }
        notes.push(if report.made.is_empty() {
            "Nothing to make: change the days, times or dates.".to_string()
        } else {
            "Enter again makes them; changing a field previews again.".to_string()
        });
        self.form.notes = notes;
    }

    /// The typed series, or every field that is wrong.
    fn read(&self) -> Result<NewSeries, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (f, e) = (&self.form, &mut errors);
        let consultant = keep(
            e,
            Login::parse(f.value(CONSULTANT)).map_err(|x| FieldError::new("consultant", x.message)),
        );
        let days = keep(e, series::parse_days(f.value(DAYS)));
        let from = keep(e, series::parse_clock("from", f.value(FROM)));
        let to = keep(e, series::parse_clock("to", f.value(TO)));
        let every = keep(e, series::parse_minutes("every", f.value(EVERY)));
        let minutes = match f.value(MINUTES) {
            "" => Some(None),
            m => keep(e, series::parse_minutes("minutes", m)).map(Some),
        };
        let start = keep(e, validate::date("start", f.value(START)));
        let until = keep(e, validate::date("until", f.value(UNTIL)));
        let mut skip = Vec::new();
        for d in f.value(SKIP).split(',').map(str::trim).filter(|d| !d.is_empty()) {
            skip.extend(keep(e, validate::date("skip", d)));
        }
        let location = Some(f.value(LOCATION)).filter(|l| !l.is_empty()).map(LocationId::from);
        match (consultant, days, from, to, every, minutes, start, until) {
            (
                Some(consultant),
                Some(days),
                Some(from),
                Some(to),
                Some(every),
                Some(minutes),
                Some(start),
                Some(until),
            ) if errors.is_empty() => Ok(NewSeries {
                consultant,
                appointment_type: AppointmentTypeId::from(f.value(TYPE)),
                days,
                from,
                to,
                every,
                minutes,
                start,
                until,
                location,
                skip,
            }),
            _ => Err(errors),
        }
    }

    /// Shows why the desk refused, each wrong field on its own line, focus on the first.
    fn refused(&mut self, e: DeskError) -> SeriesResult {
        self.previewed = None;
        self.form.notes.clear();
        match e {
            DeskError::Fields(errors) => {
                if let Some(first) = errors.first() {
                    self.form.focus_on(label_of(first.field));
                }
                self.form.problems.extend(errors.iter().map(|e| e.to_string()));
            }
            other => self.form.problems.push(other.to_string()),
        }
        SeriesResult::Stay
    }

    /// Draws the form in `area`.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let help = if self.previewed.is_some() {
            "enter makes the series · ↑/↓ field · esc cancels"
        } else {
            "enter previews · ↑/↓ field · esc cancels"
        };
        self.form.render(frame, area, "Add a series of slots", help, th);
    }
}

/// Keeps a value, or records its error.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The form label of a field the desk names in an error.
fn label_of(field: &str) -> &'static str {
    match field {
        "consultant" | "login" => CONSULTANT,
        "type" => TYPE,
        "days" => DAYS,
        "from" => FROM,
        "to" => TO,
        "every" => EVERY,
        "minutes" => MINUTES,
        "start" => START,
        "until" => UNTIL,
        "location" => LOCATION,
        "skip" => SKIP,
        _ => "",
    }
}
