//! The card's sections in the clients pane: loading them as a job, choosing in them, opening an
//! attachment (through the desk, so the read is audited and refused to roles without
//! `ReadAttachments`), and the small forms that record a consent, an enquiry or feedback.

use ratatui::layout::Rect;
use ratatui::Frame;

use super::sections::{self, CardSections, Section};
use super::{ClientsPane, Mode};
use crate::desk::{parse_channel, Desk, NewEnquiry, NewFeedback};
use crate::domain::complaint;
use crate::domain::ids::AppointmentId;
use crate::domain::records::{ComplaintSubject, FeedbackSubject};
use crate::domain::validate::StudentNumber;
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::pane::{is_movement, move_selection, Cx, PaneId};
use crate::ui::panes::form::{Form, FormField};
use crate::ui::theme::Theme;

/// What a record form records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recording {
    GiveConsent,
    WithdrawConsent,
    Enquiry,
    Feedback(AppointmentId),
}

/// A form recording something about the card's client.
pub(super) struct RecordForm {
    what: Recording,
    form: Form,
}

impl RecordForm {
    fn consent(give: bool, service: &str) -> Self {
        let what = if give {
            Recording::GiveConsent
        } else {
            Recording::WithdrawConsent
        };
        let mut field = FormField::new("Service", "", "the third-party service, e.g. cv-scoring");
        field.input.set(service);
        Self {
            what,
            form: Form::new(vec![field]),
        }
    }

    fn enquiry() -> Self {
        let mut channel = FormField::new("Channel", "", "email, phone, desk or chat");
        channel.input.set("desk");
        Self {
            what: Recording::Enquiry,
            form: Form::new(vec![
                channel,
                FormField::new("Summary", "", "what was asked, in brief (never a transcript)"),
            ]),
        }
    }

    fn feedback(appointment: AppointmentId, about: &str) -> Self {
        let mut quote = FormField::new("May quote", "", "yes or no: may it be quoted anonymously (DATA-10)");
        quote.input.set("no");
        Self {
            what: Recording::Feedback(appointment),
            form: Form::new(vec![
                FormField::new("About", about, "").locked("the client's latest past appointment"),
                FormField::new("Rating", "", "1 to 5"),
                FormField::new("Comment", "", ""),
                quote,
            ]),
        }
    }

    fn title(&self) -> &'static str {
        match self.what {
            Recording::GiveConsent => "Give consent (DATA-11)",
            Recording::WithdrawConsent => "Withdraw consent (DATA-11)",
            Recording::Enquiry => "Record an enquiry (DATA-03)",
            Recording::Feedback(_) => "Record feedback (DATA-10)",
        }
    }

    /// Records it through the desk: what to say and which section to show, or the problem.
    fn submit(&self, desk: &Desk, sn: &StudentNumber) -> Result<(String, Section), String> {
        let f = &self.form;
        match self.what {
            Recording::GiveConsent => desk
                .give_consent(sn, f.value("Service"))
                .map(|c| (format!("Consent to {} given.", c.service), Section::Consents)),
            Recording::WithdrawConsent => desk
                .withdraw_consent(sn, f.value("Service"))
                .map(|c| (format!("Consent to {} withdrawn.", c.service), Section::Consents)),
            Recording::Enquiry => {
                let channel = parse_channel(f.value("Channel")).map_err(|e| e.to_string())?;
                desk.add_enquiry(&NewEnquiry {
                    channel,
                    client: Some(sn.clone()),
                    summary: f.value("Summary").to_string(),
                    body: None,
                })
                .map(|_| ("Enquiry recorded.".to_string(), Section::Enquiries))
            }
            Recording::Feedback(appointment) => {
                let rating = f
                    .value("Rating")
                    .parse::<u8>()
                    .map_err(|_| format!("rating: type a number from 1 to 5, not `{}`", f.value("Rating")))?;
                let may_quote = match f.value("May quote").to_ascii_lowercase().as_str() {
                    "yes" | "y" => true,
                    "no" | "n" => false,
                    other => return Err(format!("may quote: type yes or no, not `{other}`")),
                };
                desk.add_feedback(&NewFeedback {
                    subject: FeedbackSubject::Appointment(appointment),
                    rating,
                    comment: f.value("Comment").to_string(),
                    may_quote,
                })
                .map(|_| ("Feedback recorded.".to_string(), Section::Feedback))
            }
        }
        .map_err(|e| e.to_string())
    }

    /// Draws the form.
    pub(super) fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        self.form.render(
            frame,
            area,
            self.title(),
            "enter records it · ↑/↓ fields · esc closes",
            th,
        );
    }

    /// A key for the focused field.
    pub(super) fn key(&mut self, key: &crossterm::event::KeyEvent) {
        self.form.key(key);
    }
}

