//! `careerdesk note add|amend|list|show` (SEC-04, APPT-07): notes with their access level; reading
//! above one's level needs `--break-glass REASON`.

use clap::Subcommand;

use crate::desk::{Desk, DeskError, NoteSummary};
use crate::domain::ids::NoteId;
use crate::domain::note::{AccessLevel, Confidentiality, Note};
use crate::domain::validate::FieldError;

use super::args;
use super::output::{emit, fields, Format, Table};

/// `note ...`.
#[derive(Debug, Subcommand)]
pub enum NoteCmd {
    /// Write a note on a client (consultants and supervisors); prints its id.
    Add {
        /// The client's student number.
        client: String,
        /// The note's text.
        #[arg(long)]
        body: String,
        /// The booking it was written for [default: none, a note outside an appointment].
        #[arg(long)]
        booking: Option<String>,
        /// Who may read it: author-only, consultants or whole-service [default: from the
        /// setting: consultants in a confidential one, whole-service otherwise]. Never looser
        /// than the setting allows.
        #[arg(long)]
        level: Option<String>,
    },
    /// Add a revision to a note (within your level); earlier revisions are kept.
    Amend {
        /// The note's id (`note list` shows them).
        id: String,
        /// The new text.
        #[arg(long)]
        body: String,
    },
    /// List a client's notes, newest first: level and label, never the body.
    List {
        /// The client's student number.
        client: String,
    },
    /// Show a note's body (audited). Above your level it needs --break-glass REASON.
    #[command(alias = "read")]
    Show {
        /// The note's id (`note list` shows them).
        id: String,
        /// Why you must read a note above your level (audited, shown to supervisors).
        #[arg(long, value_name = "REASON")]
        break_glass: Option<String>,
        /// Show every revision, oldest first, not only the current text.
        #[arg(long)]
        history: bool,
    },
}

fn note_id(text: &str) -> Result<NoteId, DeskError> {
    text.parse()
        .map_err(|m: String| FieldError::new("note", format!("{m}; `note list STUDENT_NUMBER` shows the ids")).into())
}

fn label(c: Confidentiality) -> &'static str {
    match c {
        Confidentiality::Confidential => "confidential",
        Confidentiality::NotConfidential => "not confidential",
    }
}

/// Runs one `note` subcommand.
pub(super) fn run(format: Format, desk: &Desk, cmd: &NoteCmd) -> Result<(), DeskError> {
    match cmd {
        NoteCmd::Add {
            client,
            body,
            booking,
            level,
        } => {
            let level = level
                .as_deref()
                .map(AccessLevel::parse)
                .transpose()
                .map_err(|m| DeskError::from(FieldError::new("level", m)))?;
            let client = desk.client_by_student_number(&args::student_number(client)?)?;
            let booking = booking.as_deref().map(args::booking).transpose()?;
            let note = desk.write_note_at(client.id, booking, body, level)?;
            emit(
                format,
                &serde_json::json!({ "note": note.id.to_string(), "level": note.level.code(),
                    "confidentiality": note.confidentiality }),
                || {
                    format!(
                        "wrote note {} ({} setting, level {})\n",
                        note.id,
                        label(note.confidentiality),
                        note.level.code()
                    )
                },
            );
        }
        NoteCmd::Amend { id, body } => {
            let note = desk.amend_note(note_id(id)?, body)?;
            emit(
                format,
                &serde_json::json!({ "note": note.id.to_string(), "revisions": note.revisions.len() }),
                || format!("amended note {} (revision {})\n", note.id, note.revisions.len()),
            );
        }
        NoteCmd::List { client } => {
            let client = desk.client_by_student_number(&args::student_number(client)?)?;
            let notes = desk.notes_for(client.id)?;
            emit(format, &notes, || table(desk, &notes));
        }
        NoteCmd::Show {
            id,
            break_glass,
            history,
        } => {
            let note = desk.read_note_because(note_id(id)?, break_glass.as_deref())?;
            emit(format, &note, || show(desk, &note, *history));
        }
    }
    Ok(())
}

fn table(desk: &Desk, notes: &[NoteSummary]) -> String {
    let mut t = Table::new(&["ID", "WRITTEN", "LEVEL", "SETTING", "REVISIONS"]);
    for n in notes {
        t.row(vec![
            n.id.to_string(),
            n.at.map_or_else(
                || "-".into(),
                |at| desk.local_time(at).format("%Y-%m-%d %H:%M").to_string(),
            ),
            n.level.code().into(),
            label(n.confidentiality).into(),
            n.revisions.to_string(),
        ]);
    }
    t.render()
}

fn show(desk: &Desk, note: &Note, history: bool) -> String {
    let cur = note.current();
    let mut out = fields(&[
        ("note", note.id.to_string()),
        ("level", note.level.code().into()),
        ("setting", label(note.confidentiality).into()),
        (
            "written",
            cur.map_or_else(
                || "-".into(),
                |r| desk.local_time(r.at).format("%Y-%m-%d %H:%M").to_string(),
            ),
        ),
        ("revisions", note.revisions.len().to_string()),
    ]);
    out.push('\n');
    if history {
        let staff = desk.staff_names().unwrap_or_default();
        for (n, r) in note.revisions.iter().enumerate() {
            let who = staff.get(&r.by).map_or("?", |s| s.login.as_str());
            let when = desk.local_time(r.at).format("%Y-%m-%d %H:%M");
            out.push_str(&format!("--- revision {} by {who}, {when}\n{}\n", n + 1, r.body));
        }
    } else {
        out.push_str(cur.map_or("", |r| r.body.as_str()));
        out.push('\n');
    }
    out
}
