//! Composing a bulk mail to employer contacts from the screen (EVT-04, SEC-06, EMP-04), shared
//! by the employers and events panes: the events to promote, the employers and/or tags to write
//! to, a subject and a body. The first enter asks the desk for a preview, which lists every
//! recipient and every contact left out with the reason (no address, the liaison gate, an
//! address already chosen); enter again sends exactly that through `Desk::send_bulk_mail`, the
//! call `careerdesk mail employers --send` makes. Typing after a preview withdraws it. Without
//! the bulk-email grant the composer does not open: the desk's refusal is shown instead.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::{BulkMailPreview, BulkMailRequest, Desk, DeskError};
use crate::domain::access::Permission;
use crate::ui::command::Command;
use crate::ui::panes::form::{Form, FormField};
use crate::ui::theme::Theme;

const EVENTS: &str = "Events";
const EMPLOYERS: &str = "Employers";
const TAGS: &str = "Tags";
const SUBJECT: &str = "Subject";
const BODY: &str = "Body";

/// What the composer did with a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Composed {
    /// Keep it open (a preview is shown, or a refusal under the fields).
    Stay,
    /// Closed; nothing was sent.
    Closed,
    /// Sent: what to say.
    Sent(String),
}

/// The bulk mail composer.
pub struct Composer {
    /// Its fields, and the preview or refusal under them.
    pub form: Form,
    /// The request the preview on show is for; enter sends it.
    previewed: Option<BulkMailRequest>,
    /// Recipients in the preview on show.
    recipients: usize,
}

/// Comma-separated names, trimmed, blanks dropped (`#` allowed before a tag).
fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|t| t.trim().trim_start_matches('#').to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

impl Composer {
    /// A composer with the events, employers and tags filled in, or the desk's refusal when
    /// the operator may not send bulk mail (SEC-06).
    pub fn open(desk: &Desk, events: &str, employers: &str, tags: &str) -> Result<Composer, DeskError> {
        desk.require(Permission::BulkEmail)?;
        let mut form = Form::new(vec![
            FormField::new(EVENTS, events, "titles or ids, comma-separated (1 to 10)"),
            FormField::new(EMPLOYERS, employers, "names, comma-separated, and/or tags below"),
            FormField::new(TAGS, tags, "every employer carrying all of these"),
            FormField::new(SUBJECT, "", "one line"),
            FormField::new(BODY, "", "your text; \\n starts a new line"),
        ]);
        let first_empty = form
            .fields
            .iter()
            .position(|f| f.value().is_empty() && f.label != EMPLOYERS && f.label != TAGS)
            .unwrap_or(0);
        form.focus = first_empty;
        Ok(Composer {
            form,
            previewed: None,
            recipients: 0,
        })
    }

    /// What is typed, as the desk takes it.
    fn request(&self) -> BulkMailRequest {
        BulkMailRequest {
            events: list(self.form.value(EVENTS)),
            employers: list(self.form.value(EMPLOYERS)),
            tags: list(self.form.value(TAGS)),
            subject: self.form.value(SUBJECT).to_string(),
            body: self.form.value(BODY).replace("\\n", "\n"),
        }
    }

    /// Types into the focused field; a change withdraws the preview.
    pub fn key(&mut self, key: &KeyEvent) {
        if self.form.key(key) && self.previewed.take().is_some() {
            self.form.notes.clear();
        }
    }

    /// Handles a command; `None` when the composer does not use it.
    pub fn command(&mut self, cmd: Command, desk: &Desk) -> Option<Composed> {
        if self.form.movement(cmd) {
            return Some(Composed::Stay);
        }
        match cmd {
            Command::Back if self.form.back() => Some(Composed::Closed),
            Command::Back => Some(Composed::Stay),
            Command::Select => Some(self.enter(desk)),
            _ => None,
        }
    }

