//! The desk screen's sync task: when this terminal is enrolled, one sync at sign-in, then
//! every `[sync] every_seconds`, each run as a background job that posts its progress and its
//! result (decision 0012). After a failure the next try waits as `domain::sync::retry_after`
//! says; the sync-now key tries at once. The status bar shows where sync stands in words and
//! symbols, never by colour alone.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::desk::{Desk, DeskError};
use crate::domain::sync::retry_after;
use crate::store::StoreError;
use crate::sync::client::SyncReport;
use crate::sync::message::ErrorCode;
use crate::sync::SyncError;
use crate::ui::event::SessionDone;

/// The sync job's name (for the log when it fails).
pub(crate) const SYNC_JOB: &str = "syncing with the server";

/// Held by the one sync job running in this process: a job of a signed-out session that is
/// still finishing keeps the next session's first sync waiting, so two never run at once.
#[derive(Clone, Default)]
pub struct SyncGate(Arc<Mutex<()>>);

/// What kind of failure a sync met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The server could not be reached, or the connection broke: offline.
    Offline,
    /// The store was busy (maintenance in a copy): wait for a quiet moment, not counted as a
    /// failure.
    Busy,
    /// The server answered and refused, with the reason in a few words: the network is fine,
    /// a person has something to do (set the clock, enrol again, ask the administrator).
    Refused(&'static str),
}

/// Why a sync job did not sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFailure {
    /// What went wrong and what to do, for the status line.
    pub text: String,
    /// What kind of failure: it decides the status bar's words and whether it counts.
    pub kind: FailureKind,
    /// The server asked for a wait before the next try (`Unavailable`).
    pub retry_after: Option<Duration>,
}

/// How far a sync has got, as a whole percentage: pushing, pulling, then merging.
pub fn sync_percent(stage: &str, done: u64, of: u64) -> u8 {
    let part = done
        .min(of)
        .saturating_mul(100)
        .checked_div(of)
        .map_or(100, |p| p as u16);
    // Pushing, pulling, then merging what came into this desk's records.
    let pct = match stage {
        "pushing" => part * 3 / 10,
        "pulling" => 30 + part * 4 / 10,
        _ => 70 + part * 3 / 10,
    };
    pct.min(100) as u8
}

/// Runs one sync on `desk` (in a job), posting each new whole percentage through `post`.
pub(crate) fn run_sync(desk: &Desk, gate: &SyncGate, post: &(dyn Fn(SessionDone) + Sync)) -> SessionDone {
    let _only_one = gate.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let last = Mutex::new(None::<u8>);
    let progress = |stage: &str, done: u64, of: u64| {
        let pct = sync_percent(stage, done, of);
        let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last != Some(pct) {
            *last = Some(pct);
            post(SessionDone::SyncProgress(pct));
        }
    };
    SessionDone::Sync(Box::new(desk.sync_now(&progress).map_err(|e| failure(&e))))
}

fn failure(e: &DeskError) -> SyncFailure {
    let retry_after = match e {
        DeskError::Sync(SyncError::Refused {
            retry_after_ms: Some(ms),
            ..
        }) => Some(Duration::from_millis(*ms)),
        _ => None,
    };
    let kind = match e {
        DeskError::Store(StoreError::Busy) => FailureKind::Busy,
        DeskError::Sync(SyncError::WrongServer { .. } | SyncError::OtherServer { .. }) => {
            FailureKind::Refused("not the server this desk was enrolled with")
        }
        DeskError::Sync(SyncError::Refused { code, .. }) => FailureKind::Refused(match code {
            ErrorCode::Revoked => "this terminal was revoked",
            ErrorCode::OtherInstitution => "another institution's server",
            ErrorCode::Unauthorised => "not enrolled there",
            ErrorCode::ClockAhead => "this desk's clock is ahead",
            ErrorCode::BadPush | ErrorCode::BadRequest => "the server refused a change",
            ErrorCode::NoInstitution => "the server holds no institution yet",
            ErrorCode::Unavailable => return failure_offline(e.to_string(), retry_after),
        }),
        _ => FailureKind::Offline,
    };
    SyncFailure {
        text: e.to_string(),
        kind,
        retry_after,
    }
}

