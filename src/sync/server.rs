//! The sync server's connection loop: TLS, then one request and one reply at a time. A
//! terminal proves itself with Hello; its revocation is checked again on every request after,
//! so a revoked terminal is refused at once. Ops are kept as the desks sealed them.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::frame::{self, FrameError, MAX_FRAME};
use super::message::{AdminAction, AdminReply, ErrorCode, Reply, Request, MAX_OPS_PER_FRAME, MAX_ROSTER};
use super::tls::{self, Fingerprint};
use super::SyncError;
use crate::domain::ids::{DeviceId, TerminalId};
use crate::domain::sync::PushRefusal;
use crate::store::relay::{Pushing, RelayBackend, RelayError};

/// How long a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long a session may sit without a request.
const IDLE: Duration = Duration::from_secs(60);
/// How long a busy or failing server asks desks to wait.
const RETRY_AFTER_MS: u64 = 5_000;

/// What a session knows once its terminal has said hello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The terminal.
    terminal: TerminalId,
    /// Its store's current replica, if it is this terminal's to push.
    current: Option<DeviceId>,
    /// The replicas its store was copied from.
    older: Vec<DeviceId>,
}

/// The time now, in ms since the epoch (a test may set the server's clock).
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis().max(0) as u64)
}

/// A sync server over its store.
pub struct Server {
    relay: Box<dyn RelayBackend>,
    acceptor: TlsAcceptor,
    fingerprint: Fingerprint,
    admin_token: [u8; 32],
    clock: Clock,
}

impl Server {
    /// A server over `relay`: its TLS identity is made at the first start and kept.
    pub fn new(relay: impl RelayBackend + 'static, admin_token: [u8; 32], clock: Clock) -> Result<Server, SyncError> {
        let (cert, key) = tls::server_identity(&relay)?;
        let config = tls::server_config(&cert, &key).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(Server {
            fingerprint: tls::fingerprint(&cert),
            acceptor: TlsAcceptor::from(config),
            relay: Box::new(relay),
            admin_token,
            clock,
        })
    }

    /// The fingerprint desks pin at enrolment.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The server's store.
    pub fn relay(&self) -> &dyn RelayBackend {
        self.relay.as_ref()
    }