    /// Enter: a preview of what is typed, or, with a preview of it on show, the sending.
    fn enter(&mut self, desk: &Desk) -> Composed {
        self.form.problems.clear();
        let req = self.request();
        if self.previewed.as_ref() == Some(&req) {
            return match desk.send_bulk_mail(&req) {
                Ok(sent) => Composed::Sent(format!(
                    "Queued {} message(s) to {} employer(s) promoting {} event(s); {} contact(s) left out.",
                    sent.queued,
                    sent.engagement_notes,
                    sent.preview.events.len(),
                    sent.preview.left_out.len()
                )),
                Err(e) => self.refused(e),
            };
        }
        self.previewed = None;
        self.form.notes.clear();
        let missing: Vec<String> = [
            (req.events.is_empty(), "events: name at least one event to promote"),
            (
                req.employers.is_empty() && req.tags.is_empty(),
                "employers: say who to write to, by name and/or by tag",
            ),
            (req.subject.is_empty(), "subject: is required"),
            (
                req.body.trim().is_empty(),
                "body: is required; write what you are asking",
            ),
        ]
        .into_iter()
        .filter(|(missing, _)| *missing)
        .map(|(_, why)| why.to_string())
        .collect();
        if !missing.is_empty() {
            self.focus_on_problem(&missing[0]);
            self.form.problems = missing;
            return Composed::Stay;
        }
        match desk.preview_bulk_mail(&req) {
            Ok(p) => {
                self.recipients = p.recipients.len();
                self.form.notes = preview_lines(&p);
                self.previewed = Some(req);
                Composed::Stay
            }
            Err(e) => self.refused(e),
        }
    }

    fn focus_on_problem(&mut self, problem: &str) {
        let label = match problem.split(':').next().unwrap_or("") {
            "events" | "event" => EVENTS,
            "employers" | "employer" => EMPLOYERS,
            "tags" | "tag" => TAGS,
            "subject" => SUBJECT,
            "body" => BODY,
            _ => return,
        };
        self.form.focus_on(label);
    }

    fn refused(&mut self, e: DeskError) -> Composed {
        self.previewed = None;
        match e {
            DeskError::Fields(errors) => self.form.problems.extend(errors.iter().map(|e| e.to_string())),
            other => self.form.problems.push(other.to_string()),
        }
        if let Some(first) = self.form.problems.first().cloned() {
            self.focus_on_problem(&first);
        }
        Composed::Stay
    }

    /// Draws the composer in `area`.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let help = match &self.previewed {
            Some(_) => format!(
                "enter sends one message to each of the {} recipient(s) · typing changes the mail · esc cancels",
                self.recipients
            ),
            None => "↑/↓ field · enter previews the recipients (nothing is sent yet) · esc cancels".to_string(),
        };
        self.form
            .render(frame, area, "Bulk mail to employers (EVT-04)", &help, th);
    }
}

/// A preview as the lines under the fields: the events, each recipient, each contact left out
/// with the reason, the multi-owner employers whose recent notes to read first.
fn preview_lines(p: &BulkMailPreview) -> Vec<String> {
    let mut lines = vec![format!(
        "Preview, nothing sent yet: {} message(s) to {} employer(s), \"{}\"",
        p.recipients.len(),
        p.employers,
        p.subject
    )];
    for e in &p.events {
        lines.push(format!("  promoting \"{}\", {}, {}", e.title, e.when, e.place));
    }
    lines.push(format!("To ({}):", p.recipients.len()));
    for r in &p.recipients {
        let key = if r.key_contact { "*" } else { "" };
        lines.push(format!(
            "  {}{key} <{}> at {}",
            r.contact_name, r.email, r.employer_name
        ));
    }
    if !p.left_out.is_empty() {
        lines.push(format!("Left out ({}):", p.left_out.len()));
        for l in &p.left_out {
            lines.push(format!("  {} at {}: {}", l.contact, l.employer, l.reason));
        }
    }
    for c in &p.check_recent {
        lines.push(format!(
            "Multi-owner {}: read its {} recent engagement note(s) first (EMP-05)",
            c.employer_name, c.notes
        ));
    }
    lines
}