fn failure_offline(text: String, retry_after: Option<Duration>) -> SyncFailure {
    SyncFailure {
        text,
        kind: FailureKind::Offline,
        retry_after,
    }
}

/// The sync task as the screen keeps it.
pub(crate) struct SyncTask {
    /// This terminal is enrolled with a server (asked once, at sign-in).
    pub(crate) enrolled: bool,
    /// A sync job is under way.
    pub(crate) running: bool,
    /// The job under way was asked for by hand (its failure is always shown).
    pub(crate) asked: bool,
    /// How far the running job has got, once it has said.
    pub(crate) percent: Option<u8>,
    /// The store was busy: tried again when the next background job ends.
    pub(crate) waiting: bool,
    /// When the next scheduled sync is due, by the desk's clock.
    pub(crate) next_at: DateTime<Utc>,
    /// Failed syncs in a row.
    pub(crate) failures: u32,
    /// When the first of those failures was.
    pub(crate) offline_since: Option<DateTime<Utc>>,
    /// Why the server refused the last try, when it answered and refused.
    pub(crate) refused: Option<&'static str>,
    /// When the last sync of this session succeeded.
    pub(crate) last_ok: Option<DateTime<Utc>>,
    /// Conflicts waiting for a person to settle (other desks' ops not merged, and this desk's
    /// bookings to rebook), as the last sync left them; `None` before the first.
    pub(crate) conflicts: Option<u64>,
    /// The time between syncs while all is well.
    pub(crate) every: chrono::Duration,
    /// Keeps two sync jobs from running at once across sessions.
    pub(crate) gate: SyncGate,
}

impl SyncTask {
    /// The task for a desk, due at once when `enrolled`.
    pub(crate) fn new(enrolled: bool, every_seconds: u32, now: DateTime<Utc>, gate: SyncGate) -> SyncTask {
        SyncTask {
            enrolled,
            running: false,
            asked: false,
            percent: None,
            waiting: false,
            next_at: now,
            failures: 0,
            offline_since: None,
            refused: None,
            last_ok: None,
            conflicts: None,
            every: chrono::Duration::seconds(i64::from(every_seconds)),
            gate,
        }
    }

