//! The main screen's background work: the session's job results taken in, and the outbox,
//! backup and sync runs started when due.

use crate::desk::{Desk, FlushReport, OutboxCounts};
use crate::domain::access::Permission;
use crate::notify::{Transport, Transports};
use crate::ui::event::SessionDone;
use crate::ui::housekeeping::BackupState;
use crate::ui::pane::Notice;
use crate::ui::sync_task::{run_sync, SYNC_JOB};

use super::{Main, BACKUP_EVERY, BACKUP_JOB, OUTBOX_EVERY, OUTBOX_JOB, PURGE_JOB};

/// The job that saves the client lookup again after an erasure.
const LOOKUP_SAVE_JOB: &str = "saving the client lookup";

/// Sends what is due (when this operator may) and counts what is left.
fn run_outbox(desk: &Desk, transports: Option<&Transports>, from: &str) -> Result<(FlushReport, OutboxCounts), String> {
    let report = match transports {
        Some(t) if desk.may(Permission::Book) => {
            let sms = t.sms.as_deref().map(|s| s as &dyn Transport);
            desk.flush_outbox(t.email.as_ref(), sms, from)
                .map_err(|e| e.to_string())?
        }
        _ => FlushReport::default(),
    };
    let counts = desk.outbox_counts().map_err(|e| e.to_string())?;
    Ok((report, counts))
}

impl Main {
    /// Takes a session job's result.
    pub fn job_done(&mut self, done: SessionDone) {
        // The work that kept the store busy (the start-up purge, an import) may be what just
        // ended: a waiting backup is tried again now rather than in an hour.
        let retry_backup = !matches!(done, SessionDone::Backup(_) | SessionDone::SyncProgress(_));
        let retry_sync = !matches!(done, SessionDone::Sync(_) | SessionDone::SyncProgress(_));
        if matches!(done, SessionDone::Purge(_)) {
            self.purging = false;
        }
        self.take_job(done);
        self.save_lookup_if_wanted();
        if retry_backup && self.backups.state == BackupState::Waiting {
            self.backups.next_at = self.desk.now();
            self.back_up_if_due();
        }
        if retry_sync {
            self.sync.quiet_moment(self.desk.now());
        }
        self.sync_if_due();
    }

