//! `careerdesk store ...`: checking, re-indexing, compacting, backing up and restoring.

use std::sync::Arc;

use crate::desk::{AutoBackup, Backup, Desk, DeskError, SystemClock};
use crate::paths::Paths;
use crate::store::CheckReport;

use super::commands::sign_in;
use super::output::{emit, Table};
use super::secret::acting_password;
use super::{Cli, StoreCmd};

/// Runs one `store` subcommand.
pub fn run(cli: &Cli, paths: &Paths, cmd: &StoreCmd) -> Result<(), DeskError> {
    match cmd {
        StoreCmd::Check => check(cli, paths),
        StoreCmd::Reindex => reindex(cli, paths),
        StoreCmd::Compact => compact(cli, paths),
        StoreCmd::Reseal => reseal(cli, paths),
        StoreCmd::RotateKeys { client } => rotate_keys(cli, paths, client.as_deref()),
        StoreCmd::Backup { dir, auto } => backup(cli, paths, dir.as_deref(), *auto),
        StoreCmd::Restore { backup } => restore(cli, paths, backup),
    }
}

fn check(cli: &Cli, paths: &Paths) -> Result<(), DeskError> {
    let report = sign_in(cli, paths)?.check_store()?;
    emit(cli.format, &report, || check_table(&report));
    if report.is_clean() {
        Ok(())
    } else {
        Err(DeskError::Damaged(report.summary()))
    }
}

fn check_table(report: &CheckReport) -> String {
    let mut out = String::new();
    if !report.is_clean() {
        let mut t = Table::new(&["TREE", "KEY", "KIND", "RECORD", "PROBLEM"]);
        for p in &report.problems {
            t.row(vec![
                p.tree.clone(),
                p.key.clone(),
                p.kind.map_or("-".into(), |k| k.tree().to_string()),
                p.record.clone().unwrap_or_else(|| "-".into()),
                p.finding.to_string(),
            ]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&report.summary());
    out.push('\n');
    out
}

fn reindex(cli: &Cli, paths: &Paths) -> Result<(), DeskError> {
    let done = sign_in(cli, paths)?.rebuild_indexes()?;
    emit(cli.format, &done, || {
        let mut s = format!(
            "rebuilt the indexes in a checked copy: {} records read, {} index entries written, {} other keys copied\n",
            done.records, done.entries, done.copied
        );
        if done.damaged > 0 {
            s.push_str(&format!(
                "{} damaged record(s) could not be read: they are copied as they were and left out of the \
                 indexes; `careerdesk store check` lists them\n",
                done.damaged
            ));
        }
        s.push_str(&format!(
            "the previous store is at {}; delete it once careerdesk has opened the new one\n",
            done.previous.display()
        ));
        s
    });
    Ok(())
}

fn compact(cli: &Cli, paths: &Paths) -> Result<(), DeskError> {
    let done = sign_in(cli, paths)?.compact_store()?;
    let mb = |b: u64| b as f64 / 1e6;
    emit(cli.format, &done, || {
        format!(
            "compacted the store: {:.1} MB before, {:.1} MB after ({} keys copied and checked)\n\
             the previous copy is at {}; delete it once careerdesk has opened the new one\n",
            mb(done.bytes_before),
            mb(done.bytes_after),
            done.keys,
            done.previous.display()
        )
    });
    Ok(())
}

fn reseal(cli: &Cli, paths: &Paths) -> Result<(), DeskError> {
    let done = sign_in(cli, paths)?.reseal_store()?;
    emit(cli.format, &done, || {
        format!(
            "re-sealed under clients' own keys: {} records, {} op-log entries, {} audit entries \
             ({} audit chain links recomputed), for {} clients\n\
             left with the institution key: {} records that belong to no client, {} op-log and audit entries \
             about records no record or history places with a client\n{}{}",
            done.records,
            done.ops,
            done.audit,
            done.links,
            done.clients,
            done.no_client,
            done.unplaced,
            damaged_line(done.damaged),
            if done.records + done.ops + done.audit > 0 {
                "sled's log still holds the copies sealed the old way: run `careerdesk store compact` and \
                 delete the previous copy it keeps\n"
            } else {
                ""
            }
        )
    });
    Ok(())
}

fn rotate_keys(cli: &Cli, paths: &Paths, client: Option<&str>) -> Result<(), DeskError> {
    let sn = client.map(super::args::student_number).transpose()?;
    let done = sign_in(cli, paths)?.rotate_keys(sn.as_ref())?;
    emit(cli.format, &done, || {
        format!(
            "rotated the keys of {} clients: {} records, {} op-log entries and {} audit entries sealed with \
             the new keys ({} audit chain links recomputed); {} older keys destroyed\n{}",
            done.clients,
            done.records,
            done.ops,
            done.audit,
            done.links,
            done.keys_destroyed,
            damaged_line(done.damaged)
        )
    });
    Ok(())
}

fn damaged_line(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{n} value(s) could not be opened and were left as they are; `careerdesk store check` lists them\n")
    }
}

fn backup(cli: &Cli, paths: &Paths, dir: Option<&std::path::Path>, auto: bool) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    match (dir, auto) {
        (Some(dir), false) => {
            let made = desk.backup(paths, dir)?;
            emit(cli.format, &made, || made_text(&made));
        }
        (None, true) => {
            let result = desk.backup_if_due(paths)?;
            emit(cli.format, &result, || match &result {
                AutoBackup::Made { backup, pruned } => {
                    let mut s = made_text(backup);
                    for p in pruned {
                        s.push_str(&format!("removed the old backup {}\n", p.display()));
                    }
                    s
                }
                AutoBackup::NotDue { path } => format!("today's backup is already made: {}\n", path.display()),
                AutoBackup::Off => "automatic backups are off in the policy ([backups] automatic = false)\n".into(),
                AutoBackup::Busy => "the store kept changing while it was copied; run this again later\n".into(),
            });
        }
        _ => {
            return Err(DeskError::Invalid(
                "give the folder for the backup (`careerdesk store backup DIR`), or --auto for the daily one".into(),
            ))
        }
    }
    Ok(())
}

