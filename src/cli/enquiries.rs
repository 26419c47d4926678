//! `careerdesk enquiry add|resolve|list` (DATA-03, DATA-04).

use crate::desk::{channel_code, parse_channel, Desk, DeskError, NewEnquiry};
use crate::domain::enquiry::Enquiry;
use crate::domain::limits;

use super::output::{emit, Table};
use super::{args, Cli, EnquiryCmd};

/// Runs one `enquiry` subcommand.
pub(super) fn run(cli: &Cli, desk: &Desk, cmd: &EnquiryCmd) -> Result<(), DeskError> {
    match cmd {
        EnquiryCmd::Add {
            channel,
            summary,
            client,
            body_file,
        } => {
            let body = match body_file {
                Some(path) => {
                    let meta = std::fs::metadata(path).map_err(DeskError::file("read", path))?;
                    // Refused before reading: a huge file is never loaded.
                    if meta.len() > (limits::NOTE * 4) as u64 {
                        return Err(DeskError::Invalid(format!(
                            "{} is too large for an enquiry's correspondence (at most {} characters); nothing was recorded",
                            path.display(),
                            limits::NOTE
                        )));
                    }
                    let bytes = std::fs::read(path).map_err(DeskError::file("read", path))?;
                    Some(String::from_utf8(bytes).map_err(|_| {
                        DeskError::Invalid(format!("{} is not UTF-8 text; nothing was recorded", path.display()))
                    })?)
                }
                None => None,
            };
            let input = NewEnquiry {
                channel: parse_channel(channel)?,
                client: client.as_deref().map(args::student_number).transpose()?,
                summary: summary.clone(),
                body,
            };
            let e = desk.add_enquiry(&input)?;
            emit(cli.format, &serde_json::json!({ "enquiry": e.id.to_string() }), || {
                format!("recorded enquiry {}\n", e.id)
            });
        }
        EnquiryCmd::Resolve { id } => {
            let id = id
                .parse()
                .map_err(|_| DeskError::Invalid(format!("`{id}` is not an enquiry id; `enquiry list` shows them")))?;
            let e = desk.resolve_enquiry(id)?;
            emit(
                cli.format,
                &serde_json::json!({ "enquiry": e.id.to_string(), "resolved_on": e.resolved_on }),
                || format!("enquiry {} resolved\n", e.id),
            );
        }
        EnquiryCmd::List { open } => {
            let list = desk.enquiries(*open)?;
            emit(cli.format, &list, || table(desk, &list));
        }
    }
    Ok(())
}

fn table(desk: &Desk, list: &[Enquiry]) -> String {
    let mut t = Table::new(&["ID", "RECEIVED", "CHANNEL", "RESOLVED", "SUMMARY"]);
    for e in list {
        t.row(vec![
            e.id.to_string(),
            desk.local_time(e.received_at).format("%Y-%m-%d %H:%M").to_string(),
            channel_code(e.channel).into(),
            e.resolved_on.map_or_else(|| "-".into(), |d| d.to_string()),
            e.summary.clone(),
        ]);
    }
    t.render()
}