    fn take_job(&mut self, done: SessionDone) {
        match done {
            SessionDone::Directory(Ok(index)) => {
                // Clients erased while it loaded leave it before anyone can search it.
                self.clients.set_without(*index, &self.lookup_loads.erased);
                self.lookup_taken();
                for i in 0..self.panes.len() {
                    self.with_pane_at(i, |pane, cx| {
                        pane.directory_ready(cx);
                        true
                    });
                }
            }
            SessionDone::Sync(result) => {
                let result = *result;
                if let Some(text) = self.sync.finished(&result, self.desk.now(), rand::random()) {
                    self.notice = Some(Notice::Problem(format!("sync: {text}")));
                }
                match result {
                    Ok(report) => {
                        tracing::info!(?report, "synced from the desk screen");
                        // Clients erased on another desk and here at this sync leave the
                        // lookup at once, as after the start-up purge.
                        if !report.erased_here.0.is_empty() {
                            let ids: Vec<crate::domain::ids::ClientId> = report
                                .erased_here
                                .0
                                .iter()
                                .map(|&id| crate::domain::ids::ClientId(id))
                                .collect();
                            self.lookup_after_erasure(&ids);
                        }
                        self.lookup_after_merge(&report.changed_clients.0);
                        // The pane on show reads again what the sync may have changed.
                        for i in 0..self.panes.len() {
                            let on_show = i == self.active;
                            self.with_pane_at(i, |pane, cx| {
                                pane.synced(on_show, cx);
                                true
                            });
                        }
                    }
                    Err(f) => tracing::warn!("sync from the desk screen: {}", f.text),
                }
            }
            SessionDone::SyncProgress(pct) => {
                if self.sync.running {
                    self.sync.percent = Some(pct);
                }
            }
            SessionDone::Purge(result) => match result {
                Ok(done) => {
                    if let Some(line) = done.summary() {
                        tracing::info!(?done, "retention purge at start-up");
                        self.notice = Some(Notice::Done(line));
                    }
                    if done.erased_anyone() {
                        self.lookup_after_erasure(done.erased());
                    }
                }
                Err(e) => {
                    self.notice = Some(Notice::Problem(format!(
                        "the retention purge could not run: {e}; a supervisor can run `careerdesk purge`"
                    )))
                }
            },
            SessionDone::Directory(Err(e)) => {
                self.lookup_taken();
                self.notice = Some(Notice::Problem(format!("client lookup is unavailable: {e}")))
            }
            SessionDone::LookupSaved(result) => {
                self.lookup_loads.saving = false;
                match result {
                    Ok(saved) => tracing::info!(saved, "client lookup saved again after an erasure"),
                    // Only the next sign-in's speed is at stake: it builds the lookup.
                    Err(e) => tracing::warn!("the client lookup could not be saved after an erasure: {e}"),
                }
            }
            SessionDone::Outbox(result) => {
                self.outbox.running = false;
                match result {
                    Ok((report, counts)) => {
                        if report.sent + report.retrying + report.failed > 0 {
                            tracing::info!(?report, "outbox sent from the desk screen");
                        }
                        self.outbox.counts = counts;
                    }
                    Err(e) => self.notice = Some(Notice::Problem(format!("the outbox could not be sent: {e}"))),
                }
                self.send_outbox_if_due();
            }
            SessionDone::Backup(result) => {
                self.backups.running = false;
                self.backups.state = match result.map(|b| *b) {
                    Ok(crate::desk::AutoBackup::Made { backup, pruned }) => {
                        tracing::info!(path = %backup.path.display(), pruned = pruned.len(), "automatic backup made");
                        BackupState::Done
                    }
                    Ok(crate::desk::AutoBackup::NotDue { .. }) => BackupState::Done,
                    Ok(crate::desk::AutoBackup::Off) => BackupState::Off,
                    Ok(crate::desk::AutoBackup::Busy) => BackupState::Waiting,
                    Err(e) => {
                        self.notice = Some(Notice::Problem(format!(
                            "today's automatic backup failed: {e}; `careerdesk store backup` makes one by hand"
                        )));
                        BackupState::Failed
                    }
                };
            }
            SessionDone::Pane(id, done) => {
                if let Some(i) = self.panes.iter().position(|p| p.id() == id) {
                    self.with_pane_at(i, |pane, cx| {
                        pane.job_done(done, cx);
                        true
                    });
                }
            }
        }
    }

    /// Builds the client lookup in the background (from the saved lookup when it is whole).
    pub(super) fn load_lookup(&mut self) {
        if let Ok(job) = self.desk.lookup_job() {
            self.lookup_loads.in_flight += 1;
            self.jobs.spawn_session("building the client lookup", move |_| {
                SessionDone::Directory(job().map(Box::new).map_err(|e| e.to_string()))
            });
        }
    }

    /// Counts a lookup load's result in; once none is in flight, the clients erased meanwhile
    /// are forgotten (every load that could hold them has had them removed).
    fn lookup_taken(&mut self) {
        self.lookup_loads.in_flight = self.lookup_loads.in_flight.saturating_sub(1);
        if self.lookup_loads.in_flight == 0 {
            self.lookup_loads.erased.clear();
        }
    }

    /// Clients were erased (DATA-05): they leave the lookup shown at once, and any load in
    /// flight when it arrives; no load from the records is needed, and searches go on.
    fn lookup_after_erasure(&mut self, erased: &[crate::domain::ids::ClientId]) {
        self.clients.remove_all(erased);
        if self.lookup_loads.in_flight > 0 {
            self.lookup_loads.erased.extend_from_slice(erased);
        }
    }

    /// Other desks changed these clients (merged at a sync): a few are read again here and
    /// taken into the lookup shown; many (a first sync) load the lookup again in the
    /// background, which takes in every merge since its saved copy.
    fn lookup_after_merge(&mut self, changed: &[u128]) {
        const READ_HERE: usize = 200;
        if changed.is_empty() {
            return;
        }
        if changed.len() > READ_HERE || !self.clients.is_ready() {
            self.load_lookup();
            return;
        }
        for &id in changed {
            match self.desk.client(crate::domain::ids::ClientId(id)) {
                Ok(c) => self.clients.upsert(&c),
                Err(_) => self.clients.remove(crate::domain::ids::ClientId(id)),
            }
        }
    }