    /// Whether a scheduled sync should start now.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> bool {
        self.enrolled && !self.running && now >= self.next_at
    }

    /// Another background job ended: a sync waiting for a quiet moment is due now.
    pub(crate) fn quiet_moment(&mut self, now: DateTime<Utc>) {
        if self.waiting {
            self.next_at = now;
        }
    }

    /// A job is starting (`asked`: by hand).
    pub(crate) fn started(&mut self, asked: bool) {
        self.running = true;
        self.asked = asked;
        self.waiting = false;
        self.percent = None;
    }

    /// A job's result came back at `now`; `jitter` (0 to 1) spreads the wait after a failure.
    /// Returns the failure's text when the status line should show it: the first of a run of
    /// failures, or any failure of a sync asked for by hand.
    pub(crate) fn finished(
        &mut self,
        result: &Result<SyncReport, SyncFailure>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<String> {
        let asked = std::mem::take(&mut self.asked);
        self.running = false;
        self.percent = None;
        match result {
            Ok(report) => {
                self.conflicts = Some(report.conflicts + report.to_rebook + report.places_lost);
                self.failures = 0;
                self.offline_since = None;
                self.refused = None;
                self.last_ok = Some(now);
                self.next_at = now + self.every;
                None
            }
            Err(f) if f.kind == FailureKind::Busy => {
                self.waiting = true;
                self.next_at = now + self.every;
                None
            }
            Err(f) => {
                self.refused = match f.kind {
                    FailureKind::Refused(why) => Some(why),
                    _ => None,
                };
                self.failures = self.failures.saturating_add(1);
                let first = self.offline_since.is_none();
                self.offline_since.get_or_insert(now);
                let wait = retry_after(self.failures, jitter).max(f.retry_after.unwrap_or_default());
                self.next_at = now + chrono::Duration::from_std(wait).unwrap_or(self.every);
                (first || asked).then(|| f.text.clone())
            }
        }
    }

    /// A sync asked for by hand: the backoff starts again from nothing.
    pub(crate) fn reset_backoff(&mut self, now: DateTime<Utc>) {
        self.failures = 0;
        self.next_at = now;
    }

    /// The job panicked: counted as a failure.
    pub(crate) fn crashed(&mut self, now: DateTime<Utc>, jitter: f64) {
        let failed = Err(failure_offline(String::new(), None));
        self.finished(&failed, now, jitter);
    }

    /// The status bar's words for sync at `now`; `clock` shows a time as the desk's local
    /// `HH:MM`.
    pub(crate) fn bar_text(&self, now: DateTime<Utc>, clock: &dyn Fn(DateTime<Utc>) -> String) -> String {
        let mut text = if !self.enrolled {
            "sync: not enrolled".to_string()
        } else if self.running {
            match self.percent {
                Some(p) => format!("sync: ⟳ syncing {p}%"),
                None => "sync: ⟳ syncing".to_string(),
            }
        } else if let (Some(since), Some(why)) = (self.offline_since, self.refused) {
            format!(
                "sync: ✗ refused ({why}) since {}, next try {}",
                clock(since),
                wait_text(self.next_at - now)
            )
        } else if let Some(since) = self.offline_since {
            format!(
                "sync: ✗ offline since {}, next try {}",
                clock(since),
                wait_text(self.next_at - now)
            )
        } else if self.waiting {
            "sync: … waiting for a quiet moment".to_string()
        } else if let Some(at) = self.last_ok {
            format!("sync: ✓ synced {}", clock(at))
        } else {
            "sync: … starting".to_string()
        };
        if let Some(n) = self.conflicts.filter(|n| *n > 0) {
            text.push_str(&format!(", {n} conflict{}", if n == 1 { "" } else { "s" }));
        }
        text
    }
}

