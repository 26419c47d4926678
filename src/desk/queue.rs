//! The drop-in queue through the desk: check in (typed or by card reader), list with position
//! and estimated wait, call next, done.

use chrono::Duration;
use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::QueueEntryId;
use crate::domain::queue::{card_candidates, card_input, estimated_wait, mean_service_time, QueueEntry, QueueState};
use crate::domain::text::quote;
use crate::domain::{EntityKind, RecordRef};
use crate::store::index::QUEUE_OPEN;
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// One line of the queue as the desk sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueLine {
    /// Entry id.
    pub id: String,
    /// 1-based position among those waiting; 0 once called.
    pub position: usize,
    /// Student number.
    pub student_number: String,
    /// Name.
    pub name: String,
    /// Minutes waited so far.
    pub waited_minutes: i64,
    /// Estimated minutes until seen (waiting only).
    pub estimated_wait_minutes: Option<i64>,
    /// `waiting` or `called`.
    pub state: &'static str,
}

fn queue_ref(id: QueueEntryId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::QueueEntry,
        id: id.0,
    })
}

impl Desk {
    /// Finds a client from what was typed or swiped: a student number in any of the card
    /// formats `card_candidates` understands.
    pub fn client_by_card(&self, raw: &str) -> Result<Client, DeskError> {
        let raw = card_input(raw)?;
        let candidates = card_candidates(raw);
        for c in &candidates {
            if let Ok(client) = self.client_by_student_number(c) {
                return Ok(client);
            }
        }
        self.require(Permission::ViewClients)?;
        Err(DeskError::Invalid(format!(
            "no client matches {}; type the student number, or search by name",
            quote(raw.trim())
        )))
    }

    /// Adds a client to the drop-in queue; a client already waiting keeps their place.
    pub fn queue_add(&self, card_or_number: &str) -> Result<QueueEntry, DeskError> {
        self.require(Permission::Book)?;
        let client = self.client_by_card(card_or_number)?;
        if let Some(existing) = self.open_queue()?.into_iter().find(|e| e.client == client.id) {
            return Ok(existing);
        }
        let now = self.now();
        let entry = QueueEntry {
            id: QueueEntryId::new_at(now_ms(now)),
            client: client.id,
            joined_at: now,
            state: QueueState::Waiting,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &entry);
        ws.audit(self.audit(
            AuditAction::Create,
            queue_ref(entry.id),
            "joined the drop-in queue".into(),
        ));
        self.commit(ws)?;
        Ok(entry)
    }

    fn open_queue(&self) -> Result<Vec<QueueEntry>, DeskError> {
        let mut out = Vec::new();
        for (k, _) in self.store.index_prefix(QUEUE_OPEN, &[])? {
            if let Some(e) = QueueEntryId::from_key(&k)
                .map(|id| self.store.get::<QueueEntry>(id.0))
                .transpose()?
            {
                out.push(e.ok_or_else(|| DeskError::Invalid("queue index points at a missing entry".into()))?);
            }
        }
        Ok(out)
    }

    /// Entries finished today, for service-time estimates.
    fn recently_done(&self) -> Result<Vec<QueueEntry>, DeskError> {
        let since = self.now() - Duration::hours(12);
        let mut done: Vec<QueueEntry> = self
            .store
            .scan::<QueueEntry>()?
            .filter_map(Result::ok)
            .filter(|e| matches!(e.state, QueueState::Done { at, .. } if at >= since))
            .collect();
        done.sort_by_key(|e| match e.state {
            QueueState::Done { at, .. } => at,
            _ => e.joined_at,
        });
        Ok(done)
    }

    /// The queue: called entries first, then those waiting in order, with estimated waits.
    pub fn queue_list(&self) -> Result<Vec<QueueLine>, DeskError> {
        self.require(Permission::ViewClients)?;
        let open = self.open_queue()?;
        let service = mean_service_time(&self.recently_done()?);
        let serving = open
            .iter()
            .filter(|e| matches!(e.state, QueueState::Called { .. }))
            .count();
        let now = self.now();
        let mut lines = Vec::new();
        let mut position = 0;
        for e in &open {
            let client = self.store.get::<Client>(e.client.0)?;
            let (state, pos, est) = match e.state {
                QueueState::Called { .. } => ("called", 0, None),
                _ => {
                    let est = estimated_wait(position, service, serving.max(1)).num_minutes();
                    position += 1;
                    ("waiting", position, Some(est))
                }
            };
            lines.push(QueueLine {
                id: e.id.to_string(),
                position: pos,
                student_number: client
                    .as_ref()
                    .map(|c| c.student_number.to_string())
                    .unwrap_or_default(),
                name: client.map(|c| c.name).unwrap_or_else(|| "(unknown client)".into()),
                waited_minutes: (now - e.joined_at).num_minutes(),
                estimated_wait_minutes: est,
                state,
            });
        }
        lines.sort_by_key(|l| l.position);
        Ok(lines)
    }

    /// Calls the longest-waiting client; `None` when nobody is waiting.
    pub fn queue_next(&self) -> Result<Option<QueueEntry>, DeskError> {
        self.require(Permission::Book)?;
        let Some(old) = self.open_queue()?.into_iter().find(|e| e.state == QueueState::Waiting) else {
            return Ok(None);
        };
        let mut new = old.clone();
        new.state = QueueState::Called {
            by: self.operator.id,
            at: self.now(),
        };
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, queue_ref(new.id), "called from the queue".into()),
        )?;
        Ok(Some(new))
    }

    /// Marks a called (or waiting) client as seen, by queue entry id or student number.
    pub fn queue_done(&self, entry_or_number: &str) -> Result<QueueEntry, DeskError> {
        self.require(Permission::Book)?;
        let open = self.open_queue()?;
        let wanted = entry_or_number.trim();
        let by_id = wanted.parse::<QueueEntryId>().ok();
        let client = if by_id.is_none() {
            self.client_by_card(wanted).ok()
        } else {
            None
        };
        let old = open
            .into_iter()
            .find(|e| Some(e.id) == by_id || client.as_ref().is_some_and(|c| c.id == e.client))
            .ok_or_else(|| DeskError::Invalid(format!("{} is not in the queue", quote(wanted))))?;
        let now = self.now();
        let called_at = match old.state {
            QueueState::Called { at, .. } => at,
            _ => now,
        };
        let mut new = old.clone();
        new.state = QueueState::Done {
            called_at,
            at: self.now(),
        };
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, queue_ref(new.id), "seen at the desk".into()),
        )?;
        Ok(new)
    }
}
