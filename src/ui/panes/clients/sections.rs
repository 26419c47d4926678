//! The card's sections below the record (DATA-01, DATA-03, DATA-10, DATA-11, CMP-01): consents,
//! attachments, enquiries, feedback and complaints. They are loaded through the desk as a job
//! when a card opens; each section holds what the service gave, or its refusal, so the screen
//! shows only what the service allows the operator's role.

use ratatui::text::{Line, Span};

use crate::desk::{consent_state_code, ComplaintLine, ConsentLine, Desk, DeskError};
use crate::domain::enquiry::Enquiry;
use crate::domain::ids::ClientId;
use crate::domain::records::{attachment_kind_code, Attachment, ComplaintSubject, Feedback, FeedbackSubject};
use crate::domain::validate::StudentNumber;
use crate::ui::panes::widgets::local;
use crate::ui::theme::Theme;

/// One section of the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    /// The consent register's current state (DATA-11).
    #[default]
    Consents,
    /// Uploaded files (DATA-01).
    Attachments,
    /// Enquiries from the client (DATA-03).
    Enquiries,
    /// Feedback on the client's appointments (DATA-10).
    Feedback,
    /// The client's complaints (CMP-01, CMP-02).
    Complaints,
}

impl Section {
    /// Every section, in the order `card-section` goes through them.
    pub const ALL: [Section; 5] = [
        Section::Consents,
        Section::Attachments,
        Section::Enquiries,
        Section::Feedback,
        Section::Complaints,
    ];

    /// The section's name, as its tab shows it.
    pub fn title(self) -> &'static str {
        match self {
            Section::Consents => "Consents",
            Section::Attachments => "Attachments",
            Section::Enquiries => "Enquiries",
            Section::Feedback => "Feedback",
            Section::Complaints => "Complaints",
        }
    }

    /// The section after this one (round to the first).
    pub fn next(self) -> Section {
        let i = Section::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Section::ALL[(i + 1) % Section::ALL.len()]
    }
}

/// What the desk gave for one section.
#[derive(Debug, Clone)]
pub enum Loaded<T> {
    /// The records, for the card.
    Shown(Vec<T>),
    /// The service refused the operator's role: its message is shown instead.
    Refused(String),
    /// Something else went wrong (a damaged record, say).
    Failed(String),
}

impl<T> Loaded<T> {
    fn of(result: Result<Vec<T>, DeskError>) -> Loaded<T> {
        match result {
            Ok(v) => Loaded::Shown(v),
            Err(DeskError::Denied(why)) => Loaded::Refused(why),
            Err(e) => Loaded::Failed(e.to_string()),
        }
    }

    /// The records shown (none when refused or failed).
    pub fn shown(&self) -> &[T] {
        match self {
            Loaded::Shown(v) => v,
            Loaded::Refused(_) | Loaded::Failed(_) => &[],
        }
    }
}

/// The sections of one client's card, as the desk gave them.
#[derive(Debug, Clone)]
pub struct CardSections {
    /// Whose card.
    pub client: ClientId,
    /// The current consent per service.
    pub consents: Loaded<ConsentLine>,
    /// Attachments' metadata (never the content).
    pub attachments: Loaded<Attachment>,
    /// Enquiries, newest first.
    pub enquiries: Loaded<Enquiry>,
    /// Feedback on the client's appointments, newest first.
    pub feedback: Loaded<Feedback>,
    /// Complaints, newest first.
    pub complaints: Loaded<ComplaintLine>,
}

/// Loads every section of a client's card through the desk (run as a job).
pub fn fetch(desk: &Desk, client: ClientId, sn: &StudentNumber) -> CardSections {
    CardSections {
        client,
        consents: Loaded::of(desk.consents(sn).map(|r| r.current)),
        attachments: Loaded::of(desk.attachments(sn)),
        enquiries: Loaded::of(desk.client_enquiries(sn)),
        feedback: Loaded::of(desk.client_feedback(sn)),
        complaints: Loaded::of(desk.client_complaints(sn)),
    }
}

impl CardSections {
    /// How many rows `section` has to choose from.
    pub fn rows(&self, section: Section) -> usize {
        match section {
            Section::Consents => self.consents.shown().len(),
            Section::Attachments => self.attachments.shown().len(),
            Section::Enquiries => self.enquiries.shown().len(),
            Section::Feedback => self.feedback.shown().len(),
            Section::Complaints => self.complaints.shown().len(),
        }
    }