/// How long until the next try, as the bar says it: seconds rounded up, minutes past 90 s.
fn wait_text(left: chrono::Duration) -> String {
    let secs = (left.num_milliseconds().max(0) + 999) / 1000;
    match secs {
        0 => "now".to_string(),
        s if s <= 90 => format!("in {s} s"),
        s => format!("in {} min", (s + 59) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap() + chrono::Duration::seconds(s)
    }

    fn hm(at: DateTime<Utc>) -> String {
        at.format("%H:%M").to_string()
    }

    fn down() -> Result<SyncReport, SyncFailure> {
        Err(SyncFailure {
            text: "could not reach".into(),
            kind: FailureKind::Offline,
            retry_after: None,
        })
    }

    #[test]
    fn sync_percent_puts_pushing_first_pulling_second_and_merging_last() {
        assert_eq!(sync_percent("pushing", 0, 10), 0);
        assert_eq!(sync_percent("pushing", 5, 10), 15);
        assert_eq!(sync_percent("pulling", 0, 0), 70);
        assert_eq!(sync_percent("pulling", 5, 10), 50);
        assert_eq!(sync_percent("pulling", 12, 10), 70);
        assert_eq!(sync_percent("merging", 5, 10), 85);
        assert_eq!(sync_percent("merging", 10, 10), 100);
    }

    #[test]
    fn sync_bar_says_each_state_in_words_and_symbols() {
        let gate = SyncGate::default();
        let mut task = SyncTask::new(false, 60, t(0), gate.clone());
        assert_eq!(task.bar_text(t(0), &hm), "sync: not enrolled");
        task = SyncTask::new(true, 60, t(0), gate);
        task.started(false);
        assert_eq!(task.bar_text(t(0), &hm), "sync: ⟳ syncing");
        task.percent = Some(40);
        assert_eq!(task.bar_text(t(0), &hm), "sync: ⟳ syncing 40%");
        assert_eq!(task.finished(&Ok(SyncReport::default()), t(0), 0.5), None);
        assert_eq!(task.bar_text(t(1), &hm), "sync: ✓ synced 10:00");
        assert_eq!(task.next_at, t(60));
        assert_eq!(task.finished(&down(), t(60), 1.0).as_deref(), Some("could not reach"));
        assert_eq!(
            task.bar_text(t(61), &hm),
            "sync: ✗ offline since 10:01, next try in 4 s"
        );
        assert_eq!(task.finished(&down(), t(65), 1.0), None, "said once");
        assert_eq!(
            task.bar_text(t(65), &hm),
            "sync: ✗ offline since 10:01, next try in 10 s"
        );
    }

    #[test]
    fn sync_busy_store_waits_without_counting_a_failure() {
        let mut task = SyncTask::new(true, 60, t(0), SyncGate::default());
        task.started(false);
        let busy = Err(SyncFailure {
            text: "busy".into(),
            kind: FailureKind::Busy,
            retry_after: None,
        });
        assert_eq!(task.finished(&busy, t(0), 0.0), None);
        assert_eq!(task.failures, 0);
        assert!(!task.due(t(1)), "not tried again at once");
        task.quiet_moment(t(1));
        assert!(task.due(t(1)), "tried again when another job ends");
        assert_eq!(task.bar_text(t(1), &hm), "sync: … waiting for a quiet moment");
    }

    #[test]
    fn sync_server_asking_for_a_wait_is_obeyed_when_longer_than_the_backoff() {
        let mut task = SyncTask::new(true, 60, t(0), SyncGate::default());
        let unavailable = Err(SyncFailure {
            text: "try later".into(),
            kind: FailureKind::Offline,
            retry_after: Some(Duration::from_secs(90)),
        });
        task.finished(&unavailable, t(0), 0.0);
        assert_eq!(task.next_at, t(90));
        assert_eq!(
            task.bar_text(t(0), &hm),
            "sync: ✗ offline since 10:00, next try in 90 s"
        );
        assert_eq!(wait_text(chrono::Duration::seconds(125)), "in 3 min");
    }

    #[test]
    fn sync_a_refusal_says_why_instead_of_offline() {
        let mut task = SyncTask::new(true, 60, t(0), SyncGate::default());
        let revoked = DeskError::Sync(SyncError::Refused {
            code: ErrorCode::Revoked,
            message: "revoked".into(),
            retry_after_ms: None,
        });
        task.started(false);
        task.finished(&Err(failure(&revoked)), t(0), 0.0);
        let bar = task.bar_text(t(1), &hm);
        assert!(bar.contains("refused (this terminal was revoked)"), "{bar}");
        assert!(!bar.contains("offline"), "{bar}");
        task.started(false);
        task.finished(&Ok(SyncReport::default()), t(10), 0.0);
        assert!(task.bar_text(t(11), &hm).contains("synced"));
        task.started(false);
        task.finished(&down(), t(20), 0.0);
        assert!(task.bar_text(t(21), &hm).contains("offline since"));
    }

    #[test]
    fn sync_conflict_count_shows_only_when_there_are_some() {
        let mut task = SyncTask::new(true, 60, t(0), SyncGate::default());
        task.finished(&Ok(SyncReport::default()), t(0), 0.0);
        task.conflicts = Some(0);
        assert_eq!(task.bar_text(t(0), &hm), "sync: ✓ synced 10:00");
        task.conflicts = Some(2);
        assert_eq!(task.bar_text(t(0), &hm), "sync: ✓ synced 10:00, 2 conflicts");
    }
}