    /// After an erasure, saves the lookup again from itself in the background (no record
    /// read), so the next sign-in reads a saved copy instead of building it from every client
    /// record: the erasure destroyed the old copy's key. Waits for loads in flight (their
    /// results still lose the erased clients first) and for a save already running.
    pub(super) fn save_lookup_if_wanted(&mut self) {
        if self.lookup_loads.saving || self.lookup_loads.in_flight > 0 || !self.clients.take_save_wanted() {
            return;
        }
        let Some((dir, covers)) = self.clients.snapshot() else {
            return;
        };
        self.lookup_loads.saving = true;
        self.jobs.spawn_session(LOOKUP_SAVE_JOB, move |desk| {
            SessionDone::LookupSaved(desk.save_lookup_copy(dir, covers).map_err(|e| e.to_string()))
        });
    }

    /// A job of this session panicked.
    pub fn job_failed(&mut self, what: &str, text: String) {
        if what == OUTBOX_JOB {
            self.outbox.running = false;
        }
        if what == BACKUP_JOB {
            self.backups.running = false;
            self.backups.state = BackupState::Failed;
        }
        if what == SYNC_JOB {
            self.sync.crashed(self.desk.now(), rand::random());
        }
        if what == PURGE_JOB {
            self.purging = false;
        }
        if what == LOOKUP_SAVE_JOB {
            self.lookup_loads.saving = false;
        }
        self.notice = Some(Notice::Problem(text));
    }

    /// Makes today's automatic backup in the background when none exists yet: asked at sign-in
    /// and then hourly, so a desk left open overnight makes the next day's too. The store's
    /// commit gate keeps the copy whole while the desk goes on working.
    pub fn back_up_if_due(&mut self) {
        let now = self.desk.now();
        if self.backups.running || now < self.backups.next_at || self.backups.state == BackupState::Off {
            return;
        }
        self.backups.running = true;
        self.backups.next_at = now + BACKUP_EVERY;
        let paths = self.backups.paths.clone();
        self.jobs.spawn_session(BACKUP_JOB, move |desk| {
            SessionDone::Backup(desk.backup_if_due(&paths).map(Box::new).map_err(|e| e.to_string()))
        });
    }

    /// Starts a sync when one is due (at sign-in, then on the policy's schedule or the backoff
    /// after a failure). Never two at once; none while the start-up purge or the backup is
    /// copying the store (the sync's commits would make the backup start again).
    pub fn sync_if_due(&mut self) {
        if self.sync.due(self.desk.now()) && !self.backups.running && !self.purging {
            self.start_sync(false);
        }
    }

    fn start_sync(&mut self, asked: bool) {
        self.sync.started(asked);
        let gate = self.sync.gate.clone();
        self.jobs
            .spawn_session_posting(SYNC_JOB, move |desk, post| run_sync(desk, &gate, post));
    }

    /// The sync-now command: a sync at once, the backoff started again.
    pub(super) fn sync_now(&mut self) {
        self.notice = Some(if !self.sync.enrolled {
            Notice::Problem(crate::sync::SyncError::NotEnrolled.to_string())
        } else if self.sync.running {
            Notice::Done("A sync is already running; its result shows in the status bar.".into())
        } else {
            self.sync.reset_backoff(self.desk.now());
            self.start_sync(true);
            Notice::Done("Syncing now…".into())
        });
    }

    /// Starts an outbox run when one is wanted (messages were queued) or the schedule says so.
    pub fn send_outbox_if_due(&mut self) {
        let now = self.desk.now();
        if self.outbox.running || !(self.outbox.wanted || now >= self.outbox.next_at) {
            return;
        }
        self.outbox.running = true;
        self.outbox.wanted = false;
        self.outbox.next_at = now + OUTBOX_EVERY;
        let transports = self.outbox.transports.clone();
        let from = self.outbox.from.clone();
        self.jobs.spawn_session(OUTBOX_JOB, move |desk| {
            SessionDone::Outbox(run_outbox(desk, transports.as_deref(), &from))
        });
    }
}
