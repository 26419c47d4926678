//! Settling the sync conflicts queue: another desk's op merged again here once a person has
//! dealt with what stopped it (the record that held its student number erased, careerdesk
//! updated to read its layout). A booking that lost its slot is settled by moving it instead
//! (`sync_bookings.rs`).

use serde::Serialize;

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::ids::DeviceId;
use crate::store::{ConflictReason, Retried, WriteSet};

/// What merging a waiting change again did, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetriedView {
    /// The change, as `careerdesk conflicts` names it (`DEVICE:OP`).
    pub change: String,
    /// Whether it is merged now (and off the queue).
    pub merged: bool,
    /// Records it wrote here.
    pub records: u64,
    /// What still stops it, or why nothing was left to merge.
    pub what: Option<String>,
}

/// A refused change taken off the queue, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DismissedView {
    /// The change, as `careerdesk conflicts` named it (`DEVICE:OP`).
    pub change: String,
    /// Why the server had refused it.
    pub refused: String,
}

/// Reads `DEVICE:OP` as `careerdesk conflicts` prints it.
fn parse_change(change: &str) -> Result<(DeviceId, u64), DeskError> {
    let bad = || {
        DeskError::Invalid(format!(
            "{change:?} names no change: give it as DEVICE:OP, as `careerdesk conflicts` lists it"
        ))
    };
    let (device, seq) = change.trim().split_once(':').ok_or_else(bad)?;
    if device.len() != 32 {
        return Err(bad());
    }
    let device = u128::from_str_radix(device, 16).map_err(|_| bad())?;
    let seq = seq.parse::<u64>().map_err(|_| bad())?;
    Ok((DeviceId(device), seq))
}

impl Desk {
    /// Merges again the change `DEVICE:OP` waiting in the conflicts queue. Merged, it is off
    /// the queue and audited; still stopped, it stays with what stops it now.
    pub fn retry_conflict(&self, change: &str) -> Result<RetriedView, DeskError> {
        self.require(Permission::Sync)?;
        let (device, seq) = parse_change(change)?;
        let name = format!("{:032x}:{seq}", device.0);
        let view = |merged, records, what| RetriedView {
            change: name.clone(),
            merged,
            records,
            what,
        };
        match self.store.retry_conflict(device, seq, self.now())? {
            None => Err(DeskError::Invalid(format!(
                "no change {name} waits in this desk's conflicts queue; `careerdesk conflicts` lists those that do \
                 (a booking that needs rebooking is moved with `careerdesk rebook BOOKING --into SLOT`)"
            ))),
            Some(Retried::Merged(applied)) => {
                self.repair_slot_holders(&applied.bookings)?;
                let mut ws = WriteSet::new();
                ws.audit(self.audit(
                    AuditAction::Update,
                    None,
                    format!("merged again change {name} from the sync conflicts queue"),
                ));
                self.commit(ws)?;
                Ok(view(true, applied.records, None))
            }
            Some(Retried::Waiting(c)) => Ok(view(false, 0, Some(c.describe()))),
            Some(Retried::Gone) => Ok(view(
                false,
                0,
                Some("its client was erased, and nothing is left to merge; it is off the queue".into()),
            )),
        }
    }
}

impl Desk {
    /// Takes the change `DEVICE:OP` that the sync server refused off this desk's conflicts
    /// queue, once someone whose role allows it has done it again (decision 0022): audited
    /// with `reason`, and never put back when the server names it again. A change that waits
    /// for any other cause is settled and merged again instead (`retry_conflict`).
    pub fn dismiss_refused(&self, change: &str, reason: &str) -> Result<DismissedView, DeskError> {
        self.require(Permission::DismissRefused)?;
        let reason = super::required_reason(
            reason,
            "to dismiss a refused change (say who did it again, or why it is not needed)",
        )?;
        let (device, seq) = parse_change(change)?;
        let name = format!("{:032x}:{seq}", device.0);
        let why = match self.store.waiting_conflict(device, seq)? {
            None => {
                return Err(DeskError::Invalid(format!(
                    "no change {name} waits in this desk's conflicts queue; `careerdesk conflicts` lists those that do"
                )))
            }
            Some(c) => match c.reason {
                ConflictReason::Refused(why) | ConflictReason::ErasureNotAllowed(why) => why,
                _ => {
                    return Err(DeskError::Invalid(format!(
                        "change {name} was not refused by the sync server, and only those are dismissed: \
                         settle what stops it ({}), then merge it again with `careerdesk conflicts --retry {name}`",
                        c.describe()
                    )))
                }
            },
        };
        let mut ws = WriteSet::new();
        ws.dismiss_refused(device, seq);
        ws.audit(self.audit_because(
            AuditAction::Update,
            None,
            format!("dismissed change {name} from the sync conflicts queue; it had been refused: {why}"),
            reason,
        ));
        self.commit(ws)?;
        self.store.conflicts_changed();
        Ok(DismissedView {
            change: name,
            refused: why,
        })
    }
}

/// Most waiting changes read at a sync to find those its merge may have settled; past it,
/// they wait for a person (`conflicts --retry`).
const SETTLED_SCAN_MAX: u64 = 1_000;

impl Desk {
    /// Merges again, quietly, each waiting change about a record this sync's merge changed
    /// (an earlier change of a record that a later one settled, e.g. a slot's holder), or
    /// every waiting change when `touched` is `None`. Returns how many merged.
    pub(super) fn merge_settled_conflicts(
        &self,
        touched: Option<&[crate::domain::RecordRef]>,
    ) -> Result<u64, DeskError> {
        let count = self.store.sync_conflict_count()?;
        if count == 0 || count > SETTLED_SCAN_MAX || touched.is_some_and(|t| t.is_empty()) {
            return Ok(0);
        }
        let touched: Option<std::collections::HashSet<_>> = touched.map(|t| t.iter().copied().collect());
        let mut merged = 0;
        for c in self.store.sync_conflicts()? {
            if touched.as_ref().is_some_and(|t| !t.contains(&c.record)) {
                continue;
            }
            if let Some(Retried::Merged(applied)) = self.store.retry_conflict(c.device, c.seq, self.now())? {
                self.repair_slot_holders(&applied.bookings)?;
                let mut ws = WriteSet::new();
                ws.audit(self.audit(
                    AuditAction::Update,
                    None,
                    format!(
                        "merged change {:032x}:{} from the sync conflicts queue once a later change settled it",
                        c.device.0, c.seq
                    ),
                ));
                self.commit(ws)?;
                merged += 1;
            }
        }
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_named_as_the_conflicts_list_names_it_and_anything_else_is_refused() {
        let name = format!("{:032x}:17", 0xabcu128);
        assert_eq!(parse_change(&name).unwrap(), (DeviceId(0xabc), 17));
        for bad in [
            "",
            "17",
            "abc:17",
            &format!("{:032x}", 1u128),
            &format!("{:032x}:x", 1u128),
            &format!("{:032x}:-1", 1u128),
            &format!("{:031x}g:1", 1u128),
        ] {
            let e = parse_change(bad).unwrap_err().to_string();
            assert!(e.contains("DEVICE:OP"), "{bad:?}: {e}");
        }
    }
}