    /// The lines of `section`, one per row (or the service's refusal).
    pub fn lines(&self, section: Section, tz: chrono_tz::Tz, th: &Theme) -> Vec<Line<'static>> {
        // Records written before text had limits may hold anything: a line's worth is shown.
        let short = |s: &str| {
            crate::domain::text::shorten(s, 80)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
        };
        let (refusal, lines) = match section {
            Section::Consents => (
                status(&self.consents),
                self.consents
                    .shown()
                    .iter()
                    .map(|c| {
                        let state = consent_state_code(c.consent.state);
                        Line::raw(format!(
                            "{:<20} {state:<9} {}  by {}",
                            c.consent.service,
                            local(tz, c.consent.at),
                            c.recorded_by_login
                        ))
                    })
                    .collect::<Vec<_>>(),
            ),
            Section::Attachments => (
                status(&self.attachments),
                self.attachments
                    .shown()
                    .iter()
                    .map(|a| {
                        Line::raw(format!(
                            "{:<30} {:<13} {:>9}  {}",
                            short(&a.name),
                            attachment_kind_code(a.kind),
                            size(a.size),
                            local(tz, a.added_at)
                        ))
                    })
                    .collect(),
            ),
            Section::Enquiries => (
                status(&self.enquiries),
                self.enquiries
                    .shown()
                    .iter()
                    .map(|e| {
                        let state = match e.resolved_on {
                            Some(d) => Span::styled(format!("resolved {d}"), th.good),
                            None => Span::styled("open".to_string(), th.warn),
                        };
                        Line::from(vec![
                            Span::raw(format!(
                                "{}  {:<6} ",
                                local(tz, e.received_at),
                                crate::desk::channel_code(e.channel)
                            )),
                            state,
                            Span::raw(format!("  {}", short(&e.summary))),
                        ])
                    })
                    .collect(),
            ),
            Section::Feedback => (
                status(&self.feedback),
                self.feedback
                    .shown()
                    .iter()
                    .map(|f| {
                        let about = match f.subject {
                            FeedbackSubject::Appointment(_) => "appointment",
                            FeedbackSubject::Event(_) => "event",
                        };
                        let quote = if f.may_quote_anonymously {
                            "may be quoted"
                        } else {
                            "internal"
                        };
                        Line::raw(format!(
                            "{}  {about}  {}/5  {quote}  {}",
                            local(tz, f.at),
                            f.rating,
                            short(&f.comment)
                        ))
                    })
                    .collect(),
            ),
            Section::Complaints => (
                status(&self.complaints),
                self.complaints
                    .shown()
                    .iter()
                    .map(|l| {
                        let about = match (&l.complaint.subject, &l.employer_name) {
                            (ComplaintSubject::Employer { .. }, Some(name)) => format!("employer {}", short(name)),
                            (ComplaintSubject::Employer { .. }, None) => "an employer".into(),
                            (ComplaintSubject::Service { history }, _) => match history.last() {
                                Some((stage, at)) => format!(
                                    "the service  [escalated to the {} {}]",
                                    crate::domain::complaint::stage_name(*stage),
                                    local(tz, *at)
                                ),
                                None => "the service  [not escalated]".into(),
                            },
                        };
                        Line::raw(format!(
                            "{}  about {about}  {}",
                            local(tz, l.complaint.received_at),
                            short(&l.complaint.summary)
                        ))
                    })
                    .collect(),
            ),
        };
        match refusal {
            Some(Err(why)) => vec![Line::styled(format!("Not shown to your role: {why}"), th.dim)],
            Some(Ok(problem)) => vec![Line::styled(format!("Could not be read: {problem}"), th.bad)],
            None if lines.is_empty() => vec![Line::styled("none recorded", th.dim)],
            None => lines,
        }
    }
}

/// `None` when shown; a refusal as `Err`, another problem as `Ok`.
fn status<T>(l: &Loaded<T>) -> Option<Result<String, String>> {
    match l {
        Loaded::Shown(_) => None,
        Loaded::Refused(why) => Some(Err(why.clone())),
        Loaded::Failed(e) => Some(Ok(e.clone())),
    }
}

/// A size as people read it.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// An attachment's content as lines for the screen: text with control characters shown as
/// `?`, never sent raw to the terminal; a binary file is named, not drawn.
pub fn content_lines(bytes: &[u8]) -> Vec<String> {
    if bytes.contains(&0) {
        return vec![format!(
            "A binary file of {} bytes: not drawn here; `careerdesk attachment get ID --out FILE` saves it.",
            bytes.len()
        )];
    }
    String::from_utf8_lossy(bytes)
        .lines()
        .take(2_000)
        .map(|l| {
            l.chars()
                .map(|c| match c {
                    '\t' => ' ',
                    c if c.is_control() => '?',
                    c => c,
                })
                .collect()
        })
        .collect()
}
