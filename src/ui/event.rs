//! Everything that reaches the desk screen arrives as one [`Event`] on one channel: keys, the
//! mouse, resizes and ticks from the terminal, and the results of background jobs. Slow work
//! (sign-in, unlock, building the client lookup, reports, sending the outbox) runs as a job on
//! a blocking thread and posts its result, so the screen draws it at once (decision 0012).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::desk::Lookup;
use crate::desk::{Desk, DirectoryEntry, FlushReport, OutboxCounts};
use crate::domain::employer::Employer;
use crate::store::LockedStore;
use crate::ui::pane::{Notice, PaneId};

/// Something that happened.
#[derive(Debug)]
pub enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse was used.
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resize(u16, u16),
    /// Time passed (idle lock, clock, the outbox schedule).
    Tick,
    /// A background job finished or reported progress.
    Job(JobDone),
}

/// What a background job sends back.
pub enum JobDone {
    /// The store was opened and an operator signed in (sign-in screen), or the store was created
    /// (first-run set-up, with demo data when chosen). `locked` is the open store, kept for
    /// signing in again without reopening it.
    Opened {
        /// The store, once open (also when signing in failed).
        locked: Option<LockedStore>,
        /// The signed-in desk and a message for the main screen, or what went wrong.
        result: Result<(Box<Desk>, Option<Notice>), String>,
    },
    /// How far long work has got: what, done, total.
    Progress(String, u64, u64),
    /// Whether the password typed on the lock screen is the operator's.
    Unlocked(Result<bool, String>),
    /// A result for the signed-in session numbered `session` (dropped if that session is over).
    Session {
        /// The session the job was started for.
        session: u64,
        /// The result.
        done: SessionDone,
    },
    /// A job panicked: what it was and the panic message.
    Failed(&'static str, String),
}

impl std::fmt::Debug for JobDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobDone::Opened { result, .. } => write!(f, "Opened(ok: {})", result.is_ok()),
            JobDone::Progress(what, done, total) => write!(f, "Progress({what}, {done}/{total})"),
            JobDone::Unlocked(r) => write!(f, "Unlocked({r:?})"),
            JobDone::Session { session, done } => write!(f, "Session({session}, {done:?})"),
            JobDone::Failed(what, message) => write!(f, "Failed({what}: {message})"),
        }
    }
}

/// A result for the main screen.
pub enum SessionDone {
    /// The client lookup index built after sign-in.
    Directory(Result<Box<Lookup>, String>),
    /// An outbox run: what was sent, and the counts for the status bar afterwards.
    Outbox(Result<(FlushReport, OutboxCounts), String>),
    /// An automatic backup run (the policy's `[backups]`).
    Backup(Result<Box<crate::desk::AutoBackup>, String>),
    /// The retention purge run when the session starts (DATA-02).
    Purge(Result<crate::desk::AutoPurge, String>),
    /// A sync with the server (the sync task), or why it did not sync.
    Sync(Box<Result<crate::sync::client::SyncReport, crate::ui::sync_task::SyncFailure>>),
    /// How far the running sync has got, in per cent.
    SyncProgress(u8),
    /// The client lookup saved again after an erasure: whether it was (see
    /// `Desk::save_lookup_copy`).
    LookupSaved(Result<bool, String>),
    /// A result for one pane.
    Pane(PaneId, PaneDone),
}

impl std::fmt::Debug for SessionDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionDone::Directory(r) => write!(f, "Directory(ok: {})", r.is_ok()),
            SessionDone::Outbox(r) => write!(f, "Outbox({r:?})"),
            SessionDone::Backup(r) => write!(f, "Backup(ok: {})", r.is_ok()),
            SessionDone::Purge(r) => write!(f, "Purge({r:?})"),
            SessionDone::Sync(r) => write!(f, "Sync({r:?})"),
            SessionDone::SyncProgress(p) => write!(f, "SyncProgress({p}%)"),
            SessionDone::LookupSaved(r) => write!(f, "LookupSaved({r:?})"),
            SessionDone::Pane(p, d) => write!(f, "Pane({p:?}, {d:?})"),
        }
    }
}

