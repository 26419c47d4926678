//! The drop-in queue through the desk: check in (typed or by card reader), list with position
//! and estimated wait, call next, done.

use chrono::Duration;
use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::{ClientId, QueueEntryId};
use crate::domain::queue::{card_candidates, card_input, estimated_wait, mean_service_time, QueueEntry, QueueState};
use crate::domain::text::quote;
use crate::domain::validate::StudentNumber;
use crate::domain::{EntityKind, RecordRef};
use crate::store::index::QUEUE_OPEN;
use crate::store::{StoreError, WriteSet};

use super::{now_ms, Desk, DeskError};

/// Who a queue action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueTarget {
    /// A queue entry.
    Entry(QueueEntryId),
    /// The client's open entry.
    Client(ClientId),
}

/// Where a queue line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineState {
    /// Waiting to be called.
    Waiting,
    /// Called to the desk.
    Called,
}

impl LineState {
    /// The word shown for it.
    pub fn word(self) -> &'static str {
        match self {
            LineState::Waiting => "waiting",
            LineState::Called => "called",
        }
    }
}

/// One line of the queue as the desk sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueLine {
    /// Entry id.
    pub id: QueueEntryId,
    /// 1-based position among those waiting; 0 once called.
    pub position: usize,
    /// Student number (none when the client record is missing).
    pub student_number: Option<StudentNumber>,
    /// Name.
    pub name: String,
    /// Minutes waited so far.
    pub waited_minutes: i64,
    /// Estimated minutes until seen (waiting only).
    pub estimated_wait_minutes: Option<i64>,
    /// Waiting or called.
    pub state: LineState,
}

impl QueueLine {
    /// The student number as shown (`?` when the client record is missing).
    pub fn number(&self) -> &str {
        StudentNumber::shown(self.student_number.as_ref())
    }
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
        for c in card_candidates(raw) {
            let Ok(sn) = StudentNumber::parse(&c) else { continue };
            if let Ok(client) = self.client_by_student_number(&sn) {
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
        self.queue_add_client(&client)
    }

    /// Adds a known client to the drop-in queue; a client already waiting keeps their place.
    pub fn queue_add_client(&self, client: &Client) -> Result<QueueEntry, DeskError> {
        self.require(Permission::Book)?;
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
        for id in self.store.indexed::<QueueEntryId>(QUEUE_OPEN, &[])? {
            let entry = self.store.get::<QueueEntry>(id.0)?.ok_or_else(|| StoreError::Corrupt {
                tree: QUEUE_OPEN.name.into(),
                key: id.to_string(),
                reason: "the open queue names an entry that is not stored; run `careerdesk store reindex`".into(),
            })?;
            out.push(entry);
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
                QueueState::Called { .. } => (LineState::Called, 0, None),
                _ => {
                    let est = estimated_wait(position, service, serving.max(1)).num_minutes();
                    position += 1;
                    (LineState::Waiting, position, Some(est))
                }
            };
            lines.push(QueueLine {
                id: e.id,
                position: pos,
                student_number: client.as_ref().map(|c| c.student_number.clone()),
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

    /// Marks a called (or waiting) client as seen.
    pub fn queue_done(&self, who: &QueueTarget) -> Result<QueueEntry, DeskError> {
        self.require(Permission::Book)?;
        let open = self.open_queue()?;
        let old = match who {
            QueueTarget::Entry(id) => open.into_iter().find(|e| e.id == *id),
            QueueTarget::Client(id) => open.into_iter().find(|e| e.client == *id),
        }
        .ok_or_else(|| DeskError::Invalid("that client is not in the queue".into()))?;
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