impl ClientsPane {
    /// Loads the card's sections as a job; a result for another client is dropped.
    pub(super) fn load_sections(&mut self, cx: &mut Cx<'_>) {
        let Some(card) = &self.card else { return };
        let (id, sn) = (card.client.id, card.client.student_number.clone());
        cx.spawn(PaneId::Clients, "the card's sections", move |desk| {
            PaneDone::CardSections(Box::new(sections::fetch(desk, id, &sn)))
        });
    }

    /// Takes the sections once loaded, if they are still for the card on show.
    pub(super) fn sections_loaded(&mut self, loaded: CardSections) {
        if self.card.as_ref().is_some_and(|c| c.client.id == loaded.client) {
            let rows = loaded.rows(self.section);
            if let Mode::Section { selected } = &mut self.mode {
                *selected = (*selected).min(rows.saturating_sub(1));
            }
            self.sections = Some(loaded);
        }
    }

    /// `card-section`: from the card, choose in the section on show; in a section, the next.
    pub(super) fn next_section(&mut self, cx: &mut Cx<'_>) {
        if self.card.is_none() {
            return cx.problem("choose a client first: type part of a name, then enter");
        }
        if matches!(self.mode, Mode::Section { .. }) {
            self.section = self.section.next();
        }
        self.searching = false;
        self.mode = Mode::Section { selected: 0 };
    }

    /// A command while choosing in a section, reading an attachment or filling a form;
    /// `None` when the mode is none of these.
    pub(super) fn section_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> Option<bool> {
        match &mut self.mode {
            Mode::Record(form) => {
                if form.form.movement(cmd) {
                    return Some(true);
                }
                match cmd {
                    Command::Select => self.submit_record(cx),
                    Command::Back if form.form.back() => self.mode = Mode::Section { selected: 0 },
                    Command::Back => {}
                    _ => return Some(false),
                }
                Some(true)
            }
            Mode::Attachment { scroll, lines, .. } => {
                if is_movement(cmd) {
                    *scroll = move_selection(*scroll, lines.len(), cmd, 10);
                } else if cmd == Command::Back {
                    self.mode = Mode::Section { selected: 0 };
                } else {
                    return Some(false);
                }
                Some(true)
            }
            Mode::Section { selected } => {
                let rows = self.sections.as_ref().map_or(0, |s| s.rows(self.section));
                if is_movement(cmd) {
                    *selected = move_selection(*selected, rows, cmd, 5);
                    self.resolving = None;
                    return Some(true);
                }
                match cmd {
                    Command::Back if self.resolving.is_some() => {
                        self.resolving = None;
                        cx.done("The enquiry stays open.");
                    }
                    Command::Back => self.mode = Mode::Browse,
                    Command::EscalateComplaint => {
                        let at = *selected;
                        self.escalate(at, cx);
                    }
                    Command::Select if self.section == Section::Enquiries => {
                        let at = *selected;
                        self.resolve_enquiry(at, cx);
                    }
                    Command::Select | Command::OpenAttachment if self.section == Section::Attachments => {
                        let at = *selected;
                        self.open_attachment(at, cx);
                    }
                    Command::Select => cx.problem(format!(
                        "enter opens an attachment or resolves an enquiry; {} rows are for reading (s shows the next section)",
                        self.section.title().to_lowercase()
                    )),
                    _ => return None,
                }
                Some(true)
            }
            _ => None,
        }
    }

    /// `escalate-complaint` from the card: shows the complaints to choose from.
    pub(super) fn complaints_to_escalate(&mut self, cx: &mut Cx<'_>) {
        if self.card.is_none() {
            return cx.problem("choose a client first: type part of a name, then enter");
        }
        self.section = Section::Complaints;
        self.searching = false;
        self.mode = Mode::Section { selected: 0 };
        cx.done("↑/↓ choose the complaint about the service, then escalate it again");
    }

