//! The desk's side of sync: connect to the pinned server, enrol, and one sync: push this
//! store's ops the server lacks, then pull what other desks made, a page at a time, each page
//! stored with its cursor in one transaction. Stopped anywhere, the next sync carries on.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use super::frame;
use super::message::{AdminAction, AdminReply, Reply, Request, MAX_OPS_PER_FRAME, MAX_ROSTER};
use super::tls::{self, Fingerprint};
use super::SyncError;
use crate::domain::ids::TerminalId;
use crate::domain::sync::ErasedClients;
use crate::store::relay::{KeySlotCopy, MAX_KEY_SLOTS};
use crate::store::{Store, StoreError, TakenOps};

/// How long connecting (TCP and TLS) may take.
pub use super::decisions::{reinstate, return_lease, settle_bookings, settle_places, take_lease, take_place_lease};

const CONNECT: Duration = Duration::from_secs(10);
/// How long one reply may take.
const REPLY: Duration = Duration::from_secs(30);

/// Where the server is and who it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `HOST:PORT`.
    pub addr: String,
    /// Its certificate's fingerprint, pinned at enrolment.
    pub fingerprint: Fingerprint,
}

/// An enrolled terminal's credential at its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The server.
    pub endpoint: Endpoint,
    /// The terminal's id.
    pub terminal: TerminalId,
    /// Its secret.
    pub secret: [u8; 32],
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Ops of this desk the server took.
    pub pushed: u64,
    /// Ops pulled from the server (this desk's own that came back included).
    pub pulled: u64,
    /// Other desks' ops new to this desk.
    pub new: u64,
    /// The server's newest sequence, which this desk has now pulled to.
    pub cursor: u64,
    /// Whether the server's epoch had changed (restored from a backup) since the last sync.
    pub server_restored: bool,
    /// Clients erased on another desk, learnt of in this sync (ids stay in the program).
    #[serde(skip)]
    pub erased: ErasedClients,
    /// Of those, how many this desk held and has now erased too.
    pub erasures_applied: u64,
    /// Those this desk held and erased, for the lookups in memory.
    #[serde(skip)]
    pub erased_here: ErasedClients,
    /// A newer version of the institution's policy from the server: version and text.
    #[serde(skip)]
    pub policy: Option<(u32, String)>,
    /// The version of the policy the desk took in this sync, if it took one.
    pub policy_taken: Option<u32>,
    /// Other desks' ops merged into this desk's records.
    pub merged: u64,
    /// Records those ops wrote or removed here.
    pub records_changed: u64,
    /// Ops put in the conflicts queue at this sync (not merged; listed for a person).
    pub new_conflicts: u64,
    /// Every op in the conflicts queue.
    pub conflicts: u64,
    /// Clients whose records changed, for the lookups in memory.
    #[serde(skip)]
    pub changed_clients: crate::domain::sync::ChangedClients,
    /// What the server's decisions on this desk's bookings did.
    pub bookings: crate::domain::booking_claim::BookingsSettled,
    /// What the server's decisions on this desk's event places did.
    pub places: crate::domain::place_claim::PlacesSettled,
    /// What giving decisions back to a restored server did here.
    pub reinstated: crate::domain::sync::ReinstatedHere,
    /// This desk's bookings waiting to be rebooked (the server gave their slots away).
    pub to_rebook: u64,
    /// This desk's event bookings that lost their place at the server, for the client to be
    /// told.
    pub places_lost: u64,
    /// Slots whose record was set back to the booking that holds them for certain, after
    /// another desk's change (an erasure or cancellation made without knowing of it) freed them.
    pub slots_repaired: u64,
    /// Changes made here that the server refused against its roster this sync (decision 0022).
    pub refused: u64,
}

/// One stage of a sync, for a progress bar: (what, done, of).
pub type SyncProgress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// An open session with the server.
pub struct Session {
    tls: TlsStream<TcpStream>,
}