    /// Serves connections until `stop` turns true.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        let server = self.clone();
                        tokio::spawn(async move {
                            if let Err(e) = server.connection(tcp).await {
                                tracing::info!(%peer, "sync session ended: {e}");
                            }
                        });
                    }
                    Err(e) => {
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                _ = stop.changed() => {
                    if *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }

    async fn connection(self: Arc<Self>, tcp: TcpStream) -> Result<(), SyncError> {
        let _ = tcp.set_nodelay(true);
        let mut tls = tokio::time::timeout(HANDSHAKE, self.acceptor.accept(tcp))
            .await
            .map_err(|_| SyncError::TimedOut)?
            .map_err(|e| SyncError::Broken(e.to_string()))?;
        let mut session: Option<Session> = None;
        loop {
            let request: Request = match tokio::time::timeout(IDLE, frame::read(&mut tls)).await {
                Err(_) => return Err(SyncError::TimedOut),
                Ok(Err(FrameError::Closed(_))) => return Ok(()),
                Ok(Err(e)) => {
                    // Say what was wrong, then close: after a bad frame the stream is not
                    // known to be at a frame boundary.
                    let reply = refusal(ErrorCode::BadRequest, e.to_string());
                    let _ = frame::write(&mut tls, &reply).await;
                    return Err(e.into());
                }
                Ok(Ok(r)) => r,
            };
            // The store's work (its flushes wait for the disk) runs off the async workers, so
            // one desk's push never holds up another's frames.
            let me = self.clone();
            let (reply, back) = tokio::task::spawn_blocking(move || {
                let reply = me.answer(&mut session, request);
                (reply, session)
            })
            .await
            .map_err(|e| SyncError::Protocol(format!("the server's worker stopped: {e}")))?;
            session = back;
            let Some(reply) = reply else {
                return Ok(());
            };
            frame::write(&mut tls, &reply).await?;
        }
    }

    /// The reply to one request; `None` ends the session.
    pub fn answer(&self, session: &mut Option<Session>, request: Request) -> Option<Reply> {
        let now = (self.clock)();
        Some(match request {
            Request::Bye => return None,
            Request::Enrol { code, name } => match self.relay.enrol(&code, &name, now) {
                Ok((terminal, secret)) => match self.relay.identity() {
                    Ok(id) => Reply::Enrolled {
                        terminal,
                        secret,
                        server_id: id.server_id,
                    },
                    Err(e) => relay_refusal(e.into()),
                },
                Err(e) => relay_refusal(e),
            },
            Request::Admin { token, action } => {
                if blake3::hash(&token) != blake3::hash(&self.admin_token) {
                    return Some(refusal(ErrorCode::Unauthorised, "wrong administrator token".into()));
                }
                match self.admin(action, now) {
                    Ok(r) => Reply::Admin(r),
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Hello {
                terminal,
                secret,
                replicas,
                institution,
            } => match self.hello(terminal, &secret, &replicas, &institution, now) {
                Ok((reply, opened)) => {
                    *session = Some(opened);
                    reply
                }
                Err(e) => relay_refusal(e),
            },
            Request::Push { base, ops } => {
                let terminal = match self.still_enrolled(session.as_ref()) {
                    Ok(t) => t,
                    Err(r) => return Some(r),
                };
                let device = ops.first().map(|o| o.device);
                let pushing = match (session.as_ref(), device) {
                    (Some(s), Some(d)) if s.current == Some(d) => Pushing::Current,
                    (Some(s), Some(d)) if s.older.contains(&d) => Pushing::Older,
                    (_, Some(device)) => return Some(relay_refusal(PushRefusal::NotYours { device }.into())),
                    (_, None) => return Some(refusal(ErrorCode::BadRequest, "a push with no ops".into())),
                };
                if ops.len() > MAX_OPS_PER_FRAME as usize {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        format!("at most {MAX_OPS_PER_FRAME} ops in one push"),
                    ));
                }
                let (Some(device), Some(first), Some(last)) = (device, ops.first(), ops.last()) else {
                    return Some(refusal(ErrorCode::BadRequest, "a push with no ops".into()));
                };
                let pushed = self
                    .relay
                    .push(terminal, pushing, base, &ops, now)
                    .and_then(|high_water| {
                        // Named at every push that covers them, so a lost ack loses no refusal.
                        let refused = self.relay.refused_between(device, first.seq, last.seq)?;
                        Ok((high_water, refused))
                    });
                match pushed {
                    Ok((high_water, refused)) => Reply::PushAck {
                        device,
                        high_water,
                        refused,
                    },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Roster { entries } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                if entries.len() > MAX_ROSTER {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        format!("at most {MAX_ROSTER} roster entries in one request"),
                    ));
                }
                let taken = self
                    .relay
                    .take_roster(&entries, now)
                    .and_then(|a| Ok((a, self.relay.roster()?)));
                match taken {
                    Ok((admitted, entries)) => Reply::Roster {
                        refused: admitted
                            .refused
                            .into_iter()
                            .map(|(o, why)| (o, why.to_string()))
                            .collect(),
                        entries,
                    },
                    Err(e) => relay_refusal(e.into()),
                }
            }
            Request::GetPolicy => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                match self.relay.policy() {
                    Ok(Some((version, text))) => Reply::Policy { version, text },
                    Ok(None) => refusal(ErrorCode::BadRequest, "the server serves no policy yet".into()),
                    Err(e) => relay_refusal(e.into()),
                }
            }
            Request::OfferKeySlots { slots } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                // Only after a hello, whose institution check passed: a desk of another
                // institution never gets its slots kept.
                match self.relay.keep_key_slots(&slots, now) {
                    Ok(taken) => Reply::KeySlotsKept {
                        taken: u32::try_from(taken).unwrap_or(u32::MAX),
                    },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Institution { code } => match self.relay.institution(&code, now) {
                Ok(found) => match self.relay.policy() {
                    Ok(policy) => Reply::Institution {
                        check: found.check,
                        key_slots: found.key_slots,
                        policy,
                    },
                    Err(e) => relay_refusal(e.into()),
                },
                Err(e) => relay_refusal(e),
            },
            Request::Bookings { claims, releases } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                // A desk claims only the bookings its own current replica made: no desk can
                // take a slot in another's name. Any desk may let go of a cancelled booking.
                let current = session.as_ref().and_then(|s| s.current);
                let foreign = claims.iter().any(|c| match c.booking.confirmation {
                    crate::domain::appointment::Confirmation::Provisional { desk }
                    | crate::domain::appointment::Confirmation::Leased { desk } => Some(desk) != current,
                    _ => true,
                });
                if foreign {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        "a claim for a booking this desk did not make (provisionally or in its lease); each desk claims its own".into(),
                    ));
                }
                let policy = match self.policy() {
                    Ok(p) => p,
                    Err(r) => return Some(r),
                };
                match self
                    .relay
                    .decide_claims(&claims, &releases, policy.as_ref(), at_ms(now))
                {
                    Ok(d) => Reply::Bookings {
                        answers: d.answers,
                        released: d.released,
                    },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Lease { lease, hours } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                // Leased to the asking desk's own current replica, whatever the request says.
                let Some(desk) = session.as_ref().and_then(|s| s.current) else {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        "only a desk's current replica takes a lease".into(),
                    ));
                };
                let asked = crate::domain::booking_claim::Lease {
                    desk,
                    expires: at_ms(now) + chrono::Duration::hours(i64::from(hours)),
                    ..lease
                };
                match self.relay.take_lease(&asked, at_ms(now)) {
                    Ok(lease) => Reply::Leased { lease },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Places { claims, releases } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                // As with slots: a desk claims only the places its own current replica gave.
                let current = session.as_ref().and_then(|s| s.current);
                if claims
                    .iter()
                    .any(|c| current.is_none() || crate::domain::place_claim::made_on(&c.booking) != current)
                {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        "a claim for an event place this desk did not give (provisionally or in its lease); each desk claims its own".into(),
                    ));
                }
                match self.relay.decide_places(&claims, &releases, at_ms(now)) {
                    Ok(d) => Reply::Places {
                        answers: d.answers,
                        released: d.released,
                    },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::LeasePlaces {
                lease,
                capacity,
                settled,
                hours,
            } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                let Some(desk) = session.as_ref().and_then(|s| s.current) else {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        "only a desk's current replica takes a lease".into(),
                    ));
                };
                let asked = crate::domain::place_claim::PlaceLease {
                    desk,
                    expires: at_ms(now) + chrono::Duration::hours(i64::from(hours)),
                    ..lease
                };
                match self.relay.take_place_lease(&asked, capacity, settled, at_ms(now)) {
                    Ok(lease) => Reply::LeasedPlaces { lease },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Reinstate { slots, places } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                // Any desk may give back what it holds as confirmed: every desk holds every
                // desk's confirmed bookings once merged.
                match self.relay.reinstate(&slots, &places) {
                    Ok(r) => Reply::Reinstated {
                        slots_taken: r.slots_taken,
                        places_full: r.places_full,
                    },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::ReturnLease { id } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                let Some(desk) = session.as_ref().and_then(|s| s.current) else {
                    return Some(refusal(
                        ErrorCode::BadRequest,
                        "only a desk's current replica holds a lease".into(),
                    ));
                };
                match self.relay.return_lease(id, desk) {
                    Ok(held) => Reply::LeaseReturned { held },
                    Err(e) => relay_refusal(e),
                }
            }
            Request::Pull { after, max_ops } => {
                if let Err(r) = self.still_enrolled(session.as_ref()) {
                    return Some(r);
                }
                let max_ops = max_ops.clamp(1, MAX_OPS_PER_FRAME) as usize;
                match (self.relay.pull(after, max_ops, MAX_FRAME / 2), self.relay.head()) {
                    (Ok(ops), Ok(head)) => Reply::Batch { ops, head },
                    (Err(e), _) | (_, Err(e)) => relay_refusal(e.into()),
                }
            }
        })
    }

    /// The institution's policy the server serves, read for the rules it re-checks; none
    /// when it serves none. A served policy that no longer reads is the server's fault, told
    /// as unavailable rather than deciding without it.
    fn policy(&self) -> Result<Option<crate::policy::Policy>, Reply> {
        match self.relay.policy() {
            Ok(None) => Ok(None),
            Ok(Some((version, text))) => {
                crate::policy::Policy::parse(&text, &format!("the served policy, version {version}"))
                    .map(Some)
                    .map_err(|e| {
                        tracing::error!("the served policy does not read: {e}");
                        Reply::Error {
                            code: ErrorCode::Unavailable,
                            message: "the server's policy does not read; its administrator has to set it again".into(),
                            retry_after_ms: Some(RETRY_AFTER_MS),
                        }
                    })
            }
            Err(e) => Err(relay_refusal(e.into())),
        }
    }

    fn hello(
        &self,
        terminal: TerminalId,
        secret: &[u8; 32],
        replicas: &[DeviceId],
        institution: &[u8; 32],
        now: u64,
    ) -> Result<(Reply, Session), RelayError> {
        self.relay.authenticate(terminal, secret)?;
        self.relay.check_institution(institution)?;
        self.relay.note_sync(terminal, now)?;
        let identity = self.relay.identity()?;
        let mut high_water = Vec::with_capacity(replicas.len());
        for &d in replicas {
            high_water.push((d, self.relay.replica_high_water(d)?));
        }
        // The last replica named is the store's current one; the others it was copied from.
        let (current, older) = match replicas.split_last() {
            Some((&c, older)) => (self.relay.claim_current(terminal, c)?.then_some(c), older.to_vec()),
            None => (None, Vec::new()),
        };
        let session = Session {
            terminal,
            current,
            older,
        };
        let reply = Reply::Welcome {
            server_id: identity.server_id,
            epoch: identity.epoch,
            server_time_ms: now,
            head: self.relay.head()?,
            high_water,
            policy_version: self.relay.policy()?.map_or(0, |(v, _)| v),
        };
        Ok((reply, session))
    }

    /// The session's terminal if it is still enrolled and not revoked, else the refusal.
    fn still_enrolled(&self, session: Option<&Session>) -> Result<TerminalId, Reply> {
        let Some(terminal) = session.map(|s| s.terminal) else {
            return Err(refusal(ErrorCode::Unauthorised, "say hello first".into()));
        };
        match self.relay.terminal(terminal) {
            Ok(Some(t)) if t.revoked_ms.is_none() => Ok(terminal),
            Ok(Some(_)) => Err(relay_refusal(RelayError::Revoked)),
            Ok(None) => Err(relay_refusal(RelayError::UnknownTerminal)),
            Err(e) => Err(relay_refusal(e.into())),
        }
    }

    fn admin(&self, action: AdminAction, now: u64) -> Result<AdminReply, RelayError> {
        Ok(match action {
            AdminAction::EnrolCode { valid_minutes } => {
                let until = now.saturating_add(u64::from(valid_minutes) * 60_000);
                AdminReply::Code(self.relay.issue_code(until)?)
            }
            AdminAction::Terminals => AdminReply::Terminals(self.relay.terminals()?),
            AdminAction::Revoke { terminal } => AdminReply::Revoked(self.relay.revoke(terminal, now)?),
            AdminAction::SetPolicy { text } => {
                // The same checks a desk makes of its own file: a policy that does not read
                // is never served.
                if let Err(e) = crate::policy::Policy::parse(&text, "the policy sent to the server") {
                    return Err(RelayError::BadPolicy(e.to_string()));
                }
                AdminReply::PolicyVersion(self.relay.set_policy(&text)?)
            }
            AdminAction::ShowPolicy => AdminReply::Policy(self.relay.policy()?),
            AdminAction::TerminalOps => AdminReply::TerminalOps(self.relay.terminal_ops()?),
        })
    }
}

