//! `careerdesk attach` and `careerdesk attachment list|get|remove` (DATA-01): a client's
//! uploaded files, held sealed in the store.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::desk::{parse_attachment_kind, Desk, DeskError};
use crate::domain::ids::AttachmentId;
use crate::domain::records::{attachment_kind_code, Attachment};

use super::args;
use super::output::{emit, Format, Table};

/// `attach SN FILE --kind KIND`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Student number.
    pub client: String,
    /// The file to attach (at most the policy's `[attachments] max_bytes`).
    pub file: PathBuf,
    /// cv, application, feedback-form or other.
    #[arg(long)]
    pub kind: String,
}

/// `attachment ...`.
#[derive(Debug, Subcommand)]
pub enum AttachmentCmd {
    /// A client's attachments: id, kind, name, size, when and hash.
    List {
        /// Student number.
        client: String,
    },
    /// Write an attachment's file to a new file (consultants and supervisors; audited).
    Get {
        /// Attachment id.
        id: String,
        /// The file to write (it must not exist yet).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Remove an attachment and its file from the store.
    Remove {
        /// Attachment id.
        id: String,
    },
}

fn attachment_id(text: &str) -> Result<AttachmentId, DeskError> {
    text.parse().map_err(|_| {
        DeskError::Invalid(format!(
            "`{text}` is not an attachment id; `attachment list STUDENT_NUMBER` shows them"
        ))
    })
}

/// Reads a file to attach, refusing one over the limit before reading it (and one that grew
/// past it while read).
fn read_limited(desk: &Desk, path: &Path) -> Result<(String, Vec<u8>), DeskError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| DeskError::Invalid(format!("{} is not a file; name the file to attach", path.display())))?;
    let meta = std::fs::metadata(path).map_err(DeskError::file("read", path))?;
    if !meta.is_file() {
        return Err(DeskError::Invalid(format!(
            "{} is not a file; name the file to attach",
            path.display()
        )));
    }
    desk.check_attachment_size(&name, meta.len())?;
    let f = std::fs::File::open(path).map_err(DeskError::file("open", path))?;
    let mut bytes = Vec::new();
    f.take(desk.attachment_limit() + 1)
        .read_to_end(&mut bytes)
        .map_err(DeskError::file("read", path))?;
    desk.check_attachment_size(&name, bytes.len() as u64)?;
    Ok((name, bytes))
}

/// Runs `attach`.
pub(super) fn attach(format: Format, desk: &Desk, a: &AttachArgs) -> Result<(), DeskError> {
    let sn = args::student_number(&a.client)?;
    let kind = parse_attachment_kind(&a.kind)?;
    let (name, bytes) = read_limited(desk, &a.file)?;
    let att = desk.attach(&sn, &name, kind, bytes)?;
    emit(
        format,
        &serde_json::json!({ "attachment": att.id.to_string(), "size": att.size, "hash": att.hash }),
        || format!("attached {} ({} bytes) to {sn} as {}\n", att.name, att.size, att.id),
    );
    Ok(())
}

/// Runs one `attachment` subcommand.
pub(super) fn run(format: Format, desk: &Desk, cmd: &AttachmentCmd) -> Result<(), DeskError> {
    match cmd {
        AttachmentCmd::List { client } => {
            let list = desk.attachments(&args::student_number(client)?)?;
            emit(format, &list, || table(desk, &list));
        }
        AttachmentCmd::Get { id, out } => {
            let id = attachment_id(id)?;
            if out.exists() {
                return Err(DeskError::Invalid(format!(
                    "{} already exists; name a new file (nothing was written)",
                    out.display()
                )));
            }
            let (att, bytes) = desk.read_attachment(id)?;
            std::fs::write(out, &bytes).map_err(DeskError::file("write", out))?;
            crate::store::files::restrict_one(out);
            emit(
                format,
                &serde_json::json!({ "attachment": att.id.to_string(), "out": out, "size": att.size }),
                || format!("wrote {} ({} bytes) to {}\n", att.name, att.size, out.display()),
            );
        }
        AttachmentCmd::Remove { id } => {
            let att = desk.remove_attachment(attachment_id(id)?)?;
            emit(format, &serde_json::json!({ "removed": att.id.to_string() }), || {
                format!("removed attachment {} ({})\n", att.id, att.name)
            });
        }
    }
    Ok(())
}

fn table(desk: &Desk, list: &[Attachment]) -> String {
    let mut t = Table::new(&["ID", "KIND", "NAME", "BYTES", "ADDED", "BLAKE3"]);
    for a in list {
        t.row(vec![
            a.id.to_string(),
            attachment_kind_code(a.kind).into(),
            a.name.clone(),
            a.size.to_string(),
            desk.local_time(a.added_at).format("%Y-%m-%d %H:%M").to_string(),
            a.hash.chars().take(16).collect(),
        ]);
    }
    t.render()
}
