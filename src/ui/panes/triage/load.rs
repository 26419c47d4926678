//! Building triage's lists and its no-show chart (the report engine's publishable no-show
//! table, so small counts and whatever would give them away are hidden, DATA-08), as a job.

use super::{Flagged, Row, TriageData};
use crate::desk::{FlaggedClient, Variant};
use crate::domain::appointment::Outcome;

/// Builds the triage lists: unresolved outcomes, flagged clients with their missed
/// appointments, recent waivers, and the weekly no-show chart.
pub(super) fn fetch(desk: &crate::desk::Desk) -> Result<TriageData, crate::desk::DeskError> {
    let unresolved = desk.unresolved(200)?;
    let flagged = merge_flags(desk.flagged_clients()?);
    let waivers = desk.recent_waivers(28)?;
    let chart = desk.no_shows_table(super::reports::WEEKS, Variant::Publishable)?;
    let mut rows = vec![Row::Heading(format!(
        "Unresolved outcomes ({}): select records one",
        unresolved.len()
    ))];
    if unresolved.is_empty() {
        rows.push(Row::Nothing);
    }
    rows.extend(unresolved.into_iter().map(Row::Unresolved));
    rows.push(Row::Heading(format!("Over a no-show threshold ({})", flagged.len())));
    if flagged.is_empty() {
        rows.push(Row::Nothing);
    }
    for f in flagged {
        let (sn, name, client) = (f.student_number.clone(), f.name.clone(), f.client);
        rows.push(Row::Flagged(f));
        let mut missed = desk.client_appointments(client)?;
        missed.retain(|a| matches!(a.outcome(), Some(Outcome::NoShow | Outcome::LateCancel)) && a.waiver.is_none());
        for a in missed.iter().rev() {
            rows.push(Row::Missed {
                booking: a.id,
                start: desk.local_time(a.start).format("%Y-%m-%d %H:%M").to_string(),
                appointment_type: a.appointment_type.clone(),
                outcome: a.outcome().unwrap_or(Outcome::NoShow),
                student_number: sn.clone(),
                name: name.clone(),
                client,
            });
        }
    }
    rows.push(Row::Heading(format!("Waivers in the last 28 days ({})", waivers.len())));
    if waivers.is_empty() {
        rows.push(Row::Nothing);
    }
    rows.extend(waivers.into_iter().map(Row::Waiver));
    Ok(TriageData { rows, chart })
}

/// One row per client, flags merged (a client may carry both no-show flags).
fn merge_flags(list: Vec<FlaggedClient>) -> Vec<Flagged> {
    let mut out: Vec<Flagged> = Vec::new();
    for f in list {
        match out.iter_mut().find(|o| o.client == f.client) {
            Some(o) => o.flags.push(f.flag),
            None => out.push(Flagged {
                student_number: f.student_number,
                name: f.name,
                client: f.client,
                flags: vec![f.flag],
                reason: f.reason,
            }),
        }
    }
    out
}
