//! The outbox through the desk: plan confirmations and reminders when booking (APPT-09,
//! DATA-12), withdraw them on cancellation, send what is due with retries, list failures.

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::MessageId;
use crate::domain::operator::Operator;
use crate::domain::outbox::{Delivery, OutboxEntry};
use crate::notify::{self, retry, BookingFacts, Transport};
use crate::store::index::{time_key, OUTBOX_BY_APPOINTMENT, OUTBOX_DUE, OUTBOX_FAILED};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlushReport {
    /// Messages sent.
    pub sent: usize,
    /// Messages that failed and will be tried again.
    pub retrying: usize,
    /// Messages given up on.
    pub failed: usize,
    /// Due messages not tried because their transport was unreachable earlier in the run;
    /// they stay due for the next run.
    pub deferred: usize,
    /// Messages withdrawn unsent because the client no longer allows their channel (DATA-12).
    pub withheld: usize,
}

/// Pending and failed message counts (for the status bar).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Waiting to be sent (due or not).
    pub pending: usize,
    /// Given up on.
    pub failed: usize,
}

impl Desk {
    /// What the message planner needs to know about a booking.
    pub(super) fn booking_facts(&self, client: &Client, appt: &Appointment) -> Result<BookingFacts, DeskError> {
        let ty = self.policy.appointment_type(&appt.appointment_type);
        let loc = self.policy.location(&appt.location);
        let consultant = self.store.get::<Operator>(appt.consultant.0)?;
        Ok(BookingFacts {
            appointment_id: appt.id.to_string(),
            client_name: client.name.clone(),
            email: Some(client.email.clone()),
            phone: client.phone.clone(),
            contact: client.contact.clone(),
            type_name: ty.map_or_else(|| appt.appointment_type.to_string(), |t| t.name.clone()),
            consultant_name: consultant.map_or_else(|| "a careers consultant".into(), |c| c.name),
            location_name: loc.map_or_else(|| appt.location.to_string(), |l| l.name.clone()),
            confidential: loc.is_some_and(|l| l.confidential),
            online: loc.is_some_and(|l| l.online),
            start: appt.start,
            minutes: appt.minutes,
            booked_at: appt.booked_at,
            local_start: self.local_time(appt.start).format("%a %-d %b %Y %H:%M").to_string(),
            service_name: self.policy.institution.name.clone(),
        })
    }

    /// Adds a booking's confirmation and reminders to the write set.
    pub(super) fn plan_messages_for_booking(
        &self,
        ws: &mut WriteSet,
        client: &Client,
        appt: &Appointment,
    ) -> Result<(), DeskError> {
        let facts = self.booking_facts(client, appt)?;
        for message in notify::plan_booking_messages(&facts, &self.policy.reminders, self.channels) {
            self.queue_message(ws, appt, message);
        }
        Ok(())
    }

    fn queue_message(&self, ws: &mut WriteSet, appt: &Appointment, message: notify::PlannedMessage) {
        let entry = OutboxEntry::pending(
            MessageId::new_at(now_ms(self.now())),
            Some(appt.id),
            Some(appt.client),
            message,
        );
        ws.put(&self.store, None, &entry);
    }

    /// Withdraws a cancelled booking's unsent messages and plans the cancellation notice.
    pub(super) fn cancel_messages_for(&self, ws: &mut WriteSet, appt: &Appointment) -> Result<(), DeskError> {
        let mut confirmed = false;
        for id in self.store.indexed::<MessageId>(OUTBOX_BY_APPOINTMENT, &appt.id.key())? {
            let Some(old) = self.store.get::<OutboxEntry>(id.0)? else {
                continue;
            };
            if matches!(old.state, Delivery::Sent { .. }) && old.message.kind == notify::MessageKind::Confirmation {
                confirmed = true;
            }
            if matches!(old.state, Delivery::Pending { .. }) {
                if old.message.kind == notify::MessageKind::Confirmation {
                    confirmed = true;
                }
                let mut new = old.clone();
                new.state = Delivery::Withdrawn;
                ws.put(&self.store, Some(&old), &new);
            }
        }
        if confirmed {
            if let Some(client) = self.store.get::<Client>(appt.client.0)? {
                let facts = self.booking_facts(&client, appt)?;
                for message in notify::plan_cancellation(&facts, self.now()) {
                    self.queue_message(ws, appt, message);
                }
            }
        }
        Ok(())
    }

