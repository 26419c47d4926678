//! `audit verify` and the filters of `audit`.

use super::output::{emit, Table};
use super::{args, AuditArgs, Cli};
use crate::desk::{Desk, DeskError};
use crate::domain::audit::AuditEntry;
use crate::domain::audit_filter::{self, AuditFilter};
use crate::store::audit_chain::ChainReport;

/// Checks the audit chain: prints how many entries were checked, or fails (exit 1) naming the
/// first entry that was edited, removed or reordered.
pub(super) fn verify(cli: &Cli, desk: &Desk) -> Result<(), DeskError> {
    match desk.verify_audit()? {
        ChainReport::Intact { entries } => {
            let value = serde_json::json!({ "intact": true, "entries": entries });
            emit(cli.format, &value, || {
                format!("the audit log is intact: {entries} entries checked, none edited, removed or reordered\n")
            });
            Ok(())
        }
        ChainReport::Broken { id, position, problem } => Err(DeskError::Damaged(format!(
            "the audit log has been tampered with: entry {id} at position {position} {}. \
             Keep the store as it is and compare it with the latest backup (`careerdesk store backup` \
             copies; docs/operations.md)",
            problem.describe()
        ))),
    }
}

/// The filter `audit --operator --client --action --from --to` asks for.
pub(super) fn filter(desk: &Desk, a: &AuditArgs) -> Result<AuditFilter, DeskError> {
    let records = match &a.client {
        Some(sn) => Some(desk.records_about(&args::student_number(sn)?)?),
        None => None,
    };
    let action = match &a.action {
        Some(code) => Some(audit_filter::parse_action(code).map_err(DeskError::Invalid)?),
        None => None,
    };
    let from = a.from.as_deref().map(|d| args::date("--from", d)).transpose()?;
    let to = a.to.as_deref().map(|d| args::date("--to", d)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(DeskError::Invalid(format!(
                "--to ({t}) is before --from ({f}); swap them"
            )));
        }
    }
    Ok(AuditFilter {
        login: a.operator.as_ref().map(|l| l.trim().to_string()),
        records,
        action,
        from,
        to,
        break_glass: false,
    })
}

/// `audit break-glass`: note reads made above the reader's level, newest first, with the
/// reason each gave (SEC-04).
pub(super) fn break_glass(cli: &Cli, desk: &Desk, a: &AuditArgs) -> Result<(), DeskError> {
    let reads = desk.break_glass_reads(&filter(desk, a)?)?;
    let mut t = Table::new(&["WHEN", "WHO", "NOTE", "REASON"]);
    for e in reads.iter().take(a.last as usize) {
        t.row(vec![
            e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            e.login.clone().unwrap_or_else(|| "?".into()),
            e.subject.map_or("-".into(), |s| ulid::Ulid(s.id).to_string()),
            e.reason.clone().unwrap_or_default(),
        ]);
    }
    let shown: Vec<&AuditEntry> = reads.iter().take(a.last as usize).collect();
    emit(cli.format, &shown, || {
        if shown.is_empty() {
            "no break-glass note reads\n".into()
        } else {
            t.render()
        }
    });
    Ok(())
}