/// A result for a pane, from a job the pane started.
pub enum PaneDone {
    /// Client lookup matches for search number `ticket` (`None`: a later search replaced it).
    ClientMatches(u64, Option<Vec<DirectoryEntry>>),
    /// The client lookup rebuilt on request.
    Index(Result<Box<Lookup>, String>),
    /// The free slots of an appointment type, for booking.
    FreeSlots(
        crate::domain::policy::AppointmentTypeId,
        Result<Vec<crate::domain::appointment::Slot>, String>,
    ),
    /// Employers matching search number `ticket`.
    Employers(u64, Result<Vec<Employer>, String>),
    /// The employers with the most contacts over the last year (EVT-04).
    Busiest(Result<Vec<crate::desk::BusyEmployer>, String>),
    /// Slots to offer for re-booking after a technical failure (APPT-10).
    RebookOffers(Result<Vec<crate::domain::appointment::Slot>, String>),
    /// The triage lists and chart.
    Triage(Box<Result<crate::ui::panes::triage::TriageData, String>>),
    /// The supervisor's audit view (issue 11 item 5).
    Audit(Box<Result<crate::desk::AuditView, String>>),
    /// The sections of a client's card (consents, attachments, enquiries, feedback, complaints).
    CardSections(Box<crate::ui::panes::clients::CardSections>),
    /// The reports view in triage: every report's publishable table.
    Reports(Box<Result<crate::ui::panes::triage::ReportTables, String>>),
    /// The slots on show in the calendar, for load number `ticket`.
    Calendar(u64, Box<Result<crate::ui::panes::calendar::CalendarData, String>>),
    /// The events list with its counts, for load number `ticket`.
    Events(u64, Box<Result<Vec<crate::ui::panes::events::EventRow>, String>>),
    /// The sync conflicts queue, for load number `ticket`.
    Conflicts(u64, Box<Result<crate::ui::panes::conflicts::ConflictsData, String>>),
}

impl std::fmt::Debug for PaneDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaneDone::ClientMatches(t, m) => write!(f, "ClientMatches({t}, {:?})", m.as_ref().map(Vec::len)),
            PaneDone::Index(r) => write!(f, "Index(ok: {})", r.is_ok()),
            PaneDone::FreeSlots(t, r) => write!(f, "FreeSlots({t}, {:?})", r.as_ref().map(Vec::len)),
            PaneDone::Employers(t, r) => write!(f, "Employers({t}, {:?})", r.as_ref().map(Vec::len)),
            PaneDone::Busiest(r) => write!(f, "Busiest({:?})", r.as_ref().map(Vec::len)),
            PaneDone::Triage(r) => write!(f, "Triage(ok: {})", r.is_ok()),
            PaneDone::Audit(r) => write!(f, "Audit(ok: {})", r.is_ok()),
            PaneDone::RebookOffers(r) => write!(f, "RebookOffers({:?})", r.as_ref().map(Vec::len)),
            PaneDone::Calendar(t, r) => write!(f, "Calendar({t}, ok: {})", r.is_ok()),
            PaneDone::Events(t, r) => write!(f, "Events({t}, {:?})", r.as_ref().as_ref().map(Vec::len)),
            PaneDone::CardSections(s) => write!(f, "CardSections({:?})", s.client),
            PaneDone::Reports(r) => write!(f, "Reports(ok: {})", r.is_ok()),
            PaneDone::Conflicts(t, r) => write!(f, "Conflicts({t}, {:?})", r.as_ref().as_ref().map(|d| d.rows.len())),
        }
    }
}

/// The sending side of the event channel, for a job to report progress.
#[derive(Clone)]
pub struct Poster(UnboundedSender<Event>);