fn refusal(code: ErrorCode, message: String) -> Reply {
    Reply::Error {
        code,
        message,
        retry_after_ms: None,
    }
}

/// The server's clock reading as a time.
fn at_ms(ms: u64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

fn relay_refusal(e: RelayError) -> Reply {
    let code = match &e {
        RelayError::BadCode | RelayError::UnknownTerminal => ErrorCode::Unauthorised,
        RelayError::OtherInstitution => ErrorCode::OtherInstitution,
        RelayError::Revoked => ErrorCode::Revoked,
        RelayError::Push(PushRefusal::ClockAhead { .. }) => ErrorCode::ClockAhead,
        RelayError::Push(_) => ErrorCode::BadPush,
        RelayError::BadPolicy(_) | RelayError::BadSlots(_) | RelayError::BadClaims(_) | RelayError::BadLease(_) => {
            ErrorCode::BadRequest
        }
        RelayError::NoInstitution => ErrorCode::NoInstitution,
        RelayError::Store(inner) => {
            tracing::error!("the sync server's store failed: {inner}");
            return Reply::Error {
                code: ErrorCode::Unavailable,
                message: "the server could not use its store; it has logged why".into(),
                retry_after_ms: Some(RETRY_AFTER_MS),
            };
        }
    };
    refusal(code, e.to_string())
}
