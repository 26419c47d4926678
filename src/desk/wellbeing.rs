//! Wellbeing concerns through the desk (DATA-06): raise one about a client, refer it to a named
//! school or support service, close it with its outcome, and see a client's concerns. Consultants, supervisors and
//! administrators only; every step is a person's recorded action, audited, and nothing is ever
//! referred automatically. Concerns are sealed with the client's key, so erasure takes them.

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::{ClientId, ConcernId};
use crate::domain::validate::{self, StudentNumber};
use crate::domain::wellbeing::{self, Concern};
use crate::domain::{limits, EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

fn concern_ref(id: ConcernId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Concern,
        id: id.0,
    })
}

impl Desk {
    /// Raises a wellbeing concern about a client: who (the operator), when (now), why.
    pub fn raise_concern(&self, sn: &StudentNumber, reason: &str) -> Result<Concern, DeskError> {
        self.require(Permission::Wellbeing)?;
        let reason = validate::text("reason", reason, limits::GUIDANCE)?;
        let client = self.client_by_student_number(sn)?;
        let now = self.now();
        let concern = Concern::raise(ConcernId::new_at(now_ms(now)), client.id, self.operator.id, now, reason);
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &concern);
        ws.audit(self.audit(
            AuditAction::Create,
            concern_ref(concern.id),
            "wellbeing concern raised".into(),
        ));
        self.commit(ws)?;
        Ok(concern)
    }

    /// Records that the client's latest concern was referred to `to` (a school or support
    /// service, by name), by the operator, now.
    pub fn refer_concern(&self, sn: &StudentNumber, to: &str, note: Option<&str>) -> Result<Concern, DeskError> {
        self.require(Permission::Wellbeing)?;
        let to = validate::line("to", to, limits::NAME)?;
        let note = match note {
            Some(n) if !n.trim().is_empty() => Some(validate::text("note", n, limits::GUIDANCE)?),
            _ => None,
        };
        let old = self.open_concern(sn)?;
        let mut new = old.clone();
        new.refer(self.operator.id, self.now(), to.clone(), note)
            .map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.update(
            &old,
            &new,
            self.audit(
                AuditAction::Update,
                concern_ref(new.id),
                format!("wellbeing concern referred to {to}"),
            ),
        )?;
        Ok(new)
    }

    /// Closes the client's latest open concern with its outcome, by the operator, now. The
    /// concern and its referrals are kept; the card stops showing it as open.
    pub fn close_concern(&self, sn: &StudentNumber, outcome: &str) -> Result<Concern, DeskError> {
        self.require(Permission::Wellbeing)?;
        let outcome = validate::text("outcome", outcome, limits::GUIDANCE)?;
        let old = self.open_concern(sn)?;
        let mut new = old.clone();
        new.close(self.operator.id, self.now(), outcome)
            .map_err(|e| DeskError::Invalid(e.to_string()))?;
        self.update(
            &old,
            &new,
            self.audit(
                AuditAction::Update,
                concern_ref(new.id),
                "wellbeing concern closed".into(),
            ),
        )?;
        Ok(new)
    }

    fn open_concern(&self, sn: &StudentNumber) -> Result<Concern, DeskError> {
        let client = self.client_by_student_number(sn)?;
        let concerns = self.concerns_of(&client)?;
        wellbeing::latest_open(&concerns).cloned().ok_or_else(|| {
            DeskError::Invalid(format!(
                "no open wellbeing concern is recorded for {sn}; raise one first with `wellbeing flag {sn} --reason TEXT`"
            ))
        })
    }

    /// A client's wellbeing concerns, oldest first, with their referrals; the read is audited.
    pub fn concerns(&self, sn: &StudentNumber) -> Result<(Client, Vec<Concern>), DeskError> {
        self.require(Permission::Wellbeing)?;
        let client = self.client_by_student_number(sn)?;
        let concerns = self.concerns_of(&client)?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::ReadWellbeing,
            Some(RecordRef {
                kind: EntityKind::Client,
                id: client.id.0,
            }),
            format!("wellbeing concerns read: {}", concerns.len()),
        ));
        self.commit(ws)?;
        Ok((client, concerns))
    }

    /// How many wellbeing concerns are open for a client, for the client card: `None` when
    /// the operator may not see wellbeing concerns (desk staff are not told one exists).
    pub fn concern_count(&self, client: ClientId) -> Option<usize> {
        if !self.may(Permission::Wellbeing) {
            return None;
        }
        self.store
            .sealed_for::<Concern>(client.0)
            .ok()
            .map(|c| c.iter().filter(|c| c.is_open()).count())
    }

    fn concerns_of(&self, client: &Client) -> Result<Vec<Concern>, DeskError> {
        let mut concerns: Vec<Concern> = self.store.sealed_for(client.id.0)?;
        concerns.sort_by_key(|c| (c.raised_at, c.id));
        Ok(concerns)
    }
}