impl Poster {
    /// Posts an event; after the screen has closed this does nothing.
    pub fn post(&self, event: Event) {
        let _ = self.0.send(event);
    }
}

/// Starts background jobs whose results come back as events on the screen's channel.
#[derive(Clone)]
pub struct Jobs {
    tx: UnboundedSender<Event>,
    runtime: tokio::runtime::Handle,
    running: Arc<AtomicUsize>,
}

/// The receiving side of the event channel.
pub struct Events {
    rx: UnboundedReceiver<Event>,
    running: Arc<AtomicUsize>,
}

/// A new event channel whose jobs run on `runtime`'s blocking threads.
pub fn channel(runtime: tokio::runtime::Handle) -> (Jobs, Events) {
    let (tx, rx) = unbounded_channel();
    let running = Arc::new(AtomicUsize::new(0));
    (
        Jobs {
            tx,
            runtime,
            running: running.clone(),
        },
        Events { rx, running },
    )
}

impl Jobs {
    /// Runs `work` on a blocking thread and posts what it returns. A panic in it is caught and
    /// posted as [`JobDone::Failed`] naming `what`, so the screen stays up and says so.
    pub fn spawn(&self, what: &'static str, work: impl FnOnce(&Poster) -> JobDone + Send + 'static) {
        let poster = Poster(self.tx.clone());
        let running = self.running.clone();
        running.fetch_add(1, Ordering::SeqCst);
        self.runtime.spawn_blocking(move || {
            let done = std::panic::catch_unwind(AssertUnwindSafe(|| work(&poster)))
                .unwrap_or_else(|panic| JobDone::Failed(what, panic_text(panic.as_ref())));
            poster.post(Event::Job(done));
            running.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// The sender, for sources of events other than jobs (the terminal reader, the ticker).
    pub fn poster(&self) -> Poster {
        Poster(self.tx.clone())
    }
}

impl Events {
    /// The next event, waiting for one.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// An event that is already waiting, if any.
    pub fn try_next(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// How many jobs have been started and have not yet posted their result.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Numbers requests so that only the latest one's result is used: a search typed over a
/// slower earlier one wins, and the earlier result is dropped when it arrives.
#[derive(Debug, Clone, Default)]
pub struct Latest(Arc<AtomicU64>);

impl Latest {
    /// A new request's number; every earlier number stops being current.
    pub fn issue(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Whether `ticket` is still the latest request (a job checks before starting slow work).
    pub fn is_current(&self, ticket: u64) -> bool {
        self.0.load(Ordering::SeqCst) == ticket
    }

    /// Makes every issued request stale (nothing is waited for any more).
    pub fn cancel(&self) {
        self.issue();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_latest_ticket_is_current() {
        let latest = Latest::default();
        let first = latest.issue();
        assert!(latest.is_current(first));
        let second = latest.issue();
        assert!(!latest.is_current(first));
        assert!(latest.is_current(second));
        latest.cancel();
        assert!(!latest.is_current(second));
    }

    #[test]
    fn a_job_posts_its_result_and_a_panicking_job_posts_a_failure() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (jobs, mut events) = channel(rt.handle().clone());
        jobs.spawn("progress", |post| {
            post.post(Event::Job(JobDone::Progress("half".into(), 1, 2)));
            JobDone::Unlocked(Ok(true))
        });
        jobs.spawn("doomed", |_| panic!("on purpose"));
        let mut got = Vec::new();
        while got.len() < 3 {
            match rt.block_on(events.next()) {
                Some(Event::Job(done)) => got.push(format!("{done:?}")),
                other => panic!("unexpected {other:?}"),
            }
        }
        got.sort();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while events.running() > 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(
            got,
            vec![
                "Failed(doomed: on purpose)".to_string(),
                "Progress(half, 1/2)".to_string(),
                "Unlocked(Ok(true))".to_string(),
            ]
        );
        assert_eq!(events.running(), 0, "every job has finished");
    }
}