impl Session {
    /// Connects to the server and checks it is the pinned one.
    pub async fn connect(endpoint: &Endpoint) -> Result<Session, SyncError> {
        let unreachable = |reason: String| SyncError::Unreachable {
            addr: endpoint.addr.clone(),
            reason,
        };
        let config = tls::client_config(endpoint.fingerprint).map_err(|e| unreachable(e.to_string()))?;
        let tcp = tokio::time::timeout(CONNECT, TcpStream::connect(&endpoint.addr))
            .await
            .map_err(|_| unreachable("no answer in 10 seconds".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(tls::SERVER_NAME).map_err(|e| unreachable(e.to_string()))?;
        let tls = tokio::time::timeout(CONNECT, TlsConnector::from(config).connect(name, tcp))
            .await
            .map_err(|_| unreachable("the secure connection was not set up in 10 seconds".into()))?
            .map_err(|e| {
                if e.to_string().contains("ApplicationVerificationFailure") {
                    SyncError::WrongServer {
                        addr: endpoint.addr.clone(),
                    }
                } else {
                    unreachable(e.to_string())
                }
            })?;
        Ok(Session { tls })
    }

    /// Sends a request and reads its reply; a refusal becomes [`SyncError::Refused`].
    pub async fn call(&mut self, request: &Request) -> Result<Reply, SyncError> {
        self.send(request).await?;
        self.receive().await
    }

    /// Sends a request; its reply is read by [`Session::receive`] (so a desk may ask for the
    /// next page before it stores the last).
    pub async fn send(&mut self, request: &Request) -> Result<(), SyncError> {
        frame::write(&mut self.tls, request).await.map_err(broken)
    }

    /// Reads the reply to the oldest request sent and not yet answered.
    pub async fn receive(&mut self) -> Result<Reply, SyncError> {
        let reply = tokio::time::timeout(REPLY, frame::read(&mut self.tls))
            .await
            .map_err(|_| SyncError::TimedOut)?
            .map_err(broken)?;
        match reply {
            Reply::Error {
                code,
                message,
                retry_after_ms,
            } => Err(SyncError::Refused {
                code,
                message,
                retry_after_ms,
            }),
            r => Ok(r),
        }
    }

    /// Ends the session politely (a failure here loses nothing).
    pub async fn close(mut self) {
        let _ = frame::write(&mut self.tls, &Request::Bye).await;
    }
}

fn broken(e: frame::FrameError) -> SyncError {
    match e {
        frame::FrameError::Closed(why) => SyncError::Broken(why),
        other => SyncError::Frame(other),
    }
}

/// The result of a page stored on a thread of its own.
async fn joined(job: tokio::task::JoinHandle<Result<TakenOps, StoreError>>) -> Result<TakenOps, SyncError> {
    job.await
        .map_err(|e| SyncError::Protocol(format!("storing a page stopped: {e}")))?
        .map_err(SyncError::Store)
}

pub(super) fn unexpected(reply: &Reply) -> SyncError {
    SyncError::Protocol(format!("{reply:?}").chars().take(80).collect())
}

/// Enrols this terminal with a one-time code: its credential and the server's id.
pub async fn enrol(endpoint: &Endpoint, code: &str, name: &str) -> Result<(TerminalId, [u8; 32], u128), SyncError> {
    let mut session = Session::connect(endpoint).await?;
    let reply = session
        .call(&Request::Enrol {
            code: code.to_string(),
            name: name.to_string(),
        })
        .await?;
    session.close().await;
    match reply {
        Reply::Enrolled {
            terminal,
            secret,
            server_id,
        } => Ok((terminal, secret, server_id)),
        other => Err(unexpected(&other)),
    }
}

/// What a desk joining the institution makes its store from (decision 0020, step 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionCopy {
    /// The institution check the server was founded with.
    pub check: [u8; 32],
    /// Every operator's key slot the server holds.
    pub key_slots: Vec<KeySlotCopy>,
    /// The policy it serves, if any: version and text.
    pub policy: Option<(u32, String)>,
}

/// Fetches the institution from the server with a valid one-time `code`, which is not spent.
pub async fn institution(endpoint: &Endpoint, code: &str) -> Result<InstitutionCopy, SyncError> {
    let mut session = Session::connect(endpoint).await?;
    let reply = session.call(&Request::Institution { code: code.to_string() }).await?;
    session.close().await;
    match reply {
        Reply::Institution {
            check,
            key_slots,
            policy,
        } => Ok(InstitutionCopy {
            check,
            key_slots,
            policy,
        }),
        other => Err(unexpected(&other)),
    }
}

/// The time now, ms since the epoch.
fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

/// An administrator's request to a running server.
pub async fn admin(endpoint: &Endpoint, token: [u8; 32], action: AdminAction) -> Result<AdminReply, SyncError> {
    let mut session = Session::connect(endpoint).await?;
    let reply = session.call(&Request::Admin { token, action }).await?;
    session.close().await;
    match reply {
        Reply::Admin(r) => Ok(r),
        other => Err(unexpected(&other)),
    }
}

/// The hello that opens a session for `store`'s replicas.
fn hello(store: &Store, creds: &Credentials, replicas: &crate::store::Replicas) -> Request {
    Request::Hello {
        terminal: creds.terminal,
        secret: creds.secret,
        replicas: replicas.ranges.iter().map(|r| r.0).collect(),
        institution: store.institution_check(),
    }
}

/// A session opened with a hello, with the server this desk follows.
pub(super) async fn opened(store: &Store, creds: &Credentials) -> Result<Session, SyncError> {
    let mut session = Session::connect(&creds.endpoint).await?;
    let reply = session.call(&hello(store, creds, &store.replicas()?)).await?;
    let Reply::Welcome { server_id, .. } = reply else {
        return Err(unexpected(&reply));
    };
    if store.sync_position()?.server_id.is_some_and(|id| id != server_id) {
        return Err(SyncError::OtherServer {
            addr: creds.endpoint.addr.clone(),
        });
    }
    Ok(session)
}

/// One sync of `store` with its server.
pub async fn sync_once(
    store: &Store,
    creds: &Credentials,
    progress: SyncProgress<'_>,
) -> Result<SyncReport, SyncError> {
    let mut session = Session::connect(&creds.endpoint).await?;
    let replicas = store.replicas()?;
    let reply = session.call(&hello(store, creds, &replicas)).await?;
    let Reply::Welcome {
        server_id,
        epoch,
        head,
        high_water,
        policy_version,
        ..
    } = reply
    else {
        return Err(unexpected(&reply));
    };
    let before = store.sync_position()?;
    if before.server_id.is_some_and(|id| id != server_id) {
        return Err(SyncError::OtherServer {
            addr: creds.endpoint.addr.clone(),
        });
    }
    let position = store.follow_server(server_id, epoch, head)?;
    let mut report = SyncReport {
        server_restored: before.epoch.is_some_and(|e| e != epoch),
        ..SyncReport::default()
    };

    // Key slots travel (decision 0020, step 3): the server keeps the newest for each login,
    // for desks that join later. They are wrapped by each operator's password.
    let slots = store.key_slot_copies(now_ms())?;
    for chunk in slots.chunks(MAX_KEY_SLOTS) {
        let reply = session.call(&Request::OfferKeySlots { slots: chunk.to_vec() }).await?;
        let Reply::KeySlotsKept { .. } = reply else {
            return Err(unexpected(&reply));
        };
    }

    // The roster (decision 0022): entries signed here go to the server before the ops they
    // prove; the server's whole roster comes back, and only entries its signatures prove
    // are kept here.
    let entries = store.roster()?;
    let reply = session
        .call(&Request::Roster {
            entries: entries.into_iter().take(MAX_ROSTER).collect(),
        })
        .await?;
    let Reply::Roster { refused, entries } = reply else {
        return Err(unexpected(&reply));
    };
    for (operator, why) in &refused {
        tracing::warn!(operator = operator.0, "the server refused a roster entry: {why}");
    }
    store.take_roster(&entries)?;

    // A newer policy is fetched; the desk checks and writes it.
    if policy_version > store.policy_version()? {
        let reply = session.call(&Request::GetPolicy).await?;
        let Reply::Policy { version, text } = reply else {
            return Err(unexpected(&reply));
        };
        report.policy = Some((version, text));
    }

    // Push: for each replica, from what the server holds (never from what this desk thinks it
    // sent: a restored server may hold less).
    let to_push: u64 = replicas
        .ranges
        .iter()
        .map(|&(d, base, last)| {
            let held = high_water.iter().find(|h| h.0 == d).map_or(0, |h| h.1);
            last.saturating_sub(held.max(base))
        })
        .sum();
    let mut all_pushed = true;
    for &(device, base, last) in &replicas.ranges {
        let mut from = high_water.iter().find(|h| h.0 == device).map_or(0, |h| h.1).max(base);
        while from < last {
            let ops: Vec<_> = store
                .sealed_ops_after(from, MAX_OPS_PER_FRAME as usize)?
                .into_iter()
                .take_while(|o| o.device == device && o.seq <= last)
                .collect();
            if ops.is_empty() {
                break;
            }
            let sent = ops.len() as u64;
            let reply = session.call(&Request::Push { base, ops }).await?;
            let Reply::PushAck {
                high_water, refused, ..
            } = reply
            else {
                return Err(unexpected(&reply));
            };
            // Kept in the conflicts queue until a person sees them: never dropped quietly.
            for (seq, why) in &refused {
                if store.put_refused(device, *seq, why, chrono::Utc::now())? {
                    report.refused += 1;
                }
            }
            if high_water <= from {
                return Err(SyncError::Protocol("the server took none of the ops pushed".into()));
            }
            report.pushed += sent.min(high_water - from);
            from = high_water;
            progress("pushing", report.pushed, to_push);
        }
        all_pushed &= from >= last;
    }

    // Every replica's ops are on the server now, up to where this push began.
    if let (true, Some(&(_, _, last))) = (all_pushed, replicas.ranges.last()) {
        store.set_pushed_through(last)?;
    }

    // Pull, a page at a time; each page and its cursor are stored together, in order. The
    // next page is asked for, and read, while the last is stored on a thread of its own, so
    // the wire and the disk work at once; the pages are flushed once at the end (a crash
    // before it loses only pages pulled again).
    let mut cursor = position.cursor;
    let start = cursor;
    let pull = |after: u64| Request::Pull {
        after,
        max_ops: MAX_OPS_PER_FRAME,
    };
    let mut storing: Option<tokio::task::JoinHandle<Result<TakenOps, StoreError>>> = None;
    let stored = |report: &mut SyncReport, taken: TakenOps| {
        report.new += taken.new as u64;
        report.erased.0.extend(taken.erased);
    };
    session.send(&pull(cursor)).await?;
    loop {
        let reply = session.receive().await?;
        let Reply::Batch { ops, head: now_head } = reply else {
            return Err(unexpected(&reply));
        };
        let Some(&(last, _)) = ops.last() else {
            break;
        };
        if ops.first().is_some_and(|(s, _)| *s <= cursor) || last <= cursor {
            return Err(SyncError::Protocol("a batch from before the cursor".into()));
        }
        let more = last < now_head;
        if more {
            session.send(&pull(last)).await?;
        }
        if let Some(previous) = storing.take() {
            stored(&mut report, joined(previous).await?);
        }
        report.pulled += ops.len() as u64;
        let s = store.clone();
        storing = Some(tokio::task::spawn_blocking(move || s.take_remote_ops(&ops, last)));
        cursor = last;
        progress("pulling", cursor - start, now_head.max(head).saturating_sub(start));
        if !more {
            break;
        }
    }
    if let Some(last) = storing.take() {
        stored(&mut report, joined(last).await?);
    }
    store.flush()?;
    report.cursor = cursor;
    session.close().await;
    Ok(report)
}
