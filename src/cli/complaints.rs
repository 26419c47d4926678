//! `careerdesk complaint add|escalate|list|show` (CMP-01, CMP-02).

use clap::Subcommand;

use crate::desk::{ComplaintAbout, ComplaintLine, Desk, DeskError, NewComplaint};
use crate::domain::complaint::{parse_stage, stage_name, LADDER};
use crate::domain::ids::ComplaintId;
use crate::domain::records::ComplaintSubject;
use crate::domain::validate::StudentNumber;

use super::args;
use super::output::{emit, fields, Format, Table};

/// `complaint ...`.
#[derive(Debug, Subcommand)]
pub enum ComplaintCmd {
    /// Record a complaint about an employer (--employer) or about the service (--about-service).
    Add {
        /// The complaining client's student number.
        #[arg(long)]
        client: String,
        /// The employer complained about (id or unique name).
        #[arg(long, required_unless_present = "about_service", conflicts_with = "about_service")]
        employer: Option<String>,
        /// The student allows the service to take it up with the employer (CMP-01).
        #[arg(long, requires = "employer")]
        permission: bool,
        /// A complaint about the careers service itself (CMP-02).
        #[arg(long)]
        about_service: bool,
        /// What happened, in brief.
        #[arg(long)]
        summary: String,
    },
    /// Escalate a complaint about the service to its next stage: director, committee, university.
    Escalate {
        /// Complaint id.
        id: String,
        /// The next stage: director, committee or university.
        #[arg(long)]
        to: String,
    },
    /// List complaints, newest first.
    List {
        /// Only those about this employer (id or unique name).
        #[arg(long)]
        employer: Option<String>,
    },
    /// Show one complaint with its dated escalation history.
    Show {
        /// Complaint id.
        id: String,
    },
}

fn complaint_id(raw: &str) -> Result<ComplaintId, DeskError> {
    raw.trim()
        .parse()
        .map_err(|_| DeskError::Invalid(format!("`{raw}` is not a complaint id; `complaint list` shows them")))
}

/// Runs one `complaint` subcommand.
pub fn run(format: Format, desk: &Desk, cmd: &ComplaintCmd) -> Result<(), DeskError> {
    match cmd {
        ComplaintCmd::Add {
            client,
            employer,
            permission,
            about_service,
            summary,
        } => {
            let about = match (employer, about_service) {
                (Some(e), false) => ComplaintAbout::Employer {
                    employer: e.clone(),
                    permission: *permission,
                },
                _ => ComplaintAbout::Service,
            };
            let c = desk.add_complaint(&NewComplaint {
                client: args::student_number(client)?,
                about,
                summary: summary.clone(),
            })?;
            emit(format, &serde_json::json!({ "complaint": c.id.to_string() }), || {
                format!("recorded complaint {}\n", c.id)
            });
        }
        ComplaintCmd::Escalate { id, to } => {
            let stage = parse_stage(to).ok_or_else(|| {
                let names: Vec<&str> = LADDER.iter().map(|s| stage_name(*s)).collect();
                DeskError::Invalid(format!("--to `{to}` is not one of {}", names.join(", ")))
            })?;
            let c = desk.escalate_complaint(complaint_id(id)?, stage)?;
            emit(
                format,
                &serde_json::json!({ "complaint": c.id.to_string(), "stage": stage_name(stage) }),
                || format!("complaint {} escalated to the {}\n", c.id, stage_name(stage)),
            );
        }
        ComplaintCmd::List { employer } => {
            let list = desk.complaints(employer.as_deref())?;
            emit(format, &list, || table(desk, &list));
        }
        ComplaintCmd::Show { id } => {
            let line = desk.complaint(complaint_id(id)?)?;
            emit(format, &line, || show(desk, &line));
        }
    }
    Ok(())
}

/// What a complaint is about, in a few words.
fn about(l: &ComplaintLine) -> String {
    match &l.complaint.subject {
        ComplaintSubject::Employer { .. } => l.employer_name.clone().unwrap_or_default(),
        ComplaintSubject::Service { .. } => "the service".into(),
    }
}

/// Where it stands: the stage, or whether it may be taken up with the employer.
fn standing(l: &ComplaintLine) -> String {
    match &l.complaint.subject {
        ComplaintSubject::Employer { permission, .. } => {
            let mut s = match (permission, l.may_take_up) {
                (true, _) => "may take up (permission)".to_string(),
                (false, true) => "may take up (employer flagged)".to_string(),
                (false, false) => "no permission".to_string(),
            };
            if let Some(n) = l.employer_flag {
                s.push_str(&format!("; FLAGGED: {n} students"));
            }
            s
        }
        ComplaintSubject::Service { history } => match history.last() {
            Some((stage, _)) => format!("with the {}", stage_name(*stage)),
            None => "not escalated".into(),
        },
    }
}

fn table(desk: &Desk, list: &[ComplaintLine]) -> String {
    let mut t = Table::new(&["ID", "RECEIVED", "STUDENT NUMBER", "ABOUT", "STANDING", "SUMMARY"]);
    for l in list {
        t.row(vec![
            l.complaint.id.to_string(),
            desk.local_time(l.complaint.received_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            StudentNumber::shown(l.student_number.as_ref()).to_string(),
            about(l),
            standing(l),
            l.complaint.summary.clone(),
        ]);
    }
    t.render()
}

fn show(desk: &Desk, l: &ComplaintLine) -> String {
    let c = &l.complaint;
    let mut out = fields(&[
        ("id", c.id.to_string()),
        (
            "received",
            desk.local_time(c.received_at).format("%Y-%m-%d %H:%M").to_string(),
        ),
        (
            "student number",
            StudentNumber::shown(l.student_number.as_ref()).to_string(),
        ),
        ("about", about(l)),
        ("standing", standing(l)),
        ("summary", c.summary.clone()),
    ]);
    if let ComplaintSubject::Service { history } = &c.subject {
        out.push_str("escalation:\n");
        if history.is_empty() {
            out.push_str("  (not escalated; the first stage is the director)\n");
        }
        for (stage, at) in history {
            out.push_str(&format!(
                "  {}  {}\n",
                desk.local_time(*at).format("%Y-%m-%d %H:%M"),
                stage_name(*stage)
            ));
        }
    }
    out
}