    /// Escalates the `at`th complaint of the section to its next stage through the desk
    /// (CMP-02: supervisors; one stage at a time, dated). Only a complaint about the service
    /// escalates; the desk's refusal is shown as it is.
    fn escalate(&mut self, at: usize, cx: &mut Cx<'_>) {
        if self.section != Section::Complaints {
            self.section = Section::Complaints;
            return cx.problem("choose a complaint first: ↑/↓ in the complaints section, then escalate");
        }
        let Some(line) = self
            .sections
            .as_ref()
            .and_then(|s| s.complaints.shown().get(at).cloned())
        else {
            return cx.problem("no complaint chosen: this client has none shown here");
        };
        let ComplaintSubject::Service { history } = &line.complaint.subject else {
            return cx.problem(
                "a complaint about an employer does not escalate (CMP-02); only complaints about the service do",
            );
        };
        let Some(next) = complaint::next_stage(history) else {
            return cx.problem("this complaint has reached the university stage: there is no further stage");
        };
        match cx.desk.escalate_complaint(line.complaint.id, next) {
            Ok(_) => {
                cx.done(format!(
                    "Escalated the complaint to the {} (dated today).",
                    complaint::stage_name(next)
                ));
                self.load_sections(cx);
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// `enter` on an enquiry: the first asks to confirm, the second (on the same open enquiry)
    /// resolves it through the desk (DATA-03) and reloads the sections.
    fn resolve_enquiry(&mut self, at: usize, cx: &mut Cx<'_>) {
        let Some(e) = self
            .sections
            .as_ref()
            .and_then(|s| s.enquiries.shown().get(at).cloned())
        else {
            return cx.problem("no enquiry chosen: ↑/↓ choose one in the enquiries section");
        };
        if let Some(d) = e.resolved_on {
            self.resolving = None;
            return cx.problem(format!("that enquiry was resolved on {d}"));
        }
        if self.resolving != Some(e.id) {
            self.resolving = Some(e.id);
            return cx.done(format!(
                "Resolve the enquiry \"{}\"? enter again resolves it, esc keeps it open.",
                crate::domain::text::shorten(&e.summary, 60)
            ));
        }
        self.resolving = None;
        match cx.desk.resolve_enquiry(e.id) {
            Ok(done) => {
                let on = done.resolved_on.map(|d| d.to_string()).unwrap_or_default();
                cx.done(format!("Enquiry resolved on {on}."));
                self.load_sections(cx);
            }
            Err(err) => cx.problem(err.to_string()),
        }
    }

    /// `open-attachment` from the card: shows the attachments to choose from.
    pub(super) fn attachments_to_open(&mut self, cx: &mut Cx<'_>) {
        if self.card.is_none() {
            return cx.problem("choose a client first: type part of a name, then enter");
        }
        self.section = Section::Attachments;
        self.searching = false;
        self.mode = Mode::Section { selected: 0 };
        if self
            .sections
            .as_ref()
            .is_some_and(|s| s.rows(Section::Attachments) == 0)
        {
            cx.problem("this client has no attachments to open");
        }
    }

    /// Reads the `at`th attachment through the desk (audited; refused to roles without
    /// `ReadAttachments`, whose refusal is shown as it is).
    fn open_attachment(&mut self, at: usize, cx: &mut Cx<'_>) {
        let Some(a) = self
            .sections
            .as_ref()
            .and_then(|s| s.attachments.shown().get(at).cloned())
        else {
            return cx.problem("no attachment chosen: ↑/↓ choose one in the attachments section");
        };
        match cx.desk.read_attachment(a.id) {
            Ok((a, bytes)) => {
                cx.done(format!("Opened {} (the read is logged).", a.name));
                self.mode = Mode::Attachment {
                    name: a.name,
                    lines: sections::content_lines(&bytes),
                    scroll: 0,
                };
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// Opens the form for a recording command, when the command is one.
    pub(super) fn start_record(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Some(card) = &self.card else {
            if matches!(
                cmd,
                Command::GiveConsent | Command::WithdrawConsent | Command::AddEnquiry | Command::AddFeedback
            ) {
                cx.problem("choose a client first: type part of a name, then enter");
                return true;
            }
            return false;
        };
        let chosen_consent = match self.mode {
            Mode::Section { selected } if self.section == Section::Consents => self
                .sections
                .as_ref()
                .and_then(|s| s.consents.shown().get(selected))
                .map(|c| c.consent.service.clone()),
            _ => None,
        };
        let form = match cmd {
            Command::GiveConsent => RecordForm::consent(true, ""),
            Command::WithdrawConsent => RecordForm::consent(false, chosen_consent.as_deref().unwrap_or("")),
            Command::AddEnquiry => RecordForm::enquiry(),
            Command::AddFeedback => {
                let now = self.now;
                let Some(a) = card.appointments.iter().rev().find(|a| a.start <= now) else {
                    cx.problem("feedback is on an appointment, and this client has had none yet");
                    return true;
                };
                let about = format!(
                    "{} {}",
                    a.appointment_type,
                    cx.desk.local_time(a.start).format("%Y-%m-%d %H:%M")
                );
                RecordForm::feedback(a.id, &about)
            }
            _ => return false,
        };
        self.searching = false;
        self.mode = Mode::Record(Box::new(form));
        true
    }

    fn submit_record(&mut self, cx: &mut Cx<'_>) {
        let (Mode::Record(form), Some(card)) = (&mut self.mode, &self.card) else {
            return;
        };
        match form.submit(cx.desk, &card.client.student_number) {
            Ok((message, section)) => {
                cx.done(message);
                self.section = section;
                self.mode = Mode::Section { selected: 0 };
                self.load_sections(cx);
            }
            Err(problem) => form.form.problems = vec![problem],
        }
    }
}
