//! `mail employers`: bulk mail to employer contacts promoting events (EVT-04, SEC-06). A
//! preview lists exactly who gets it and who is left out; `--send` queues one message per
//! recipient in the outbox (`outbox flush` sends them).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::desk::{BulkMailPreview, BulkMailRequest, Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::bulk_mail::BODY_CHARS;

use super::output::{emit, Format, Table};

/// `mail ...`.
#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// One message to employer contacts promoting one or more events; each recipient gets their
    /// own copy. Needs the bulk-email grant.
    Employers(EmployerMailArgs),
}

/// `mail employers`.
#[derive(Debug, Args)]
pub struct EmployerMailArgs {
    /// An event to promote, by id or title (repeat for several, up to 10).
    #[arg(long = "event", value_name = "ID_OR_TITLE", required = true)]
    pub events: Vec<String>,
    /// An employer to write to, by id or unique name (repeat for several).
    #[arg(long = "employer", value_name = "NAME")]
    pub employers: Vec<String>,
    /// Also write to every employer carrying all of these tags (repeat for several).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Subject line.
    #[arg(long)]
    pub subject: String,
    /// A UTF-8 text file holding the message; the events' details are added below it.
    #[arg(long, value_name = "FILE")]
    pub body_file: PathBuf,
    /// Show who would get it and who is left out, and queue nothing.
    #[arg(long, conflicts_with = "send", required_unless_present = "send")]
    pub preview: bool,
    /// Queue the messages in the outbox.
    #[arg(long)]
    pub send: bool,
}

/// Reads the body file: UTF-8, at most four bytes a character of the body's limit.
fn read_body(path: &Path) -> Result<String, DeskError> {
    let size = std::fs::metadata(path).map_err(DeskError::file("read", path))?.len();
    if size > (BODY_CHARS as u64) * 4 {
        return Err(DeskError::Invalid(format!(
            "{} is {size} bytes: a message body may have at most {BODY_CHARS} characters",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(DeskError::file("read", path))?;
    String::from_utf8(bytes).map_err(|e| {
        DeskError::Invalid(format!(
            "{} is not UTF-8 text (a bad byte at offset {}); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn preview_text(p: &BulkMailPreview) -> String {
    let mut out = format!(
        "subject: {}\n{} message(s), one to each recipient on their own (nobody sees another's address), \
         from {} employer(s)\n",
        p.subject,
        p.recipients.len(),
        p.employers
    );
    out.push_str(&format!("events ({}):\n", p.events.len()));
    for e in &p.events {
        out.push_str(&format!("  {}  {}  {}  ({})\n", e.title, e.when, e.place, e.audience));
    }
    let mut to = Table::new(&["EMPLOYER", "CONTACT", "E-MAIL"]);
    for r in &p.recipients {
        let name = if r.key_contact {
            format!("{}*", r.contact_name)
        } else {
            r.contact_name.clone()
        };
        to.row(vec![r.employer_name.clone(), name, r.email.as_str().to_string()]);
    }
    out.push_str("recipients:\n");
    out.push_str(&to.render());
    if !p.left_out.is_empty() {
        let mut left = Table::new(&["EMPLOYER", "CONTACT", "LEFT OUT BECAUSE"]);
        for l in &p.left_out {
            left.row(vec![l.employer.clone(), l.contact.clone(), l.reason.clone()]);
        }
        out.push_str(&format!("left out ({}):\n", p.left_out.len()));
        out.push_str(&left.render());
    }
    for c in &p.check_recent {
        out.push_str(&format!(
            "{} is multi-owner: {} engagement note(s) in the last 90 days; read them first (`employer show`)\n",
            c.employer_name, c.notes
        ));
    }
    out
}

/// Runs a `mail` command.
pub fn run(format: Format, desk: &Desk, cmd: &MailCmd) -> Result<(), DeskError> {
    let MailCmd::Employers(a) = cmd;
    // Refused without the grant before anything else is looked at (SEC-06).
    desk.require(Permission::BulkEmail)?;
    let req = BulkMailRequest {
        events: a.events.clone(),
        employers: a.employers.clone(),
        tags: a.tags.clone(),
        subject: a.subject.clone(),
        body: read_body(&a.body_file)?,
    };
    if a.send {
        let sent = desk.send_bulk_mail(&req)?;
        emit(format, &sent, || {
            format!(
                "{}queued {} message(s) in the outbox and noted an e-mail engagement with {} employer(s); \
                 `careerdesk outbox flush` sends them\n",
                preview_text(&sent.preview),
                sent.queued,
                sent.engagement_notes
            )
        });
    } else {
        let p = desk.preview_bulk_mail(&req)?;
        emit(format, &p, || {
            format!(
                "{}message to the first recipient:\n----\nTo: {}\nSubject: {}\n\n{}----\nnothing was queued; \
                 run again with --send instead of --preview to queue these messages\n",
                preview_text(&p),
                p.sample.to,
                p.sample.subject,
                p.sample.body
            )
        });
    }
    Ok(())
}
