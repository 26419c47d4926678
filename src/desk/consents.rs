//! The consent register (DATA-11): a client's opt-in to each named third-party service, given
//! or withdrawn, when and by whom. Every change is a new record, so the history stays; the
//! latest per service is the current state, and `may_use_service` is the one rule to ask.

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::ids::ConsentId;
use crate::domain::records::{self, Consent, ConsentState};
use crate::domain::validate::StudentNumber;
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// One client's consent register: the current state per service and every change.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentRegister {
    /// The latest record per service, by service name.
    pub current: Vec<ConsentLine>,
    /// Every record, oldest first.
    pub history: Vec<ConsentLine>,
}

/// One consent record as shown: the recorder by login.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentLine {
    /// The record.
    #[serde(flatten)]
    pub consent: Consent,
    /// The login of the operator who recorded it (`?` when the account is gone).
    pub recorded_by_login: String,
}

/// The state's name as typed and shown (`given`, `withdrawn`).
pub fn consent_state_code(s: ConsentState) -> &'static str {
    match s {
        ConsentState::Given => "given",
        ConsentState::Withdrawn => "withdrawn",
    }
}

impl Desk {
    /// Records that the client gives consent to a third-party service (desk staff and up;
    /// audited).
    pub fn give_consent(&self, sn: &StudentNumber, service: &str) -> Result<Consent, DeskError> {
        self.record_consent(sn, service, ConsentState::Given)
    }

    /// Records that the client withdraws consent to a service; refused when none is given.
    pub fn withdraw_consent(&self, sn: &StudentNumber, service: &str) -> Result<Consent, DeskError> {
        self.record_consent(sn, service, ConsentState::Withdrawn)
    }

    fn record_consent(&self, sn: &StudentNumber, service: &str, state: ConsentState) -> Result<Consent, DeskError> {
        self.require(Permission::EditClients)?;
        let service = records::service_name(service)?;
        let client = self.client_by_student_number(sn)?;
        let history: Vec<Consent> = self.store.sealed_for(client.id.0)?;
        let given = records::may_use_service(&history, client.id, &service);
        if state == ConsentState::Withdrawn && !given {
            return Err(DeskError::Invalid(format!(
                "{sn} has no consent to {service} to withdraw; `consent list {sn}` shows the register"
            )));
        }
        // Strictly after the client's last change, so two in one millisecond keep their order.
        let last = history.iter().map(|c| c.at).max();
        let now = match last {
            Some(l) if l >= self.now() => l + chrono::Duration::milliseconds(1),
            _ => self.now(),
        };
        let consent = Consent {
            id: ConsentId::new_at(now_ms(now)),
            client: client.id,
            service,
            state,
            at: now,
            recorded_by: self.operator.id,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &consent);
        ws.audit(self.audit(
            AuditAction::Create,
            Some(RecordRef {
                kind: EntityKind::Consent,
                id: consent.id.0,
            }),
            format!("consent to {} {}", consent.service, consent_state_code(state)),
        ));
        self.commit(ws)?;
        Ok(consent)
    }

    /// A client's consent register (anyone who may look up clients).
    pub fn consents(&self, sn: &StudentNumber) -> Result<ConsentRegister, DeskError> {
        self.require(Permission::ViewClients)?;
        let client = self.client_by_student_number(sn)?;
        let mut history: Vec<Consent> = self.store.sealed_for(client.id.0)?;
        history.sort_by_key(|c| (c.at, c.id.0));
        let logins = self.logins()?;
        let line = |c: &Consent| ConsentLine {
            consent: c.clone(),
            recorded_by_login: logins.get(&c.recorded_by).cloned().unwrap_or_else(|| "?".into()),
        };
        Ok(ConsentRegister {
            current: records::current_consents(&history).into_iter().map(line).collect(),
            history: history.iter().map(line).collect(),
        })
    }

    /// Whether a third-party service may be used for the client now (DATA-11): callers that
    /// hand anything to such a service ask this first.
    pub fn may_use_service(&self, sn: &StudentNumber, service: &str) -> Result<bool, DeskError> {
        self.require(Permission::ViewClients)?;
        let service = records::service_name(service)?;
        let client = self.client_by_student_number(sn)?;
        let history: Vec<Consent> = self.store.sealed_for(client.id.0)?;
        Ok(records::may_use_service(&history, client.id, &service))
    }

    fn logins(&self) -> Result<std::collections::HashMap<crate::domain::ids::OperatorId, String>, DeskError> {
        Ok(self
            .store
            .scan::<crate::domain::operator::Operator>()?
            .filter_map(Result::ok)
            .map(|o| (o.id, o.login.to_string()))
            .collect())
    }
}
