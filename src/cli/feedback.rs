//! `careerdesk feedback add|list` (DATA-10): feedback on appointments and events; the
//! quotable list shows only comments consented for anonymous quotation, never who gave them.

use clap::{ArgGroup, Subcommand};

use crate::desk::{Desk, DeskError, NewFeedback};
use crate::domain::records::{Feedback, FeedbackSubject};

use super::output::{emit, Format, Table};

/// `feedback ...`.
#[derive(Debug, Subcommand)]
pub enum FeedbackCmd {
    /// Record feedback on an appointment or an event (prints its id).
    #[command(group(ArgGroup::new("about").required(true).args(["appointment", "event"])))]
    Add {
        /// The appointment (booking id) it is about.
        #[arg(long, value_name = "ID")]
        appointment: Option<String>,
        /// The event id it is about.
        #[arg(long, value_name = "ID")]
        event: Option<String>,
        /// 1 (poor) to 5 (excellent).
        #[arg(long)]
        rating: u8,
        /// The comment.
        #[arg(long)]
        comment: String,
        /// The author consents to the comment being quoted anonymously in publicity.
        #[arg(long)]
        may_quote: bool,
    },
    /// List feedback, newest first; --quotable shows only comments that may be quoted
    /// anonymously, without who gave them.
    List {
        /// Only the comments consented for anonymous quotation.
        #[arg(long)]
        quotable: bool,
    },
}

fn bad_id(what: &str, text: &str) -> DeskError {
    DeskError::Invalid(format!("`{text}` is not {what} id; nothing was recorded"))
}

/// Runs one `feedback` subcommand.
pub(super) fn run(format: Format, desk: &Desk, cmd: &FeedbackCmd) -> Result<(), DeskError> {
    match cmd {
        FeedbackCmd::Add {
            appointment,
            event,
            rating,
            comment,
            may_quote,
        } => {
            let subject = match (appointment, event) {
                (Some(a), _) => FeedbackSubject::Appointment(a.parse().map_err(|_| bad_id("an appointment", a))?),
                (None, Some(e)) => FeedbackSubject::Event(e.parse().map_err(|_| bad_id("an event", e))?),
                (None, None) => {
                    return Err(DeskError::Invalid(
                        "say what the feedback is about: --appointment ID or --event ID".into(),
                    ))
                }
            };
            let f = desk.add_feedback(&NewFeedback {
                subject,
                rating: *rating,
                comment: comment.clone(),
                may_quote: *may_quote,
            })?;
            emit(format, &serde_json::json!({ "feedback": f.id.to_string() }), || {
                format!("recorded feedback {}\n", f.id)
            });
        }
        FeedbackCmd::List { quotable: true } => {
            let list = desk.quotable_feedback()?;
            emit(format, &list, || {
                let mut t = Table::new(&["ON", "RATING", "ABOUT", "COMMENT"]);
                for q in &list {
                    t.row(vec![
                        q.on.to_string(),
                        q.rating.to_string(),
                        q.about.clone(),
                        q.comment.clone(),
                    ]);
                }
                t.render()
            });
        }
        FeedbackCmd::List { quotable: false } => {
            let list = desk.feedback()?;
            emit(format, &list, || table(desk, &list));
        }
    }
    Ok(())
}

fn table(desk: &Desk, list: &[Feedback]) -> String {
    let mut t = Table::new(&["ID", "WHEN", "ABOUT", "RATING", "QUOTE", "COMMENT"]);
    for f in list {
        let about = match f.subject {
            FeedbackSubject::Appointment(id) => format!("appointment {id}"),
            FeedbackSubject::Event(id) => format!("event {id}"),
        };
        t.row(vec![
            f.id.to_string(),
            desk.local_time(f.at).format("%Y-%m-%d %H:%M").to_string(),
            about,
            f.rating.to_string(),
            if f.may_quote_anonymously { "yes" } else { "-" }.into(),
            f.comment.clone(),
        ]);
    }
    t.render()
}