    /// Messages waiting to be sent and messages given up on.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, DeskError> {
        self.require(Permission::Book)?;
        let mut out = Vec::new();
        for tree in [OUTBOX_FAILED, OUTBOX_DUE] {
            for id in self.store.indexed::<MessageId>(tree, &[])? {
                if let Some(e) = self.store.get::<OutboxEntry>(id.0)? {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    /// How many messages are pending and failed.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, DeskError> {
        Ok(OutboxCounts {
            pending: self.store.index_prefix(OUTBOX_DUE, &[])?.len(),
            failed: self.store.index_prefix(OUTBOX_FAILED, &[])?.len(),
        })
    }

    /// Sends every message that is due through `transport`; failures are retried with backoff
    /// and given up on after a while, staying visible in `outbox`. Once a transport cannot be
    /// reached (no connection, no answer in time), the run stops trying it and leaves its other
    /// messages due for the next run, so one run waits for at most one time-out per transport.
    /// No store write is held while a message is sent: each outcome is committed after it.
    pub fn flush_outbox(
        &self,
        transport: &dyn Transport,
        sms: Option<&dyn Transport>,
        from: &str,
    ) -> Result<FlushReport, DeskError> {
        self.require(Permission::Book)?;
        let now = self.now();
        let mut report = FlushReport::default();
        let due: Vec<MessageId> =
            self.store
                .indexed_between(OUTBOX_DUE, &[0; 8], &time_key(now + chrono::Duration::milliseconds(1)))?;
        let mut unreachable: Vec<notify::Channel> = Vec::new();
        for id in due {
            let Some(old) = self.store.get::<OutboxEntry>(id.0)? else {
                continue;
            };
            let Delivery::Pending { attempts, .. } = old.state else {
                continue;
            };
            if unreachable.contains(&old.message.channel) {
                report.deferred += 1;
                continue;
            }
            // The preferences are read again at sending: a client may have changed them since
            // the message was planned (DATA-12).
            let recipient = match old.client {
                Some(c) => self.store.get::<Client>(c.0)?,
                None => None,
            };
            if recipient.is_some_and(|c| !old.message.channel.allowed_by(&c.contact)) {
                let mut new = old.clone();
                new.state = Delivery::Withdrawn;
                let mut ws = WriteSet::new();
                ws.put(&self.store, Some(&old), &new);
                self.commit(ws)?;
                report.withheld += 1;
                continue;
            }
            let via = match old.message.channel {
                notify::Channel::Email => Some(transport),
                notify::Channel::Sms => sms,
            };
            let result = match via {
                Some(t) => t.send(&old.message, from),
                None => Err(notify::SendError::Permanent(
                    "no SMS command is configured (see notify.toml)".into(),
                )),
            };
            let attempts = attempts + 1;
            let mut new = old.clone();
            new.state = match result {
                Ok(()) => {
                    report.sent += 1;
                    Delivery::Sent { at: now }
                }
                Err(e) if e.is_temporary() && !retry::give_up(attempts) => {
                    if e.is_unreachable() {
                        unreachable.push(old.message.channel);
                    }
                    report.retrying += 1;
                    tracing::warn!(message = %old.id, "send failed, will retry: {e}");
                    Delivery::Pending {
                        attempts,
                        next_at: retry::next_attempt_at(attempts, now),
                        last_error: Some(e.to_string()),
                    }
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(message = %old.id, "send failed for good: {e}");
                    Delivery::Failed {
                        attempts,
                        error: e.to_string(),
                    }
                }
            };
            // The screen may have changed the message while it was being sent (a cancellation
            // withdraws it): write over what is stored now, so its index entries stay right.
            let current = self.store.get::<OutboxEntry>(id.0)?.unwrap_or(old);
            let mut ws = WriteSet::new();
            ws.put(&self.store, Some(&current), &new);
            self.commit(ws)?;
        }
        if report != FlushReport::default() {
            let mut ws = WriteSet::new();
            ws.audit(self.audit(
                AuditAction::Update,
                None,
                format!(
                    "outbox flushed: {} sent, {} retrying, {} failed, {} withheld by contact preferences",
                    report.sent, report.retrying, report.failed, report.withheld
                ),
            ));
            self.commit(ws)?;
        }
        Ok(report)
    }

    /// A consultant's calendar as an iCalendar file: their booked appointments from `from` for
    /// `days` days (1 to [`limits::CALENDAR_DAYS`]).
    pub fn consultant_ics(
        &self,
        login: &crate::domain::operator::Login,
        from: chrono::DateTime<chrono::Utc>,
        days: i64,
    ) -> Result<String, DeskError> {
        self.require(Permission::Book)?;
        crate::domain::limits::range("days", days, 1, i64::from(crate::domain::limits::CALENDAR_DAYS))?;
        let consultant = self.operator_by_login(login)?;
        let to = chrono::Duration::try_days(days)
            .and_then(|d| from.checked_add_signed(d))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
        let mut events = Vec::new();
        for slot in self.consultant_slots(consultant.id, from, to)? {
            let Some(appt_id) = slot.booking else { continue };
            let Some(appt) = self.store.get::<Appointment>(appt_id.0)? else {
                continue;
            };
            let Some(client) = self.store.get::<Client>(appt.client.0)? else {
                continue;
            };
            let facts = self.booking_facts(&client, &appt)?;
            events.push(notify::ics::IcsEvent::for_booking(&facts, self.now()));
        }
        Ok(notify::ics::consultant_calendar(&consultant.name, &events))
    }
}
