//! Leases of a consultant's slots for a fair (decision 0020, step 6): before going offline a
//! desk asks the server for a consultant's slots in a period; until the lease expires or is
//! handed back the server gives no other desk a booking there, so this desk's bookings in
//! them are certain at once (their messages planned then) and simply told to the server at
//! the next sync. The desk keeps its leases in a setting.

use chrono::{DateTime, Duration, Utc};

use super::sync::block_on;
use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::booking_claim::{Lease, MAX_LEASE_HOURS};
use crate::domain::ids::OperatorId;
use crate::domain::operator::Login;
use crate::store::{codec, WriteSet};
use crate::sync::client;

/// The setting that holds this desk's leases.
const LEASES: &str = "sync_leases";

impl Desk {
    /// Leases `consultant`'s slots starting in `[from, to)` to this desk for `hours` (1 to
    /// 72) from now. Needs a desk that syncs, and the server's agreement. Audited.
    pub fn lease_slots(
        &self,
        consultant: &Login,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        hours: u32,
    ) -> Result<Lease, DeskError> {
        self.require(Permission::Book)?;
        if hours == 0 || i64::from(hours) > MAX_LEASE_HOURS {
            return Err(DeskError::Invalid(format!(
                "a lease lasts 1 to {MAX_LEASE_HOURS} hours"
            )));
        }
        if to <= from {
            return Err(DeskError::Invalid("the lease's period ends before it starts".into()));
        }
        let op = self.operator_by_login(consultant)?;
        let creds = self.credentials()?;
        let asked = Lease {
            id: 0,
            consultant: op.id,
            from,
            to,
            desk: self.store.device(),
            // The server sets it by its own clock.
            expires: self.now() + Duration::hours(i64::from(hours)),
        };
        let lease = block_on(client::take_lease(&self.store, &creds, asked, hours))?;
        let mut held = self.held_leases()?;
        held.push(lease.clone());
        self.keep_leases(&held)?;
        self.audit_lease(format!(
            "leased {}'s slots {} to {} until {}",
            op.login,
            self.local_time(from).format("%Y-%m-%d %H:%M"),
            self.local_time(to).format("%Y-%m-%d %H:%M"),
            self.local_time(lease.expires).format("%Y-%m-%d %H:%M")
        ))?;
        Ok(lease)
    }

    /// Hands a lease back to the server (its slots or places are anyone's again) and forgets
    /// it here.
    /// Audited; false if the server no longer held it.
    pub fn return_lease(&self, id: u128) -> Result<bool, DeskError> {
        self.require(Permission::Book)?;
        let mut held = self.held_leases()?;
        if !held.iter().any(|l| l.id == id) && self.place_leases()?.iter().any(|l| l.id == id) {
            let creds = self.credentials()?;
            let was = block_on(client::return_lease(&self.store, &creds, id))?;
            self.forget_place_lease(id)?;
            self.audit_lease(format!("handed lease {id:032x} of event places back"))?;
            return Ok(was);
        }
        if !held.iter().any(|l| l.id == id) {
            return Err(DeskError::Invalid(format!(
                "this desk holds no lease {id:032x}; `careerdesk lease --list` lists them"
            )));
        }
        let creds = self.credentials()?;
        let was = block_on(client::return_lease(&self.store, &creds, id))?;
        held.retain(|l| l.id != id);
        self.keep_leases(&held)?;
        self.audit_lease(format!("handed lease {id:032x} back"))?;
        Ok(was)
    }

    /// This desk's leases still running, soonest to end first.
    pub fn leases(&self) -> Result<Vec<Lease>, DeskError> {
        self.require(Permission::ViewClients)?;
        let now = self.now();
        let mut live: Vec<Lease> = self.held_leases()?.into_iter().filter(|l| l.expires > now).collect();
        live.sort_by_key(|l| l.expires);
        Ok(live)
    }

    /// Whether this desk holds a live lease covering a booking of `consultant` at `start` now.
    pub(crate) fn leased_here(&self, consultant: OperatorId, start: DateTime<Utc>) -> Result<bool, DeskError> {
        let now = self.now();
        let desk = self.store.device();
        Ok(self
            .held_leases()?
            .iter()
            .any(|l| l.desk == desk && l.covers(consultant, start, now)))
    }

    fn held_leases(&self) -> Result<Vec<Lease>, DeskError> {
        match self.store.setting(LEASES)? {
            None => Ok(Vec::new()),
            Some(raw) => codec::decode_body(&raw).map_err(|e| {
                DeskError::Damaged(format!(
                    "this desk's list of leases does not read ({e}); hand them back on the server"
                ))
            }),
        }
    }

    fn keep_leases(&self, leases: &[Lease]) -> Result<(), DeskError> {
        let now = self.now();
        let live: Vec<&Lease> = leases.iter().filter(|l| l.expires > now).collect();
        let encoded = codec::encode_body(&live).map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.store.set_setting(LEASES, Some(&encoded))?;
        Ok(())
    }

    fn audit_lease(&self, what: String) -> Result<(), DeskError> {
        let mut ws = WriteSet::new();
        ws.audit(self.audit(AuditAction::Maintenance, None, what));
        self.commit(ws)
    }
}
