//! Erasure and retention from the command line (DATA-05, DATA-02): `erase` and `purge`.

use crate::desk::DeskError;
use crate::paths::Paths;

use super::args;
use super::commands::sign_in;
use super::output::{emit, Table};
use super::Cli;

/// `export subject`: the JSON to a new file, or standard output.
pub(super) fn export_subject(
    desk: &crate::desk::Desk,
    client: &str,
    out: Option<&std::path::Path>,
) -> Result<(), DeskError> {
    let sn = args::student_number(client)?;
    if let Some(path) = out {
        if path.exists() {
            return Err(DeskError::Invalid(format!(
                "{} already exists; name a new file (nothing was exported)",
                path.display()
            )));
        }
    }
    let export = desk.subject_access_export(&sn)?;
    let text = serde_json::to_string_pretty(&export)
        .map_err(|e| DeskError::Invalid(format!("could not write the export: {e}")))?;
    match out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n")).map_err(DeskError::file("write", path))?;
            crate::store::files::restrict_one(path);
            eprintln!(
                "wrote everything held on {sn} to {} ({} record(s))",
                path.display(),
                export.held.records()
            );
        }
        None => println!("{text}"),
    }
    Ok(())
}

pub(super) fn erase(cli: &Cli, paths: &Paths, client: &str, reason: &str, yes: bool) -> Result<(), DeskError> {
    let sn = args::student_number(client)?;
    let desk = sign_in(cli, paths)?;
    if !yes {
        eprint!("Erasing {sn} cannot be undone. Type the student number again to go ahead: ");
        let mut again = String::new();
        std::io::stdin()
            .read_line(&mut again)
            .map_err(|e| DeskError::Invalid(format!("could not read the confirmation ({e}); nothing was erased")))?;
        if again.trim() != sn.as_str() {
            return Err(DeskError::Invalid(format!(
                "the student number typed again does not match {sn}; nothing was erased"
            )));
        }
    }
    keep_lookup(&desk);
    let done = desk.erase_client(paths, &sn, reason)?;
    save_kept_lookup(&desk);
    emit(cli.format, &done, || {
        format!(
            "erased {sn}: {} record(s) removed, {} future booking(s) freed, {} message(s) withdrawn, \
             keys destroyed here and in {} backup(s)\n",
            done.records, done.slots_freed, done.messages_withdrawn, done.backups_reached
        )
    });
    Ok(())
}

pub(super) fn purge(cli: &Cli, paths: &Paths, dry_run: bool) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    if !dry_run {
        keep_lookup(&desk);
    }
    let bar = super::output::ProgressBar::default();
    let done = desk.purge(paths, dry_run, &|what: &str, n: u64, total: u64| {
        bar.show(what, n, total)
    })?;
    bar.finish();
    if !done.erased_ids.is_empty() {
        save_kept_lookup(&desk);
    }
    emit(cli.format, &done, || {
        let mut t = Table::new(&["STUDENT", "COURSE ENDED", "KEPT UNTIL"]);
        for c in &done.clients {
            t.row(vec![
                c.student_number.clone(),
                c.course_end.to_string(),
                c.kept_until.to_string(),
            ]);
        }
        let head = match (done.erased, done.clients.len()) {
            (_, 0) => "no client is past the retention limit\n".to_string(),
            (false, n) => {
                format!("{n} client(s) past the retention limit would be erased (dry run: nothing changed)\n")
            }
            (true, n) => format!(
                "erased {n} client(s) past the retention limit, {} record(s)\n",
                done.records
            ),
        };
        let bodies = match (done.erased, done.enquiry_bodies) {
            (_, 0) => String::new(),
            (false, n) => format!("{n} resolved enquiry(ies) past their keeping would lose their correspondence\n"),
            (true, n) => format!("removed the correspondence of {n} resolved enquiry(ies) past their keeping\n"),
        };
        if done.clients.is_empty() {
            format!("{head}{bodies}")
        } else {
            format!("{head}{}{bodies}", t.render())
        }
    });
    Ok(())
}

/// Loads the client lookup before an erasure (from its saved copy when it is whole), so that
/// it can be saved again from memory afterwards: the erasure destroys the saved copy's key,
/// and the next sign-in would otherwise build it from every client record. A failure only
/// costs that build, so it is logged and the erasure goes on.
fn keep_lookup(desk: &crate::desk::Desk) {
    // Someone who may not erase is refused next: no need to load it.
    if !desk.may(crate::domain::access::Permission::Erase) {
        return;
    }
    if let Err(e) = desk.keep_lookup() {
        tracing::warn!("the client lookup could not be loaded before the erasure: {e}");
    }
}

/// Saves the lookup again once the erased clients are out of it (DATA-05: the new copy is
/// made after the removal, under a new key); a failure is logged (see [`keep_lookup`]).
fn save_kept_lookup(desk: &crate::desk::Desk) {
    match desk.save_kept_lookup() {
        Ok(saved) => tracing::info!(saved, "client lookup kept through the erasure"),
        Err(e) => tracing::warn!("the client lookup could not be saved after the erasure: {e}"),
    }
}