fn made_text(b: &Backup) -> String {
    format!(
        "backed up the store to {} ({} keys, checksum {}; commits held for {} ms, {} ms in all)\n\
         restore it with `careerdesk --as ADMIN store restore {}`\n",
        b.path.display(),
        b.manifest.keys,
        &b.manifest.checksum[..16.min(b.manifest.checksum.len())],
        b.gate_held_ms,
        b.took_ms,
        b.path.display()
    )
}

fn restore(cli: &Cli, paths: &Paths, backup: &std::path::Path) -> Result<(), DeskError> {
    let login = cli
        .as_login
        .as_deref()
        .ok_or_else(|| DeskError::Invalid("say which administrator is restoring with --as LOGIN".into()))?;
    let password = acting_password(login)?;
    let done = Desk::restore(paths, backup, login, &password, Arc::new(SystemClock))?;
    emit(cli.format, &done, || {
        let mut s = format!(
            "restored the backup made {} from {}: {} records, every one read\n",
            done.made_at.format("%Y-%m-%d %H:%M UTC"),
            done.backup.display(),
            done.records
        );
        s.push_str(&format!(
            "this store now has device id {} (the backup's was {})\n",
            done.new_device, done.old_device
        ));
        if let Some(p) = &done.previous_store {
            s.push_str(&format!("the store it replaced is kept at {}\n", p.display()));
        }
        if let Some(p) = &done.previous_policy {
            s.push_str(&format!("the policy file it replaced is kept at {}\n", p.display()));
        }
        if done.index_problems > 0 {
            s.push_str(&format!(
                "the backup's indexes had {} problem(s): run `careerdesk store reindex`\n",
                done.index_problems
            ));
        }
        s
    });
    Ok(())
}
