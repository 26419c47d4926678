//! The roster entries this desk signs (decision 0022): an administrator's edit of an operator
//! signs that operator's entry in the same commit, an operator's own password change signs an
//! entry that only adds their new key, and an administrator's sign-in signs entries for
//! operators whose keys this desk has seen and the roster lacks.

use super::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::change::Hlc;
use crate::domain::operator::Operator;
use crate::domain::roster::{PublicKey, RosterEntry, Signed};
use crate::store::{Store, WriteSet};

/// `op`'s entry after `held`, with `keys` added, unsigned.
fn next_entry(
    store: &Store,
    op: &Operator,
    held: Option<&RosterEntry>,
    keys: &[PublicKey],
    now_ms: u64,
) -> RosterEntry {
    let mut all: Vec<PublicKey> = held.map(|h| h.keys.clone()).unwrap_or_default();
    for k in keys {
        if !all.contains(k) {
            all.push(*k);
        }
    }
    RosterEntry {
        operator: op.id,
        login: op.login.clone(),
        roles: op.roles.clone(),
        grants: op.grants.clone(),
        trained_on: op.trained_on,
        suspended: op.suspension.as_ref().map(|s| s.reason.clone()),
        keys: all,
        hlc: Hlc::tick(held.map(|h| h.hlc), now_ms, store.device()),
        signed: Signed {
            key: [0; 32],
            signature: Vec::new(),
        },
    }
}

/// The signed entry for `op` an operator made at set-up: `store` signs as them.
pub(super) fn founding_entry(store: &Store, op: &Operator, now_ms: u64) -> Option<RosterEntry> {
    let key = store.signing_key()?;
    store.sign_roster_entry(next_entry(store, op, None, &[key], now_ms))
}

impl Desk {
    /// Adds to `ws` `op`'s roster entry as it will stand, with `keys` added, signed by the
    /// signed-in operator when they may sign it: an administrator any, an operator their own
    /// when only keys are added. Nothing when the entry would say nothing new.
    pub(super) fn sign_roster(&self, ws: &mut WriteSet, op: &Operator, keys: &[PublicKey]) -> Result<(), DeskError> {
        let held = self.store.roster_entry(op.id)?;
        let next = next_entry(&self.store, op, held.as_ref(), keys, super::now_ms(self.now()));
        let same_rights = held.as_ref().is_some_and(|h| h.same_rights(&next));
        // `next` holds every key `held` does: the same length says no key was added.
        if same_rights && held.as_ref().is_some_and(|h| h.keys.len() == next.keys.len()) {
            return Ok(());
        }
        let own_key = op.id == self.operator.id && same_rights;
        if !self.may(Permission::ManageOperators) && !own_key {
            return Ok(());
        }
        if let Some(entry) = self.store.sign_roster_entry(next) {
            ws.roster_entry(&entry);
        }
        Ok(())
    }

    /// At sign-in: the key this password gives is noted; an administrator's sign-in signs
    /// an entry for every operator whose entry is missing or out of date (stores made before
    /// the roster existed come in without anyone typing anything again).
    pub(super) fn bring_roster_up_to_date(&self) -> Result<(), DeskError> {
        self.store.note_operator_key(self.operator.login.as_str())?;
        let mut ws = WriteSet::new();
        // Rights come from the entry held when there is one: only an administrator's edit
        // through the desk changes them, never a record changed some other way.
        let basis = |op: Operator| -> Result<Operator, DeskError> {
            Ok(self.store.roster_entry(op.id)?.map_or(op, |held| held.as_operator()))
        };
        let operators = if self.may(Permission::ManageOperators) {
            self.store.scan::<Operator>()?.collect::<Result<Vec<_>, _>>()?
        } else {
            vec![self.operator.clone()]
        };
        for op in operators {
            let keys = self.store.operator_keys(op.login.as_str())?;
            let op = basis(op)?;
            self.sign_roster(&mut ws, &op, &keys)?;
        }
        if ws.is_empty() {
            return Ok(());
        }
        self.commit(ws)
    }
}
